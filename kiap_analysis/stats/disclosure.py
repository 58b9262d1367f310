"""What an order's referral figures publish per practice: ``disclosure: standard | strict``.

The listed patients of every practice are public (eSundhed), so a letter's figures that
narrow its practice's size name the practice (docs/privacy.md, "Re-identification by size";
``reidentification`` measures it).

- **standard**: per practice the count ('<5' and 'skjult' where suppressed), the rate, its
  95 % interval and the expected count to one decimal, and the funnel's x at the size rounded
  to the nearest 100.
- **strict**: per practice no count (suppressed cells still say '<5'/'skjult'), no interval,
  no expected count; the rate rounded to a whole number per 1,000; the size only as a band
  (``SizeBand``: edges at multiples of 500 listed patients, at least 3 of the cluster's
  practices in each, fixed by the baseline's practices, merged, never split, where a later
  round has fewer than 3 in one). The funnel places a practice at its band's position (the
  mean size of the cluster's practices in the band, which the public list gives anyway) and
  its rounded rate, and its flags are read off the limits there: every figure shown is a
  function of the rounded rate, the band and the cluster's own figures, so none narrows a
  size further. The cluster's row is as in standard mode.

Pure functions; the thresholds are ``config.Settings`` (``strict_rate_decimals``,
``size_band_step``, ``min_band_practices``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from kiap_analysis.core import formatting as fmt
from kiap_analysis.core.config import settings
from kiap_analysis.stats import funnel

STANDARD, STRICT = "standard", "strict"
OPEN = 10**9  # the top band's upper edge


@dataclass(frozen=True)
class SizeBand:
    """Listed patients from ``low`` to ``high`` (both included; the top band is open)."""

    low: int
    high: int = OPEN

    def contains(self, patients: float) -> bool:
        return self.low <= patients <= self.high

    @property
    def label(self) -> str:
        """'under 2.500', '2.500-5.499', '5.500 og flere' (Danish, as tables and slides show it)."""
        if self.low <= 0 and self.high >= OPEN:
            return "alle størrelser"
        if self.low <= 0:
            return f"under {fmt.number(self.high + 1)}"
        if self.high >= OPEN:
            return f"{fmt.number(self.low)} og flere"
        return f"{fmt.number(self.low)}-{fmt.number(self.high)}"


def size_bands(sizes: Iterable[float], step: int | None = None,
               minimum: int | None = None) -> tuple[SizeBand, ...]:
    """Bands over a round's practices' sizes: edges at multiples of ``step``, a new band only
    where the one below holds at least ``minimum`` practices; a last band with fewer joins the
    one before (defaults: the settings' ``size_band_step`` and ``min_band_practices``)."""
    step = settings().size_band_step if step is None else step
    minimum = settings().min_band_practices if minimum is None else minimum
    ordered = sorted(float(n) for n in sizes if n and n > 0)
    groups: list[list[float]] = []
    for i, n in enumerate(ordered):
        if not groups or (len(groups[-1]) >= minimum and ordered[i - 1] // step != n // step):
            groups.append([])
        groups[-1].append(n)
    if len(groups) > 1 and len(groups[-1]) < minimum:
        last = groups.pop()
        groups[-1] += last
    edges = [int(g[0] // step * step) for g in groups[1:]]
    lows, highs = [0, *edges], [*(e - 1 for e in edges), OPEN]
    return tuple(SizeBand(low, high) for low, high in zip(lows, highs, strict=True))


def merged_bands(bands: Sequence[SizeBand], sizes: Iterable[float],
                 minimum: int | None = None) -> tuple[SizeBand, ...]:
    """The (baseline's) bands for another round's practices: a band holding 1 to ``minimum`` - 1
    of them joins the band above it (the top band the one below), until none does. Bands only
    merge, never split, so a practice's band in one round never cuts its band in the other."""
    minimum = settings().min_band_practices if minimum is None else minimum
    counted = [n for n in sizes if n and n > 0]
    found = list(bands) or [SizeBand(0)]
    while True:
        counts = [sum(band.contains(n) for n in counted) for band in found]
        short = next((i for i, c in enumerate(counts) if 0 < c < minimum), None)
        if short is None or len(found) == 1:
            return tuple(found)
        other = short + 1 if short + 1 < len(found) else short - 1
        low, high = sorted((short, other))
        found[low:high + 1] = [SizeBand(found[low].low, found[high].high)]


def band_of(patients: float, bands: Sequence[SizeBand]) -> SizeBand:
    return next(b for b in bands if b.contains(patients))


def band_positions(bands: Sequence[SizeBand], sizes: Iterable[float]) -> dict[SizeBand, float]:
    """Where the funnel draws each band's practices: the mean size of the round's practices in it
    (to the nearest 10), a figure the public list gives for the band anyway."""
    counted = [float(n) for n in sizes if n and n > 0]
    positions = {}
    for band in bands:
        inside = [n for n in counted if band.contains(n)]
        if inside:
            positions[band] = float(round(sum(inside) / len(inside), -1))
    return positions


def strict_rates(rates: pd.DataFrame, bands: Sequence[SizeBand], fits: dict[str, funnel.FunnelFit],
                 cluster: str) -> pd.DataFrame:
    """A suppressed, funnel-placed rate table (rates unrounded) as strict mode publishes it:
    for practices no count, interval or expected count, the rate to a whole number, the size
    band (``size_band``) and the funnel's x (``funnel_x``), flags read off the limits at that
    place (``funnel``, and ``funnel_adjusted`` when the offer is overdispersed). The count,
    listed patients and their flags stay in the frame for the cluster's figures, never shown."""
    out = rates.copy()
    practice = out["practice"] != cluster
    patients = pd.to_numeric(out["listed_patients"], errors="coerce")
    sized = practice & (patients > 0)
    positions = band_positions(bands, out.loc[sized].drop_duplicates("practice")["listed_patients"].astype(float))
    out["size_band"] = ""
    out["funnel_x"] = math.nan
    for index in out.index[sized]:
        band = band_of(float(patients[index]), bands)
        out.at[index, "size_band"] = band.label
        out.at[index, "funnel_x"] = positions[band]
    out.loc[practice & ~out["is_suppressed"].astype(bool), "referrals_shown"] = ""
    out.loc[practice, "rate_per_1000"] = out.loc[practice, "rate_per_1000"].astype(float).round(
        settings().strict_rate_decimals)
    out.loc[practice, ["ci_low", "ci_high", "expected"]] = math.nan
    for index in out.index[practice]:
        row = out.loc[index]
        fit = fits.get(row["offer"])
        drawn = fit is not None and bool(row["is_rate_computed"]) and math.isfinite(float(row["funnel_x"]))
        out.at[index, "funnel"] = (funnel.position_at(float(row["rate_per_1000"]), float(row["funnel_x"]), fit)
                                   if drawn else "")
        out.at[index, "funnel_adjusted"] = (
            funnel.position_at(float(row["rate_per_1000"]), float(row["funnel_x"]), fit, adjusted=True)
            if drawn and fit.is_adjusted else "")
    return out


def bands_for_rounds(base_sizes: Iterable[float], round_sizes: Sequence[Iterable[float]]) -> list[tuple[SizeBand, ...]]:
    """Each round's bands: fixed by the first (baseline) round's sizes, merged for each round."""
    bands = size_bands(base_sizes)
    return [merged_bands(bands, sizes) for sizes in round_sizes]


def is_banded(rates: pd.DataFrame) -> bool:
    """Whether a rate table is strict mode's: practices' sizes in bands."""
    return "size_band" in rates and bool(rates["size_band"].astype(str).str.len().any())


def whole_numbers(table: pd.DataFrame, columns: Sequence[str], practice_rows: pd.Series) -> pd.DataFrame:
    """The table as written in strict mode: the practices' rates as whole numbers ('12', not
    '12.0', which would claim a decimal), the other rows' as they are."""
    out = table.copy()
    for column in columns:
        values = out[column].astype(object)
        for index in out.index[practice_rows]:
            value = values[index]
            if isinstance(value, float) and math.isfinite(value):
                values[index] = int(round(float(value)))  # noqa: RUF046 (numpy rounds to a float)
        out[column] = values
    return out
