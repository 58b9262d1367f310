"""Funnel limits, flags and overdispersion against values worked out by hand (Spiegelhalter 2005)."""

import math

import numpy as np
import pandas as pd
import pytest

from kiap_analysis.stats import funnel
from kiap_analysis.stats.analysis import publishable_rates
from kiap_analysis.stats.metrics import CLUSTER, referral_rates


def cdf(x: int, mean: float) -> float:
    """P(X <= x), X ~ Poisson(mean), summed term by term (independent of the code under test)."""
    term, total = math.exp(-mean), 0.0
    for k in range(x + 1):
        if k:
            term *= mean / k
        total += term
    return total if x >= 0 else 0.0


def exact_position(x: int, mean: float) -> str:
    """The rule of issue 14: flagged at level L when P(X <= x) or P(X >= x) is under (1 - L) / 2."""
    found = ""
    for level, label in ((0.95, "95 %"), (0.998, "99,8 %")):
        q = (1 - level) / 2
        if cdf(x, mean) < q:
            found = f"under {label}"
        elif 1 - cdf(x - 1, mean) < q:
            found = f"over {label}"
    return found


# Worked by hand from Poisson CDFs (R: ppois), F(x) = P(X <= x), S(x) = P(X >= x) = 1 - F(x - 1):
# lower = r - (F(r) - q) / (F(r) - F(r - 1)), r the smallest count with F(r) >= q (Spiegelhalter 2005,
# A.1.2); upper = u - 1 + (S(u - 1) - q) / (S(u - 1) - S(u)), u the smallest count with S(u) < q.
LIMITS = [
    # E = 2.5, q = 0.025: F(0) = e^-2.5 = 0.082085 >= q, so r = 0 and r - alpha = -0.695 -> 0.
    # S(6) = 1 - F(5) = 0.042021, S(7) = 0.014187 < q: u = 7, 6 + (0.042021 - 0.025) / 0.027834 = 6.6115.
    (2.5, 0.95, 0.0, 6.6115),
    # q = 0.001: S(9) = 0.001140, S(10) = 0.000277: 9 + 0.000140 / 0.000863 = 9.1625.
    (2.5, 0.998, 0.0, 9.1625),
    # E = 10.4, q = 0.025: F(4) = 0.022532, F(5) = 0.053387: 5 - 0.028387 / 0.030855 = 4.0800;
    # S(17) = 0.036808, S(18) = 0.020142: 17 + 0.011808 / 0.016666 = 17.7085.
    (10.4, 0.95, 4.0800, 17.7085),
    # q = 0.001: F(1) = 0.000347, F(2) = 0.001993: 2 - 0.000993 / 0.001646 = 1.3968;
    # S(22) = 0.001143, S(23) = 0.000502: 22 + 0.000143 / 0.000641 = 22.2235.
    (10.4, 0.998, 1.3968, 22.2235),
    # E = 48, q = 0.025: F(34) = 0.021321, F(35) = 0.030939: 35 - 0.005939 / 0.009618 = 34.3825;
    # S(62) = 0.029406, S(63) = 0.021591: 62 + 0.004406 / 0.007815 = 62.5638.
    (48.0, 0.95, 34.3825, 62.5638),
    # q = 0.001: F(27) = 0.000704, F(28) = 0.001259: 28 - 0.000259 / 0.000555 = 27.5332;
    # S(71) = 0.001122, S(72) = 0.000730: 71 + 0.000122 / 0.000392 = 71.3107.
    (48.0, 0.998, 27.5332, 71.3107),
]


@pytest.mark.parametrize(("expected", "level", "low", "high"), LIMITS)
def test_poisson_limits_worked_by_hand(expected, level, low, high):
    assert funnel.poisson_limits(expected, level) == pytest.approx((low, high), abs=1e-4)


def test_the_upper_limit_interpolates_the_upper_tail():
    # Spiegelhalter's r_p - alpha at p = 0.975 for E = 2.5: F(5) = 0.957979, F(6) = 0.985813,
    # 6 - (0.985813 - 0.975) / 0.027834 = 5.6115. Six referrals lie above it, yet
    # P(X >= 6) = 0.042 is not under 0.025: that curve would disagree with the flag. Ours is one
    # count higher (6.6115), so six referrals are inside and seven (P(X >= 7) = 0.014) outside.
    assert 1 - cdf(5, 2.5) == pytest.approx(0.042021, abs=1e-6)
    assert funnel.poisson_upper(2.5, 0.95) == pytest.approx(5.6115 + 1, abs=1e-4)
    assert funnel.poisson_position(6, 2.5) == "" and funnel.poisson_position(7, 2.5) == "over 95 %"


def test_the_cases_the_old_limits_got_wrong():
    # 5 referrals against an expected 10.4: P(X <= 5) = 0.0534 (two-sided 0.054 once doubled and
    # capped): not a practice under its 95 % limit (4.08), so no flag.
    assert cdf(5, 10.4) == pytest.approx(0.053387, abs=1e-6)
    assert funnel.poisson_position(5, 10.4) == ""
    assert funnel.poisson_position(4, 10.4) == "under 95 %"  # P(X <= 4) = 0.0225 < 0.025
    # Two-sided p = 0.018 (11 against 4.7) and 0.016 (8 against 2.8): flagged now.
    assert 2 * (1 - cdf(10, 4.7)) == pytest.approx(0.0180, abs=1e-4)
    assert funnel.poisson_position(11, 4.7) == "over 95 %"
    assert 2 * (1 - cdf(7, 2.8)) == pytest.approx(0.0163, abs=1e-4)
    assert funnel.poisson_position(8, 2.8) == "over 95 %"
    # 900 listed patients at 5.4 per 1,000 (E = 4.86): F(0) = 0.007750, F(1) = 0.045418 ->
    # 1 - 0.020418 / 0.037667 = 0.4579 referrals; S(10) = 0.027030, S(11) = 0.011329 ->
    # 10 + 0.002030 / 0.015701 = 10.1293. Per 1,000: 0.51-11.25 (the old limits said 1.50-12.18).
    low, high = funnel.poisson_limits(4.86, 0.95)
    assert (low / 0.9, high / 0.9) == pytest.approx((0.5088, 11.2548), abs=1e-4)


# At least 30 (count, expected) pairs, the boundary cases above among them; positions worked by the
# rule with the term-by-term CDF.
PAIRS = [(0, 2.5), (5, 2.5), (6, 2.5), (7, 2.5), (9, 2.5), (10, 2.5), (0, 3.69), (0, 3.7), (0, 6.9), (0, 7.0),
         (4, 10.4), (5, 10.4), (17, 10.4), (18, 10.4), (1, 10.4), (2, 10.4), (22, 10.4), (23, 10.4),
         (34, 48.0), (35, 48.0), (62, 48.0), (63, 48.0), (27, 48.0), (28, 48.0), (71, 48.0), (72, 48.0),
         (11, 4.7), (8, 2.8), (10, 4.86), (11, 4.86), (0, 4.86), (1, 4.86), (3, 0.2), (2, 0.2), (1, 0.01),
         (40, 40.0), (120, 100.0), (121, 100.0), (80, 100.0), (79, 100.0)]


def test_flags_equal_the_exact_test_and_the_drawn_limits():
    crossed = {0.95: {"95 %", "99,8 %"}, 0.998: {"99,8 %"}}  # the widest limit crossed is named
    assert len(PAIRS) >= 30
    for x, mean in PAIRS:
        expected = exact_position(x, mean)
        assert funnel.poisson_position(x, mean) == expected, (x, mean)
        side, _, label = expected.partition(" ")
        for level in funnel.LEVELS:
            low, high = funnel.poisson_limits(mean, level)
            beyond = label in crossed[level]
            assert (x < low, x > high) == (beyond and side == "under", beyond and side == "over"), (x, mean, level)
    flagged = {exact_position(x, mean) for x, mean in PAIRS}
    assert flagged == {"", "under 95 %", "over 95 %", "under 99,8 %", "over 99,8 %"}


def test_drawn_limits_agree_with_the_flags_everywhere():
    # Point by point over 1,200 expected counts from 0.05 to 60 and every count that matters.
    disagree = 0
    for mean in np.linspace(0.05, 60.0, 1200):
        for level in funnel.LEVELS:
            low, high = funnel.poisson_limits(mean, level)
            q = funnel.tail(level)
            for x in range(int(mean + 8 * math.sqrt(mean) + 12)):
                side = funnel.poisson_side(x, mean, level)
                disagree += (x < low) != (side < 0) or (x > high) != (side > 0)
                disagree += (side < 0) != (cdf(x, mean) < q) if x < 30 else 0  # the rule, independently
    assert disagree == 0


def test_limits_are_continuous_in_the_expected_count():
    # Where the quantile jumps by a whole count, the interpolated limits do not: in steps of 0.005
    # the limits move by at most 0.03 (the steepest, the 99.8 % upper limit near E = 1.1).
    means = np.linspace(1.0, 30.0, 5801)
    for level in funnel.LEVELS:
        values = np.array([funnel.poisson_limits(m, level) for m in means])
        assert np.abs(np.diff(values, axis=0)).max() < 0.03


# --------------------------------------------------------------------------- overdispersion


def test_phi_and_tau2_worked_by_hand():
    # Five practices expecting 1, 4, 9, 16, 25 referrals (55 in all) who made 1, 16, 4, 25, 9.
    # z = 2 (sqrt(x) - sqrt(E)) = 0, 4, -2, 2, -4. Winsorised at the 10 % and 90 % quantiles
    # (linear interpolation, as R's quantile): -4 + 0.4 * 2 = -3.2 and 2 + 0.6 * 2 = 3.2, so
    # z = 0, 3.2, -2, 2, -3.2 and phi = (0 + 10.24 + 4 + 4 + 10.24) / 5 = 5.696.
    # I phi = 28.48 against chi-squared with 4 df: P = exp(-14.24) (1 + 14.24) = 9.95e-6.
    # tau^2 with w = 4E = 4, 16, 36, 64, 100: sum w = 220, sum w^2 = 15,664, 15,664 / 220 = 71.2,
    # (28.48 - 4) / (220 - 71.2) = 24.48 / 148.8 = 0.164516.
    counts, expected = [1, 16, 4, 25, 9], [1, 4, 9, 16, 25]
    assert funnel.winsorise(funnel.z_scores(counts, expected)) == pytest.approx([0, 3.2, -2, 2, -3.2])
    spread = funnel.overdispersion(counts, expected)
    assert spread.phi == pytest.approx(5.696)
    assert spread.p_value == pytest.approx(math.exp(-14.24) * 15.24, rel=1e-9)
    assert spread.tau2 == pytest.approx(24.48 / 148.8)
    assert spread.is_overdispersed and spread.practices == 5


def test_phi_above_one_is_not_yet_overdispersion():
    # z = -1, 1, -2, 2, 0 (E = 4 each: x = 2.25, 6.25, 1, 9, 4): winsorised at -1.6 and 1.6,
    # phi = (1 + 1 + 2.56 + 2.56 + 0) / 5 = 1.424; I phi = 7.12, P = exp(-3.56) (1 + 3.56) = 0.1297:
    # more spread than Poisson (FunnelPlotR's phi > 1 would adjust) but not beyond chance at 5 %.
    # tau^2 = (7.12 - 4) / (80 - 1280 / 80) = 3.12 / 64 = 0.04875, computed but not used.
    spread = funnel.overdispersion([2.25, 6.25, 1, 9, 4], [4] * 5)
    assert spread.phi == pytest.approx(1.424)
    assert spread.p_value == pytest.approx(math.exp(-3.56) * 4.56, rel=1e-9)
    assert spread.tau2 == pytest.approx(3.12 / 64) and not spread.is_overdispersed
    # Less spread than Poisson: tau^2 is 0.
    assert funnel.overdispersion([4, 4, 5, 3, 4], [4] * 5).tau2 == 0.0
    # Four practices are too few to estimate it.
    assert not funnel.overdispersion([1, 16, 4, 25], [1, 4, 9, 16]).is_estimated


def test_adjusted_limits_and_flags_agree():
    # E = 16, tau^2 = 0.0625: sqrt(1/64 + 1/16) = 0.279508; 1.959964 * 0.279508 = 0.547826;
    # 16 * 0.452174^2 = 16 * 0.204461 = 3.2714 and 16 * 1.547826^2 = 16 * 2.395766 = 38.3323.
    low, high = funnel.adjusted_limits(16.0, 0.0625, 0.95)
    assert (low, high) == pytest.approx((3.2714, 38.3323), abs=1e-4)
    assert funnel.adjusted_position(38, 16.0, 0.0625) == "" and funnel.adjusted_position(39, 16.0, 0.0625) == \
        "over 95 %"
    assert funnel.adjusted_position(3, 16.0, 0.0625) == "under 95 %"
    # At 99.8 % (z = 3.090232) the lower limit 1 - 0.863733 < 0 is 0: nothing is under it.
    assert funnel.adjusted_limits(16.0, 0.0625, 0.998)[0] == pytest.approx(16 * 0.136267 ** 2, abs=1e-4)
    assert funnel.adjusted_limits(4.0, 0.5, 0.998)[0] == 0.0


def _rates(counts: dict[str, int], listed: dict[str, int]) -> pd.DataFrame:
    referrals = pd.DataFrame({"practice_id": list(counts), "offer": "KOL", "referrals": list(counts.values())})
    patients = pd.DataFrame({"practice_id": list(listed), "listed_patients": list(listed.values())})
    raw = referral_rates(referrals, patients, ["KOL"]).rename(columns={"practice_id": "practice"})
    return raw.assign(practice=raw["practice"].map(lambda p: p if p == CLUSTER else f"Praksis {p}"))


def test_the_rate_table_places_practices_against_the_unrounded_centre():
    # Five practices; the centre is the cluster's rate unrounded (61 / 55,000 listed = 1.109 per 1,000),
    # never the published 1.1, and each practice's flag is the exact test's at E = centre x listed.
    listed = {"A": 1000, "B": 4000, "C": 9000, "D": 16000, "E": 25000}
    counts = {"A": 5, "B": 16, "C": 6, "D": 25, "E": 9}  # 61 referrals: the centre is 61 / 55 per 1,000
    rates = publishable_rates(_rates(counts, listed))
    shown = rates[rates["practice"] != CLUSTER].set_index("practice")
    centre = 61 / 55  # 1.10909..., published as 1.1
    assert rates.loc[rates["practice"] == CLUSTER, "rate_per_1000"].item() == 1.1
    assert shown["expected"].tolist() == [round(centre * n / 1000, 1) for n in listed.values()]
    for name, n in listed.items():
        assert shown.loc[f"Praksis {name}", "funnel"] == exact_position(counts[name], centre * n / 1000)
    fit = funnel.fit_offers(rates, CLUSTER)["KOL"]
    assert fit.cluster_rate == pytest.approx(centre)
    assert fit.is_adjusted  # z-scores from -4.5 to 3.8: far more spread than Poisson (phi = 6.25)
    adjusted = shown["funnel_adjusted"]
    for name, n in listed.items():
        assert adjusted[f"Praksis {name}"] == funnel.adjusted_position(counts[name], centre * n / 1000,
                                                                       fit.spread.tau2)
    assert (shown["funnel_adjusted"] != "").sum() < (shown["funnel"] != "").sum()  # wider limits flag fewer


def test_hidden_cells_stay_out_of_the_overdispersion():
    # Practice A's 3 referrals are shown as '<5' (and one more cell hidden to protect it): neither
    # enters phi, so the adjusted limits cannot give them back.
    listed = {"A": 1000, "B": 4000, "C": 9000, "D": 16000, "E": 25000, "F": 9000, "G": 4000}
    counts = {"A": 3, "B": 16, "C": 6, "D": 25, "E": 9, "F": 12, "G": 5}
    rates = publishable_rates(_rates(counts, listed))
    fit = funnel.fit_offers(rates, CLUSTER)["KOL"]
    hidden = rates[rates["is_suppressed"]]
    assert len(hidden) == 2 and fit.spread.practices == 5
    assert (hidden["funnel"] == "").all() and (hidden["funnel_adjusted"] == "").all()
