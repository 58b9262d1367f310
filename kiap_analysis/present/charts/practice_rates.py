"""Referrals per 1,000 listed patients per (pseudonymised) practice (``practice_rates``), with 95 %
intervals and the cluster's rate as a dashed line. Practices without a rate say why ('<5').

Strict disclosure: whole-number rates and no intervals (docs/privacy.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from kiap_analysis.core import formatting as fmt
from kiap_analysis.core.config import settings
from kiap_analysis.present import palette
from kiap_analysis.present.charts import _native as native
from kiap_analysis.present.charts._style import axes, ticks
from kiap_analysis.present.charts.registry import Chart, ChartKind, extremes, names_da, register
from kiap_analysis.privacy.suppression import spreadsheet_safe as safe_label
from kiap_analysis.stats.disclosure import is_banded

NAME = "practice_rates"
BARS = ("Søjler: stiplet linje er klyngen samlet, lodrette streger 95 %-konfidensinterval; under 5 henvisninger "
        "vises som <5.")
STRICT_BARS = ("Søjler: stiplet linje er klyngen samlet; praksis' rater er afrundet til hele tal og vises uden "
               "antal og konfidensinterval (streng fortrolighed); under 5 henvisninger vises som <5.")


def prepare(practices: pd.DataFrame, *, offer: str, cluster_rate: float | None, strict: bool, key: str) -> Chart:
    """``practices``: one offer's practice rows (practice, rate_per_1000, ci_low, ci_high,
    is_rate_computed, note: why a practice has no rate)."""
    return Chart(NAME, practices, key=key, offer=offer, cluster_rate=cluster_rate, strict=strict)


def draw(chart: Chart, ax: Axes | None = None) -> Axes:
    ax = axes(ax)
    rates = chart.data.reset_index(drop=True)
    cluster_rate = chart.cluster_rate
    x = np.arange(len(rates))
    computed = rates["is_rate_computed"].astype(bool).to_numpy()
    heights = np.where(computed, rates["rate_per_1000"].fillna(0.0).to_numpy(float), 0.0)
    ax.bar(x[computed], heights[computed], color=palette.PRIMARY, width=0.7)
    low = rates["ci_low"].to_numpy(float)
    high = rates["ci_high"].to_numpy(float)
    bars = computed & np.isfinite(low) & np.isfinite(high)  # strict mode publishes no intervals
    if bars.any():
        ax.errorbar(x[bars], heights[bars], yerr=[heights[bars] - low[bars], high[bars] - heights[bars]],
                    fmt="none", ecolor=palette.TEXT, elinewidth=1, capsize=3)
    tops = [*heights[computed], *high[bars]]
    top = float(max(tops)) if tops else 1.0
    notes = rates["note"] if "note" in rates else pd.Series(["ikke beregnet"] * len(rates))
    for xi, ok, note in zip(x, computed, notes, strict=True):
        if not ok:
            ax.text(xi, top * 0.02, (note or "ikke beregnet").replace(" ", "\n"), ha="center", va="bottom",
                    fontsize=10, color=palette.MUTED_TEXT)
    if cluster_rate is not None and np.isfinite(cluster_rate):
        ax.axhline(cluster_rate, color=palette.REFERENCE, linestyle="--", linewidth=1.5,
                   label=f"Klyngen samlet: {fmt.rate(cluster_rate)} pr. 1.000")
        ax.legend(loc="upper right")
    ax.set_xticks(x, rates["practice"].tolist(), rotation=0 if len(rates) <= 12 else 45)
    ax.set_ylim(0, top * 1.15 if top > 0 else 1.0)
    ax.yaxis.set_major_formatter(ticks())
    ax.set_ylabel("Henvisninger pr. 1.000 tilmeldte patienter")
    ax.grid(axis="y", color=palette.GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    return ax


def add_native(slide, box, chart: Chart) -> list:
    practices = chart.data
    notes = practices["note"] if "note" in practices else [""] * len(practices)
    labels = [safe_label(p if ok else f"{p} ({note or 'ikke beregnet'})")
              for p, ok, note in zip(practices["practice"], practices["is_rate_computed"], notes, strict=True)]
    series = [("Praksis", *native.intervals(practices))]
    if is_banded(practices):  # strict mode: whole-number rates, no intervals
        return [native.rate_chart(slide, box, labels, series, chart.cluster_rate, native.RATE_WHOLE,
                                  intervals=False)]
    return [native.rate_chart(slide, box, labels, series, chart.cluster_rate)]


def figure_size(chart: Chart) -> tuple[float, float]:
    return 7.0, 5.2


def alt_text(chart: Chart) -> str:
    decimals = settings().strict_rate_decimals if chart.strict else settings().rate_decimals
    rates = ", ".join(f"{r.practice} {r.note or fmt.number(r.rate_per_1000, decimals)}"
                      for r in chart.data.itertuples())
    return (f"Søjlediagram for {chart.offer}: henvisninger pr. 1.000 tilmeldte patienter pr. praksis: {rates}. "
            f"Klyngen samlet: {fmt.rate(chart.cluster_rate or float('nan'))}.")


def caption(chart: Chart) -> str:
    return STRICT_BARS if chart.strict else BARS


def notes(chart: Chart) -> list[str]:
    """The highest and the lowest rate shown (hidden and uncomputed rates are not used), with
    the cluster's rate; the funnel's notes say whether the difference is more than chance."""
    decimals = settings().strict_rate_decimals if chart.strict else settings().rate_decimals
    rows = chart.data
    shown = rows[rows["is_rate_computed"].astype(bool)]
    if "note" in shown:
        shown = shown[shown["note"].fillna("") == ""]
    found = extremes({str(p): round(float(r), decimals)
                      for p, r in zip(shown["practice"], shown["rate_per_1000"], strict=True)})
    if found is None:
        return []
    top, top_rate, bottom, bottom_rate = found
    if bottom_rate == top_rate:
        text = f"{chart.offer}: de viste praksis har samme rate ({fmt.number(top_rate, decimals)} pr. 1.000)"
    else:
        text = (f"Højest rate for {chart.offer}: {names_da(top)} ({fmt.number(top_rate, decimals)} pr. 1.000), "
                f"lavest: {names_da(bottom)} ({fmt.number(bottom_rate, decimals)})")
    if chart.cluster_rate is not None and np.isfinite(chart.cluster_rate):
        text += f"; klyngen samlet {fmt.rate(chart.cluster_rate)}"
    return [text + "."]


KIND = register(ChartKind(NAME, prepare, draw, figure_size, alt_text, add_native, caption, notes=notes))
