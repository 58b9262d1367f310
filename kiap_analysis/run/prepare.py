"""``kiap prepare ORDERS.yaml [--only ID]...``: per order, before the survey, under
``prepared/<id>/`` beside reports/ (private: it may name practices, never published):
the questionnaire as asked (``present.questionnaire``) and, for packages with referral
data, the municipality's data request with its cover letter (``run.data_request``), whose
sheet 'Aftaler' takes the meeting's agreements (else aftaler.xlsx holds that sheet alone)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kiap_analysis.core.config import Paths
from kiap_analysis.core.errors import InputError, KiapError, Problem
from kiap_analysis.core.orders import load_orders, resolve_spec
from kiap_analysis.ingest.roster import cluster_practices
from kiap_analysis.present.questionnaire import write_questionnaire
from kiap_analysis.run.data_request import write_agreements_workbook, write_data_request


def prepared_root(paths: Paths) -> Path:
    """``prepared/`` beside the reports folder."""
    return paths.reports.parent / "prepared"


@dataclass
class Prepared:
    order_id: str
    written: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def prepare_orders(orders_file: Path, paths: Paths, only: list[str] | None = None) -> list[Prepared]:
    """Prepare each order (one order's problem never stops the others)."""
    orders = load_orders(orders_file)
    ids = only or [e.id for e in orders.entries]
    results = []
    for order_id in ids:
        result = Prepared(order_id)
        try:
            entry = orders.entry(order_id)
            if entry.order is None:
                raise InputError(list(entry.problems))
            order = entry.order  # its input files need not exist yet
            spec = resolve_spec(order, orders)
            folder = prepared_root(paths) / order.id
            result.written += write_questionnaire(spec, folder)
            if spec.uses_referrals:
                practices = cluster_practices(orders, order.cluster)
                if practices.problems:
                    raise InputError(list(practices.problems))
                if not practices.ydernumre:
                    raise InputError(Problem(str(orders.path), f"order {order.id}: the cluster's practices are "
                                             "not known, so the data request cannot list them",
                                             "add practices: <roster file> (ydernummer, name) to the orders file",
                                             line=order.line))
                result.written += write_data_request(order, spec, sorted(practices.ydernumre), folder)
            else:  # the agreements' sheet 'Aftaler' has no data request to go in
                result.written.append(write_agreements_workbook(folder))
        except InputError as exc:
            result.problems = exc.problems
        except KiapError as exc:
            result.problems = [Problem(str(orders_file), str(exc))]
        results.append(result)
    return results
