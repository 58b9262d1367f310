"""Redaction, small-number suppression and spreadsheet-safe cells."""

import math
import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kiap_analysis.present.content import Block
from kiap_analysis.present.report import block_html
from kiap_analysis.privacy.redaction import Redactor
from kiap_analysis.privacy.suppression import (
    safe_table,
    spreadsheet_safe,
    suppress_referrals,
    suppress_small_base,
)
from kiap_analysis.stats import metrics

REDACT = Redactor(ydernumre=frozenset({"012345", "234567"}),
                  names=frozenset({"Anna Hansen", "Lægerne Fjordgade", "Bo"}))


def test_every_kind_of_identifier_becomes_a_marker():
    text = ("Ring til Anna Hansen på +45 12 34 56 78 eller 87654321, mail anna@klinik.dk. "
            "Patient 010190-1234 og 0203291WQ3 og 311299 1234 og 3112991234. "
            "Lægerne Fjordgade (yder 012345, også skrevet 12345) har travlt. Hansen ringer tilbage.")
    assert REDACT(text) == (
        "Ring til [navn] på [telefon] eller [telefon], mail [e-mail]. "
        "Patient [CPR] og [CPR] og [CPR] og [CPR]. "
        "[navn] (yder [ydernummer], også skrevet [ydernummer]) har travlt. [navn] ringer tilbage.")


def test_ordinary_text_and_short_names_stay():
    text = "Bo godt i 2025: 3 patienter, 12 henvisninger, kl. 15.30, telefontid 8-9."
    assert REDACT(text) == text  # 'Bo' is in the list, but two letters are too ambiguous to redact
    assert REDACT("Diabetesforløbet får gode tilbagemeldinger.") == "Diabetesforløbet får gode tilbagemeldinger."


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80) |
       st.from_regex(r"[0-9 +@.a-zA-Z\-\[\]]{0,60}", fullmatch=True))
def test_redaction_is_idempotent(text):
    once = REDACT(text)
    assert REDACT(once) == once


DAY = st.integers(1, 28).map("{:02d}".format)
MONTH = st.integers(1, 12).map("{:02d}".format)
YEAR = st.integers(0, 99).map("{:02d}".format)
SERIAL = st.from_regex(r"[0-9]{4}|[0-9][0-9A-Z]{2}[0-9]", fullmatch=True)


# Next to any non-digit, but not inside a longer number, a decimal ('3.0101901234') or a hex
# digest ('fe0101901234'), which the leak check must leave alone (time stamps, fingerprints).
NOT_A_DIGIT_BEFORE = st.text(max_size=20).filter(lambda p: not re.search(r"([0-9a-fA-F]|\d\.)$", p))
NOT_A_DIGIT_AFTER = st.text(max_size=20).filter(lambda s: not re.match(r"\.?[0-9a-fA-F]", s))


@settings(max_examples=400, deadline=None)
@given(prefix=NOT_A_DIGIT_BEFORE, suffix=NOT_A_DIGIT_AFTER, day=DAY, month=MONTH, year=YEAR,
       separator=st.sampled_from(["", "-", " "]), serial=SERIAL)
def test_a_cpr_shaped_number_never_survives(prefix, suffix, day, month, year, separator, serial):
    cpr = f"{day}{month}{year}{separator}{serial}"
    assert cpr not in REDACT(prefix + cpr + suffix)
    assert cpr not in Redactor()(prefix + cpr + suffix)


def _rates(counts: dict[str, int], listed: int = 2000) -> pd.DataFrame:
    referrals = pd.DataFrame({"practice_id": list(counts), "offer": "KOL", "referrals": list(counts.values())})
    patients = pd.DataFrame({"practice_id": list(counts), "listed_patients": listed})
    rates = metrics.referral_rates(referrals, patients, ["KOL"])
    return rates.rename(columns={"practice_id": "practice"})


def test_a_practice_with_three_referrals_is_shown_as_under_five():
    out = suppress_referrals(_rates({"A": 3, "B": 12, "C": 9, "D": 0}), cluster="Klyngen samlet").set_index("practice")
    assert out.loc["A", "referrals_shown"] == "<5" and out.loc["A", "is_suppressed"]
    assert math.isnan(out.loc["A", "rate_per_1000"]) and math.isnan(out.loc["A", "ci_high"])
    # A alone is hidden and the total (24) is shown: 24 - 12 - 9 - 0 would give A away, so the
    # smallest other count of at least 5 (C's 9) is hidden as well; never D's 0, since then
    # D <= every shown count = 0 and A = 24 - 12 - 9 again.
    assert out.loc["C", "referrals_shown"] == "skjult" and math.isnan(out.loc["C", "rate_per_1000"])
    assert out.loc["B", "referrals_shown"] == "12" and out.loc["D", "referrals_shown"] == "0"
    assert out.loc["Klyngen samlet", "referrals_shown"] == "24"


def test_secondary_suppression_only_when_one_cell_could_be_worked_out():
    two = suppress_referrals(_rates({"A": 3, "B": 2, "C": 9, "D": 7}), cluster="Klyngen samlet").set_index("practice")
    assert list(two["referrals_shown"]) == ["<5", "<5", "9", "7", "21"]  # two hidden: their sum is all one learns
    one = suppress_referrals(_rates({"A": 3, "B": 20, "C": 9, "D": 7}), cluster="Klyngen samlet").set_index("practice")
    assert list(one["referrals_shown"]) == ["<5", "20", "9", "skjult", "39"]
    small_total = suppress_referrals(_rates({"A": 3, "B": 0}), cluster="Klyngen samlet").set_index("practice")
    assert small_total.loc["Klyngen samlet", "referrals_shown"] == "<5"  # the total itself is small
    assert small_total.loc["B", "referrals_shown"] == "0"


def shown(counts: dict[str, int]) -> list[str]:
    return suppress_referrals(_rates(counts), cluster="Klyngen samlet")["referrals_shown"].tolist()


def test_secondary_suppression_leaves_no_count_pinned_down():
    # Zeros are never the second cell: B = 0 hidden would still give A = 13 - 10.
    assert shown({"A": 3, "B": 0, "C": 0, "D": 10}) == ["<5", "0", "0", "skjult", "13"]
    # A tie: B (5) hidden as the smallest while C shows 5 pins B to 5 and A = 34 - 20 - 5 - 5 = 4,
    # so C is hidden too: A + B + C = 14 with B, C >= 5 leaves A anywhere in 1..4.
    assert shown({"A": 4, "B": 5, "C": 5, "D": 20}) == ["<5", "skjult", "skjult", "20", "34"]
    # Two '<5' summing to 8 are both 4, and no count of 5 or more is left to hide: the total goes.
    assert shown({"A": 4, "B": 4, "C": 0}) == ["<5", "<5", "0", "skjult"]
    # Two '<5' summing to 5 can be 1+4, 2+3, ...: nothing more is hidden.
    assert shown({"A": 3, "B": 2, "C": 12}) == ["<5", "<5", "12", "17"]


def test_a_survey_table_with_four_answers_keeps_only_its_base():
    table = pd.DataFrame({"question_id": "q1", "item": "", "category": ["Ja", "Nej"], "n": [3, 1], "base": 4,
                          "pct": [75.0, 25.0]})
    out = suppress_small_base(table)
    assert out["n"].tolist() == ["", ""] and out["pct"].tolist() == ["", ""] and out["base"].tolist() == [4, 4]
    five = table.assign(base=5, n=[4, 1], pct=[80.0, 20.0])
    assert suppress_small_base(five)["n"].tolist() == [4, 1]


def test_spreadsheet_formulas_are_neutralised():
    assert [spreadsheet_safe(v) for v in ["=SUM(A1)", "+1", "-2", "@x", "\tx", "Diabetes", 5, -2.5]] == [
        "'=SUM(A1)", "'+1", "'-2", "'@x", "'\tx", "Diabetes", 5, -2.5]
    out = safe_table(pd.DataFrame({"offer": ["=cmd|' /C calc'!A0", "KOL"], "referrals": [3, -1]}))
    assert out["offer"].tolist() == ["'=cmd|' /C calc'!A0", "KOL"] and out["referrals"].tolist() == [3, -1]


def test_free_text_is_escaped_in_html():
    block = Block("free_text", "q3", "Kommentarer", answers=["<script>alert('x')</script> & <b>fed</b>"],
                  base="1 svar")
    html = block_html(block)
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; &lt;b&gt;" in html


def test_chart_workbooks_in_the_deck_hold_no_formulas():
    import io

    from openpyxl import load_workbook
    from pptx import Presentation
    from pptx.util import Inches

    from kiap_analysis.present.charts import offer_rates

    overview = pd.DataFrame({"offer": ["=HYPERLINK(\"http://x\")", "KOL"], "rate_per_1000": [2.0, 3.0],
                             "ci_low": [1.0, 2.0], "ci_high": [3.0, 4.0], "is_rate_computed": [True, True]})
    slide = Presentation().slides.add_slide(Presentation().slide_layouts[6])
    frame = offer_rates.add_native(slide, (0, 0, Inches(8), Inches(5)), offer_rates.prepare(overview, key="o"))[0]
    book = load_workbook(io.BytesIO(frame.chart.part.chart_workbook.xlsx_part.blob))
    cells = [c for row in book.active.iter_rows() for c in row if c.value is not None]
    assert "'=HYPERLINK(\"http://x\")" in [c.value for c in cells]
    assert all(c.data_type != "f" for c in cells)  # no cell is a formula
