"""Delimited text files as delivered: detect the encoding and delimiter, keep every cell as text."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from dataclasses import dataclass

DELIMITERS = (";", ",", "\t")


def _continuation_chars() -> str:
    """UTF-8 continuation bytes (0x80-0xBF) as cp1252 or latin-1 shows them."""
    chars = set()
    for byte in range(0x80, 0xC0):
        chars.add(bytes([byte]).decode("latin-1"))
        with contextlib.suppress(UnicodeDecodeError):  # cp1252 leaves five bytes undefined
            chars.add(bytes([byte]).decode("cp1252"))
    return "".join(sorted(chars))


# UTF-8 text decoded once too often as cp1252/latin-1: 'ø' -> 'Ã¸', '–' -> 'â€“'.
_CONT = re.escape(_continuation_chars())
_MOJIBAKE = re.compile(f"[ÃÂ][{_CONT}]|â[{_CONT}][{_CONT}]")


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str


class UndecodableText(ValueError):
    """The bytes are not text in any encoding the workbook reads."""


def decode(data: bytes) -> DecodedText:
    """Decode UTF-8 (with or without BOM), UTF-16 (BOM or NUL pattern) or cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return DecodedText(data[3:].decode("utf-8", errors="strict"), "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return DecodedText(data.decode("utf-16"), "utf-16")
    sample = data[:4000]
    if len(sample) >= 4 and sample.count(b"\x00") >= len(sample) // 4:
        even_nuls = sample[0::2].count(b"\x00")
        odd_nuls = sample[1::2].count(b"\x00")
        encoding = "utf-16-le" if odd_nuls > even_nuls else "utf-16-be"
        try:
            return DecodedText(data.decode(encoding), encoding)
        except UnicodeDecodeError as exc:
            raise UndecodableText("looks like UTF-16 but does not decode") from exc
    if b"\x00" in data:
        raise UndecodableText("holds NUL bytes: not a text file")
    try:
        return DecodedText(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return DecodedText(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError as exc:
        raise UndecodableText("neither UTF-8, UTF-16 nor cp1252 (Windows-1252)") from exc


def find_mojibake(text: str) -> str | None:
    """The first mojibake sequence in ``text`` (e.g. 'Ã¸' for 'ø'), or None."""
    match = _MOJIBAKE.search(text)
    return match.group(0) if match else None


def sniff_delimiter(text: str) -> str:
    """The delimiter (; , or tab) that splits the first lines into the most equal, widest rows."""
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    if not lines:
        return ";"
    best, best_score = ";", (-1, -1)
    for delimiter in DELIMITERS:
        try:
            widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        common = max(set(widths), key=widths.count)
        if common < 2:
            continue
        # Prefer the delimiter whose commonest width covers most lines, then the widest.
        score = (widths.count(common), common)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def parse_rows(text: str, delimiter: str) -> list[list[str]]:
    """Rows of cells, ragged rows padded to the widest, surrounding whitespace kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


def ends_inside_quotes(text: str, delimiter: str) -> bool:
    """Whether the text ends inside a quoted cell: a quotation mark that opens a cell and is never
    closed, so the csv module reads every row after it into that one cell."""
    if '"' not in text:
        return False
    try:
        for _ in csv.reader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n")), delimiter=delimiter,
                            strict=True):
            pass
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def swallowed_rows(rows: list[list[str]], delimiter: str) -> tuple[int, int] | None:
    """The first row with a cell whose extra lines look like rows of their own: (row index, how
    many such lines), or None. A stray quotation mark that is closed much later makes the rows in
    between one cell; a real multi-line answer rarely has lines with exactly a row's number of cells.
    Tables 5 or more cells wide: one such line is enough; 3-4 wide: two (a line of free text may
    hold two semicolons); 2 wide: never (one delimiter in free text would do)."""
    width = max((len(r) for r in rows), default=0)
    if width < 3:
        return None
    enough = 1 if width >= 5 else 2
    for index, row in enumerate(rows):
        for cell in row:
            if "\n" not in cell:
                continue
            lines = cell.split("\n")[1:]
            like_rows = sum(1 for line in lines if len(line.split(delimiter)) == width)
            if like_rows >= enough:
                return index, like_rows
    return None

