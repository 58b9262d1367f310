"""Cell parsers for the municipality's spreadsheets: counts, ydernumre, dates, total rows.

A cell that cannot be read is named by its kind, never its content (``shown``): the caller
adds its place."""

from __future__ import annotations

import datetime as dt
import re

from kiap_analysis.core.shown import describe
from kiap_analysis.ingest.tables import cell_text

YDERNUMMER_DIGITS = 6
_TOTAL = re.compile(r"^(i alt|ialt|total|totalt|sum|samlet|i alt for klyngen|klyngen i alt|hovedtotal|grand total)\b")
_DATE_FORMATS = ("%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%y", "%d.%m.%y", "%Y-%m-%d", "%Y/%m/%d")


class CellError(ValueError):
    """A cell that cannot be read; the message says what was expected and what kind of value
    the cell holds, never the value."""


def _got(value: object) -> str:
    return describe(value)  # its kind ('text'), or an Excel error value ('#DIV/0!')


def parse_count(value: object) -> int:
    """A count: Excel number, '1.234' (Danish thousands), '1 234', blank -> 0."""
    if isinstance(value, bool):
        raise CellError(f"expected a number, got {_got(value)}")
    if isinstance(value, int):
        count = value
    elif isinstance(value, float):
        if value != value:  # NaN: a blank cell
            return 0
        if not value.is_integer():
            raise CellError(f"expected a whole number, got {_got(value)}")
        count = int(value)
    else:
        text = cell_text(value).replace("\u00a0", " ").strip()
        if text in ("", "-", "–"):
            return 0
        compact = text.replace(" ", "")
        if re.fullmatch(r"\d{1,3}(\.\d{3})+", compact):  # Danish thousands: 1.234
            compact = compact.replace(".", "")
        elif re.fullmatch(r"\d{1,3}(,\d{3})+", compact):  # English thousands: 1,234
            compact = compact.replace(",", "")
        elif re.fullmatch(r"\d+[.,]0+", compact):
            compact = re.split(r"[.,]", compact)[0]
        if not compact.isdigit():
            raise CellError(f"expected a whole number, got {_got(text)}")
        count = int(compact)
    if count < 0:
        raise CellError("a count cannot be negative")
    return count


def parse_ydernummer(value: object) -> str:
    """A practice's ydernummer as 6-digit text; leading zeros Excel dropped are put back."""
    text = cell_text(value).replace(" ", "")
    if not text.isdigit():
        # The value is not echoed: it may be a practice's name.
        raise CellError("expected a ydernummer (digits only) in the practice column")
    if len(text) > YDERNUMMER_DIGITS:
        raise CellError(f"a ydernummer has {YDERNUMMER_DIGITS} digits, got {len(text)}")
    return text.zfill(YDERNUMMER_DIGITS)


def is_total_label(value: object) -> bool:
    """'I alt', 'Total', 'Sum', 'Klyngen i alt' ... in a practice column."""
    return bool(_TOTAL.match(cell_text(value).casefold()))


def parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20000 < value < 80000:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))  # Excel serial date
    text = cell_text(value)
    text = text.split("T")[0].split(" ")[0]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(f"expected a date (e.g. 31-12-2025), got {_got(value)}")
