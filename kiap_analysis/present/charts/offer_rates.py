"""The cluster's referral rate per offer (``offer_rates``), per round for follow-ups, with 95 % intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from kiap_analysis.core import formatting as fmt
from kiap_analysis.present import palette
from kiap_analysis.present.charts import _native as native
from kiap_analysis.present.charts._style import axes, ticks, wrap_labels
from kiap_analysis.present.charts.registry import Chart, ChartKind, extremes, names_da, register, this_round
from kiap_analysis.privacy.suppression import spreadsheet_safe as safe_label

NAME = "offer_rates"


def prepare(overview: pd.DataFrame, *, key: str) -> Chart:
    """``overview``: the cluster's rows of the rate table (offer, rate_per_1000, ci_low, ci_high,
    is_rate_computed), a follow-up's with a ``round`` column."""
    return Chart(NAME, overview, key=key)


def _rounds(rates: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(rates["round"])) if "round" in rates else [""]


def draw(chart: Chart, ax: Axes | None = None) -> Axes:
    ax = axes(ax)
    rates = chart.data
    offers = list(dict.fromkeys(rates["offer"]))
    rounds = _rounds(rates)
    width = 0.8 / len(rounds)
    x = np.arange(len(offers))
    top = 0.0
    for i, rnd in enumerate(rounds):
        part = (rates[rates["round"] == rnd] if rnd else rates).set_index("offer").reindex(offers)
        value = part["rate_per_1000"].to_numpy(float)
        ok = np.isfinite(value)
        offset = -0.4 + width * (i + 0.5)
        colour = (palette.PRIMARY, palette.SECONDARY)[i % 2]
        ax.bar(x[ok] + offset, value[ok], width=width * 0.92, color=colour, label=rnd or None)
        low, high = part["ci_low"].to_numpy(float), part["ci_high"].to_numpy(float)
        ax.errorbar(x[ok] + offset, value[ok], yerr=[value[ok] - low[ok], high[ok] - value[ok]],
                    fmt="none", ecolor=palette.TEXT, elinewidth=1, capsize=3)
        for xi, v in zip(x[ok] + offset, value[ok], strict=True):
            ax.text(xi, v, fmt.rate(v), ha="center", va="bottom", fontsize=11,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1, "alpha": 0.8})
        if ok.any():
            top = max(top, float(np.nanmax(high[ok])))
    ax.set_xticks(x, wrap_labels(offers))
    ax.set_ylim(0, top * 1.15 if top > 0 else 1.0)
    ax.yaxis.set_major_formatter(ticks())
    ax.set_ylabel("Henvisninger pr. 1.000 tilmeldte patienter")
    ax.grid(axis="y", color=palette.GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    if rounds != [""]:
        ax.legend(loc="upper right")
    return ax


def add_native(slide, box, chart: Chart) -> list:
    overview = chart.data
    offers = list(dict.fromkeys(overview["offer"]))
    series = []
    for rnd in _rounds(overview):
        part = (overview[overview["round"] == rnd] if rnd else overview).set_index("offer").reindex(offers)
        series.append((rnd or "Klyngen samlet", *native.intervals(part.reset_index())))
    return [native.rate_chart(slide, box, [safe_label(o) for o in offers], series, None)]


def figure_size(chart: Chart) -> tuple[float, float]:
    return 10.0, 4.4


def alt_text(chart: Chart) -> str:
    parts = ", ".join(f"{r.offer} {fmt.rate(r.rate_per_1000)}" for r in this_round(chart.data).itertuples())
    return f"Søjlediagram: henvisninger pr. 1.000 tilmeldte patienter for klyngen: {parts}"


def caption(chart: Chart) -> str:
    return "Lodrette streger: 95 %-konfidensinterval."


def notes(chart: Chart) -> list[str]:
    """'Klyngen henviser mest til KOL (8,1 pr. 1.000 tilmeldte patienter), mindst til Diabetes (2,0).'"""
    rows = this_round(chart.data)
    rows = rows[rows["is_rate_computed"].astype(bool)]
    found = extremes({str(o): round(float(r), 1) for o, r in zip(rows["offer"], rows["rate_per_1000"], strict=True)})
    if found is None:
        return []
    top, top_rate, bottom, bottom_rate = found
    text = f"Klyngen henviser mest til {names_da(top)} ({fmt.rate(top_rate)} pr. 1.000 tilmeldte patienter)"
    if bottom_rate < top_rate:
        text += f", mindst til {names_da(bottom)} ({fmt.rate(bottom_rate)})"
    return [text + "."]


KIND = register(ChartKind(NAME, prepare, draw, figure_size, alt_text, add_native, caption, notes=notes))
