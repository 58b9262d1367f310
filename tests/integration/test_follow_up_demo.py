"""The demo's follow-up after a batch run (the session's demo_run): the baseline's pseudonyms
and figures in the comparison, and no claim the adjusted p-value does not support."""

import math
import re

import pandas as pd
import pytest
from pptx import Presentation

from kiap_analysis.stats import change


def test_the_demo_follow_up_keeps_the_baselines_pseudonyms(demo_run):
    reports = demo_run["paths"].reports
    outcomes = {o.order_id: o for o in demo_run["outcomes"]}
    assert outcomes["fjord-2026-forebyg"].status == "ok", outcomes["fjord-2026-forebyg"].error
    own = pd.read_csv(reports / "fjord-2025-forebyg" / "tables" / "referrals_per_1000.csv", keep_default_na=False)
    both = pd.read_csv(reports / "fjord-2026-forebyg" / "tables" / "referrals_change.csv", keep_default_na=False)
    own = own.set_index(["practice", "offer"])
    compared = 0
    for row in both[both["practice"] != change.BOTH_ROUNDS].itertuples():
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


CLAIM = re.compile(r"er (steget|faldet)\b")
ADJUSTED_P = re.compile(r"justeret p ([=<]) (\d+,\d+)")


def _claims_in(text: str) -> list[float]:
    """The adjusted p-value printed with each 'er steget'/'er faldet' (NaN where none is printed)."""
    found = []
    starts = [m.start() for m in CLAIM.finditer(text)]
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        printed = ADJUSTED_P.search(text, start, end)
        found.append(float(printed.group(2).replace(",", ".")) if printed else math.nan)
    return found


def test_the_demo_follow_up_makes_no_claim_its_adjusted_p_does_not_support(demo_run):
    folder = demo_run["paths"].reports / "fjord-2026-forebyg"
    deck = Presentation(str(folder / "deck.pptx"))
    texts = []
    for slide in deck.slides:
        texts += [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        texts.append(slide.notes_slide.notes_text_frame.text)
    html = (folder / "report.html").read_text(encoding="utf-8")
    for where in ("\n".join(texts), html):
        adjusted = _claims_in(where)
        assert adjusted, "the demo's follow-up should still make a claim"
        assert all(p < 0.05 for p in adjusted), adjusted  # NaN (no adjusted p printed) fails too
    # The tables agree: a verdict of 'steget'/'faldet' exactly where the adjusted p is under 0.05.
    rows = []
    for path in (folder / "tables").glob("*_change.csv"):
        table = pd.read_csv(path, keep_default_na=False)
        rows += [(path.name, r.assessment, r.p_adjusted) for r in table.itertuples() if r.p_adjusted != ""]
    assert len(rows) >= 25  # every question's tested rows and every offer's ratios: one family
    for name, assessment, p in rows:
        assert (assessment in ("steget", "faldet")) == (float(p) < 0.05), (name, assessment, p)
    # The first content slide is what the baseline meeting agreed, then what changed (issue 20).
    assert deck.slides[1].shapes.title.text == "Det aftalte vi sidst"
    assert "– Praksiskonsulenten, senest 1.6.2025" in deck.slides[1].placeholders[1].text_frame.text
    assert deck.slides[2].shapes.title.text == "Hvad har ændret sig?"
    changes = deck.slides[2].placeholders[1].text_frame.text
    assert f"Præsentationen tester {len(rows)} mulige ændringer på én gang" in changes
    assert "tragten" not in changes.lower()  # funnel positions are no changes
