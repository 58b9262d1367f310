"""Follow-up orders: what changed since the baseline, and whether it is more than chance.

Pure functions on the tables of two rounds (``metrics`` tables and suppressed rate tables).
Rules (docs/follow-up.md):

- Questions are matched by id. A question whose wording, type, scale or options changed is
  shown side by side but never gets a change statement; a question new at follow-up has
  nothing to compare with.
- Survey: one test per Likert item (the share in the scale's two highest levels, of all
  who answered the item, 'Ved ikke' included, as on the chart) and per option of a choice
  question ('Ved ikke' options aside): a two-sided two-proportion test with continuity
  correction (R's ``prop.test``), Holm-adjusted within the question. Only where both bases
  reach the minimum; otherwise "too few".
- Referrals: the cluster's rate ratio (follow-up / baseline) per offer with an exact
  conditional (binomial) interval, and practices moving across the funnel limits.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd
from scipy.special import betaincinv, ndtr

from . import formatting as fmt
from .spec import PackageSpec, Question

SAME, CHANGED, NEW = "same", "changed", "new"
DONT_KNOW_LABELS = {"ved ikke", "ved ikke/ønsker ikke at svare", "kan ikke vurdere"}  # never tested

INCREASE, DECREASE, NO_CHANGE = "steget", "faldet", "ingen sikker ændring"
TOO_FEW = "for få svar til at vurdere en ændring"
NOT_COMPARABLE = "spørgsmålet er ændret; ændringen vurderes ikke"
RATE_NOT_COMPUTED = "ikke beregnet"

CHANGE_COLUMNS = ["question_id", "item", "category", "is_tested",
                  "n_baseline", "base_baseline", "pct_baseline",
                  "n_follow_up", "base_follow_up", "pct_follow_up",
                  "change_pct_points", "p_value", "assessment"]
ROUND_COLUMNS = ["n", "base", "pct"]


# --------------------------------------------------------------------------- statements

CHANGE, NO_CHANGE_SEEN, UNCLEAR, FUNNEL, INFO = "change", "no_change", "unclear", "funnel", "info"


@dataclass(frozen=True)
class Statement:
    """One sentence on a change, with what kind of finding it is."""

    text: str
    kind: str  # CHANGE (passes its test) | NO_CHANGE_SEEN | UNCLEAR (too few, changed question) | FUNNEL | INFO


# --------------------------------------------------------------------------- questions


@dataclass(frozen=True)
class QuestionMatch:
    """How a follow-up question relates to the baseline question with the same id."""

    question_id: str
    status: str  # SAME | CHANGED | NEW
    differences: tuple[str, ...] = ()  # what changed: "wording", "type", "scale", "options", "items"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def compare_question(before: Question, after: Question) -> QuestionMatch:
    """SAME, or CHANGED with what differs (wording is compared without case and spacing)."""
    differences = []
    if _norm(before.text) != _norm(after.text):
        differences.append("wording")
    if before.type != after.type:
        differences.append("type")
    if before.categories != after.categories:
        differences.append("scale" if after.scale is not None or before.scale is not None else "options")
    if tuple(i.label for i in before.items) != tuple(i.label for i in after.items):
        differences.append("items")
    return QuestionMatch(after.id, CHANGED if differences else SAME, tuple(differences))


def match_questions(baseline: PackageSpec, follow_up: PackageSpec) -> dict[str, QuestionMatch]:
    """Every follow-up question (local edits applied) matched by id to the baseline's."""
    found = {}
    for question in follow_up.questions:
        try:
            before = baseline.question(question.id)
        except KeyError:
            found[question.id] = QuestionMatch(question.id, NEW)
            continue
        found[question.id] = compare_question(before, question)
    return found


# --------------------------------------------------------------------------- tests


def two_proportion_test(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided p-value that x1/n1 and x2/n2 differ, with Yates' continuity correction.

    The chi-squared test of R's ``prop.test(c(x1, x2), c(n1, n2))``: the correction is at
    most the observed difference, so equal shares give p = 1.
    """
    if min(n1, n2) <= 0:
        raise ValueError("both bases must be positive")
    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0
    inverse = 1 / n1 + 1 / n2
    delta = abs(p1 - p2)
    correction = min(0.5, delta / inverse)
    excess = delta - correction * inverse
    if excess <= 1e-12:  # no difference beyond the correction
        return 1.0
    z = excess / math.sqrt(pooled * (1 - pooled) * inverse)
    return float(2 * ndtr(-z))


def top_two(question: Question) -> tuple[str, ...]:
    """The scale's two highest levels (what 'top-two share' counts)."""
    assert question.scale is not None
    return question.scale.levels[-2:]


def top_two_label(question: Question) -> str:
    return " + ".join(top_two(question))


def _tested_rows(question: Question, table: pd.DataFrame) -> pd.DataFrame:
    """The rows a change is tested on: the top-two share per item, or every option."""
    if question.type in ("likert", "likert_grid"):
        levels = top_two(question)
        rows = []
        for item, part in table.groupby("item", sort=False):
            n = int(part.loc[part["category"].isin(levels), "n"].sum())
            base = int(part["base"].iloc[0])
            rows.append((question.id, item, top_two_label(question), n, base,
                         round(100.0 * n / base, 1) if base else 0.0))
        return pd.DataFrame(rows, columns=["question_id", "item", "category", *ROUND_COLUMNS])
    dont_know = {question.scale.dont_know} if question.scale and question.scale.dont_know else set()
    dont_know |= {c for c in table["category"] if _norm(str(c)) in DONT_KNOW_LABELS}
    return table[~table["category"].isin(dont_know)]


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment of the p-values that are not NaN (NaN stays NaN)."""
    tested = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    adjusted = list(p_values)
    running, m = 0.0, len(tested)
    for rank, (p, i) in enumerate(tested):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


def p_value(x1: int, n1: int, x2: int, n2: int, min_base: int) -> float:
    """The test's p-value, or NaN where a base is under the minimum."""
    return math.nan if min(n1, n2) < min_base else two_proportion_test(x1, n1, x2, n2)


def verdict(p: float, share_before: float, share_after: float, alpha: float) -> str:
    """The assessment of a (possibly adjusted) p-value; NaN means too few answers."""
    if math.isnan(p):
        return TOO_FEW
    if p >= alpha:
        return NO_CHANGE
    return INCREASE if share_after > share_before else DECREASE


def assess(x1: int, n1: int, x2: int, n2: int, min_base: int, alpha: float) -> tuple[float, str]:
    """(p-value or NaN, assessment) for baseline x1/n1 against follow-up x2/n2."""
    p = p_value(x1, n1, x2, n2, min_base)
    return p, verdict(p, x1 / n1, x2 / n2, alpha)


def survey_change(question: Question, before: pd.DataFrame | None, after: pd.DataFrame,
                  match: QuestionMatch, min_base: int, alpha: float = 0.05) -> pd.DataFrame:
    """Both rounds side by side per item and category, with tested rows assessed.

    ``before``/``after``: the question's tables (question_id, item, category, n, base, pct);
    ``before`` is None for a question new at follow-up. Category rows carry both rounds'
    figures; tested rows (top-two share of a scale item, or each option) add the p-value
    and the assessment.
    """
    empty = pd.DataFrame(columns=["question_id", "item", "category", *ROUND_COLUMNS])
    before = empty if before is None else before
    keys = ["question_id", "item", "category"]
    shown = before[keys + ROUND_COLUMNS].merge(after[keys + ROUND_COLUMNS], on=keys, how="outer",
                                               suffixes=("_baseline", "_follow_up"), sort=False)
    shown["is_tested"] = False
    frames = [shown]
    if question.type in ("likert", "likert_grid") and match.status == SAME:
        tested = _tested_rows(question, before).merge(_tested_rows(question, after), on=keys, how="outer",
                                                      suffixes=("_baseline", "_follow_up"), sort=False)
        tested["is_tested"] = True
        frames.append(tested)
    elif match.status == SAME:
        shown["is_tested"] = shown["category"].isin(set(_tested_rows(question, after)["category"]))
    out = pd.concat(frames, ignore_index=True)
    counts = ["n_baseline", "base_baseline", "n_follow_up", "base_follow_up"]
    out[counts] = out[counts].astype("Float64").round().astype("Int64")  # a merge leaves floats
    out["change_pct_points"] = (out["pct_follow_up"] - out["pct_baseline"]).round(1)
    if match.status != SAME:  # no change figure for a changed or new question
        out["change_pct_points"] = math.nan
    raw = []
    for row in out.itertuples():
        if row.is_tested and not (pd.isna(row.base_baseline) or pd.isna(row.base_follow_up)):
            raw.append(p_value(int(row.n_baseline), int(row.base_baseline), int(row.n_follow_up),
                               int(row.base_follow_up), min_base))
        else:
            raw.append(math.nan)
    out["p_value"] = holm(raw)
    assessments = []
    for row in out.itertuples():
        if not row.is_tested:
            assessments.append(NOT_COMPARABLE if match.status == CHANGED else "")
        else:
            assessments.append(verdict(row.p_value, row.pct_baseline, row.pct_follow_up, alpha))
    out["assessment"] = assessments
    if match.status == NEW:
        out["assessment"] = ""
    # Items and categories in the question's order (a merge sorts them), each item's tested row last.
    item_order = {v: i for i, v in enumerate(dict.fromkeys([*after["item"], *before["item"]]))}
    category_order = {v: i for i, v in enumerate(dict.fromkeys([*after["category"], *before["category"]]))}
    out["_item"] = out["item"].map(item_order)
    out["_category"] = out["category"].map(category_order).fillna(len(category_order))
    out = out.sort_values(["_item", "is_tested", "_category"], kind="stable").drop(columns=["_item", "_category"])
    return out[CHANGE_COLUMNS].reset_index(drop=True)


def p_text(p: float) -> str:
    """'p = 0,012' or 'p < 0,001' (Danish decimal comma)."""
    if p < 0.001:
        return "p < 0,001"
    return f"p = {fmt.number(p, 3)}"


def survey_statements(question: Question, change: pd.DataFrame, match: QuestionMatch,
                      baseline_label: str, min_base: int) -> list[Statement]:
    """Plain-Danish sentences on a question's change."""
    if match.status == NEW:
        return [Statement(f"Spørgsmålet er nyt siden {baseline_label}; der er intet at sammenligne med.", INFO)]
    if match.status == CHANGED:
        return [Statement(f"Spørgsmålet er ændret siden {baseline_label} ({danish_differences(match)}); "
                          "svarene vises side om side uden vurdering af en ændring.", UNCLEAR)]
    tested = change[change["is_tested"]]
    if tested.empty:
        return []
    if (tested["assessment"] == TOO_FEW).all():
        return [Statement(f"For få svar til at vurdere en ændring (mindst {min_base} svar i begge runder "
                          "kræves).", UNCLEAR)]
    lines = []
    for row in tested.itertuples():
        if row.assessment not in (INCREASE, DECREASE):
            continue
        if question.type in ("likert", "likert_grid"):
            what = "Andelen, der svarer " + " eller ".join(f"'{level}'" for level in top_two(question))
        else:
            what = f"Andelen, der har valgt '{row.category}'"
        if row.item:
            what += f" ({row.item})"
        lines.append(Statement(f"{what}, er {row.assessment} fra {fmt.percent(row.pct_baseline)} til "
                               f"{fmt.percent(row.pct_follow_up)} ({p_text(row.p_value)}).", CHANGE))
    if not lines:
        few = (tested["assessment"] == TOO_FEW).any()
        lines.append(Statement(f"Ingen sikker ændring siden {baseline_label}" + (
            " (for nogle svar er der for få svar til at vurdere en ændring)." if few else "."), NO_CHANGE_SEEN))
    return lines


DIFFERENCE_NAMES = {"wording": "formulering", "type": "spørgsmålstype", "scale": "svarskala",
                    "options": "svarmuligheder", "items": "delspørgsmål"}


def danish_differences(match: QuestionMatch) -> str:
    return ", ".join(DIFFERENCE_NAMES[d] for d in match.differences)


# --------------------------------------------------------------------------- referrals


def rate_ratio(follow_up: int, follow_up_patients: int, baseline: int, baseline_patients: int,
               level: float = 0.95, follow_up_days: int = 1, baseline_days: int = 1) -> tuple[float, float, float]:
    """Rate ratio (follow-up / baseline) per patient and day, with an exact conditional interval.

    Given the total a + b, the follow-up's count a is binomial with p = a / (a + b); the
    Clopper-Pearson limits of p become rate-ratio limits through p / (1 - p) times the ratio
    of patient-days (listed patients times the period's days; equal periods cancel out).
    NaN where the baseline has no referrals.
    """
    a, b = follow_up, baseline
    if b == 0:
        return math.nan, math.nan, math.nan
    scale = (baseline_patients * baseline_days) / (follow_up_patients * follow_up_days)
    alpha = 1 - level
    low_p = 0.0 if a == 0 else float(betaincinv(a, b + 1, alpha / 2))
    high_p = float(betaincinv(a + 1, b, 1 - alpha / 2))
    ratio = a / b * scale
    low = low_p / (1 - low_p) * scale
    high = high_p / (1 - high_p) * scale if high_p < 1 else math.inf
    return ratio, low, high


def _inside(flag: object) -> bool:
    return not flag


def funnel_move(before: pd.Series | None, after: pd.Series | None) -> str:
    """How a practice moved against the funnel limits between the rounds (Danish)."""
    if before is None:
        return "ny praksis"
    if after is None:
        return "ikke med i opfølgningen"
    if not (bool(before["is_rate_computed"]) and bool(after["is_rate_computed"])):
        return "kan ikke vurderes"
    was_in, is_in = _inside(before["funnel"]), _inside(after["funnel"])
    if was_in and not is_in:
        return "nu uden for grænserne"
    if is_in and not was_in:
        return "nu inden for grænserne"
    return "uændret inden for grænserne" if is_in else "fortsat uden for grænserne"


REFERRAL_CHANGE_COLUMNS = [
    "practice", "offer",
    "referrals_baseline", "rate_per_1000_baseline", "ci_low_baseline", "ci_high_baseline", "funnel_baseline",
    "referrals_follow_up", "rate_per_1000_follow_up", "ci_low_follow_up", "ci_high_follow_up", "funnel_follow_up",
    "funnel_change", "rate_ratio", "rr_ci_low", "rr_ci_high", "assessment"]


def referral_change(before: pd.DataFrame, after: pd.DataFrame, cluster: str, level: float = 0.95,
                    days: tuple[int, int] = (1, 1)) -> pd.DataFrame:
    """Per practice and offer both rounds' rates; per offer the cluster's rate ratio.

    Inputs are suppressed rate tables (``privacy.suppress_referrals`` with the same
    pattern in both rounds): hidden cells stay hidden ('<5'/'skjult', no rate), and a rate
    ratio is only given where both cluster totals are shown. ``days``: the lengths of the
    baseline's and the follow-up's periods, which the rate ratio adjusts for.
    """
    rows = []
    offers = list(dict.fromkeys([*after["offer"], *before["offer"]]))
    practices = list(dict.fromkeys([*before["practice"], *after["practice"]]))
    practices = [p for p in practices if p != cluster] + [cluster]
    b_idx = before.set_index(["practice", "offer"])
    a_idx = after.set_index(["practice", "offer"])
    for offer in offers:
        for practice in practices:
            b = b_idx.loc[(practice, offer)] if (practice, offer) in b_idx.index else None
            a = a_idx.loc[(practice, offer)] if (practice, offer) in a_idx.index else None
            if a is None and b is None:
                continue
            row = {"practice": practice, "offer": offer}
            for suffix, rnd in (("baseline", b), ("follow_up", a)):
                row[f"referrals_{suffix}"] = rnd["referrals_shown"] if rnd is not None else ""
                for col in ("rate_per_1000", "ci_low", "ci_high"):
                    row[f"{col}_{suffix}"] = float(rnd[col]) if rnd is not None else math.nan
                row[f"funnel_{suffix}"] = rnd["funnel"] if rnd is not None else ""
            ratio = low = high = math.nan
            if practice == cluster:
                row["funnel_change"] = ""
                shown = (a is not None and b is not None and bool(a["is_rate_computed"])
                         and bool(b["is_rate_computed"]))
                if shown:
                    ratio, low, high = rate_ratio(int(a["referrals"]), int(a["listed_patients"]),
                                                  int(b["referrals"]), int(b["listed_patients"]), level,
                                                  follow_up_days=days[1], baseline_days=days[0])
                if not math.isfinite(ratio):
                    verdict = RATE_NOT_COMPUTED
                elif low > 1:
                    verdict = INCREASE
                elif high < 1:
                    verdict = DECREASE
                else:
                    verdict = NO_CHANGE
                row["assessment"] = verdict
            else:
                row["funnel_change"] = funnel_move(b, a)
                row["assessment"] = ""
            row.update(rate_ratio=ratio, rr_ci_low=low, rr_ci_high=high)
            rows.append(row)
    return pd.DataFrame(rows, columns=REFERRAL_CHANGE_COLUMNS)


def referral_statements(change: pd.DataFrame, cluster: str, offer: str | None = None) -> list[Statement]:
    """Danish sentences: the cluster's rate ratio per offer and practices crossing the limits."""
    lines = []
    part = change if offer is None else change[change["offer"] == offer]
    for row in part[part["practice"] == cluster].itertuples():
        if row.assessment == RATE_NOT_COMPUTED:
            if row.referrals_follow_up == "" or row.referrals_baseline == "":
                which = "baseline" if row.referrals_follow_up == "" else "opfølgningen"
                reason = f"tilbuddet findes kun i data for {which}"
            else:
                reason = "for få henvisninger i en af perioderne"
            lines.append(Statement(f"{row.offer}: ændringen kan ikke beregnes ({reason}).", UNCLEAR))
            continue
        ratio = (f"ratio {fmt.number(row.rate_ratio, 2)} (95 %-KI {fmt.number(row.rr_ci_low, 2)}–"
                 f"{fmt.number(row.rr_ci_high, 2)})")
        rates = f"{fmt.rate(row.rate_per_1000_baseline)} → {fmt.rate(row.rate_per_1000_follow_up)} pr. 1.000"
        if row.assessment in (INCREASE, DECREASE):
            lines.append(Statement(f"{row.offer}: klyngens henvisningsrate er {row.assessment} ({rates}; {ratio}).",
                                   CHANGE))
        else:
            lines.append(Statement(f"{row.offer}: ingen sikker ændring i klyngens henvisningsrate ({rates}; "
                                   f"{ratio}).", NO_CHANGE_SEEN))
    moves = part[part["funnel_change"].isin(["nu uden for grænserne", "nu inden for grænserne"])]
    for row in moves.itertuples():
        lines.append(Statement(f"{row.offer}: {row.practice} er {row.funnel_change} i tragten (før: "
                               f"{row.funnel_baseline or 'inden for'}; nu: {row.funnel_follow_up or 'inden for'}).",
                               FUNNEL))
    return lines
