"""How many practices a reader can name behind their letters from what an order publishes.

The threat (docs/privacy.md): the deck, the report and the tables go to the whole cluster and
the municipality, and the listed patients of every practice are public (eSundhed). A reader
who holds that list and knows the published method (exact Poisson/Byar intervals, stated in
the report) checks, for each letter, which practices' sizes agree with every figure shown for
it: the count, rate and 95 % limits per offer (to their published decimals) and its place on
the funnel plots' x axis (listed patients to the nearest 100). A letter is *named* when every
assignment of the cluster's practices to its letters that agrees with all of them gives it
the same practice.

The attack is pure functions on ``Clue`` records (``attack``); the readers that turn an
order's published files into clues are at the end (``read_clues``). It lives in the package,
not in the tests, because it is also the measure of a disclosure mode.
"""

from __future__ import annotations

import functools
import html.parser
import math
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from . import metrics
from .config import SETTINGS

PRACTICE = re.compile(r"^Praksis ([A-Z]+)\b")


@dataclass(frozen=True)
class Clue:
    """What one published figure says about the practice behind one letter.

    ``referrals``: its count, when shown; ``rate``, ``ci_low``, ``ci_high``: per 1,000, with
    ``decimals`` decimals; ``size``: the (low, high) range its listed patients lie in (a funnel
    plot's x rounded to the nearest 100 is (x - 50, x + 50)); ``ci_patients``: the intervals
    were computed for this many patients (a size band's) instead of the practice's own. A
    clue with none of them still says that the letter exists.
    """

    letter: str
    source: str = ""
    referrals: int | None = None
    rate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    decimals: int = 1
    size: tuple[float, float] | None = None
    ci_patients: float | None = None


@functools.lru_cache(maxsize=4096)
def _limits(count: int, level: float, exact_below: int) -> tuple[float, float]:
    return metrics.poisson_interval(count, level, exact_below)


def _tolerance(clue: Clue) -> float:
    """Half a unit of the last published decimal (and a hair for floating point)."""
    return 0.5 * 10.0 ** -clue.decimals + 1e-9


def _close(value: float | None, published: float | None, tolerance: float) -> bool:
    return published is None or (value is not None and abs(value - published) <= tolerance)


def consistent(clue: Clue, patients: int, level: float = SETTINGS.confidence,
               exact_below: int = SETTINGS.exact_poisson_below) -> bool:
    """Whether a practice with ``patients`` listed patients could have published ``clue``
    (each value within half a unit of its last decimal)."""
    if clue.size is not None and not clue.size[0] - 1e-9 <= patients <= clue.size[1] + 1e-9:
        return False
    if clue.rate is None and clue.referrals is None:
        return True
    tolerance = _tolerance(clue)
    if clue.referrals is not None:
        counts: Iterable[int] = (clue.referrals,)
    else:  # the counts whose rate rounds to the published one
        assert clue.rate is not None
        fewest = max(0, math.ceil((clue.rate - tolerance) * patients / 1000.0))
        counts = range(fewest, math.floor((clue.rate + tolerance) * patients / 1000.0) + 1)
    scale = 1000.0 / patients
    ci_scale = 1000.0 / (clue.ci_patients or patients)
    for count in counts:
        low, high = _limits(count, level, exact_below)
        if (_close(count * scale, clue.rate, tolerance) and _close(low * ci_scale, clue.ci_low, tolerance)
                and _close(high * ci_scale, clue.ci_high, tolerance)):
            return True
    return False


def size_window(clues: Iterable[Clue], level: float = SETTINGS.confidence,
                exact_below: int = SETTINGS.exact_poisson_below) -> tuple[int, int] | None:
    """The listed patients a letter's clues leave possible, as (lowest, highest), from the
    clues with a count or a size; None when they leave any size possible."""
    low, high, bounded = 1.0, math.inf, False
    for clue in clues:
        bounds = []
        if clue.size is not None:
            bounds.append(clue.size)
        if clue.referrals is not None:
            tolerance = _tolerance(clue)
            figures = [(clue.referrals, clue.rate)]
            if clue.ci_patients is None:  # limits computed for the practice's own size
                limits = _limits(clue.referrals, level, exact_below)
                figures += [(limits[0], clue.ci_low), (limits[1], clue.ci_high)]
            for count, published in figures:
                if published is not None and count > 0:
                    top = math.inf if published - tolerance <= 0 else 1000.0 * count / (published - tolerance)
                    bounds.append((1000.0 * count / (published + tolerance), top))
        for bound_low, bound_high in bounds:
            low, high, bounded = max(low, bound_low), min(high, bound_high), True
    if not bounded:
        return None
    return math.ceil(low), (math.floor(high) if math.isfinite(high) else 10**9)


def candidates(clues: Iterable[Clue], listed: Mapping[str, int], letters: Iterable[str] = (),
               level: float = SETTINGS.confidence,
               exact_below: int = SETTINGS.exact_poisson_below) -> dict[str, frozenset[str]]:
    """Per letter (those in the clues, and ``letters``): the practices of ``listed``
    (practice -> listed patients) whose size agrees with every clue of that letter."""
    by_letter: dict[str, list[Clue]] = {letter: [] for letter in letters}
    for clue in clues:
        by_letter.setdefault(clue.letter, []).append(clue)
    return {letter: frozenset(p for p, n in listed.items() if n and n > 0
                              and all(consistent(c, int(n), level, exact_below) for c in found))
            for letter, found in sorted(by_letter.items(), key=lambda item: (len(item[0]), item[0]))}


def _matching(options: Mapping[str, frozenset[str]]) -> dict[str, str] | None:
    """A practice for every letter, no practice twice (augmenting paths), or None."""
    owner: dict[str, str] = {}

    def place(letter: str, seen: set[str]) -> bool:
        for practice in sorted(options[letter]):
            if practice in seen:
                continue
            seen.add(practice)
            if practice not in owner or place(owner[practice], seen):
                owner[practice] = letter
                return True
        return False

    for letter in sorted(options, key=lambda x: len(options[x])):
        if not place(letter, set()):
            return None
    return {letter: practice for practice, letter in owner.items()}


def named_letters(options: Mapping[str, frozenset[str]]) -> dict[str, str]:
    """The letters every consistent assignment gives the same practice (letter -> practice).

    A letter without candidates (its practice is not in the reader's list) is left out of the
    assignments; when no assignment fits the others either, a letter with a single candidate
    is still named.
    """
    options = {letter: found for letter, found in options.items() if found}
    if _matching(options) is None:
        return {letter: next(iter(found)) for letter, found in options.items() if len(found) == 1}
    named = {}
    for letter, found in options.items():
        possible = [p for p in sorted(found)
                    if _matching({**options, letter: frozenset({p})}) is not None]
        if len(possible) == 1:
            named[letter] = possible[0]
    return named


@dataclass(frozen=True)
class Attack:
    candidates: dict[str, frozenset[str]]
    named: dict[str, str]  # letter -> practice
    windows: dict[str, tuple[int, int] | None] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{len(self.named)} of {len(self.candidates)} letters named"


def attack(clues: Iterable[Clue], listed: Mapping[str, int], letters: Iterable[str] = (),
           level: float = SETTINGS.confidence, exact_below: int = SETTINGS.exact_poisson_below) -> Attack:
    """The reader's attack: candidates per letter, the letters named, each letter's size window."""
    clues = list(clues)
    options = candidates(clues, listed, letters, level, exact_below)
    windows = {letter: size_window([c for c in clues if c.letter == letter], level, exact_below)
               for letter in options}
    return Attack(options, named_letters(options), windows)


# ------------------------------------------------------------------ reading published files


def _decimals(text: str) -> int:
    text = text.strip()
    for mark in (",", "."):
        if mark in text:
            return len(text.rsplit(mark, 1)[1])
    return 0


def _number(text: object, danish: bool = False) -> float | None:
    """A published number ('5.3'; Danish: '5,3', '1.234'), or None for a blank or a marker."""
    value = str(text).strip()
    if not value or not re.fullmatch(r"-?[\d.,]+", value):
        return None
    if danish:
        value = value.replace(".", "").replace(",", ".")
    return float(value)


def _float_decimals(values: Iterable[float], number_format: str = "") -> int:
    """How many decimals the numbers were rounded to (floats from a chart: '2.6999999999999997'):
    those they show, at least those the number format shows ('#,##0.0': 1)."""
    shown = re.search(r"\.(0+)", number_format)
    found = len(shown.group(1)) if shown else 0
    for value in values:
        for d in range(7):
            if abs(value * 10**d - round(value * 10**d)) < 1e-6:
                found = max(found, d)
                break
        else:
            return 15
    return found


def clues_from_rate_table(table: pd.DataFrame, source: str = "referrals_per_1000.csv",
                          danish: bool = False) -> list[Clue]:
    """Clues from a table of practices' rates (tables/referrals_per_1000.csv, or the report's
    table with its Danish headers and numbers)."""
    names = {"Praksis": "practice", "Henvisninger": "referrals", "Pr. 1.000": "rate_per_1000",
             "95 %-KI fra": "ci_low", "95 %-KI til": "ci_high"}
    table = table.rename(columns=names).astype(str)
    found = []
    for row in table.itertuples():
        match = PRACTICE.match(str(row.practice))
        if not match:
            continue
        values = [str(getattr(row, c, "")) for c in ("rate_per_1000", "ci_low", "ci_high")]
        count = _number(row.referrals, danish)
        numbers = [_number(v, danish) for v in values]
        found.append(Clue(match.group(1), source, int(count) if count is not None else None, *numbers,
                          decimals=max((_decimals(v) for v, n in zip(values, numbers, strict=True)
                                        if n is not None), default=1)))
    return found


_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def _cache(element: ElementTree.Element | None) -> dict[int, str]:
    if element is None:
        return {}
    return {int(pt.get("idx", "0")): (pt.findtext(f"{_C}v") or "") for pt in element.iter(f"{_C}pt")}


def _format(element: ElementTree.Element | None) -> str:
    return "" if element is None else (element.findtext(f".//{_C}formatCode") or "")


def clues_from_chart_xml(xml: bytes, source: str) -> list[Clue]:
    """Clues from one native chart: a bar chart of practices' rates with error bars, or a
    funnel plot (XY points labelled with letters: x = listed patients to the nearest 100)."""
    root = ElementTree.fromstring(xml)
    found = []
    for series in root.iter(f"{_C}ser"):
        labels = {int(d.find(f"{_C}idx").get("val", "0")): "".join(t.text or "" for t in d.iter(f"{_A}t"))
                  for d in series.iter(f"{_C}dLbl") if d.find(f"{_C}tx") is not None}
        x_values = _cache(series.find(f"{_C}xVal"))
        if x_values and labels:  # funnel points
            y_values = _cache(series.find(f"{_C}yVal"))
            decimals = _float_decimals((float(v) for v in y_values.values()), _format(series.find(f"{_C}yVal")))
            for idx, letter in labels.items():
                x = float(x_values[idx])
                found.append(Clue(letter.strip(), source, rate=float(y_values[idx]), decimals=decimals,
                                  size=(x - 50, x + 50)))
            continue
        categories = _cache(series.find(f"{_C}cat"))
        values = _cache(series.find(f"{_C}val"))
        bars = series.find(f"{_C}errBars")
        if not categories or bars is None:
            continue
        plus, minus = _cache(bars.find(f"{_C}plus")), _cache(bars.find(f"{_C}minus"))
        decimals = _float_decimals((float(v) for v in values.values() if v), _format(series.find(f"{_C}val")))
        for idx, category in categories.items():
            match = PRACTICE.match(category)
            if not match:
                continue
            rate = float(values[idx]) if values.get(idx) else None
            if rate is None:
                found.append(Clue(match.group(1), source))
                continue
            found.append(Clue(match.group(1), source, rate=rate, ci_low=rate - float(minus.get(idx) or 0),
                              ci_high=rate + float(plus.get(idx) or 0), decimals=decimals))
    return found


def clues_from_deck(path: Path) -> list[Clue]:
    """Clues from every native chart in a deck (the numbers PowerPoint shows: the chart
    parts' caches, which hold what the embedded workbooks hold)."""
    found = []
    with zipfile.ZipFile(path) as deck:
        for member in sorted(deck.namelist()):
            if re.fullmatch(r"ppt/charts/chart\d+\.xml", member):
                found += clues_from_chart_xml(deck.read(member), f"{path.name}:{member}")
    return found


class _Tables(html.parser.HTMLParser):
    """The cells of every <table> in an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def clues_from_report(path: Path) -> list[Clue]:
    """Clues from the report's tables of practices' rates (Danish numbers)."""
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    found = []
    for rows in parser.tables:
        if rows and "Praksis" in rows[0] and "Pr. 1.000" in rows[0]:
            body = [r for r in rows[1:] if len(r) == len(rows[0])]
            found += clues_from_rate_table(pd.DataFrame(body, columns=rows[0]), path.name, danish=True)
    return found


def read_clues(folder: Path) -> list[Clue]:
    """Every clue an order's published folder gives: the rate table, the deck's charts and
    the report's tables."""
    found: list[Clue] = []
    table = folder / "tables" / "referrals_per_1000.csv"
    if table.exists():
        found += clues_from_rate_table(pd.read_csv(table, dtype=str, keep_default_na=False),
                                       "tables/referrals_per_1000.csv")
    if (folder / "deck.pptx").exists():
        found += clues_from_deck(folder / "deck.pptx")
    if (folder / "report.html").exists():
        found += clues_from_report(folder / "report.html")
    return found
