"""kiap_analysis.run.api: an order's tables, charts and deck for analysts, checked by hand."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from pptx import Presentation

import kiap_analysis
from kiap_analysis.core.errors import KiapError
from kiap_analysis.run import api
from kiap_analysis.stats.published import RATE_TABLE_COLUMNS

from conftest import TINY_ORDER, TINY_SPEC, demo_environment, write

# Six respondents left after cleaning: respondent 7 answered nothing, respondent 3 also sent
# a partial duplicate, respondent 6 stopped after q1.
SURVEY = """
Respondent;Navn;Status;q1;q2_tlf;q2_brev;q2_andet;q3
1;Anna Planted;Gennemført;Enig;1;0;0;Godt samarbejde
2;Bo Planted;Gennemført;Enig;1;1;0;
3;Cai Planted;Gennemført;Uenig;0;1;0;Ring til Bo Planted på 12 34 56 78
4;Dea Planted;Gennemført;Ved ikke;1;0;0;
5;Eva Planted;Gennemført;Hverken eller;0;0;1;
6;Finn Planted;Delvis;Enig;;;;
7;Gry Planted;Gennemført;;;;;
3;Cai Planted;Delvis;Uenig;;;;
"""

ORDERS = "orders:\n" + TINY_ORDER


@pytest.fixture(scope="module")
def demo_orders(tmp_path_factory) -> Iterator[Path]:
    with demo_environment(tmp_path_factory.mktemp("api-demo")) as orders:
        yield orders


@pytest.fixture(scope="module")
def akut(demo_orders) -> api.OrderHandle:
    return api.load_order(demo_orders, "fjord-2025-akut")


@pytest.fixture(scope="module")
def forebyg(demo_orders) -> api.OrderHandle:
    return api.load_order(demo_orders, "aa-2026-forebyg")


@pytest.fixture
def tiny(tmp_path, workbook) -> api.OrderHandle:
    write(tmp_path / "in" / "tiny.yaml", TINY_SPEC)
    write(tmp_path / "in" / "survey.csv", SURVEY)
    return api.load_order(write(tmp_path / "in" / "orders.yaml", ORDERS), "tiny-2026")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ------------------------------------------------------------------ the package


def test_import_stays_light_and_api_is_lazy():
    code = "import sys, kiap_analysis; print(sorted(m for m in ('pandas', 'matplotlib') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
    assert kiap_analysis.load_order is api.load_order and kiap_analysis.OrderHandle is api.OrderHandle
    assert kiap_analysis.__version__ == "0.1.0"
    with pytest.raises(AttributeError):
        kiap_analysis.no_such_name  # noqa: B018


# ------------------------------------------------------------------ a tiny order, worked out by hand


def test_tiny_order_cleaning_and_summary(tiny):
    assert repr(tiny) == "<OrderHandle tiny-2026: tiny 0.1, Testklyngen, baseline, 6 respondents>"
    summary = tiny.summary
    assert (summary.invited, summary.responded, summary.completed) == (8, 6, 5)
    assert summary.response_rate == 75.0
    responses = tiny.survey_responses()
    assert sorted(responses["respondent_id"]) == ["1", "2", "3", "4", "5", "6"]
    assert responses.loc[responses["respondent_id"] == "3", "is_complete"].item()  # the complete one is kept
    assert sorted(tiny.dropped_rows()["reason"].str.split().str[0]) == ["dublet", "ingen"]


def test_tiny_order_tables(tiny):
    q1 = tiny.survey_table("q1")
    assert list(q1.columns) == ["question_id", "item", "category", "n", "base", "pct"]
    assert q1["category"].tolist() == ["Uenig", "Hverken eller", "Enig", "Ved ikke"]
    assert q1["n"].tolist() == [1, 1, 3, 1] and set(q1["base"]) == {6}
    assert q1["pct"].tolist() == [16.7, 16.7, 50.0, 16.7]
    q2 = tiny.survey_table("q2")  # of the 5 who completed (respondent 6 never saw q2)
    assert q2["category"].tolist() == ["Telefon", "Brev", "Andet"]
    assert q2["n"].tolist() == [3, 2, 1] and set(q2["base"]) == {5}
    assert q2["pct"].tolist() == [60.0, 40.0, 20.0]
    assert sorted(tiny.tables()) == ["q1", "q2"]
    with pytest.raises(KiapError, match="free_text"):
        tiny.survey_table("q3")


def test_tiny_order_free_text_is_redacted(tiny):
    assert tiny.free_text("q3") == ["Godt samarbejde", "Ring til [navn] på [telefon]"]
    assert tiny.survey_responses()["q3"].dropna().tolist() == tiny.free_text("q3")
    assert tiny.block("q3").answers == tiny.free_text("q3")
    with pytest.raises(KiapError, match="q3"):
        tiny.free_text("q1")


def test_tiny_order_charts(tiny):
    assert tiny.charts() == {"q1": "Hvor enig er du?", "q2": "Hvordan henviser du?"}
    ax = tiny.chart("q2")
    assert isinstance(ax, Axes)
    assert [round(bar.get_width(), 1) for bar in ax.patches] == [60.0, 40.0, 20.0]
    likert = tiny.chart("q1")
    assert [round(bar.get_width(), 1) for bar in likert.patches] == [16.7, 16.7, 50.0]  # Uenig .. Enig
    [panel] = likert.child_axes
    assert [round(bar.get_width(), 1) for bar in panel.patches] == [16.7]  # Ved ikke
    _, given = plt.subplots()
    assert tiny.chart("q2", ax=given) is given and len(given.patches) == 3
    with pytest.raises(KeyError, match="q1, q2"):
        tiny.chart("q3")


def test_tiny_order_edited_content_goes_into_the_deck(tiny, tmp_path):
    assert tiny.blocks()[["step", "key", "kind"]].values.tolist() == [
        ["blok1", "q1", "chart"], ["blok1", "q2", "chart"], ["blok1", "q3", "free_text"]]
    tiny.block("q2").title = "Sådan henviser vi"
    tiny.block("q2").chart.data = tiny.block("q2").chart.data.iloc[:2]  # drop 'Andet'
    assert len(tiny.chart("q2").patches) == 2
    deck = Presentation(str(tiny.build_deck(tmp_path / "out" / "deck.pptx")))
    texts = [" ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides]
    assert any("Sådan henviser vi" in text for text in texts)
    assert len(deck.slides) == 9  # as the batch's deck of this spec: the edits change no slide count
    tiny.rebuild_content()
    assert tiny.block("q2").title == "Hvordan henviser du?" and len(tiny.chart("q2").patches) == 3


def test_deck_with_a_name_is_not_written(tiny, tmp_path):
    tiny.block("q1").title = "Spørg Anna Planted"
    with pytest.raises(KiapError) as caught:
        tiny.build_deck(tmp_path / "deck.pptx")
    assert "respondent" in str(caught.value) and "Anna" not in str(caught.value)
    assert not (tmp_path / "deck.pptx").exists()
    private = Path(tiny._paths.private)
    assert not list(private.glob("export-*"))  # the staging folder is gone


def test_export_writes_the_deck_and_the_tables(tiny, tmp_path):
    written = tiny.export(tmp_path / "out")
    folder = tmp_path / "out" / "tiny-2026"
    assert sorted(p.relative_to(folder).as_posix() for p in written) == [
        "deck.pptx", "tables/q1.csv", "tables/q2.csv"]
    q2 = pd.read_csv(folder / "tables" / "q2.csv")
    assert q2["n"].tolist() == [3, 2, 1] and q2["pct"].tolist() == [60.0, 40.0, 20.0]
    assert [p.name for p in tiny.export(tmp_path / "decks", tables=False)] == ["deck.pptx"]


# ------------------------------------------------------------------ the demo: survey


def test_survey_tables_are_the_counts_of_the_cleaned_responses(akut):
    responses = akut.survey_responses()
    for question in akut.spec.questions:
        if question.type == "likert":
            answers = responses[question.id].dropna()
            expected = [int((answers == c).sum()) for c in question.categories]
            table = akut.survey_table(question.id)
            assert table["n"].tolist() == expected and set(table["base"]) == {len(answers)}, question.id
            assert table["pct"].tolist() == [round(100 * n / len(answers), 1) for n in expected]
        elif question.type == "multi_choice":
            flags = pd.DataFrame({o.id: responses[f"{question.id}.{o.id}"].fillna(False).astype(bool)
                                  for o in question.options})
            base = int((responses["is_complete"] | flags.any(axis=1)).sum())
            table = akut.survey_table(question.id)
            assert table["n"].tolist() == flags.sum().tolist() and set(table["base"]) == {base}


def test_grid_table_and_chart(akut):
    table = akut.survey_table("q2")  # likert_grid: 4 items, each on the scale with 'Ved ikke'
    items = [i.label for i in akut.spec.question("q2").items]
    assert list(dict.fromkeys(table["item"])) == items
    assert table.groupby("item")["pct"].sum().between(99.8, 100.2).all()
    ax = akut.chart("q2")
    levels = len(akut.spec.question("q2").scale.levels)
    assert len(ax.patches) == len(items) * levels and len(ax.child_axes[0].patches) == len(items)
    assert [t.get_text() for t in ax.get_yticklabels()] == items


def test_survey_summary_of_the_demo(akut):
    summary = akut.summary
    assert summary.invited == 29  # the orders file
    assert summary.responded == len(akut.survey_responses())
    assert summary.completed == int(akut.survey_responses()["is_complete"].sum())


# ------------------------------------------------------------------ the demo: referrals


def test_referral_rates_are_counts_over_listed_patients(forebyg):
    rates = forebyg.referral_rates()
    assert list(rates.columns) == RATE_TABLE_COLUMNS
    assert set(rates["practice"]) - {"Klyngen samlet"} and all(
        re.fullmatch(r"Praksis [A-Z]+|Klyngen samlet", p) for p in rates["practice"])
    detail = forebyg.referral_rates(detail=True)
    for offer in forebyg.offers:
        rows = detail[(detail["offer"] == offer) & (detail["practice"] != "Klyngen samlet")]
        counted = rows[rows["listed_patients"].fillna(0) > 0]  # a practice without listed patients has no rate
        expected = 1000 * counted["referrals"].sum() / counted["listed_patients"].sum()
        cluster = rates[(rates["offer"] == offer) & (rates["practice"] == "Klyngen samlet")]
        assert cluster["rate_per_1000"].item() == round(expected, 1), offer  # published with one decimal
    assert (detail["listed_patients"].isna() | (detail["listed_patients"] == 0)).any()  # the demo's gap


def test_referral_charts(forebyg):
    detail = forebyg.referral_rates(detail=True)
    practices = detail[(detail["offer"] == "Diabetes") & (detail["practice"] != "Klyngen samlet")]
    ax = forebyg.chart("referrals_Diabetes")
    assert len(ax.patches) == int(practices["is_rate_computed"].sum())
    assert [t.get_text() for t in ax.get_xticklabels()] == practices["practice"].tolist()
    cluster = detail[(detail["offer"] == "Diabetes") & (detail["practice"] == "Klyngen samlet")]
    funnel = forebyg.chart("funnel_Diabetes")
    centre = [line.get_ydata()[0] for line in funnel.lines if len(set(line.get_ydata())) == 1]
    # The funnel's centre is the unrounded cluster rate (the published rate has one decimal).
    exact = 1000 * cluster["referrals"].item() / cluster["listed_patients"].item()
    assert centre == [pytest.approx(exact)] and round(exact, 1) == cluster["rate_per_1000"].item()
    overview = forebyg.chart("referrals_overview")
    assert len(overview.patches) == len(forebyg.offers)
    assert set(forebyg.charts()) >= {"referrals_overview", *(f"funnel_{o}" for o in forebyg.offers)}


def test_nothing_identifying_is_shown(forebyg):
    identifiers = forebyg._run.analysis.identifiers
    secrets = identifiers["ydernummer"] | identifiers["practice_name"]
    assert len(identifiers["ydernummer"]) >= 10
    shown = [repr(forebyg), *forebyg.warnings, forebyg.referral_rates().to_string(),
             forebyg.referral_rates(detail=True).to_string(), forebyg.blocks().to_string(),
             *(t.to_string() for t in forebyg.tables().values())]
    assert not [s for s in secrets if any(s in text for text in shown)]
    assert not {"analysis", "identifiers", "practices"} & set(dir(forebyg))
