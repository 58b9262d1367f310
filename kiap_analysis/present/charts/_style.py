"""What every matplotlib drawing of a chart kind shares: the style, Danish tick labels, the Axes.

Danish labels and number formats, one colour-blind-safe palette (``palette``).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from kiap_analysis.core import formatting as fmt
from kiap_analysis.present import palette

STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "axes.edgecolor": palette.GRID,
    "axes.labelcolor": palette.TEXT,
    "axes.titlesize": 14,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": palette.TEXT,
    "ytick.color": palette.TEXT,
    "text.color": palette.TEXT,
    "legend.frameon": False,
    "figure.facecolor": palette.BACKGROUND,
    "axes.facecolor": palette.BACKGROUND,
    "svg.fonttype": "none",
}
MIN_LABEL_PCT = 7.0  # bar segments narrower than this get no label inside
SIDE_PANEL = (1.04, 0.0, 0.14, 1.0)  # a panel attached right of a chart, in axes coordinates
SIDE_PANEL_LABEL = "side_panel"  # its Axes label, so the renderer leaves room for it


def ticks() -> FuncFormatter:
    """Axis numbers in Danish with the decimals a tick needs: '10', '2,5', '0,25'."""
    def label(value: float, _pos) -> str:
        decimals = next((d for d in (0, 1, 2) if abs(round(value, d) - value) < 1e-9), 2)
        return fmt.number(value, decimals)
    return FuncFormatter(label)


def axes(ax: Axes | None) -> Axes:
    return ax if ax is not None else plt.gca()


def wrap_labels(labels: Sequence[str], width: int = 16) -> list[str]:
    wrapped = []
    for label in labels:
        words, lines, line = label.split(), [], ""
        for word in words:
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        lines.append(line)
        wrapped.append("\n".join(lines))
    return wrapped
