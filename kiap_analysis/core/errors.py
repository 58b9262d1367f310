"""The workbook's own error types: every failure a user can fix says where and how."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One problem in an input: where it is, what is wrong, what to do about it."""

    file: str
    message: str
    fix: str = ""
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    severity: str = "error"  # "error" stops the order, "warning" is reported
    line: int | None = None  # a line of a text file such as orders.yaml (instead of a row)

    def location(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location()}: {self.message}"
        return f"{text} Fix: {self.fix}" if self.fix else text


class KiapError(Exception):
    """Base of every error the workbook raises on purpose."""


class InputError(KiapError):
    """One or more problems in an order's inputs; ``reconciliations``: what could be read before
    they stopped the order (reconcile.Reconciliation per round, for kiap validate)."""

    def __init__(self, problems: list[Problem] | Problem, reconciliations: Sequence[object] = ()):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.reconciliations = list(reconciliations)
        super().__init__("\n".join(str(p) for p in self.problems))


class OrdersFileError(KiapError):
    """The orders file itself cannot be used (exit code 2)."""


class SpecError(KiapError):
    """A package spec is malformed."""


class PseudonymKeyError(KiapError):
    """The pseudonym key is missing or does not match the cluster's register."""


def display_path(path: Path | str, base: Path | None = None) -> str:
    """A path as the user wrote it: relative to base when possible."""
    path = Path(path)
    if base is not None:
        try:
            return str(path.resolve().relative_to(base.resolve()))
        except ValueError:
            pass
    return str(path)
