"""The named rules by which a row is dropped, and the data-loss limits they count towards.

Shared by the orders file (``accept_loss:`` may name a loss rule) and the reconciliation
(clean/reconcile.py), which counts every drop under its rule; see docs/data-rules.md.
"""

from __future__ import annotations

from dataclasses import dataclass

LIMIT_RESPONDENTS, LIMIT_ANSWERS, LIMIT_REFERRAL_ROWS = "rows with answers", "answers", "referral rows"
LIMIT_ADMISSION_ROWS = "admission rows"


@dataclass(frozen=True)
class Rule:
    key: str
    text: str  # English (kiap validate, messages)
    text_da: str  # Danish (the report)
    limit: str = ""  # the data-loss limit it counts towards; '' for a drop that loses nothing


RULES = {rule.key: rule for rule in (
    Rule("non_respondent", "no answer at all (non-respondent)", "ingen svar (ikke-respondent)"),
    Rule("uncounted_answers", "answered, but no answer can be counted (only columns that are not read, or answers "
         "that match none of the question's answers)", "svar, der ikke kan tælles (kolonner, der ikke læses, eller "
         "ukendte svar)", LIMIT_RESPONDENTS),
    Rule("duplicate_respondent", "duplicate respondent (same respondent id)", "dublet af respondent (samme id)",
         LIMIT_RESPONDENTS),
    Rule("unknown_answer", "answer that matches none of the question's answers", "svar, der ikke passer til "
         "spørgsmålets svarmuligheder", LIMIT_ANSWERS),
    Rule("total_row", "total row ('I alt')", "totalrække (I alt)"),
    Rule("outside_period", "referral dated outside the order's period", "henvisning uden for perioden"),
    Rule("no_offer", "row without an offer", "række uden tilbud", LIMIT_REFERRAL_ROWS),
    Rule("admission_outside_period", "admission outside the order's period", "indlæggelse uden for perioden"),
    Rule("no_admission_time", "row without an admission date and time", "række uden indlæggelsestidspunkt",
         LIMIT_ADMISSION_ROWS),
)}  # fmt: skip
LOSS_RULES = tuple(key for key, rule in RULES.items() if rule.limit)  # what accept_loss may name
