"""The admissions package's slides (``{admissions: CHART}`` in a package's program): one
block per chart, from the round's ``AdmissionResult`` (stats.admissions, suppressed).

Each block's ``table`` is the numbers behind its chart as the report shows them (Danish
headers, counts as published: '<5', 'skjult'); tables/admissions_*.csv hold the same numbers
(``stats.published``)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from kiap_analysis.core import formatting as fmt
from kiap_analysis.present import charts
from kiap_analysis.present.charts.admission_rates import prepare_funnel, prepare_rates
from kiap_analysis.stats import metrics
from kiap_analysis.stats.admissions import ALL_ADMISSIONS
from kiap_analysis.stats.results import AdmissionResult

if TYPE_CHECKING:
    from kiap_analysis.present.content import Block

TITLES = {
    "weekday_hour": "Indlæggelser efter ugedag og tidspunkt",
    "origin": "Hvor kommer borgerne fra?",
    "age_focus": "Indlæggelser efter fokusområde og aldersgruppe",
    "short_stays": "Korte indlæggelser efter ugedag",
    "readmissions": "Genindlæggelser",
    "rates": "Indlæggelser pr. 1.000 tilmeldte patienter",
}


def _pct(value: float) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else fmt.percent(value)


def admission_block(ref: str, result: AdmissionResult, short_hours: float, readmission_days: int) -> Block:
    """The block of one ``{admissions: ref}`` slide."""
    from kiap_analysis.present.content import _chart_block  # content imports this module

    key = f"admissions_{ref}"
    total = len(result.ingest.admissions)
    base = f"{fmt.number(total)} indlæggelser"
    tables = result.tables
    shares = charts.get("admission_shares")
    if ref == "weekday_hour":
        table = tables[ref]
        shown = table[["weekday", "band", "admissions_shown"]].rename(
            columns={"weekday": "Ugedag", "band": "Tidsrum (kl.)", "admissions_shown": "Indlæggelser"})
        return _chart_block(key, TITLES[ref], "Hvornår på ugen og døgnet indlægges borgerne?", base,
                            [charts.get("weekday_hour").prepare(table, key=key)], table=shown)
    if ref == "origin":
        table = tables[ref].rename(columns={"origin": "category"})
        shown = _share_table(table, "Indlagt fra")
        return _chart_block(key, TITLES[ref], "Hvor kommer borgerne fra, når de indlægges?", base,
                            [shares.prepare(table, key=key, label="andel af alle indlæggelser")], table=shown)
    if ref == "age_focus":
        table = tables[ref]
        table = table[table["admissions"] > 0].assign(
            category=lambda t: t["focus_area"] + ", " + t["age_group"])
        return _chart_block(key, TITLES[ref], "Hvilke borgere indlægges – fokusområde og alder", base,
                            [shares.prepare(table, key=key, label="andel af alle indlæggelser")],
                            table=_share_table(table, "Fokusområde, aldersgruppe"))
    if ref == "short_stays":
        table = tables[ref].rename(columns={"weekday": "category"})
        hours = fmt.number(short_hours, 0 if float(short_hours).is_integer() else 1)
        shown = table[["category", "admissions_shown", "short_admissions_shown", "pct"]].assign(
            pct=[_pct(v) for v in table["pct"]]).rename(columns={
                "category": "Ugedag", "admissions_shown": "Indlæggelser med kendt varighed",
                "short_admissions_shown": f"Under {hours} timer", "pct": "Andel"})
        known = int(tables[ref].iloc[-1]["admissions"])
        return _chart_block(key, f"{TITLES[ref]} (under {hours} timer)",
                            f"Hvor mange indlæggelser varer under {hours} timer – op til og i weekenden?",
                            f"{fmt.number(known)} indlæggelser med kendt varighed",
                            [shares.prepare(table, key=key, label=f"andel under {hours} timer")], table=shown)
    if ref == "readmissions":
        table = tables[ref].rename(columns={"focus_area": "category"})
        shown = table[["category", "admissions_shown", "readmissions_shown", "pct"]].assign(
            pct=[_pct(v) for v in table["pct"]]).rename(columns={
                "category": "Fokusområde", "admissions_shown": "Indlæggelser",
                "readmissions_shown": f"Genindlæggelser inden for {readmission_days} dage", "pct": "Andel"})
        known = int(tables[ref].iloc[0]["admissions"])
        return _chart_block(key, f"{TITLES[ref]} inden for {readmission_days} dage",
                            f"Hvor mange indlæggelser er en genindlæggelse inden for {readmission_days} dage efter "
                            "en udskrivelse?", f"{fmt.number(known)} indlæggelser med kendt genindlæggelsesstatus",
                            [shares.prepare(table, key=key, label=f"andel genindlagt inden for {readmission_days} "
                                                                    "dage")], table=shown)
    return _rates_block(key, result)


def _share_table(table: pd.DataFrame, what: str) -> pd.DataFrame:
    return pd.DataFrame({what: table["category"], "Indlæggelser": table["admissions_shown"],
                         "Andel": [_pct(v) for v in table["pct"]]})


def _rates_block(key: str, result: AdmissionResult) -> Block:
    """All admissions per practice with the cluster's rate, and the funnel (the referral
    package's method: exact Poisson intervals, Spiegelhalter 2005 limits)."""
    from kiap_analysis.present.content import _chart_block, practice_note

    rows = result.rates[result.rates["offer"] == ALL_ADMISSIONS]
    practices = rows[rows["practice"] != metrics.CLUSTER].copy()
    practices["note"] = [practice_note(r) for r in practices.itertuples()]
    fit = result.funnels.get(ALL_ADMISSIONS)
    shown = [prepare_rates(practices, area=ALL_ADMISSIONS, cluster_rate=fit.cluster_rate if fit else None, key=key),
             prepare_funnel(practices, fit, key="admissions_funnel" if fit is not None else None)]
    cluster = rows[rows["practice"] == metrics.CLUSTER].iloc[0]
    table = pd.DataFrame({
        "Praksis": rows["practice"], "Indlæggelser": rows["referrals_shown"],
        "Pr. 1.000": [fmt.number(v, 1) if pd.notna(v) else "ikke beregnet" for v in rows["rate_per_1000"]],
        "95 %-KI fra": ["" if pd.isna(v) else fmt.number(v, 1) for v in rows["ci_low"]],
        "95 %-KI til": ["" if pd.isna(v) else fmt.number(v, 1) for v in rows["ci_high"]],
        "Uden for Poisson-grænserne": rows["funnel"].fillna(""),
    })
    counted = int(((practices["listed_patients"].fillna(0).astype(float)) > 0).sum())
    return _chart_block(key, TITLES["rates"], "Antal indlæggelser pr. 1.000 tilmeldte patienter for klyngens "
                        "praksis, pseudonymiseret",
                        f"{cluster['referrals_shown']} indlæggelser fra de {counted} praksis med tilmeldte patienter",
                        shown, table=table)
