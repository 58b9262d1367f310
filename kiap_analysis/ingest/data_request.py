"""A returned data request: the workbook ``kiap prepare`` sent the municipality, filled in.

The request carries a hidden sheet (``MARKER_SHEET``) whose first cell is ``MARKER`` and whose
second holds, as JSON, the layout as sent: the data sheet's name, its header row and its
practices in order. The referral reader recognises a returned request by it and names every
edit to that layout: a column moved, added or removed, a practice's row deleted, added or
moved. A moved column or row still reads right (by header, by ydernummer): a warning; a
removed offer column or a deleted practice's row would count as 0: an error. Messages name
rows by their place, never by the ydernummer in them (docs/privacy.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from kiap_analysis.core.errors import Problem
from kiap_analysis.ingest.cells import CellError, parse_ydernummer
from kiap_analysis.ingest.tables import cell_text

MARKER_SHEET = "kiap"
MARKER = "kiap-data-request v1"
DATA_SHEET = "Henvisninger"
YDERNUMMER = "Ydernummer"


@dataclass(frozen=True)
class RequestLayout:
    order_id: str
    sheet: str
    headers: tuple[str, ...]  # Ydernummer, then one column per offer (its label)
    practices: tuple[str, ...]  # ydernumre, in row order (rows 2, 3, ...)

    def to_json(self) -> str:
        return json.dumps({"order_id": self.order_id, "sheet": self.sheet, "headers": list(self.headers),
                           "practices": list(self.practices)}, ensure_ascii=False)


def request_layout(path: Path) -> RequestLayout | None:
    """The layout as sent, when ``path`` is a data request (its hidden marker), else None."""
    if path.suffix.lower() != ".xlsx" or not path.is_file():
        return None
    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # not a readable workbook: the reader's own checks say why
        return None
    try:
        if MARKER_SHEET not in book.sheetnames:
            return None
        cells = [row for row in book[MARKER_SHEET].iter_rows(min_row=1, max_row=2, max_col=1, values_only=True)]
        if len(cells) < 2 or cells[0][0] != MARKER:
            return None
        data = json.loads(str(cells[1][0]))
        return RequestLayout(data["order_id"], data["sheet"], tuple(data["headers"]), tuple(data["practices"]))
    except (ValueError, KeyError, TypeError):
        return None
    finally:
        book.close()


def _column(pos: int) -> str:
    return openpyxl.utils.get_column_letter(pos + 1)


def request_problems(path: Path, label: str) -> list[Problem]:
    """Every edit to a returned request's structure (none: [], also for a file that is no request)."""
    layout = request_layout(path)
    if layout is None:
        return []
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if layout.sheet not in book.sheetnames:
            return [Problem(label, f"this is KiAP's data request for {layout.order_id}, but its sheet "
                            f"'{layout.sheet}' is missing", f"fill in the sheet '{layout.sheet}' as sent")]
        rows = [list(r) for r in book[layout.sheet].iter_rows(values_only=True)]
    finally:
        book.close()
    problems: list[Problem] = []

    def said(message: str, fix: str, severity: str = "error", row: int | None = None,
             column: str | None = None) -> None:
        problems.append(Problem(label, f"data request for {layout.order_id}: {message}", fix, sheet=layout.sheet,
                                row=row, column=column, severity=severity))

    headers = [cell_text(v) for v in (rows[0] if rows else [])]
    while headers and not headers[-1]:
        headers.pop()
    sent = list(layout.headers)
    for name in sent:
        if name not in headers:
            said(f"column '{name}' was removed", f"put the column '{name}' back (blank cells count as 0)")
    for pos, name in enumerate(headers):
        if name and name not in sent:
            said(f"a column '{name}' was added (column {_column(pos)})", "remove it, or write its counts "
                 "in a column the request has", severity="warning", column=_column(pos))
    kept = [name for name in headers if name in sent]
    if kept != [name for name in sent if name in headers]:
        for name in kept:
            if headers.index(name) != sent.index(name):
                said(f"column '{name}' moved from column {_column(sent.index(name))} to column "
                     f"{_column(headers.index(name))}", "it is read by its header; keep the columns as sent",
                     severity="warning", column=_column(headers.index(name)))
    if YDERNUMMER not in headers:
        return problems
    practice_pos = headers.index(YDERNUMMER)
    found: list[str] = []
    for row in rows[1:]:
        cell = row[practice_pos] if practice_pos < len(row) else None
        if cell_text(cell) == "":
            continue
        try:
            found.append(parse_ydernummer(cell))
        except CellError:
            found.append("")
    for pos, ydernummer in enumerate(layout.practices):
        if ydernummer not in found:
            said(f"the row of practice {pos + 1} of {len(layout.practices)} (row {pos + 2} as sent) was deleted",
                 "put the practice's row back with its counts (0 if it referred no one)", row=pos + 2)
    for pos, ydernummer in enumerate(found):
        if ydernummer not in layout.practices:
            said(f"a row was added (row {pos + 2})", "remove it: the request lists the cluster's practices",
                 severity="warning", row=pos + 2)
    common = [y for y in found if y in layout.practices]
    if common != [y for y in layout.practices if y in found]:
        said("the practices' rows were re-ordered", "they are read by ydernummer; keep the rows as sent",
             severity="warning")
    return problems
