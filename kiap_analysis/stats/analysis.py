"""One order from inputs to numbers: read, clean, validate, pseudonymise, compute.

This is the only place that joins the readers (I/O) and the pure transforms. The template
notebook and ``kiap validate`` both start here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import pandera.errors

from kiap_analysis.clean import reconcile
from kiap_analysis.clean.survey import CleanSurvey, clean_responses
from kiap_analysis.core import responses
from kiap_analysis.core.config import Paths, settings
from kiap_analysis.core.errors import (
    InputError,
    KiapError,
    Problem,
    display_path,
)
from kiap_analysis.core.identifiers import public_words, texts_of
from kiap_analysis.core.orders import Order, load_orders, resolve_spec
from kiap_analysis.core.shown import describe, package_words, safe
from kiap_analysis.core.spec import PackageSpec
from kiap_analysis.ingest.names import read_names
from kiap_analysis.ingest.places import Places, order_places, published_problem
from kiap_analysis.ingest.referrals import (
    ListedIngest,
    ReferralIngest,
    read_listed_patients,
    read_referrals,
)
from kiap_analysis.ingest.roster import cluster_practices
from kiap_analysis.ingest.survey import SurveyIngest, read_survey
from kiap_analysis.privacy.pseudonyms import (
    PseudonymRegister,
    letter,
    load_key,
    practice_digest,
    practice_label,
    registered_ydernumre,
    respondent_digest,
)
from kiap_analysis.privacy.redaction import Redactor
from kiap_analysis.privacy.suppression import hidden_cells, redact_frame, suppress_referrals
from kiap_analysis.stats import change, funnel, metrics
from kiap_analysis.stats.claims import adjust
from kiap_analysis.stats.disclosure import SizeBand, bands_for_rounds, strict_rates


@dataclass
class SurveyResult:
    ingest: SurveyIngest = field(repr=False)  # holds respondents' names as read
    clean: CleanSurvey
    summary: metrics.ResponseSummary
    tables: dict[str, pd.DataFrame]  # chart questions: tables/<id>.csv
    free_text: dict[str, list[str]]
    links: dict[str, str] = field(default_factory=dict, repr=False)  # follow-ups: respondent_id -> keyed digest
    problems: list[Problem] = field(default_factory=list)  # counts that do not fit, e.g. invited < respondents


@dataclass
class ReferralResult:
    ingest: ReferralIngest = field(repr=False)  # ydernumre and practice names as read
    listed: ListedIngest = field(repr=False)
    rates: pd.DataFrame  # suppressed: practice (pseudonym), offer, referrals, referrals_shown, rate_per_1000, ...
    offers: list[str]
    warnings: list[Problem] = field(default_factory=list)
    raw_rates: pd.DataFrame | None = field(default=None, repr=False)  # before suppression (never shown)
    bands: tuple[SizeBand, ...] | None = None  # disclosure: strict: the practices' size bands (else None)

    @property
    def is_strict(self) -> bool:
        return self.bands is not None

    @property
    def funnels(self) -> dict[str, funnel.FunnelFit]:
        """Per offer: the funnel's unrounded centre and the practices' overdispersion."""
        return funnel.fit_offers(self.rates, metrics.CLUSTER)

    def hiding(self, cells: frozenset[tuple[str, str]]) -> ReferralResult:
        """The same result with these (practice, offer) cells hidden too."""
        assert self.raw_rates is not None
        return replace(self, rates=publishable_rates(self.raw_rates, cells, self.bands))

    def in_bands(self, bands: tuple[SizeBand, ...]) -> ReferralResult:
        """The same result published in strict mode with these size bands."""
        assert self.raw_rates is not None
        return replace(self, bands=bands, rates=publishable_rates(self.raw_rates, frozenset(), bands))

    def sizes(self) -> list[float]:
        """The listed patients of the round's practices that have them (the public list's)."""
        listed = self.listed.listed.dropna(subset=["listed_patients"])
        return [float(n) for n in listed["listed_patients"] if n > 0]


@dataclass
class RoundResult:
    """One survey/data round: the order itself, or the baseline a follow-up compares with."""

    order: Order
    spec: PackageSpec
    survey: SurveyResult | None
    referrals: ReferralResult | None
    reconciliation: reconcile.Reconciliation | None = None
    problems: list[Problem] = field(default_factory=list)  # data loss and counts that do not fit (both severities)

    @property
    def label(self) -> str:
        """How charts name the round: its period ('2025'), else 'Baseline'/'Opfølgning'."""
        if self.order.period:
            return self.order.period.short_label()
        return "Opfølgning" if self.order.is_follow_up else "Baseline"


@dataclass
class FollowUpChange:
    """What changed since the baseline (follow-up orders).

    Survey tables come before the small-base suppression (applied where they are shown or
    written); the referral table is built from rates suppressed with one pattern in both rounds.
    """

    matches: dict[str, change.QuestionMatch]  # chart questions of the follow-up, by id
    survey: dict[str, pd.DataFrame]  # question id -> change.survey_change table
    referrals: pd.DataFrame | None  # change.referral_change table
    warnings: list[Problem] = field(default_factory=list)
    period_days: tuple[int, int] | None = None  # the baseline's and the follow-up's period lengths
    claims: int = 0  # tested changes, Holm-adjusted together (claims.adjust)
    linked: int = 0  # respondents linked between the rounds (their paired answers are tested)
    membership: tuple[int, int] | None = None  # strict mode: (practices left, joined); their letters not shown

    @property
    def periods_differ(self) -> bool:
        return _lengths_differ(self.period_days)


def _lengths_differ(days: tuple[int, int] | None) -> bool:
    """Whether the rounds' periods differ in length by more than 5 %."""
    return days is not None and abs(days[0] - days[1]) > 0.05 * max(days)


@dataclass
class OrderAnalysis:
    orders_file: Path
    order: Order
    spec: PackageSpec
    current: RoundResult
    baseline: RoundResult | None
    # Private (never in a repr): ydernumre, practice, respondent and listed names in the inputs ...
    identifiers: dict[str, set[str]] = field(repr=False)
    # ... and ydernummer -> (letter, name).
    practices: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)

    redactor: Redactor = field(default_factory=Redactor)  # every identifier above (respondents' names too)
    change: FollowUpChange | None = None
    places: Places = field(default_factory=Places)  # input file and sheet names that hold an identifier

    def published(self, text: str) -> str:
        """Text from the inputs as it may be published: file and sheet names holding an
        identifier replaced ('fil 1'), identifiers redacted."""
        return self.redactor(self.places(text))

    def published_problem(self, problem: Problem) -> Problem:
        return published_problem(problem, self.places, self.redactor)

    @property
    def warnings(self) -> list[Problem]:
        """Every warning, with any identifying text in it redacted (warnings reach reports)."""
        found: list[Problem] = []
        for rnd in (self.current, self.baseline):
            if rnd is None:
                continue
            if rnd.survey:
                found += rnd.survey.ingest.warnings
            if rnd.referrals:
                found += rnd.referrals.warnings
            found += [p for p in rnd.problems if p.severity == "warning"]
        if self.change is not None:
            found += self.change.warnings
        return [self.published_problem(p) for p in found]


def label_of(path: Path, order: Order) -> str:
    return display_path(path, order.base_dir)


def _required_inputs(order: Order, spec: PackageSpec, file: str) -> list[Problem]:
    problems = []
    needs = [("survey", order.survey)] if "survey" in spec.data else []
    if spec.uses_referrals:
        needs += [("referrals", order.referrals), ("listed_patients", order.listed_patients)]
    for key, value in needs:
        if value is None:
            problems.append(Problem(file, f"package '{spec.name}' needs '{key}', which order "
                                    f"{order.id} does not give", f"add '{key}:' to the order",
                                    line=order.line, column=key))
    return problems


def analyse_survey(order: Order, spec: PackageSpec, redactor: Redactor | None = None,
                   orders_file: str = "") -> SurveyResult:
    """Read, clean, validate and count a survey; free text is redacted before anything sees it."""
    assert order.survey is not None
    ingest = read_survey(order.survey, spec, order.survey_map, label_of(order.survey, order),
                         order.respondent_id, order.survey_language)
    redactor = redactor or Redactor()
    redact = redactor.adding_names(ingest.personal_values)
    cleaned = clean_responses(ingest.responses, spec, ingest.answered_elsewhere)
    free_text_columns = [q.id for q in spec.questions if q.type == "free_text"]
    cleaned = replace(cleaned, responses=redact_frame(cleaned.responses, free_text_columns, redact))
    try:
        responses.schema(spec).validate(cleaned.responses, lazy=True)
    except pandera.errors.SchemaErrors as exc:  # a reader bug, not a user error
        # Its failure cases are cell values: only the columns and checks are named.
        cases = exc.failure_cases
        failed = sorted({f"{c} ({k})" for c, k in zip(cases["column"].astype(str), cases["check"].astype(str),
                                                       strict=True)})
        raise KiapError(f"{ingest.file}: the cleaned survey breaks the schema (a reader bug) in "
                        f"{', '.join(failed[:10])}") from exc
    invited = order.invited
    if invited is None and ingest.invited:
        invited = ingest.invited
        ingest.warnings.append(Problem(ingest.file, f"the order does not say how many were invited; the "
                                       f"export lists {invited}, which is used", "add invited: N to the order",
                                       severity="warning"))
    summary = metrics.response_summary(cleaned.responses, invited)
    tables, free_text = {}, {}
    for question in spec.questions:
        if question.has_chart:
            tables[question.id] = metrics.question_table(cleaned.responses, question)
        else:
            free_text[question.id] = metrics.free_text_answers(cleaned.responses, question)
    result = SurveyResult(ingest, cleaned, summary, tables, free_text)
    result.problems = invited_problems(order, ingest, summary, orders_file)
    return result


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


def read_referral_inputs(order: Order, spec: PackageSpec) -> tuple[ReferralIngest, ListedIngest]:
    """Both referral inputs; their row problems come back in ``errors`` (for the reconciliation)."""
    assert order.referrals is not None and order.listed_patients is not None
    problems: list[Problem] = []
    ingest = listed = None
    try:
        ingest = read_referrals(order.referrals, spec.offers, order.period, label_of(order.referrals, order),
                                collect=True)
    except InputError as exc:
        problems += exc.problems
    try:
        listed = read_listed_patients(order.listed_patients, label_of(order.listed_patients, order), collect=True)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    assert ingest is not None and listed is not None
    return ingest, listed


def analyse_referrals(
    ingest: ReferralIngest, listed: ListedIngest, spec: PackageSpec, letters: dict[str, str]
) -> ReferralResult:
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
                                   level=settings().confidence, exact_below=settings().exact_poisson_below)
    rates.insert(0, "practice", rates.pop("practice_id").map(
        lambda p: p if p == metrics.CLUSTER else practice_label(p)))
    return ReferralResult(ingest, listed, publishable_rates(rates), offers, warnings, raw_rates=rates)


def publishable_rates(rates: pd.DataFrame, also_hide: frozenset[tuple[str, str]] = frozenset(),
                      bands: tuple[SizeBand, ...] | None = None) -> pd.DataFrame:
    """Small counts suppressed (plus ``also_hide``), each practice placed in its funnel (against
    the unrounded cluster rate), and the rates and expected counts rounded to what is published:
    a count divided by an exact rate would give back the practice's listed patients, which are
    public and would undo its letter. ``funnel_x``: where the funnel draws a practice (its size
    to the nearest 100). ``bands``: strict mode (``disclosure.strict_rates``: no per-practice
    counts, intervals or expected counts, whole-number rates, sizes in these bands)."""
    out = suppress_referrals(rates, settings().min_count, metrics.CLUSTER, also_hide)
    fits = funnel.fit_offers(out, metrics.CLUSTER)
    placed = funnel.positions(out, fits, metrics.CLUSTER)
    out[list(placed.columns)] = placed
    patients = pd.to_numeric(out["listed_patients"], errors="coerce").astype(float)
    out["funnel_x"] = (patients / 100.0).round() * 100.0
    if bands is not None:
        out = strict_rates(out, bands, fits, metrics.CLUSTER)
    rate_columns = ["rate_per_1000", "ci_low", "ci_high", "expected"]
    out[rate_columns] = out[rate_columns].round(settings().rate_decimals)
    return out


def align_suppression(before: ReferralResult, after: ReferralResult) -> tuple[ReferralResult, ReferralResult]:
    """Both rounds hiding the same cells, so no hidden count follows from the other round.

    A cell hidden in either round is hidden in both; that may expose a lone hidden cell in
    an offer, whose secondary suppression may hide another: repeat until nothing changes.
    """
    cells: frozenset[tuple[str, str]] = frozenset()
    while True:
        before, after = before.hiding(cells), after.hiding(cells)
        hidden = hidden_cells(before.rates) | hidden_cells(after.rates)
        if hidden == cells:
            return before, after
        cells = hidden


def _analyse_round(order: Order, spec: PackageSpec, referral_inputs, letters, redactor,
                   orders_file: str) -> RoundResult:
    survey = analyse_survey(order, spec, redactor, orders_file) if "survey" in spec.data else None
    referrals = None
    if referral_inputs is not None:
        referrals = analyse_referrals(*referral_inputs, spec, letters)
    result = RoundResult(order, spec, survey, referrals)
    result.reconciliation = round_reconciliation(result)
    result.problems = reconcile.loss_problems(result.reconciliation, settings(), orders_file, order.line)
    if survey is not None:
        result.problems += survey.problems
    if referral_inputs is not None:
        result.problems += referral_inputs[0].errors + referral_inputs[1].errors
    return result


def round_reconciliation(rnd: RoundResult) -> reconcile.Reconciliation:
    """Every row of the round's inputs, counted, kept or dropped by a named rule (pure)."""
    accounts: list[reconcile.Account] = []
    if rnd.survey is not None:
        s = rnd.survey
        accounts.append(reconcile.survey_account(s.ingest, s.clean, s.tables, s.free_text, rnd.spec))
    if rnd.referrals is not None:
        accounts += reconcile.referral_accounts(rnd.referrals.ingest, rnd.referrals.listed)
    return reconcile.Reconciliation(rnd.order.id, rnd.label, tuple(accounts), dict(rnd.order.accept_loss))


def _of_baseline(problem: Problem, baseline_id: str) -> Problem:
    """A problem in the baseline's inputs, said to be the baseline's."""
    fix = problem.fix
    if "not found" in problem.message or "does not exist" in problem.message or "missing" in problem.message:
        fix += (" (a follow-up re-reads its baseline's inputs: archive them before the follow-up, "
                "since SurveyXact deletes responses after about a year)")
    return replace(problem, message=f"baseline order '{baseline_id}': {problem.message}", fix=fix.strip())


def _check_baseline(order: Order, spec: PackageSpec, baseline: Order, baseline_spec: PackageSpec,
                    file: str) -> None:
    """A follow-up compares with a baseline of the same cluster and package, run before it."""
    problems = []
    if baseline.id == order.id:
        problems.append("a follow-up cannot be its own baseline")
    if baseline.cluster != order.cluster:
        problems.append(f"the baseline order '{baseline.id}' is for {baseline.cluster}, not {order.cluster}")
    if baseline_spec.name != spec.name:
        problems.append(f"the baseline order '{baseline.id}' is package {baseline_spec.name}, not {spec.name}")
    if baseline.period and order.period and baseline.period.end >= order.period.start:
        problems.append(f"the baseline period ({baseline.period.label()}) does not end before the "
                        f"follow-up period ({order.period.label()}) starts")
    if problems:
        raise InputError([Problem(file, message, "point 'baseline:' at this cluster's earlier order of the "
                                  "same package", line=order.line, column="baseline") for message in problems])


def analyse_order(
    orders_file: Path | str, order_id: str, paths: Paths | None = None, dry_run: bool = False
) -> OrderAnalysis:
    """Everything the deck and report show for one order; InputError lists every problem.

    ``dry_run`` (kiap validate) reads and checks everything but neither needs the pseudonym
    key nor touches the register: practices get provisional letters.
    """
    paths = paths or Paths.current()
    orders = load_orders(orders_file)
    order = orders.order(order_id)
    spec = resolve_spec(order, orders)
    rounds = [(order, spec)]
    if order.is_follow_up:
        entry = next((e for e in orders.entries if e.id == order.baseline), None)
        if entry is None:
            raise InputError(Problem(str(orders.path), f"the baseline order '{order.baseline}' is not "
                                     "in the orders file", "keep the baseline order in the same orders "
                                     "file (its inputs archived), or correct 'baseline:'",
                                     line=order.line, column="baseline"))
        try:
            baseline_order = orders.order(entry.id)
        except InputError as exc:
            raise InputError([_of_baseline(p, entry.id) for p in exc.problems]) from exc
        baseline_spec = resolve_spec(baseline_order, orders)
        _check_baseline(order, spec, baseline_order, baseline_spec, str(orders.path))
        rounds.insert(0, (baseline_order, baseline_spec))

    problems: list[Problem] = []
    referral_inputs: list[tuple[ReferralIngest, ListedIngest] | None] = []
    for rnd_order, rnd_spec in rounds:
        found = _required_inputs(rnd_order, rnd_spec, str(orders.path))
        referral_inputs.append(None)
        if rnd_spec.uses_referrals and not found:
            try:
                referral_inputs[-1] = read_referral_inputs(rnd_order, rnd_spec)
            except InputError as exc:
                found += exc.problems
        problems += found if rnd_order is order else [_of_baseline(p, rnd_order.id) for p in found]
    if problems:
        raise InputError(problems)

    identifiers: dict[str, set[str]] = {"ydernummer": set(), "practice_name": set()}
    letters: dict[str, str] = {}
    practice_names: dict[str, str] = {}
    if any(r is not None for r in referral_inputs):
        # Inputs with row errors stop the order below: their practices get no lasting letter.
        broken = any(i is not None and (i[0].errors or i[1].errors) for i in referral_inputs)
        register = None if dry_run or broken else PseudonymRegister(paths.private, order.cluster,
                                                                    load_key(paths.private))
        for inputs in referral_inputs:  # baseline first: its practices keep the first letters
            if inputs is None:
                continue
            ingest, listed = inputs
            ydernumre = set(ingest.counts["ydernummer"]) | set(listed.listed["ydernummer"])
            if register is None:
                new = sorted(ydernumre - set(letters))
                letters.update({y: letter(len(letters) + i) for i, y in enumerate(new)})
            else:
                letters.update(register.assign(ydernumre))
            identifiers["ydernummer"] |= ydernumre
            practice_names.update(ingest.practice_names)
            practice_names.update(listed.practice_names)
            identifiers["practice_name"] |= set(practice_names.values())

    # The cluster's practices, known to every order of the cluster (survey-only ones too).
    known = cluster_practices(orders, order.cluster)
    problems += list(known.problems)
    identifiers["ydernummer"] |= known.ydernumre
    identifiers["practice_name"] |= known.names
    names = set(practice_names.values()) | known.names
    for rnd_order, _ in rounds:
        if rnd_order.names is not None:
            try:
                names |= read_names(rnd_order.names, label_of(rnd_order.names, rnd_order))
            except InputError as exc:
                problems += exc.problems
    if problems:
        raise InputError(problems)
    # Not identifiers: the words the order publishes anyway (never taken for a name).
    identifiers["public"] = set(public_words([order.id, order.cluster, order.municipality,
                                              *texts_of([s for _, s in rounds])]))
    redactor = Redactor(frozenset(identifiers["ydernummer"]), frozenset(names), frozenset(identifiers["public"]),
                        None if dry_run else registered_ydernumre(paths.private))
    results = []
    for (rnd_order, rnd_spec), inputs in zip(rounds, referral_inputs, strict=True):
        try:
            results.append(_analyse_round(rnd_order, rnd_spec, inputs, letters, redactor, str(orders.path)))
        except InputError as exc:
            problems += exc.problems if rnd_order is order else [_of_baseline(p, rnd_order.id) for p in exc.problems]
    for rnd in results:
        errors = [p for p in rnd.problems if p.severity == "error"]
        problems += errors if rnd.order is order else [_of_baseline(p, rnd.order.id) for p in errors]
    if problems:
        raise InputError(problems, [r.reconciliation for r in reversed(results) if r.reconciliation])
    if order.is_strict:
        results = in_strict_mode(results)
    current = results[-1]
    baseline = results[0] if len(results) == 2 else None
    follow_up = None
    if baseline is not None and baseline.survey is not None and current.survey is not None:
        key = secrets.token_bytes(32) if dry_run else load_key(paths.private)  # validate keeps nothing
        for rnd in (baseline, current):
            rnd.survey.links = respondent_links(rnd.survey, key)
    if baseline is not None:
        if baseline.referrals is not None and current.referrals is not None:
            aligned = align_suppression(baseline.referrals, current.referrals)
            baseline, current = replace(baseline, referrals=aligned[0]), replace(current, referrals=aligned[1])
        follow_up = compare_rounds(baseline, current, str(orders.path))
    current_ids = set()
    if current.referrals is not None:
        current_ids = set(current.referrals.ingest.counts["ydernummer"]) | set(
            current.referrals.listed.listed["ydernummer"])
    practices = {y: (letters[y], practice_names.get(y, "")) for y in sorted(current_ids)}
    for rnd in results:
        if rnd.survey is not None:
            identifiers["respondent"] = identifiers.get("respondent", set()) | rnd.survey.ingest.personal_values
    identifiers["name"] = names
    # What is published (warnings, the reconciliation) is redacted of the respondents' names too.
    redactor = redactor.adding_names(identifiers.get("respondent", set()))
    places = order_places(orders.path, [r.order for r in reversed(results)], redactor)
    return OrderAnalysis(Path(orders_file), order, spec, current, baseline, identifiers, practices, redactor,
                         follow_up, places)


def in_strict_mode(results: list[RoundResult]) -> list[RoundResult]:
    """The rounds' referral figures as strict mode publishes them: size bands fixed by the first
    (baseline) round's practices, merged where a round has too few in one (``disclosure``)."""
    rounds = [r for r in results if r.referrals is not None]
    if not rounds:
        return results
    bands = iter(bands_for_rounds(rounds[0].referrals.sizes(), [r.referrals.sizes() for r in rounds]))
    return [replace(r, referrals=r.referrals.in_bands(next(bands))) if r.referrals is not None else r
            for r in results]


def respondent_links(survey: SurveyResult, key: bytes) -> dict[str, str]:
    """respondent_id -> HMAC digest of what links the respondent between rounds (kept respondents)."""
    keys = survey.ingest.link_keys
    return {rid: respondent_digest(key, keys[rid]) for rid in survey.clean.responses["respondent_id"] if rid in keys}


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


def compare_rounds(baseline: RoundResult, current: RoundResult, orders_file: str) -> FollowUpChange:
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
                                               settings().min_change_base, paired)
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
        elif _lengths_differ(days):
            warnings.append(Problem(orders_file, f"the baseline's period has {days[0]} days and the follow-up's "
                                    f"{days[1]}: the rate ratio is per patient and day, the rates per period",
                                    "compare periods of the same length where you can", line=current.order.line,
                                    column="period", severity="warning"))
        warnings += _offer_warnings(baseline, current, orders_file)
        strict = current.referrals.is_strict
        referrals = change.referral_change(baseline.referrals.rates, current.referrals.rates, metrics.CLUSTER,
                                           settings().confidence, days or (1, 1),
                                           settings().min_band_practices if strict else 1)
        if strict:
            membership = change.membership_counts(referrals)
            referrals = change.cluster_rows(referrals, metrics.CLUSTER)
    survey, referrals, claims = adjust(survey, referrals, settings().change_alpha)
    return FollowUpChange({q: m for q, m in matches.items() if q in survey}, survey, referrals, warnings, days,
                          claims, len(pairs), membership)


def _period_days(baseline: Order, follow_up: Order) -> tuple[int, int] | None:
    """The lengths in days of both rounds' periods (both ends counted), or None."""
    if baseline.period is None or follow_up.period is None:
        return None
    return tuple((p.end - p.start).days + 1 for p in (baseline.period, follow_up.period))


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
    return tables
