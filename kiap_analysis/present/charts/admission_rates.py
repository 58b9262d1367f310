"""Admissions per 1,000 listed patients per practice (``admission_rates``) and their funnel
(``admission_funnel``): the referral package's kinds (practice_rates, funnel: the same table
shape, exact intervals, Spiegelhalter's limits) with the axis, caption and alt text saying
admissions. The native charts are theirs as they are ('Pr. 1.000 tilmeldte')."""

from __future__ import annotations

from matplotlib.axes import Axes

from kiap_analysis.core import formatting as fmt
from kiap_analysis.present.charts import funnel, practice_rates
from kiap_analysis.present.charts.registry import Chart, ChartKind, register

RATES, FUNNEL = "admission_rates", "admission_funnel"
Y_LABEL = "Indlæggelser pr. 1.000 tilmeldte patienter"
BARS = ("Søjler: stiplet linje er klyngen samlet, lodrette streger 95 %-konfidensinterval (eksakt Poisson); "
        "under 5 indlæggelser vises som <5.")


def prepare_rates(practices, *, area: str, cluster_rate: float | None, key: str) -> Chart:
    chart = practice_rates.prepare(practices, offer=area, cluster_rate=cluster_rate, strict=False, key=key)
    chart.kind = RATES
    return chart


def prepare_funnel(practices, fit, *, key: str | None) -> Chart:
    chart = funnel.prepare(practices, fit, strict=False, key=key)
    chart.kind = FUNNEL
    return chart


def draw_rates(chart: Chart, ax: Axes | None = None) -> Axes:
    ax = practice_rates.draw(chart, ax)
    ax.set_ylabel(Y_LABEL)
    return ax


def draw_funnel(chart: Chart, ax: Axes | None = None) -> Axes:
    ax = funnel.draw(chart, ax)
    ax.set_ylabel("Indlæggelser pr. 1.000 tilmeldte")
    return ax


def alt_rates(chart: Chart) -> str:
    rates = ", ".join(f"{r.practice} {r.note or fmt.number(r.rate_per_1000, 1)}" for r in chart.data.itertuples())
    return (f"Søjlediagram for {chart.offer}: indlæggelser pr. 1.000 tilmeldte patienter pr. praksis: {rates}. "
            f"Klyngen samlet: {fmt.rate(chart.cluster_rate or float('nan'))}.")


RATES_KIND = register(ChartKind(RATES, prepare_rates, draw_rates, practice_rates.figure_size, alt_rates,
                                practice_rates.add_native, lambda chart: BARS))
FUNNEL_KIND = register(ChartKind(FUNNEL, prepare_funnel, draw_funnel, funnel.figure_size, funnel.alt_text,
                                 funnel.add_native, funnel.caption))
