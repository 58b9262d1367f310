"""Every claim a follow-up makes, adjusted for multiplicity in one place, and its wording.

A claim is a tested change: a survey share (the top-two share of a scale item, or an option
of a choice question) or a cluster's referral rate ratio. ``adjust`` collects all claims of
one follow-up (every survey question and every offer together), Holm-adjusts their p-values
once (Holm 1979; R: ``p.adjust(p, "holm")``), and gives each its verdict from the adjusted
p-value only. Nothing else in the workbook words a verdict: the deck, the report and the
tables all read the ``assessment`` written here.

Holm rather than Benjamini-Hochberg: a line on the slide is a public statement about the
cluster and its colleagues, so the chance that *any* of the deck's claims is a false alarm is
kept under 5 % (the family-wise error rate), not just their expected share.
"""

from __future__ import annotations

import math

import pandas as pd

from kiap_analysis.core import formatting as fmt

INCREASE, DECREASE, NO_CHANGE = "steget", "faldet", "ingen sikker ændring"
TOO_FEW = "for få svar til at vurdere en ændring"
NOT_COMPARABLE = "spørgsmålet er ændret; ændringen vurderes ikke"
RATE_NOT_COMPUTED = "ikke beregnet"
PENDING = ""  # a tested row before ``adjust`` words it
CLAIMED = (INCREASE, DECREASE)
METHOD = "Holm"

DIRECTION = "_direction"  # survey change tables: +1 / -1 / 0, the tested change's direction


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment of the p-values that are not NaN (NaN stays NaN)."""
    tested = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    adjusted = list(p_values)
    running, m = 0.0, len(tested)
    for rank, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


def verdict(p_adjusted: float, direction: float, alpha: float) -> str:
    """The wording of a claim: a change only where the adjusted p-value is under ``alpha``
    and the change has a direction."""
    if math.isnan(p_adjusted):
        return TOO_FEW
    if p_adjusted >= alpha or direction == 0:
        return NO_CHANGE
    return INCREASE if direction > 0 else DECREASE


def _claim_rows(table: pd.DataFrame) -> pd.Series:
    """The rows of a change table that carry a claim (a tested p-value)."""
    return table["p_value"].notna() & (table["assessment"] == PENDING)


def adjust(survey: dict[str, pd.DataFrame], referrals: pd.DataFrame | None,
           alpha: float) -> tuple[dict[str, pd.DataFrame], pd.DataFrame | None, int]:
    """All claims of a follow-up adjusted together: ``p_adjusted`` and ``assessment`` filled.

    Survey tables (``change.survey_change``) give their direction in ``_direction``; a
    referral row's direction is its rate ratio's side of 1. Returns the tables and the
    number of claims in the family.
    """
    frames = [(key, table.copy()) for key, table in survey.items()]
    if referrals is not None:
        frames.append((None, referrals.copy()))
    found: list[tuple[int, object, float, float]] = []  # (frame, row index, p, direction)
    for number, (key, table) in enumerate(frames):
        table["p_adjusted"] = math.nan
        rows = table[_claim_rows(table)]
        for index, row in rows.iterrows():
            if key is None:
                direction = float((row["rate_ratio"] > 1) - (row["rate_ratio"] < 1))
            else:
                direction = float(row[DIRECTION])
            found.append((number, index, float(row["p_value"]), direction))
    adjusted = holm([p for _, _, p, _ in found])
    for (number, index, _, direction), p in zip(found, adjusted, strict=True):
        table = frames[number][1]
        table.loc[index, "p_adjusted"] = p
        table.loc[index, "assessment"] = verdict(p, direction, alpha)
    tables = dict(frames[: len(survey)])
    return tables, (frames[-1][1] if referrals is not None else None), len(found)


def p_text(p: float) -> str:
    """'p = 0,012' or 'p < 0,001' (Danish decimal comma)."""
    if p < 0.001:
        return "p < 0,001"
    return f"p = {fmt.number(p, 3)}"


def p_pair(p: float, p_adjusted: float) -> str:
    """'p = 0,004; justeret p = 0,031': both, wherever a p-value is shown."""
    return f"{p_text(p)}; justeret {p_text(p_adjusted)}"


def method_sentence(claims: int, alpha: float) -> str:
    """One plain Danish sentence on the adjustment, for the slides and the report."""
    if claims == 0:
        return "Ingen ændringer kunne testes (for få svar eller ændrede spørgsmål)."
    level = fmt.number(alpha, 2)
    return (f"Præsentationen tester {claims} mulige ændringer på én gang; p-værdierne er justeret for "
            f"det (Holms metode), og en ændring nævnes kun, når den justerede p-værdi er under {level}.")
