"""Running orders: each one through the template notebook with papermill, then published.

An order is executed into a private staging folder (<private>/runs/<id>/); only when the
notebook, the HTML export and the checks succeed are its files moved to reports/<id>/,
each with an atomic replace, and manifest.json written last. A failed order leaves its
notebook in the staging folder (a traceback can hold data values) and a manifest with
status 'failed' and the error message in reports/<id>/.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from . import __version__
from .config import KERNEL_NAME, Paths
from .errors import KiapError, display_path
from .fileio import atomic_path, sha256_path, write_text
from .index import write_index
from .kernel import ensure_kernel
from .orders import OrderEntry, OrdersFile, load_orders
from .preview import deck_pdf
from .pseudonyms import load_key
from .report import SUMMARY_MIMETYPE, export_html

STATUS_OK, STATUS_FAILED = "ok", "failed"


@dataclass
class OrderOutcome:
    order_id: str
    status: str
    seconds: float
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)


def _inputs(entry: OrderEntry, orders: OrdersFile) -> list[dict]:
    found = []
    if entry.order is None:
        return found
    for role, path in entry.order.input_paths().items():
        record = {"role": role, "path": display_path(path, orders.path.parent)}
        if path.exists():
            record["sha256"] = sha256_path(path)
        found.append(record)
    return found


def _summary(notebook: nbformat.NotebookNode) -> dict:
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if SUMMARY_MIMETYPE in data:
                return dict(data[SUMMARY_MIMETYPE])
    raise KiapError("the notebook ran but did not export (no run summary): was the last cell removed?")


def _error_message(exc: BaseException) -> str:
    if isinstance(exc, PapermillExecutionError):
        return f"{exc.ename}: {exc.evalue}"
    if isinstance(exc, KiapError):
        return f"{type(exc).__name__}: {exc}"
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def _report_links(staging: Path) -> list[tuple[str, str]]:
    """(href, label) of the order's other outputs, for the report's header."""
    links = [("deck.pptx", "Præsentationen (PowerPoint)")]
    if (staging / "deck.pdf").exists():
        links.append(("deck.pdf", "Præsentationen som PDF"))
    links += [("tables/", "Tabellerne bag figurerne"), ("notebook.ipynb", "Notebook")]
    return links


def publish(staging: Path, target: Path) -> list[str]:
    """Move every staged file into ``target`` atomically; remove what the run did not write."""
    written = []
    for source in sorted(p for p in staging.rglob("*") if p.is_file()):
        relative = source.relative_to(staging)
        with atomic_path(target / relative) as tmp:
            shutil.copyfile(source, tmp)
        written.append(relative.as_posix())
    keep = set(written) | {"manifest.json"}
    for old in sorted((p for p in target.rglob("*") if p.is_file()), reverse=True):
        if old.relative_to(target).as_posix() not in keep:
            old.unlink()
    return written


def clear_outputs(target: Path) -> None:
    """Remove an order's published files (all but the manifest) after a failed run."""
    if target.exists():
        for old in target.rglob("*"):
            if old.is_file() and old.name != "manifest.json":
                old.unlink()


def run_order(orders: OrdersFile, entry: OrderEntry, paths: Paths) -> OrderOutcome:
    """Execute, export and publish one order; never raises for a problem of the order."""
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    staging_root = paths.private / "runs"
    staging = staging_root / entry.id
    target = paths.reports / entry.id
    timings: dict[str, float] = {}
    summary: dict = {}
    try:
        if not entry.ok:
            raise KiapError("\n".join(str(p) for p in entry.problems))
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        t = time.perf_counter()
        notebook = papermill.execute_notebook(
            str(paths.template_notebook),
            str(staging / "notebook.ipynb"),
            parameters={"order_id": entry.id, "orders_file": str(orders.path.resolve()),
                        "output_dir": str(staging_root)},
            kernel_name=KERNEL_NAME,
            progress_bar=False,
            request_save_on_cell_execute=False,
            cwd=str(paths.root),
        )
        timings["execute_s"] = round(time.perf_counter() - t, 3)
        summary = _summary(notebook)
        t = time.perf_counter()
        pdf = deck_pdf(staging / "deck.pptx", staging / "deck.pdf", paths.private / "libreoffice")
        if pdf is not None:
            timings["pdf_s"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        title = f"{summary.get('package', {}).get('name', '')} – {entry.id}"
        export_html(notebook, staging / "report.html", title=title, links=_report_links(staging))
        timings["export_s"] = round(time.perf_counter() - t, 3)
        status, error = STATUS_OK, ""
    except Exception as exc:
        status, error = STATUS_FAILED, _error_message(exc)
    outputs: list[str] = []
    if status == STATUS_OK:
        outputs = publish(staging, target)
        shutil.rmtree(staging, ignore_errors=True)
    else:
        clear_outputs(target)
    seconds = round(time.perf_counter() - clock, 3)
    manifest = {
        "order_id": entry.id,
        "status": status,
        "error": error or None,
        "cluster": entry.order.cluster if entry.order else None,
        "municipality": entry.order.municipality if entry.order else None,
        "round": entry.order.round if entry.order else None,
        "baseline": entry.order.baseline if entry.order else None,
        "package": summary.get("package") or {"name": entry.order.package if entry.order else None},
        "code_version": __version__,
        "parameters": {"order_id": entry.id, "orders_file": display_path(orders.path, paths.root)},
        "inputs": _inputs(entry, orders),
        "warnings": summary.get("warnings", []),
        "slides": summary.get("slides"),
        "outputs": outputs,
        "timings": {"started": started.isoformat(timespec="seconds"), "seconds": seconds, **timings},
    }
    write_text(target / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return OrderOutcome(entry.id, status, seconds, error, manifest["warnings"], manifest)


def run_orders(orders_path: Path | str, paths: Paths, only: list[str] | None = None,
               log=print) -> list[OrderOutcome]:
    """Run every order (or those in ``only``) and rewrite reports/index.html."""
    orders = load_orders(orders_path)
    entries = list(orders.entries)
    if only:
        unknown = sorted(set(only) - {e.id for e in entries})
        if unknown:
            raise KiapError(f"--only names unknown order(s): {', '.join(unknown)}")
        entries = [e for e in entries if e.id in only]
    ensure_kernel()
    if any(e.order is not None and e.order.referrals is not None for e in entries):
        load_key(paths.private)  # created here, on the terminal, on the very first run
    outcomes = []
    for entry in entries:
        outcome = run_order(orders, entry, paths)
        log(f"{outcome.order_id}: {outcome.status} ({outcome.seconds:.1f} s)"
            + (f"\n  {outcome.error}" if outcome.error else ""))
        outcomes.append(outcome)
    write_index(paths.reports)
    return outcomes
