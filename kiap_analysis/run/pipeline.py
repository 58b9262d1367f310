"""One order's way through the workbook, stage by stage:

    read -> pseudonymise -> clean -> compute -> present -> publish

``read`` and ``publish`` are the edges that touch files (the order's inputs; the deck, tables,
processed tables, private letters). ``pseudonymise`` writes only through the letter register
it is given. ``clean``, ``compute`` and ``present`` are pure: data in, data out, settings
from the caller. Every entry point goes through here: ``analyse_order`` (the first four
stages) for ``kiap validate``; ``prepare`` (then ``present``) for the template notebook
(``run.notebook.OrderRun``, executed by the batch) and ``load_order`` (``run.api``), and the
notebook's last cell calls ``publish`` (into a batch run's staging folder, which
``run.publish`` swaps into reports/ once the whole order has passed its checks).

A follow-up order has two rounds, its baseline first: every stage carries both.
"""

from __future__ import annotations

import io
import json
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import pandera.errors

from kiap_analysis import __version__
from kiap_analysis.clean.survey import CleanSurvey, clean_responses
from kiap_analysis.core import config, responses
from kiap_analysis.core.config import Paths, Settings
from kiap_analysis.core.errors import InputError, KiapError, Problem
from kiap_analysis.core.fileio import write_bytes, write_csv, write_text
from kiap_analysis.core.identifiers import public_words, texts_of
from kiap_analysis.core.messages_da import danish
from kiap_analysis.core.orders import Order, OrdersFile, load_orders, resolve_spec
from kiap_analysis.core.spec import PackageSpec
from kiap_analysis.ingest.admissions import AdmissionIngest
from kiap_analysis.ingest.agreements import Agreement, agreement_problems, read_agreements
from kiap_analysis.ingest.names import read_names
from kiap_analysis.ingest.places import (
    PLACES,
    input_names,
    places_of,
    published_input_error,
    write_places_log,
)
from kiap_analysis.ingest.referrals import ListedIngest, ReferralIngest
from kiap_analysis.ingest.roster import ClusterPractices, cluster_practices
from kiap_analysis.ingest.rounds import (
    baseline_of,
    label,
    of_round,
    read_admission_inputs,
    read_referral_inputs,
    required_inputs,
)
from kiap_analysis.ingest.survey import SurveyIngest, read_survey
from kiap_analysis.present.content import Content, build_content
from kiap_analysis.present.deck import slide_count, write_deck
from kiap_analysis.privacy.pseudonyms import (
    PseudonymRegister,
    RegisteredYdernumre,
    letter,
    load_key,
    registered_ydernumre,
    respondent_digest,
)
from kiap_analysis.privacy.redaction import Redactor
from kiap_analysis.privacy.suppression import redact_frame, safe_table
from kiap_analysis.run.letters import practice_letters
from kiap_analysis.stats.admissions import admission_result
from kiap_analysis.stats.analysis import (
    align_suppression,
    compare_rounds,
    in_strict_mode,
    referral_result,
    round_result,
    survey_result,
)
from kiap_analysis.stats.published import Risk, measured_risk, processed_tables, published_tables
from kiap_analysis.stats.results import OrderAnalysis

# --------------------------------------------------------------------------- 1. read (I/O)


@dataclass
class RoundInputs:
    """One round's inputs as read."""

    order: Order
    spec: PackageSpec
    # None: the package has no survey, or it could not be read. The ingests hold names as read.
    survey: SurveyIngest | None = field(default=None, repr=False)
    referrals: ReferralIngest | None = field(default=None, repr=False)  # both or neither
    listed: ListedIngest | None = field(default=None, repr=False)
    admissions: AdmissionIngest | None = field(default=None, repr=False)  # with listed
    problems: list[Problem] = field(default_factory=list)  # the survey could not be read: the round fails

    @property
    def has_practices(self) -> bool:
        """Whether the round has practice data (referrals or admissions, with listed patients)."""
        return self.listed is not None and (self.referrals is not None or self.admissions is not None)

    @property
    def ydernumre(self) -> set[str]:
        """The practices in the round's referral and admissions data (private)."""
        if not self.has_practices:
            return set()
        assert self.listed is not None
        found = set(self.listed.listed["ydernummer"])
        if self.referrals is not None:
            found |= set(self.referrals.counts["ydernummer"])
        if self.admissions is not None:
            found |= set(self.admissions.admissions["ydernummer"]) - {""}
        return found

    @property
    def row_errors(self) -> list[Problem]:
        """The practice inputs' row problems (they fail the order after its reconciliation)."""
        if not self.has_practices:
            return []
        assert self.listed is not None
        found = list(self.listed.errors)
        if self.referrals is not None:
            found = self.referrals.errors + found
        if self.admissions is not None:
            found += self.admissions.errors
        return found

    @property
    def practice_names(self) -> dict[str, str]:
        """ydernummer -> name, as the practice inputs give it (private)."""
        names = dict(self.referrals.practice_names) if self.referrals is not None else {}
        return names | (self.listed.practice_names if self.listed is not None else {})


@dataclass
class OrderInputs:
    """Everything ``read`` found for an order: its rounds (the baseline first) and what the
    cluster's other inputs say about its practices."""

    orders_file: Path  # as the caller named it
    orders: OrdersFile
    rounds: list[RoundInputs]
    known: ClusterPractices  # the cluster's practices: every order's referral inputs and the roster
    listed_names: set[str] = field(default_factory=set, repr=False)  # the orders' names lists (private)
    # The roster's and names lists' problems: they stop the order once its practices have their letters.
    problems: list[Problem] = field(default_factory=list)
    # The input files' and sheets' names with their aliases ('fil 1', 'ark 2': ``places``).
    input_names: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    # A follow-up's: what the baseline meeting agreed (its own ``agreements:``, else its baseline's).
    agreements: list[Agreement] = field(default_factory=list)
    agreements_file: str = ""  # how messages name it

    @property
    def order(self) -> Order:
        return self.rounds[-1].order

    @property
    def spec(self) -> PackageSpec:
        """The package spec with the order's local edits applied."""
        return self.rounds[-1].spec

    @property
    def keeps_letters(self) -> bool:
        """Whether the practices get lasting letters: the order has referral or admissions data
        without row errors (inputs with row errors stop the order, their practices get no lasting
        letter)."""
        with_practices = [r for r in self.rounds if r.has_practices]
        return bool(with_practices) and not any(r.row_errors for r in with_practices)

    @property
    def links_respondents(self) -> bool:
        """Whether respondents are linked between the rounds: a follow-up with both surveys read."""
        return len(self.rounds) == 2 and all(r.survey is not None for r in self.rounds)


def read(orders_file: Path | str, order_id: str) -> OrderInputs:
    """Stage 1: the order, its package spec and every input of its rounds, read and checked
    (the cluster's roster and the other orders' practices too).

    Raises InputError when the order, its baseline or its referral inputs cannot be used; the
    problems of the roster, the names lists and the surveys are kept in the inputs, for
    ``clean`` to raise after the practices have their letters.
    """
    orders = load_orders(orders_file)
    order = orders.order(order_id)
    rounds = [RoundInputs(order, resolve_spec(order, orders))]
    if order.is_follow_up:
        rounds.insert(0, RoundInputs(*baseline_of(orders, order, rounds[0].spec)))
    problems: list[Problem] = []
    for rnd in rounds:
        found = required_inputs(rnd.order, rnd.spec, str(orders.path))
        if rnd.spec.uses_referrals and not found:
            try:
                rnd.referrals, rnd.listed = read_referral_inputs(rnd.order, rnd.spec)
            except InputError as exc:
                found += exc.problems
        if rnd.spec.uses_admissions and not found:
            try:
                rnd.admissions, rnd.listed = read_admission_inputs(rnd.order, rnd.spec, rnd.listed)
            except InputError as exc:
                found += exc.problems
        problems += of_round(found, rnd.order, order)
    agreements, agreements_file = [], ""
    source = next((r.order for r in reversed(rounds) if r.order.agreements is not None), None)
    if order.is_follow_up and source is not None:
        assert source.agreements is not None
        agreements_file = label(source.agreements, source)
        try:
            agreements = read_agreements(source.agreements, agreements_file)
        except InputError as exc:
            problems += of_round(exc.problems, source, order)
    if problems:
        raise InputError(problems)

    known = cluster_practices(orders, order.cluster)
    later = list(known.problems)
    listed_names: set[str] = set()
    for rnd in rounds:
        if rnd.order.names is not None:
            try:
                listed_names |= read_names(rnd.order.names, label(rnd.order.names, rnd.order))
            except InputError as exc:
                later += exc.problems
    for rnd in rounds:
        if "survey" in rnd.spec.data:
            assert rnd.order.survey is not None
            try:
                rnd.survey = read_survey(rnd.order.survey, rnd.spec, rnd.order.survey_map,
                                         label(rnd.order.survey, rnd.order), rnd.order.respondent_id,
                                         rnd.order.survey_language)
            except InputError as exc:
                rnd.problems = of_round(exc.problems, rnd.order, order)
    names = input_names(orders.path, [r.order for r in reversed(rounds)])
    return OrderInputs(Path(orders_file), orders, rounds, known, listed_names, later, names, agreements,
                       agreements_file)


# --------------------------------------------------------------------------- 2. pseudonymise


@dataclass
class Pseudonymised:
    """The inputs with the practices' letters and the respondents' link digests."""

    inputs: OrderInputs
    letters: dict[str, str] = field(repr=False)  # ydernummer -> letter
    practice_names: dict[str, str] = field(repr=False)  # ydernummer -> name, as the inputs give it
    links: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)  # round's order id -> its links


def pseudonymise(inputs: OrderInputs, register: PseudonymRegister | None,
                 link_key: bytes | None = None) -> Pseudonymised:
    """Stage 2: every practice in the referral data gets its letter: from ``register`` (which
    keeps it: registered practices keep theirs, new ones are entered), or without one
    provisional letters in ydernummer order. The baseline's practices come first. With
    ``link_key``, each respondent gets the keyed digest that links them between the rounds
    (respondent_id -> digest, per round)."""
    letters: dict[str, str] = {}
    names: dict[str, str] = {}
    for rnd in inputs.rounds:
        if not rnd.has_practices:
            continue
        if register is None:
            new = sorted(rnd.ydernumre - set(letters))
            letters.update({y: letter(len(letters) + i) for i, y in enumerate(new)})
        else:
            letters.update(register.assign(rnd.ydernumre))
        names.update(rnd.practice_names)
    links = {}
    if link_key is not None:
        links = {rnd.order.id: {rid: respondent_digest(link_key, link) for rid, link in rnd.survey.link_keys.items()}
                 for rnd in inputs.rounds if rnd.survey is not None}
    return Pseudonymised(inputs, letters, names, links)


# --------------------------------------------------------------------------- 3. clean (pure)


@dataclass
class CleanRound:
    inputs: RoundInputs
    survey: CleanSurvey | None  # non-respondents and duplicates dropped, free text redacted


@dataclass
class CleanOrder:
    """The rounds cleaned, with what the order must never publish and the redactor that hides it."""

    named: Pseudonymised
    rounds: list[CleanRound]  # the rounds that could be cleaned
    problems: list[Problem]  # the others': they stop the order in ``compute``, after the reconciliation
    identifiers: dict[str, set[str]] = field(repr=False)  # kind -> values (``OrderAnalysis.identifiers``)
    redactor: Redactor = field(repr=False)  # every identifier but the respondents' own names


def clean(named: Pseudonymised, registered: RegisteredYdernumre | None = None) -> CleanOrder:
    """Stage 3 (pure): the surveys cleaned (``clean.survey``), their free text redacted before
    anything sees it, and checked against the canonical schema. ``registered``: every
    cluster's registered practices (``pseudonyms.registered_ydernumre``), redacted as
    ydernumre. Raises the problems ``read`` kept for later."""
    inputs = named.inputs
    if inputs.problems:
        raise InputError(inputs.problems)
    identifiers = _identifiers(named)
    redactor = Redactor(frozenset(identifiers["ydernummer"]), frozenset(identifiers["name"]),
                        frozenset(identifiers["public"]), registered)
    rounds, problems = [], []
    for rnd in inputs.rounds:
        if rnd.problems:
            problems += rnd.problems
            continue
        survey = _clean_survey(rnd.survey, rnd.spec, redactor) if rnd.survey is not None else None
        rounds.append(CleanRound(rnd, survey))
    respondents = identifiers.get("respondent", set())
    problems += agreement_problems(inputs.agreements, redactor.adding_names(respondents),
                                   frozenset(identifiers["public"]), inputs.agreements_file)
    return CleanOrder(named, rounds, problems, identifiers, redactor)


def _identifiers(named: Pseudonymised) -> dict[str, set[str]]:
    """What the order must not publish: its practices' ydernumre and names (the cluster's
    too), the words it publishes anyway ('public', never taken for a name), the respondents'
    names and e-mails as read, and every name to redact ('name')."""
    inputs = named.inputs
    found = {"ydernummer": set(inputs.known.ydernumre), "practice_name": set(inputs.known.names)}
    seen: dict[str, str] = {}
    for rnd in inputs.rounds:
        if rnd.has_practices:
            found["ydernummer"] |= rnd.ydernumre
            seen |= rnd.practice_names
            found["practice_name"] |= set(seen.values())
    order = inputs.order
    found["public"] = set(public_words([order.id, order.cluster, order.municipality,
                                        *texts_of([r.spec for r in inputs.rounds])]))
    respondents = [r.survey.personal_values for r in inputs.rounds if r.survey is not None]
    if respondents:
        found["respondent"] = set().union(*respondents)
    found["name"] = set(named.practice_names.values()) | inputs.known.names | inputs.listed_names
    return found


def _clean_survey(ingest: SurveyIngest, spec: PackageSpec, redactor: Redactor) -> CleanSurvey:
    """One survey cleaned, its free text redacted (the respondents' own names too)."""
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
    return cleaned


# --------------------------------------------------------------------------- 4. compute (pure)


def compute(cleaned: CleanOrder, settings: Settings) -> OrderAnalysis:
    """Stage 4 (pure): everything the deck and report show: per round the survey counts, the
    referral rates under the practices' letters and the reconciliation; for a follow-up the
    change since the baseline. InputError lists every problem of the inputs (a data loss past
    its limit, counts that do not fit, rows that cannot be read), with the reconciliations."""
    named, inputs = cleaned.named, cleaned.named.inputs
    order, orders_file = inputs.order, str(inputs.orders.path)
    results = []
    for rnd in cleaned.rounds:
        raw = rnd.inputs
        survey = None
        if rnd.survey is not None:
            assert raw.survey is not None
            survey = survey_result(raw.order, raw.spec, raw.survey, rnd.survey,
                                   named.links.get(raw.order.id, {}), orders_file)
        referrals = None
        if raw.referrals is not None and raw.listed is not None:
            referrals = referral_result(raw.referrals, raw.listed, raw.spec, named.letters, settings)
        admissions = None
        if raw.admissions is not None and raw.listed is not None:
            admissions = admission_result(raw.admissions, raw.listed, raw.spec, named.letters, settings)
        results.append(round_result(raw.order, raw.spec, survey, referrals, raw.row_errors, orders_file,
                                    settings, admissions))
    problems = list(cleaned.problems)
    for rnd in results:
        problems += of_round([p for p in rnd.problems if p.severity == "error"], rnd.order, order)
    if problems:
        raise InputError(problems, [r.reconciliation for r in reversed(results) if r.reconciliation])
    if order.is_strict:
        results = in_strict_mode(results, settings)
    current = results[-1]
    baseline = results[0] if len(results) == 2 else None
    follow_up = None
    if baseline is not None:
        if baseline.referrals is not None and current.referrals is not None:
            aligned = align_suppression(baseline.referrals, current.referrals, settings)
            baseline, current = replace(baseline, referrals=aligned[0]), replace(current, referrals=aligned[1])
        follow_up = compare_rounds(baseline, current, orders_file, settings)
    practices = {y: (named.letters[y], named.practice_names.get(y, "")) for y in sorted(inputs.rounds[-1].ydernumre)}
    identifiers = {kind: set(values) for kind, values in cleaned.identifiers.items()}
    # What is published (warnings, the reconciliation) is redacted of the respondents' names too.
    redactor = cleaned.redactor.adding_names(identifiers.get("respondent", set()))
    return OrderAnalysis(inputs.orders_file, order, inputs.spec, current, baseline, identifiers, practices,
                         redactor, follow_up, places_of(inputs.input_names, redactor),
                         tuple(inputs.agreements))


def analyse_order(orders_file: Path | str, order_id: str, paths: Paths | None = None, dry_run: bool = False,
                  settings: Settings | None = None) -> OrderAnalysis:
    """read -> pseudonymise -> clean -> compute: everything the deck and report show for one
    order; InputError lists every problem.

    The pseudonym key and the letter register are opened here. ``dry_run`` (kiap validate)
    reads and checks everything but neither needs the key nor touches the register:
    practices get provisional letters, respondents are linked with a throwaway key.
    """
    paths = paths or Paths.current()
    inputs = read(orders_file, order_id)
    register = None
    if inputs.keeps_letters and not dry_run:
        register = PseudonymRegister(paths.private, inputs.order.cluster, load_key(paths.private))
    link_key = None
    if inputs.links_respondents:
        link_key = secrets.token_bytes(32) if dry_run else load_key(paths.private)  # validate keeps nothing
    named = pseudonymise(inputs, register, link_key)
    cleaned = clean(named, None if dry_run else registered_ydernumre(paths.private))
    return compute(cleaned, settings or config.settings())


# --------------------------------------------------------------------------- 5. present (pure)


@dataclass
class Presentation:
    """What an order shows: the deck's and report's content, the tables behind its charts
    (tables/*.csv) and how many practices' letters those let a reader name."""

    analysis: OrderAnalysis
    content: Content
    tables: dict[str, pd.DataFrame]
    risk: Risk | None


def present(analysis: OrderAnalysis) -> Presentation:
    """Stage 5 (pure): the content (``content.build_content``), the published tables and the
    re-identification risk measured on them."""
    content = build_content(analysis)
    tables = published_tables(analysis)
    return Presentation(analysis, content, tables, measured_risk(analysis, tables))


def prepare(orders_file: Path | str, order_id: str, paths: Paths) -> Presentation:
    """Stages 1-5 as the template notebook and ``load_order`` run them: an InputError as it
    may be published (manifest, run.log, index), the private log of the inputs' aliases."""
    try:
        analysis = analyse_order(orders_file, order_id, paths)
    except InputError as exc:  # its message is published (manifest, run.log, index)
        raise published_input_error(exc, Path(orders_file), order_id, paths.private) from exc
    write_places_log(paths.private, order_id, analysis.places)
    return present(analysis)


# --------------------------------------------------------------------------- 6. publish (I/O)


def publish(shown: Presentation, out: Path, paths: Paths) -> dict:
    """Stage 6: deck.pptx and tables/*.csv to ``out``; the pseudonymised tables to
    data/processed/<id>/; each practice's letter and what the leak check must not find to the
    private folder. Returns the run summary the batch reads from the notebook."""
    analysis = shown.analysis
    out.mkdir(parents=True, exist_ok=True)
    written = write_outputs(shown.content, shown.tables, out, analysis.order.template)
    key = load_key(paths.private)  # respondent ids and practices become keyed digests
    for name, table in processed_tables(analysis, key).items():
        write_bytes(paths.processed / analysis.order.id / f"{name}.parquet", _parquet(table))
    _write_letters(analysis, paths.private / "letters" / analysis.order.id)
    found: dict = {kind: sorted(values) for kind, values in analysis.identifiers.items()}
    found[PLACES] = analysis.places.pairs()  # the batch names the inputs in the manifest the same way
    write_text(identifiers_path(out, analysis.order.id, paths), json.dumps(found, ensure_ascii=False))
    return {
        "order_id": analysis.order.id,
        "package": {"name": analysis.spec.name, "version": analysis.spec.version},
        "code_version": __version__,
        "warnings": [danish(w) for w in analysis.warnings],  # English: run.log
        "slides": slide_count(out / "deck.pptx"),
        "outputs": sorted(written),
        "disclosure": {"mode": analysis.order.disclosure, **(shown.risk.summary() if shown.risk else {})},
        "reconciliation": [_texts_mapped(r.reconciliation.to_dict(), analysis.published)
                           for r in (analysis.current, analysis.baseline)
                           if r is not None and r.reconciliation is not None],
        "response": _response_counts(analysis),
    }


def _response_counts(analysis: OrderAnalysis) -> dict:
    """The current round's survey counts the response rates (AAPOR RR1, RR2) are computed from;
    empty without a survey."""
    survey = analysis.current.survey
    if survey is None:
        return {}
    s = survey.summary
    return {"invited": s.invited, "responded": s.responded, "completed": s.completed}


def write_outputs(content: Content, tables: dict[str, pd.DataFrame], folder: Path,
                  template: Path | None = None) -> list[str]:
    """deck.pptx and tables/<name>.csv (hidden cells as published) in ``folder``, tables it
    held before and no longer has removed; the names written."""
    write_deck(content, folder / "deck.pptx", template)
    written = ["deck.pptx"]
    tables_dir = folder / "tables"
    for name, table in tables.items():
        write_csv(safe_table(table), tables_dir / f"{name}.csv")
        written.append(f"tables/{name}.csv")
    if tables_dir.exists():
        for stale in tables_dir.glob("*.csv"):
            if f"tables/{stale.name}" not in written:
                stale.unlink()
    return written


def identifiers_path(out: Path, order_id: str, paths: Paths) -> Path:
    """Private: what the leak check must not find in this order's outputs. A batch run's
    output folder is its own staging folder under <private>/runs/: the file goes beside it,
    else into <private>/runs/."""
    runs = paths.private / "runs"
    staging_root = out.parent
    folder = staging_root if staging_root.resolve().is_relative_to(runs.resolve()) else runs
    return folder / f"{order_id}.identifiers.json"


def _write_letters(analysis: OrderAnalysis, folder: Path) -> None:
    """One private letter per practice telling it its pseudonym (never under reports/)."""
    letters = practice_letters(analysis)
    for name, text in letters.items():
        write_text(folder / name, text)
    if folder.exists():
        for stale in folder.glob("*.txt"):
            if stale.name not in letters:
                stale.unlink()


def _texts_mapped(value, publish_text):
    """Parsed JSON with every string as it may be published."""
    if isinstance(value, dict):
        return {k: _texts_mapped(v, publish_text) for k, v in value.items()}
    if isinstance(value, list):
        return [_texts_mapped(v, publish_text) for v in value]
    return publish_text(value) if isinstance(value, str) else value


def _parquet(table: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    return buffer.getvalue()
