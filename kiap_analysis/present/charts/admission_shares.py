"""The admissions package's share charts (``admission_shares``): horizontal bars of one value
per category, for place of origin and age group x focus area (shares of all admissions),
short admissions by weekday and 30-day readmissions (shares of each row's admissions).

The data (from stats.admissions after suppress_counts): ``category``, ``admissions_shown``
(the count behind the bar, '<5' when small) and ``pct`` (0-100, NaN when hidden)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Emu

from kiap_analysis.core import formatting as fmt
from kiap_analysis.present import palette
from kiap_analysis.present.charts import _native as native
from kiap_analysis.present.charts._style import axes
from kiap_analysis.present.charts.registry import Chart, ChartKind, register
from kiap_analysis.privacy.suppression import spreadsheet_safe as safe_label

NAME = "admission_shares"


def prepare(table: pd.DataFrame, *, key: str, label: str) -> Chart:
    """``label``: what the share is of ('andel af alle indlæggelser', 'andel korte indlæggelser')."""
    return Chart(NAME, table, key=key, label=label)


def draw(chart: Chart, ax: Axes | None = None) -> Axes:
    ax = axes(ax)
    data = chart.data
    y = np.arange(len(data))[::-1]
    values = data["pct"].to_numpy(float)
    ok = np.isfinite(values)
    ax.barh(y[ok], values[ok], color=palette.PRIMARY, height=0.7)
    for yi, v, shown in zip(y, values, data["admissions_shown"], strict=True):
        text = f"{fmt.percent(v)} (n = {shown})" if np.isfinite(v) else f"n = {shown}"
        ax.text((v if np.isfinite(v) else 0) + 1, yi, text, va="center", fontsize=10, color=palette.TEXT)
    ax.set_yticks(y, list(data["category"]))
    ax.set_xlim(0, max(100.0, float(np.nanmax(values)) * 1.25 if ok.any() else 100.0))
    ax.set_xlabel(f"Procent ({chart.label})")
    ax.grid(axis="x", color=palette.GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    return ax


def add_native(slide, box, chart: Chart) -> list:
    data = chart.data
    chart_data = CategoryChartData(number_format='[$-406]0" %"')
    chart_data.categories = [safe_label(c) for c in data["category"]]
    chart_data.add_series(chart.label, [float(v) if np.isfinite(v) else None for v in data["pct"].to_numpy(float)])
    left, top, width, height = box
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, Emu(left), Emu(top), Emu(width), Emu(height),
                                   chart_data)
    native.style_chart(frame.chart)
    plot = frame.chart.plots[0]
    native.fill(plot.series[0].format, palette.PRIMARY)
    native.series_labels(plot.series[0], '[$-406]0" %"', palette.TEXT)
    frame.chart.category_axis.reverse_order = True
    return [frame]


def figure_size(chart: Chart) -> tuple[float, float]:
    return 10.0, max(2.5, 0.45 * len(chart.data) + 1.2)


def alt_text(chart: Chart) -> str:
    parts = ", ".join(f"{r.category} {fmt.percent(r.pct) if np.isfinite(r.pct) else 'skjult'} (n = "
                      f"{r.admissions_shown})" for r in chart.data.itertuples())
    return f"Liggende søjler, {chart.label}: {parts}"


def caption(chart: Chart) -> str:
    return "Felter med 1-4 indlæggelser vises som <5, og deres andel skjules."


KIND = register(ChartKind(NAME, prepare, draw, figure_size, alt_text, add_native, caption))
