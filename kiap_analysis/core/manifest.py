"""An order's manifest.json, and the status of an order in a run.

One function builds a manifest (``build_manifest``: the execute step writes it for every
order, finished or failed, and for an order its worker could not finish), one reads it back
(``read_manifest``: the up-to-date check and reports/index.html). The JSON keeps its keys
in this order; a reviewer's tools read it.
"""

from __future__ import annotations

import functools
import json
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from kiap_analysis.core.errors import KiapError
from kiap_analysis.core.fileio import write_text

if TYPE_CHECKING:
    from kiap_analysis.core.orders import Order

MANIFEST_FILE = "manifest.json"


class Status(StrEnum):
    """What became of an order in a run. A manifest records OK or FAILED; the others are
    outcomes of a run only (the order's published folder stays as it was)."""

    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"  # up to date since its last good run: not run (shown as unchanged)
    INTERRUPTED = "interrupted"  # running when Ctrl-C or SIGTERM stopped the run: not published
    NOT_RUN = "not-run"  # not started before the run was stopped

    @property
    def label(self) -> str:
        """The Danish word the progress lines, the summary table and the index show."""
        return _LABELS[self]


_LABELS = {Status.OK: "færdig", Status.FAILED: "fejlet", Status.SKIPPED: "uændret",
           Status.INTERRUPTED: "afbrudt", Status.NOT_RUN: "ikke kørt"}


class InputRecord(TypedDict):
    """One input file of the order (or ``baseline.<role>``: its baseline's): its role, its
    published name, its sha256 (when readable), where it came from (``original`` or
    ``archive:<date>``)."""

    role: str
    path: str
    sha256: NotRequired[str]
    source: NotRequired[str]


class ManifestError(KiapError):
    """A manifest.json that is missing, unreadable or not a manifest."""


@dataclass
class Manifest:
    """manifest.json: what an order's run read, made and decided. A manifest read back from an
    older version may lack keys: ``outputs``, ``checksums`` and ``fingerprint`` are then None
    (its files cannot be checked, so it is never up to date), the others empty."""

    order_id: str
    status: Status
    error: str | None = None
    cluster: str | None = None
    municipality: str | None = None
    round: str | None = None
    baseline: str | None = None
    # the mode, and the letters the run measured a reader with the listed-patient counts could name
    disclosure: dict[str, Any] = field(default_factory=dict)
    package: dict[str, Any] = field(default_factory=dict)  # name and version
    code_version: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)  # the notebook's: order_id, orders_file
    inputs: list[InputRecord] = field(default_factory=list)
    fingerprint: dict[str, Any] | None = None  # what decides whether the order is up to date
    warnings: list[str] = field(default_factory=list)
    reconciliation: list[dict[str, Any]] = field(default_factory=list)  # every row read: kept, or dropped by a rule
    slides: int | None = None
    outputs: list[str] | None = None  # relative names, manifest.json itself not among them
    checksums: dict[str, str] | None = None  # sha256 of each output
    timings: dict[str, Any] = field(default_factory=dict)  # started, seconds, and each step's seconds
    # the survey's counts (invited, responded, completed) the response rates are computed from
    response: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.status = Status(self.status)

    def to_json(self) -> dict[str, Any]:
        """The manifest as JSON values, its keys in the manifest's order."""
        found = {f.name: getattr(self, f.name) for f in fields(self)}
        found["status"] = self.status.value
        return found

    def text(self) -> str:
        """manifest.json's text."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, data: object) -> Manifest:
        """A manifest from its JSON (ManifestError when it is not one): keys it lacks, or holds
        as null, take their defaults; keys it does not know are left out."""
        if not isinstance(data, dict):
            raise ManifestError("manifest.json does not hold an object")
        values = {}
        for name, allowed in _field_types().items():
            value = data.get(name)
            if value is None:
                continue
            if not isinstance(value, allowed):
                raise ManifestError(f"manifest.json: '{name}' is a {type(value).__name__}")
            values[name] = value
        for required in ("order_id", "status"):
            if required not in values:
                raise ManifestError(f"manifest.json has no '{required}'")
        if values["status"] not in set(Status):
            raise ManifestError(f"manifest.json: unknown status '{values['status']}'")
        return cls(**values)


@functools.cache
def _field_types() -> dict[str, tuple[type, ...]]:
    """Each field of a manifest, and the JSON value types it may hold."""
    hints = typing.get_type_hints(Manifest)
    return {f.name: _json_types(hints[f.name]) for f in fields(Manifest)}


def _json_types(hint: Any) -> tuple[type, ...]:
    """The JSON value types a field's type hint admits (str for the Status enum)."""
    if isinstance(hint, types.UnionType):
        return tuple(t for part in typing.get_args(hint) for t in _json_types(part))
    origin = typing.get_origin(hint) or hint
    if origin is Status:
        return (str,)
    if origin is InputRecord:
        return (dict,)
    if origin is int:
        return (int,)
    return (origin,)


def build_manifest(order_id: str, status: Status | str, order: Order | None, *, error: str = "",
                   summary: Mapping[str, Any] | None = None, code_version: str, orders_file: str,
                   inputs: list[InputRecord], fingerprint: dict[str, Any], outputs: list[str],
                   checksums: dict[str, str], timings: dict[str, Any],
                   public: Callable[[str], str] = str) -> Manifest:
    """An order's manifest. ``summary``: the run summary its notebook displayed (package,
    disclosure, warnings, reconciliation, slides; empty when it stopped before);
    ``public``: how the orders file's own names (cluster, municipality) may be published."""
    summary = summary or {}
    return Manifest(
        order_id=order_id,
        status=Status(status),
        error=error or None,
        cluster=public(order.cluster) if order else None,
        municipality=public(order.municipality) if order else None,
        round=order.round if order else None,
        baseline=order.baseline if order else None,
        disclosure=summary.get("disclosure") or {"mode": order.disclosure if order else None},
        package=summary.get("package") or {"name": order.package if order else None},
        code_version=code_version,
        parameters={"order_id": order_id, "orders_file": orders_file},
        inputs=inputs,
        fingerprint=fingerprint,
        warnings=summary.get("warnings", []),
        reconciliation=summary.get("reconciliation", []),
        slides=summary.get("slides"),
        outputs=outputs,
        checksums=checksums,
        timings=timings,
        response=summary.get("response", {}),
    )


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    """Write ``folder``/manifest.json (atomically)."""
    path = folder / MANIFEST_FILE
    write_text(path, manifest.text())
    return path


def read_manifest(folder: Path) -> Manifest:
    """The manifest in ``folder`` (ManifestError when it is missing, unreadable or not one)."""
    path = folder / MANIFEST_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ManifestError(f"{MANIFEST_FILE} cannot be read ({type(exc).__name__})") from exc
    return Manifest.from_json(data)
