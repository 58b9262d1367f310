"""Any spreadsheet-like input (.csv, .txt, .tsv, .xlsx, .xlsm) as a grid of raw cells."""

from __future__ import annotations

import datetime as dt
import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from ..errors import InputError, KiapError, Problem
from . import text as textfile

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


def unreadable(label: str, exc: Exception) -> InputError:
    """The error for a file that broke a reader in a way the reader does not name itself."""
    return InputError(Problem(label, f"the file cannot be read ({type(exc).__name__}: {exc})",
                              "check that it is one of the formats docs/input-formats.md names, saved again from "
                              "the program that made it"))


def guarded(reader: Callable) -> Callable:
    """Make every failure of a reader an InputError naming the file: a file no reader
    anticipated fails its order with a message, never with a traceback."""
    signature = inspect.signature(reader)

    @functools.wraps(reader)
    def wrapper(*args, **kwargs):
        try:
            return reader(*args, **kwargs)
        except KiapError:
            raise
        except Exception as exc:
            bound = signature.bind_partial(*args, **kwargs).arguments
            label = bound.get("label") or Path(str(bound.get("path", "?"))).name
            raise unreadable(str(label), exc) from exc

    return wrapper


@dataclass(frozen=True)
class RawTable:
    """Cells exactly as stored: text for delimited files, Excel's own values for workbooks."""

    cells: pd.DataFrame  # no header, object dtype, RangeIndex rows 0..n-1
    file: str
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None

    def problem(self, message: str, fix: str = "", row: int | None = None,
                column: str | None = None, severity: str = "error") -> Problem:
        """A problem at a 0-based cell row, reported as the spreadsheet's 1-based row."""
        return Problem(self.file, message, fix, sheet=self.sheet,
                       row=None if row is None else row + 1, column=column, severity=severity)


def cell_text(value: object) -> str:
    """A cell as trimmed text: Excel's 12345.0 -> '12345', dates -> ISO, blanks -> ''."""
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def read_text_table(path: Path, label: str) -> RawTable:
    """A delimited text file with detected encoding and delimiter; mojibake is an error."""
    data = path.read_bytes()
    try:
        decoded = textfile.decode(data)
    except (textfile.UndecodableText, UnicodeDecodeError) as exc:
        raise InputError(Problem(label, f"cannot read the file as text: {exc}",
                                 "export it again as CSV (UTF-8)")) from exc
    delimiter = textfile.sniff_delimiter(decoded.text)
    rows = textfile.parse_rows(decoded.text, delimiter)
    table = RawTable(pd.DataFrame(rows, dtype=object), label, encoding=decoded.encoding,
                     delimiter=delimiter)
    check_mojibake(table)
    return table


def check_mojibake(table: RawTable) -> None:
    """Raise if any cell holds doubly-encoded text ('Ã¸' for 'ø')."""
    problems = []
    for col_pos in range(table.cells.shape[1]):
        for row_pos, value in enumerate(table.cells.iloc[:, col_pos]):
            if isinstance(value, str) and (bad := textfile.find_mojibake(value)):
                problems.append(table.problem(
                    f"garbled characters '{bad}' (text encoded twice, e.g. 'Ã¸' for 'ø')",
                    "export the file again as UTF-8, or open it with the right encoding and save "
                    "it as UTF-8; the workbook will not put garbled text on a slide",
                    row=row_pos, column=column_letter(col_pos)))
                break
        if len(problems) >= 5:
            break
    if problems:
        raise InputError(problems)


def column_letter(position: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA' (spreadsheet column names)."""
    name = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        name = chr(65 + rest) + name
    return name


def excel_sheets(path: Path, label: str) -> list[str]:
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            return [str(s) for s in book.sheet_names]
    except Exception as exc:  # not a workbook at all, or a damaged one
        raise InputError(Problem(label, f"cannot open the workbook: {exc}",
                                 "save it again from Excel as .xlsx")) from exc


def read_excel_sheet(path: Path, label: str, sheet: str | int = 0) -> RawTable:
    """One sheet's cells; Excel numbers stay numbers so ydernumre can be repaired later."""
    try:
        cells = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl and pandas raise many kinds for a damaged workbook
        raise InputError(Problem(label, f"cannot read sheet {sheet!r}: {exc}",
                                 "save it again from Excel as .xlsx", sheet=str(sheet))) from exc
    cells = cells.astype(object).where(cells.notna(), None).reset_index(drop=True)
    cells.columns = range(cells.shape[1])
    name = sheet if isinstance(sheet, str) else excel_sheets(path, label)[sheet]
    table = RawTable(cells, label, sheet=name)
    check_mojibake(table)
    return table


def read_table(path: Path, label: str, sheet: str | int = 0) -> RawTable:
    """Read a .csv/.txt/.tsv or .xlsx/.xlsm file as raw cells."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError(Problem(label, "the file does not exist", "check the path in the orders file"))
    if suffix in EXCEL_SUFFIXES:
        return read_excel_sheet(path, label, sheet)
    if suffix in TEXT_SUFFIXES:
        return read_text_table(path, label)
    if suffix == ".xls":
        raise InputError(Problem(label, "old Excel format (.xls) is not read",
                                 "open it in Excel and save it as .xlsx"))
    raise InputError(Problem(label, f"unknown file type '{suffix}'",
                             "deliver the data as .xlsx or .csv"))


def first_sheet_with(path: Path, label: str, find: Callable[[RawTable], object]) -> tuple[RawTable, object]:
    """The first sheet on which ``find`` succeeds (it raises InputError where it does not), and
    what it found: a workbook may open with a cover or notes sheet. Text files have one table."""
    first_error: InputError | None = None
    sheets = excel_sheets(path, label) if path.suffix.lower() in EXCEL_SUFFIXES and path.exists() else [0]
    for sheet in sheets:
        table = read_table(path, label, sheet)
        try:
            return table, find(table)
        except InputError as exc:
            first_error = first_error or exc
    assert first_error is not None
    if len(sheets) > 1:
        raise InputError([replace(p, message=f"{p.message} (on none of the {len(sheets)} sheets)")
                          for p in first_error.problems]) from first_error
    raise first_error


def drop_blank(cells: pd.DataFrame) -> pd.DataFrame:
    """Without rows and columns in which every cell is blank (keeps original row labels)."""
    blank = cells.map(lambda v: cell_text(v) == "")
    return cells.loc[~blank.all(axis=1), ~blank.all(axis=0)]
