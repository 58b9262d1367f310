"""Likert questions (``likert``): diverging stacked bars, 'Ved ikke' in its own panel on the right.

Negative levels extend left of 0, positive right, a middle level is split across 0.
Percentages are of everyone who answered the item, 'Ved ikke' included. A follow-up's
chart has a bar per item and round.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_AXIS_CROSSES, XL_CHART_TYPE, XL_LABEL_POSITION
from pptx.enum.chart import XL_TICK_LABEL_POSITION as TICKS
from pptx.enum.shapes import MSO_SHAPE
from pptx.util import Emu, Pt

from kiap_analysis.core import formatting as fmt
from kiap_analysis.core.spec import Question, Scale
from kiap_analysis.present import palette
from kiap_analysis.present.charts import _native as native
from kiap_analysis.present.charts._style import MIN_LABEL_PCT, SIDE_PANEL, SIDE_PANEL_LABEL, axes
from kiap_analysis.present.charts.registry import (
    LIKERT_TYPES,
    Chart,
    ChartKind,
    extremes,
    nobody,
    quoted_da,
    register,
    this_round,
)
from kiap_analysis.privacy.suppression import spreadsheet_safe as safe_label

NAME = "likert"


def prepare(question: Question, table: pd.DataFrame) -> Chart:
    return Chart(NAME, table, key=question.id, question=question)


def _rows(table: pd.DataFrame) -> list[tuple[str, str]]:
    """(item, round) keys of a scale table in display order."""
    items = list(dict.fromkeys(table["item"]))
    rounds = list(dict.fromkeys(table["round"])) if "round" in table else [""]
    return [(item, rnd) for item in items for rnd in rounds]


def _row_label(item: str, rnd: str) -> str:
    if item and rnd:
        return f"{item} ({rnd})"
    return item or rnd or "Alle svar"


def _pct(table: pd.DataFrame, item: str, rnd: str, category: str) -> float:
    part = table[(table["item"] == item) & ((table["round"] == rnd) if rnd else True)]
    return float(part.set_index("category")["pct"].get(category, 0.0))


def _colours(scale: Scale) -> list[str]:
    colours = palette.diverging(len(scale.levels))
    return colours if scale.higher_is_better else colours[::-1]


# ------------------------------------------------------------------ matplotlib


def draw(chart: Chart, ax: Axes | None = None) -> Axes:
    ax = axes(ax)
    table, scale = chart.data, chart.scale
    assert scale is not None
    colours = _colours(scale)
    keys = _rows(table)
    mid = len(scale.levels) / 2
    y = np.arange(len(keys))[::-1]
    for row, (item, rnd) in zip(y, keys, strict=True):
        values = [_pct(table, item, rnd, level) for level in scale.levels]
        below = sum(values[: int(mid)]) + (values[int(mid)] / 2 if len(values) % 2 else 0.0)
        left = -below
        for value, colour in zip(values, colours, strict=True):
            ax.barh(row, value, left=left, color=colour, height=0.7, edgecolor="white", linewidth=0.6)
            if value >= MIN_LABEL_PCT:
                ax.text(left + value / 2, row, fmt.percent(value), ha="center", va="center",
                        fontsize=11, color=palette.text_on(colour))
            left += value
    ax.axvline(0, color=palette.TEXT, linewidth=0.8)
    ax.set_yticks(y, [_row_label(item, rnd) for item, rnd in keys])
    ax.set_xlim(-100, 100)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.percent(abs(v))))
    ax.set_xlabel("Andel af svarene")
    ax.grid(axis="x", color=palette.GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colours]
    labels = list(scale.levels)
    if scale.dont_know:
        _dont_know_panel(ax, table, keys, y, scale.dont_know)
        handles.append(plt.Rectangle((0, 0), 1, 1, color=palette.DONT_KNOW))
        labels.append(scale.dont_know)
    ax.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0),
              ncol=_legend_columns(labels, ax.figure.get_figwidth()))
    return ax


def _legend_columns(labels: Sequence[str], width_in: float) -> int:
    """As many legend columns as fit in one row, else rows of equal length."""
    entry_in = [0.55 + 0.095 * len(label) for label in labels]  # marker, gap, text at 12 pt
    if sum(entry_in) <= width_in * 0.9:
        return len(labels)
    rows = 2
    while max(entry_in) * math.ceil(len(labels) / rows) > width_in * 0.9 and rows < len(labels):
        rows += 1
    return math.ceil(len(labels) / rows)


def _dont_know_panel(ax: Axes, table: pd.DataFrame, keys, y, label: str) -> None:
    panel = ax.inset_axes(SIDE_PANEL, sharey=ax)
    panel.set_label(SIDE_PANEL_LABEL)
    for row, (item, rnd) in zip(y, keys, strict=True):
        value = _pct(table, item, rnd, label)
        panel.barh(row, value, color=palette.DONT_KNOW, height=0.7)
        panel.text(value + 3, row, fmt.percent(value), va="center", fontsize=11)
    panel.set_xlim(0, 100)
    panel.set_xlabel(label)
    panel.tick_params(left=False, labelleft=False, bottom=False, labelbottom=False)
    for side in ("top", "right", "bottom"):
        panel.spines[side].set_visible(False)


# ------------------------------------------------------------------ PowerPoint


def add_native(slide, box, chart: Chart) -> list:
    """Diverging stacked bars (negative levels left of 0, a middle level split across it),
    'Ved ikke' as its own small bar chart on the right, and a legend in scale order."""
    left, top, width, height = box
    table, scale = chart.data, chart.scale
    assert scale is not None
    rows = _rows(table)[::-1]  # bar charts draw the first category at the bottom
    colours = _colours(scale)
    levels = list(scale.levels)
    half = len(levels) // 2
    has_middle = len(levels) % 2 == 1
    # Series order: from 0 outwards on each side (stacking order), the middle level in two halves.
    negative = ([(levels[half], -0.5, colours[half])] if has_middle else []) + [
        (levels[i], -1.0, colours[i]) for i in range(half - 1, -1, -1)]
    positive = ([(levels[half], 0.5, colours[half])] if has_middle else []) + [
        (levels[i], 1.0, colours[i]) for i in range(len(levels) - half, len(levels))]
    data = CategoryChartData(number_format=native.PCT)
    data.categories = [safe_label(_row_label(item, rnd)) for item, rnd in rows]
    for name, factor, _ in negative + positive:
        data.add_series(safe_label(name), [factor * _pct(table, item, rnd, name) for item, rnd in rows])
    legend_h = Emu(int(Pt(22)))
    dk_width = int(width * 0.16) if scale.dont_know else 0
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_STACKED, left, top + legend_h,
                                   width - dk_width, height - legend_h, data)
    pptx_chart = frame.chart
    native.style_chart(pptx_chart)
    plot = pptx_chart.plots[0]
    plot.gap_width = 50
    plot.has_data_labels = True
    plot.data_labels.number_format = native.PCT
    plot.data_labels.number_format_is_linked = False
    for series, (name, factor, colour) in zip(plot.series, negative + positive, strict=True):
        series.invert_if_negative = False
        native.fill(series.format, colour)
        native.series_labels(series, native.PCT, palette.text_on(colour))
        for point_index, (item, rnd) in enumerate(rows):
            point = series.points[point_index]
            if factor < 0:  # explicit fills keep negative bars coloured in every viewer
                native.fill(point.format, colour)
                native.no_invert(point)
            full = _pct(table, item, rnd, name)
            if factor == -0.5 or full < MIN_LABEL_PCT:
                native.hide_label(point)
            elif factor == 0.5:  # the middle level's label shows the whole level, not its half
                point.data_label.text_frame.text = fmt.percent(full)
                point.data_label.font.size = Pt(native.FONT_PT - 1)
                point.data_label.font.color.rgb = native.rgb(palette.text_on(colour))
    value_axis = pptx_chart.value_axis
    value_axis.minimum_scale, value_axis.maximum_scale, value_axis.major_unit = -100, 100, 25
    value_axis.tick_labels.number_format = native.PCT
    value_axis.tick_labels.number_format_is_linked = False
    native.gridlines(value_axis)
    pptx_chart.category_axis.tick_label_position = TICKS.LOW
    # The dark category axis line at the plot's left edge, not at 0: at 0 it ran through the
    # middle level's labels ('26 %'); the 0 % gridline stays behind the bars.
    value_axis.crosses = XL_AXIS_CROSSES.MINIMUM
    pptx_chart.category_axis.format.line.color.rgb = native.rgb(palette.TEXT)
    native.plot_layout(pptx_chart, 0.32, PLOT_Y, 0.66, PLOT_H)
    frames = [frame]
    if scale.dont_know:
        frames.append(_dont_know_chart(slide, (left + width - dk_width, top + legend_h, dk_width,
                                               height - legend_h), table, rows, scale.dont_know))
    _legend(slide, left, top, width, legend_h, [(n, c) for n, c in zip(levels, colours, strict=True)]
            + ([(scale.dont_know, palette.DONT_KNOW)] if scale.dont_know else []))
    return frames


PLOT_Y, PLOT_H = 0.03, 0.82  # both charts' plot areas: the rows at the same heights


def _dont_know_chart(slide, box, table, rows, label: str):
    left, top, width, height = box
    data = CategoryChartData(number_format=native.PCT)
    data.categories = [safe_label(_row_label(item, rnd)) for item, rnd in rows]
    data.add_series(safe_label(label), [_pct(table, item, rnd, label) for item, rnd in rows])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, height, data)
    chart = frame.chart
    native.style_chart(chart)
    # no title: the legend names it, and a title would push its rows off the scale's rows
    plot = chart.plots[0]
    plot.gap_width = 50
    plot.has_data_labels = True
    plot.data_labels.number_format = native.PCT
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    native.fill(plot.series[0].format, palette.DONT_KNOW)
    native.series_labels(plot.series[0], native.PCT, palette.TEXT, XL_LABEL_POSITION.OUTSIDE_END)
    for point_index, (item, rnd) in enumerate(rows):
        if not _pct(table, item, rnd, label):  # no '0 %' floating without a bar
            native.hide_label(plot.series[0].points[point_index])
    chart.category_axis.tick_label_position = TICKS.NONE
    chart.value_axis.minimum_scale, chart.value_axis.maximum_scale = 0, 100
    chart.value_axis.has_major_gridlines = False
    chart.value_axis.visible = False
    native.plot_layout(chart, 0.02, PLOT_Y, 0.7, PLOT_H)  # the same rows as the scale's chart
    return frame


def _legend(slide, left, top, width, height, entries: list[tuple[str, str]]) -> None:
    """The scale's legend in scale order, as editable shapes (a chart legend would follow the
    stacking order of the series)."""
    text_pt = native.FONT_PT - 1
    widths = [Pt(14 + 0.55 * text_pt * len(name) + 12) for name, _ in entries]
    x = left + max(0, int((width - sum(widths)) / 2))
    for (name, colour), w in zip(entries, widths, strict=True):
        square = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, x, top + Pt(5), Pt(10), Pt(10))
        native.fill(square, colour)
        square.line.fill.background()
        square.name = f"Forklaring {name}"
        box = slide.shapes.add_textbox(x + Pt(13), top, int(w - Pt(13)), height)
        box.name = f"Forklaring {name} tekst"
        frame = box.text_frame
        frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
        run = frame.paragraphs[0].add_run()
        run.text = name
        run.font.size = Pt(text_pt)
        run.font.color.rgb = native.rgb(palette.TEXT)
        x += int(w)


# ------------------------------------------------------------------ size, words


def figure_size(chart: Chart) -> tuple[float, float]:
    table = chart.data
    rounds = table["round"].nunique() if "round" in table else 1
    return 10.0, 2.4 + 0.5 * max(table["item"].nunique() * rounds, 2)


def alt_text(chart: Chart) -> str:
    assert chart.question is not None
    parts = []
    for item, rows in this_round(chart.data).groupby("item", sort=False):
        shares = ", ".join(f"{r.category} {fmt.percent(r.pct)}" for r in rows.itertuples() if r.n)
        parts.append(f"{item}: {shares}" if item else shares)
    return f"Diagram over svarene på '{chart.question.title}'. " + "; ".join(parts)


def caption(chart: Chart) -> str:
    text = "Andele af alle svar på spørgsmålet."
    if chart.scale is not None and chart.scale.dont_know:
        text += f" '{chart.scale.dont_know}' vises for sig til højre."
    return text


def _share(rows: pd.DataFrame, levels: Sequence[str]) -> int:
    """The rounded share (of all answers, 'Ved ikke' included) answering one of ``levels``."""
    return round(float(rows.loc[rows["category"].isin(levels), "pct"].sum()))


def notes(chart: Chart) -> list[str]:
    """This round's largest and smallest level, the share on the scale's two highest levels
    (the share a follow-up tests; with four levels or more) and 'Ved ikke' when anyone said so;
    for several items, the items with the largest and the smallest such share."""
    scale = chart.scale
    assert scale is not None
    table = this_round(chart.data)
    top_two = list(scale.levels[-2:])
    items = list(dict.fromkeys(table["item"]))
    if len(items) == 1:
        rows = table[table["item"] == items[0]]
        pct = {str(c): round(float(v)) for c, v in zip(rows["category"], rows["pct"], strict=True)}
        found = extremes({level: pct.get(level, 0) for level in scale.levels})
        if found is None:
            return []
        top, top_pct, bottom, bottom_pct = found
        text = f"Flest svarer {quoted_da(top)} ({fmt.percent(top_pct)})"
        if bottom_pct < top_pct:
            text += (f", færrest {quoted_da(bottom)} ({fmt.percent(bottom_pct)})" if bottom_pct > 0
                     else f"; {nobody(bottom, 'svarer')}")
        lines = [f"{text}."]
        if len(scale.levels) >= 4:  # with three levels the two highest would take in the middle one
            lines.append(f"I alt svarer {fmt.percent(_share(rows, top_two))} {quoted_da(top_two, 'eller')}.")
        if scale.dont_know and pct.get(scale.dont_know, 0) > 0:
            lines.append(f"'{scale.dont_know}' svarer {fmt.percent(pct[scale.dont_know])}.")
        return lines
    upper = top_two if len(scale.levels) >= 4 else top_two[-1:]
    shares = {str(item): _share(table[table["item"] == item], upper) for item in items}
    found = extremes(shares)
    if found is None:
        return []
    top, top_pct, bottom, bottom_pct = found
    levels = quoted_da(upper, "eller")
    text = f"Flest svarer {levels} ved {quoted_da(top)} ({fmt.percent(top_pct)})"
    if bottom_pct < top_pct:
        text += f", færrest ved {quoted_da(bottom)} ({fmt.percent(bottom_pct)})"
    return [text + "."]


KIND = register(ChartKind(NAME, prepare, draw, figure_size, alt_text, add_native, caption, notes=notes,
                          question_types=LIKERT_TYPES))
