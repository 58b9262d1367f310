"""The numbers: answer distributions, multi-choice shares, referral rates with intervals.

Pure functions on the canonical tables; every percentage says what its base is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from scipy.special import gammaincinv, ndtri

from kiap_analysis.core.responses import question_slots
from kiap_analysis.core.spec import Question

TABLE_COLUMNS = ["question_id", "item", "category", "n", "base", "pct"]
CLUSTER = "Klyngen samlet"


def _pct(n: int, base: int) -> float:
    return round(100.0 * n / base, 1) if base else 0.0


def scale_distribution(responses: pd.DataFrame, question: Question) -> pd.DataFrame:
    """Likert, grid and single-choice answers: every category of every item, with zeros.

    The base of an item is everyone who answered it, 'Ved ikke' included, so the
    percentages of an item add up to 100.
    """
    rows = []
    categories = question.categories
    for slot in question_slots(question):
        answers = responses[slot.column].dropna()
        counts = answers.value_counts()
        base = len(answers)
        item = slot.item.label if slot.item else ""
        for category in categories:
            n = int(counts.get(category, 0))
            rows.append((question.id, item, category, n, base, _pct(n, base)))
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def multi_choice_base(responses: pd.DataFrame, question: Question) -> int:
    """Who the percentages of a multi-choice question are of.

    Completed respondents (they saw the question; ticking nothing is an answer), plus
    partial respondents who ticked at least one option. Never derived from 0/1 columns
    alone: non-respondents hold 0 in every option column of some exports.
    """
    flags = pd.concat([responses[s.column].fillna(False).astype(bool) for s in question_slots(question)],
                      axis=1)
    ticked_any = flags.any(axis=1)
    return int((responses["is_complete"].astype(bool) | ticked_any).sum())


def multi_choice_shares(responses: pd.DataFrame, question: Question) -> pd.DataFrame:
    """Share of respondents (not of answers) who ticked each option."""
    base = multi_choice_base(responses, question)
    rows = []
    for slot in question_slots(question):
        n = int(responses[slot.column].fillna(False).astype(bool).sum())
        rows.append((question.id, "", slot.option.label, n, base, _pct(n, base)))
    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def question_table(responses: pd.DataFrame, question: Question) -> pd.DataFrame:
    """The numbers behind a survey chart (tables/<question id>.csv)."""
    if question.type == "multi_choice":
        return multi_choice_shares(responses, question)
    if question.type == "free_text":
        raise ValueError(f"{question.id} is free text: it has no chart table")
    return scale_distribution(responses, question)


def free_text_answers(responses: pd.DataFrame, question: Question) -> list[str]:
    """Non-empty free-text answers in row order."""
    values = responses[question.id].dropna().astype(str).str.strip()
    return [v for v in values if v]


def question_base(table: pd.DataFrame) -> int:
    """The smallest base among a chart's items (what 'n =' on the chart says)."""
    return int(table["base"].min()) if len(table) else 0


@dataclass(frozen=True)
class ResponseSummary:
    invited: int | None
    responded: int
    completed: int

    @property
    def partial(self) -> int:
        return self.responded - self.completed

    @property
    def response_rate(self) -> float | None:
        """AAPOR RR2 in percent: completed and partial respondents / invited (every invited
        member counts as eligible); None when 'invited' is unknown."""
        if not self.invited:
            return None
        return 100.0 * self.responded / self.invited

    @property
    def completion_rate(self) -> float | None:
        """AAPOR RR1 in percent: completed respondents only / invited."""
        if not self.invited:
            return None
        return 100.0 * self.completed / self.invited


def response_summary(responses: pd.DataFrame, invited: int | None) -> ResponseSummary:
    return ResponseSummary(
        invited=invited,
        responded=len(responses),
        completed=int(responses["is_complete"].astype(bool).sum()),
    )


# --------------------------------------------------------------------------- rates


def _chi2_half(q: float, df: float) -> float:
    """Half the chi-squared quantile: chi2.ppf(q, df) / 2 == gammaincinv(df / 2, q)."""
    return float(gammaincinv(df / 2, q))


def poisson_interval(count: int, level: float = 0.95, exact_below: int = 10) -> tuple[float, float]:
    """Confidence interval for a Poisson count, as PHEindicatormethods' phe_rate computes it.

    Exact (chi-squared) limits for fewer than ``exact_below`` events, Byar's approximation
    from there on.
    """
    if count < 0:
        raise ValueError("a count cannot be negative")
    alpha = 1.0 - level
    if count < exact_below:
        low = 0.0 if count == 0 else _chi2_half(alpha / 2, 2 * count)
        high = _chi2_half(1 - alpha / 2, 2 * count + 2)
        return float(low), float(high)
    z = ndtri(1 - alpha / 2)
    low = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    upper = count + 1
    high = upper * (1 - 1 / (9 * upper) + z / (3 * math.sqrt(upper))) ** 3
    return float(low), float(high)


RATE_COLUMNS = ["practice_id", "offer", "referrals", "listed_patients", "rate_per_1000",
                "ci_low", "ci_high", "is_rate_computed"]


def referral_rates(
    referrals: pd.DataFrame,
    listed: pd.DataFrame,
    offers: Sequence[str],
    level: float = 0.95,
    exact_below: int = 10,
) -> pd.DataFrame:
    """Referrals per 1,000 listed patients per practice and offer, plus the cluster total.

    ``referrals``: practice_id, offer, referrals (missing practice/offer pairs count 0).
    ``listed``: practice_id, listed_patients (NA or 0 where unknown). Practices come in
    pseudonym order (A, B, ..., Z, AA).
    A practice without a usable listed-patient count gets no rate (is_rate_computed False)
    and is left out of the cluster rate, whose referrals and patients then match.
    """
    practices = sorted(set(referrals["practice_id"]) | set(listed["practice_id"]), key=lambda p: (len(p), p))
    counts = referrals.groupby(["practice_id", "offer"])["referrals"].sum()
    listed_by = listed.set_index("practice_id")["listed_patients"]
    rows = []
    for offer in offers:
        total_refs = total_listed = 0
        for practice in practices:
            n = int(counts.get((practice, offer), 0))
            patients = listed_by.get(practice)
            usable = patients is not None and pd.notna(patients) and int(patients) > 0
            rows.append(_rate_row(practice, offer, n, int(patients) if usable else None, level, exact_below))
            if usable:
                total_refs += n
                total_listed += int(patients)
        rows.append(_rate_row(CLUSTER, offer, total_refs, total_listed or None, level, exact_below))
    return pd.DataFrame(rows, columns=RATE_COLUMNS)


def _rate_row(practice: str, offer: str, n: int, patients: int | None, level: float, exact_below: int):
    if patients is None:
        return (practice, offer, n, pd.NA, math.nan, math.nan, math.nan, False)
    low, high = poisson_interval(n, level, exact_below)
    scale = 1000.0 / patients
    return (practice, offer, n, patients, n * scale, low * scale, high * scale, True)
