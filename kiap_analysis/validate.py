"""``kiap validate``: read and check every input of every order, write nothing."""

from __future__ import annotations

from pathlib import Path

from .analysis import analyse_order
from .errors import InputError, KiapError, Problem
from .orders import load_orders


def validate_orders(orders_path: Path) -> dict[str, list[Problem]]:
    """Problems (errors and warnings) per order id; OrdersFileError if the file is unusable."""
    orders = load_orders(orders_path)
    found: dict[str, list[Problem]] = {}
    for entry in orders.entries:
        problems = list(entry.problems)
        if entry.ok:
            try:
                analysis = analyse_order(orders_path, entry.id, dry_run=True)
                problems += analysis.warnings
            except InputError as exc:
                problems += exc.problems
            except KiapError as exc:
                problems.append(Problem(str(orders_path), str(exc), "", line=entry.order.line if entry.order else None))
        found[entry.id] = problems
    return found
