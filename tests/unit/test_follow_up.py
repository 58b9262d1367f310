"""Follow-up orders: change figures worked out by hand, the 'too few' rule, identical
pseudonyms, suppression with one pattern in both rounds, linked respondents, membership,
an offer in one round only, and a missing baseline."""

import math

import pandas as pd
import pytest
from pptx import Presentation
from scipy.stats import binom

from kiap_analysis.core.errors import InputError
from kiap_analysis.core.spec import parse_spec
from kiap_analysis.present import report
from kiap_analysis.run.notebook import OrderRun
from kiap_analysis.run.pipeline import analyse_order
from kiap_analysis.stats import change, claims
from kiap_analysis.stats.analysis import align_suppression, publishable_rates
from kiap_analysis.stats.metrics import CLUSTER, referral_rates
from kiap_analysis.stats.results import ReferralResult

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
    # Verdicts come from claims.adjust only (the survey_change table leaves tested rows pending).
    assert math.isnan(change.p_value(0, 9, 9, 9, min_base=10))
    assert change.p_value(3, 12, 11, 12, min_base=10) == pytest.approx(yates_p(3, 9, 11, 1))
    assert claims.verdict(math.nan, 1.0, 0.05) == change.TOO_FEW
    assert claims.verdict(0.01, 1.0, 0.05) == change.INCREASE
    assert claims.verdict(0.01, -1.0, 0.05) == change.DECREASE
    assert claims.verdict(0.05, 1.0, 0.05) == change.NO_CHANGE  # 0.05 is not under 0.05
    assert claims.verdict(0.001, 0.0, 0.05) == change.NO_CHANGE  # a change needs a direction


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
    assert tested["p_value"] == pytest.approx(yates_p(3, 9, 11, 1)) and tested["test"] == change.UNPAIRED
    assert tested["assessment"] == ""  # pending until the follow-up's claims are adjusted together
    table = claims.adjust({"q1": table}, None, 0.05)[0]["q1"]
    tested = table[table["is_tested"]].iloc[0]
    assert tested["p_adjusted"] == tested["p_value"]  # one claim: Holm leaves it as it is
    assert tested["assessment"] == change.INCREASE
    assert table.loc[table["category"] == "Enig", "change_pct_points"].item() == pytest.approx(75.0 - 16.7)
    lines = change.survey_statements(q1, table, change.QuestionMatch("q1", change.SAME), "2025", 10)
    assert [s.kind for s in lines] == [change.CHANGE]
    assert lines[0].text.startswith("Andelen, der svarer 'Hverken eller' eller 'Enig', er steget fra 25\u00a0% til "
                                    "92\u00a0% (p = 0,004; justeret p = 0,004)")  # raw and adjusted p, both shown


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
    table = claims.adjust({"q2": table}, None, 0.05)[0]["q2"]
    assert table["is_tested"].all()
    assert table["assessment"].tolist() == [change.NO_CHANGE, change.INCREASE, change.NO_CHANGE]
    # Holm over the three claims: the smallest p-value times 3, the others at least that.
    assert table["p_value"].iloc[1] == pytest.approx(yates_p(2, 10, 10, 2))
    assert table["p_adjusted"].iloc[1] == pytest.approx(3 * yates_p(2, 10, 10, 2))
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

    _, table, claimed = claims.adjust({}, change.referral_change(before.rates, after.rates, CLUSTER), 0.05)
    assert claimed == 1  # the same practices in both rounds: no second, 'both rounds' ratio
    table = table.set_index("practice")
    total = table.loc[CLUSTER]
    assert total["rate_per_1000_baseline"] == pytest.approx(7.5)  # 45 / 6,000 listed
    assert total["rate_per_1000_follow_up"] == 15.2  # 91 / 6 = 15.17, published with one decimal
    assert total["rate_ratio"] == pytest.approx(91 / 45) and total["assessment"] == change.INCREASE
    # Exact conditional p: 91 of 136 under Binomial(136, 1/2), twice the upper tail.
    assert total["p_value"] == pytest.approx(2 * binom.sf(90, 136, 0.5)) and total["rr_method"] == change.EXACT
    # Four practices are too few to estimate overdispersion: Poisson limits in both rounds.
    assert (total["funnel_baseline"], total["funnel_follow_up"]) == (change.POISSON_LIMITS,) * 2
    # Practice A: 20 referrals where the cluster rate predicts 15 (inside), then 60 where 30.3 (far above).
    assert table.loc["Praksis A", "funnel_baseline"] == ""
    assert table.loc["Praksis A", "funnel_follow_up"] == "over 99,8 %"
    assert set(table.loc[table.index != CLUSTER, "membership"]) == {change.IN_BOTH}
    assert math.isnan(table.loc["Praksis B", "rate_per_1000_follow_up"])  # hidden in both rounds
    lines = change.referral_statements(table.reset_index(), CLUSTER, "KOL")
    assert [s.kind for s in lines] == [change.CHANGE, change.FUNNEL]
    assert lines[0].text.startswith("KOL: klyngens henvisningsrate er steget (7,5 → 15,2 pr. 1.000; ratio 2,02")
    assert "p < 0,001; justeret p < 0,001" in lines[0].text
    # A funnel position is a position, never a change.
    assert lines[1].text == ("KOL, placering i tragten nu (før) – en placering, ikke en test af ændring: "
                             "Praksis A over 99,8 % (før: inden for).")


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
    # Respondents 1-12 answered both rounds (the same ids): the paired answers are tested. In the
    # top two before: 9, 10, 11; after: 2-12. Up 8 (2-8 and 12), down 0: exact McNemar
    # p = 2 * (1/2)^8 = 0.0078125. Four claims (q1; q2's three options): Holm gives q1 and Brev
    # (the same p) 4 * 0.0078125 = 0.03125 and max(3 * 0.0078125, 0.03125) = 0.03125.
    assert top["test"] == change.PAIRED and int(top["n_pairs"]) == 12
    assert float(top["p_value"]) == pytest.approx(2 / 2 ** 8, abs=1e-6)
    assert float(top["p_adjusted"]) == pytest.approx(4 * 2 / 2 ** 8, abs=1e-6) and top["assessment"] == "steget"
    q2 = pd.read_csv(tables / "q2_change.csv", keep_default_na=False).set_index("category")
    assert q2.loc["Brev", "assessment"] == "steget" and q2.loc["Telefon", "assessment"] == "ingen sikker ændring"
    assert float(q2.loc["Brev", "p_adjusted"]) == pytest.approx(0.03125, abs=1e-6)
    assert float(q2.loc["Telefon", "p_value"]) == 1.0  # one respondent up, none down

    deck = Presentation(str(tmp_path / "out" / "follow" / "deck.pptx"))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert titles[1] == "Hvad har ændret sig?" and titles[-1] == "Aftaler og næste skridt"
    changes = deck.slides[1].placeholders[1].text_frame.text
    assert "steget fra 25\u00a0% til 92\u00a0% (parret test af de 12, der svarede begge gange; p = 0,008; " \
           "justeret p = 0,031)" in changes
    assert "'Brev', er steget fra 17\u00a0% til 83\u00a0%" in changes
    assert "Præsentationen tester 4 mulige ændringer på én gang" in changes and "Holms metode" in changes
    chart_slide = next(s for s in deck.slides if s.shapes.title.text == SPEC.question("q1").title)
    text = " ".join(shape.text_frame.text for shape in chart_slide.shapes if shape.has_text_frame)
    # Both bases, completed and partial respondents apart (all 12 completed in both rounds).
    assert ("2025: n = 12 · 12 af 14 inviterede svarede, heraf 12 fuldt ud; "
            "2026: n = 12 · 12 af 14 inviterede svarede, heraf 12 fuldt ud") in text


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
    from kiap_analysis.core.orders import load_orders
    from kiap_analysis.run.fingerprint import fingerprint

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
    table = change.referral_change(before.rates, after.rates, CLUSTER, days=(365, 181))
    table = claims.adjust({}, table, 0.05)[1].set_index("practice")
    assert table.loc[CLUSTER, "rate_ratio"] == pytest.approx(0.5 * 365 / 181)
    assert table.loc[CLUSTER, "assessment"] == change.NO_CHANGE
    unadjusted = claims.adjust({}, change.referral_change(before.rates, after.rates, CLUSTER), 0.05)[1]
    assert unadjusted.set_index("practice").loc[CLUSTER, "assessment"] == change.DECREASE  # what the days correct


def test_a_question_dropped_at_follow_up_is_reported(orders, tmp_path):
    text = orders.read_text()
    marker = "    baseline: base\n"
    write(orders, text.replace(marker, marker + "    questions: {remove: [q2]}\n", 1))
    run = OrderRun("follow", orders, tmp_path / "out")
    assert [w.message for w in run.analysis.warnings if "q2" in w.message and "column" not in w.message] == [
        "question q2 of the baseline order base is not in the follow-up: it is not compared"]
    assert sorted(run.analysis.change.survey) == ["q1"]


# --------------------------------------------------------------------------- referral rounds end to end

REFERRAL_ORDERS = """
orders:
  - id: base
    cluster: Testklyngen
    municipality: Test Kommune
    package: forebyggelse-rehabilitering
    survey: survey.csv
    invited: 10
    referrals: henv_2025.csv
    listed_patients: tilm_2025.csv
    period: {start: 2025-01-01, end: 2025-12-31}
  - id: follow
    cluster: Testklyngen
    municipality: Test Kommune
    package: forebyggelse-rehabilitering
    round: follow-up
    baseline: base
    survey: survey.csv
    invited: 10
    referrals: henv_2026.csv
    listed_patients: tilm_2026.csv
    period: {start: 2026-01-01, end: 2026-12-31}
"""
# Gamma has no listed patients at baseline; Beta leaves, Epsilon joins; 'Faldforebyggelse' (no
# offer of the package) is only in the follow-up's data. No count is 1-4, so nothing is hidden.
REFERRALS_2025 = """
Ydernummer;Praksisnavn;KOL;Diabetes
011111;Lægerne Alfa;12;20
022222;Lægerne Beta;8;9
033333;Lægerne Gamma;6;5
044444;Lægerne Delta;10;14
"""
LISTED_2025 = "Ydernummer;Tilmeldte\n011111;1.600\n022222;2.100\n033333;0\n044444;1.200\n"
REFERRALS_2026 = """
Ydernummer;Praksisnavn;KOL;Diabetes;Faldforebyggelse
011111;Lægerne Alfa;15;22;7
033333;Lægerne Gamma;5;6;0
044444;Lægerne Delta;9;16;5
055555;Lægerne Epsilon;14;20;9
"""
LISTED_2026 = "Ydernummer;Tilmeldte\n011111;1.650\n033333;900\n044444;1.200\n055555;2.400\n"


@pytest.fixture
def referral_orders(tmp_path, workbook):
    survey = "id;q1\n" + "\n".join(f"{i};I høj grad" for i in range(1, 7))
    for name, text in (("survey.csv", survey), ("henv_2025.csv", REFERRALS_2025), ("tilm_2025.csv", LISTED_2025),
                       ("henv_2026.csv", REFERRALS_2026), ("tilm_2026.csv", LISTED_2026)):
        write(tmp_path / name, text)
    return write(tmp_path / "orders.yaml", REFERRAL_ORDERS)


def _slide_text(slide) -> str:
    return " ".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def test_an_offer_new_at_follow_up_is_shown_and_reported(referral_orders, tmp_path):
    run = OrderRun("follow", referral_orders, tmp_path / "out")
    warnings = [w.message for w in run.analysis.warnings if "Faldforebyggelse" in w.message]
    # the wide sheet's header names the offer (a header is structure); the comparison's warning does not
    assert warnings == ["column 'Faldforebyggelse' names no offer of the package; it is shown under its own name"]
    assert ("an offer the package does not know is only in the follow-up's referral data (new or renamed): "
            "it is shown for the follow-up only, without a change since the baseline") in [
        w.message for w in run.analysis.warnings]
    run.export()  # native charts with an offer missing from one round: no NaN reaches a chart's workbook
    deck = Presentation(str(tmp_path / "out" / "follow" / "deck.pptx"))
    slide = next(s for s in deck.slides if s.shapes.title.text.startswith("Faldforebyggelse"))
    assert "21 henvisninger fra de 4 praksis med tilmeldte patienter" in _slide_text(slide)
    assert "Faldforebyggelse: ændringen i klyngens henvisningsrate kan ikke beregnes (tilbuddet findes kun i " \
           "data for opfølgningen)" in _slide_text(slide)
    table = pd.read_csv(tmp_path / "out" / "follow" / "tables" / "referrals_change.csv", keep_default_na=False)
    total = table[(table["practice"] == CLUSTER) & (table["offer"] == "Faldforebyggelse")].iloc[0]
    assert total["referrals_baseline"] == "" and total["referrals_follow_up"] == "21"
    assert total["assessment"] == change.RATE_NOT_COMPUTED and total["p_value"] == ""


def test_membership_totals_and_the_rate_ratio_of_practices_in_both_rounds(referral_orders, tmp_path):
    run = OrderRun("follow", referral_orders, tmp_path / "out")
    letters = {y: f"Praksis {code}" for y, (code, _) in run.analysis.practices.items()}
    base_letters = {y: f"Praksis {c}" for y, (c, _) in analyse_order(referral_orders, "base").practices.items()}
    alfa, epsilon = letters["011111"], letters["055555"]
    beta = base_letters["022222"]
    table = run.analysis.change.referrals
    kol = table[table["offer"] == "KOL"].set_index("practice")
    assert kol.loc[beta, "membership"] == change.LEFT and kol.loc[epsilon, "membership"] == change.JOINED
    assert kol.loc[alfa, "membership"] == change.IN_BOTH
    # All practices in the cluster's rate: 12 + 8 + 10 = 30 among 4,900 listed (Gamma has none), then
    # 15 + 5 + 9 + 14 = 43 among 6,150: ratio 43 * 4,900 / (30 * 6,150) = 1.14201.
    assert kol.loc[CLUSTER, "rate_ratio"] == pytest.approx(43 * 4900 / (30 * 6150))
    # In both rounds' rates: Alfa and Delta only (Gamma had no listed patients at baseline): 22 among
    # 2,800, then 24 among 2,850: ratio 24 * 2,800 / (22 * 2,850) = 1.07177; exact conditional p with
    # 24 of 46 against a share of 2,850 / 5,650.
    both = kol.loc[change.BOTH_ROUNDS]
    assert (both["referrals_baseline"], both["referrals_follow_up"]) == ("22", "24")
    assert both["rate_ratio"] == pytest.approx(24 * 2800 / (22 * 2850))
    share = 2850 / 5650
    assert both["p_value"] == pytest.approx(min(1, 2 * min(binom.cdf(24, 46, share), binom.sf(23, 46, share))))
    assert both["rr_method"] == change.EXACT  # four practices are too few to estimate overdispersion
    # Claims: KOL and Diabetes, each for all practices and for those in both rounds (Faldforebyggelse has
    # no ratio; the survey's one question is too small to test).
    assert run.analysis.change.claims == 4
    run.export()
    deck = Presentation(str(tmp_path / "out" / "follow" / "deck.pptx"))
    changes = deck.slides[1].placeholders[1].text_frame.text
    assert f"Klyngens praksis siden 2025: {beta} er ikke med i opfølgningens data og {epsilon} er kommet til." \
        in changes
    overview = next(s for s in deck.slides if s.shapes.title.text.startswith("Henvisninger pr. 1.000"))
    assert "4 praksis med 6.150 tilmeldte patienter" in _slide_text(overview)
    kol_slide = next(s for s in deck.slides if s.shapes.title.text.startswith("KOL"))
    assert "KOL: ingen sikker ændring i raten for praksis med i begge runder (7,9 → 8,4 pr. 1.000; ratio 1,07" \
        in _slide_text(kol_slide)
    base = OrderRun("base", referral_orders, tmp_path / "out")
    kol_slide = next(b for s in base.content.steps for b in s.blocks if b.key == "referrals_KOL")
    assert kol_slide.base == (f"30 henvisninger fra de 3 praksis med tilmeldte patienter; 1 praksis uden "
                              f"tilmeldte patienter ({base_letters['033333']}) er ikke med i klyngens rate")
    html = report.title_html(run.content) + "".join(report.step_html(step) for step in run.content.steps)
    assert f"{beta} er ikke med i opfølgningens data og {epsilon} er kommet til" in html  # the report says so too
