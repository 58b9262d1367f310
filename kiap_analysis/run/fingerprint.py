"""Whether an order is up to date: what its outputs depend on, as digests.

An order whose inputs (sha256), package spec, templates, order fields and code are the same
as in its last good run produces the same outputs, so a batch run skips it.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict
from pathlib import Path

from kiap_analysis import __version__
from kiap_analysis.core.config import (
    DECK_TEMPLATE,
    PACKAGE_DIR,
    REPORT_TEMPLATE_DIR,
    Paths,
)
from kiap_analysis.core.errors import InputError, KiapError
from kiap_analysis.core.fileio import sha256_file, sha256_path
from kiap_analysis.core.manifest import Manifest, ManifestError, Status, read_manifest
from kiap_analysis.core.orders import OrderEntry, OrdersFile, resolve_spec
from kiap_analysis.core.spec import SpecError
from kiap_analysis.ingest.archive import from_archive
from kiap_analysis.ingest.roster import cluster_files


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def code_version() -> str:
    """The package version and a digest of its code, specs and templates."""
    files = sorted(p for p in PACKAGE_DIR.rglob("*") if p.is_file() and p.suffix in (
        ".py", ".yaml", ".j2", ".css", ".json", ".pptx") and "__pycache__" not in p.parts)
    return f"{__version__}+{_digest([f'{p.relative_to(PACKAGE_DIR)}:{sha256_path(p)}' for p in files])[:12]}"


def _digest_of(path: Path) -> str:
    """sha256 of a file or folder, remembered while its size and time stamp stay the same."""
    try:
        if not path.exists():
            return "missing"
        stat = path.stat()
        return _cached_digest(str(path), stat.st_mtime_ns, stat.st_size)
    except (OSError, RuntimeError, ValueError) as exc:  # the order fails on it and says why
        return f"unreadable: {type(exc).__name__}"


@functools.lru_cache(maxsize=4096)
def _cached_digest(path: str, mtime_ns: int, size: int) -> str:
    return sha256_path(path)


def _spec_digest(order, orders: OrdersFile) -> str:
    try:
        spec_path = resolve_spec(order, orders).path
        return _digest_of(spec_path) if spec_path else "built-in"
    except (KiapError, SpecError, OSError, RuntimeError, ValueError):  # the order fails on it and says why
        return "unresolved"


def _fields(order) -> str:
    """An order's own fields (not where the file or the entry sits)."""
    return json.dumps({k: v for k, v in asdict(order).items() if k not in ("base_dir", "line")},
                      default=str, sort_keys=True)


def _archived(entry: OrderEntry, paths: Paths) -> OrderEntry:
    """The baseline as the follow-up reads it: gone files from its archive (an unusable archive:
    as it is, the order's own run says why)."""
    try:
        return from_archive(entry, paths.private)[0]
    except InputError:
        return entry


def fingerprint(orders: OrdersFile, entry: OrderEntry, paths: Paths, code: str) -> dict:
    """What an order's outputs depend on; equal fingerprints mean equal outputs."""
    order = entry.order
    if order is None:
        return {}
    inputs = {role: _digest_of(p) for role, p in order.input_paths().items()}
    fields = [_fields(order)]
    baseline = None
    if order.baseline:  # a follow-up's outputs depend on its baseline's inputs and order fields too
        found = next((e for e in orders.entries if e.id == order.baseline and e.order), None)
        baseline = _archived(found, paths).order if found is not None else None
        if baseline is not None:
            inputs |= {f"baseline.{role}": _digest_of(p) for role, p in baseline.input_paths().items()}
            fields.append(_fields(baseline))
    # What the order redacts depends on every file its cluster's practices are read from.
    inputs |= {f"cluster.{role}": _digest_of(p) for role, p in cluster_files(orders, order.cluster).items()
               if not role.startswith(f"{order.id}.")}
    spec = _spec_digest(order, orders)
    if baseline is not None:
        spec += "+" + _spec_digest(baseline, orders)
    templates = [paths.template_notebook, order.template or DECK_TEMPLATE, REPORT_TEMPLATE_DIR]
    return {
        "inputs": inputs,
        "order": _digest(fields),
        "spec": spec,
        "template": _digest([_digest_of(p) for p in templates]),
        "code": code,
    }


def up_to_date(target: Path, expected: dict) -> Manifest | None:
    """The manifest of reports/<id>/ when it holds a good run with this fingerprint and every
    output it lists is there with the sha256 it records, else None."""
    try:
        manifest = read_manifest(target)
    except ManifestError:
        return None
    if manifest.status != Status.OK or manifest.fingerprint != expected:
        return None
    return manifest if outputs_intact(target, manifest) else None


def outputs_intact(target: Path, manifest: Manifest) -> bool:
    """Whether every output the manifest lists is in ``target`` with its recorded sha256
    (a manifest without checksums, from an older version, is not trusted)."""
    checksums, outputs = manifest.checksums, manifest.outputs
    if checksums is None or outputs is None or set(outputs) != set(checksums):
        return False
    for name, expected in checksums.items():
        try:
            path = target / name
            if not path.is_file() or sha256_file(path) != expected:
                return False
        except (OSError, TypeError):  # TypeError: a name that is not text
            return False
    return True
