"""Admissions by weekday x hour band (``weekday_hour``): a heat map in the report, a native
PowerPoint table (one row per weekday, one column per band, shaded by count) in the deck.

The data: stats.admissions.weekday_hour after suppress_counts (weekday, band, band_hours,
admissions, admissions_shown): a cell of 1-4 shows '<5', and its shade is the lightest."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from pptx.util import Emu, Pt

from kiap_analysis.present import palette
from kiap_analysis.present.charts import _native as native
from kiap_analysis.present.charts._style import axes
from kiap_analysis.present.charts.registry import Chart, ChartKind, register

NAME = "weekday_hour"
_LIGHT, _DARK = (1.0, 1.0, 1.0), tuple(int(palette.PRIMARY[i:i + 2], 16) / 255 for i in (1, 3, 5))


def prepare(table: pd.DataFrame, *, key: str) -> Chart:
    return Chart(NAME, table, key=key, label="ugedag og tidspunkt")


def grid(chart: Chart) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """(weekdays, bands, counts as shaded, cell texts): a hidden count shades as 0."""
    data = chart.data
    days, bands = list(dict.fromkeys(data["weekday"])), list(dict.fromkeys(data["band"]))
    shown = data.set_index(["weekday", "band"])
    counts = np.array([[0 if bool(shown.loc[(d, b), "is_suppressed"]) else int(shown.loc[(d, b), "admissions"])
                        for b in bands] for d in days], dtype=float)
    texts = np.array([[str(shown.loc[(d, b), "admissions_shown"]) for b in bands] for d in days])
    return days, bands, counts, texts


def _shade(value: float, top: float) -> tuple[float, float, float]:
    share = value / top if top else 0.0
    return tuple(lo + (hi - lo) * share for lo, hi in zip(_LIGHT, _DARK, strict=True))  # type: ignore[return-value]


def draw(chart: Chart, ax: Axes | None = None) -> Axes:
    ax = axes(ax)
    days, bands, counts, texts = grid(chart)
    top = float(counts.max()) if counts.size else 0.0
    ax.imshow([[_shade(v, top) for v in row] for row in counts], aspect="auto")
    for i in range(len(days)):
        for j in range(len(bands)):
            dark = top and counts[i, j] / top > 0.55
            ax.text(j, i, texts[i, j], ha="center", va="center", fontsize=10,
                    color="white" if dark else palette.TEXT)
    ax.set_xticks(range(len(bands)), [f"kl. {b}" for b in bands], rotation=0 if len(bands) <= 6 else 45)
    ax.set_yticks(range(len(days)), days)
    ax.tick_params(length=0)
    for side in ax.spines.values():
        side.set_visible(False)
    return ax


def add_native(slide, box, chart: Chart) -> list:
    """A table: the weekdays down, the hour bands across, each cell's count and shade."""
    days, bands, counts, texts = grid(chart)
    left, top_, width, height = box
    shape = slide.shapes.add_table(len(days) + 1, len(bands) + 1, Emu(left), Emu(top_), Emu(width), Emu(height))
    table = shape.table
    top = float(counts.max()) if counts.size else 0.0

    def put(cell, text: str, colour: str | None, bold: bool = False, white: bool = False) -> None:
        cell.text = text
        for run in cell.text_frame.paragraphs[0].runs:
            run.font.size = Pt(12)
            run.font.bold = bold
            run.font.color.rgb = native.rgb("#FFFFFF" if white else palette.TEXT)
        cell.fill.solid()
        cell.fill.fore_color.rgb = native.rgb(colour or "#FFFFFF")

    put(table.cell(0, 0), "", None)
    for j, band in enumerate(bands):
        put(table.cell(0, j + 1), f"kl. {band}", None, bold=True)
    for i, day in enumerate(days):
        put(table.cell(i + 1, 0), day, None, bold=True)
        for j in range(len(bands)):
            r, g, b = _shade(counts[i, j], top)
            colour = f"#{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}"
            put(table.cell(i + 1, j + 1), texts[i, j], colour, white=bool(top and counts[i, j] / top > 0.55))
    return [shape]


def figure_size(chart: Chart) -> tuple[float, float]:
    return 10.0, 4.6


def alt_text(chart: Chart) -> str:
    days, bands, counts, texts = grid(chart)
    busiest = np.unravel_index(int(np.argmax(counts)), counts.shape) if counts.size else None
    parts = "; ".join(f"{d}: " + ", ".join(f"kl. {b} {texts[i, j]}" for j, b in enumerate(bands))
                      for i, d in enumerate(days))
    most = f" Flest kl. {bands[busiest[1]]} om {days[busiest[0]].lower()}." if busiest is not None else ""
    return f"Varmekort: indlæggelser efter ugedag og tidspunkt ({len(bands)} tidsrum).{most} {parts}"


def caption(chart: Chart) -> str:
    width = int(chart.data["band_hours"].iloc[0]) if len(chart.data) else 0
    return f"Tidsrum på {width} timer; felter med 1-4 indlæggelser vises som <5."


KIND = register(ChartKind(NAME, prepare, draw, figure_size, alt_text, add_native, caption))
