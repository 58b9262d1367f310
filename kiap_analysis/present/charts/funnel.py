"""Funnel plots (``funnel``): each practice's rate against its listed patients.

The cluster's (unrounded) rate is the centre line; the 95 % and 99.8 % limits around it
(Poisson, or overdispersion-adjusted when the offer's fit says the practices differ more than
chance explains) show how far a practice of that size can lie from it by chance. Markers
follow the table's flags. Sizes are drawn rounded to 100 (strict mode: at their band's
position). The report's drawing and the deck's XY scatter share one geometry (``geometry``):
the same points, limits and axis ranges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter
from pptx.chart.data import XyChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.util import Pt

from kiap_analysis.core import formatting as fmt
from kiap_analysis.present import palette
from kiap_analysis.present.charts import _native as native
from kiap_analysis.present.charts._style import axes, ticks
from kiap_analysis.present.charts.registry import Chart, ChartKind, names_da, register
from kiap_analysis.privacy.suppression import spreadsheet_safe as safe_label
from kiap_analysis.stats import funnel
from kiap_analysis.stats.disclosure import is_banded

NAME = "funnel"
GRID_POINTS = 60  # sizes the limits are drawn at, besides the practices' own
HOW_TO_READ = ("Tragten: hver prik er en praksis. Prikker uden for de stiplede grænser ligger længere fra "
               "klyngens niveau, end tilfældig variation forklarer ved praksis af den størrelse.")
STRICT = ("Praksis står i tragten i deres størrelsesgruppe (ved gruppens gennemsnitlige størrelse) med den "
          "afrundede rate, og markeringen gælder den placering.")
INSIDE, OUTSIDE_95, OUTSIDE_998 = "Inden for grænserne", "Uden for 95 %", "Uden for 99,8 %"


def prepare(practices: pd.DataFrame, fit: funnel.FunnelFit | None, *, strict: bool, key: str | None) -> Chart:
    """``practices``: one offer's practice rows (practice, referrals, listed_patients or
    funnel_x, rate_per_1000, is_rate_computed, optionally funnel / funnel_adjusted). Without
    ``fit`` (no cluster rate shown) the chart is an empty panel."""
    return Chart(NAME, practices, key=key, label="tragt", cluster_rate=fit.cluster_rate if fit else None,
                 funnel=fit, strict=strict)


# ------------------------------------------------------------------ the geometry both drawings use


def rounded_size(patients: float) -> float:
    """A practice's size to the nearest 100 on funnel plots: exact listed-patient counts are
    public and would tell which practice hides behind a letter."""
    return float(round(patients / 100.0) * 100)


def positions(rates: pd.DataFrame) -> pd.Series:
    """Where the funnel draws each practice: the table's ``funnel_x`` (the size to the nearest
    100, or strict mode's band position), else the size rounded here."""
    if "funnel_x" in rates:
        return rates["funnel_x"].astype(float)
    return rates["listed_patients"].astype(float).map(rounded_size)


def markers(rates: pd.DataFrame, fit: funnel.FunnelFit) -> list[str]:
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


def limit_label(level: float, fit: funnel.FunnelFit) -> str:
    """'95 %-grænser' or '95 %-grænser (justeret)'."""
    return f"{funnel.level_label(level)}-grænser" + (" (justeret)" if fit.is_adjusted else "")


def axis_title(rates: pd.DataFrame) -> str:
    if is_banded(rates):
        bands = list(dict.fromkeys(b for b in rates["size_band"] if b))
        return "Tilmeldte patienter, i størrelsesgrupper: " + "; ".join(bands)
    return "Tilmeldte patienter"


def x_range(patients: Sequence[float]) -> tuple[float, float]:
    """The x range of a funnel plot, from its practices' sizes."""
    low_x = max(100.0, float(min(patients)) * 0.6) if len(patients) else 500.0
    high_x = float(max(patients)) * 1.15 if len(patients) else 5000.0
    return low_x, high_x


@dataclass(frozen=True)
class Geometry:
    """What a funnel draws: the practices shown (``listed_patients`` is where each is drawn),
    their markers, the x range and the limits (at ``GRID_POINTS`` sizes and at every point)."""

    shown: pd.DataFrame
    markers: list[str]
    low_x: float
    high_x: float
    limits: pd.DataFrame  # listed_patients, level and the (adjusted_)low/high_per_1000 columns
    prefix: str  # 'adjusted_' when the adjusted limits are drawn, else ''
    top: float  # the highest limit or rate

    def line(self, level: float, side: str) -> pd.DataFrame:
        """x and y of one limit line: ``side`` 'high' or 'low'."""
        part = self.limits[self.limits["level"] == level]
        return pd.DataFrame({"x": part["listed_patients"].to_numpy(float),
                             "y": part[f"{self.prefix}{side}_per_1000"].to_numpy(float)})


def geometry(rates: pd.DataFrame, fit: funnel.FunnelFit) -> Geometry:
    shown = rates[rates["is_rate_computed"].astype(bool)].reset_index(drop=True)
    flags = markers(shown, fit)
    shown = shown.assign(listed_patients=positions(shown))
    low_x, high_x = x_range(shown["listed_patients"].to_numpy())
    grid = np.union1d(np.linspace(low_x, high_x, GRID_POINTS),
                      shown["listed_patients"].to_numpy(float))  # the limits exactly where points are
    limits = fit.limits(grid)
    prefix = "adjusted_" if fit.is_adjusted else ""
    top = max(float(limits[f"{prefix}high_per_1000"].max()),
              float(shown["rate_per_1000"].max()) if len(shown) else 0.0)
    return Geometry(shown, flags, low_x, high_x, limits, prefix, top)


def _group(position: str) -> str:
    if position.endswith("99,8 %"):
        return OUTSIDE_998
    return OUTSIDE_95 if position else INSIDE


# ------------------------------------------------------------------ matplotlib


def draw(chart: Chart, ax: Axes | None = None) -> Axes:
    ax = axes(ax)
    fit = chart.funnel
    if fit is None:  # no cluster rate shown, so no centre: an empty panel
        ax.set_axis_off()
        return ax
    rates = chart.data
    shape = geometry(rates, fit)
    styles = {0.95: (palette.LIMIT_95, "--"), 0.998: (palette.LIMIT_998, ":")}
    for level, (colour, style) in styles.items():
        high, low = shape.line(level, "high"), shape.line(level, "low")
        ax.plot(high["x"], high["y"], color=colour, linestyle=style, linewidth=1.2, label=limit_label(level, fit))
        ax.plot(low["x"], low["y"], color=colour, linestyle=style, linewidth=1.2)
    ax.axhline(fit.cluster_rate, color=palette.REFERENCE, linewidth=1.5,
               label=f"Klyngen samlet: {fmt.rate(fit.cluster_rate)}")
    shown = shape.shown
    looks = {INSIDE: ("o", palette.PRIMARY, 60), OUTSIDE_95: ("s", palette.SECONDARY, 70),
             OUTSIDE_998: ("D", palette.OUTLIER, 80)}
    for row, position, label in zip(shown.itertuples(), shape.markers, point_labels(shown), strict=True):
        marker, colour, size = looks[_group(position)]
        ax.scatter(row.listed_patients, row.rate_per_1000, marker=marker, color=colour, s=size, zorder=3,
                   edgecolor="white", linewidth=0.8)
        ax.annotate(label, (row.listed_patients, row.rate_per_1000),
                    textcoords="offset points", xytext=(6, 4), fontsize=10)
    ax.scatter([], [], marker="s", color=palette.SECONDARY, label=OUTSIDE_95)
    ax.scatter([], [], marker="D", color=palette.OUTLIER, label=OUTSIDE_998)
    ax.set_ylim(0, shape.top * 1.08 if shape.top > 0 else 1.0)
    ax.set_xlim(shape.low_x, shape.high_x)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt.number(v)))
    ax.yaxis.set_major_formatter(ticks())
    if is_banded(rates):  # strict mode: the x axis in size bands
        bands = shown.drop_duplicates("size_band").sort_values("listed_patients")
        ax.set_xticks(bands["listed_patients"].tolist(), bands["size_band"].tolist())
        ax.set_xlabel("Tilmeldte patienter, størrelsesgruppe")
    else:
        ax.set_xlabel(axis_title(rates))
    ax.set_ylabel("Henvisninger pr. 1.000 tilmeldte")
    ax.grid(color=palette.GRID, linewidth=0.5)
    ax.set_axisbelow(True)
    ax.legend(loc="upper right", fontsize=10)
    return ax


# ------------------------------------------------------------------ PowerPoint


def add_native(slide, box, chart: Chart) -> list:
    """XY scatter: the limits as line series (named '(justeret)' when adjusted), the centre line,
    and the practices in series by the table's flags. Nothing without a fit."""
    fit = chart.funnel
    if fit is None:
        return []
    left, top, width, height = box
    practices = chart.data
    shape = geometry(practices, fit)
    point_format = native.RATE_WHOLE if is_banded(practices) else native.RATE
    data = XyChartData()
    lines = []  # (colour, dash, hidden in the legend)
    for level, colour, dash in ((0.95, palette.LIMIT_95, MSO_LINE_DASH_STYLE.DASH),
                                (0.998, palette.LIMIT_998, MSO_LINE_DASH_STYLE.ROUND_DOT)):
        for side, suffix in (("high", ""), ("low", " (nedre)")):
            series = data.add_series(safe_label(f"{limit_label(level, fit)}{suffix}"), number_format=native.RATE)
            for x, y in shape.line(level, side).itertuples(index=False):
                series.add_data_point(float(x), float(y))
            lines.append((colour, dash, bool(suffix)))
    centre = data.add_series(safe_label(f"Klyngen samlet ({fmt.rate(fit.cluster_rate)})"), number_format=native.RATE)
    centre.add_data_point(shape.low_x, fit.cluster_rate)
    centre.add_data_point(shape.high_x, fit.cluster_rate)
    lines.append((palette.REFERENCE, None, False))
    groups: dict[str, list] = {INSIDE: [], OUTSIDE_95: [], OUTSIDE_998: []}
    for row, position in zip(shape.shown.itertuples(), shape.markers, strict=True):
        groups[_group(position)].append(row)
    looks = {INSIDE: (XL_MARKER_STYLE.CIRCLE, palette.PRIMARY), OUTSIDE_95: (XL_MARKER_STYLE.SQUARE, palette.SECONDARY),
             OUTSIDE_998: (XL_MARKER_STYLE.DIAMOND, palette.OUTLIER)}
    point_groups = [(name, rows) for name, rows in groups.items() if rows]
    for name, rows in point_groups:
        series = data.add_series(safe_label(name), number_format=point_format)
        for row in rows:
            series.add_data_point(float(row.listed_patients), float(row.rate_per_1000))
    frame = slide.shapes.add_chart(XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS, left, top, width, height, data)
    pptx_chart = frame.chart
    native.style_chart(pptx_chart, legend=True)
    plot_series = list(pptx_chart.plots[0].series)
    for series, (colour, dash, _) in zip(plot_series, lines, strict=False):
        native.stroke(series.format, colour, 1.5, dash)
        series.marker.style = XL_MARKER_STYLE.NONE
        series.smooth = False
    for series, (name, rows) in zip(plot_series[len(lines):], point_groups, strict=True):
        style, colour = looks[name]
        series.format.line.fill.background()
        series.marker.style = style
        series.marker.size = 9
        native.fill(series.marker.format, colour)
        series.marker.format.line.color.rgb = native.rgb(palette.BACKGROUND)
        for point, label in zip(series.points, point_labels(pd.DataFrame(rows)), strict=True):
            if not label:  # drawn where another point is: its letter is in that point's label
                native.hide_label(point)
                continue
            point.data_label.text_frame.text = label
            point.data_label.position = XL_LABEL_POSITION.RIGHT
            point.data_label.font.size = Pt(native.FONT_PT - 2)
    native.drop_legend_entries(pptx_chart, [i for i, line in enumerate(lines) if line[2]])
    x_axis, y_axis = pptx_chart.category_axis, pptx_chart.value_axis
    x_max, x_step = native.nice_axis(shape.high_x)
    x_axis.minimum_scale = float(np.floor(shape.low_x / x_step) * x_step)
    x_axis.maximum_scale, x_axis.major_unit = x_max, x_step
    x_axis.tick_labels.number_format = native.COUNT
    x_axis.tick_labels.number_format_is_linked = False
    x_axis.has_title = True
    x_axis.axis_title.text_frame.text = axis_title(practices)
    x_axis.axis_title.text_frame.paragraphs[0].font.size = Pt(native.FONT_PT - 1)
    y_axis.minimum_scale = 0
    y_axis.maximum_scale, y_axis.major_unit = native.nice_axis(shape.top)
    y_axis.tick_labels.number_format = native.RATE
    y_axis.tick_labels.number_format_is_linked = False
    native.gridlines(y_axis)
    return [frame]


# ------------------------------------------------------------------ size, words


def figure_size(chart: Chart) -> tuple[float, float]:
    return 7.0, 5.2


def drawn_position(row, fit: funnel.FunnelFit | None) -> str:
    """A practice's position against the limits its funnel draws (adjusted when overdispersed)."""
    return row.funnel_adjusted if fit is not None and fit.is_adjusted else row.funnel


def alt_text(chart: Chart) -> str:
    fit = chart.funnel
    outside = [f"{r.practice} ({drawn_position(r, fit)})" for r in chart.data.itertuples() if drawn_position(r, fit)]
    limits = "justerede grænser" if fit is not None and fit.is_adjusted else "grænser"
    return f"Tragtdiagram af raten mod antal tilmeldte; uden for tragtens {limits}: {', '.join(outside) or 'ingen'}."


def spread_sentence(fit: funnel.FunnelFit | None) -> str:
    """One plain Danish sentence: do the practices differ more than chance explains?"""
    if fit is None:
        return ""
    if not fit.spread.is_estimated:
        return ("Der er for få praksis til at vurdere, om de varierer mere, end tilfældigheder forklarer; "
                "tragten viser de almindelige grænser.")
    if fit.is_adjusted:
        return ("Praksis varierer mere, end tilfældigheder forklarer, så tragtens grænser er udvidet med den "
                "ekstra variation (justerede grænser).")
    return "Praksis varierer ikke mere, end tilfældigheder kan forklare; tragten viser de almindelige grænser."


def caption(chart: Chart) -> str:
    return " ".join(part for part in (HOW_TO_READ, STRICT if chart.strict else "", spread_sentence(chart.funnel))
                    if part)


def _limit_words(position: str) -> str:
    """'over 99,8 %' -> 'over 99,8 %-grænsen'."""
    return f"{position}-grænsen"


def notes(chart: Chart) -> list[str]:
    """The practices outside the funnel's limits in plain words, from the table's flags (the
    limits drawn: adjusted when the offer is overdispersed), and what that does not say."""
    fit = chart.funnel
    if fit is None:
        return []
    shown = chart.data[chart.data["is_rate_computed"].astype(bool)]
    flagged: dict[str, list[str]] = {}
    for row in shown.itertuples():
        position = drawn_position(row, fit) or ""
        if position:
            flagged.setdefault(position, []).append(str(row.practice))
    limits = "tragtens justerede grænser" if fit.is_adjusted else "tragtens grænser"
    if not flagged:
        return [f"Alle praksis ligger inden for {limits}: forskellene mellem dem kan være tilfældig variation."]
    order = sorted(flagged, key=lambda p: (not p.startswith("over"), p))
    parts = [f"{names_da(flagged[p])} ligger {_limit_words(p)}" for p in order]
    return [f"Uden for {limits}: {names_da(parts)}; raten ligger længere fra klyngens, end tilfældig "
            "variation ved praksissens størrelse forklarer.",
            "Tragten siger ikke hvorfor; det er et spørgsmål til drøftelsen."]


KIND = register(ChartKind(NAME, prepare, draw, figure_size, alt_text, add_native, caption, notes=notes))
