"""Publishing an order as a whole, and clearing what a killed run left behind.

An order's complete folder (deck, PDF, report, notebook, tables, run.log and manifest.json)
is first put beside the published one, as ``reports/.kiap-staged.<run id>.<order id>/``, and
then swapped in. On Linux the swap is one ``renameat2(RENAME_EXCHANGE)``: at every moment
``reports/<order id>/`` is the whole old order or the whole new one, never a mix and never
missing. Where that call is not offered (other systems, NFS or SMB shares) two renames do
it: the published folder is moved aside to ``.kiap-old.<run id>.<order id>/`` and the new one
renamed into place; a reader may then find the folder missing for that instant, but never a
mix, and a run killed between the two renames is repaired by the next (the old folder is
put back).

Why folders swapped by rename and not ``reports/<id>`` as a symlink replaced with
``os.replace``: the symlink is atomic everywhere, but ``reports/`` would then hold links
into a hidden store, and copying the folder to an archive (``cp -r``, zip, a file share or
a synchronised drive, Windows Explorer) copies links, not decks. Real folders keep
``reports/`` what analysts already send and archive, and every relative link (index ->
order, report -> deck and tables) works as before, from disk and in a browser.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from kiap_analysis.core.fileio import (
    exchange,
    fsync_dir,
    fsync_tree,
    move_tree,
)
from kiap_analysis.run.killpoint import kill_point

STAGED_PREFIX = ".kiap-staged."
OLD_PREFIX = ".kiap-old."
RUNS_DIR = "runs"  # <private>/runs/<run id>/: a run's staging folders
FAILED_DIR = "failed"  # <private>/failed/<order id>/: the last failed run's notebook
# What a published order folder may hold (a folder of only these and no manifest is a half
# published order of an older version).
ORDER_FILES = {"deck.pptx", "deck.pdf", "report.html", "notebook.ipynb", "run.log", "manifest.json"}
_TMP = re.compile(r"^\..+\.tmp$")  # fileio.atomic_path's temporary files


def publish_order(folder: Path, target: Path, run_id: str) -> None:
    """Make the complete order ``folder`` the published ``target`` (reports/<id>) in one swap;
    ``folder`` is consumed. The old order stays whole until the swap and goes after it."""
    reports = target.parent
    reports.mkdir(parents=True, exist_ok=True)
    staged = reports / f"{STAGED_PREFIX}{run_id}.{target.name}"
    if staged.exists():
        shutil.rmtree(staged)
    move_tree(folder, staged)
    fsync_tree(staged)
    kill_point("publish-staged", target.name)
    if not target.exists():
        os.rename(staged, target)
        kill_point("publish-swapped", target.name)
    elif exchange(staged, target):  # staged now holds the old order
        kill_point("publish-swapped", target.name)
        shutil.rmtree(staged)
    else:
        aside = reports / f"{OLD_PREFIX}{run_id}.{target.name}"
        os.rename(target, aside)
        kill_point("publish-aside", target.name)
        os.rename(staged, target)
        kill_point("publish-swapped", target.name)
        shutil.rmtree(aside)
    fsync_dir(reports)


@dataclass
class Leftovers:
    """What a run found and cleared of earlier runs that were killed or crashed."""

    restored: list[str] = field(default_factory=list)  # orders put back from a folder moved aside
    half_published: list[str] = field(default_factory=list)  # order folders without a manifest
    removed: int = 0  # staging folders, swapped-out folders and temporary files

    def __bool__(self) -> bool:
        return bool(self.restored or self.half_published or self.removed)

    def message(self) -> str:
        """What was cleared, in Danish, for the run's output."""
        parts = [f"{self.removed} midlertidige filer og mapper fjernet"] if self.removed else []
        if self.restored:
            parts.append(f"forrige udgave genskabt af {', '.join(self.restored)}")
        if self.half_published:
            parts.append(f"halvt udgivne ordrer fjernet (køres igen): {', '.join(self.half_published)}")
        return "ryddet op efter en afbrudt kørsel: " + "; ".join(parts)


def clear_leftovers(reports: Path, private: Path) -> Leftovers:
    """Remove what killed runs left in ``reports`` and ``private``. Only call it while holding
    both folders' run locks (no other run can be using them)."""
    found = Leftovers()
    if reports.is_dir():
        for old in sorted(reports.glob(f"{OLD_PREFIX}*")):
            order_id = old.name[len(OLD_PREFIX):].split(".", 1)[-1]
            if old.is_dir() and not (reports / order_id).exists():
                os.rename(old, reports / order_id)  # killed between the fallback's two renames
                found.restored.append(order_id)
            else:
                _remove(old)
                found.removed += 1
        for staged in sorted(reports.glob(f"{STAGED_PREFIX}*")):
            _remove(staged)
            found.removed += 1
        for folder in sorted(p for p in reports.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if not (folder / "manifest.json").exists() and _only_order_files(folder):
                shutil.rmtree(folder)
                found.half_published.append(folder.name)
        found.removed += _remove_tmp_files(reports)
    runs = private / RUNS_DIR
    if runs.is_dir():
        for entry in runs.iterdir():
            _remove(entry)
            found.removed += 1
    profiles = private / "libreoffice"  # preview.deck_pdf's temporary profiles
    if profiles.is_dir():
        for entry in profiles.iterdir():
            _remove(entry)
            found.removed += 1
    if private.is_dir():
        found.removed += _remove_tmp_files(private)
    return found


def _only_order_files(folder: Path) -> bool:
    """Whether the folder holds an order's files (at least one) and nothing else."""
    if not any((folder / name).is_file() for name in ORDER_FILES):
        return False
    for path in folder.rglob("*"):
        relative = path.relative_to(folder)
        if path.is_dir():
            if relative.as_posix() != "tables":
                return False
        elif not (relative.as_posix() in ORDER_FILES or relative.parent.as_posix() == "tables"
                  or _TMP.match(path.name)):
            return False
    return True


def _remove_tmp_files(folder: Path) -> int:
    removed = 0
    for path in folder.rglob(".*.tmp"):
        if path.is_file() and _TMP.match(path.name):
            path.unlink()
            removed += 1
    return removed


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
