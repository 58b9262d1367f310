"""``kiap validate``: read and check every input of every order, write nothing; a SurveyXact
export is also checked against the questionnaire ``kiap prepare`` wrote for the order, when
there is one (``ingest.questionnaire_check``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kiap_analysis.clean.reconcile import Reconciliation
from kiap_analysis.core.config import Paths
from kiap_analysis.core.errors import InputError, KiapError, Problem
from kiap_analysis.core.orders import Order, load_orders, resolve_spec
from kiap_analysis.core.rules import LOSS_RULES
from kiap_analysis.core.spec import PackageSpec
from kiap_analysis.ingest import surveyxact
from kiap_analysis.ingest.questionnaire_check import check_export
from kiap_analysis.present.charts import check_spec
from kiap_analysis.present.questionnaire import QUESTIONNAIRE_PAIR
from kiap_analysis.run.pipeline import analyse_order
from kiap_analysis.run.prepare import prepared_root


@dataclass
class OrderCheck:
    """What validating one order found: its problems and the reconciliation of what was read."""

    problems: list[Problem] = field(default_factory=list)
    reconciliations: list[Reconciliation] = field(default_factory=list)  # this round first, then its baseline

    @property
    def errors(self) -> int:
        return sum(p.severity == "error" for p in self.problems)

    @property
    def lost(self) -> int:
        """Rows or answers dropped by a data-loss rule that the order does not accept."""
        return sum(d.count for r in self.reconciliations for a in r.accounts for d in a.drops()
                   if d.rule in LOSS_RULES and d.rule not in r.accepted)


def validate_orders(orders_path: Path, paths: Paths | None = None) -> dict[str, OrderCheck]:
    """Per order id; OrdersFileError if the file is unusable. ``paths``: where prepared/ is
    (beside the reports folder; the current paths unless given)."""
    paths = paths or Paths.current()
    orders = load_orders(orders_path)
    found: dict[str, OrderCheck] = {}
    for entry in orders.entries:
        check = OrderCheck(list(entry.problems))
        if entry.ok:
            try:
                analysis = analyse_order(orders_path, entry.id, dry_run=True)
                check_spec(analysis.spec)  # the chart kinds its program names are registered
                check.problems += analysis.warnings
                check.reconciliations = [r.reconciliation for r in (analysis.current, analysis.baseline)
                                         if r is not None and r.reconciliation is not None]
            except InputError as exc:
                check.problems += exc.problems
                check.reconciliations = [r for r in exc.reconciliations if isinstance(r, Reconciliation)]
            except KiapError as exc:
                check.problems.append(Problem(str(orders_path), str(exc), "",
                                              line=entry.order.line if entry.order else None))
            try:  # what the export asks against what was prepared, even when it cannot be read
                check.problems += against_prepared(entry.order, resolve_spec(entry.order, orders), paths)
            except InputError as exc:
                check.problems += [p for p in exc.problems if p not in check.problems]
            except KiapError:
                pass  # the spec's own problem is reported above
        found[entry.id] = check
    return found


def against_prepared(order: Order, spec: PackageSpec, paths: Paths) -> list[Problem]:
    """Every difference between the order's SurveyXact export and the questionnaire prepared for
    it (none when the order has no such export or was not prepared)."""
    prepared = prepared_root(paths) / order.id / QUESTIONNAIRE_PAIR
    if order.survey is None or not (prepared / "structure.csv").is_file() or not surveyxact.is_surveyxact(order.survey):
        return []
    export = surveyxact.load_export(order.survey, order.survey.name, spec, order.survey_language)
    return check_export(export.structure, export.labels, prepared, order.survey.name,
                        f"the prepared questionnaire (prepared/{order.id}/{QUESTIONNAIRE_PAIR})")


def report_lines(order_id: str, check: OrderCheck) -> list[str]:
    """The reconciliation, then every problem, as ``kiap validate`` prints them."""
    lines = []
    if not check.reconciliations and not check.errors:
        lines.append(f"[{order_id}] reconciliation: nothing read")
    for i, rec in enumerate(check.reconciliations):
        which = "this round" if i == 0 else f"baseline order {rec.order_id}"
        lines.append(f"[{order_id}] reconciliation, {which} ({rec.round_label}):")
        lines += [f"  {line}" for line in rec.lines()]
    if not check.reconciliations and check.errors:
        lines.append(f"[{order_id}] reconciliation: not possible, the inputs could not be read (errors below)")
    lines += [f"[{order_id}] {p.severity}: {p}" for p in check.problems]
    return lines
