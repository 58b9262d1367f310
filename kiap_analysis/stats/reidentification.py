"""How many practices a reader can name behind their letters from what an order publishes.

The threat (docs/privacy.md): the deck, the report and the tables go to the whole cluster and
the municipality, and the listed patients of every practice are public (eSundhed, for each
round). A reader who holds that list and knows the published method (exact Poisson/Byar
intervals and exact Poisson funnel flags, stated in the report) checks, for each letter,
which practices' sizes agree with every figure shown for it: per offer the count, rate and
95 % limits (to their published decimals), the expected count at the cluster's rate (whose
exact value follows from the cluster's total and the list) and the Poisson flag, its place on
the funnel plots' x axis (the size to the nearest 100) or its size band (strict mode), and a
follow-up's figures of both rounds against each round's list. A letter is *named* when every
assignment of the cluster's practices to its letters that agrees with all of them gives it
the same practice.

The attack is pure functions on ``Clue`` records (``attack``); the readers that turn an
order's published files into clues follow (``read_clues``), and ``measure`` runs it on an
order's own tables at run time (the report's privacy note). It lives in the package, not in
the tests, because it is also the measure of a disclosure mode (``disclosure``).
"""

from __future__ import annotations

import functools
import html.parser
import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from kiap_analysis.core.config import settings
from kiap_analysis.stats import funnel, metrics

PRACTICE = re.compile(r"^Praksis ([A-Z]+)\b")


CLUSTER_LETTER = "*"  # a clue about the cluster's total (``offer``, ``round``), not a letter
BASELINE = "baseline"  # a follow-up's figures of its baseline round ('' is the order's own round)


@dataclass(frozen=True)
class Clue:
    """What one published figure says about the practice behind one letter.

    ``referrals``: its count, when shown; ``rate``, ``ci_low``, ``ci_high``: per 1,000, with
    ``decimals`` decimals; ``size``: the (low, high) range its listed patients lie in (a funnel
    plot's x rounded to the nearest 100 is (x - 50, x + 50), a strict mode's band its edges);
    ``ci_patients``: the intervals were computed for this many patients (a size band's) instead
    of the practice's own; ``expected``: the count expected at the cluster's rate (with
    ``expected_decimals``); ``flag``: its place against the funnel's Poisson limits ('', 'over
    95 %', ...). ``round``: '' for the order's own round, BASELINE for a follow-up's baseline
    figures (sizes from that round's list); ``offer``: which offer. A clue with none of the
    figures still says that the letter exists. The cluster's totals are clues of the letter
    CLUSTER_LETTER (``referrals``: the offer's total), from which the attack works out the
    cluster's exact rate for ``expected`` and ``flag``.
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
    expected: float | None = None
    expected_decimals: int = 1
    flag: str | None = None
    round: str = ""
    offer: str = ""
    cluster_rate: float | None = None  # set by the attack from the cluster's total


def _limits(count: int, level: float | None, exact_below: int | None) -> tuple[float, float]:
    """The interval the workbook publishes (by default at the settings' level and method)."""
    found = settings()
    return _interval(count, found.confidence if level is None else level,
                     found.exact_poisson_below if exact_below is None else exact_below)


@functools.lru_cache(maxsize=4096)
def _interval(count: int, level: float, exact_below: int) -> tuple[float, float]:
    return metrics.poisson_interval(count, level, exact_below)


def _tolerance(clue: Clue, decimals: int | None = None) -> float:
    """Half a unit of the last published decimal (and a hair for floating point)."""
    return 0.5 * 10.0 ** -(clue.decimals if decimals is None else decimals) + 1e-9


def _close(value: float | None, published: float | None, tolerance: float) -> bool:
    return published is None or (value is not None and abs(value - published) <= tolerance)


def consistent(clue: Clue, patients: int, level: float | None = None,
               exact_below: int | None = None) -> bool:
    """Whether a practice with ``patients`` listed patients could have published ``clue``
    (each value within half a unit of its last decimal)."""
    if clue.size is not None and not clue.size[0] - 1e-9 <= patients <= clue.size[1] + 1e-9:
        return False
    expected = None if clue.cluster_rate is None else clue.cluster_rate * patients / 1000.0
    if expected is not None and clue.expected is not None and \
            not _close(expected, clue.expected, _tolerance(clue, clue.expected_decimals)):
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
        if not _close(count * scale, clue.rate, tolerance):
            continue
        if clue.flag is not None and expected is not None and funnel.poisson_position(count, expected) != clue.flag:
            continue
        if clue.ci_low is None and clue.ci_high is None:
            return True
        low, high = _limits(count, level, exact_below)
        if _close(low * ci_scale, clue.ci_low, tolerance) and _close(high * ci_scale, clue.ci_high, tolerance):
            return True
    return False


def size_window(clues: Iterable[Clue], level: float | None = None,
                exact_below: int | None = None) -> tuple[int, int] | None:
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




def _lists(listed: Mapping[str, int], baseline: Mapping[str, int] | None) -> dict[str, Mapping[str, int]]:
    return {"": listed, BASELINE: baseline if baseline is not None else listed}


def candidates(clues: Iterable[Clue], listed: Mapping[str, int], letters: Iterable[str] = (),
               level: float | None = None, exact_below: int | None = None,
               baseline_listed: Mapping[str, int] | None = None) -> dict[str, frozenset[str]]:
    """Per letter (those in the clues, and ``letters``): the practices of ``listed``
    (practice -> listed patients; a follow-up's baseline figures against ``baseline_listed``)
    whose size agrees with every clue of that letter. A clue with figures of a round whose list
    lacks the practice rules it out."""
    lists = _lists(listed, baseline_listed)
    practices = sorted(set(listed) | set(lists[BASELINE]))
    by_letter: dict[str, list[Clue]] = {letter: [] for letter in letters}
    for clue in clues:
        if clue.letter != CLUSTER_LETTER:
            by_letter.setdefault(clue.letter, []).append(clue)

    def fits(practice: str, clue: Clue) -> bool:
        size = lists[clue.round].get(practice)
        if not size or size <= 0:
            return not _informative(clue)
        return consistent(clue, int(size), level, exact_below)

    return {letter: frozenset(p for p in practices if any(lists[r].get(p) for r in lists)
                              and all(fits(p, c) for c in found))
            for letter, found in sorted(by_letter.items(), key=lambda item: (len(item[0]), item[0]))}


def _informative(clue: Clue) -> bool:
    return any(v is not None for v in (clue.referrals, clue.rate, clue.size, clue.expected, clue.flag))


def with_cluster_rates(clues: Iterable[Clue], listed: Mapping[str, int],
                       baseline_listed: Mapping[str, int] | None = None) -> list[Clue]:
    """The practices' clues with the cluster's exact rate of their round and offer: its total
    (a published count) over the listed patients of every practice in the reader's list."""
    clues = list(clues)
    lists = _lists(listed, baseline_listed)
    totals = {(c.round, c.offer): c.referrals for c in clues if c.letter == CLUSTER_LETTER and c.referrals is not None}
    rates = {key: 1000.0 * total / sum(n for n in lists[key[0]].values() if n and n > 0)
             for key, total in totals.items() if any(n and n > 0 for n in lists[key[0]].values())}
    return [replace(c, cluster_rate=rates.get((c.round, c.offer)))
            if c.letter != CLUSTER_LETTER and (c.expected is not None or c.flag is not None) else c for c in clues]


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
           level: float | None = None, exact_below: int | None = None,
           baseline_listed: Mapping[str, int] | None = None) -> Attack:
    """The reader's attack: candidates per letter, the letters named, each letter's size window
    (from the order's own round's clues)."""
    clues = with_cluster_rates(clues, listed, baseline_listed)
    options = candidates(clues, listed, letters, level, exact_below, baseline_listed)
    windows = {letter: size_window([c for c in clues if c.letter == letter and not c.round], level, exact_below)
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


RATE_NAMES = {"Praksis": "practice", "Tilbud": "offer", "Henvisninger": "referrals", "Pr. 1.000": "rate_per_1000",
              "95 %-KI fra": "ci_low", "95 %-KI til": "ci_high", "Forventet ved klyngens rate": "expected",
              "Uden for Poisson-grænserne": "funnel", "Størrelsesgruppe (tilmeldte)": "size_band"}
CHANGE_NAMES = {"Praksis": "practice", "Tilbud": "offer", "Henvisninger før": "referrals_baseline",
                "Pr. 1.000 før": "rate_per_1000_baseline", "Henvisninger nu": "referrals_follow_up",
                "Pr. 1.000 nu": "rate_per_1000_follow_up"}
CLUSTER_ROW = metrics.CLUSTER


def size_band(label: str) -> tuple[float, float] | None:
    """A strict mode's band as published ('under 2.500', '2.500-5.499', '5.500 og flere')."""
    text = label.strip().replace(".", "")
    if match := re.fullmatch(r"under (\d+)", text):
        return 0.0, float(match.group(1)) - 1
    if match := re.fullmatch(r"(\d+)-(\d+)", text):
        return float(match.group(1)), float(match.group(2))
    if match := re.fullmatch(r"(\d+) og flere", text):
        return float(match.group(1)), math.inf
    return None


def _decimals_of(values: Iterable[str], numbers: Iterable[float | None]) -> int:
    return max((_decimals(v) for v, n in zip(values, numbers, strict=True) if n is not None), default=1)


def clues_from_rate_table(table: pd.DataFrame, source: str = "referrals_per_1000.csv",
                          danish: bool = False, round_: str = "") -> list[Clue]:
    """Clues from a table of practices' rates (tables/referrals_per_1000.csv, or the report's
    table with its Danish headers and numbers): count, rate and interval, the expected count and
    the Poisson flag (standard mode), or the size band (strict mode, whose flags follow from the
    rate and the band); the cluster's row gives the offer's total."""
    table = table.rename(columns=RATE_NAMES).astype(str)
    strict = "size_band" in table and table["size_band"].str.strip().str.len().any()
    found = []
    for row in table.itertuples():
        practice = str(row.practice)
        offer = str(getattr(row, "offer", ""))
        count = _number(row.referrals, danish)
        if practice == CLUSTER_ROW:
            found.append(Clue(CLUSTER_LETTER, source, int(count) if count is not None else None, round=round_,
                              offer=offer))
            continue
        match = PRACTICE.match(practice)
        if not match:
            continue
        values = [str(getattr(row, c, "")) for c in ("rate_per_1000", "ci_low", "ci_high")]
        numbers = [_number(v, danish) for v in values]
        expected_text = str(getattr(row, "expected", ""))
        expected = _number(expected_text, danish)
        flag = None if strict or "funnel" not in table or numbers[0] is None else str(row.funnel).strip()
        found.append(Clue(match.group(1), source, int(count) if count is not None else None, *numbers,
                          decimals=_decimals_of(values, numbers),
                          size=size_band(str(row.size_band)) if strict else None,
                          expected=expected, expected_decimals=_decimals(expected_text) if expected is not None else 1,
                          flag=flag, round=round_, offer=offer))
    return found


def clues_from_change_table(table: pd.DataFrame, source: str = "referrals_change.csv",
                            danish: bool = False) -> list[Clue]:
    """Clues from a follow-up's table of both rounds (tables/referrals_change.csv, or the
    report's 'Før og nu' tables): each practice's count, rate and interval in the baseline and
    in the follow-up, and the cluster's totals of each round."""
    names = dict(CHANGE_NAMES)
    names.update({"95 %-KI fra": "", "95 %-KI til": ""})  # the report's are the rate ratio's
    table = table.rename(columns={k: v for k, v in names.items() if v}).astype(str)
    found = []
    for row in table.to_dict("records"):
        practice, offer = row.get("practice", ""), row.get("offer", "")
        match = PRACTICE.match(practice)
        for suffix, round_ in (("baseline", BASELINE), ("follow_up", "")):
            count = _number(row.get(f"referrals_{suffix}", ""), danish)
            if practice == CLUSTER_ROW:
                if count is not None and offer:
                    found.append(Clue(CLUSTER_LETTER, source, int(count), round=round_, offer=offer))
                continue
            if not match:
                continue
            values = [row.get(f"{c}_{suffix}", "") for c in ("rate_per_1000", "ci_low", "ci_high")]
            numbers = [_number(v, danish) for v in values]
            found.append(Clue(match.group(1), source, int(count) if count is not None else None, *numbers,
                              decimals=_decimals_of(values, numbers), round=round_, offer=offer))
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
    # strict mode: the x axis's title lists the size bands, and x is a band's position
    titles = ["".join(t.text or "" for t in ax.iter(f"{_A}t")) for ax in root.iter(f"{_C}valAx")]
    banded = next((t.split(":", 1)[1] for t in titles if "størrelsesgrupper:" in t), None)
    bands = [b for b in (size_band(label) for label in banded.split(";")) if b] if banded else []
    # Points of scatter charts and bars of bar charts (the cluster's reference line is a line series)
    plotted = [ser for kind in ("scatterChart", "barChart") for chart in root.iter(f"{_C}{kind}")
               for ser in chart.findall(f"{_C}ser")]
    for series in plotted:
        labels = {int(d.find(f"{_C}idx").get("val", "0")): "".join(t.text or "" for t in d.iter(f"{_A}t"))
                  for d in series.iter(f"{_C}dLbl") if d.find(f"{_C}tx") is not None}
        x_values = _cache(series.find(f"{_C}xVal"))
        if x_values and labels:  # funnel points
            y_values = _cache(series.find(f"{_C}yVal"))
            decimals = _float_decimals((float(v) for v in y_values.values()), _format(series.find(f"{_C}yVal")))
            for idx, label in labels.items():
                x = float(x_values[idx])
                size = next((b for b in bands if b[0] <= x <= b[1]), None) if bands else (x - 50, x + 50)
                for letter in label.split(","):  # 'C, M': two points drawn at one place
                    found.append(Clue(letter.strip(), source, rate=float(y_values[idx]), decimals=decimals,
                                      size=size))
            continue
        categories = _cache(series.find(f"{_C}cat"))
        values = _cache(series.find(f"{_C}val"))
        bars = series.find(f"{_C}errBars")
        if not categories or not values:
            continue
        plus, minus = ({}, {}) if bars is None else (_cache(bars.find(f"{_C}plus")), _cache(bars.find(f"{_C}minus")))
        decimals = _float_decimals((float(v) for v in values.values() if v), _format(series.find(f"{_C}val")))
        for idx, category in categories.items():
            match = PRACTICE.match(category)
            if not match:
                continue
            rate = float(values[idx]) if values.get(idx) else None
            if rate is None:
                found.append(Clue(match.group(1), source))
                continue
            if bars is None:  # strict mode: no intervals
                found.append(Clue(match.group(1), source, rate=rate, decimals=decimals))
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
    """Clues from the report's tables of practices' rates and of both rounds (Danish numbers)."""
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    found = []
    for rows in parser.tables:
        if not rows or "Praksis" not in rows[0]:
            continue
        body = pd.DataFrame([r for r in rows[1:] if len(r) == len(rows[0])], columns=rows[0])
        if "Pr. 1.000" in rows[0]:
            found += clues_from_rate_table(body, path.name, danish=True)
        elif "Pr. 1.000 før" in rows[0]:
            found += clues_from_change_table(body, path.name, danish=True)
    return found


def read_clues(folder: Path) -> list[Clue]:
    """Every clue an order's published folder gives: the rate table, a follow-up's table of both
    rounds, the deck's charts and the report's tables."""
    found: list[Clue] = []
    table = folder / "tables" / "referrals_per_1000.csv"
    if table.exists():
        found += clues_from_rate_table(pd.read_csv(table, dtype=str, keep_default_na=False),
                                       "tables/referrals_per_1000.csv")
    if (folder / "deck.pptx").exists():
        found += clues_from_deck(folder / "deck.pptx")
    change = folder / "tables" / "referrals_change.csv"
    if change.exists():
        found += clues_from_change_table(pd.read_csv(change, dtype=str, keep_default_na=False),
                                         "tables/referrals_change.csv")
    if (folder / "report.html").exists():
        found += clues_from_report(folder / "report.html")
    return found


# ------------------------------------------------------------------ at run time


def _as_published(table: pd.DataFrame) -> pd.DataFrame:
    """A table as its CSV reads back (the numbers' decimals as written)."""
    return pd.read_csv(io.StringIO(table.to_csv(index=False)), dtype=str, keep_default_na=False)


def order_clues(tables: Mapping[str, pd.DataFrame], rates: pd.DataFrame) -> list[Clue]:
    """The clues of an order's published tables (``tables``: name -> table as written) and its
    funnel plots' x positions (``rates``: the published rate table with ``funnel_x``)."""
    found: list[Clue] = []
    if "referrals_per_1000" in tables:
        found += clues_from_rate_table(_as_published(tables["referrals_per_1000"]))
    if "referrals_change" in tables:
        found += clues_from_change_table(_as_published(tables["referrals_change"]))
    if "size_band" not in rates:  # standard mode: the funnel's x to the nearest 100
        for row in rates[rates["is_rate_computed"].astype(bool) & (rates["practice"] != CLUSTER_ROW)].itertuples():
            match = PRACTICE.match(str(row.practice))
            if match and math.isfinite(float(row.funnel_x)):
                found.append(Clue(match.group(1), "funnel", size=(row.funnel_x - 50, row.funnel_x + 50)))
    return found


def measure(tables: Mapping[str, pd.DataFrame], rates: pd.DataFrame, listed: Mapping[str, int],
            baseline_listed: Mapping[str, int] | None = None) -> Attack:
    """The attack on an order's own published figures, with its true listed-patient lists (the
    public ones): how many letters a reader with them names. Cheap (a few milliseconds)."""
    letters = {m.group(1) for p in rates["practice"] if (m := PRACTICE.match(str(p)))}
    return attack(order_clues(tables, rates), listed, letters, baseline_listed=baseline_listed)
