"""Funnel plots: Poisson control limits, flags against them, and overdispersion.

Pure functions; the methods and their references are in docs/data-rules.md.

- A practice with n listed patients expects E = cluster rate x n / 1,000 referrals. At level L
  (95 %, 99.8 %) with tail q = (1 - L) / 2 it is flagged *under* when P(X <= x) < q and *over*
  when P(X >= x) < q, X ~ Poisson(E): the two one-sided exact tests.
- The drawn limits are Spiegelhalter's (2005, Appendix A.1.2) interpolated Poisson quantiles,
  built so that they agree with those flags for every integer count: the lower limit is where
  the linearly interpolated CDF crosses q, the upper one where the interpolated *survival
  function* P(X >= x) crosses q. (Spiegelhalter's own upper limit r_p - alpha at p = 1 - q lies
  exactly one count lower, where a count is drawn outside although P(X >= x) >= q.)
- Overdispersion (Spiegelhalter 2005, section 5; FunnelPlotR): z-scores on the square-root
  scale, z = 2 (sqrt(x) - sqrt(E)), winsorised at 10 % and 90 %; phi = mean(z^2); the
  practices differ more than chance explains when I * phi exceeds the 95 % point of
  chi-squared with I - 1 degrees of freedom. The additive random-effects variance
  tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w), w = 4 E (DerSimonian-Laird, as
  FunnelPlotR) widens the limits: E (1 -/+ z_L sqrt(1 / (4 E) + tau^2))^2.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import gammaincc, ndtri, pdtr, pdtrc, pdtrik

from kiap_analysis.core.config import settings

LEVELS = (0.95, 0.998)


def tail(level: float) -> float:
    """The one-sided tail of a two-sided level: 0.95 -> 0.025, 0.998 -> 0.001."""
    return (1.0 - level) / 2.0


def level_label(level: float) -> str:
    """0.95 -> '95 %', 0.998 -> '99,8 %'."""
    return f"{level * 100:g}".replace(".", ",") + " %"


def _cdf(x: int, expected: float) -> float:
    """P(X <= x); 0 below 0."""
    return float(pdtr(x, expected)) if x >= 0 else 0.0


def _sf(x: int, expected: float) -> float:
    """P(X >= x); 1 at and below 0."""
    return float(pdtrc(x - 1, expected)) if x >= 1 else 1.0


def _first(predicate, guess: float) -> int:
    """The smallest integer k >= 0 with predicate(k) (monotone), searching from a guess."""
    k = max(0, int(guess)) if math.isfinite(guess) else 0
    while k > 0 and predicate(k - 1):
        k -= 1
    while not predicate(k):
        k += 1
    return k


def poisson_lower(expected: float, level: float) -> float:
    """The lower limit (a count): r - alpha, where r is the smallest count with P(X <= r) >= q
    and alpha = (P(X <= r) - q) / (P(X <= r) - P(X <= r - 1)); 0 where that is negative."""
    if expected <= 0:
        return 0.0
    q = tail(level)
    r = _first(lambda k: _cdf(k, expected) >= q, float(pdtrik(q, expected)))
    at, below = _cdf(r, expected), _cdf(r - 1, expected)
    return max(0.0, r - (at - q) / (at - below))


def poisson_upper(expected: float, level: float) -> float:
    """The upper limit (a count): u - 1 + (S(u - 1) - q) / (S(u - 1) - S(u)), where S(x) =
    P(X >= x) and u is the smallest count with S(u) < q (the first count flagged 'over')."""
    if expected <= 0:
        return 0.0
    q = tail(level)
    u = _first(lambda k: _sf(k, expected) < q, float(pdtrik(1 - q, expected)))
    before, at = _sf(u - 1, expected), _sf(u, expected)
    return u - 1 + (before - q) / (before - at)


def poisson_limits(expected: float, level: float) -> tuple[float, float]:
    """(lower, upper) control limits for a count whose expected value is ``expected``."""
    return poisson_lower(expected, level), poisson_upper(expected, level)


def poisson_side(count: int, expected: float, level: float) -> int:
    """-1 when P(X <= count) < q, +1 when P(X >= count) < q, else 0 (X ~ Poisson(expected))."""
    if expected <= 0:
        return 0
    q = tail(level)
    if _cdf(count, expected) < q:
        return -1
    if _sf(count, expected) < q:
        return 1
    return 0


def _position(sides: dict[float, int]) -> str:
    """'' inside every limit, else the widest limit crossed: 'over 99,8 %', 'under 95 %'."""
    found = ""
    for level in sorted(sides):
        if sides[level]:
            found = f"{'over' if sides[level] > 0 else 'under'} {level_label(level)}"
    return found


def poisson_position(count: int, expected: float, levels: Sequence[float] = LEVELS) -> str:
    """Where a count lies against the Poisson limits: '' or e.g. 'over 95 %' (exact tests)."""
    return _position({level: poisson_side(count, expected, level) for level in levels})


# --------------------------------------------------------------------------- overdispersion


def z_scores(counts: Sequence[float], expected: Sequence[float]) -> np.ndarray:
    """z = (sqrt(x / E) - 1) / (1 / (2 sqrt(E))) = 2 (sqrt(x) - sqrt(E)): the square-root scale."""
    return 2.0 * (np.sqrt(np.asarray(counts, float)) - np.sqrt(np.asarray(expected, float)))


def winsorise(z: np.ndarray, trim: float | None = None) -> np.ndarray:
    """Values beyond the ``trim`` and 1 - ``trim`` quantiles (linear interpolation, as R's
    default quantile) set to those quantiles; ``trim``: the settings' ``overdispersion_trim``
    (0.1: the 10th and 90th percentiles) unless given."""
    trim = settings().overdispersion_trim if trim is None else trim
    low, high = np.quantile(z, [trim, 1.0 - trim])
    return np.clip(z, low, high)


def tau_squared(phi: float, weights: Sequence[float]) -> float:
    """The between-practice variance on the square-root scale (0 when I phi <= I - 1)."""
    w = np.asarray(weights, float)
    n = len(w)
    excess = n * phi - (n - 1)
    if excess <= 0:
        return 0.0
    return float(excess / (w.sum() - (w ** 2).sum() / w.sum()))


@dataclass(frozen=True)
class Overdispersion:
    """How much more the practices differ than Poisson variation explains (one offer)."""

    practices: int  # I: practices in the estimate
    phi: float  # mean of the squared winsorised z-scores (NaN when not estimated)
    tau2: float  # additive between-practice variance on the square-root scale
    p_value: float  # P(chi-squared(I - 1) >= I phi)
    is_overdispersed: bool  # p_value < the test's level

    @property
    def is_estimated(self) -> bool:
        return math.isfinite(self.phi)


def overdispersion(counts: Sequence[float], expected: Sequence[float], trim: float | None = None,
                   alpha: float | None = None, min_practices: int | None = None) -> Overdispersion:
    """phi, tau^2 and the chi-squared test of I phi (I - 1 degrees of freedom: the centre is
    estimated from the same practices). Not estimated with fewer than ``min_practices`` (fewer
    give no usable estimate of phi). Unless given, ``alpha`` (the test's level) and
    ``min_practices`` are the settings' ``overdispersion_alpha`` and
    ``min_overdispersion_practices``."""
    found = settings()
    alpha = found.overdispersion_alpha if alpha is None else alpha
    min_practices = found.min_overdispersion_practices if min_practices is None else min_practices
    expected = np.asarray(expected, float)
    n = len(expected)
    if n < min_practices or not (expected > 0).all():
        return Overdispersion(n, math.nan, 0.0, math.nan, False)
    z = winsorise(z_scores(counts, expected), trim)
    phi = float(np.mean(z ** 2))
    p = float(gammaincc((n - 1) / 2.0, n * phi / 2.0))
    return Overdispersion(n, phi, tau_squared(phi, 4.0 * expected), p, p < alpha)


def adjusted_limits(expected: float, tau2: float, level: float) -> tuple[float, float]:
    """Limits (counts) widened by tau^2 on the square-root scale, squared back."""
    if expected <= 0:
        return 0.0, 0.0
    width = ndtri(1.0 - tail(level)) * math.sqrt(1.0 / (4.0 * expected) + tau2)
    return expected * max(0.0, 1.0 - width) ** 2, expected * (1.0 + width) ** 2


def adjusted_position(count: int, expected: float, tau2: float, levels: Sequence[float] = LEVELS) -> str:
    """Where a count lies against the overdispersion-adjusted limits ('' inside)."""
    sides = {}
    for level in levels:
        low, high = adjusted_limits(expected, tau2, level)
        sides[level] = 1 if count > high else (-1 if count < low else 0)
    return _position(sides)


# --------------------------------------------------------------------------- one offer's funnel


@dataclass(frozen=True)
class FunnelFit:
    """One offer's funnel: the unrounded centre and the practices' overdispersion."""

    offer: str
    cluster_rate: float  # per 1,000 listed patients, unrounded
    spread: Overdispersion

    @property
    def is_adjusted(self) -> bool:
        """Whether flags and drawn limits use the overdispersion-adjusted limits."""
        return self.spread.is_overdispersed

    def expected(self, patients: float) -> float:
        return self.cluster_rate * patients / 1000.0

    def limits(self, patients: Sequence[float], levels: Sequence[float] = LEVELS) -> pd.DataFrame:
        """Limits per 1,000 for practices of each size: Poisson, and adjusted (NaN unless adjusted)."""
        rows = []
        for n in patients:
            expected = self.expected(n)
            for level in levels:
                low, high = poisson_limits(expected, level)
                adj_low, adj_high = (adjusted_limits(expected, self.spread.tau2, level) if self.is_adjusted
                                     else (math.nan, math.nan))
                rows.append((float(n), level, *(v * 1000.0 / n for v in (low, high, adj_low, adj_high))))
        return pd.DataFrame(rows, columns=["listed_patients", "level", "low_per_1000", "high_per_1000",
                                           "adjusted_low_per_1000", "adjusted_high_per_1000"])


def position_at(rate_per_1000: float, patients: float, fit: FunnelFit, adjusted: bool = False,
                levels: Sequence[float] = LEVELS) -> str:
    """Where a drawn point (a rate per 1,000 at a size) lies against the limits drawn there: ''
    or e.g. 'over 95 %'. Strict mode's flags: a function of what the funnel shows, no more."""
    limits = fit.limits([patients], levels)
    prefix = "adjusted_" if adjusted else ""
    sides = {}
    for row in limits.itertuples():
        low, high = getattr(row, f"{prefix}low_per_1000"), getattr(row, f"{prefix}high_per_1000")
        sides[row.level] = 1 if rate_per_1000 > high else (-1 if rate_per_1000 < low else 0)
    return _position(sides)


def fit_offers(rates: pd.DataFrame, cluster: str) -> dict[str, FunnelFit]:
    """Per offer whose cluster rate is shown: the centre and the spread of the practices shown.

    ``rates``: practice, offer, referrals, listed_patients, is_rate_computed (a suppressed rate
    table: hidden cells are not rate-computed, so no hidden count enters phi or tau^2, and no
    hidden count can be worked back from the adjusted limits).
    """
    fits = {}
    for offer, rows in rates.groupby("offer", sort=False):
        total = rows[rows["practice"] == cluster]
        if total.empty or not bool(total["is_rate_computed"].iloc[0]):
            continue
        rate = 1000.0 * float(total["referrals"].iloc[0]) / float(total["listed_patients"].iloc[0])
        shown = rows[(rows["practice"] != cluster) & rows["is_rate_computed"].astype(bool)]
        patients = shown["listed_patients"].astype(float).to_numpy()
        spread = overdispersion(shown["referrals"].astype(float).to_numpy(), rate * patients / 1000.0)
        fits[str(offer)] = FunnelFit(str(offer), rate, spread)
    return fits


def positions(rates: pd.DataFrame, fits: dict[str, FunnelFit], cluster: str) -> pd.DataFrame:
    """``expected``, ``funnel`` (Poisson) and ``funnel_adjusted`` (blank unless overdispersed)
    per row; blank for the cluster, hidden cells and offers without a shown cluster rate."""
    expected, poisson, adjusted = [], [], []
    for row in rates.itertuples():
        fit = fits.get(row.offer)
        has_patients = pd.notna(row.listed_patients) and float(row.listed_patients) > 0
        if fit is None or row.practice == cluster or not has_patients:
            expected.append(math.nan)
            poisson.append("")
            adjusted.append("")
            continue
        e = fit.expected(float(row.listed_patients))
        expected.append(e)
        shown = bool(row.is_rate_computed)
        poisson.append(poisson_position(int(row.referrals), e) if shown else "")
        adjusted.append(adjusted_position(int(row.referrals), e, fit.spread.tau2)
                        if shown and fit.is_adjusted else "")
    return pd.DataFrame({"expected": expected, "funnel": poisson, "funnel_adjusted": adjusted},
                        index=rates.index)
