"""Native PowerPoint charts (python-pptx chart data), editable in PowerPoint.

Numbers live in each chart's embedded workbook, interval widths included, so a consultant
can correct a value or a colour in PowerPoint. python-pptx has no error bars, combined
bar-and-line charts or per-series legend control; those are added to the chart XML here:
- confidence intervals are custom error bars whose plus/minus values are workbook columns;
- the cluster's reference line is a line series on the bar chart's axes;
- negative bars get explicit per-point fills (PowerPoint may otherwise invert them).
Number formats carry the Danish locale ([$-406]): '1.234,5' and '45 %' in any viewer.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from lxml import etree
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.chart import XL_TICK_LABEL_POSITION as TICKS
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from kiap_analysis.core.formatting import percent, rate
from kiap_analysis.core.spec import Scale
from kiap_analysis.present import palette
from kiap_analysis.present.charts import (
    funnel_axis_title,
    funnel_grid,
    funnel_markers,
    funnel_positions,
    limit_label,
    point_labels,
)
from kiap_analysis.privacy.suppression import spreadsheet_safe as safe_label
from kiap_analysis.stats.disclosure import is_banded
from kiap_analysis.stats.funnel import FunnelFit

PCT = '[$-406]0" %";[$-406]0" %";[$-406]0" %"'  # absolute percent, no decimals
RATE = "[$-406]#,##0.0"
RATE_WHOLE = "[$-406]#,##0"  # strict mode's practice rates
COUNT = "[$-406]#,##0"
MIN_LABEL_PCT = 7.0
FONT_PT = 12


def rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#"))


def _style(chart, legend: bool = False) -> None:
    chart.font.size = Pt(FONT_PT)
    chart.font.color.rgb = rgb(palette.TEXT)
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        chart.legend.font.size = Pt(FONT_PT - 1)
    space = chart._chartSpace
    if space.find(qn("c:lang")) is None:
        lang = etree.SubElement(space, qn("c:lang"), val="da-DK")
        date1904 = space.find(qn("c:date1904"))
        space.remove(lang)
        space.insert(1 if date1904 is not None else 0, lang)


def _gridlines(axis) -> None:
    axis.has_major_gridlines = True
    line = axis.major_gridlines.format.line
    line.color.rgb = rgb(palette.GRID)
    line.width = Pt(0.5)


def _fill(fmt, colour: str) -> None:
    fmt.fill.solid()
    fmt.fill.fore_color.rgb = rgb(colour)


def _line(fmt, colour: str, width: float = 1.5, dash=None) -> None:
    fmt.line.color.rgb = rgb(colour)
    fmt.line.width = Pt(width)
    if dash is not None:
        fmt.line.dash_style = dash


def _hide_label(point) -> None:
    """No data label on this point (python-pptx cannot delete a single label)."""
    dlbl = point.data_label._get_or_add_dLbl()
    for child in list(dlbl):
        if child.tag != qn("c:idx"):
            dlbl.remove(child)
    etree.SubElement(dlbl, qn("c:delete"), val="1")


def _series_labels(series, number_format: str, colour: str, position=None) -> None:
    """Value labels on a series (a series-level dLbls hides values unless told otherwise)."""
    labels = series.data_labels
    labels.show_value = True
    labels.number_format = number_format
    labels.number_format_is_linked = False
    if position is not None:
        labels.position = position
    labels.font.size = Pt(FONT_PT - 1)
    labels.font.color.rgb = rgb(colour)


def _no_invert(point) -> None:
    """invertIfNegative=0 on a data point (right after its idx, as the schema wants)."""
    dpt = point.format._element
    if dpt.find(qn("c:invertIfNegative")) is None:
        element = etree.SubElement(dpt, qn("c:invertIfNegative"), val="0")
        dpt.remove(element)
        dpt.insert(1, element)


def _series_elements(plot_element) -> list:
    return plot_element.findall(qn("c:ser"))


def _error_bars(value_ser, plus_ser, minus_ser) -> None:
    """Custom error bars on ``value_ser`` from two other series' workbook columns; the two
    helper series are then removed from the plot (their columns stay in the workbook)."""
    bars = etree.Element(qn("c:errBars"))
    etree.SubElement(bars, qn("c:errBarType"), val="both")
    etree.SubElement(bars, qn("c:errValType"), val="cust")
    etree.SubElement(bars, qn("c:noEndCap"), val="0")
    for tag, source in (("c:plus", plus_ser), ("c:minus", minus_ser)):
        holder = etree.SubElement(bars, qn(tag))
        holder.append(copy.deepcopy(source.find(qn("c:val")).find(qn("c:numRef"))))
    sp = etree.SubElement(bars, qn("c:spPr"))
    line = etree.SubElement(sp, qn("a:ln"), w="12700")
    fill = etree.SubElement(line, qn("a:solidFill"))
    etree.SubElement(fill, qn("a:srgbClr"), val=palette.TEXT.lstrip("#"))
    value_ser.find(qn("c:cat")).addprevious(bars)
    for helper in (plus_ser, minus_ser):
        helper.getparent().remove(helper)


def _as_line(bar_chart, ser, colour: str) -> None:
    """Move a bar series into a line chart on the same axes (a dashed reference line)."""
    bar_chart.remove(ser)
    for tag in ("c:invertIfNegative", "c:spPr", "c:dLbls"):
        for child in ser.findall(qn(tag)):
            ser.remove(child)
    sp = etree.Element(qn("c:spPr"))
    line = etree.SubElement(sp, qn("a:ln"), w="22225")
    fill = etree.SubElement(line, qn("a:solidFill"))
    etree.SubElement(fill, qn("a:srgbClr"), val=colour.lstrip("#"))
    etree.SubElement(line, qn("a:prstDash"), val="dash")
    marker = etree.Element(qn("c:marker"))
    etree.SubElement(marker, qn("c:symbol"), val="none")
    ser.find(qn("c:tx")).addnext(sp)
    sp.addnext(marker)
    etree.SubElement(ser, qn("c:smooth"), val="0")
    line_chart = etree.Element(qn("c:lineChart"))
    etree.SubElement(line_chart, qn("c:grouping"), val="standard")
    etree.SubElement(line_chart, qn("c:varyColors"), val="0")
    line_chart.append(ser)
    etree.SubElement(line_chart, qn("c:marker"), val="1")
    for ax_id in bar_chart.findall(qn("c:axId")):
        line_chart.append(copy.deepcopy(ax_id))
    bar_chart.addnext(line_chart)


def _drop_legend_entries(chart, indices: Sequence[int]) -> None:
    legend = chart._chartSpace.find(".//" + qn("c:legend"))
    if legend is None:
        return
    for idx in indices:
        entry = etree.Element(qn("c:legendEntry"))
        etree.SubElement(entry, qn("c:idx"), val=str(idx))
        etree.SubElement(entry, qn("c:delete"), val="1")
        legend.find(qn("c:legendPos")).addnext(entry)


def _rows(table: pd.DataFrame) -> list[tuple[str, str]]:
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


def add_likert(slide, box: tuple[int, int, int, int], table: pd.DataFrame, scale: Scale):
    """Diverging stacked bars (negative levels left of 0, a middle level split across it),
    'Ved ikke' as its own small bar chart on the right, and a legend in scale order."""
    left, top, width, height = box
    rows = _rows(table)[::-1]  # bar charts draw the first category at the bottom
    colours = palette.diverging(len(scale.levels))
    if not scale.higher_is_better:
        colours = colours[::-1]
    levels = list(scale.levels)
    half = len(levels) // 2
    has_middle = len(levels) % 2 == 1
    # Series order: from 0 outwards on each side (stacking order), the middle level in two halves.
    negative = ([(levels[half], -0.5, colours[half])] if has_middle else []) + [
        (levels[i], -1.0, colours[i]) for i in range(half - 1, -1, -1)]
    positive = ([(levels[half], 0.5, colours[half])] if has_middle else []) + [
        (levels[i], 1.0, colours[i]) for i in range(len(levels) - half, len(levels))]
    data = CategoryChartData(number_format=PCT)
    data.categories = [safe_label(_row_label(item, rnd)) for item, rnd in rows]
    for name, factor, _ in negative + positive:
        data.add_series(safe_label(name), [factor * _pct(table, item, rnd, name) for item, rnd in rows])
    legend_h = Emu(int(Pt(22)))
    dk_width = int(width * 0.16) if scale.dont_know else 0
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_STACKED, left, top + legend_h,
                                   width - dk_width, height - legend_h, data)
    chart = frame.chart
    _style(chart)
    plot = chart.plots[0]
    plot.gap_width = 50
    plot.has_data_labels = True
    plot.data_labels.number_format = PCT
    plot.data_labels.number_format_is_linked = False
    for series, (name, factor, colour) in zip(plot.series, negative + positive, strict=True):
        series.invert_if_negative = False
        _fill(series.format, colour)
        _series_labels(series, PCT, palette.text_on(colour))
        for point_index, (item, rnd) in enumerate(rows):
            point = series.points[point_index]
            if factor < 0:  # explicit fills keep negative bars coloured in every viewer
                _fill(point.format, colour)
                _no_invert(point)
            full = _pct(table, item, rnd, name)
            if factor == -0.5 or full < MIN_LABEL_PCT:
                _hide_label(point)
            elif factor == 0.5:  # the middle level's label shows the whole level, not its half
                point.data_label.text_frame.text = percent(full)
                point.data_label.font.size = Pt(FONT_PT - 1)
                point.data_label.font.color.rgb = rgb(palette.text_on(colour))
    value_axis = chart.value_axis
    value_axis.minimum_scale, value_axis.maximum_scale, value_axis.major_unit = -100, 100, 25
    value_axis.tick_labels.number_format = PCT
    value_axis.tick_labels.number_format_is_linked = False
    _gridlines(value_axis)
    chart.category_axis.tick_label_position = TICKS.LOW
    chart.category_axis.format.line.color.rgb = rgb(palette.TEXT)
    frames = [frame]
    if scale.dont_know:
        frames.append(_dont_know_chart(slide, (left + width - dk_width, top + legend_h, dk_width,
                                               height - legend_h), table, rows, scale.dont_know))
    _legend(slide, left, top, width, legend_h, [(n, c) for n, c in zip(levels, colours, strict=True)]
            + ([(scale.dont_know, palette.DONT_KNOW)] if scale.dont_know else []))
    return frames


def _dont_know_chart(slide, box, table, rows, label: str):
    left, top, width, height = box
    data = CategoryChartData(number_format=PCT)
    data.categories = [safe_label(_row_label(item, rnd)) for item, rnd in rows]
    data.add_series(safe_label(label), [_pct(table, item, rnd, label) for item, rnd in rows])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, height, data)
    chart = frame.chart
    _style(chart)
    chart.has_title = True
    chart.chart_title.text_frame.text = label
    chart.chart_title.text_frame.paragraphs[0].font.size = Pt(FONT_PT)
    plot = chart.plots[0]
    plot.gap_width = 50
    plot.has_data_labels = True
    plot.data_labels.number_format = PCT
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    _fill(plot.series[0].format, palette.DONT_KNOW)
    _series_labels(plot.series[0], PCT, palette.TEXT, XL_LABEL_POSITION.OUTSIDE_END)
    chart.category_axis.tick_label_position = TICKS.NONE
    chart.value_axis.minimum_scale, chart.value_axis.maximum_scale = 0, 100
    chart.value_axis.has_major_gridlines = False
    chart.value_axis.visible = False
    return frame


def _legend(slide, left, top, width, height, entries: list[tuple[str, str]]) -> None:
    """The scale's legend in scale order, as editable shapes (a chart legend would follow the
    stacking order of the series)."""
    from pptx.enum.shapes import MSO_SHAPE

    text_pt = FONT_PT - 1
    widths = [Pt(14 + 0.55 * text_pt * len(name) + 12) for name, _ in entries]
    x = left + max(0, int((width - sum(widths)) / 2))
    for (name, colour), w in zip(entries, widths, strict=True):
        square = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, x, top + Pt(5), Pt(10), Pt(10))
        _fill(square, colour)
        square.line.fill.background()
        square.name = f"Forklaring {name}"
        box = slide.shapes.add_textbox(x + Pt(13), top, int(w - Pt(13)), height)
        box.name = f"Forklaring {name} tekst"
        frame = box.text_frame
        frame.margin_left = frame.margin_right = frame.margin_top = frame.margin_bottom = 0
        run = frame.paragraphs[0].add_run()
        run.text = name
        run.font.size = Pt(text_pt)
        run.font.color.rgb = rgb(palette.TEXT)
        x += int(w)


def add_choice(slide, box, table: pd.DataFrame):
    """Horizontal bars: share of respondents per option (per round for follow-ups)."""
    left, top, width, height = box
    categories = list(dict.fromkeys(table["category"]))[::-1]
    rounds = list(dict.fromkeys(table["round"])) if "round" in table else [""]
    data = CategoryChartData(number_format=PCT)
    data.categories = [safe_label(c) for c in categories]
    for rnd in rounds[::-1]:  # the first round nearest the top of each group
        part = table[table["round"] == rnd] if rnd else table
        pct = part.set_index("category")["pct"]
        data.add_series(safe_label(rnd or "Andel"), [float(pct.get(c, 0.0)) for c in categories])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, height, data)
    chart = frame.chart
    _style(chart, legend=len(rounds) > 1)
    plot = chart.plots[0]
    plot.gap_width = 40
    plot.has_data_labels = True
    plot.data_labels.number_format = PCT
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    colours = [palette.PRIMARY, palette.SECONDARY]
    for series, rnd in zip(plot.series, rounds[::-1], strict=True):
        _fill(series.format, colours[rounds.index(rnd) % 2])
        _series_labels(series, PCT, palette.TEXT, XL_LABEL_POSITION.OUTSIDE_END)
    chart.value_axis.minimum_scale, chart.value_axis.maximum_scale, chart.value_axis.major_unit = 0, 100, 20
    chart.value_axis.tick_labels.number_format = PCT
    chart.value_axis.tick_labels.number_format_is_linked = False
    _gridlines(chart.value_axis)
    return [frame]


def _rate_chart(slide, box, categories, series: list[tuple[str, list, list, list]], reference: float | None,
                number_format: str = RATE, intervals: bool = True):
    """Columns with custom error bars (``intervals``), and optionally a dashed reference line."""
    left, top, width, height = box
    data = CategoryChartData(number_format=number_format)
    data.categories = categories
    for name, values, _, _ in series:
        data.add_series(safe_label(name), values)
    if reference is not None:
        data.add_series(safe_label(f"Klyngen samlet ({_dk(reference)} pr. 1.000)"), [reference] * len(categories))
    for name, _, plus, minus in series if intervals else ():
        data.add_series(safe_label(f"{name}: 95 %-KI op"), plus)
        data.add_series(safe_label(f"{name}: 95 %-KI ned"), minus)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, left, top, width, height, data)
    chart = frame.chart
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = True
    plot.data_labels.number_format = number_format
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.position = XL_LABEL_POSITION.INSIDE_BASE
    colours = [palette.PRIMARY, palette.SECONDARY]
    for i, chart_series in enumerate(list(plot.series)[: len(series)]):
        _fill(chart_series.format, colours[i % 2])
        _series_labels(chart_series, number_format, palette.text_on(colours[i % 2]), XL_LABEL_POSITION.INSIDE_BASE)
    bar_chart = chart._chartSpace.find(".//" + qn("c:barChart"))
    elements = _series_elements(bar_chart)
    helpers = elements[len(series) + (reference is not None):]
    for i in range(len(series) if intervals else 0):
        _error_bars(elements[i], helpers[2 * i], helpers[2 * i + 1])
    if reference is not None:
        _as_line(bar_chart, elements[len(series)], palette.REFERENCE)
    _style(chart, legend=True)
    tops = [v + (p if intervals else 0.0) for _, values, plus, _ in series
            for v, p in zip(values, plus, strict=True) if v is not None]
    if reference is not None:
        tops.append(reference)
    chart.value_axis.minimum_scale = 0
    chart.value_axis.maximum_scale, chart.value_axis.major_unit = nice_axis(max(tops, default=1.0))
    chart.value_axis.tick_labels.number_format = RATE  # ticks at 2,5 stay 2,5 when the bars are whole numbers
    chart.value_axis.tick_labels.number_format_is_linked = False
    chart.value_axis.has_title = True
    chart.value_axis.axis_title.text_frame.text = "Pr. 1.000 tilmeldte"
    chart.value_axis.axis_title.text_frame.paragraphs[0].font.size = Pt(FONT_PT - 1)
    _gridlines(chart.value_axis)
    return frame


def nice_axis(top: float, ticks: int = 5) -> tuple[float, float]:
    """(maximum, major unit) for an axis from 0 that shows ``top``: steps of 1, 2, 2.5 or 5 x 10^k."""
    if top <= 0:
        return 1.0, 0.2
    raw = top * 1.05 / ticks
    power = 10 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return round(float(np.ceil(top * 1.05 / step) * step), 10), round(float(step), 10)


def _dk(value: float) -> str:
    return rate(value)


def _has_rate(row) -> bool:
    """A row with a rate to draw: not hidden, not missing (an offer absent from one round
    reindexes to NaN, and a NaN in a chart's workbook stops python-pptx's writer)."""
    flag = row.is_rate_computed
    if not isinstance(flag, bool | np.bool_) or not flag:
        return False
    return math.isfinite(float(row.rate_per_1000))


def _intervals(rows: pd.DataFrame) -> tuple[list, list, list]:
    values, plus, minus = [], [], []
    for row in rows.itertuples():
        if _has_rate(row) and not math.isfinite(float(row.ci_low)):  # strict mode: no interval
            values.append(float(row.rate_per_1000))
            plus.append(0.0)
            minus.append(0.0)
        elif _has_rate(row):
            values.append(float(row.rate_per_1000))
            plus.append(float(row.ci_high - row.rate_per_1000))
            minus.append(float(row.rate_per_1000 - row.ci_low))
        else:
            values.append(None)
            plus.append(0.0)
            minus.append(0.0)
    return values, plus, minus


def add_offer_rates(slide, box, overview: pd.DataFrame):
    """The cluster's rate per offer (per round for follow-ups), with 95 % intervals."""
    offers = list(dict.fromkeys(overview["offer"]))
    rounds = list(dict.fromkeys(overview["round"])) if "round" in overview else [""]
    series = []
    for rnd in rounds:
        part = (overview[overview["round"] == rnd] if rnd else overview).set_index("offer").reindex(offers)
        series.append((rnd or "Klyngen samlet", *_intervals(part.reset_index())))
    return [_rate_chart(slide, box, [safe_label(o) for o in offers], series, None)]


def add_practice_rates(slide, box, practices: pd.DataFrame, cluster_rate: float | None):
    """Rate per practice with 95 % intervals and the cluster's rate as a dashed line."""
    notes = practices["note"] if "note" in practices else [""] * len(practices)
    labels = [safe_label(p if ok else f"{p} ({note or 'ikke beregnet'})")
              for p, ok, note in zip(practices["practice"], practices["is_rate_computed"], notes, strict=True)]
    values, plus, minus = _intervals(practices)
    if is_banded(practices):  # strict mode: whole-number rates, no intervals
        return [_rate_chart(slide, box, labels, [("Praksis", values, plus, minus)], cluster_rate, RATE_WHOLE,
                            intervals=False)]
    return [_rate_chart(slide, box, labels, [("Praksis", values, plus, minus)], cluster_rate)]


def add_funnel(slide, box, practices: pd.DataFrame, fit: FunnelFit):
    """XY scatter: practices' rates against listed patients, the cluster's (unrounded) rate and
    the 95 % and 99.8 % limits as line series (overdispersion-adjusted when the offer is
    overdispersed, and named so); practices in series by the table's flags."""
    left, top, width, height = box
    shown = practices[practices["is_rate_computed"].astype(bool)]
    positions = funnel_markers(shown, fit)
    banded = is_banded(practices)
    point_format = RATE_WHOLE if banded else RATE
    shown = shown.assign(listed_patients=funnel_positions(shown))
    low_x, high_x, grid = funnel_grid(shown["listed_patients"].to_numpy(), 40)
    grid = np.union1d(grid, shown["listed_patients"].to_numpy(float))  # the limits exactly where points are
    limits = fit.limits(grid)
    prefix = "adjusted_" if fit.is_adjusted else ""
    data = XyChartData()
    lines = []  # (series name, colour, dash, hide in legend)
    for level, colour, dash in ((0.95, palette.LIMIT_95, MSO_LINE_DASH_STYLE.DASH),
                                (0.998, palette.LIMIT_998, MSO_LINE_DASH_STYLE.ROUND_DOT)):
        name = limit_label(level, fit)
        part = limits[limits["level"] == level]
        for side, column in (("", f"{prefix}high_per_1000"), (" (nedre)", f"{prefix}low_per_1000")):
            series = data.add_series(safe_label(f"{name}{side}"), number_format=RATE)
            for x, y in zip(part["listed_patients"], part[column], strict=True):
                series.add_data_point(float(x), float(y))
            lines.append((f"{name}{side}", colour, dash, bool(side)))
    cluster_rate = fit.cluster_rate
    centre = data.add_series(safe_label(f"Klyngen samlet ({_dk(cluster_rate)})"), number_format=RATE)
    centre.add_data_point(low_x, cluster_rate)
    centre.add_data_point(high_x, cluster_rate)
    lines.append(("centre", palette.REFERENCE, None, False))
    groups = {"Inden for grænserne": [], "Uden for 95 %": [], "Uden for 99,8 %": []}
    for row, position in zip(shown.itertuples(), positions, strict=True):
        key = "Uden for 99,8 %" if position.endswith("99,8 %") else ("Uden for 95 %" if position else
                                                                   "Inden for grænserne")
        groups[key].append(row)
    markers = {"Inden for grænserne": (XL_MARKER_STYLE.CIRCLE, palette.PRIMARY),
               "Uden for 95 %": (XL_MARKER_STYLE.SQUARE, palette.SECONDARY),
               "Uden for 99,8 %": (XL_MARKER_STYLE.DIAMOND, palette.OUTLIER)}
    point_groups = [(name, rows) for name, rows in groups.items() if rows]
    for name, rows in point_groups:
        series = data.add_series(safe_label(name), number_format=point_format)
        for row in rows:
            series.add_data_point(float(row.listed_patients), float(row.rate_per_1000))
    frame = slide.shapes.add_chart(XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS, left, top, width, height, data)
    chart = frame.chart
    _style(chart, legend=True)
    plot_series = list(chart.plots[0].series)
    for series, (_, colour, dash, _) in zip(plot_series, lines, strict=False):
        _line(series.format, colour, 1.5, dash)
        series.marker.style = XL_MARKER_STYLE.NONE
        series.smooth = False
    for series, (name, rows) in zip(plot_series[len(lines):], point_groups, strict=True):
        style, colour = markers[name]
        series.format.line.fill.background()
        series.marker.style = style
        series.marker.size = 9
        _fill(series.marker.format, colour)
        series.marker.format.line.color.rgb = rgb(palette.BACKGROUND)
        labels = point_labels(pd.DataFrame(rows))
        for point, label in zip(series.points, labels, strict=True):
            if not label:  # drawn where another point is: its letter is in that point's label
                _hide_label(point)
                continue
            point.data_label.text_frame.text = label
            point.data_label.position = XL_LABEL_POSITION.RIGHT
            point.data_label.font.size = Pt(FONT_PT - 2)
    _drop_legend_entries(chart, [i for i, line in enumerate(lines) if line[3]])
    x_axis, y_axis = chart.category_axis, chart.value_axis
    x_max, x_step = nice_axis(high_x)
    x_axis.minimum_scale = float(np.floor(low_x / x_step) * x_step)
    x_axis.maximum_scale, x_axis.major_unit = x_max, x_step
    x_axis.tick_labels.number_format = COUNT
    x_axis.tick_labels.number_format_is_linked = False
    x_axis.has_title = True
    x_axis.axis_title.text_frame.text = funnel_axis_title(practices)
    x_axis.axis_title.text_frame.paragraphs[0].font.size = Pt(FONT_PT - 1)
    top_y = max(float(limits[f"{prefix}high_per_1000"].max()),
                float(shown["rate_per_1000"].max()) if len(shown) else 0)
    y_axis.minimum_scale = 0
    y_axis.maximum_scale, y_axis.major_unit = nice_axis(top_y)
    y_axis.tick_labels.number_format = RATE
    y_axis.tick_labels.number_format_is_linked = False
    _gridlines(y_axis)
    return [frame]
