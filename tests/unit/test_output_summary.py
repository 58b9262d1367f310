"""tools/output_summary.py on small inputs: what it reads from a deck and a report, and how it
normalises, so the stored demo summary (tests/test_demo_summary.py) can be trusted."""

import importlib.util
import json
import math

import numpy as np
import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches

from conftest import ROOT

_SPEC = importlib.util.spec_from_file_location("output_summary", ROOT / "tools" / "output_summary.py")
tool = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(tool)


def test_values_are_rounded_and_missing_values_are_null():
    assert tool.plain(0.1 + 0.2) == 0.3
    assert tool.plain(1 / 3) == 0.333333333
    assert tool.plain(math.nan) is None and tool.plain(pd.NA) is None and tool.plain(pd.NaT) is None
    assert tool.plain(np.int64(7)) == 7 and type(tool.plain(np.int64(7))) is int
    assert tool.plain(np.bool_(True)) is True
    assert tool.plain("3,5") == "3,5"


def test_the_runs_folders_and_the_code_version_become_placeholders():
    normalise = tool.Normaliser({"home": "/tmp/run", "demo": "/tmp/run/raw"})
    text = "(/tmp/run/raw/orders.yaml, line 3) in /tmp/run/reports, code 0.1.0+98af950340a7, spec 1.0"
    assert normalise(text) == "(<demo>/orders.yaml, line 3) in <home>/reports, code <code version>, spec 1.0"
    assert normalise.tree({"/tmp/run/raw/x": ["/tmp/run/y", 1.5]}) == {"<demo>/x": ["<home>/y", 1.5]}


def test_report_text_is_what_a_reader_sees_without_the_pdf_link(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(
        "<html><head><title>T</title><style>p { color: red }</style><script>var x = 1;</script></head><body>"
        '<nav><a href="deck.pptx">Deck</a><a href="deck.pdf">Som PDF</a><a href="tables/">Tabeller</a></nav>'
        "<h1>Kendskab</h1><p>Et <b>fedt</b>\n ord</p>"
        '<img alt="Diagram: Ja 60 %" src="data:image/png;base64,AAAA">'
        "<table><tr><th>Svar</th><th>n</th></tr><tr><td>Ja</td><td>3</td></tr><tr><td>Nej</td><td></td></tr></table>"
        "</body></html>", encoding="utf-8")
    assert tool.report_text(page) == ["T", "Deck Tabeller", "Kendskab", "Et fedt ord", "[image: Diagram: Ja 60 %]",
                                      "Svar | n", "Ja | 3", "Nej"]


def test_deck_summary_reads_layouts_texts_notes_and_native_chart_data(tmp_path):
    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])  # "Title Only"
    slide.shapes.title.text = "Kendskab"
    bars = CategoryChartData()
    bars.categories = ["Ja", "Nej"]
    bars.add_series("Andel", (0.25, 2 / 3))
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, Inches(1), Inches(2), Inches(4), Inches(3), bars)
    frame._element.nvGraphicFramePr.cNvPr.set("descr", "Ja 25 %, Nej 67 %")
    points = XyChartData()
    series = points.add_series("Praksis")
    series.add_data_point(1200, 4.5)
    series.add_data_point(3400, 1.25)
    slide.shapes.add_chart(XL_CHART_TYPE.XY_SCATTER, Inches(5), Inches(2), Inches(4), Inches(3), points)
    slide.notes_slide.notes_text_frame.text = "Hvad ser vi?"
    deck.save(tmp_path / "deck.pptx")

    [found] = tool.deck_summary(tmp_path / "deck.pptx")
    assert found["layout"] == "Title Only" and found["notes"] == "Hvad ser vi?"
    title, bar_chart, xy_chart = found["shapes"]
    assert title == {"text": "Kendskab"}
    assert bar_chart["alt"] == "Ja 25 %, Nej 67 %"
    [plot] = bar_chart["chart"]["plots"]
    assert plot["type"] == "BarPlot" and plot["categories"] == ["Ja", "Nej"]
    assert plot["series"] == [{"name": "Andel", "values": [0.25, 0.666666667]}]
    [plot] = xy_chart["chart"]["plots"]
    assert plot["categories"] == []
    assert plot["series"] == [{"name": "Praksis", "values": [4.5, 1.25], "x_values": [1200.0, 3400.0]}]


def test_json_is_sorted_with_rows_and_series_on_one_line():
    value = {"b": [["q1", "Ja", "3"], [0.5, None]], "a": {"long": ["x" * 100, "y" * 100]}}
    text = tool.dumps(value)
    assert json.loads(text) == value
    assert text.index('"a"') < text.index('"b"')
    assert '  ["q1", "Ja", "3"]' in text and "  [0.5, null]" in text
    assert f'   "{"x" * 100}",' in text  # a long list of strings: an item per line


def test_differences_name_the_place():
    stored = {"orders": {"o1": {"tables": {"q1.csv": [["a", "1"]]}}}, "letters": {"x": ["A"]}}
    found = {"orders": {"o1": {"tables": {"q1.csv": [["a", "2"]]}}}, "letters": {}}
    assert tool.differences(stored, found) == ["/letters/x: only in stored", '/orders/o1/tables/q1.csv/0/1: "1" -> "2"']
    assert tool.diff(stored, stored) == ""
    assert tool.diff(stored, found).startswith("2 difference(s):\n/letters/x: only in stored\n")
