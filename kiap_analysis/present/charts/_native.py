"""What every native PowerPoint chart of a chart kind shares (python-pptx), and the layout of a
block's charts side by side on a slide.

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
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from kiap_analysis.core.formatting import rate
from kiap_analysis.present import palette
from kiap_analysis.present.charts.registry import Box, Chart, get
from kiap_analysis.privacy.suppression import spreadsheet_safe as safe_label

PCT = '[$-406]0" %";[$-406]0" %";[$-406]0" %"'  # absolute percent, no decimals
RATE = "[$-406]#,##0.0"
RATE_WHOLE = "[$-406]#,##0"  # strict mode's practice rates
COUNT = "[$-406]#,##0"
FONT_PT = 12
GAP = Inches(0.3)  # between charts side by side


def add_charts(slide, box: Box, charts: Sequence[Chart]) -> list | None:
    """A block's native charts side by side in ``box``; their graphic frames in order, or None
    when a kind has no native chart (the deck then shows the block's picture)."""
    kinds = [get(chart.kind) for chart in charts]
    if any(kind.add_native is None for kind in kinds):
        return None
    left, top, width, height = box
    slot = int((width - GAP * (len(charts) - 1)) / len(charts)) if len(charts) > 1 else width
    frames = []
    for i, (kind, chart) in enumerate(zip(kinds, charts, strict=True)):
        frames += kind.add_native(slide, (left + i * (slot + GAP), top, slot, height), chart)
    return frames


def rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#"))


def style_chart(chart, legend: bool = False) -> None:
    """Fonts, colours, the legend, the Danish locale; no automatic title (PowerPoint and
    LibreOffice would put a one-series chart's name above it: 'Andel', 'Klyngen samlet')."""
    chart.has_title = False
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


def plot_layout(chart, x: float, y: float, w: float, h: float) -> None:
    """The plot area's inner rectangle as fractions of the chart (a manual layout), so charts
    side by side put their rows at the same heights."""
    plot_area = chart._chartSpace.find(".//" + qn("c:plotArea"))
    layout = plot_area.find(qn("c:layout"))
    if layout is None:
        layout = etree.Element(qn("c:layout"))
        plot_area.insert(0, layout)
    for child in list(layout):
        layout.remove(child)
    manual = etree.SubElement(layout, qn("c:manualLayout"))
    etree.SubElement(manual, qn("c:layoutTarget"), val="inner")
    etree.SubElement(manual, qn("c:xMode"), val="edge")
    etree.SubElement(manual, qn("c:yMode"), val="edge")
    for tag, value in (("c:x", x), ("c:y", y), ("c:w", w), ("c:h", h)):
        etree.SubElement(manual, qn(tag), val=f"{value:.4f}")


def gridlines(axis) -> None:
    axis.has_major_gridlines = True
    line = axis.major_gridlines.format.line
    line.color.rgb = rgb(palette.GRID)
    line.width = Pt(0.5)


def fill(fmt, colour: str) -> None:
    fmt.fill.solid()
    fmt.fill.fore_color.rgb = rgb(colour)


def stroke(fmt, colour: str, width: float = 1.5, dash=None) -> None:
    fmt.line.color.rgb = rgb(colour)
    fmt.line.width = Pt(width)
    if dash is not None:
        fmt.line.dash_style = dash


def hide_label(point) -> None:
    """No data label on this point (python-pptx cannot delete a single label)."""
    dlbl = point.data_label._get_or_add_dLbl()
    for child in list(dlbl):
        if child.tag != qn("c:idx"):
            dlbl.remove(child)
    etree.SubElement(dlbl, qn("c:delete"), val="1")


def series_labels(series, number_format: str, colour: str, position=None) -> None:
    """Value labels on a series (a series-level dLbls hides values unless told otherwise)."""
    labels = series.data_labels
    labels.show_value = True
    labels.number_format = number_format
    labels.number_format_is_linked = False
    if position is not None:
        labels.position = position
    labels.font.size = Pt(FONT_PT - 1)
    labels.font.color.rgb = rgb(colour)


def no_invert(point) -> None:
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
    solid = etree.SubElement(line, qn("a:solidFill"))
    etree.SubElement(solid, qn("a:srgbClr"), val=palette.TEXT.lstrip("#"))
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
    solid = etree.SubElement(line, qn("a:solidFill"))
    etree.SubElement(solid, qn("a:srgbClr"), val=colour.lstrip("#"))
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


def drop_legend_entries(chart, indices: Sequence[int]) -> None:
    legend = chart._chartSpace.find(".//" + qn("c:legend"))
    if legend is None:
        return
    for idx in indices:
        entry = etree.Element(qn("c:legendEntry"))
        etree.SubElement(entry, qn("c:idx"), val=str(idx))
        etree.SubElement(entry, qn("c:delete"), val="1")
        legend.find(qn("c:legendPos")).addnext(entry)


def rate_chart(slide, box, categories, series: list[tuple[str, list, list, list]], reference: float | None,
                number_format: str = RATE, intervals: bool = True):
    """Columns with custom error bars (``intervals``), and optionally a dashed reference line."""
    left, top, width, height = box
    data = CategoryChartData(number_format=number_format)
    data.categories = categories
    for name, values, _, _ in series:
        data.add_series(safe_label(name), values)
    if reference is not None:
        data.add_series(safe_label(f"Klyngen samlet ({rate(reference)} pr. 1.000)"), [reference] * len(categories))
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
        fill(chart_series.format, colours[i % 2])
        series_labels(chart_series, number_format, palette.text_on(colours[i % 2]), XL_LABEL_POSITION.INSIDE_BASE)
    bar_chart = chart._chartSpace.find(".//" + qn("c:barChart"))
    elements = _series_elements(bar_chart)
    helpers = elements[len(series) + (reference is not None):]
    for i in range(len(series) if intervals else 0):
        _error_bars(elements[i], helpers[2 * i], helpers[2 * i + 1])
    if reference is not None:
        _as_line(bar_chart, elements[len(series)], palette.REFERENCE)
    style_chart(chart, legend=True)
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
    gridlines(chart.value_axis)
    return frame


def nice_axis(top: float, ticks: int = 5) -> tuple[float, float]:
    """(maximum, major unit) for an axis from 0 that shows ``top``: steps of 1, 2, 2.5 or 5 x 10^k."""
    if top <= 0:
        return 1.0, 0.2
    raw = top * 1.05 / ticks
    power = 10 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return round(float(np.ceil(top * 1.05 / step) * step), 10), round(float(step), 10)


def _has_rate(row) -> bool:
    """A row with a rate to draw: not hidden, not missing (an offer absent from one round
    reindexes to NaN, and a NaN in a chart's workbook stops python-pptx's writer)."""
    flag = row.is_rate_computed
    if not isinstance(flag, bool | np.bool_) or not flag:
        return False
    return math.isfinite(float(row.rate_per_1000))


def intervals(rows: pd.DataFrame) -> tuple[list, list, list]:
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


