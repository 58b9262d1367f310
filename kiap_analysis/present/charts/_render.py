"""Drawing charts: a block's charts as one PNG for the report, or one chart on an Axes.

The report's figures are made with ``matplotlib.figure.Figure`` (not pyplot), so a notebook's
inline backend never draws them a second time. Margins are measured from the tick labels,
axis labels and legends with the font's metrics before the one and only drawing pass
(constrained layout or ``bbox_inches="tight"`` would draw every figure twice).
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

from kiap_analysis.present.charts._style import SIDE_PANEL, SIDE_PANEL_LABEL, STYLE
from kiap_analysis.present.charts.registry import Chart, alt_text, get

DPI = 110
PAD_IN = 0.12  # around the figure's edge
_TEXT = TextToPath()


@dataclass(frozen=True)
class RenderedFigure:
    png: bytes = field(repr=False)
    alt: str
    width_px: int
    height_px: int

    @property
    def aspect(self) -> float:
        return self.width_px / self.height_px


def _text_size_in(text: str, size: float, rotation: float = 0.0) -> tuple[float, float]:
    """(width, height) in inches of a single- or multi-line text, after rotation."""
    if not text:
        return 0.0, 0.0
    lines = text.split("\n")
    props = FontProperties(family=STYLE["font.family"], size=size)
    width = max(_TEXT.get_text_width_height_descent(line, props, ismath=False)[0] for line in lines) / 72
    height = len(lines) * size * 1.25 / 72
    angle = math.radians(rotation)
    return (abs(width * math.cos(angle)) + abs(height * math.sin(angle)),
            abs(width * math.sin(angle)) + abs(height * math.cos(angle)))


def _tick_texts(axis) -> list[tuple[str, float, float]]:
    """(label, font size, rotation) of an axis's tick labels, formatted without drawing."""
    labels = axis.get_ticklabels()
    if labels and any(t.get_text() for t in labels):
        return [(t.get_text(), t.get_fontsize(), t.get_rotation()) for t in labels]
    locations = [v for v in axis.get_major_locator()() if _inside(axis, v)]
    size = plt.rcParams["xtick.labelsize" if axis.axis_name == "x" else "ytick.labelsize"]
    texts = axis.get_major_formatter().format_ticks(locations) if locations else []
    return [(t, size, 0.0) for t in texts]


def _inside(axis, value: float) -> bool:
    low, high = sorted(axis.get_view_interval())
    return low - 1e-9 <= value <= high + 1e-9


def _needs(ax: Axes) -> dict[str, float]:
    """Inches each side of an axes needs for its labels, legend and attached panels."""
    label_size = plt.rcParams["font.size"]
    left = max((_text_size_in(t, s, r)[0] for t, s, r in _tick_texts(ax.yaxis)), default=0.0) + 0.12
    if ax.get_ylabel():
        left += _text_size_in(ax.get_ylabel(), label_size)[1] + 0.08
    bottom = max((_text_size_in(t, s, r)[1] for t, s, r in _tick_texts(ax.xaxis)), default=0.0) + 0.12
    if ax.get_xlabel():
        bottom += _text_size_in(ax.get_xlabel(), label_size)[1] + 0.08
    top, right = 0.05, 0.05
    legend = ax.get_legend()
    if legend is not None and legend.get_bbox_to_anchor().y0 >= ax.bbox.y1 - 1:  # a legend above the axes
        texts = [t.get_text() for t in legend.get_texts()]
        columns = max(1, getattr(legend, "_ncols", 1))
        rows = math.ceil(len(texts) / columns)
        top += rows * legend.get_texts()[0].get_fontsize() * 1.6 / 72 + 0.1
    for child in ax.child_axes:  # a panel right of the chart (a Likert chart's 'Ved ikke')
        if child.get_label() != SIDE_PANEL_LABEL:
            continue
        x0, _, panel_width, _ = SIDE_PANEL
        share = x0 + panel_width - 1.0  # of the axes' width, which is not known yet: assume 75 %
        extra = share * 0.75 * ax.figure.get_figwidth()
        right = max(right, extra + 0.45)  # its value labels sit right of the bars
        label = child.get_xlabel()
        if label:
            bottom = max(bottom, _text_size_in(label, label_size)[1] + 0.2)
    return {"left": left, "right": right, "top": top, "bottom": bottom}


def _fit(figure: Figure, axes: list[Axes]) -> None:
    """Place the axes so that every label fits, measured without drawing."""
    width, height = figure.get_figwidth(), figure.get_figheight()
    needs = [_needs(ax) for ax in axes]
    left = needs[0]["left"] + PAD_IN
    right = needs[-1]["right"] + PAD_IN
    top = max(n["top"] for n in needs) + PAD_IN
    bottom = max(n["bottom"] for n in needs) + PAD_IN
    gap = max((needs[i]["right"] + needs[i + 1]["left"] for i in range(len(axes) - 1)), default=0.0) + 0.3
    panel = (width - left - right - gap * (len(axes) - 1)) / len(axes)
    figure.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                           bottom=bottom / height, wspace=gap / panel if len(axes) > 1 else 0.2)


def render(draw: Callable[[list[Axes]], object], alt: str, size: tuple[float, float] = (11.0, 5.0),
           panels: int = 1) -> RenderedFigure:
    """Draw into a fresh figure and return it as PNG: ``draw`` gets ``panels`` Axes side by side."""
    with plt.rc_context(STYLE):
        figure = Figure(figsize=size, dpi=DPI)
        FigureCanvasAgg(figure)
        axes = [figure.add_subplot(1, panels, i + 1) for i in range(panels)]
        draw(axes)
        _fit(figure, axes)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None},
                       pil_kwargs={"compress_level": 1})
    data = buffer.getvalue()
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    return RenderedFigure(data, alt, width, height)


def figure(charts: Sequence[Chart]) -> RenderedFigure:
    """A block's picture: its charts side by side at their kinds' sizes, with the block's alt text."""
    kinds = [get(chart.kind) for chart in charts]
    sizes = [kind.figure_size(chart) for kind, chart in zip(kinds, charts, strict=True)]

    def draw(axes: list[Axes]) -> None:
        for kind, chart, ax in zip(kinds, charts, axes, strict=True):
            kind.draw(chart, ax=ax)

    return render(draw, alt_text(charts), (sum(w for w, _ in sizes), max(h for _, h in sizes)), len(charts))


def draw(chart: Chart, ax: Axes | None = None) -> Axes:
    """One chart in the report's style; without ``ax`` on a pyplot figure of its kind's size
    (shown inline in a notebook). Returns the Axes."""
    kind = get(chart.kind)
    with plt.rc_context(STYLE):
        if ax is None:
            _, ax = plt.subplots(figsize=kind.figure_size(chart))
        return kind.draw(chart, ax=ax)


def notebook_backend() -> None:
    """Give charts back to the notebook: importing this module selects Agg for the report's
    PNGs, which would stop a Jupyter kernel (it sets $MPLBACKEND) from showing pyplot figures
    inline. Any other backend the analyst chose is left alone."""
    wanted = os.environ.get("MPLBACKEND", "")
    if "inline" not in wanted or matplotlib.get_backend().lower() != "agg":
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        shell.enable_matplotlib("inline")  # the backend and the hook that shows figures after each cell
    else:
        plt.switch_backend(wanted)
