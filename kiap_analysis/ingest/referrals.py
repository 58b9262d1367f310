"""The municipality's referral spreadsheet, in any of its three shapes.

- long: one row per practice and offer with a count;
- wide: one row per practice, one count column per offer;
- per referral: one row per referral with a date, counted within the order's period.

Title rows above the header and total rows ('I alt') are skipped; blank counts are 0;
ydernumre are 6-digit text. Only the practice, offer, count and date columns are read:
names, CPR numbers and anything else in the sheet never leave this module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from kiap_analysis.core.errors import InputError, Problem
from kiap_analysis.core.orders import Period
from kiap_analysis.core.responses import normalise
from kiap_analysis.core.spec import Offer
from kiap_analysis.ingest.cells import (
    CellError,
    is_total_label,
    parse_count,
    parse_date,
    parse_ydernummer,
)
from kiap_analysis.ingest.data_request import request_problems
from kiap_analysis.ingest.tables import (
    RawTable,
    cell_text,
    column_letter,
    first_sheet_with,
    guarded,
)

HEADER_SCAN_ROWS = 20
_PRACTICE = re.compile(r"yder|praksis|klinik|lægehus|laegehus|practice|lægepraksis")
_NAME = re.compile(r"navn|name")
_OFFER = re.compile(r"tilbud|forløb|forlob|offer|indsats|henvist til|ydelse|program|rehabilitering$")
_COUNT = re.compile(r"antal|count|henvisninger|referrals|^n$|^sum$")
_DATE = re.compile(r"dato|date|modtaget|tidspunkt")
_LISTED = re.compile(r"tilmeldte|tilknyttede|listede|listed|patienter")
_LISTED_COUNT = re.compile(r"antal")  # a bare 'Antal' listed-patients column, unless the sheet is about referrals
_REFERRAL_WORDS = re.compile(r"henvis|tilbud|forl")


@dataclass
class ReferralIngest:
    """Referral counts per practice (ydernummer) and offer."""

    counts: pd.DataFrame  # ydernummer, offer, referrals
    file: str
    shape: str
    rows_read: int
    warnings: list[Problem] = field(default_factory=list)
    unknown_offers: list[str] = field(default_factory=list)
    dropped: list[tuple[int, str]] = field(default_factory=list)  # (spreadsheet row, reason)
    practice_names: dict[str, str] = field(default_factory=dict)  # private: for the leak check
    errors: list[Problem] = field(default_factory=list)  # row problems, when the caller collects them
    error_rows: int = 0  # data rows with such a problem


class OfferMatcher:
    """Offer names as municipalities write them -> the spec's offer labels."""

    def __init__(self, offers: Sequence[Offer]):
        self.lookup: dict[str, str] = {}
        for offer in offers:
            for name in (offer.id, offer.label, *offer.aliases):
                self.lookup[self.key(name)] = offer.label

    @staticmethod
    def key(name: str) -> str:
        return re.sub(r"[\s\-_/]+", " ", normalise(name)).strip()

    def match(self, name: str) -> str | None:
        return self.lookup.get(self.key(name))


@dataclass(frozen=True)
class _Columns:
    practice: int | None = None
    name: int | None = None
    offer: int | None = None
    count: int | None = None
    date: int | None = None
    offers: tuple[tuple[int, str], ...] = ()  # wide: (column, offer label or raw name)


def _practice_columns(keys: list[str]) -> tuple[int | None, int | None]:
    """(ydernummer column, practice-name column): 'Ydernr.' wins over 'Praksis', which then
    names the practice; a header with 'navn'/'name' always does."""
    yder = next((i for i, k in enumerate(keys) if "yder" in k), None)
    named = [i for i, k in enumerate(keys) if k and _PRACTICE.search(k) and i != yder]
    practice = yder if yder is not None else next((i for i in named if not _NAME.search(keys[i])), None)
    name = next((i for i, k in enumerate(keys) if i != practice and _NAME.search(k)), None)
    if name is None and yder is not None:
        name = next((i for i in named), None)
    return practice, name


def _classify(headers: list[str], matcher: OfferMatcher) -> _Columns:
    keys = [normalise(h) for h in headers]
    practice, name = _practice_columns(keys)
    offer = count = date = None
    wide: list[tuple[int, str]] = []
    for pos, key in enumerate(keys):
        if not key or pos in (practice, name):
            continue
        if matcher.match(headers[pos]):
            wide.append((pos, matcher.match(headers[pos]) or headers[pos]))
        elif _DATE.search(key) and date is None:
            date = pos
        elif _OFFER.search(key) and offer is None:
            offer = pos
        elif _COUNT.search(key) and count is None:
            count = pos
    return _Columns(practice, name, offer, count, date, tuple(wide))


def _other_count_columns(table: RawTable, header_row: int, headers: list[str], columns: _Columns) -> tuple[
        list[tuple[int, str]], list[str]]:
    """Wide shape: columns that name no known offer but mostly hold counts are offers of their
    own (a text cell in them is then an error, as in any count column); other columns
    (comments, addresses, a row total) are not read."""
    used = {columns.practice, columns.name, *(pos for pos, _ in columns.offers)}
    extra, ignored = [], []
    body = table.cells.iloc[header_row + 1:]
    for pos, header in enumerate(headers):
        if pos in used or not header.strip():
            continue
        if is_total_label(header):
            continue
        values = [v for v in body.iloc[:, pos] if cell_text(v) != ""]
        counts = sum(_is_count(v) for v in values)
        if not values or 2 * counts <= len(values):
            ignored.append(header)
            continue
        extra.append((pos, header.strip()))
    return extra, ignored


def _is_count(value: object) -> bool:
    try:
        parse_count(value)
    except CellError:
        return False
    return True


def _find_header(table: RawTable, matcher: OfferMatcher) -> tuple[int, _Columns]:
    best: tuple[int, int, _Columns] | None = None
    for row in range(min(HEADER_SCAN_ROWS, len(table.cells))):
        headers = [cell_text(v) for v in table.cells.iloc[row]]
        columns = _classify(headers, matcher)
        if columns.practice is None:
            continue
        score = sum(x is not None for x in (columns.offer, columns.count, columns.date)) + len(columns.offers)
        if score and (best is None or score > best[1]):
            best = (row, score, columns)
    if best is None:
        raise InputError(table.problem(
            "no header row with a practice column (ydernummer) and offers or counts was found "
            f"in the first {HEADER_SCAN_ROWS} rows",
            "give the sheet a header row such as 'Ydernummer | Tilbud | Antal henvisninger', "
            "or one column per offer ('Ydernummer | Diabetes | KOL | ...')"))
    return best[0], best[2]


SHAPE_EVENTS, SHAPE_LONG, SHAPE_WIDE = "en række pr. henvisning", "lang (praksis, tilbud, antal)", \
    "bred (én kolonne pr. tilbud)"


def _layout(table: RawTable, matcher: OfferMatcher) -> tuple[int, _Columns, str]:
    """(header row, columns, shape) of a sheet in one of the three referral shapes; InputError
    if the sheet is in none of them (so a workbook's next sheet is tried)."""
    header_row, columns = _find_header(table, matcher)
    if columns.date is not None and columns.offer is not None:
        return header_row, columns, SHAPE_EVENTS
    if columns.offer is not None and columns.count is not None:
        return header_row, columns, SHAPE_LONG
    if columns.offers:
        return header_row, columns, SHAPE_WIDE
    raise InputError(table.problem(
        "the header names a practice column but neither offer + count columns, offer columns "
        "nor offer + date columns", "see docs/input-formats.md, Referrals: the three shapes",
        row=header_row))


FORMULA_FIX = ("open the file in Excel and save it again (Excel then stores each formula's result), or "
               "copy the cells and paste them as values")


def formula_problem(table: RawTable, row_pos: int, column: str) -> Problem:
    """A formula cell without a stored result: it would read as blank, so as 0."""
    return table.problem("the cell holds a formula whose result the file does not store, so its value "
                         "cannot be read", FORMULA_FIX, row=row_pos, column=column)


def no_rows_problem(table: RawTable, header_row: int, what: str) -> Problem:
    return table.problem(f"the {what} file has a header row but no rows of data below it",
                         "deliver the file with its rows (an empty file would count every practice as 0)",
                         row=header_row)


@guarded
def read_referrals(path: Path, offers: Sequence[Offer], period: Period | None, label: str,
                   collect: bool = False) -> ReferralIngest:
    """Referral counts per practice and offer. Row problems (bad cells, repeated rows,
    formulas without a value, no rows at all) raise InputError, or with ``collect`` are
    returned in ``errors`` with the rows that could be read (for the reconciliation)."""
    matcher = OfferMatcher(offers)
    table, (header_row, columns, shape) = first_sheet_with(path, label, lambda t: _layout(t, matcher),
                                                           formulas=True)
    headers = [cell_text(v) for v in table.cells.iloc[header_row]]
    ignored_columns: list[str] = []
    if shape == SHAPE_EVENTS and period is None:
        raise InputError(table.problem(
            "the referral file has one row per referral, but the order has no period to count in",
            "add period: {start: YYYY-MM-DD, end: YYYY-MM-DD} to the order"))
    if shape == SHAPE_WIDE:
        extra, ignored_columns = _other_count_columns(table, header_row, headers, columns)
        columns = replace(columns, offers=tuple(sorted([*columns.offers, *extra])))
    if columns.practice is None:  # pragma: no cover - _find_header guarantees it
        raise AssertionError

    records: list[tuple[str, str, int]] = []
    problems: list[Problem] = []
    dropped: list[tuple[int, str]] = []
    names: dict[str, str] = {}
    seen: dict[tuple[str, str], int] = {}  # (ydernummer, offer as written) -> first row
    first_seen: dict[str, tuple[int, int]] = {}  # an offer cell's text -> (row, column) it first stands in
    rows_read = 0

    def column_name(pos: int) -> str:
        return headers[pos] or column_letter(pos)

    for row_pos in range(header_row + 1, len(table.cells)):
        row = table.cells.iloc[row_pos]
        practice_cell = row.iloc[columns.practice]
        if all(cell_text(v) == "" for v in row) and not any((row_pos, c) in table.uncached_formulas
                                                           for c in range(len(row))):
            continue
        rows_read += 1
        if is_total_label(practice_cell) or (
            columns.name is not None and is_total_label(row.iloc[columns.name])
        ):
            dropped.append((row_pos + 1, "total row"))
            continue
        if cell_text(practice_cell) == "" and any(is_total_label(v) for v in row):
            dropped.append((row_pos + 1, "total row"))
            continue
        read_cols = [columns.practice, columns.offer, columns.count, columns.date, *(p for p, _ in columns.offers)]
        formulas = [pos for pos in read_cols if pos is not None and (row_pos, pos) in table.uncached_formulas]
        if formulas:
            problems += [formula_problem(table, row_pos, column_name(pos)) for pos in formulas]
            continue
        try:
            ydernummer = parse_ydernummer(practice_cell)
        except CellError as exc:  # reported; the row's other cells are still checked
            problems.append(table.problem(str(exc), "write the practice's 6-digit ydernummer",
                                          row=row_pos, column=column_name(columns.practice)))
            ydernummer = ""
        if columns.name is not None and ydernummer and cell_text(row.iloc[columns.name]):
            names[ydernummer] = cell_text(row.iloc[columns.name])
        if shape.startswith("lang"):
            offer_name = cell_text(row.iloc[columns.offer])
            if not offer_name:
                dropped.append((row_pos + 1, "no offer"))
                continue
            cells = [(columns.count, offer_name)]
            first_seen.setdefault(offer_name.strip(), (row_pos, columns.offer))
            repeat_key = (ydernummer, OfferMatcher.key(offer_name))
        elif shape.startswith("bred"):
            cells = list(columns.offers)
            repeat_key = (ydernummer, "")
        else:
            cells, repeat_key = [], None
            try:
                day = parse_date(row.iloc[columns.date])
            except CellError as exc:
                problems.append(table.problem(str(exc), "write the date as DD-MM-YYYY", row=row_pos,
                                              column=column_name(columns.date)))
                continue
            if not period.contains(day):  # type: ignore[union-attr]
                dropped.append((row_pos + 1, "outside the period"))
                continue
            if not cell_text(row.iloc[columns.offer]):
                dropped.append((row_pos + 1, "no offer"))
                continue
            records.append((ydernummer, cell_text(row.iloc[columns.offer]), 1))
            first_seen.setdefault(cell_text(row.iloc[columns.offer]), (row_pos, columns.offer))
        if repeat_key is not None and ydernummer:
            if repeat_key in seen:
                what = " for the same offer" if shape.startswith("lang") else ""
                problems.append(table.problem(
                    f"the practice already has a row{what} (row {seen[repeat_key]}): a repeated row would be "
                    "added up", "keep one row per practice" + (" and offer" if what else "") + ", with the "
                    "total count", row=row_pos, column=column_name(columns.practice)))
                continue
            seen[repeat_key] = row_pos + 1
        for pos, offer_name in cells:
            try:
                records.append((ydernummer, offer_name, parse_count(row.iloc[pos])))
            except CellError as exc:
                problems.append(table.problem(str(exc), "write the number of referrals (blank means 0)",
                                              row=row_pos, column=column_name(pos)))
    if rows_read == 0:
        problems.append(no_rows_problem(table, header_row, "referral"))
    edits = request_problems(path, label)  # a returned data request (kiap prepare): its layout as sent?
    problems += [p for p in edits if p.severity == "error"]
    if problems and not collect:
        raise InputError(problems)

    counts = pd.DataFrame(records, columns=["ydernummer", "offer", "referrals"])
    counts = counts[counts["ydernummer"] != ""]
    raw_offers = counts["offer"].astype(str)
    matched = raw_offers.map(lambda name: matcher.match(name) or name.strip())
    unknown = sorted({name for name in matched if name and not matcher.match(name)})
    wide = {header.strip(): pos for pos, header in columns.offers}
    warnings = [p for p in edits if p.severity == "warning"]
    warnings += [_unknown_offer(table, name, first_seen.get(name), wide.get(name), header_row) for name in unknown]
    warnings += [table.problem(f"column '{name}' holds no counts and is not read",
                               "remove it, or make it one offer's counts", row=header_row,
                               severity="warning") for name in ignored_columns]
    counts = (counts.assign(offer=matched)
              .groupby(["ydernummer", "offer"], as_index=False, sort=False)["referrals"].sum())
    return ReferralIngest(counts=counts, file=label, shape=shape, rows_read=rows_read,
                          warnings=warnings, unknown_offers=unknown, dropped=dropped,
                          practice_names=names, errors=problems, error_rows=_data_rows(problems, header_row))


def _unknown_offer(table: RawTable, name: str, cell: tuple[int, int] | None, column: int | None,
                   header_row: int) -> Problem:
    """An offer the package does not know: a column header (wide shape) is named, an offer cell
    only by its place (it is data); either way the slides show it under the file's name."""
    fix = "add the name to the offer's aliases in the package spec if it is one of them"
    if column is not None:
        return table.problem(f"column '{name}' names no offer of the package; it is shown under its own name", fix,
                             row=header_row, column=column_letter(column), severity="warning")
    row, pos = cell if cell is not None else (None, None)
    return table.problem("an offer in the file (text) is not one of the package's offers; it is shown on the "
                         "slides under the name the file gives it (first in this row)", fix, row=row,
                         column=None if pos is None else column_letter(pos), severity="warning")


@dataclass
class ListedIngest:
    """Listed patients per practice (ydernummer); NA where the file gives no usable number."""

    listed: pd.DataFrame  # ydernummer, listed_patients (Int64, NA when blank)
    file: str
    rows_read: int
    warnings: list[Problem] = field(default_factory=list)
    dropped: list[tuple[int, str]] = field(default_factory=list)
    practice_names: dict[str, str] = field(default_factory=dict)
    errors: list[Problem] = field(default_factory=list)
    error_rows: int = 0


def _listed_header(table: RawTable) -> tuple[int, int, int | None, int]:
    """(header row, practice column, name column or None, listed-patients column)."""
    for row in range(min(HEADER_SCAN_ROWS, len(table.cells))):
        keys = [normalise(cell_text(v)) for v in table.cells.iloc[row]]
        p, n = _practice_columns(keys)
        c = next((i for i, k in enumerate(keys) if k and i not in (p, n) and _LISTED.search(k)), None)
        if c is None and not any(_REFERRAL_WORDS.search(k) for k in keys):
            c = next((i for i, k in enumerate(keys) if k and i not in (p, n) and _LISTED_COUNT.search(k)), None)
        if p is not None and c is not None:
            return row, p, n, c
    raise InputError(table.problem(
        "no header row with a practice column (ydernummer) and a listed-patients column",
        "give the sheet a header row such as 'Ydernummer | Tilmeldte patienter'"))


@guarded
def read_listed_patients(path: Path, label: str, collect: bool = False) -> ListedIngest:
    """Listed patients per practice; row problems as in ``read_referrals`` (``collect``)."""
    table, (header_row, practice, name, count) = first_sheet_with(path, label, _listed_header, formulas=True)
    headers = [cell_text(v) for v in table.cells.iloc[header_row]]
    records, problems, dropped, names, rows_read = [], [], [], {}, 0
    for row_pos in range(header_row + 1, len(table.cells)):
        row = table.cells.iloc[row_pos]
        if all(cell_text(v) == "" for v in row) and not any((row_pos, c) in table.uncached_formulas
                                                           for c in range(len(row))):
            continue
        rows_read += 1
        if is_total_label(row.iloc[practice]) or (name is not None and is_total_label(row.iloc[name])):
            dropped.append((row_pos + 1, "total row"))
            continue
        formulas = [pos for pos in (practice, count) if (row_pos, pos) in table.uncached_formulas]
        if formulas:
            problems += [formula_problem(table, row_pos, headers[pos] or column_letter(pos)) for pos in formulas]
            continue
        try:
            ydernummer = parse_ydernummer(row.iloc[practice])
        except CellError as exc:
            problems.append(table.problem(str(exc), "write the practice's 6-digit ydernummer",
                                          row=row_pos, column=headers[practice]))
            continue
        if name is not None and cell_text(row.iloc[name]):
            names[ydernummer] = cell_text(row.iloc[name])
        raw = row.iloc[count]
        if cell_text(raw) == "":
            records.append((ydernummer, pd.NA))
            continue
        try:
            records.append((ydernummer, parse_count(raw)))
        except CellError as exc:
            problems.append(table.problem(str(exc), "write the number of listed patients",
                                          row=row_pos, column=headers[count]))
    if rows_read == 0:
        problems.append(no_rows_problem(table, header_row, "listed-patients"))
    listed = pd.DataFrame(records, columns=["ydernummer", "listed_patients"])
    listed["listed_patients"] = listed["listed_patients"].astype("Int64")
    duplicated = listed["ydernummer"].duplicated(keep=False)
    if duplicated.any():
        problems.append(table.problem(f"{int(duplicated.sum())} rows share a ydernummer", "keep one row per practice"))
        listed = listed.drop_duplicates("ydernummer")
    if problems and not collect:
        raise InputError(problems)
    return ListedIngest(listed=listed, file=label, rows_read=rows_read, dropped=dropped,
                        practice_names=names, errors=problems, error_rows=_data_rows(problems, header_row))


def _data_rows(problems: list[Problem], header_row: int) -> int:
    """How many rows below the header (0-based ``header_row``) the problems name."""
    return len({p.row for p in problems if p.row is not None and p.row > header_row + 1})


@dataclass
class RosterIngest:
    """A cluster's roster (``practices:`` in the orders file): its practices' ydernumre and names,
    read only to redact them and to check the outputs against them."""

    ydernumre: set[str]
    names: set[str]
    file: str
    errors: list[Problem] = field(default_factory=list)


def _roster_header(table: RawTable) -> tuple[int, int, int | None]:
    """(header row, practice column, name column or None)."""
    for row in range(min(HEADER_SCAN_ROWS, len(table.cells))):
        keys = [normalise(cell_text(v)) for v in table.cells.iloc[row]]
        practice, name = _practice_columns(keys)
        if practice is not None and (name is not None or "yder" in keys[practice]):
            return row, practice, name
    raise InputError(table.problem(
        "no header row with a practice column (ydernummer) was found",
        "give the roster a header row such as 'Ydernummer | Praksisnavn'"))


@guarded
def read_roster(path: Path, label: str) -> RosterIngest:
    """Every practice of a roster; a cell that is no ydernummer is an error (by its place)."""
    table, (header_row, practice, name) = first_sheet_with(path, label, _roster_header)
    ydernumre, names, problems = set(), set(), []
    for row_pos in range(header_row + 1, len(table.cells)):
        row = table.cells.iloc[row_pos]
        if all(cell_text(v) == "" for v in row) or is_total_label(row.iloc[practice]):
            continue
        if name is not None and cell_text(row.iloc[name]):
            names.add(cell_text(row.iloc[name]))
        try:
            ydernumre.add(parse_ydernummer(row.iloc[practice]))
        except CellError as exc:
            problems.append(table.problem(str(exc), "write the practice's 6-digit ydernummer", row=row_pos,
                                          column=column_letter(practice)))
    return RosterIngest(ydernumre, names, label, problems)
