"""The region's admissions extract: one row per admission (.xlsx or .csv).

Columns are found by their headers (title rows above the header are skipped): admission and
discharge date-time, age or age group, sex, the patient's practice (ydernummer), where the
patient came from (matched to the package's origins and their aliases), a diagnosis code or
group (mapped to the package's focus areas), a readmission flag and a CPR number.

A CPR number is turned into a keyed digest (``pseudonyms.patient_digest``) as the row is
read, used only to find readmissions within the package's ``readmission_days`` of a
discharge, and never leaves this module: the table returned holds no CPR number and no
digest. Every data row is kept, dropped by a named rule (``core/rules.py``) or reported as a
problem naming its row and column, never its value.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kiap_analysis.core.errors import InputError, Problem
from kiap_analysis.core.orders import Period
from kiap_analysis.core.responses import normalise
from kiap_analysis.core.spec import AdmissionsConfig, FocusArea, Origin
from kiap_analysis.ingest.cells import CellError, is_total_label, parse_ydernummer
from kiap_analysis.ingest.tables import RawTable, cell_text, column_letter, first_sheet_with, guarded
from kiap_analysis.privacy.pseudonyms import patient_digest

HEADER_SCAN_ROWS = 20
OTHER_AREA = "Øvrige diagnoser"
UNKNOWN = "Ukendt"
AGE_BANDS = ((0, 2, "0-2 år"), (3, 17, "3-17 år"), (18, 64, "18-64 år"), (65, 79, "65-79 år"), (80, 200, "80+ år"))
COLUMNS = ["row", "ydernummer", "admitted_at", "discharged_at", "stay_hours", "age_years", "age_group", "sex",
           "origin", "focus_area", "is_readmission"]

# Header patterns, tried in this order for each header (first match wins): 'genindlæggelse'
# must not be taken for the admission time, nor 'indlagt fra' for it.
_HEADERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("readmission", re.compile(r"genindl|readmi|re-admi")),
    ("cpr", re.compile(r"cpr|personnummer|personnr")),
    ("origin", re.compile(r"henvist fra|kommer fra|indlagt fra|opholdssted|origin|herkomst|bopæl|boform|^fra$")),
    ("discharged", re.compile(r"udskr|discharg|slut")),
    ("admitted", re.compile(r"indl|admi|ankomst|kontaktstart|start")),
    ("age_group", re.compile(r"aldersgr|aldersinterval|age ?group|age_group|aldersgruppe")),
    ("age", re.compile(r"^alder|^age")),
    ("sex", re.compile(r"køn|koen|^sex|gender")),
    ("practice", re.compile(r"yder|praksis|lægepraksis|practice|egen læge")),
    ("diagnosis_group", re.compile(r"diagnosegr|diagnosis group|gruppe|group")),
    ("diagnosis", re.compile(r"diag|icd|aktionsdiag")),
)
_DATETIME_FORMATS = (
    *(f"{day} {time}" for day in ("%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%Y-%m-%d", "%Y/%m/%d")
      for time in ("%H:%M", "%H:%M:%S", "%H.%M", "%H.%M.%S")),
    "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_YES = {"ja", "j", "1", "x", "yes", "y", "true", "sand"}
_NO = {"nej", "n", "0", "no", "false", "falsk", ""}
_SEX = {"k": "Kvinde", "kvinde": "Kvinde", "f": "Kvinde", "female": "Kvinde", "pige": "Kvinde",
        "m": "Mand", "mand": "Mand", "male": "Mand", "dreng": "Mand"}


@dataclass
class AdmissionIngest:
    """The admissions read: one row per admission kept (``COLUMNS``), no CPR number, no digest."""

    admissions: pd.DataFrame
    file: str
    rows_read: int
    dropped: list[tuple[int, str]] = field(default_factory=list)  # (spreadsheet row, rule key)
    warnings: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    error_rows: int = 0
    readmission_source: str = ""  # "flag", "cpr" or "" (no readmissions known)
    columns_read: tuple[str, ...] = ()  # the kinds of column found (never the CPR values)


class OriginMatcher:
    """Places as regions write them -> the package's origin labels."""

    def __init__(self, origins: Sequence[Origin]):
        self.lookup = {self.key(name): o.label for o in origins for name in (o.id, o.label, *o.aliases)}

    @staticmethod
    def key(name: str) -> str:
        return re.sub(r"[\s\-_/]+", " ", normalise(name)).strip()

    def match(self, name: str) -> str | None:
        return self.lookup.get(self.key(name))


def parse_datetime(value: object) -> dt.datetime:
    """A date-time as Danish exports write it ('01-03-2025 14:05', '01.03.2025 14.05'), ISO
    ('2025-03-01T14:05'), an Excel date-time cell or Excel serial ('45717.5868')."""
    if isinstance(value, dt.datetime):
        return value.replace(second=0, microsecond=0) if value.microsecond else value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        text = cell_text(value)
        if re.fullmatch(r"\d{5}([.,]\d+)?", text):
            number = float(text.replace(",", "."))
        else:
            text = re.sub(r"\s+(kl\.?\s*)?", " ", text).strip()
            for fmt in _DATETIME_FORMATS:
                try:
                    return dt.datetime.strptime(text, fmt)
                except ValueError:
                    continue
    if number is not None and 20000 < number < 80000:
        moment = _EXCEL_EPOCH + dt.timedelta(days=number)
        return (moment + dt.timedelta(seconds=30)).replace(second=0, microsecond=0)  # to the minute
    raise CellError("expected a date and time (e.g. 01-03-2025 14:05)")


def age_range(age: int | None, group: str) -> tuple[int | None, int | None]:
    """The ages a row may have: its age, or the bounds of its group ('65-79', '80+', '0-2 år')."""
    if age is not None:
        return age, age
    text = normalise(group)
    if m := re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)( år)?", text):
        return int(m.group(1)), int(m.group(2))
    if m := re.fullmatch(r"(\d+)\s*(\+|år \+|\+ år|år og derover|år og ældre)", text):
        return int(m.group(1)), None
    return None, None


def age_band(age: int) -> str:
    return next(label for low, high, label in AGE_BANDS if low <= age <= high)


def diagnosis_code(text: str) -> str:
    """'DJ18.9', 'dj189', 'J18.9' -> 'DJ189' (the SKS form: a 'D' before the ICD-10 code)."""
    code = re.sub(r"[\s.]", "", text).upper()
    return code if code.startswith("D") and len(code) > 1 and code[1].isalpha() else f"D{code}" if code else ""


def focus_area(code: str, group: str, ages: tuple[int | None, int | None], areas: Sequence[FocusArea]) -> str:
    """The first focus area whose diagnoses and ages the admission fits; OTHER_AREA if none.
    An age group that straddles an area's bound ('60-69' for 65+) does not fit it."""
    low, high = ages
    group_key = OriginMatcher.key(group) if group else ""
    for area in areas:
        if area.min_age is not None and (low is None or low < area.min_age):
            continue
        if area.max_age is not None and (high is None or high > area.max_age):
            continue
        if not area.codes and not area.groups:
            return area.label
        if code and any(code.startswith(diagnosis_code(c)) for c in area.codes):
            return area.label
        if group_key and group_key in {OriginMatcher.key(g) for g in (*area.groups, area.label, area.id)}:
            return area.label
    return OTHER_AREA


def mark_readmissions(admitted: Sequence[dt.datetime], discharged: Sequence[dt.datetime | None],
                      patients: Sequence[str | None], days: int) -> list[bool]:
    """Per admission: did it start within ``days`` days after the same patient's previous
    discharge (the Danish 30-day readmission, akut genindlæggelse inden for 30 dage efter
    udskrivelse, counted per admission)? An admission without a patient is never one."""
    order = sorted(range(len(admitted)), key=lambda i: admitted[i])
    last_out: dict[str, dt.datetime] = {}
    flags = [False] * len(admitted)
    window = dt.timedelta(days=days)
    for i in order:
        patient = patients[i]
        if not patient:
            continue
        previous = last_out.get(patient)
        if previous is not None and previous <= admitted[i] <= previous + window:
            flags[i] = True
        end = discharged[i] or admitted[i]
        last_out[patient] = max(end, previous) if previous is not None else end
    return flags


def _classify(headers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for pos, header in enumerate(headers):
        key = normalise(header)
        if not key:
            continue
        for kind, pattern in _HEADERS:
            if pattern.search(key):
                found.setdefault(kind, pos)
                break
    return found


def _find_header(table: RawTable) -> tuple[int, dict[str, int]]:
    for row in range(min(HEADER_SCAN_ROWS, len(table.cells))):
        columns = _classify([cell_text(v) for v in table.cells.iloc[row]])
        if "admitted" in columns and len(columns) >= 3:
            return row, columns
    raise InputError(table.problem(
        f"no header row with an admission date-time column and the other admission columns was found in "
        f"the first {HEADER_SCAN_ROWS} rows",
        "give the sheet a header row such as 'Indlæggelsestidspunkt | Udskrivningstidspunkt | Alder | Køn | "
        "Ydernummer | Henvist fra | Aktionsdiagnose' (see docs/input-formats.md, Admissions)"))


@dataclass
class _Row:
    row: int
    ydernummer: str
    admitted: dt.datetime
    discharged: dt.datetime | None
    age: int | None
    group: str
    sex: str
    origin: str
    area: str
    flag: bool | None
    patient: str | None


@guarded
def read_admissions(path: Path, config: AdmissionsConfig, period: Period | None, label: str,
                    key: bytes | None = None, collect: bool = False) -> AdmissionIngest:
    """One row per admission kept. ``key``: the HMAC key of the patients' digests (a fresh
    random one by default: the digests only link admissions within this file). Row problems
    raise InputError, or with ``collect`` are returned in ``errors``."""
    key = key if key is not None else secrets.token_bytes(32)
    table, (header_row, columns) = first_sheet_with(path, label, _find_header)
    headers = [cell_text(v) for v in table.cells.iloc[header_row]]
    origins = OriginMatcher(config.origins)
    problems: list[Problem] = []
    dropped: list[tuple[int, str]] = []
    rows: list[_Row] = []
    unknown_origins: dict[str, int] = {}
    unknown_sex = 0
    rows_read = 0

    def where(kind: str) -> str:
        pos = columns[kind]
        return headers[pos] or column_letter(pos)

    def cell(row: pd.Series, kind: str) -> object:
        return row.iloc[columns[kind]] if kind in columns else None

    for row_pos in range(header_row + 1, len(table.cells)):
        row = table.cells.iloc[row_pos]
        if all(cell_text(v) == "" for v in row):
            continue
        rows_read += 1
        if any(is_total_label(v) for v in row.iloc[:2]) or (
                "practice" in columns and is_total_label(cell(row, "practice"))):
            dropped.append((row_pos + 1, "total_row"))
            continue
        before = len(problems)

        def bad(kind: str, message: str, fix: str) -> None:
            problems.append(table.problem(message, fix, row=row_pos, column=where(kind)))  # noqa: B023

        if cell_text(cell(row, "admitted")) == "":
            dropped.append((row_pos + 1, "no_admission_time"))
            continue
        try:
            admitted = parse_datetime(cell(row, "admitted"))
        except CellError as exc:
            bad("admitted", str(exc), "write the date and time as DD-MM-YYYY TT:MM")
            admitted = None
        discharged = None
        if "discharged" in columns and cell_text(cell(row, "discharged")):
            try:
                discharged = parse_datetime(cell(row, "discharged"))
            except CellError as exc:
                bad("discharged", str(exc), "write the date and time as DD-MM-YYYY TT:MM")
            if admitted and discharged and discharged < admitted:
                bad("discharged", "the discharge is before the admission", "check the two date-times of the row")
        ydernummer = ""
        if "practice" in columns and cell_text(cell(row, "practice")):
            try:
                ydernummer = parse_ydernummer(cell(row, "practice"))
            except CellError as exc:
                bad("practice", str(exc), "write the practice's 6-digit ydernummer")
        age = None
        if "age" in columns and cell_text(cell(row, "age")):
            text = cell_text(cell(row, "age")).replace(" år", "")
            if text.isdigit() and int(text) <= 125:
                age = int(text)
            else:
                bad("age", "expected an age in whole years (0-125)", "write the age in years, or use an age group")
        group = cell_text(cell(row, "age_group"))
        sex_text = normalise(cell_text(cell(row, "sex")))
        sex = _SEX.get(sex_text, UNKNOWN)
        if sex_text and sex == UNKNOWN:
            unknown_sex += 1
        origin_text = cell_text(cell(row, "origin"))
        origin = origins.match(origin_text) if origin_text else UNKNOWN
        if origin is None:
            unknown_origins.setdefault(origin_text.strip(), row_pos)
            origin = origin_text.strip()
        flag = None
        if "readmission" in columns:
            text = normalise(cell_text(cell(row, "readmission")))
            if text in _YES:
                flag = True
            elif text in _NO:
                flag = False
            else:
                bad("readmission", "expected ja/nej (or 1/0) in the readmission column", "write ja or nej")
        patient = None
        if "cpr" in columns and cell_text(cell(row, "cpr")):
            patient = patient_digest(key, cell_text(cell(row, "cpr")))  # the CPR number goes no further
        if len(problems) > before or admitted is None:
            continue
        if period is not None and not period.contains(admitted.date()):
            dropped.append((row_pos + 1, "admission_outside_period"))
            rows.append(_Row(row_pos + 1, "", admitted, discharged, None, "", "", "", "", None, patient))
            continue
        code = diagnosis_code(cell_text(cell(row, "diagnosis")))
        area = focus_area(code, cell_text(cell(row, "diagnosis_group")), age_range(age, group), config.focus_areas)
        rows.append(_Row(row_pos + 1, ydernummer, admitted, discharged, age, group, sex, origin, area, flag, patient))

    readmission_source = "flag" if "readmission" in columns else "cpr" if "cpr" in columns else ""
    derived = mark_readmissions([r.admitted for r in rows], [r.discharged for r in rows],
                                [r.patient for r in rows], config.readmission_days)
    outside = {row for row, rule in dropped if rule == "admission_outside_period"}
    records = []
    for r, is_readmission in zip(rows, derived, strict=True):
        if r.row in outside:  # read only to find readmissions early in the period
            continue
        stay = (r.discharged - r.admitted).total_seconds() / 3600 if r.discharged else float("nan")
        readmitted = r.flag if readmission_source == "flag" else is_readmission if readmission_source else None
        records.append((r.row, r.ydernummer, r.admitted, r.discharged, stay, r.age,
                        r.group or (age_band(r.age) if r.age is not None else UNKNOWN), r.sex, r.origin, r.area,
                        readmitted))
    if rows_read == 0:
        problems.append(table.problem("the admissions file has a header row but no rows of data below it",
                                      "deliver the file with its rows", row=header_row))
    if problems and not collect:
        raise InputError(problems)
    frame = pd.DataFrame(records, columns=COLUMNS)
    frame = frame.astype({"age_years": "Int64", "is_readmission": "boolean", "stay_hours": "float64"})
    frame["admitted_at"] = pd.to_datetime(frame["admitted_at"])
    frame["discharged_at"] = pd.to_datetime(frame["discharged_at"])
    warnings = [table.problem("a place of origin is not one of the package's origins; it is shown under the "
                              "name the file gives it (first in this row)",
                              "add the name to the origin's aliases in the package spec if it is one of them",
                              row=pos, column=where("origin"), severity="warning")
                for pos in unknown_origins.values()]
    if unknown_sex:
        warnings.append(table.problem(f"{unknown_sex} row(s) give a sex that is not K/M (Kvinde/Mand); shown as "
                                      f"'{UNKNOWN}'", "write K or M", column=where("sex"), severity="warning"))
    if "discharged" not in columns:
        warnings.append(table.problem("the file has no discharge column: lengths of stay and short admissions "
                                      "cannot be counted", "add the discharge date-time (Udskrivningstidspunkt)",
                                      row=header_row, severity="warning"))
    error_rows = len({p.row for p in problems if p.row is not None and p.row > header_row + 1})
    return AdmissionIngest(frame, label, rows_read, dropped, warnings, problems, error_rows, readmission_source,
                           tuple(sorted(k for k in columns if k != "cpr")) + (("cpr",) if "cpr" in columns else ()))
