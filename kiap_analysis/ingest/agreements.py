"""What the meeting agreed: the agreements file a follow-up opens with (docs/agreements.md).

After the meeting the consultant writes down each agreement: what is to be done, who does it
(a role or an organisation: ``Kommunen``, ``Klyngeformanden``) and by when. The follow-up deck
opens with them ("Det aftalte vi sidst"). The file is YAML::

    agreements:
      - what: Kommunen sender en oversigt over tilbuddene til alle praksis
        who: Kommunen
        by: 2025-06-01

(``hvad``/``hvem``/``hvornår`` are read as ``what``/``who``/``by``; a bare list works too).
Or the .xlsx ``kiap prepare`` wrote, whose sheet 'Aftaler' has the columns Hvad, Hvem and
Senest, one agreement per row. Every problem names the file, the line (or sheet and row) and
the fix.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from kiap_analysis.core.errors import InputError, Problem
from kiap_analysis.core.identifiers import Watchlist
from kiap_analysis.core.orders import LineLoader
from kiap_analysis.ingest.tables import cell_text, excel_sheets, read_excel_sheet

FIELDS = {"what": "what", "hvad": "what", "who": "who", "hvem": "who", "by": "by", "hvornår": "by",
          "hvornaar": "by", "senest": "by"}
EXAMPLE = "write e.g.\n  agreements:\n    - what: <what is to be done>\n      who: Kommunen\n      by: 2025-06-01"
# Words that name a role or an organisation, never a person (an owner made of them is fine).
ROLE_WORDS = frozenset(str.split("""
kommunen kommune klyngen klynge klyngeformand klyngeformanden klyngekoordinator klyngekoordinatoren
praksis praksiskonsulent praksiskonsulenten praksiskonsulenter kiap klu lægerne læger lægen
sundhedscenter sundhedscentret sundhedscenteret sygeplejersker sygeplejersken praksispersonalet
personalet sekretærer sekretæren alle og i på ved med hver alle medlemmer medlemmerne referent referenten
"""))
AGREEMENTS_SHEET = "Aftaler"
SHEET_HEADERS = ("Hvad", "Hvem", "Senest (ÅÅÅÅ-MM-DD)")  # the sheet's header row, as kiap prepare writes it
SHEET_EXAMPLE = (f"write one agreement per row on the sheet '{AGREEMENTS_SHEET}' under the headers "
                 f"{', '.join(SHEET_HEADERS)} (the .xlsx kiap prepare wrote has it)")
PERSON_WORDS = re.compile(r"\b[A-ZÆØÅ][a-zæøåé]{2,}(?:-[A-ZÆØÅ][a-zæøåé]+)?\b")


@dataclass(frozen=True)
class Agreement:
    what: str
    who: str  # a role or an organisation (published as written)
    by: dt.date | None
    line: int | None = None  # its line in a YAML file, or its row on the sheet 'Aftaler'
    sheet: str | None = None  # the sheet, when read from a workbook

    def place(self) -> dict[str, Any]:
        """Where a message names it: its line, or its sheet and row."""
        return {"sheet": self.sheet, "row": self.line} if self.sheet else {"line": self.line}

    @property
    def by_label(self) -> str:
        """'senest 1.6.2025', or '' without a date."""
        return f"senest {self.by.day}.{self.by.month}.{self.by.year}" if self.by else ""

    def text(self) -> str:
        """How the deck and report say it: 'Kommunen sender ... – Kommunen, senest 1.6.2025'."""
        owner = ", ".join(part for part in (self.who, self.by_label) if part)
        return f"{self.what} – {owner}"


def read_agreements(path: Path, label: str) -> list[Agreement]:
    """The agreements of ``path`` (``label``: how messages name it): a YAML file, or a workbook's
    sheet 'Aftaler'; InputError lists every problem."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_agreements_sheet(path, label)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=LineLoader)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(label, f"cannot read the agreements file ({type(exc).__name__})",
                                 "save it as UTF-8 text (YAML)")) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(Problem(label, "the agreements file is not valid YAML", EXAMPLE,
                                 line=mark.line + 1 if mark else None)) from exc
    items = raw.get("agreements", raw.get("aftaler")) if isinstance(raw, dict) else raw
    if not isinstance(items, list) or not items:
        raise InputError(Problem(label, "expected a non-empty list 'agreements:'", EXAMPLE))
    agreements, problems = [], []
    for number, item in enumerate(items, start=1):
        agreement, found = _agreement(item, number, label)
        problems += found
        if agreement is not None:
            agreements.append(agreement)
    if problems:
        raise InputError(problems)
    return agreements


def read_agreements_sheet(path: Path, label: str) -> list[Agreement]:
    """The agreements on a workbook's sheet 'Aftaler' (any case): a header row naming the columns
    (Hvad, Hvem, Senest; or what, who, by), then one agreement per row; empty rows are skipped."""
    sheets = {name.strip().casefold(): name for name in excel_sheets(path, label)}
    name = sheets.get(AGREEMENTS_SHEET.casefold())
    if name is None:
        raise InputError(Problem(label, f"the workbook has no sheet '{AGREEMENTS_SHEET}' for the agreements",
                                 SHEET_EXAMPLE))
    cells = read_excel_sheet(path, label, name).cells
    headers = [cell_text(v) for v in cells.iloc[0]] if len(cells) else []
    columns, problems = {}, []
    for pos, header in enumerate(headers):
        if not header:
            continue
        field = FIELDS.get(re.split(r"[^\wæøå]+", header.casefold())[0])
        if field is None or field in columns.values():
            problems.append(Problem(label, f"the column '{header}' is not Hvad, Hvem or Senest"
                                    + (" (or is one of them twice)" if field else ""), SHEET_EXAMPLE,
                                    sheet=name, row=1))
        else:
            columns[pos] = field
    missing = [h for h, f in zip(SHEET_HEADERS, ("what", "who", "by"), strict=True)
               if f != "by" and f not in columns.values()]
    if missing:
        problems.append(Problem(label, f"the sheet has no column {' or '.join(repr(m) for m in missing)}",
                                SHEET_EXAMPLE, sheet=name, row=1))
    if problems:
        raise InputError(problems)
    agreements, number = [], 0
    for row_pos in range(1, len(cells)):
        item: dict[str, Any] = {"__line__": row_pos + 1}
        for pos, field in columns.items():
            value = cells.iat[row_pos, pos]
            item[field] = value if isinstance(value, (dt.date, dt.datetime)) else cell_text(value)
        if all(item.get(f) in (None, "") for f in columns.values()):
            continue
        number += 1
        agreement, found = _agreement(item, number, label)
        problems += [replace(p, sheet=name, row=p.line, line=None) for p in found]
        if agreement is not None:
            agreements.append(replace(agreement, sheet=name))
    if problems:
        raise InputError(problems)
    if not agreements:
        raise InputError(Problem(label, f"the sheet '{name}' holds no agreements", SHEET_EXAMPLE, sheet=name))
    return agreements


def _agreement(item: Any, number: int, label: str) -> tuple[Agreement | None, list[Problem]]:
    if not isinstance(item, dict):
        return None, [Problem(label, f"agreement {number} is not a mapping with what, who and by", EXAMPLE)]
    line, lines = item.get("__line__"), item.get("__lines__", {})
    values: dict[str, Any] = {}
    problems = []
    for key, value in item.items():
        if key in ("__line__", "__lines__"):
            continue
        field = FIELDS.get(str(key).strip().casefold())
        if field is None:
            problems.append(Problem(label, f"agreement {number} has an unknown field '{key}'",
                                    "use what, who and by (or hvad, hvem, hvornår)", line=lines.get(key, line)))
        else:
            values[field] = value
            lines.setdefault(field, lines.get(key, line))
    for field, meaning in (("what", "what is to be done"), ("who", "who does it (a role: Kommunen, "
                                                                   "Klyngeformanden)")):
        text = values.get(field)
        if not isinstance(text, (str, int, float)) or not str(text).strip():
            problems.append(Problem(label, f"agreement {number} has no '{field}'",
                                    f"add '{field}:' with {meaning}", line=lines.get(field, line)))
    by, bad_date = _date(values.get("by"))
    if bad_date:
        problems.append(Problem(label, f"agreement {number}: 'by' is not a date",
                                "write the date as YYYY-MM-DD, e.g. by: 2025-06-01, or leave 'by' out",
                                line=lines.get("by", line)))
    if problems:
        return None, problems
    return Agreement(str(values["what"]).strip(), str(values["who"]).strip(), by, line), []


def _date(value: Any) -> tuple[dt.date | None, bool]:
    """(the date, whether it was unreadable)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, False
    if isinstance(value, dt.datetime):
        return value.date(), False
    if isinstance(value, dt.date):
        return value, False
    try:
        return dt.date.fromisoformat(str(value).strip()), False
    except ValueError:
        return None, True


def agreement_problems(agreements: list[Agreement], watch: Watchlist, public: frozenset[str],
                       label: str) -> list[Problem]:
    """The agreements are published as written (like the cluster's name), so none may hold an
    identifier the order knows (``watch``: CPR, e-mail, phone, ydernumre, practice, respondent,
    roster and listed names, practice-name shapes) nor an owner that looks like a person's name
    (two capitalised words in a row that are not role words or published words)."""
    problems = []
    for number, agreement in enumerate(agreements, start=1):
        for field in ("what", "who"):
            kinds = sorted({f.kind for f in watch.find(getattr(agreement, field))})
            if kinds:
                problems.append(Problem(
                    label, f"agreement {number}: '{field}' holds {' and '.join(kinds)} (the agreements are "
                    "shown on the deck and report)", "write roles, not people: e.g. who: Klyngeformanden, "
                    "Kommunen, Praksiskonsulenten", **agreement.place()))
        if looks_like_a_person(agreement.who, public):
            problems.append(Problem(
                label, f"agreement {number}: 'who' looks like a person's name (not quoted here); a "
                "person's name is not published", "write the role instead (e.g. Klyngeformanden, Kommunen, "
                "Praksiskonsulenten, KiAP)", **agreement.place()))
    return problems


def looks_like_a_person(owner: str, public: frozenset[str]) -> bool:
    """Two capitalised words in a row that are no role or published words ('Anna Hansen', 'Mette
    Berg': a capitalised common word counts, as surnames such as Berg or Lund are common words)."""
    words = [m for m in PERSON_WORDS.finditer(owner)
             if m.group().casefold() not in ROLE_WORDS and m.group() not in public]
    return any(b.start() - a.end() <= 2 and owner[a.end():b.start()].strip(" .") == ""
               for a, b in itertools.pairwise(words))
