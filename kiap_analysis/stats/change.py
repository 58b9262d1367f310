"""Follow-up orders: what changed since the baseline, and whether it is more than chance.

Pure functions on the tables of two rounds (``metrics`` tables, cleaned responses and
suppressed rate tables). Rules (docs/follow-up.md):

- Questions are matched by id. A question whose wording, type, scale or options changed is
  shown side by side but never gets a change statement; a question new at follow-up has
  nothing to compare with.
- Survey: one test per Likert item (the share in the scale's two highest levels, of all
  who answered the item, 'Ved ikke' included, as on the chart) and per option of a choice
  question ('Ved ikke' options aside). Where most respondents are linked between the rounds
  the paired answers get the exact McNemar test; otherwise the two-sided two-proportion test
  with continuity correction (R's ``prop.test``). Only where both bases reach the minimum;
  otherwise "too few".
- Referrals: the cluster's rate ratio (follow-up / baseline) per offer, for all practices and
  for the practices in both rounds, with an exact conditional (binomial) interval, widened
  for overdispersion where the practices differ more than chance explains; each practice's
  position in both rounds' funnels (a position, not a test of change).
- Verdicts come from ``claims.adjust``, which Holm-adjusts every claim of the follow-up once.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import bdtr, bdtrc, betaincinv, ndtr, ndtri

from kiap_analysis.core import formatting as fmt
from kiap_analysis.core.config import settings
from kiap_analysis.core.responses import question_slots
from kiap_analysis.core.spec import PackageSpec, Question
from kiap_analysis.stats import funnel
from kiap_analysis.stats.claims import (
    DECREASE,
    DIRECTION,
    INCREASE,
    NO_CHANGE,
    NOT_COMPARABLE,
    PENDING,
    RATE_NOT_COMPUTED,
    TOO_FEW,
    holm,
    p_pair,
    p_text,
)

# The wording lives in ``claims``; re-exported for the callers of this module.
__all__ = ["DECREASE", "INCREASE", "NOT_COMPARABLE", "NO_CHANGE", "RATE_NOT_COMPUTED", "TOO_FEW", "holm", "p_text"]

SAME, CHANGED, NEW = "same", "changed", "new"
DONT_KNOW_LABELS = {"ved ikke", "ved ikke/ønsker ikke at svare", "kan ikke vurdere"}  # never tested

PAIRED, UNPAIRED = "parret (McNemar)", "to stikprøver (prop.test)"

CHANGE_COLUMNS = ["question_id", "item", "category", "is_tested",
                  "n_baseline", "base_baseline", "pct_baseline",
                  "n_follow_up", "base_follow_up", "pct_follow_up",
                  "change_pct_points", "test", "n_pairs", "p_value", "p_adjusted", "assessment"]
ROUND_COLUMNS = ["n", "base", "pct"]
PAIR_COLUMNS = ["item", "category", "n_pairs", "up", "down"]


# --------------------------------------------------------------------------- statements

CHANGE, NO_CHANGE_SEEN, UNCLEAR, FUNNEL, INFO = "change", "no_change", "unclear", "funnel", "info"


@dataclass(frozen=True)
class Statement:
    """One sentence on a change, with what kind of finding it is."""

    text: str
    kind: str  # CHANGE (passes its test) | NO_CHANGE_SEEN | UNCLEAR (too few, changed question)
    # | FUNNEL (positions in the funnels, no test of change) | INFO (membership, period lengths)


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


def mcnemar_exact(up: int, down: int) -> float:
    """Two-sided exact McNemar p-value of paired yes/no answers (R: ``binom.test(up, up + down)``,
    or ``mcnemar.exact`` of exact2x2): given the up + down respondents who changed their answer,
    'up' is Binomial(up + down, 1/2) when nothing changed; p = twice the smaller tail."""
    changed = up + down
    if changed == 0:
        return 1.0
    return float(min(1.0, 2.0 * bdtr(min(up, down), changed, 0.5)))


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


def p_value(x1: int, n1: int, x2: int, n2: int, min_base: int) -> float:
    """The two-sample test's p-value, or NaN where a base is under the minimum."""
    return math.nan if min(n1, n2) < min_base else two_proportion_test(x1, n1, x2, n2)


# --------------------------------------------------------------------------- linked respondents


def indicators(responses: pd.DataFrame, question: Question) -> dict[tuple[str, str], pd.Series]:
    """Per tested (item, category): 1.0 / 0.0 per respondent (index: respondent_id), NaN for
    a respondent outside that row's base (the same bases as the chart's table)."""
    frame = responses.set_index("respondent_id")
    found: dict[tuple[str, str], pd.Series] = {}
    if question.type in ("likert", "likert_grid"):
        for slot in question_slots(question):
            answers = frame[slot.column]
            found[(slot.item.label if slot.item else "", top_two_label(question))] = (
                answers.isin(top_two(question)).astype(float).where(answers.notna()))
    elif question.type == "multi_choice":
        ticks = {slot.option.label: frame[slot.column].fillna(False).astype(bool) for slot in question_slots(question)}
        in_base = frame["is_complete"].astype(bool) | pd.concat(ticks.values(), axis=1).any(axis=1)
        for label, ticked in ticks.items():
            found[("", label)] = ticked.astype(float).where(in_base)
    else:
        answers = frame[question.id]
        for category in question.categories:
            found[("", category)] = (answers == category).astype(float).where(answers.notna())
    return found


def linked_pairs(before: dict[str, str], after: dict[str, str]) -> list[tuple[str, str]]:
    """(baseline respondent_id, follow-up respondent_id) of respondents whose link digest
    occurs once in each round (a digest shared by two respondents of a round links neither)."""
    def unique(links: dict[str, str]) -> dict[str, str]:
        counts = pd.Series(list(links.values()), dtype=object).value_counts()
        return {digest: rid for rid, digest in links.items() if counts[digest] == 1}

    first, second = unique(before), unique(after)
    return [(first[d], second[d]) for d in first if d in second]


def paired_counts(question: Question, before: pd.DataFrame, after: pd.DataFrame,
                  pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Per tested row: linked respondents in both rounds' bases (n_pairs), and those who moved
    into the share (up) or out of it (down). ``before``/``after``: cleaned responses."""
    first, second = indicators(before, question), indicators(after, question)
    b_ids = [b for b, _ in pairs]
    a_ids = [a for _, a in pairs]
    rows = []
    for key, was in first.items():
        if key not in second:
            continue
        x = was.reindex(b_ids).to_numpy(float)
        y = second[key].reindex(a_ids).to_numpy(float)
        both = ~(np.isnan(x) | np.isnan(y))
        rows.append((*key, int(both.sum()), int(((x == 0) & (y == 1) & both).sum()),
                     int(((x == 1) & (y == 0) & both).sum())))
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def _sign(value: float) -> float:
    return float((value > 0) - (value < 0))


def _row_test(row, pairs: dict[tuple[str, str], tuple[int, int, int]], min_base: int):
    """(test, n_pairs, raw p, direction) of one tested row.

    Paired where at least ``min_base`` linked respondents are in both bases and they make up
    at least half of each round's base; else the two-sample test (which ignores the positive
    correlation of repeated answers, so it errs on the cautious side). The direction is the
    shown shares' (a paired result pointing the other way is no claim)."""
    n1, n2 = int(row.base_baseline), int(row.base_follow_up)
    if min(n1, n2) < min_base:
        return "", pd.NA, math.nan, 0.0
    shares = _sign(row.pct_follow_up - row.pct_baseline)
    n_pairs, up, down = pairs.get((row.item, row.category), (0, 0, 0))
    if n_pairs >= min_base and 2 * n_pairs >= max(n1, n2):
        return PAIRED, n_pairs, mcnemar_exact(up, down), shares if _sign(up - down) == shares else 0.0
    return UNPAIRED, n_pairs, two_proportion_test(int(row.n_baseline), n1, int(row.n_follow_up), n2), shares


def survey_change(question: Question, before: pd.DataFrame | None, after: pd.DataFrame,
                  match: QuestionMatch, min_base: int, pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Both rounds side by side per item and category, with tested rows given their test.

    ``before``/``after``: the question's tables (question_id, item, category, n, base, pct);
    ``before`` is None for a question new at follow-up. ``pairs``: ``paired_counts`` of the
    linked respondents, if any. Tested rows (top-two share of a scale item, or each option)
    get the test, the raw p-value and the direction; ``claims.adjust`` then adjusts the
    p-values of the whole follow-up and words the assessment.
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
    by_row = {} if pairs is None else {(r.item, r.category): (r.n_pairs, r.up, r.down) for r in pairs.itertuples()}
    results = []
    for row in out.itertuples():
        if row.is_tested and not (pd.isna(row.base_baseline) or pd.isna(row.base_follow_up)):
            results.append(_row_test(row, by_row, min_base))
        else:
            results.append(("", pd.NA, math.nan, 0.0))
    out["test"] = [r[0] for r in results]
    out["n_pairs"] = pd.array([r[1] for r in results], dtype="Int64")
    out["p_value"] = [r[2] for r in results]
    out["p_adjusted"] = math.nan
    out[DIRECTION] = [r[3] for r in results]
    assessments = []
    for row in out.itertuples():
        if not row.is_tested:
            assessments.append(NOT_COMPARABLE if match.status == CHANGED else "")
        else:
            assessments.append(TOO_FEW if math.isnan(row.p_value) else PENDING)
    out["assessment"] = assessments
    if match.status == NEW:
        out["assessment"] = ""
    # Items and categories in the question's order (a merge sorts them), each item's tested row last.
    item_order = {v: i for i, v in enumerate(dict.fromkeys([*after["item"], *before["item"]]))}
    category_order = {v: i for i, v in enumerate(dict.fromkeys([*after["category"], *before["category"]]))}
    out["_item"] = out["item"].map(item_order)
    out["_category"] = out["category"].map(category_order).fillna(len(category_order))
    out = out.sort_values(["_item", "is_tested", "_category"], kind="stable").drop(columns=["_item", "_category"])
    return out[[*CHANGE_COLUMNS, DIRECTION]].reset_index(drop=True)


def published(table: pd.DataFrame) -> pd.DataFrame:
    """A survey change table as written and shown (without its working columns)."""
    return table[[c for c in CHANGE_COLUMNS if c in table]]


def _test_note(row) -> str:
    """'(parret test af de 20, der svarede begge gange; p = 0,004; justeret p = 0,031)'."""
    prefix = f"parret test af de {row.n_pairs}, der svarede begge gange; " if row.test == PAIRED else ""
    return f"({prefix}{p_pair(row.p_value, row.p_adjusted)})"


def survey_statements(question: Question, change: pd.DataFrame, match: QuestionMatch,
                      baseline_label: str, min_base: int) -> list[Statement]:
    """Plain-Danish sentences on a question's change (verdicts as ``claims.adjust`` gave them)."""
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
                               f"{fmt.percent(row.pct_follow_up)} {_test_note(row)}.", CHANGE))
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

EXACT, OVERDISPERSED = "eksakt (betinget binomial)", "kvasi-Poisson (justeret for overspredning)"
BOTH_ROUNDS = "Praksis med i begge runder"
IN_BOTH, JOINED, LEFT = "i begge runder", "ny siden basismålingen", "ikke med i opfølgningen"
POISSON_LIMITS, ADJUSTED_LIMITS = "Poisson", "justeret for overspredning"


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


def rate_ratio_p(follow_up: int, follow_up_exposure: float, baseline: int, baseline_exposure: float) -> float:
    """Two-sided exact conditional p-value of rate ratio 1 (R: ``poisson.test(c(a, b), c(Ta, Tb))``
    with its central p): under no change a is Binomial(a + b, Ta / (Ta + Tb)); p = twice the
    smaller tail, the test the Clopper-Pearson interval of ``rate_ratio`` inverts."""
    a, n = follow_up, follow_up + baseline
    share = follow_up_exposure / (follow_up_exposure + baseline_exposure)
    lower = float(bdtr(a, n, share))
    upper = float(bdtrc(a - 1, n, share)) if a >= 1 else 1.0
    return min(1.0, 2.0 * min(lower, upper))


def quasi_poisson_ratio(follow_up: int, follow_up_exposure: float, baseline: int, baseline_exposure: float,
                        phi: tuple[float, float], level: float = 0.95) -> tuple[float, float, float, float]:
    """(ratio, low, high, p) with the variance of each round's total scaled by its phi
    (quasi-Poisson: Var = phi x mean): log ratio +/- z sqrt(phi_b / b + phi_a / a)."""
    a, b = follow_up, baseline
    ratio = (a / follow_up_exposure) / (b / baseline_exposure)
    se = math.sqrt(phi[0] / b + phi[1] / a)
    z = float(ndtri(1 - (1 - level) / 2))
    p = float(2 * ndtr(-abs(math.log(ratio)) / se))
    return ratio, ratio * math.exp(-z * se), ratio * math.exp(z * se), p


def compare_rates(follow_up: int, follow_up_exposure: float, baseline: int, baseline_exposure: float,
                  phi: tuple[float, float] = (1.0, 1.0), level: float = 0.95):
    """(ratio, low, high, p, method): exact where neither round is overdispersed (phi 1),
    else quasi-Poisson with the rounds' phi. NaN where a count is 0 and no interval is exact."""
    a, b = follow_up, baseline
    if b == 0:
        return math.nan, math.nan, math.nan, math.nan, ""
    if phi == (1.0, 1.0) or a == 0:
        ratio, low, high = rate_ratio(a, follow_up_exposure, b, baseline_exposure, level)
        return ratio, low, high, rate_ratio_p(a, follow_up_exposure, b, baseline_exposure), EXACT
    return (*quasi_poisson_ratio(a, follow_up_exposure, b, baseline_exposure, phi, level), OVERDISPERSED)


def _phi(fits: dict[str, funnel.FunnelFit], offer: str) -> float:
    """The phi a round's total is scaled by: the practices' phi where they are overdispersed, else 1."""
    fit = fits.get(offer)
    return max(1.0, fit.spread.phi) if fit is not None and fit.is_adjusted else 1.0


def _drawn(row, fit: funnel.FunnelFit | None) -> str:
    """A practice's position against the limits its slide draws (adjusted when overdispersed)."""
    if row is None:
        return ""
    return row["funnel_adjusted"] if fit is not None and fit.is_adjusted else row["funnel"]


def membership(before: pd.DataFrame, after: pd.DataFrame, cluster: str) -> dict[str, str]:
    """Practice -> IN_BOTH, JOINED or LEFT, from the practices in each round's data."""
    first = set(before["practice"]) - {cluster}
    second = set(after["practice"]) - {cluster}
    ordered = list(dict.fromkeys([*before["practice"], *after["practice"]]))
    return {p: IN_BOTH if p in first and p in second else (JOINED if p in second else LEFT)
            for p in ordered if p != cluster}


REFERRAL_CHANGE_COLUMNS = [
    "practice", "offer", "membership",
    "referrals_baseline", "rate_per_1000_baseline", "ci_low_baseline", "ci_high_baseline", "funnel_baseline",
    "referrals_follow_up", "rate_per_1000_follow_up", "ci_low_follow_up", "ci_high_follow_up", "funnel_follow_up",
    "rate_ratio", "rr_ci_low", "rr_ci_high", "rr_method", "p_value", "p_adjusted", "assessment"]


def _usable(row) -> bool:
    """In the cluster's rate: the practice has listed patients."""
    return row is not None and pd.notna(row["listed_patients"]) and float(row["listed_patients"]) > 0


def _both_rounds_totals(b_rows: pd.DataFrame, a_rows: pd.DataFrame, cluster: str, min_left_out: int = 1):
    """(follow-up count, patients, baseline count, patients) of the practices in both rounds'
    cluster rates, or a reason why none is given. Only given when every practice left out is
    shown in its round: a hidden count would follow from the difference to the cluster's total;
    and (strict mode, ``min_left_out``) when each round leaves out none or at least that many
    practices, whose counts the difference would otherwise give as one practice's."""
    b_idx, a_idx = b_rows.set_index("practice"), a_rows.set_index("practice")
    usable = {name: {p for p, r in idx.iterrows() if p != cluster and _usable(r)}
              for name, idx in (("b", b_idx), ("a", a_idx))}
    both = usable["b"] & usable["a"]
    if not both:
        return "ingen praksis er med i begge runder"
    for name, idx in (("b", b_idx), ("a", a_idx)):
        left_out = usable[name] - both
        if idx.loc[list(left_out), "is_suppressed"].astype(bool).any():
            return "en praksis, der kun er med i én runde, har et skjult tal"
        if 0 < len(left_out) < min_left_out:
            return (f"færre end {min_left_out} praksis er kun med i én runde, og deres tal ville kunne regnes ud "
                    "(streng tilstand)")
    ordered = sorted(both)
    return (int(a_idx.loc[ordered, "referrals"].sum()), int(a_idx.loc[ordered, "listed_patients"].sum()),
            int(b_idx.loc[ordered, "referrals"].sum()), int(b_idx.loc[ordered, "listed_patients"].sum()))


def _ratio_fields(a: int, a_patients: int, b: int, b_patients: int, days: tuple[int, int],
                  phi: tuple[float, float], level: float) -> dict:
    ratio, low, high, p, method = compare_rates(a, a_patients * days[1], b, b_patients * days[0], phi, level)
    if not math.isfinite(ratio):
        return {"rate_ratio": math.nan, "rr_ci_low": math.nan, "rr_ci_high": math.nan, "rr_method": "",
                "p_value": math.nan, "assessment": RATE_NOT_COMPUTED}
    return {"rate_ratio": ratio, "rr_ci_low": low, "rr_ci_high": high, "rr_method": method, "p_value": p,
            "assessment": PENDING}


def referral_change(before: pd.DataFrame, after: pd.DataFrame, cluster: str, level: float = 0.95,
                    days: tuple[int, int] = (1, 1), min_left_out: int = 1) -> pd.DataFrame:
    """Per practice and offer both rounds' rates and funnel positions; per offer the cluster's
    rate ratio, and where membership changed also that of the practices in both rounds.

    Inputs are suppressed rate tables (``privacy.suppress_referrals`` with the same pattern in
    both rounds, funnel positions placed): hidden cells stay hidden ('<5'/'skjult', no rate),
    and a rate ratio is only given where both cluster totals are shown. ``days``: the lengths
    of the baseline's and the follow-up's periods, which the rate ratio adjusts for. Funnel
    positions are against the limits each round's slide draws (``limits_*`` on the cluster
    rows says which). Raw p-values; ``claims.adjust`` adds the adjusted ones and the verdicts.
    """
    rows = []
    offers = list(dict.fromkeys([*after["offer"], *before["offer"]]))
    members = membership(before, after, cluster)
    fits = (funnel.fit_offers(before, cluster), funnel.fit_offers(after, cluster))
    b_idx = before.set_index(["practice", "offer"])
    a_idx = after.set_index(["practice", "offer"])
    for offer in offers:
        for practice in [*members, cluster]:
            b = b_idx.loc[(practice, offer)] if (practice, offer) in b_idx.index else None
            a = a_idx.loc[(practice, offer)] if (practice, offer) in a_idx.index else None
            if a is None and b is None:
                continue
            row = {"practice": practice, "offer": offer, "membership": members.get(practice, ""),
                   "assessment": "", "rr_method": ""}
            for suffix, rnd, fit in (("baseline", b, fits[0].get(offer)), ("follow_up", a, fits[1].get(offer))):
                row[f"referrals_{suffix}"] = rnd["referrals_shown"] if rnd is not None else ""
                for col in ("rate_per_1000", "ci_low", "ci_high"):
                    row[f"{col}_{suffix}"] = float(rnd[col]) if rnd is not None else math.nan
                row[f"funnel_{suffix}"] = _drawn(rnd, fit) if practice != cluster else (
                    "" if fit is None else (ADJUSTED_LIMITS if fit.is_adjusted else POISSON_LIMITS))
            if practice == cluster:
                shown = (a is not None and b is not None and bool(a["is_rate_computed"])
                         and bool(b["is_rate_computed"]))
                phi = (_phi(fits[0], offer), _phi(fits[1], offer))
                row.update(_ratio_fields(int(a["referrals"]), int(a["listed_patients"]), int(b["referrals"]),
                                         int(b["listed_patients"]), days, phi, level) if shown
                           else _ratio_fields(0, 1, 0, 1, days, phi, level))
                rows.append(row)
                if any(m != IN_BOTH for m in members.values()):
                    rows.append(_both_rounds_row(before, after, offer, cluster, days, phi, level, shown,
                                                 min_left_out))
                continue
            rows.append(row)
    return pd.DataFrame(rows, columns=REFERRAL_CHANGE_COLUMNS)


def _both_rounds_row(before: pd.DataFrame, after: pd.DataFrame, offer: str, cluster: str,
                     days: tuple[int, int], phi: tuple[float, float], level: float, shown: bool,
                     min_left_out: int = 1) -> dict:
    """The rate ratio of the practices in both rounds' cluster rates (membership changed)."""
    row = {"practice": BOTH_ROUNDS, "offer": offer, "membership": "", "funnel_baseline": "",
           "funnel_follow_up": "", "referrals_baseline": "", "referrals_follow_up": "",
           **{f"{c}_{s}": math.nan for c in ("rate_per_1000", "ci_low", "ci_high") for s in ("baseline", "follow_up")}}
    totals = (_both_rounds_totals(before[before["offer"] == offer], after[after["offer"] == offer], cluster,
                                  min_left_out) if shown else "klyngens tal er skjult i en af runderne")
    if isinstance(totals, str):
        return {**row, **_ratio_fields(0, 1, 0, 1, days, phi, level), "rr_method": totals}
    a, a_patients, b, b_patients = totals
    row.update(referrals_baseline=str(b), referrals_follow_up=str(a),
               rate_per_1000_baseline=round(1000.0 * b / b_patients, settings().rate_decimals),
               rate_per_1000_follow_up=round(1000.0 * a / a_patients, settings().rate_decimals))
    return {**row, **_ratio_fields(a, a_patients, b, b_patients, days, phi, level)}


def _ratio_text(row) -> str:
    """'5,0 → 5,8 pr. 1.000; ratio 1,17; 95 %-KI 0,89–1,53; p = 0,261; justeret p = 1,000'."""
    interval = f"95 %-KI {fmt.number(row.rr_ci_low, 2)}–{fmt.number(row.rr_ci_high, 2)}"
    return (f"{fmt.rate(row.rate_per_1000_baseline)} → {fmt.rate(row.rate_per_1000_follow_up)} pr. 1.000; "
            f"ratio {fmt.number(row.rate_ratio, 2)}; {interval}; {p_pair(row.p_value, row.p_adjusted)}")


def _rate_statement(row) -> Statement:
    both = row.practice == BOTH_ROUNDS
    who = "raten for praksis med i begge runder" if both else "klyngens henvisningsrate"
    if row.assessment == RATE_NOT_COMPUTED:
        if both:
            reason = row.rr_method
        elif row.referrals_follow_up == "" or row.referrals_baseline == "":
            which = "baseline" if row.referrals_follow_up == "" else "opfølgningen"
            reason = f"tilbuddet findes kun i data for {which}"
        else:
            reason = "for få henvisninger eller skjulte tal i en af perioderne"
        return Statement(f"{row.offer}: ændringen i {who} kan ikke beregnes ({reason}).", UNCLEAR)
    note = " Intervallet er udvidet for overspredning." if row.rr_method == OVERDISPERSED else ""
    if row.assessment in (INCREASE, DECREASE):
        return Statement(f"{row.offer}: {who} er {row.assessment} ({_ratio_text(row)}).{note}", CHANGE)
    return Statement(f"{row.offer}: ingen sikker ændring i {who} ({_ratio_text(row)}).{note}", NO_CHANGE_SEEN)


def _place(flag: str) -> str:
    return flag or "inden for"


def referral_statements(change: pd.DataFrame, cluster: str, offer: str | None = None) -> list[Statement]:
    """Danish sentences (verdicts as ``claims.adjust`` gave them).

    For one offer: its rate ratios (all practices; those in both rounds) and the practices
    outside the funnel limits in either round, as positions. For all offers (``offer`` None,
    the overview): the changes, the ratios that cannot be computed, and one line naming the
    offers without a sure change (their figures are on their own slides)."""
    part = change if offer is None else change[change["offer"] == offer]
    totals = part[part["practice"].isin([cluster, BOTH_ROUNDS])]
    lines = [_rate_statement(row) for row in totals.itertuples()]
    if offer is None:
        calm = [row.offer for row, line in zip(totals.itertuples(), lines, strict=True)
                if line.kind == NO_CHANGE_SEEN and row.practice == cluster]
        lines = [line for line in lines if line.kind != NO_CHANGE_SEEN]
        if calm:
            lines.append(Statement(f"Ingen sikker ændring i klyngens henvisningsrate for {_names(calm)} (tallene står "
                                   "på tilbuddenes egne sider).", NO_CHANGE_SEEN))
        return lines
    practices = part[~part["practice"].isin([cluster, BOTH_ROUNDS]) & (part["membership"] == IN_BOTH)]
    outside = practices[(practices["funnel_baseline"] != "") | (practices["funnel_follow_up"] != "")]
    if len(outside):
        places = ", ".join(f"{r.practice} {_place(r.funnel_follow_up)} (før: {_place(r.funnel_baseline)})"
                           for r in outside.itertuples())
        lines.append(Statement(f"{offer}, placering i tragten nu (før) – en placering, ikke en test af ændring: "
                               f"{places}.", FUNNEL))
    return lines


def membership_statement(change: pd.DataFrame, baseline_label: str) -> Statement | None:
    """Which practices left or joined since the baseline (None when the same practices)."""
    members = change.drop_duplicates("practice").set_index("practice")["membership"]
    left = [p for p, m in members.items() if m == LEFT]
    joined = [p for p, m in members.items() if m == JOINED]
    if not left and not joined:
        return None
    parts = []
    if left:
        parts.append(f"{_names(left)} er ikke med i opfølgningens data")
    if joined:
        parts.append(f"{_names(joined)} er kommet til")
    return Statement(f"Klyngens praksis siden {baseline_label}: {' og '.join(parts)}. Rateratioen vises både for "
                     "alle praksis og for de praksis, der er med i begge runder.", INFO)


def membership_counts(change: pd.DataFrame) -> tuple[int, int]:
    """(practices that left, practices that joined) since the baseline."""
    members = change.drop_duplicates("practice").set_index("practice")["membership"]
    return int((members == LEFT).sum()), int((members == JOINED).sum())


def counted_membership_statement(left: int, joined: int, baseline_label: str) -> Statement | None:
    """Strict mode's membership sentence: how many practices left or joined, not which letters
    (a reader with both rounds' lists of listed patients would know which practice each is)."""
    if not left and not joined:
        return None
    parts = []
    if left:
        parts.append(f"{left} praksis er ikke med i opfølgningens data")
    if joined:
        parts.append(f"{joined} praksis er kommet til")
    return Statement(f"Klyngens praksis siden {baseline_label}: {' og '.join(parts)}. Rateratioen vises for alle "
                     "praksis og, hvor det kan ske uden at afsløre enkelte praksis' tal, for dem, der er med i "
                     "begge runder.", INFO)


def cluster_rows(change: pd.DataFrame, cluster: str) -> pd.DataFrame:
    """Strict mode's table of both rounds: the cluster's rows only (a letter's figures in two
    rounds, or its presence in one, would narrow down its practice)."""
    return change[change["practice"].isin([cluster, BOTH_ROUNDS])].reset_index(drop=True)


def _names(practices: list[str]) -> str:
    return practices[0] if len(practices) == 1 else ", ".join(practices[:-1]) + " og " + practices[-1]
