"""Follow-up orders: change figures worked out by hand, the 'too few' rule, identical
pseudonyms, suppression with one pattern in both rounds, and a missing baseline."""

import math

import pandas as pd
import pytest
from pptx import Presentation
from scipy.stats import binom

from kiap_analysis import change
from kiap_analysis.analysis import ReferralResult, align_suppression, analyse_order, publishable_rates
from kiap_analysis.errors import InputError
from kiap_analysis.metrics import CLUSTER, referral_rates
from kiap_analysis.notebook import OrderRun
from kiap_analysis.spec import parse_spec

from conftest import TINY_SPEC, write

# --------------------------------------------------------------------------- the tests


def yates_p(a: int, b: int, c: int, d: int) -> float:
    """p of the 2x2 table [[a, b], [c, d]] by the textbook Yates formula (1 df)."""
    n = a + b + c + d
    chi2 = n * (abs(a * d - b * c) - n / 2) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    return math.erfc(math.sqrt(chi2 / 2))


def test_two_proportion_test_is_the_yates_corrected_chi_squared():
    # 3 of 12 against 11 of 12: chi2 = 24 * (|3*1 - 9*11| - 12)^2 / (12*12*14*10) = 8.4
    assert change.two_proportion_test(3, 12, 11, 12) == pytest.approx(math.erfc(math.sqrt(4.2)))
    assert change.two_proportion_test(3, 12, 11, 12) == pytest.approx(yates_p(3, 9, 11, 1))
    assert change.two_proportion_test(10, 20, 18, 20) == pytest.approx(yates_p(10, 10, 18, 2))  # 0.0157
    # A difference no larger than the correction gives p = 1 (R: the correction is capped).
    assert change.two_proportion_test(5, 10, 6, 10) == 1.0
    assert change.two_proportion_test(0, 10, 0, 12) == 1.0


def test_too_few_answers_are_never_assessed():
    assert change.assess(0, 9, 9, 9, min_base=10, alpha=0.05) == (pytest.approx(math.nan, nan_ok=True),
                                                                   change.TOO_FEW)
    p, verdict = change.assess(3, 12, 11, 12, min_base=10, alpha=0.05)
    assert verdict == change.INCREASE and p == pytest.approx(yates_p(3, 9, 11, 1))
    assert change.assess(11, 12, 3, 12, min_base=10, alpha=0.05)[1] == change.DECREASE
    assert change.assess(6, 12, 7, 12, min_base=10, alpha=0.05)[1] == change.NO_CHANGE


def test_rate_ratio_interval_is_exact():
    # 91 referrals among 6,000 listed patients after 45 among 6,000: ratio 91 / 45.
    ratio, low, high = change.rate_ratio(91, 6000, 45, 6000)
    assert ratio == pytest.approx(91 / 45)
    # The limits are the Clopper-Pearson limits of p = 91 / 136 turned into ratios p / (1 - p).
    p_low, p_high = low / (1 + low), high / (1 + high)
    assert binom.sf(90, 136, p_low) == pytest.approx(0.025, rel=1e-6)  # P(X >= 91) at the lower limit
    assert binom.cdf(91, 136, p_high) == pytest.approx(0.025, rel=1e-6)
    assert 1.35 < low < ratio < high < 3.0  # near the log-normal 1.41-2.89, a little wider
    # Patients count: 30 among 2,000 against 30 among 3,000 is a ratio of 1.5.
    assert change.rate_ratio(30, 2000, 30, 3000)[0] == pytest.approx(1.5)
    assert all(math.isnan(v) for v in change.rate_ratio(5, 1000, 0, 1000))


# --------------------------------------------------------------------------- questions

SPEC = parse_spec(__import__("yaml").safe_load(TINY_SPEC), "tiny.yaml")


def _table(question_id, categories, counts, item=""):
    base = sum(counts)
    return pd.DataFrame({"question_id": question_id, "item": item, "category": categories, "n": counts,
                         "base": base, "pct": [round(100 * n / base, 1) for n in counts]})


def test_questions_are_matched_by_id_and_changes_reported():
    q1 = SPEC.question("q1")
    reworded = parse_spec(__import__("yaml").safe_load(
        TINY_SPEC.replace('"Hvor enig er du?"', '"Hvor enig er du i dag?"')
        .replace("[Uenig, Hverken eller, Enig]", "[Meget uenig, Uenig, Enig, Meget enig]")
        .replace("  - {id: q3, text: Kommentarer, type: free_text}",
                 "  - {id: q3, text: Kommentarer, type: free_text}\n  - {id: q4, text: Nyt, type: free_text}")),
        "tiny.yaml")
    matches = change.match_questions(SPEC, reworded)
    assert matches["q1"].status == change.CHANGED and matches["q1"].differences == ("wording", "scale")
    assert matches["q2"].status == change.SAME and matches["q3"].status == change.SAME
    assert matches["q4"].status == change.NEW
    # Case and spacing alone are no change.
    same = change.compare_question(q1, parse_spec(__import__("yaml").safe_load(
        TINY_SPEC.replace('"Hvor enig er du?"', '"hvor  enig er du? "')), "t").question("q1"))
    assert same.status == change.SAME


def test_likert_change_tests_the_top_two_share_per_item():
    q1 = SPEC.question("q1")  # Uenig, Hverken eller, Enig + Ved ikke: top two = Hverken eller + Enig
    before = _table("q1", list(q1.categories), [8, 1, 2, 1])  # top two 3 of 12
    after = _table("q1", list(q1.categories), [1, 2, 9, 0])  # top two 11 of 12
    table = change.survey_change(q1, before, after, change.QuestionMatch("q1", change.SAME), min_base=10)
    assert table["category"].tolist() == ["Uenig", "Hverken eller", "Enig", "Ved ikke", "Hverken eller + Enig"]
    tested = table[table["is_tested"]].iloc[0]
    assert (tested["n_baseline"], tested["base_baseline"], tested["n_follow_up"], tested["base_follow_up"]) == (
        3, 12, 11, 12)
    assert tested["pct_baseline"] == 25.0 and tested["pct_follow_up"] == 91.7
    assert tested["change_pct_points"] == 66.7
    assert tested["p_value"] == pytest.approx(yates_p(3, 9, 11, 1))
    assert tested["assessment"] == change.INCREASE
    assert table.loc[table["category"] == "Enig", "change_pct_points"].item() == pytest.approx(75.0 - 16.7)
    lines = change.survey_statements(q1, table, change.QuestionMatch("q1", change.SAME), "2025", 10)
    assert [s.kind for s in lines] == [change.CHANGE]
    assert lines[0].text.startswith("Andelen, der svarer 'Hverken eller' eller 'Enig', er steget fra 25 % til 92 %")


def test_a_small_round_gives_too_few_and_a_changed_question_no_verdict():
    q1 = SPEC.question("q1")
    before = _table("q1", list(q1.categories), [1, 1, 6, 1])  # 9 answers: under the minimum of 10
    after = _table("q1", list(q1.categories), [0, 1, 11, 0])
    same = change.QuestionMatch("q1", change.SAME)
    table = change.survey_change(q1, before, after, same, min_base=10)
    assert table.loc[table["is_tested"], "assessment"].tolist() == [change.TOO_FEW]
    lines = change.survey_statements(q1, table, same, "2025", 10)
    assert [s.kind for s in lines] == [change.UNCLEAR]
    assert "for få svar til at vurdere en ændring" in lines[0].text.lower()

    changed = change.QuestionMatch("q1", change.CHANGED, ("wording",))
    table = change.survey_change(q1, _table("q1", list(q1.categories), [8, 1, 2, 1]),
                                 _table("q1", list(q1.categories), [1, 2, 9, 0]), changed, min_base=10)
    assert not table["is_tested"].any() and table["p_value"].isna().all()
    assert set(table["assessment"]) == {change.NOT_COMPARABLE}
    assert "formulering" in change.survey_statements(q1, table, changed, "2025", 10)[0].text


def test_multi_choice_change_per_option():
    q2 = SPEC.question("q2")
    before = pd.DataFrame({"question_id": "q2", "item": "", "category": ["Telefon", "Brev", "Andet"],
                           "n": [6, 2, 1], "base": 12, "pct": [50.0, 16.7, 8.3]})
    after = before.assign(n=[7, 10, 1], pct=[58.3, 83.3, 8.3])
    table = change.survey_change(q2, before, after, change.QuestionMatch("q2", change.SAME), min_base=10)
    assert table["is_tested"].all()
    assert table["assessment"].tolist() == [change.NO_CHANGE, change.INCREASE, change.NO_CHANGE]
    # Holm within the question: the smallest of three p-values times 3, the others at least that.
    assert table["p_value"].iloc[1] == pytest.approx(3 * yates_p(2, 10, 10, 2))
    assert table["p_value"].iloc[0] == 1.0  # 6 -> 7 of 12: within the continuity correction
    assert str(table["n_baseline"].dtype) == "Int64"


def test_holm_adjustment():
    nan = math.nan
    assert change.holm([0.01, nan, 0.04, 0.03]) == pytest.approx([0.03, nan, 0.06, 0.06], nan_ok=True)
    assert change.holm([0.5]) == [0.5]


# --------------------------------------------------------------------------- referrals


def _result(counts: dict[str, int], listed: dict[str, int]) -> ReferralResult:
    referrals = pd.DataFrame({"practice_id": list(counts), "offer": "KOL", "referrals": list(counts.values())})
    patients = pd.DataFrame({"practice_id": list(listed), "listed_patients": list(listed.values())})
    raw = referral_rates(referrals, patients, ["KOL"]).rename(columns={"practice_id": "practice"})
    raw["practice"] = raw["practice"].map(lambda p: p if p == CLUSTER else f"Praksis {p}")
    return ReferralResult(None, None, publishable_rates(raw), ["KOL"], [], raw_rates=raw)


LISTED = {"A": 2000, "B": 1000, "C": 2000, "D": 1000}


def test_suppression_has_one_pattern_in_both_rounds():
    before = _result({"A": 20, "B": 3, "C": 10, "D": 12}, LISTED)  # B < 5, so C (next smallest) hidden
    after = _result({"A": 60, "B": 15, "C": 2, "D": 14}, LISTED)  # C < 5, so D hidden
    shown = {p: s for p, s in zip(before.rates["practice"], before.rates["referrals_shown"], strict=True)}
    assert shown == {"Praksis A": "20", "Praksis B": "<5", "Praksis C": "skjult", "Praksis D": "12",
                     CLUSTER: "45"}
    before, after = align_suppression(before, after)
    shown = lambda r: dict(zip(r.rates["practice"], r.rates["referrals_shown"], strict=True))  # noqa: E731
    assert shown(before) == {"Praksis A": "20", "Praksis B": "<5", "Praksis C": "skjult", "Praksis D": "skjult",
                             CLUSTER: "45"}
    assert shown(after) == {"Praksis A": "60", "Praksis B": "skjult", "Praksis C": "<5", "Praksis D": "skjult",
                            CLUSTER: "91"}
    for result in (before, after):
        hidden = result.rates[result.rates["is_suppressed"]]
        assert hidden["rate_per_1000"].isna().all() and hidden["ci_low"].isna().all()

    table = change.referral_change(before.rates, after.rates, CLUSTER).set_index("practice")
    total = table.loc[CLUSTER]
    assert total["rate_per_1000_baseline"] == pytest.approx(7.5)  # 45 / 6,000 listed
    assert total["rate_per_1000_follow_up"] == 15.2  # 91 / 6 = 15.17, published with one decimal
    assert total["rate_ratio"] == pytest.approx(91 / 45) and total["assessment"] == change.INCREASE
    # Practice A: 20 referrals where the cluster rate predicts 15 (inside), then 60 where 30.3 (far above).
    assert table.loc["Praksis A", "funnel_baseline"] == ""
    assert table.loc["Praksis A", "funnel_follow_up"] == "over 99,8 %"
    assert table.loc["Praksis A", "funnel_change"] == "nu uden for grænserne"
    assert table.loc["Praksis B", "funnel_change"] == "kan ikke vurderes"
    assert math.isnan(table.loc["Praksis B", "rate_per_1000_follow_up"])  # hidden in both rounds
    lines = change.referral_statements(table.reset_index(), CLUSTER)
    assert [s.kind for s in lines] == [change.CHANGE, change.FUNNEL]
    assert lines[0].text.startswith("KOL: klyngens henvisningsrate er steget (7,5 → 15,2 pr. 1.000; ratio 2,02")


# --------------------------------------------------------------------------- orders end to end

SURVEY_HEAD = "Respondent;Status;q1;q2_tlf;q2_brev;q2_andet;q3\n"


def _survey(q1: list[str], tlf: int, brev: int) -> str:
    rows = [f"{i};Gennemført;{a};{int(i <= tlf)};{int(i <= brev)};0;" for i, a in enumerate(q1, start=1)]
    return SURVEY_HEAD + "\n".join(rows) + "\n"


ORDERS = """
orders:
  - id: base
    cluster: Testklyngen
    municipality: Test Kommune
    package: tiny.yaml
    survey: survey_2025.csv
    invited: 14
    period: {start: 2025-01-01, end: 2025-12-31}
  - id: follow
    cluster: Testklyngen
    municipality: Test Kommune
    package: tiny.yaml
    round: follow-up
    baseline: base
    survey: survey_2026.csv
    invited: 14
    period: {start: 2026-01-01, end: 2026-12-31}
  - id: orphan
    cluster: Testklyngen
    municipality: Test Kommune
    package: tiny.yaml
    round: follow-up
    baseline: base-2024
    survey: survey_2026.csv
"""


@pytest.fixture
def orders(tmp_path, workbook):
    write(tmp_path / "tiny.yaml", __import__("conftest").TINY_SPEC)
    write(tmp_path / "survey_2025.csv", _survey(["Uenig"] * 8 + ["Hverken eller"] + ["Enig"] * 2 + ["Ved ikke"],
                                                tlf=6, brev=2))
    write(tmp_path / "survey_2026.csv", _survey(["Uenig"] + ["Hverken eller"] * 2 + ["Enig"] * 9, tlf=7, brev=10))
    return write(tmp_path / "orders.yaml", ORDERS)


def test_a_follow_up_deck_and_tables(orders, tmp_path):
    run = OrderRun("follow", orders, tmp_path / "out")
    run.export()
    tables = tmp_path / "out" / "follow" / "tables"
    assert sorted(p.name for p in tables.iterdir()) == ["q1.csv", "q1_change.csv", "q2.csv", "q2_change.csv"]
    q1 = pd.read_csv(tables / "q1_change.csv", keep_default_na=False)
    assert list(q1.columns) == change.CHANGE_COLUMNS
    top = q1[q1["is_tested"]].iloc[0]
    assert top["category"] == "Hverken eller + Enig"
    assert (top["n_baseline"], top["base_baseline"], top["n_follow_up"], top["base_follow_up"]) == (3, 12, 11, 12)
    assert float(top["p_value"]) == pytest.approx(yates_p(3, 9, 11, 1), abs=1e-4) and top["assessment"] == "steget"
    q2 = pd.read_csv(tables / "q2_change.csv", keep_default_na=False).set_index("category")
    assert q2.loc["Brev", "assessment"] == "steget" and q2.loc["Telefon", "assessment"] == "ingen sikker ændring"

    deck = Presentation(str(tmp_path / "out" / "follow" / "deck.pptx"))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert titles[1] == "Hvad har ændret sig?" and titles[-1] == "Aftaler og næste skridt"
    changes = deck.slides[1].placeholders[1].text_frame.text
    assert "steget fra 25 % til 92 %" in changes and "'Brev', er steget fra 17 % til 83 %" in changes
    chart_slide = next(s for s in deck.slides if s.shapes.title.text == SPEC.question("q1").title)
    text = " ".join(shape.text_frame.text for shape in chart_slide.shapes if shape.has_text_frame)
    assert "2025: n = 12 af 14 inviterede; 2026: n = 12 af 14 inviterede" in text  # both bases


def test_a_baseline_deck_has_no_change_slide(orders, tmp_path):
    run = OrderRun("base", orders, tmp_path / "out")
    assert run.analysis.change is None and run.content.key_changes == []
    run.export()
    titles = [s.shapes.title.text for s in Presentation(str(tmp_path / "out" / "base" / "deck.pptx")).slides]
    assert "Hvad har ændret sig?" not in titles and titles[-1] == "Aftaler og næste skridt"
    assert not any("_change" in p.name for p in (tmp_path / "out" / "base" / "tables").iterdir())


def test_a_missing_baseline_is_a_clear_error(orders, tmp_path):
    with pytest.raises(InputError, match="the baseline order 'base-2024' is not in the orders file"):
        analyse_order(orders, "orphan")
    (tmp_path / "survey_2025.csv").rename(tmp_path / "elsewhere.csv")
    with pytest.raises(InputError) as caught:
        analyse_order(orders, "follow")
    message = str(caught.value)
    assert "baseline order 'base'" in message and "survey_2025.csv" in message and "archive" in message


def test_the_baseline_must_be_the_same_cluster_and_earlier(orders, tmp_path):
    text = orders.read_text().replace("period: {start: 2026-01-01, end: 2026-12-31}",
                                      "period: {start: 2025-06-01, end: 2026-05-31}")
    write(orders, text.replace("  - id: follow\n    cluster: Testklyngen", "  - id: follow\n    cluster: Anden"))
    with pytest.raises(InputError) as caught:
        analyse_order(orders, "follow")
    message = str(caught.value)
    assert "is for Testklyngen, not Anden" in message and "does not end before" in message


def test_the_demo_follow_up_keeps_the_baselines_pseudonyms(demo_run):
    reports = demo_run["paths"].reports
    outcomes = {o.order_id: o for o in demo_run["outcomes"]}
    assert outcomes["fjord-2026-forebyg"].status == "ok", outcomes["fjord-2026-forebyg"].error
    own = pd.read_csv(reports / "fjord-2025-forebyg" / "tables" / "referrals_per_1000.csv", keep_default_na=False)
    both = pd.read_csv(reports / "fjord-2026-forebyg" / "tables" / "referrals_change.csv", keep_default_na=False)
    own = own.set_index(["practice", "offer"])
    compared = 0
    for row in both.itertuples():
        if row.referrals_baseline not in ("", "<5", "skjult"):
            # The baseline's figures under the same letter as in the baseline's own deck.
            assert str(own.loc[(row.practice, row.offer), "referrals"]) == row.referrals_baseline
            assert float(own.loc[(row.practice, row.offer), "rate_per_1000"]) == pytest.approx(
                float(row.rate_per_1000_baseline), abs=1e-3)
            compared += 1
    assert compared >= 30
    # Hidden in one round means hidden in both (practices in both rounds).
    present = both[(both["referrals_baseline"] != "") & (both["referrals_follow_up"] != "")]
    hidden_before = present["referrals_baseline"].isin(["<5", "skjult"])
    hidden_after = present["referrals_follow_up"].isin(["<5", "skjult"])
    assert hidden_before.any() and (hidden_before == hidden_after).all()
    html = (reports / "fjord-2026-forebyg" / "report.html").read_text(encoding="utf-8")
    assert "Hvad har ændret sig?" in html and "Aftaler og næste skridt" in html
    assert "Før og nu: tallene bag sammenligningen" in html


def test_a_new_question_and_a_new_scale_are_shown_without_verdicts():
    q1 = SPEC.question("q1")
    after = _table("q1", list(q1.categories), [1, 2, 9, 0])
    new = change.survey_change(q1, None, after, change.QuestionMatch("q1", change.NEW), min_base=10)
    assert new["category"].tolist() == list(q1.categories) and set(new["assessment"]) == {""}
    assert new["n_baseline"].isna().all() and new["n_follow_up"].tolist() == [1, 2, 9, 0]
    old_scale = _table("q1", ["Nej", "Ja"], [4, 8])
    changed = change.QuestionMatch("q1", change.CHANGED, ("scale",))
    table = change.survey_change(q1, old_scale, after, changed, min_base=10)
    assert table["category"].tolist() == [*q1.categories, "Nej", "Ja"]
    assert table.loc[table["category"] == "Ja", "pct_baseline"].item() == pytest.approx(66.7)
    assert table["change_pct_points"].isna().all()  # no category is in both rounds


def test_a_follow_up_reruns_when_its_baseline_changes(orders, workbook):
    from kiap_analysis.fingerprint import fingerprint
    from kiap_analysis.orders import load_orders

    def prints():
        loaded = load_orders(orders)
        return {e.id: fingerprint(loaded, e, workbook, "code") for e in loaded.entries if e.id != "orphan"}

    before = prints()
    text = orders.read_text()
    write(orders, text.replace("invited: 14\n    period: {start: 2025", "invited: 15\n    period: {start: 2025"))
    after = prints()
    assert after["base"]["order"] != before["base"]["order"]
    assert after["follow"]["order"] != before["follow"]["order"]  # the baseline's fields are part of it
    assert after["follow"]["inputs"] == before["follow"]["inputs"]
    (orders.parent / "survey_2025.csv").write_text(SURVEY_HEAD)
    assert prints()["follow"]["inputs"]["baseline.survey"] != after["follow"]["inputs"]["baseline.survey"]


def test_a_shorter_follow_up_period_is_compared_per_day():
    # Half a year with half the referrals is no change: 30 in 182 days against 60 in 365 days.
    ratio, low, high = change.rate_ratio(30, 1000, 60, 1000, follow_up_days=182, baseline_days=365)
    assert ratio == pytest.approx(30 / 182 / (60 / 365))
    assert low < 1 < high
    before = _result({"A": 40, "B": 20}, {"A": 2000, "B": 1000})
    after = _result({"A": 20, "B": 10}, {"A": 2000, "B": 1000})
    table = change.referral_change(before.rates, after.rates, CLUSTER, days=(365, 181)).set_index("practice")
    assert table.loc[CLUSTER, "rate_ratio"] == pytest.approx(0.5 * 365 / 181)
    assert table.loc[CLUSTER, "assessment"] == change.NO_CHANGE
    unadjusted = change.referral_change(before.rates, after.rates, CLUSTER).set_index("practice")
    assert unadjusted.loc[CLUSTER, "assessment"] == change.DECREASE  # what the days correct


def test_a_question_dropped_at_follow_up_is_reported(orders, tmp_path):
    text = orders.read_text()
    marker = "    baseline: base\n"
    write(orders, text.replace(marker, marker + "    questions: {remove: [q2]}\n", 1))
    run = OrderRun("follow", orders, tmp_path / "out")
    assert [w.message for w in run.analysis.warnings if "q2" in w.message and "column" not in w.message] == [
        "question q2 of the baseline order base is not in the follow-up: it is not compared"]
    assert sorted(run.analysis.change.survey) == ["q1"]
