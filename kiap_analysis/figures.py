"""Rendering chart functions to PNG bytes, once, for both the deck and the report.

Figures are made with ``matplotlib.figure.Figure`` (not pyplot), so a notebook's inline
backend never draws them a second time.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .charts import STYLE

DPI = 150


@dataclass(frozen=True)
class RenderedFigure:
    png: bytes
    alt: str
    width_px: int
    height_px: int

    @property
    def aspect(self) -> float:
        return self.width_px / self.height_px


def render(draw: Callable[..., object], alt: str, size: tuple[float, float] = (11.0, 5.0),
           panels: int = 1) -> RenderedFigure:
    """Draw into a fresh figure and return it as PNG (trimmed to its content).

    ``draw`` gets one Axes, or a list of ``panels`` Axes side by side.
    """
    with plt.rc_context(STYLE):
        figure = Figure(figsize=size, dpi=DPI)
        FigureCanvasAgg(figure)
        axes = [figure.add_subplot(1, panels, i + 1) for i in range(panels)]
        draw(axes[0] if panels == 1 else axes)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.15,
                       metadata={"Software": None})
    data = buffer.getvalue()
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    return RenderedFigure(data, alt, width, height)
