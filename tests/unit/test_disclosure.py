"""disclosure: strict, by hand: size bands, their merging, the strict rate table and its flags."""

import math

import pandas as pd
import pytest

from kiap_analysis.privacy.suppression import safe_table
from kiap_analysis.stats import funnel, metrics
from kiap_analysis.stats.analysis import publishable_rates
from kiap_analysis.stats.disclosure import (
    OPEN,
    SizeBand,
    band_positions,
    merged_bands,
    size_bands,
    whole_numbers,
)

# The fjord demo cluster's 2025 sizes (eSundhed-like listed patients).
FJORD = [1498, 1536, 1560, 1757, 1777, 1933, 2954, 3302, 3401, 5602, 5627, 6492, 6972]


def test_bands_have_edges_at_multiples_of_500_and_at_least_three_practices():
    # 1,498-1,933 are 6 practices below 2,500; 2,954-3,401 are 3 below 5,500; the rest 4.
    assert size_bands(FJORD) == (SizeBand(0, 2499), SizeBand(2500, 5499), SizeBand(5500, OPEN))
    assert size_bands([1000, 1100, 1200, 1300, 1400]) == (SizeBand(0, OPEN),)  # one 500-bin: one band
    assert size_bands([1000, 1600, 2100, 2600]) == (SizeBand(0, OPEN),)  # a last band of 1 joins the one before
    assert [b.label for b in size_bands(FJORD)] == ["under 2.500", "2.500-5.499", "5.500 og flere"]


def test_a_later_round_merges_bands_never_splits_them():
    bands = size_bands(FJORD)
    # The follow-up lost 5,602 and 6,972: 2 practices above 5,500 join the band below.
    after = [n for n in FJORD if n not in (5602, 6972)] + [3300]
    assert merged_bands(bands, after) == (SizeBand(0, 2499), SizeBand(2500, OPEN))
    # A band holding none of the round's practices stays (it shows nobody).
    assert merged_bands(bands, [1498, 1536, 1560, 5627, 6492, 6972]) == bands
    # The baseline's edges hold: a new large practice never opens a band of its own.
    assert merged_bands(bands, [*FJORD, 9000, 9100, 9200]) == bands


def test_a_band_is_drawn_at_the_mean_size_of_its_practices():
    positions = band_positions(size_bands(FJORD), FJORD)
    # (1498 + 1536 + 1560 + 1757 + 1777 + 1933) / 6 = 1676.8 -> 1680 (nearest 10)
    assert positions == {SizeBand(0, 2499): 1680.0, SizeBand(2500, 5499): 3220.0, SizeBand(5500, OPEN): 6170.0}


def _rates(counts: dict[str, int], sizes: dict[str, int]) -> pd.DataFrame:
    referrals = pd.DataFrame({"practice_id": list(counts), "offer": "KOL", "referrals": list(counts.values())})
    listed = pd.DataFrame({"practice_id": list(sizes), "listed_patients": list(sizes.values())})
    rates = metrics.referral_rates(referrals, listed, ["KOL"])
    rates.insert(0, "practice", rates.pop("practice_id").map(lambda p: p if p == metrics.CLUSTER else f"Praksis {p}"))
    return rates


def test_the_strict_table_shows_whole_rates_bands_and_no_counts():
    sizes = {"A": 1500, "B": 1520, "C": 1700, "D": 3000, "E": 3100, "F": 3300}
    counts = {"A": 12, "B": 7, "C": 2, "D": 12, "E": 13, "F": 45}
    rates = _rates(counts, sizes)
    bands = size_bands(sizes.values())
    assert bands == (SizeBand(0, 2999), SizeBand(3000, OPEN))  # the edge: 3,000's multiple of 500
    strict = publishable_rates(rates, bands=bands).set_index("practice")
    standard = publishable_rates(rates).set_index("practice")
    # C's 2 is '<5' (and secondary suppression hides the next smallest, B's 7) in both modes.
    assert strict["referrals_shown"].to_dict() == {
        "Praksis A": "", "Praksis B": "skjult", "Praksis C": "<5", "Praksis D": "", "Praksis E": "",
        "Praksis F": "", metrics.CLUSTER: "91"}
    assert standard.loc["Praksis A", "referrals_shown"] == "12"
    # Whole numbers from the unrounded rates: 12/1.5 = 8, 12/3.0 = 4, 13/3.1 = 4.19 -> 4, 45/3.3 = 13.6 -> 14.
    shown = strict[strict["referrals_shown"] == ""]
    assert shown["rate_per_1000"].to_dict() == {"Praksis A": 8.0, "Praksis D": 4.0, "Praksis E": 4.0,
                                                 "Praksis F": 14.0}
    assert shown[["ci_low", "ci_high", "expected"]].isna().all().all()
    # The cluster's row as in standard mode: 91 referrals over 14,120 listed patients, 6.4 per 1,000.
    assert strict.loc[metrics.CLUSTER, "rate_per_1000"] == standard.loc[metrics.CLUSTER, "rate_per_1000"] == 6.4
    assert strict["size_band"].to_dict() == {**{f"Praksis {p}": "under 3.000" for p in "ABC"},
                                             **{f"Praksis {p}": "3.000 og flere" for p in "DEF"}, metrics.CLUSTER: ""}
    # Drawn at the band's mean size: (1500 + 1520 + 1700) / 3 = 1573 -> 1570; 3133 -> 3130.
    assert strict.loc[["Praksis A", "Praksis D"], "funnel_x"].tolist() == [1570.0, 3130.0]
    # The flags are the drawn point against the limits drawn there.
    fit = funnel.fit_offers(publishable_rates(rates), metrics.CLUSTER)["KOL"]
    for practice in ("Praksis A", "Praksis D", "Praksis E", "Praksis F"):
        row = strict.loc[practice]
        assert row["funnel"] == funnel.position_at(row["rate_per_1000"], row["funnel_x"], fit)
    # F: 14 per 1,000 at 3,130 patients: E = 6.445 x 3.13 = 20.17 referrals, and 36 is the first
    # count with P(X >= 36) < 0.001, so the 99.8 % limit lies just below it: 35.9 referrals, 11.5
    # per 1,000 (under 14).
    assert strict.loc["Praksis F", "funnel"] == "over 99,8 %"
    assert funnel.poisson_upper(fit.expected(3130), 0.998) == pytest.approx(35.91, abs=0.01)


def test_strict_rates_are_written_as_whole_numbers():
    table = pd.DataFrame({"practice": ["Praksis A", metrics.CLUSTER, "Praksis B"],
                          "rate_per_1000": [5.0, 5.3, math.nan]})
    written = safe_table(whole_numbers(table, ["rate_per_1000"], table["practice"] != metrics.CLUSTER))
    assert written.to_csv(index=False) == "practice,rate_per_1000\nPraksis A,5\nKlyngen samlet,5.3\nPraksis B,\n"
