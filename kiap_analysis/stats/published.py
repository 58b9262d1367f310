"""An order's numbers as they are written (pure): tables/*.csv, the re-identification risk
measured on them, and the pseudonymised tables for data/processed/."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from kiap_analysis.privacy.pseudonyms import practice_digest
from kiap_analysis.privacy.suppression import suppress_small_base, suppress_small_change
from kiap_analysis.stats import change, metrics
from kiap_analysis.stats.disclosure import whole_numbers
from kiap_analysis.stats.reidentification import measure
from kiap_analysis.stats.results import AdmissionResult, OrderAnalysis, ReferralResult

RATE_TABLE_COLUMNS = ["practice", "offer", "referrals", "rate_per_1000", "ci_low", "ci_high", "expected", "funnel",
                      "funnel_adjusted"]


def published_tables(analysis: OrderAnalysis) -> dict[str, pd.DataFrame]:
    """tables/<name>.csv: the numbers behind every chart (DESIGN.md columns)."""
    tables: dict[str, pd.DataFrame] = {}
    current, follow_up = analysis.current, analysis.change
    if current.survey is not None:
        tables.update({qid: suppress_small_base(t) for qid, t in current.survey.tables.items()})
        if follow_up is not None:
            for qid, table in follow_up.survey.items():
                tables[f"{qid}_change"] = suppress_small_change(change.published(table))
    if current.referrals is not None:
        rates = current.referrals.rates.assign(referrals=current.referrals.rates["referrals_shown"])
        strict = current.referrals.is_strict
        tables["referrals_per_1000"] = rates[RATE_TABLE_COLUMNS + (["size_band"] if strict else [])]  # rounded
        if follow_up is not None and follow_up.referrals is not None:
            tables["referrals_change"] = follow_up.referrals.round({"rate_ratio": 2, "rr_ci_low": 2,
                                                                    "rr_ci_high": 2})
        if strict:  # the practices' rates written as the whole numbers they are
            rates = tables["referrals_per_1000"]
            tables["referrals_per_1000"] = whole_numbers(rates, ["rate_per_1000"],
                                                         rates["practice"] != metrics.CLUSTER)
            if "referrals_change" in tables:
                moves = tables["referrals_change"]
                tables["referrals_change"] = whole_numbers(
                    moves, ["rate_per_1000_baseline", "rate_per_1000_follow_up"],
                    ~moves["practice"].isin([metrics.CLUSTER, change.BOTH_ROUNDS]))
    if current.admissions is not None:
        tables.update(admission_tables(current.admissions))
    return tables


ADMISSION_COLUMNS = {  # table -> (its columns, the counts written as shown)
    "weekday_hour": (["weekday", "band", "band_hours", "admissions"], ["admissions"]),
    "origin": (["origin", "admissions", "pct"], ["admissions"]),
    "age_focus": (["focus_area", "age_group", "admissions", "pct"], ["admissions"]),
    "short_stays": (["weekday", "admissions", "short_admissions", "pct"], ["admissions", "short_admissions"]),
    "readmissions": (["focus_area", "admissions", "readmissions", "pct"], ["admissions", "readmissions"]),
}


def admission_tables(result: AdmissionResult) -> dict[str, pd.DataFrame]:
    """tables/admissions_<name>.csv: counts as shown ('<5', 'skjult'), shares (pct, 0-100) to
    one decimal and blank where hidden; the rates per 1,000 as the referral package writes them
    (focus_area for offer, admissions for referrals)."""
    tables = {}
    for name, (columns, counts) in ADMISSION_COLUMNS.items():
        table = result.tables[name]
        table = table.assign(**{c: table[f"{c}_shown"] for c in counts})[columns]
        if "pct" in table:
            table = table.assign(pct=table["pct"].round(1))
        tables[f"admissions_{name}"] = table
    rates = result.rates.assign(referrals=result.rates["referrals_shown"])[RATE_TABLE_COLUMNS]
    tables["admissions_per_1000"] = rates.rename(columns={"offer": "focus_area", "referrals": "admissions"})
    return tables


@dataclass(frozen=True)
class Risk:
    """The re-identification attack on the order's own published figures, measured at run time."""

    named: int  # letters a reader with the public listed-patient counts names
    letters: int
    seconds: float

    def summary(self) -> dict:
        return {"letters_named": self.named, "letters": self.letters, "measure_s": self.seconds}


def measured_risk(analysis: OrderAnalysis, tables: dict[str, pd.DataFrame]) -> Risk | None:
    """How many letters the order's published tables and funnel positions let a reader with the
    listed-patient lists name (``reidentification.measure``); None without referral data."""
    current = analysis.current.referrals
    if current is None:
        return None
    began = time.perf_counter()
    baseline = analysis.baseline.referrals if analysis.baseline is not None else None
    found = measure(tables, current.rates, _sizes(current), _sizes(baseline) if baseline is not None else None)
    return Risk(len(found.named), len(found.candidates), round(time.perf_counter() - began, 4))


def _sizes(result: ReferralResult) -> dict[str, int]:
    """ydernummer -> listed patients, of the practices that have them (the public list's)."""
    listed = result.listed.listed.dropna(subset=["listed_patients"])
    return {y: int(n) for y, n in zip(listed["ydernummer"], listed["listed_patients"], strict=True) if n > 0}


def processed_tables(analysis: OrderAnalysis, key: bytes) -> dict[str, pd.DataFrame]:
    """Cleaned, pseudonymised tables for data/processed/<id>/ (digests, never ydernumre)."""
    tables: dict[str, pd.DataFrame] = {}
    survey = analysis.current.survey
    if survey is not None:
        frame = survey.clean.responses.copy()
        frame["respondent_id"] = frame["respondent_id"].map(lambda r: practice_digest(key, f"r:{r}"))
        tables["responses"] = frame.drop(columns=["source_row"])
    referrals = analysis.current.referrals
    if referrals is not None:
        counts = referrals.ingest.counts
        tables["referrals"] = pd.DataFrame({
            "practice_digest": counts["ydernummer"].map(lambda y: practice_digest(key, y)),
            "offer": counts["offer"],
            "referrals": counts["referrals"],
        })
        listed = referrals.listed.listed
        tables["listed_patients"] = pd.DataFrame({
            "practice_digest": listed["ydernummer"].map(lambda y: practice_digest(key, y)),
            "listed_patients": listed["listed_patients"],
        })
        tables["referrals_per_1000"] = referrals.rates
    admissions = analysis.current.admissions
    if admissions is not None:  # no CPR number or digest: the reader keeps neither
        frame = admissions.ingest.admissions
        tables["admissions"] = frame.drop(columns=["row", "ydernummer"]).assign(
            practice_digest=frame["ydernummer"].map(lambda y: practice_digest(key, y) if y else ""))
        tables["admissions_per_1000"] = admissions.rates
    return tables
