"""Charts in the seaborn style: ``plot_x(data, *, ax=None, ...) -> Axes``; never saved here.

Danish labels and number formats, one colour-blind-safe palette (``palette``). Input
tables are the ones written to tables/*.csv, optionally with a ``round`` column
(e.g. '2025' and '2026') for before/after charts of follow-up orders.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from kiap_analysis.core import formatting as fmt
from kiap_analysis.core.spec import Scale
from kiap_analysis.present import palette
from kiap_analysis.stats import funnel
from kiap_analysis.stats.disclosure import is_banded

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
MIN_LABEL_PCT = 7.0  # segments narrower than this get no label inside
DONT_KNOW_PANEL = (1.04, 0.0, 0.14, 1.0)  # the 'Ved ikke' panel, in axes coordinates
DONT_KNOW_LABEL = "dont_know_panel"


def _ticks() -> FuncFormatter:
    """Axis numbers in Danish with the decimals a tick needs: '10', '2,5', '0,25'."""
    def label(value: float, _pos) -> str:
        decimals = next((d for d in (0, 1, 2) if abs(round(value, d) - value) < 1e-9), 2)
        return fmt.number(value, decimals)
    return FuncFormatter(label)


def _axes(ax: Axes | None) -> Axes:
    return ax if ax is not None else plt.gca()


def _row_labels(table: pd.DataFrame) -> list[tuple[str, str]]:
    """(item, round) keys of a scale table in display order."""
    items = list(dict.fromkeys(table["item"]))
    rounds = list(dict.fromkeys(table["round"])) if "round" in table else [""]
    return [(item, rnd) for item in items for rnd in rounds]


def _label(item: str, rnd: str) -> str:
    if item and rnd:
        return f"{item} ({rnd})"
    return item or rnd or "Alle svar"


def plot_likert(table: pd.DataFrame, *, scale: Scale, ax: Axes | None = None) -> Axes:
    """Diverging stacked bars of a Likert scale; 'Ved ikke' in its own panel on the right.

    Negative levels extend left of 0, positive right, a middle level is split across 0.
    Percentages are of everyone who answered the item, 'Ved ikke' included.
    """
    ax = _axes(ax)
    colours = palette.diverging(len(scale.levels))
    if not scale.higher_is_better:
        colours = colours[::-1]
    keys = _row_labels(table)
    mid = len(scale.levels) / 2
    y = np.arange(len(keys))[::-1]
    for row, (item, rnd) in zip(y, keys, strict=True):
        part = table[(table["item"] == item) & ((table["round"] == rnd) if rnd else True)]
        pct = part.set_index("category")["pct"]
        values = [float(pct.get(level, 0.0)) for level in scale.levels]
        below = sum(values[: int(mid)]) + (values[int(mid)] / 2 if len(values) % 2 else 0.0)
        left = -below
        for value, colour in zip(values, colours, strict=True):
            ax.barh(row, value, left=left, color=colour, height=0.7, edgecolor="white", linewidth=0.6)
            if value >= MIN_LABEL_PCT:
                ax.text(left + value / 2, row, fmt.percent(value), ha="center", va="center",
                        fontsize=11, color=palette.text_on(colour))
            left += value
    ax.axvline(0, color=palette.TEXT, linewidth=0.8)
    ax.set_yticks(y, [_label(item, rnd) for item, rnd in keys])
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
    panel = ax.inset_axes(DONT_KNOW_PANEL, sharey=ax)
    panel.set_label(DONT_KNOW_LABEL)
    for row, (item, rnd) in zip(y, keys, strict=True):
        part = table[(table["item"] == item) & ((table["round"] == rnd) if rnd else True)]
        value = float(part.set_index("category")["pct"].get(label, 0.0))
        panel.barh(row, value, color=palette.DONT_KNOW, height=0.7)
        panel.text(value + 3, row, fmt.percent(value), va="center", fontsize=11)
    panel.set_xlim(0, 100)
    panel.set_xlabel(label)
    panel.tick_params(left=False, labelleft=False, bottom=False, labelbottom=False)
    for side in ("top", "right", "bottom"):
        panel.spines[side].set_visible(False)


def plot_choice_shares(table: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Horizontal bars: the share of respondents choosing each option (multi or single choice)."""
    ax = _axes(ax)
    categories = list(dict.fromkeys(table["category"]))
    rounds = list(dict.fromkeys(table["round"])) if "round" in table else [""]
    height = 0.8 / len(rounds)
    colours = [palette.PRIMARY, palette.SECONDARY][: len(rounds)] if len(rounds) <= 2 else None
    y = np.arange(len(categories))[::-1]
    for i, rnd in enumerate(rounds):
        part = table[table["round"] == rnd] if rnd else table
        pct = part.set_index("category")["pct"].reindex(categories).fillna(0.0)
        offset = (len(rounds) - 1) / 2 * height - i * height
        colour = colours[i] if colours else palette.PRIMARY
        bars = ax.barh(y + offset, pct.to_numpy(), height=height * 0.92, color=colour,
                       label=rnd or None)
        for bar, value in zip(bars, pct.to_numpy(), strict=True):
            ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, fmt.percent(value),
                    va="center", fontsize=11)
    ax.set_yticks(y, categories)
    ax.set_xlim(0, 110)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.percent(v) if v <= 100 else ""))
    ax.set_xlabel("Andel af respondenterne")
    ax.grid(axis="x", color=palette.GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    if rounds != [""]:
        ax.legend(loc="lower right")
    return ax


def plot_referral_rates(rates: pd.DataFrame, *, cluster_rate: float | None, ax: Axes | None = None) -> Axes:
    """Referrals per 1,000 listed patients per (pseudonymised) practice, with 95% intervals.

    ``rates``: practice, rate_per_1000, ci_low, ci_high, is_rate_computed. The cluster's
    overall rate is the dashed reference line. Practices without a rate say so.
    """
    ax = _axes(ax)
    rates = rates.reset_index(drop=True)
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
    ax.yaxis.set_major_formatter(_ticks())
    ax.set_ylabel("Henvisninger pr. 1.000 tilmeldte patienter")
    ax.grid(axis="y", color=palette.GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    return ax


def plot_offer_rates(rates: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """The cluster's rate per offer (optionally per round), with 95% intervals."""
    ax = _axes(ax)
    offers = list(dict.fromkeys(rates["offer"]))
    rounds = list(dict.fromkeys(rates["round"])) if "round" in rates else [""]
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
    ax.set_xticks(x, _wrap_labels(offers))
    ax.set_ylim(0, top * 1.15 if top > 0 else 1.0)
    ax.yaxis.set_major_formatter(_ticks())
    ax.set_ylabel("Henvisninger pr. 1.000 tilmeldte patienter")
    ax.grid(axis="y", color=palette.GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    if rounds != [""]:
        ax.legend(loc="upper right")
    return ax


def _wrap_labels(labels: Sequence[str], width: int = 16) -> list[str]:
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


def rounded_size(patients: float) -> float:
    """A practice's size to the nearest 100 on funnel plots: exact listed-patient counts are
    public and would tell which practice hides behind a letter."""
    return float(round(patients / 100.0) * 100)


def funnel_positions(rates: pd.DataFrame) -> pd.Series:
    """Where the funnel draws each practice: the table's ``funnel_x`` (the size to the nearest
    100, or strict mode's band position), else the size rounded here."""
    if "funnel_x" in rates:
        return rates["funnel_x"].astype(float)
    return rates["listed_patients"].astype(float).map(rounded_size)


def point_labels(points: pd.DataFrame) -> list[str]:
    """The letter of each funnel point; points drawn at the same place (strict mode's bands with
    the same whole-number rate) share one label, 'C, M', on the first of them ('' on the rest)."""
    seen: dict[tuple[float, float], int] = {}
    labels: list[str] = []
    for row in points.itertuples():
        letter = str(row.practice).removeprefix("Praksis ")
        place = (float(row.listed_patients), float(row.rate_per_1000))
        if place in seen:
            labels[seen[place]] += f", {letter}"
            labels.append("")
        else:
            seen[place] = len(labels)
            labels.append(letter)
    return labels


def funnel_axis_title(rates: pd.DataFrame) -> str:
    if is_banded(rates):
        bands = list(dict.fromkeys(b for b in rates["size_band"] if b))
        return "Tilmeldte patienter, i størrelsesgrupper: " + "; ".join(bands)
    return "Tilmeldte patienter"


def funnel_grid(patients: Sequence[float], points: int) -> tuple[float, float, np.ndarray]:
    """The x range of a funnel plot (from its practices' sizes) and the sizes its limits are drawn at."""
    low_x = max(100.0, float(min(patients)) * 0.6) if len(patients) else 500.0
    high_x = float(max(patients)) * 1.15 if len(patients) else 5000.0
    return low_x, high_x, np.linspace(low_x, high_x, points)


def funnel_markers(rates: pd.DataFrame, fit: funnel.FunnelFit) -> list[str]:
    """Per practice: its position against the limits drawn (the table's flags; adjusted limits
    when the offer is overdispersed), so markers and the tables never disagree."""
    column = "funnel_adjusted" if fit.is_adjusted else "funnel"
    if column in rates:
        return rates[column].fillna("").astype(str).tolist()
    found = []
    for row in rates.itertuples():
        expected = fit.expected(float(row.listed_patients))
        found.append(funnel.adjusted_position(int(row.referrals), expected, fit.spread.tau2) if fit.is_adjusted
                     else funnel.poisson_position(int(row.referrals), expected))
    return found


def limit_label(level: float, fit: funnel.FunnelFit) -> str:
    """'95 %-grænser' or '95 %-grænser (justeret)'."""
    return f"{funnel.level_label(level)}-grænser" + (" (justeret)" if fit.is_adjusted else "")


def plot_funnel(rates: pd.DataFrame, *, cluster_rate: float, ax: Axes | None = None,
                fit: funnel.FunnelFit | None = None) -> Axes:
    """Funnel plot: each practice's rate against its listed patients.

    The cluster's (unrounded) rate is the centre line; the 95 % and 99.8 % limits around it
    (Poisson, or overdispersion-adjusted when ``fit`` says the practices differ more than
    chance explains) show how far a practice of that size can lie from it by chance. Markers
    follow the table's flags. ``rates``: practice, referrals, listed_patients, rate_per_1000,
    is_rate_computed, optionally funnel / funnel_adjusted. Sizes are drawn rounded to 100.
    """
    ax = _axes(ax)
    fit = fit or funnel.FunnelFit("", cluster_rate, funnel.overdispersion([], []))
    shown = rates[rates["is_rate_computed"].astype(bool)].reset_index(drop=True)
    markers = funnel_markers(shown, fit)
    shown = shown.assign(listed_patients=funnel_positions(shown))
    low_x, high_x, grid = funnel_grid(shown["listed_patients"].to_numpy(), 60)
    grid = np.union1d(grid, shown["listed_patients"].to_numpy(float))  # the limits exactly where points are
    limits = fit.limits(grid)
    prefix = "adjusted_" if fit.is_adjusted else ""
    styles = {0.95: (palette.LIMIT_95, "--"), 0.998: (palette.LIMIT_998, ":")}
    for level, (colour, style) in styles.items():
        part = limits[limits["level"] == level]
        ax.plot(part["listed_patients"], part[f"{prefix}high_per_1000"], color=colour, linestyle=style,
                linewidth=1.2, label=limit_label(level, fit))
        ax.plot(part["listed_patients"], part[f"{prefix}low_per_1000"], color=colour, linestyle=style, linewidth=1.2)
    ax.axhline(fit.cluster_rate, color=palette.REFERENCE, linewidth=1.5,
               label=f"Klyngen samlet: {fmt.rate(fit.cluster_rate)}")
    labels = point_labels(shown)
    for row, position, label in zip(shown.itertuples(), markers, labels, strict=True):
        marker, colour, size = ("o", palette.PRIMARY, 60)
        if position.endswith("99,8 %"):
            marker, colour, size = ("D", palette.OUTLIER, 80)
        elif position:
            marker, colour, size = ("s", palette.SECONDARY, 70)
        ax.scatter(row.listed_patients, row.rate_per_1000, marker=marker, color=colour, s=size, zorder=3,
                   edgecolor="white", linewidth=0.8)
        ax.annotate(label, (row.listed_patients, row.rate_per_1000),
                    textcoords="offset points", xytext=(6, 4), fontsize=10)
    ax.scatter([], [], marker="s", color=palette.SECONDARY, label="Uden for 95 %")
    ax.scatter([], [], marker="D", color=palette.OUTLIER, label="Uden for 99,8 %")
    top = max(float(limits[f"{prefix}high_per_1000"].max()),
              float(shown["rate_per_1000"].max()) if len(shown) else 0.0)
    ax.set_ylim(0, top * 1.08 if top > 0 else 1.0)
    ax.set_xlim(low_x, high_x)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v)))
    ax.yaxis.set_major_formatter(_ticks())
    if is_banded(rates):  # strict mode: the x axis in size bands
        bands = shown.drop_duplicates("size_band").sort_values("listed_patients")
        ax.set_xticks(bands["listed_patients"].tolist(), bands["size_band"].tolist())
        ax.set_xlabel("Tilmeldte patienter, størrelsesgruppe")
    else:
        ax.set_xlabel(funnel_axis_title(rates))
    ax.set_ylabel("Henvisninger pr. 1.000 tilmeldte")
    ax.grid(color=palette.GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    ax.legend(loc="upper right", fontsize=10)
    return ax
