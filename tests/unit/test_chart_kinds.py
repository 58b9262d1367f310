"""Chart kinds (present/charts): a kind registered from the tests is drawn in the report and the
deck; unknown kinds are refused naming the spec and the step; the funnel's one geometry."""

from __future__ import annotations

import base64
import html
import json
import math
import re
from dataclasses import replace

import jsonschema
import pandas as pd
import pytest
import yaml
from example_kind import DOT_PICTURE, DOT_PLOT
from matplotlib import pyplot as plt
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches

from kiap_analysis.core.config import CATALOGUE_DIR
from kiap_analysis.core.errors import SpecError
from kiap_analysis.core.spec import apply_local_edits, parse_spec
from kiap_analysis.present import charts, report
from kiap_analysis.present.charts import funnel as funnel_chart
from kiap_analysis.present.charts import practice_rates
from kiap_analysis.run import api
from kiap_analysis.run.validate import validate_orders
from kiap_analysis.stats import funnel, metrics

from conftest import TINY_ORDER, TINY_SPEC, write

# Five complete answers: q1 Uenig 1, Hverken eller 1, Enig 2, Ved ikke 1 (of 5: 20, 20, 40, 20 %);
# q2 Telefon 3, Brev 2, Andet 1 (of 5: 60, 40, 20 %).
SURVEY = """
Respondent;Navn;Status;q1;q2_tlf;q2_brev;q2_andet;q3
1;Anna Prikkesen;Gennemført;Enig;1;0;0;
2;Bo Prikkesen;Gennemført;Enig;1;1;0;
3;Cai Prikkesen;Gennemført;Uenig;0;1;0;
4;Dea Prikkesen;Gennemført;Ved ikke;1;0;0;
5;Eva Prikkesen;Gennemført;Hverken eller;0;0;1;
"""
PROGRAM = "content: [{question: q1}, {question: q2}, {question: q3}]"


@pytest.fixture
def example_kinds():
    for kind in (DOT_PLOT, DOT_PICTURE):
        charts.register(kind)
    yield
    for kind in (DOT_PLOT, DOT_PICTURE):
        charts.unregister(kind.name)
    plt.close("all")


def _order(folder, content: str):
    """The tiny package with its program's content replaced; the orders file's path."""
    assert PROGRAM in TINY_SPEC
    write(folder / "tiny.yaml", TINY_SPEC.replace(PROGRAM, f"content: {content}"))
    write(folder / "survey.csv", SURVEY)
    return write(folder / "orders.yaml", "orders:\n" + TINY_ORDER)


def _slide(deck, title: str):
    return next(s for s in deck.slides if s.shapes.title.text == title)


def _figures(fragment: str) -> list[tuple[str, bytes, int]]:
    """(alt text, PNG, width attribute) of each figure of a report fragment."""
    found = re.findall(r"<img src='data:image/png;base64,([^']+)' alt='([^']*)' width='(\d+)'>", fragment)
    return [(html.unescape(alt), base64.b64decode(png), int(width)) for png, alt, width in found]


def _png_size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_a_kind_registered_from_the_tests_is_drawn_in_the_report_and_the_deck(tmp_path, workbook, example_kinds):
    orders = _order(tmp_path / "in", "[{question: q1, chart: dot_plot}, {question: q2, chart: dot_picture}, "
                                     "{question: q3}]")
    order = api.load_order(orders, "tiny-2026")
    assert [c.kind for b in order.content.steps[1].blocks for c in b.charts] == ["dot_plot", "dot_picture"]
    q1_alt = ("Prikdiagram over 'Hvor enig er du?': Uenig 20\u00a0%, Hverken eller 20\u00a0%, Enig 40\u00a0%, "
              "Ved ikke 20\u00a0%")
    q2_alt = "Prikdiagram over 'Hvordan henviser du?': Telefon 60\u00a0%, Brev 40\u00a0%, Andet 20\u00a0%"

    # The report: each question's figure at the kind's size (6 x (1 + 0.5 per category) inches at 110 dpi).
    figures = _figures(report.step_html(order.content.steps[1]))
    assert [(alt, _png_size(png), width) for alt, png, width in figures] == [
        (q1_alt, (660, 330), 330), (q2_alt, (660, 275), 330)]

    # The analyst's API draws it too: a dot per category at its share, the first on top.
    ax = order.chart("q1")
    assert ax.collections[0].get_offsets().tolist() == [[20.0, 3.0], [20.0, 2.0], [40.0, 1.0], [20.0, 0.0]]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Uenig", "Hverken eller", "Enig", "Ved ikke"]

    # The deck: q1 as the kind's native chart, q2 (a kind without one) as its drawing.
    deck = Presentation(str(order.build_deck(tmp_path / "deck.pptx")))
    [frame] = [s for s in _slide(deck, "Hvor enig er du?").shapes if s.has_chart]
    assert frame.chart.chart_type == XL_CHART_TYPE.LINE_MARKERS
    assert list(frame.chart.plots[0].categories) == ["Uenig", "Hverken eller", "Enig", "Ved ikke"]
    assert frame.chart.plots[0].series[0].values == (20.0, 20.0, 40.0, 20.0)
    assert frame.name == "Diagram q1" and frame._element.nvGraphicFramePr.cNvPr.get("descr") == q1_alt
    slide = _slide(deck, "Hvordan henviser du?")
    assert not [s for s in slide.shapes if s.has_chart]
    [picture] = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert picture.name == "Diagram q2" and picture._element.nvPicPr.cNvPr.get("descr") == q2_alt
    assert picture.image.blob == figures[1][1]  # the report's drawing


def test_without_chart_a_question_gets_its_types_kind(tmp_path, workbook):
    order = api.load_order(_order(tmp_path / "in", "[{question: q1}, {question: q2}, {question: q3}]"), "tiny-2026")
    assert [(c.key, c.kind) for b in order.content.steps[1].blocks for c in b.charts] == [
        ("q1", "likert"), ("q2", "choice")]


def test_an_unknown_kind_stops_the_order_naming_the_spec_the_step_and_the_kinds(tmp_path, workbook):
    orders = _order(tmp_path / "in", "[{question: q1, chart: dot_plat}, {question: q2}]")
    message = (f"{tmp_path / 'in' / 'tiny.yaml'}: program.blok1 (q1): chart kind 'dot_plat' is not registered "
               "(registered: admission_funnel, admission_rates, admission_shares, choice, funnel, likert, "
               "offer_rates, practice_rates, weekday_hour; for a likert question: "
               "choice, likert)")
    with pytest.raises(SpecError) as caught:
        api.load_order(orders, "tiny-2026")
    assert str(caught.value) == message
    [problem] = [p for p in validate_orders(orders)["tiny-2026"].problems if p.severity == "error"]
    assert problem.message == message


def test_a_kind_that_cannot_show_the_question_is_refused(tmp_path, workbook, example_kinds):
    orders = _order(tmp_path / "in", "[{question: q1}, {question: q2, chart: offer_rates}]")
    with pytest.raises(SpecError, match=r"program\.blok1 \(q2\): chart kind 'offer_rates' cannot show a "
                                        r"multi_choice question \(kinds that can: choice, dot_picture, dot_plot\)"):
        api.load_order(orders, "tiny-2026")


def _spec(content: list) -> dict:
    raw = yaml.safe_load(TINY_SPEC)
    raw["program"][1]["content"] = content
    return raw


def test_a_spec_names_a_questions_chart_kind():
    spec = parse_spec(_spec([{"question": "q1", "chart": "dot_plot"}, {"question": "q2"}]), "tiny.yaml")
    assert [(c.kind, c.ref, c.chart) for c in spec.program[1].content] == [
        ("question", "q1", "dot_plot"), ("question", "q2", None)]
    edited = apply_local_edits(spec, remove=["q2"])
    assert [(c.ref, c.chart) for c in edited.program[1].content] == [("q1", "dot_plot")]
    schema = json.loads((CATALOGUE_DIR / "package.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(_spec([{"question": "q1", "chart": "dot_plot"}]), schema)
    for content, error in (([{"referrals": "rates", "chart": "dot_plot"}],
                            r"content\[0\]: expected \{question: ID\}, \{question: ID, chart: KIND\}, "
                            r"\{referrals: rates\} or"),
                           ([{"question": "q1", "chart": 3}],
                            r"content\[0\]\.chart: expected the name of a chart kind, got 3")):
        with pytest.raises(SpecError, match=error):
            parse_spec(_spec(content), "tiny.yaml")
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(_spec(content), schema)


def test_the_registry():
    assert charts.names() == ["admission_funnel", "admission_rates", "admission_shares", "choice", "funnel",
                             "likert", "offer_rates", "practice_rates", "weekday_hour"]
    assert charts.kinds_for("likert_grid") == ["likert"] and charts.kinds_for("free_text") == []
    with pytest.raises(ValueError, match="'likert' is already registered"):
        charts.register(replace(DOT_PLOT, name="likert"))
    with pytest.raises(KeyError, match="no chart kind 'pie'"):
        charts.get("pie")
    assert charts.get("likert") is charts.register(charts.get("likert"))  # registering it again changes nothing


def _practices() -> pd.DataFrame:
    """Three practices of one offer: A 12 of 1,500 listed, B 3 of 1,520 (shown as '<5'), C 12 of 3,000."""
    referrals = pd.DataFrame({"practice_id": ["A", "B", "C"], "offer": "KOL", "referrals": [12, 3, 12]})
    listed = pd.DataFrame({"practice_id": ["A", "B", "C"], "listed_patients": [1500, 1520, 3000]})
    rates = metrics.referral_rates(referrals, listed, ["KOL"])
    rates = rates[rates["practice_id"] != metrics.CLUSTER].assign(
        practice=lambda t: "Praksis " + t["practice_id"], note="", funnel="")
    hidden = rates["referrals"] < 5
    rates.loc[hidden, ["rate_per_1000", "ci_low", "ci_high"]] = math.nan
    rates.loc[hidden, "is_rate_computed"] = False
    rates.loc[hidden, "note"] = "<5"
    return rates.round({"rate_per_1000": 1, "ci_low": 1, "ci_high": 1}).reset_index(drop=True)


def test_the_funnels_drawing_and_native_chart_share_one_geometry(tmp_path):
    practices = _practices()
    fit = funnel.FunnelFit("KOL", 6.0, funnel.overdispersion([], []))
    chart = funnel_chart.prepare(practices, fit, strict=False, key="funnel_KOL")
    # x from 0.6 x the smallest size drawn (1,500) to 1.15 x the largest (3,000): 900-3,450, at 60 sizes
    # and the two practices' own (B has no rate and is not drawn).
    shape = funnel_chart.geometry(practices, fit)
    assert (shape.low_x, shape.high_x) == (900.0, pytest.approx(3450.0))
    line = shape.line(0.95, "high")
    assert len(line) == 62 and {1500.0, 3000.0} <= set(line["x"])
    assert line["y"].tolist() == fit.limits(line["x"]).query("level == 0.95")["high_per_1000"].tolist()

    fig, ax = plt.subplots()
    funnel_chart.draw(chart, ax)
    drawn = {line.get_label(): line for line in ax.lines}
    assert drawn["95 %-grænser"].get_xdata().tolist() == line["x"].tolist()
    assert drawn["95 %-grænser"].get_ydata().tolist() == line["y"].tolist()
    plt.close(fig)

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    [frame] = funnel_chart.add_native(slide, (0, 0, Inches(5), Inches(4)), chart)
    series = {s.name: s for s in frame.chart.plots[0].series}
    upper = series["95 %-grænser"]
    assert [float(v.text) for v in upper._element.xpath("./c:xVal//c:v")] == line["x"].tolist()
    assert list(upper.values) == pytest.approx(line["y"].tolist())
    assert list(series["Klyngen samlet (6,0)"].values) == [6.0, 6.0]
    assert list(series["Inden for grænserne"].values) == [8.0, 4.0]  # A 12/1.5, C 12/3


def test_a_blocks_two_charts_share_one_alt_text():
    practices = _practices()
    fit = funnel.FunnelFit("KOL", 6.0, funnel.overdispersion([], []))
    bars = practice_rates.prepare(practices, offer="KOL", cluster_rate=6.0, strict=False, key="referrals_KOL")
    dots = funnel_chart.prepare(practices.assign(funnel=["over 95 %", "", ""]), fit, strict=False, key="funnel_KOL")
    assert charts.alt_text([bars, dots]) == (
        "Til venstre søjlediagram for KOL: henvisninger pr. 1.000 tilmeldte patienter pr. praksis: Praksis A 8,0, "
        "Praksis B <5, Praksis C 4,0. Klyngen samlet: 6,0. Til højre tragtdiagram af raten mod antal tilmeldte; "
        "uden for tragtens grænser: Praksis A (over 95 %).")
    assert charts.get("funnel").caption(dots).endswith("tragten viser de almindelige grænser.")


def test_an_offer_without_a_cluster_rate_keeps_its_funnels_place_empty():
    """No cluster rate shown (its total is hidden): no funnel, but the slide and the figure keep its half."""
    practices = _practices().assign(is_rate_computed=False, note="<5")
    shown = [practice_rates.prepare(practices, offer="KOL", cluster_rate=None, strict=False, key="referrals_KOL"),
             funnel_chart.prepare(practices, None, strict=False, key=None)]
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    [frame] = charts.add_charts(slide, (0, 0, Inches(10), Inches(4)), shown)
    assert (frame.left, frame.width) == (0, int((Inches(10) - Inches(0.3)) / 2))  # the bars on the left half
    figure = charts.figure(shown)
    assert (figure.width_px, figure.height_px) == (1540, 572)  # 7 + 7 by 5.2 inches at 110 dpi
    assert figure.alt.endswith("Klyngen samlet: ikke beregnet. Til højre tragtdiagram af raten mod antal "
                               "tilmeldte; uden for tragtens grænser: ingen.")
