"""Distributions, multi-choice shares and rates against numbers worked out by hand."""

import math

import pandas as pd
import pytest

from kiap_analysis.stats import metrics


def _responses(rows):
    return pd.DataFrame(rows).astype({"is_complete": bool})


def test_likert_distribution_counts_dont_know_in_the_base(tiny_spec):
    frame = _responses([
        {"respondent_id": "a", "is_complete": True, "q1": "Enig"},
        {"respondent_id": "b", "is_complete": True, "q1": "Enig"},
        {"respondent_id": "c", "is_complete": True, "q1": "Uenig"},
        {"respondent_id": "d", "is_complete": True, "q1": "Ved ikke"},
        {"respondent_id": "e", "is_complete": False, "q1": None},
    ])
    table = metrics.scale_distribution(frame, tiny_spec.question("q1"))
    assert table["category"].tolist() == ["Uenig", "Hverken eller", "Enig", "Ved ikke"]
    assert table["n"].tolist() == [1, 0, 2, 1]
    assert table["base"].tolist() == [4, 4, 4, 4]  # e did not answer
    assert table["pct"].tolist() == [25.0, 0.0, 50.0, 25.0]


def test_multi_choice_is_a_share_of_respondents_not_of_answers(tiny_spec):
    # 4 completed respondents tick 1, 2, 0 and 3 options; a partial one ticked Brev; a partial
    # one ticked nothing (never reached the question): base = 4 + 1 = 5.
    rows = [
        (True, True, False, False), (True, True, True, False), (True, False, False, False),
        (True, True, True, True), (False, False, True, False), (False, False, False, False),
    ]
    frame = _responses([
        {"respondent_id": str(i), "is_complete": done, "q2.tlf": tlf, "q2.brev": brev, "q2.andet": andet}
        for i, (done, tlf, brev, andet) in enumerate(rows)
    ])
    table = metrics.multi_choice_shares(frame, tiny_spec.question("q2"))
    assert table.set_index("category")["n"].to_dict() == {"Telefon": 3, "Brev": 3, "Andet": 1}
    assert set(table["base"]) == {5}
    assert table["pct"].tolist() == [60.0, 60.0, 20.0]  # 3/5, 3/5, 1/5; answers total 7, not 100 %


def test_exact_poisson_interval_below_ten_events():
    # Garwood's exact limits for 3 events: 0.6187 and 8.7673 (standard tables).
    low, high = metrics.poisson_interval(3)
    assert low == pytest.approx(0.6187, abs=1e-4)
    assert high == pytest.approx(8.7673, abs=1e-4)
    assert metrics.poisson_interval(0) == pytest.approx((0.0, 3.6889), abs=1e-4)


def test_byar_interval_from_ten_events():
    # Byar by hand for 25 events, z = 1.96:
    # 25 * (1 - 1/225 - 1.96/15)^3 = 16.174; 26 * (1 - 1/234 + 1.96/(3*sqrt(26)))^3 = 36.906
    low, high = metrics.poisson_interval(25)
    assert low == pytest.approx(16.174, abs=1e-3)
    assert high == pytest.approx(36.906, abs=1e-3)


def test_rates_per_1000_with_intervals_and_cluster_total():
    referrals = pd.DataFrame({"practice_id": ["A", "B"], "offer": ["KOL", "KOL"], "referrals": [3, 25]})
    listed = pd.DataFrame({"practice_id": ["A", "B", "C"], "listed_patients": [1600, 2100, pd.NA]})
    rates = metrics.referral_rates(referrals, listed, ["KOL"]).set_index("practice_id")
    a, b = rates.loc["A"], rates.loc["B"]
    assert a["rate_per_1000"] == pytest.approx(1.875)  # 3 / 1,600 * 1,000
    assert (a["ci_low"], a["ci_high"]) == pytest.approx((0.3867, 5.4795), abs=1e-4)  # 0.6187/1.6, 8.7673/1.6
    assert b["rate_per_1000"] == pytest.approx(11.905, abs=1e-3)  # 25 / 2,100 * 1,000
    assert (b["ci_low"], b["ci_high"]) == pytest.approx((7.702, 17.575), abs=1e-3)  # 16.174/2.1, 36.906/2.1
    c = rates.loc["C"]  # no listed patients: no rate, and not part of the cluster's rate
    assert not c["is_rate_computed"] and math.isnan(c["rate_per_1000"]) and c["referrals"] == 0
    total = rates.loc[metrics.CLUSTER]
    assert total["referrals"] == 28 and total["listed_patients"] == 3700
    assert total["rate_per_1000"] == pytest.approx(28 / 3.7)


def test_response_summary():
    frame = _responses([{"respondent_id": str(i), "is_complete": i < 17} for i in range(23)])
    summary = metrics.response_summary(frame, invited=31)
    assert (summary.responded, summary.completed, summary.partial) == (23, 17, 6)
    assert summary.response_rate == pytest.approx(100 * 23 / 31)  # AAPOR RR2: completed and partial
    assert summary.completion_rate == pytest.approx(100 * 17 / 31)  # AAPOR RR1: completed only
    assert metrics.response_summary(frame, None).response_rate is None


def test_the_slide_base_says_partial_respondents_apart():
    from kiap_analysis.present.content import response_text

    frame = _responses([{"respondent_id": str(i), "is_complete": i < 21} for i in range(23)])
    assert response_text(metrics.response_summary(frame, 31)) == "23 af 31 inviterede svarede, heraf 21 fuldt ud"
    assert response_text(metrics.response_summary(frame, None)) == "23 svarede, heraf 21 fuldt ud"
