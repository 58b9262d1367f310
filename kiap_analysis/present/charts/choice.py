"""Choice questions (``choice``): horizontal bars, the share of respondents choosing each option.

Multi- and single-choice questions, and a Likert question whose scale changed between a
follow-up's rounds (the rounds side by side). A follow-up's chart has a bar per option and round.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION

from kiap_analysis.core import formatting as fmt
from kiap_analysis.core.spec import Question
from kiap_analysis.present import palette
from kiap_analysis.present.charts import _native as native
from kiap_analysis.present.charts._style import axes
from kiap_analysis.present.charts.registry import Chart, ChartKind, extremes, nobody, quoted_da, register, this_round
from kiap_analysis.privacy.suppression import spreadsheet_safe as safe_label

NAME = "choice"


def prepare(question: Question, table: pd.DataFrame) -> Chart:
    return Chart(NAME, table, key=question.id, question=question)


def _rounds(table: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(table["round"])) if "round" in table else [""]


def draw(chart: Chart, ax: Axes | None = None) -> Axes:
    ax = axes(ax)
    table = chart.data
    categories = list(dict.fromkeys(table["category"]))
    rounds = _rounds(table)
    height = 0.8 / len(rounds)
    colours = [palette.PRIMARY, palette.SECONDARY][: len(rounds)] if len(rounds) <= 2 else None
    y = np.arange(len(categories))[::-1]
    for i, rnd in enumerate(rounds):
        part = table[table["round"] == rnd] if rnd else table
        pct = part.set_index("category")["pct"].reindex(categories).fillna(0.0)
        offset = (len(rounds) - 1) / 2 * height - i * height
        colour = colours[i] if colours else palette.PRIMARY
        bars = ax.barh(y + offset, pct.to_numpy(), height=height * 0.92, color=colour,
                       label=rnd or None)
        for bar, value in zip(bars, pct.to_numpy(), strict=True):
            ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, fmt.percent(value),
                    va="center", fontsize=11)
    ax.set_yticks(y, categories)
    ax.set_xlim(0, 110)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.percent(v) if v <= 100 else ""))
    ax.set_xlabel("Andel af respondenterne")
    ax.grid(axis="x", color=palette.GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    if rounds != [""]:
        ax.legend(loc="lower right")
    return ax


def add_native(slide, box, chart: Chart) -> list:
    """Horizontal bars: share of respondents per option (per round for follow-ups)."""
    left, top, width, height = box
    table = chart.data
    categories = list(dict.fromkeys(table["category"]))[::-1]
    rounds = _rounds(table)
    data = CategoryChartData(number_format=native.PCT)
    data.categories = [safe_label(c) for c in categories]
    for rnd in rounds[::-1]:  # the first round nearest the top of each group
        part = table[table["round"] == rnd] if rnd else table
        pct = part.set_index("category")["pct"]
        data.add_series(safe_label(rnd or "Andel"), [float(pct.get(c, 0.0)) for c in categories])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, height, data)
    pptx_chart = frame.chart
    native.style_chart(pptx_chart, legend=len(rounds) > 1)
    plot = pptx_chart.plots[0]
    plot.gap_width = 40
    plot.has_data_labels = True
    plot.data_labels.number_format = native.PCT
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    colours = [palette.PRIMARY, palette.SECONDARY]
    for series, rnd in zip(plot.series, rounds[::-1], strict=True):
        native.fill(series.format, colours[rounds.index(rnd) % 2])
        native.series_labels(series, native.PCT, palette.TEXT, XL_LABEL_POSITION.OUTSIDE_END)
    value_axis = pptx_chart.value_axis
    value_axis.minimum_scale, value_axis.maximum_scale, value_axis.major_unit = 0, 100, 20
    value_axis.tick_labels.number_format = native.PCT
    value_axis.tick_labels.number_format_is_linked = False
    native.gridlines(value_axis)
    return [frame]


def figure_size(chart: Chart) -> tuple[float, float]:
    table = chart.data
    rounds = table["round"].nunique() if "round" in table else 1
    return 10.0, 1.4 + 0.38 * table["category"].nunique() * rounds


def alt_text(chart: Chart) -> str:
    assert chart.question is not None
    ordered = this_round(chart.data).sort_values("pct", ascending=False)
    shares = ", ".join(f"{r.category} {fmt.percent(r.pct)}" for r in ordered.itertuples())
    return f"Søjlediagram over '{chart.question.title}', andel af respondenterne: {shares}"


def caption(chart: Chart) -> str:
    if chart.question is not None and chart.question.type == "multi_choice":
        return ("Andel af respondenterne, der har valgt hver mulighed (flere svar muligt, så "
                "andelene summer ikke til 100 %).")
    return "Andel af respondenterne."


def notes(chart: Chart) -> list[str]:
    """'Flest har valgt 'Telefon' (60 %), færrest 'Andet' (20 %).' (this round's shares)."""
    rows = this_round(chart.data)
    found = extremes({str(c): round(float(v)) for c, v in zip(rows["category"], rows["pct"], strict=True)})
    if found is None:
        return []
    top, top_pct, bottom, bottom_pct = found
    if top_pct == 0:
        return ["Ingen har valgt nogen af mulighederne."]
    verb = "har valgt" if chart.question is not None and chart.question.type == "multi_choice" else "har svaret"
    text = f"Flest {verb} {quoted_da(top)} ({fmt.percent(top_pct)})"
    if bottom_pct < top_pct:
        text += (f", færrest {quoted_da(bottom)} ({fmt.percent(bottom_pct)})" if bottom_pct > 0
                 else f"; {nobody(bottom, verb)}")
    return [text + "."]


KIND = register(ChartKind(NAME, prepare, draw, figure_size, alt_text, add_native, caption, notes=notes,
                          question_types=("single_choice", "multi_choice", "likert")))
