"""An order's rounds, for ``run.pipeline.read``: a follow-up's baseline and its checks, the
inputs a package needs, both referral inputs read together, and problems said to be the
baseline's."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from kiap_analysis.core.config import Paths
from kiap_analysis.core.errors import InputError, Problem, display_path
from kiap_analysis.core.orders import Order, OrdersFile, resolve_spec
from kiap_analysis.core.spec import PackageSpec
from kiap_analysis.ingest.admissions import AdmissionIngest, read_admissions
from kiap_analysis.ingest.archive import from_archive
from kiap_analysis.ingest.referrals import ListedIngest, ReferralIngest, read_listed_patients, read_referrals


def label(path: Path, order: Order) -> str:
    """How messages name an input: relative to the orders file's folder."""
    return display_path(path, order.base_dir)


def baseline_of(orders: OrdersFile, order: Order, spec: PackageSpec) -> tuple[Order, PackageSpec]:
    """A follow-up's baseline order: of the same cluster and package, run before it. Inputs
    whose files are gone are read from the baseline's newest archive (``ingest.archive``)."""
    entry = next((e for e in orders.entries if e.id == order.baseline), None)
    if entry is None:
        raise InputError(Problem(str(orders.path), f"the baseline order '{order.baseline}' is not "
                                 "in the orders file", "keep the baseline order in the same orders "
                                 "file (its inputs archived), or correct 'baseline:'",
                                 line=order.line, column="baseline"))
    try:
        entry, _ = from_archive(entry, Paths.current().private)
    except InputError as exc:
        raise InputError([of_baseline(p, entry.id) for p in exc.problems]) from exc
    if not entry.ok:
        raise InputError([of_baseline(p, entry.id) for p in entry.problems])
    assert entry.order is not None
    baseline = entry.order
    baseline_spec = resolve_spec(baseline, orders)
    _check_baseline(order, spec, baseline, baseline_spec, str(orders.path))
    return baseline, baseline_spec


def required_inputs(order: Order, spec: PackageSpec, file: str) -> list[Problem]:
    problems = []
    needs = [("survey", order.survey)] if "survey" in spec.data else []
    if spec.uses_referrals:
        needs += [("referrals", order.referrals), ("listed_patients", order.listed_patients)]
    if spec.uses_admissions:
        needs += [("admissions", order.admissions)]
        if not spec.uses_referrals:
            needs += [("listed_patients", order.listed_patients)]
    for key, value in needs:
        if value is None:
            problems.append(Problem(file, f"package '{spec.name}' needs '{key}', which order "
                                    f"{order.id} does not give", f"add '{key}:' to the order",
                                    line=order.line, column=key))
    return problems


def read_referral_inputs(order: Order, spec: PackageSpec) -> tuple[ReferralIngest, ListedIngest]:
    """Both referral inputs; their row problems come back in ``errors`` (for the reconciliation)."""
    assert order.referrals is not None and order.listed_patients is not None
    problems: list[Problem] = []
    ingest = listed = None
    try:
        ingest = read_referrals(order.referrals, spec.offers, order.period, label(order.referrals, order),
                                collect=True)
    except InputError as exc:
        problems += exc.problems
    try:
        listed = read_listed_patients(order.listed_patients, label(order.listed_patients, order), collect=True)
    except InputError as exc:
        problems += exc.problems
    if problems:
        raise InputError(problems)
    assert ingest is not None and listed is not None
    return ingest, listed


def read_admission_inputs(order: Order, spec: PackageSpec,
                          listed: ListedIngest | None = None) -> tuple[AdmissionIngest, ListedIngest]:
    """The admissions extract and the listed patients (``listed``: already read for the
    referrals); their row problems come back in ``errors`` (for the reconciliation)."""
    assert order.admissions is not None and order.listed_patients is not None and spec.admissions is not None
    problems: list[Problem] = []
    ingest = None
    try:
        ingest = read_admissions(order.admissions, spec.admissions, order.period, label(order.admissions, order),
                                 collect=True)
    except InputError as exc:
        problems += exc.problems
    if listed is None:
        try:
            listed = read_listed_patients(order.listed_patients, label(order.listed_patients, order), collect=True)
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError(problems)
    assert ingest is not None and listed is not None
    return ingest, listed


def of_round(problems: list[Problem], rnd: Order, order: Order) -> list[Problem]:
    """The problems of a round's inputs, said to be the baseline's when they are."""
    return problems if rnd is order else [of_baseline(p, rnd.id) for p in problems]


def of_baseline(problem: Problem, baseline_id: str) -> Problem:
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
