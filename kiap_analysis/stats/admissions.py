"""The admissions package's numbers, from the reader's table (ingest/admissions.py): pure.

- counts per weekday x hour band (``weekday_hour``): 2-hour bands, coarsened to 4-hour and
  then 8-hour bands while more than a quarter of the non-empty cells are small;
- counts by place of origin and by age group x focus area, with their shares;
- the share of short admissions (a stay under the package's ``short_stay_hours``) per weekday;
- admissions per 1,000 listed patients per practice with exact Poisson intervals and the
  funnel: the referral package's rate table (``metrics.referral_rates``: PHEindicatormethods'
  phe_rate, exact under 10 events, Byar from 10; ``funnel``: Spiegelhalter 2005), with the
  admissions in its ``referrals`` column and the focus area (or all admissions) as ``offer``;
- the 30-day readmission share (admissions that are readmissions / admissions).

Small numbers: a count of 1-4 (``min_count``) is shown as '<5' and its share hidden
(``suppress_counts``), as Danish health statistics do; the rate table is suppressed by
``privacy.suppression.suppress_referrals`` as the referral package's is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from kiap_analysis.core.config import Settings
from kiap_analysis.core.spec import PackageSpec
from kiap_analysis.ingest.admissions import AdmissionIngest
from kiap_analysis.ingest.referrals import ListedIngest
from kiap_analysis.privacy.pseudonyms import practice_label
from kiap_analysis.privacy.suppression import HIDDEN, SUPPRESSED, is_pinned
from kiap_analysis.stats.analysis import publishable_rates
from kiap_analysis.stats.metrics import CLUSTER, referral_rates
from kiap_analysis.stats.results import AdmissionResult

WEEKDAYS = ("Mandag", "Tirsdag", "Onsdag", "Torsdag", "Fredag", "Lørdag", "Søndag")
BAND_HOURS = (2, 4, 8)
ALL_ADMISSIONS = "Alle indlæggelser"
SMALL_CELL_SHARE = 0.25  # coarsen while more than this share of the non-empty cells is small


def band_label(start: int, width: int) -> str:
    """'08-12' for the band 08:00-11:59."""
    return f"{start:02d}-{start + width:02d}"


def weekday_hour(admissions: pd.DataFrame, minimum: int = 5) -> pd.DataFrame:
    """Admissions per weekday (Monday first) and hour band of the admission time: every cell
    (7 x 24/width rows: weekday, band, band_hours, admissions). The band is the narrowest of
    2, 4 and 8 hours in which at most a quarter of the non-empty cells are under ``minimum``
    (8 hours if none is)."""
    for width in BAND_HOURS:
        table = _grid(admissions, width)
        filled = table.loc[table["admissions"] > 0, "admissions"]
        if width == BAND_HOURS[-1] or (filled < minimum).sum() <= SMALL_CELL_SHARE * len(filled):
            return table
    raise AssertionError  # pragma: no cover


def _grid(admissions: pd.DataFrame, width: int) -> pd.DataFrame:
    times = pd.to_datetime(admissions["admitted_at"])
    day = times.dt.day_of_week
    start = times.dt.hour // width * width
    counts = pd.DataFrame({"day": day, "start": start}).value_counts()
    rows = [(WEEKDAYS[d], band_label(s, width), width, int(counts.get((d, s), 0)))
            for d in range(7) for s in range(0, 24, width)]
    return pd.DataFrame(rows, columns=["weekday", "band", "band_hours", "admissions"])


def shares(counts: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """``admissions`` and ``pct`` (0-100, of all the rows' admissions) per group of ``by``."""
    total = int(counts["admissions"].sum())
    out = counts.copy()
    out["pct"] = out["admissions"] * 100.0 / total if total else math.nan
    return out[[*by, "admissions", "pct"]]


def by_origin(admissions: pd.DataFrame, origins: list[str]) -> pd.DataFrame:
    """Admissions per place of origin: the package's origins in its order (0 where none), then
    any other name the file gives, then 'Ukendt'."""
    counts = admissions["origin"].value_counts()
    extra = sorted(set(counts.index) - set(origins) - {"Ukendt"})
    order = [*origins, *extra, *(["Ukendt"] if "Ukendt" in counts.index else [])]
    table = pd.DataFrame({"origin": order, "admissions": [int(counts.get(o, 0)) for o in order]})
    return shares(table, ["origin"])


def by_age_focus(admissions: pd.DataFrame, areas: list[str]) -> pd.DataFrame:
    """Admissions per focus area (the package's order, then 'Øvrige diagnoser') and age group
    (youngest first); ``pct`` of all admissions."""
    counts = admissions.groupby(["focus_area", "age_group"]).size()
    present = [a for a in admissions["focus_area"].unique() if a not in areas]
    groups = sorted(admissions["age_group"].unique(), key=_age_key)
    rows = [(area, group, int(counts.get((area, group), 0))) for area in [*areas, *sorted(present)]
            for group in groups]
    return shares(pd.DataFrame(rows, columns=["focus_area", "age_group", "admissions"]), ["focus_area", "age_group"])


def _age_key(group: str) -> tuple[int, str]:
    digits = "".join(ch if ch.isdigit() else " " for ch in group).split()
    return (int(digits[0]) if digits else 999, group)


def short_stays(admissions: pd.DataFrame, hours: float) -> pd.DataFrame:
    """Per weekday of admission (Monday first, then the week as a whole, 'I alt'): admissions
    with a known length of stay (``admissions``), those shorter than ``hours``
    (``short_admissions``) and their share (``pct``, 0-100; NaN without any)."""
    known = admissions[admissions["stay_hours"].notna()]
    day = pd.to_datetime(known["admitted_at"]).dt.day_of_week
    short = known["stay_hours"] < hours
    rows = [(WEEKDAYS[d], int((day == d).sum()), int((short & (day == d)).sum())) for d in range(7)]
    rows.append(("I alt", len(known), int(short.sum())))
    table = pd.DataFrame(rows, columns=["weekday", "admissions", "short_admissions"])
    table["pct"] = [s * 100.0 / n if n else math.nan for n, s in zip(table["admissions"],
                                                                   table["short_admissions"], strict=True)]
    return table


def readmissions(admissions: pd.DataFrame, areas: list[str]) -> pd.DataFrame:
    """Per focus area (and 'Alle indlæggelser'): admissions with a known readmission status,
    the readmissions among them and their share (pct, 0-100)."""
    known = admissions[admissions["is_readmission"].notna()]
    rows = []
    for area in [ALL_ADMISSIONS, *areas]:
        part = known if area == ALL_ADMISSIONS else known[known["focus_area"] == area]
        n, k = len(part), int(part["is_readmission"].astype(bool).sum())
        rows.append((area, n, k, k * 100.0 / n if n else math.nan))
    return pd.DataFrame(rows, columns=["focus_area", "admissions", "readmissions", "pct"])


def admission_rates(admissions: pd.DataFrame, listed: pd.DataFrame, letters: Mapping[str, str], areas: list[str],
                    level: float = 0.95, exact_below: int = 10) -> pd.DataFrame:
    """Admissions per 1,000 listed patients per practice (by its letter) for all admissions and
    per focus area: ``metrics.referral_rates``' table (practice_id, offer, referrals, ...),
    ``offer`` the focus area and ``referrals`` the admissions. Admissions without a practice
    of the listed-patients file are left out (the reconciliation counts them)."""
    known = admissions[admissions["ydernummer"].isin(letters)]
    practice = known["ydernummer"].map(letters)
    counts = pd.concat([
        pd.DataFrame({"practice_id": practice, "offer": ALL_ADMISSIONS}),
        pd.DataFrame({"practice_id": practice, "offer": known["focus_area"]}),
    ]).value_counts().rename("referrals").reset_index()
    listed_ids = listed.assign(practice_id=listed["ydernummer"].map(letters)).dropna(subset=["practice_id"])
    return referral_rates(counts, listed_ids[["practice_id", "listed_patients"]], [ALL_ADMISSIONS, *areas],
                          level, exact_below)


def suppress_counts(table: pd.DataFrame, count: str = "admissions", shares_of: tuple[str, ...] = ("pct",),
                    minimum: int = 5, total: int | None = None) -> pd.DataFrame:
    """``<count>_shown``: the count as text, '<5' for 1..minimum-1; the row's ``shares_of``
    columns hidden (NaN) where it is. Adds ``is_suppressed``.

    ``total``: the rows' total as published elsewhere (the reconciliation's admissions
    counted): while it pins a '<5' count down (``suppression.is_pinned``, the referral
    package's rule), the smallest count of at least ``minimum`` is hidden too ('skjult')."""
    out = table.copy()
    small = out[count].between(1, minimum - 1)
    out[f"{count}_shown"] = out[count].astype(int).astype(str).where(~small, SUPPRESSED)
    out["is_suppressed"] = small
    while total is not None and small.any():
        shown = out[~out["is_suppressed"]]
        candidates = shown.loc[shown[count] >= minimum, count].sort_values(kind="stable")
        secondaries = int((out[f"{count}_shown"] == HIDDEN).sum())
        if candidates.empty or not is_pinned(total - int(shown[count].sum()), int(small.sum()), secondaries,
                                             float(candidates.iloc[0]), minimum):
            break
        out.loc[candidates.index[0], [f"{count}_shown", "is_suppressed"]] = [HIDDEN, True]
    for column in shares_of:
        if column in out:
            out[column] = out[column].astype(float).where(~out["is_suppressed"], math.nan)
    return out


TABLES = ("weekday_hour", "origin", "age_focus", "short_stays", "readmissions")


def admission_result(ingest: AdmissionIngest, listed: ListedIngest, spec: PackageSpec, letters: Mapping[str, str],
                     settings: Settings) -> AdmissionResult:
    """The package's numbers under the practices' letters, every count table suppressed (the
    grid, origins and age x focus area against the total of admissions counted; short stays
    and readmissions per row, each count and its denominator)."""
    config = spec.admissions
    assert config is not None
    frame, minimum = ingest.admissions, settings.min_count
    areas = [a.label for a in config.focus_areas]
    total = len(frame)
    stays = short_stays(frame, config.short_stay_hours)
    stays = suppress_counts(stays, "short_admissions", minimum=minimum)
    stays = suppress_counts(stays.drop(columns="is_suppressed"), "admissions", minimum=minimum).assign(
        is_suppressed=lambda t: t["is_suppressed"] | t["short_admissions_shown"].isin([SUPPRESSED, HIDDEN]))
    again = readmissions(frame, areas)
    again = suppress_counts(again, "readmissions", minimum=minimum)
    again = suppress_counts(again.drop(columns="is_suppressed"), "admissions", minimum=minimum).assign(
        is_suppressed=lambda t: t["is_suppressed"] | t["readmissions_shown"].isin([SUPPRESSED, HIDDEN]))
    tables = {
        "weekday_hour": suppress_counts(weekday_hour(frame, minimum), shares_of=(), minimum=minimum, total=total),
        "origin": suppress_counts(by_origin(frame, [o.label for o in config.origins]), minimum=minimum, total=total),
        "age_focus": suppress_counts(by_age_focus(frame, areas), minimum=minimum, total=total),
        "short_stays": stays.assign(pct=stays["pct"].where(~stays["is_suppressed"])),
        "readmissions": again.assign(pct=again["pct"].where(~again["is_suppressed"])),
    }
    rates = admission_rates(frame, listed.listed, letters, areas, settings.confidence, settings.exact_poisson_below)
    rates.insert(0, "practice", rates.pop("practice_id").map(lambda p: p if p == CLUSTER else practice_label(p)))
    warnings = list(ingest.warnings) + list(listed.warnings)
    return AdmissionResult(ingest, listed, tables, publishable_rates(rates, settings=settings),
                           [ALL_ADMISSIONS, *areas], warnings)
