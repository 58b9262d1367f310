"""Cleaning the canonical survey table: non-respondents and duplicates, each drop logged.

Rules (also in docs/data-rules.md), each with the key the reconciliation names it by:
1. ``non_respondent``: a row with no answer to any of the package's questions (a multi-choice
   question counts as answered when at least one option is ticked) whose status says it did
   not respond (new, distributed, dropped out), or that holds no answer anywhere: dropped,
   "ingen svar".
2. ``uncounted_answers``: a row with no answer to the package's questions that still
   answered something: in columns the workbook does not read (a question the package lacks,
   a column whose header matches nothing), or only answers that match none of the
   question's answers. Dropped, and counted as data loss.
3. ``duplicate_respondent``: the same respondent id more than once: the completed response
   is kept over a partial one, then the one with more answers, then the later row; the
   others are dropped, "dublet af respondent".
4. Partial responses are kept; they count in the base of the questions they answered.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd

from kiap_analysis.core.responses import Slot, survey_slots
from kiap_analysis.core.rules import RULES
from kiap_analysis.core.spec import PackageSpec

RULE_NON_RESPONDENT, RULE_UNCOUNTED, RULE_DUPLICATE = "non_respondent", "uncounted_answers", "duplicate_respondent"
REASONS = {rule: RULES[rule].text_da for rule in (RULE_NON_RESPONDENT, RULE_UNCOUNTED, RULE_DUPLICATE)}
REASON_EMPTY, REASON_DUPLICATE = REASONS[RULE_NON_RESPONDENT], REASONS[RULE_DUPLICATE]
NOT_RESPONDED = ("new", "distributed", "dropped_out")  # ingest.status: the survey's own word for it


@dataclass(frozen=True)
class CleanSurvey:
    responses: pd.DataFrame
    dropped: pd.DataFrame  # source_row, respondent_id, reason, rule


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


def drop_non_respondents(responses: pd.DataFrame, spec: PackageSpec,
                         answered_elsewhere: Collection[int] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rules 1 and 2: rows without an answer to the package's questions."""
    answered = answered_matrix(responses, spec)
    empty = ~answered.any(axis=1) if len(answered.columns) else pd.Series(True, index=responses.index)
    status = responses["status"] if "status" in responses else pd.Series("", index=responses.index)
    elsewhere = responses["source_row"].isin(list(answered_elsewhere)) & ~status.isin(NOT_RESPONDED)
    outside = empty & elsewhere
    dropped = pd.concat([_log(responses.loc[empty & ~outside], RULE_NON_RESPONDENT),
                         _log(responses.loc[outside], RULE_UNCOUNTED)], ignore_index=True)
    return responses.loc[~empty].copy(), dropped


def drop_duplicates(responses: pd.DataFrame, spec: PackageSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    answered = answered_matrix(responses, spec).sum(axis=1)
    ranked = responses.assign(_answered=answered).sort_values(
        ["respondent_id", "is_complete", "_answered", "source_row"], kind="stable"
    )
    keep = ~ranked.duplicated("respondent_id", keep="last")
    kept = ranked.loc[keep].drop(columns="_answered").sort_values("source_row")
    dropped = ranked.loc[~keep].drop(columns="_answered").sort_values("source_row")
    return kept, _log(dropped, RULE_DUPLICATE)


def clean_responses(responses: pd.DataFrame, spec: PackageSpec,
                    answered_elsewhere: Collection[int] = ()) -> CleanSurvey:
    """Apply the rules in order; return the kept responses and the drop log.

    ``answered_elsewhere``: source rows that hold answers in columns the reader did not read.
    """
    kept, empty = drop_non_respondents(responses, spec, answered_elsewhere)
    kept, duplicates = drop_duplicates(kept, spec)
    dropped = pd.concat([empty, duplicates], ignore_index=True).sort_values("source_row", ignore_index=True)
    return CleanSurvey(kept.reset_index(drop=True), dropped)


def _log(rows: pd.DataFrame, rule: str) -> pd.DataFrame:
    return pd.DataFrame({
        "source_row": rows["source_row"].astype("int64").to_numpy(),
        "respondent_id": rows["respondent_id"].astype(str).to_numpy(),
        "reason": [REASONS[rule]] * len(rows),
        "rule": [rule] * len(rows),
    })
