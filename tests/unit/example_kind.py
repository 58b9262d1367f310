"""A chart kind that lives outside the package: ``dot_plot``, one dot per answer at its share.

It shows how a kind is added (docs/adding-a-chart-kind.md): this module holds all of it (data
preparation, matplotlib drawing, native PowerPoint chart, size, alt text) and the tests
register it; no module of kiap_analysis is edited. ``DOT_PICTURE`` is the same kind without a
native chart: the deck then shows its drawing as a picture.
"""

from __future__ import annotations

from dataclasses import replace

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE

from kiap_analysis.core import formatting as fmt
from kiap_analysis.core.spec import Question
from kiap_analysis.present.charts import Chart, ChartKind, this_round

NAME = "dot_plot"


def prepare(question: Question, table: pd.DataFrame) -> Chart:
    """The order's own round: one row per answer category with its share (pct, 0-100)."""
    shares = this_round(table)[["category", "pct"]].reset_index(drop=True)
    return Chart(NAME, shares, key=question.id, question=question)


def draw(chart: Chart, ax: Axes | None = None) -> Axes:
    ax = ax if ax is not None else plt.gca()
    y = list(range(len(chart.data)))[::-1]  # the first category on top
    ax.scatter(chart.data["pct"].astype(float), y, s=80)
    ax.set_yticks(y, chart.data["category"].tolist())
    ax.set_xlim(0, 100)
    ax.set_xlabel("Andel af svarene")
    return ax


def add_native(slide, box, chart: Chart) -> list:
    left, top, width, height = box
    data = CategoryChartData(number_format='0" %"')
    data.categories = chart.data["category"].tolist()
    data.add_series("Andel", chart.data["pct"].astype(float).tolist())
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, left, top, width, height, data)
    frame.chart.plots[0].series[0].format.line.fill.background()  # dots, no line between them
    return [frame]


def figure_size(chart: Chart) -> tuple[float, float]:
    return 6.0, 1.0 + 0.5 * len(chart.data)


def alt_text(chart: Chart) -> str:
    assert chart.question is not None
    shares = ", ".join(f"{r.category} {fmt.percent(r.pct)}" for r in chart.data.itertuples())
    return f"Prikdiagram over '{chart.question.title}': {shares}"


DOT_PLOT = ChartKind(NAME, prepare, draw, figure_size, alt_text, add_native,
                     question_types=("likert", "single_choice", "multi_choice"))
DOT_PICTURE = replace(DOT_PLOT, name="dot_picture", add_native=None,
                      prepare=lambda question, table: replace(prepare(question, table), kind="dot_picture"))
