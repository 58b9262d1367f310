"""An order's numbers from its cleaned inputs: pure functions, results in and results out.

The pipeline's compute stage (``run.pipeline.compute``) calls them for each round (survey
counts, referral rates under the practices' letters, the reconciliation) and for what a
follow-up compares: suppression with one pattern in both rounds, strict mode's size bands,
the change since the baseline. Settings come from the caller.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from kiap_analysis.clean import reconcile
from kiap_analysis.clean.survey import CleanSurvey
from kiap_analysis.core import config
from kiap_analysis.core.config import Settings
from kiap_analysis.core.errors import Problem
from kiap_analysis.core.orders import Order
from kiap_analysis.core.shown import describe, package_words, safe
from kiap_analysis.core.spec import PackageSpec
from kiap_analysis.ingest.referrals import ListedIngest, ReferralIngest
from kiap_analysis.ingest.survey import SurveyIngest
from kiap_analysis.privacy.pseudonyms import practice_label
from kiap_analysis.privacy.suppression import hidden_cells, suppress_referrals
from kiap_analysis.stats import change, funnel, metrics
from kiap_analysis.stats.claims import adjust
from kiap_analysis.stats.disclosure import SizeBand, bands_for_rounds, strict_rates
from kiap_analysis.stats.results import (
    AdmissionResult,
    FollowUpChange,
    ReferralResult,
    RoundResult,
    SurveyResult,
    lengths_differ,
)


def survey_result(order: Order, spec: PackageSpec, ingest: SurveyIngest, cleaned: CleanSurvey,
                  links: dict[str, str], orders_file: str) -> SurveyResult:
    """A cleaned survey counted: the response summary, each chart question's table, the free
    text; ``links`` (respondent_id -> keyed digest, for follow-ups) kept for the respondents kept."""
    invited = order.invited
    if invited is None and ingest.invited:
        invited = ingest.invited
        ingest = replace(ingest, warnings=[*ingest.warnings, Problem(
            ingest.file, f"the order does not say how many were invited; the export lists {invited}, which is "
            "used", "add invited: N to the order", severity="warning")])
    summary = metrics.response_summary(cleaned.responses, invited)
    tables, free_text = {}, {}
    for question in spec.questions:
        if question.has_chart:
            tables[question.id] = metrics.question_table(cleaned.responses, question)
        else:
            free_text[question.id] = metrics.free_text_answers(cleaned.responses, question)
    kept = {rid: links[rid] for rid in cleaned.responses["respondent_id"] if rid in links}
    return SurveyResult(ingest, cleaned, summary, tables, free_text, kept,
                        invited_problems(order, ingest, summary, orders_file))


def invited_problems(order: Order, ingest: SurveyIngest, summary: metrics.ResponseSummary,
                     orders_file: str) -> list[Problem]:
    """The response rate needs a number invited that is at least the number who answered."""
    where = {"line": order.line, "column": "invited"}
    if summary.invited is None:
        return [Problem(orders_file, f"order {order.id} does not say how many were invited, and the export does "
                        "not list them: the response rate and 'n = ... af ... inviterede' cannot be given",
                        "add invited: N (the number of cluster members the survey was sent to) to the order",
                        **where)]
    found = []
    if summary.invited < summary.responded:
        found.append(Problem(orders_file, f"invited: {summary.invited}, but {summary.responded} respondents "
                             f"answered ({ingest.file}): the response rate would be "
                             f"{100 * summary.responded / summary.invited:.0f} %",
                             "correct invited: to the number of members the survey was sent to", **where))
    if order.invited is not None and ingest.invited and ingest.invited != order.invited:
        found.append(Problem(orders_file, f"invited: {order.invited}, but the export lists {ingest.invited} people "
                             f"the survey was sent to ({ingest.file}); {order.invited} is used",
                             "check invited: against the survey's distribution", severity="warning", **where))
    return found


def referral_result(ingest: ReferralIngest, listed: ListedIngest, spec: PackageSpec, letters: dict[str, str],
                    settings: Settings) -> ReferralResult:
    """Rates per 1,000 with practices under their pseudonyms (no ydernummer leaves here)."""
    warnings = list(ingest.warnings) + list(listed.warnings)
    listed_ids = set(listed.listed["ydernummer"])
    usable = listed.listed.dropna(subset=["listed_patients"])
    usable_ids = set(usable.loc[usable["listed_patients"] > 0, "ydernummer"])
    for ydernummer in sorted(set(ingest.counts["ydernummer"]) - listed_ids, key=letters.get):
        warnings.append(Problem(listed.file, f"{practice_label(letters[ydernummer])} has referrals but "
                                "is not in the listed-patients file: no rate ('ikke beregnet')",
                                "add the practice's listed patients", severity="warning"))
    for ydernummer in sorted(listed_ids - usable_ids, key=letters.get):
        warnings.append(Problem(listed.file, f"{practice_label(letters[ydernummer])} has 0 or no "
                                "listed patients: no rate ('ikke beregnet')",
                                "correct the number of listed patients", severity="warning"))
    offers = [o.label for o in spec.offers] + ingest.unknown_offers
    counts = ingest.counts.assign(practice_id=ingest.counts["ydernummer"].map(letters))
    patients = listed.listed.assign(practice_id=listed.listed["ydernummer"].map(letters))
    rates = metrics.referral_rates(counts[["practice_id", "offer", "referrals"]],
                                   patients[["practice_id", "listed_patients"]], offers,
                                   level=settings.confidence, exact_below=settings.exact_poisson_below)
    rates.insert(0, "practice", rates.pop("practice_id").map(
        lambda p: p if p == metrics.CLUSTER else practice_label(p)))
    return ReferralResult(ingest, listed, publishable_rates(rates, settings=settings), offers, warnings,
                          raw_rates=rates)


def publishable_rates(rates: pd.DataFrame, also_hide: frozenset[tuple[str, str]] = frozenset(),
                      bands: tuple[SizeBand, ...] | None = None, settings: Settings | None = None) -> pd.DataFrame:
    """Small counts suppressed (plus ``also_hide``), each practice placed in its funnel (against
    the unrounded cluster rate), and the rates and expected counts rounded to what is published:
    a count divided by an exact rate would give back the practice's listed patients, which are
    public and would undo its letter. ``funnel_x``: where the funnel draws a practice (its size
    to the nearest 100). ``bands``: strict mode (``disclosure.strict_rates``: no per-practice
    counts, intervals or expected counts, whole-number rates, sizes in these bands). ``settings``:
    the caller's (default: the workbook's)."""
    settings = settings or config.settings()
    out = suppress_referrals(rates, settings.min_count, metrics.CLUSTER, also_hide)
    fits = funnel.fit_offers(out, metrics.CLUSTER)
    placed = funnel.positions(out, fits, metrics.CLUSTER)
    out[list(placed.columns)] = placed
    patients = pd.to_numeric(out["listed_patients"], errors="coerce").astype(float)
    out["funnel_x"] = (patients / 100.0).round() * 100.0
    if bands is not None:
        out = strict_rates(out, bands, fits, metrics.CLUSTER)
    rate_columns = ["rate_per_1000", "ci_low", "ci_high", "expected"]
    out[rate_columns] = out[rate_columns].round(settings.rate_decimals)
    return out


def align_suppression(before: ReferralResult, after: ReferralResult,
                      settings: Settings | None = None) -> tuple[ReferralResult, ReferralResult]:
    """Both rounds hiding the same cells, so no hidden count follows from the other round.

    A cell hidden in either round is hidden in both; that may expose a lone hidden cell in
    an offer, whose secondary suppression may hide another: repeat until nothing changes.
    """
    cells: frozenset[tuple[str, str]] = frozenset()
    while True:
        before, after = _hiding(before, cells, settings), _hiding(after, cells, settings)
        hidden = hidden_cells(before.rates) | hidden_cells(after.rates)
        if hidden == cells:
            return before, after
        cells = hidden


def _hiding(result: ReferralResult, cells: frozenset[tuple[str, str]], settings: Settings | None) -> ReferralResult:
    """The same result with these (practice, offer) cells hidden too."""
    assert result.raw_rates is not None
    return replace(result, rates=publishable_rates(result.raw_rates, cells, result.bands, settings))


def round_result(order: Order, spec: PackageSpec, survey: SurveyResult | None, referrals: ReferralResult | None,
                 row_errors: list[Problem], orders_file: str, settings: Settings,
                 admissions: AdmissionResult | None = None) -> RoundResult:
    """A round's results with its reconciliation and problems: data loss past its limit, counts
    that do not fit, and the referral and admissions inputs' row errors."""
    result = RoundResult(order, spec, survey, referrals, admissions=admissions)
    result.reconciliation = round_reconciliation(result)
    result.problems = reconcile.loss_problems(result.reconciliation, settings, orders_file, order.line)
    if survey is not None:
        result.problems += survey.problems
    result.problems += row_errors
    return result


def round_reconciliation(rnd: RoundResult) -> reconcile.Reconciliation:
    """Every row of the round's inputs, counted, kept or dropped by a named rule (pure)."""
    accounts: list[reconcile.Account] = []
    if rnd.survey is not None:
        s = rnd.survey
        accounts.append(reconcile.survey_account(s.ingest, s.clean, s.tables, s.free_text, rnd.spec))
    if rnd.referrals is not None:
        accounts += reconcile.referral_accounts(rnd.referrals.ingest, rnd.referrals.listed)
    if rnd.admissions is not None:
        accounts.append(reconcile.admission_account(rnd.admissions.ingest))
        if rnd.referrals is None:
            accounts.append(reconcile.listed_account(rnd.admissions.listed))
    return reconcile.Reconciliation(rnd.order.id, rnd.label, tuple(accounts), dict(rnd.order.accept_loss))


def in_strict_mode(results: list[RoundResult], settings: Settings) -> list[RoundResult]:
    """The rounds' referral figures as strict mode publishes them: size bands fixed by the first
    (baseline) round's practices, merged where a round has too few in one (``disclosure``)."""
    rounds = [r for r in results if r.referrals is not None]
    if not rounds:
        return results
    bands = iter(bands_for_rounds(rounds[0].referrals.sizes(), [r.referrals.sizes() for r in rounds]))
    return [replace(r, referrals=_in_bands(r.referrals, next(bands), settings)) if r.referrals is not None else r
            for r in results]


def _in_bands(result: ReferralResult, bands: tuple[SizeBand, ...], settings: Settings) -> ReferralResult:
    """The same result published in strict mode with these size bands."""
    assert result.raw_rates is not None
    return replace(result, bands=bands, rates=publishable_rates(result.raw_rates, frozenset(), bands, settings))


def _offer_warnings(baseline: RoundResult, current: RoundResult, orders_file: str) -> list[Problem]:
    """An offer in one round's referral data only (new, or renamed): shown for that round, not compared."""
    warnings = []
    before, after = baseline.referrals.offers, current.referrals.offers
    known = package_words(current.spec)
    for offer, where, other in [*((o, "follow-up", "baseline") for o in after if o not in before),
                                *((o, "baseline", "follow-up") for o in before if o not in after)]:
        named = f"offer {describe(offer, known)}" if safe(offer, known) else "an offer the package does not know"
        warnings.append(Problem(orders_file, f"{named} is only in the {where}'s referral data (new or "
                                f"renamed): it is shown for the {where} only, without a change since the {other}",
                                "if the municipality renamed it, add the old name to the offer's aliases in the "
                                "package spec", line=current.order.line, column="referrals", severity="warning"))
    return warnings


def compare_rounds(baseline: RoundResult, current: RoundResult, orders_file: str,
                   settings: Settings) -> FollowUpChange:
    """Survey and referral change between a baseline and its follow-up (pure)."""
    matches = change.match_questions(baseline.spec, current.spec)
    warnings = []
    survey: dict[str, pd.DataFrame] = {}
    pairs = (change.linked_pairs(baseline.survey.links, current.survey.links)
             if baseline.survey is not None and current.survey is not None else [])
    if current.survey is not None:
        before_tables = baseline.survey.tables if baseline.survey is not None else {}
        for qid, table in current.survey.tables.items():
            question = current.spec.question(qid)
            match = matches[qid]
            if match.status == change.CHANGED:
                warnings.append(Problem(
                    orders_file, f"question {qid} changed since the baseline order {baseline.order.id} "
                    f"({', '.join(match.differences)}): both rounds are shown side by side without a "
                    "change statement", "keep a repeated question's wording and scale, or give a new "
                    "question a new id", line=current.order.line, severity="warning"))
            paired = None
            if pairs and match.status == change.SAME:
                paired = change.paired_counts(question, baseline.survey.clean.responses,
                                              current.survey.clean.responses, pairs)
            survey[qid] = change.survey_change(question, before_tables.get(qid), table, match,
                                               settings.min_change_base, paired)
    if baseline.survey is not None and current.survey is not None:
        for question in baseline.spec.questions:
            if question.has_chart and question.id not in current.spec.question_ids():
                warnings.append(Problem(orders_file, f"question {question.id} of the baseline order "
                                        f"{baseline.order.id} is not in the follow-up: it is not compared",
                                        "nothing to do if it was removed on purpose", line=current.order.line,
                                        severity="warning"))
    referrals, days, membership = None, None, None
    if baseline.referrals is not None and current.referrals is not None:
        days = _period_days(baseline.order, current.order)
        if days is None:
            warnings.append(Problem(orders_file, f"order {current.order.id} or its baseline has no period: the "
                                    "rate ratio assumes periods of the same length", "give both orders a period",
                                    line=current.order.line, column="period", severity="warning"))
        elif lengths_differ(days):
            warnings.append(Problem(orders_file, f"the baseline's period has {days[0]} days and the follow-up's "
                                    f"{days[1]}: the rate ratio is per patient and day, the rates per period",
                                    "compare periods of the same length where you can", line=current.order.line,
                                    column="period", severity="warning"))
        warnings += _offer_warnings(baseline, current, orders_file)
        strict = current.referrals.is_strict
        referrals = change.referral_change(baseline.referrals.rates, current.referrals.rates, metrics.CLUSTER,
                                           settings.confidence, days or (1, 1),
                                           settings.min_band_practices if strict else 1)
        if strict:
            membership = change.membership_counts(referrals)
            referrals = change.cluster_rows(referrals, metrics.CLUSTER)
    survey, referrals, claims = adjust(survey, referrals, settings.change_alpha)
    return FollowUpChange({q: m for q, m in matches.items() if q in survey}, survey, referrals, warnings, days,
                          claims, len(pairs), membership)


def _period_days(baseline: Order, follow_up: Order) -> tuple[int, int] | None:
    """The lengths in days of both rounds' periods (both ends counted), or None."""
    if baseline.period is None or follow_up.period is None:
        return None
    return tuple((p.end - p.start).days + 1 for p in (baseline.period, follow_up.period))
