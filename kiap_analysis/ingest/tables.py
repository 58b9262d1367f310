"""Any spreadsheet-like input (.csv, .txt, .tsv, .xlsx, .xlsm) as a grid of raw cells."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import inspect
import traceback
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from kiap_analysis.core.config import settings
from kiap_analysis.core.errors import InputError, KiapError, Problem
from kiap_analysis.ingest import text as textfile

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")


def unreadable(label: str, exc: Exception) -> InputError:
    """The error for a file that broke a reader in a way the reader does not name itself."""
    # The exception's own text is not shown: it may quote a cell.
    return InputError(Problem(label, f"the file cannot be read ({type(exc).__name__})",
                              "check that it is one of the formats docs/input-formats.md names, saved again from "
                              "the program that made it"))


# Libraries that parse a file's bytes (by the first part of a module's name): what they raise
# on a damaged file is the file's fault.
PARSERS = frozenset({"openpyxl", "et_xmlfile", "lxml", "xml", "pyexpat", "zipfile", "zlib", "csv", "_csv"})


def _is_parser(module: str) -> bool:
    return module.split(".")[0] in PARSERS


def _raised_in(exc: BaseException) -> str:
    """The module of the innermost frame that is ours or a parser's ('' if none): pandas or the
    standard library in between do not count, so a KeyError pandas raises on our call is ours."""
    for frame, _ in reversed(list(traceback.walk_tb(exc.__traceback__))):
        module = str(frame.f_globals.get("__name__", ""))
        if module.split(".")[0] == "kiap_analysis" or _is_parser(module):
            return module
    return ""


def input_fault(exc: BaseException) -> bool:
    """Whether ``exc`` is the input's fault rather than a bug in our code.

    Yes for bytes that do not decode (UnicodeDecodeError), a file that cannot be read
    (OSError), an exception type a parsing library defines (zipfile.BadZipFile, csv.Error,
    zlib.error, openpyxl's InvalidFileException, an XML parse error) and any exception a
    parsing library raises itself (openpyxl's KeyError for a missing part, its ValueError for
    a cell that is not what its type says). No for anything raised in kiap_analysis (or by
    pandas and the like on its call): a reader's KeyError, IndexError, TypeError or
    AttributeError is a bug, and must surface as one.
    """
    if isinstance(exc, (UnicodeDecodeError, OSError)) or _is_parser(type(exc).__module__):
        return True
    return _is_parser(_raised_in(exc))


def guarded(reader: Callable) -> Callable:
    """Make a reader's failure on a damaged file (``input_fault``) an InputError naming the
    file, so such a file fails its order with a message; a bug in the reader still raises."""
    signature = inspect.signature(reader)

    @functools.wraps(reader)
    def wrapper(*args, **kwargs):
        try:
            return reader(*args, **kwargs)
        except KiapError:
            raise
        except Exception as exc:
            if not input_fault(exc):
                raise
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
    # (row, column) positions of formula cells whose result the workbook never stored
    # (they read as blank); only looked for when the reader asks (``formulas=True``).
    uncached_formulas: frozenset[tuple[int, int]] = field(default=frozenset(), compare=False)

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


def check_file_size(path: Path, label: str) -> None:
    """Refuse a file larger than ``Settings.max_file_bytes`` before anything reads it."""
    size = path.stat().st_size
    if size > settings().max_file_bytes:
        raise InputError(Problem(label, f"the file has {size:,} bytes, more than the limit of "
                                 f"{settings().max_file_bytes:,} bytes; it is not read",
                                 "deliver only the rows and columns the order needs (see docs/input-formats.md, "
                                 "Size limits)"))


def _check_rows(count: int, label: str, sheet: str | None = None) -> None:
    if count > settings().max_rows:
        raise InputError(Problem(label, f"the table has {count:,} rows or more, more than the limit of "
                                 f"{settings().max_rows:,} rows; it is not read",
                                 "deliver only the rows the order needs (see docs/input-formats.md, Size limits)",
                                 sheet=sheet))


def read_text_table(path: Path, label: str) -> RawTable:
    """A delimited text file with detected encoding and delimiter; mojibake is an error."""
    check_file_size(path, label)
    data = path.read_bytes()
    try:
        decoded = textfile.decode(data)
    except (textfile.UndecodableText, UnicodeDecodeError) as exc:
        raise InputError(Problem(label, f"cannot read the file as text: {exc}",
                                 "export it again as CSV (UTF-8)")) from exc
    _check_rows(decoded.text.count("\n"), label)
    delimiter = textfile.sniff_delimiter(decoded.text)
    try:
        rows = textfile.parse_rows(decoded.text, delimiter)
    except csv.Error as exc:  # a cell longer than the csv module's limit (131,072 characters)
        raise InputError(Problem(label, f"cannot split the file into cells ({exc}): usually a quotation mark "
                                 "that opens a cell and is never closed",
                                 "check the file for a stray quotation mark (\"), or export it again as CSV")) from exc
    _check_quotes(decoded.text, rows, delimiter, label)
    table = RawTable(pd.DataFrame(rows, dtype=object), label, encoding=decoded.encoding,
                     delimiter=delimiter)
    check_mojibake(table)
    return table


def _check_quotes(text: str, rows: list[list[str]], delimiter: str, label: str) -> None:
    """Rows lost in one cell by a stray quotation mark are an error, not a shorter table."""
    fix = ("find the stray quotation mark (\") that opens the cell and remove it, or close it; or export the "
           "file again as CSV")
    if textfile.ends_inside_quotes(text, delimiter):
        raise InputError(Problem(label, "a quotation mark opens a cell and is never closed: every row after it "
                                 "would be read as that one cell", fix))
    swallowed = textfile.swallowed_rows(rows, delimiter)
    if swallowed:
        index, count = swallowed
        raise InputError(Problem(label, f"a cell holds {count} lines that look like rows of their own: a quotation "
                                 "mark opens the cell and is closed only rows later", fix, row=index + 1))


def check_mojibake(table: RawTable) -> None:
    """Raise if any cell holds doubly-encoded text ('Ã¸' for 'ø')."""
    problems = []
    for col_pos in range(table.cells.shape[1]):
        for row_pos, value in enumerate(table.cells.iloc[:, col_pos]):
            if isinstance(value, str) and textfile.find_mojibake(value):
                problems.append(table.problem(
                    "garbled characters (text encoded twice, e.g. 'Ã¸' for 'ø')",
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


def check_workbook(path: Path, label: str) -> None:
    """Refuse a workbook whose file or unpacked parts exceed the limits, before openpyxl opens
    it: a small .xlsx can unpack to gigabytes (the sizes are the zip directory's own)."""
    check_file_size(path, label)
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(Problem(label, f"cannot open the workbook: {exc}",
                                 "save it again from Excel as .xlsx")) from exc
    if unpacked > settings().max_xlsx_unpacked_bytes:
        raise InputError(Problem(label, f"the workbook unpacks to {unpacked:,} bytes, more than the limit of "
                                 f"{settings().max_xlsx_unpacked_bytes:,} bytes; it is not read",
                                 "deliver only the sheets, rows and columns the order needs (see "
                                 "docs/input-formats.md, Size limits)"))


@contextlib.contextmanager
def _workbook(path: Path, label: str, data_only: bool = True) -> Iterator:
    from openpyxl import load_workbook

    check_workbook(path, label)
    try:
        book = load_workbook(path, read_only=True, data_only=data_only, keep_links=False)
    except Exception as exc:  # not a workbook at all, or a damaged one (openpyxl raises many kinds)
        if not input_fault(exc):
            raise
        raise InputError(Problem(label, f"cannot open the workbook: {exc}",
                                 "save it again from Excel as .xlsx")) from exc
    try:
        yield book
    finally:
        book.close()


def excel_sheets(path: Path, label: str) -> list[str]:
    with _workbook(path, label) as book:
        return [str(s) for s in book.sheetnames]


def _sheet_rows(sheet, label: str, name: str) -> Iterator[tuple]:
    """A read-only sheet's rows of cells. Declared dimensions can be wrong (too small, or the
    whole formatted sheet), so openpyxl finds the extent itself; rows holding a value are
    counted against the row limit as they are read (the unpacked size was checked before)."""
    sheet.reset_dimensions()
    filled = 0
    for row in sheet.rows:
        if any(cell.value is not None for cell in row):
            filled += 1
            if filled > settings().max_rows:
                _check_rows(filled, label, name)
        yield row


def _cell_value(cell) -> object:
    """Excel's own value: numbers stay numbers (whole floats as int), error cells as their
    text ('#DIV/0!'), so a count column never reads an error as blank."""
    from openpyxl.cell.cell import TYPE_NUMERIC

    value = cell.value
    if value is None:
        return None
    if cell.data_type == TYPE_NUMERIC and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _rows(sheet_rows: Iterator[tuple]) -> list[list[object]]:
    """Cell values row by row; empty rows become [] and trailing ones are never kept (a sheet
    formatted down to row 1,048,576 holds a million of them)."""
    rows: list[list[object]] = []
    pending = 0
    for row in sheet_rows:
        values = [_cell_value(c) for c in row]
        if all(v is None for v in values):
            pending += 1
            continue
        rows.extend([] for _ in range(pending))
        pending = 0
        while values and values[-1] is None:
            values.pop()
        rows.append(values)
    return rows


def _grid(rows: list[list[object]]) -> pd.DataFrame:
    width = max((len(r) for r in rows), default=0)
    frame = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)
    frame.columns = range(frame.shape[1])
    return frame.reset_index(drop=True)


def read_excel_sheet(path: Path, label: str, sheet: str | int = 0, formulas: bool = False) -> RawTable:
    """One sheet's cells; Excel numbers stay numbers so ydernumre can be repaired later.

    ``formulas``: also find formula cells without a stored result (a workbook written by a
    program that does not calculate), which would otherwise read as blank.
    """
    with _workbook(path, label) as book:
        names = [str(s) for s in book.sheetnames]
        name = sheet if isinstance(sheet, str) else (names[sheet] if 0 <= sheet < len(names) else None)
        if name not in names:
            raise InputError(Problem(label, f"cannot read sheet {sheet!r}: the workbook has no such sheet",
                                     "save it again from Excel as .xlsx", sheet=str(sheet)))
        try:
            rows = _rows(_sheet_rows(book[name], label, name))
        except InputError:
            raise
        except Exception as exc:  # openpyxl raises many kinds for a damaged sheet; our own bugs surface
            if not input_fault(exc):
                raise
            raise InputError(Problem(label, f"cannot read sheet {name!r} ({type(exc).__name__})",
                                     "save it again from Excel as .xlsx", sheet=name)) from exc
    cells = _grid(rows)
    uncached: frozenset[tuple[int, int]] = frozenset()
    if formulas:
        uncached = _uncached_formulas(path, label, name, cells)
    table = RawTable(cells, label, sheet=name, uncached_formulas=uncached)
    check_mojibake(table)
    return table


def _uncached_formulas(path: Path, label: str, name: str, cells: pd.DataFrame) -> frozenset[tuple[int, int]]:
    """Positions of formula cells that read as blank: the file holds the formula, no result."""
    found = set()
    with _workbook(path, label, data_only=False) as book:
        for row_pos, row in enumerate(_sheet_rows(book[name], label, name)):
            for col_pos, cell in enumerate(row):
                if getattr(cell, "data_type", None) == "f" and (
                        row_pos >= len(cells) or col_pos >= cells.shape[1] or cells.iat[row_pos, col_pos] is None):
                    found.add((row_pos, col_pos))
    return frozenset(found)


def read_table(path: Path, label: str, sheet: str | int = 0, formulas: bool = False) -> RawTable:
    """Read a .csv/.txt/.tsv or .xlsx/.xlsm file as raw cells (``formulas``: see read_excel_sheet)."""
    suffix = path.suffix.lower()
    if not path.exists():
        raise InputError(Problem(label, "the file does not exist", "check the path in the orders file"))
    if suffix in EXCEL_SUFFIXES:
        return read_excel_sheet(path, label, sheet, formulas)
    if suffix in TEXT_SUFFIXES:
        return read_text_table(path, label)
    if suffix == ".xls":
        raise InputError(Problem(label, "old Excel format (.xls) is not read",
                                 "open it in Excel and save it as .xlsx"))
    raise InputError(Problem(label, f"unknown file type '{suffix}'",
                             "deliver the data as .xlsx or .csv"))


def first_sheet_with(path: Path, label: str, find: Callable[[RawTable], object],
                     formulas: bool = False) -> tuple[RawTable, object]:
    """The first sheet on which ``find`` succeeds (it raises InputError where it does not), and
    what it found: a workbook may open with a cover or notes sheet. Text files have one table."""
    first_error: InputError | None = None
    sheets = excel_sheets(path, label) if path.suffix.lower() in EXCEL_SUFFIXES and path.exists() else [0]
    if not sheets:  # openpyxl skips sheets whose part is missing
        raise InputError(Problem(label, "the workbook has no sheet that can be read",
                                 "save it again from Excel as .xlsx"))
    for sheet in sheets:
        table = read_table(path, label, sheet, formulas)
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
