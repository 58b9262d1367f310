"""The archive of a finished order's raw inputs, as follow-ups read it (docs/batch-runs.md).

SurveyXact deletes responses after about a year, so a baseline's inputs are copied, with
their sha256, to ``<private>/archive/<order id>/<YYYY-MM-DD>/`` (``run.archive`` writes it).
A follow-up whose baseline's files are gone reads them from the newest archive instead; the
copies are checked against their sha256 first, so an altered archive is an error, not data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from kiap_analysis.core.errors import InputError, Problem
from kiap_analysis.core.fileio import sha256_path
from kiap_analysis.core.orders import Order, OrderEntry

ARCHIVE_FILE = "archive.json"
ORIGINAL, ARCHIVED = "original", "archive"


def archive_root(private: Path, order_id: str) -> Path:
    return private / "archive" / order_id


@dataclass(frozen=True)
class Archived:
    """One archived input: where it was, where its copy is, the copy's digests."""

    role: str
    source: str  # the original path, as the orders file resolved it
    path: Path  # the copy
    sha256: str  # core.fileio.sha256_path: a file's, or a folder's (its files' names and contents)


def newest_archive(private: Path, order_id: str) -> Path | None:
    """The newest dated archive folder of the order (with its archive.json), or None."""
    root = archive_root(private, order_id)
    if not root.is_dir():
        return None
    dated = sorted(p for p in root.iterdir() if p.is_dir() and (p / ARCHIVE_FILE).is_file())
    return dated[-1] if dated else None


def read_archive(folder: Path) -> dict[str, Archived]:
    """role -> Archived, each copy checked against its sha256 (InputError when it differs)."""
    record = json.loads((folder / ARCHIVE_FILE).read_text(encoding="utf-8"))
    found: dict[str, Archived] = {}
    problems = []
    for role, item in record["inputs"].items():
        archived = Archived(role, item["source"], folder / item["path"], item["sha256"])
        try:
            ok = archived.path.exists() and sha256_path(archived.path) == archived.sha256
        except OSError:
            ok = False
        if not ok:
            problems.append(Problem(str(folder / ARCHIVE_FILE), f"the archived {role} ({item['path']}) is missing "
                                    "or differs from its sha256", "restore the archive from its backup, or "
                                    "archive the order again from its original files (kiap archive)"))
        found[role] = archived
    if problems:
        raise InputError(problems)
    return found


def from_archive(entry: OrderEntry, private: Path) -> tuple[OrderEntry, dict[str, str]]:
    """The order with each input that no longer exists taken from its newest archive, its
    'does not exist' problems gone; and role -> where each input comes from ('original' or
    'archive:<folder>'). Without an archive, or when nothing is missing, the entry as it was."""
    order = entry.order
    if order is None:
        return entry, {}
    sources = {role: ORIGINAL for role in order.input_paths()}
    missing = {role for role, path in order.input_paths().items() if not path.exists()}
    folder = newest_archive(private, order.id) if missing else None
    if folder is None:
        return entry, sources
    archived = read_archive(folder)
    moved = {role: archived[role].path for role in missing if role in archived}
    if not moved:
        return entry, sources
    restored: Order = replace(order, **moved)
    problems = tuple(p for p in entry.problems if not (p.column in moved and "does not exist" in p.message))
    sources |= {role: f"{ARCHIVED}:{folder.name}" for role in moved}
    return replace(entry, order=restored, problems=problems), sources
