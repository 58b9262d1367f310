"""Danish number formatting for slides, charts and the report: decimal comma, '1.234'."""

from __future__ import annotations

import datetime as dt
import math

MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
          "september", "oktober", "november", "december")


def number(value: float, decimals: int = 0) -> str:
    """12345.678 -> '12.345,7' (decimals=1); NaN -> 'ikke beregnet'."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "ikke beregnet"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(value: float) -> str:
    """A share in percent without false precision: 44.6 -> '45\u00a0%' (a non-breaking space, so
    the sign never wraps away from its number)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "ikke beregnet"
    return f"{number(round(value), 0)}\u00a0%"


def rate(value: float) -> str:
    """A rate per 1,000 with one decimal: 12.34 -> '12,3'."""
    return number(value, 1)


def long_date(day: dt.date) -> str:
    """'1. januar 2025'."""
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"
