"""Cleaning the canonical survey table: non-respondents and duplicates, each drop logged.

Rules (also in docs/data-rules.md):
1. A row with no answer to any question (a multi-choice question counts as answered when
   at least one option is ticked) is a non-respondent: dropped, "ingen svar".
2. The same respondent id more than once: the completed response is kept over a partial
   one, then the one with more answers, then the later row; the others are dropped,
   "dublet af respondent".
3. Partial responses are kept; they count in the base of the questions they answered.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..responses import Slot, survey_slots
from ..spec import PackageSpec

REASON_EMPTY = "ingen svar (ikke-respondent)"
REASON_DUPLICATE = "dublet af respondent (samme id)"


@dataclass(frozen=True)
class CleanSurvey:
    responses: pd.DataFrame
    dropped: pd.DataFrame  # source_row, respondent_id, reason


def answered_matrix(responses: pd.DataFrame, spec: PackageSpec) -> pd.DataFrame:
    """Respondent x question: True where the question was answered."""
    by_question: dict[str, list[Slot]] = {}
    for slot in survey_slots(spec):
        by_question.setdefault(slot.question.id, []).append(slot)
    answered = {}
    for qid, slots in by_question.items():
        parts = []
        for slot in slots:
            values = responses[slot.column]
            parts.append(values.fillna(False).astype(bool) if slot.is_flag else values.notna())
        answered[qid] = pd.concat(parts, axis=1).any(axis=1) if parts else False
    return pd.DataFrame(answered, index=responses.index)


def drop_non_respondents(responses: pd.DataFrame, spec: PackageSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    answered = answered_matrix(responses, spec)
    empty = ~answered.any(axis=1) if len(answered.columns) else pd.Series(True, index=responses.index)
    return responses.loc[~empty].copy(), _log(responses.loc[empty], REASON_EMPTY)


def drop_duplicates(responses: pd.DataFrame, spec: PackageSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    answered = answered_matrix(responses, spec).sum(axis=1)
    ranked = responses.assign(_answered=answered).sort_values(
        ["respondent_id", "is_complete", "_answered", "source_row"], kind="stable"
    )
    keep = ~ranked.duplicated("respondent_id", keep="last")
    kept = ranked.loc[keep].drop(columns="_answered").sort_values("source_row")
    dropped = ranked.loc[~keep].drop(columns="_answered").sort_values("source_row")
    return kept, _log(dropped, REASON_DUPLICATE)


def clean_responses(responses: pd.DataFrame, spec: PackageSpec) -> CleanSurvey:
    """Apply the rules in order; return the kept responses and the drop log."""
    kept, empty = drop_non_respondents(responses, spec)
    kept, duplicates = drop_duplicates(kept, spec)
    dropped = pd.concat([empty, duplicates], ignore_index=True).sort_values("source_row", ignore_index=True)
    return CleanSurvey(kept.reset_index(drop=True), dropped)


def _log(rows: pd.DataFrame, reason: str) -> pd.DataFrame:
    return pd.DataFrame({
        "source_row": rows["source_row"].astype("int64").to_numpy(),
        "respondent_id": rows["respondent_id"].astype(str).to_numpy(),
        "reason": [reason] * len(rows),
    })
