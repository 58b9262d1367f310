"""Running a season's orders: in parallel worker processes, resumable, observable.

Each order is executed by papermill from the template notebook, with its own parameters,
in a private staging folder (<private>/runs/<id>/). Only when the notebook, the previews, the
HTML export and the checks succeed are its files moved to reports/<id>/, each with an
atomic replace, and manifest.json written last. A failed order leaves its notebook in the
staging folder (a traceback can hold data values) and, in reports/<id>/, a manifest with
status 'failed', the error message and a run.log.

Workers keep a warm kernel (``warmkernel``); one order failing, hanging or killing its kernel
costs a fresh kernel, never the batch. An order whose inputs, spec, templates and code are
unchanged since its last good run is skipped (``fingerprint``).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import functools
import hashlib
import json
import multiprocessing as mp
import os
import queue
import resource
import shutil
import signal
import sys
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from . import __version__
from .config import DECK_TEMPLATE, KERNEL_NAME, PACKAGE_DIR, REPORT_TEMPLATE_DIR, SUMMARY_MIMETYPE, Paths
from .errors import KiapError, display_path
from .fileio import atomic_path, sha256_path, write_text
from .index import write_index
from .kernel import ensure_kernel
from .leakcheck import Hit, scan
from .orders import OrderEntry, OrdersFile, load_orders, resolve_spec
from .preview import deck_pdf
from .progress import Progress
from .pseudonyms import load_key
from .redaction import Redactor
from .report_export import export_html
from .spec import SpecError
from .warmkernel import WarmKernel, peak_memory_kb

STATUS_OK, STATUS_FAILED, STATUS_SKIPPED = "ok", "failed", "skipped"
DEFAULT_TIMEOUT_S = 900
KILL_GRACE_S = 30


@dataclass
class OrderOutcome:
    order_id: str
    status: str
    seconds: float
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)


@dataclass
class BatchReport:
    outcomes: list[OrderOutcome]
    seconds: float
    workers: int
    peak_memory_kb: tuple[int, int] | None = None  # (worker, its kernel) of the worker with the largest sum

    @property
    def failed(self) -> list[OrderOutcome]:
        return [o for o in self.outcomes if o.status == STATUS_FAILED]


# ------------------------------------------------------------------ fingerprints


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def code_version() -> str:
    """The package version and a digest of its code, specs and templates."""
    files = sorted(p for p in PACKAGE_DIR.rglob("*") if p.is_file() and p.suffix in (
        ".py", ".yaml", ".j2", ".css", ".json", ".pptx") and "__pycache__" not in p.parts)
    return f"{__version__}+{_digest([f'{p.relative_to(PACKAGE_DIR)}:{sha256_path(p)}' for p in files])[:12]}"


def _digest_of(path: Path) -> str:
    """sha256 of a file or folder, remembered while its size and time stamp stay the same."""
    if not path.exists():
        return "missing"
    stat = path.stat()
    return _cached_digest(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4096)
def _cached_digest(path: str, mtime_ns: int, size: int) -> str:
    return sha256_path(path)


def fingerprint(orders: OrdersFile, entry: OrderEntry, paths: Paths, code: str) -> dict:
    """What an order's outputs depend on; equal fingerprints mean equal outputs."""
    order = entry.order
    if order is None:
        return {}
    inputs = {role: _digest_of(p) for role, p in order.input_paths().items()}
    if order.baseline:
        baseline = next((e.order for e in orders.entries if e.id == order.baseline and e.order), None)
        if baseline is not None:
            inputs |= {f"baseline.{role}": _digest_of(p) for role, p in baseline.input_paths().items()}
    try:
        spec_path = resolve_spec(order, orders).path
        spec = _digest_of(spec_path) if spec_path else "built-in"
    except (KiapError, SpecError, OSError):
        spec = "unresolved"
    fields = json.dumps({k: v for k, v in asdict(order).items() if k not in ("base_dir", "line")},
                        default=str, sort_keys=True)
    templates = [paths.template_notebook, order.template or DECK_TEMPLATE, REPORT_TEMPLATE_DIR]
    return {
        "inputs": inputs,
        "order": _digest([fields]),
        "spec": spec,
        "template": _digest([_digest_of(p) for p in templates]),
        "code": code,
    }


def up_to_date(target: Path, expected: dict) -> dict | None:
    """The manifest of reports/<id>/ when it holds a good run with this fingerprint and all
    its files, else None."""
    try:
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    good = (manifest.get("status") == STATUS_OK and manifest.get("fingerprint") == expected
            and all((target / name).is_file() for name in manifest.get("outputs", [])))
    return manifest if good else None


# ------------------------------------------------------------------ one order


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


class LeakError(KiapError):
    """The outputs of an order hold data that may identify someone."""


def leak_check(folder: Path, identifiers_file: Path, paths: Paths, extra: dict[str, str]) -> list[Hit]:
    """Scan an order's outputs for CPR numbers, e-mail addresses, phone numbers, the inputs'
    ydernumre, practice and other names, and the pseudonym key."""
    literals: dict[str, list[str]] = {}
    if identifiers_file.exists():
        found = json.loads(identifiers_file.read_text(encoding="utf-8"))
        literals = {IDENTIFIER_KINDS.get(kind, kind): values for kind, values in found.items()}
        identifiers_file.unlink()
    with contextlib.suppress(KiapError):  # no key exists: nothing to leak
        literals["pseudonym key"] = [load_key(paths.private, create=False).decode("utf-8")]
    return scan(folder, literals, patterns=True, extra=extra)


IDENTIFIER_KINDS = {"ydernummer": "ydernummer", "practice_name": "practice name",
                    "respondent": "respondent name or e-mail", "name": "name from the order's list"}


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
    """Remove an order's published files (all but manifest and log) after a failed run."""
    if target.exists():
        for old in target.rglob("*"):
            if old.is_file() and old.name not in ("manifest.json", "run.log"):
                old.unlink()


class _Log:
    """The order's run.log: what happened when, never data values beyond error messages."""

    def __init__(self, order_id: str):
        self.lines = [f"{self._now()} order {order_id}: started (kiap-workbook {__version__}, pid {os.getpid()})"]

    @staticmethod
    def _now() -> str:
        return dt.datetime.now().isoformat(timespec="seconds")

    def __call__(self, message: str) -> None:
        self.lines.append(f"{self._now()} {message}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def execute_order(orders: OrdersFile, entry: OrderEntry, paths: Paths, fingerprint_: dict | None = None,
                  warm=None, timeout: float = DEFAULT_TIMEOUT_S) -> OrderOutcome:
    """Execute, export and publish one order; never raises for a problem of the order.

    ``warm``: a WarmKernel to run in (else papermill starts a fresh kernel for this order).
    """
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    staging_root = paths.private / "runs"
    staging = staging_root / entry.id
    target = paths.reports / entry.id
    timings: dict[str, float] = {}
    summary: dict = {}
    log = _Log(entry.id)
    try:
        if not entry.ok:
            raise KiapError("\n".join(str(p) for p in entry.problems))
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        t = time.perf_counter()
        engine: dict = {}
        if warm is not None:
            engine = {"engine_name": "kiap-warm", "warm_kernel": warm}
        log("executing the template notebook" + (" in the worker's warm kernel" if warm else ""))
        notebook = papermill.execute_notebook(
            str(paths.template_notebook), str(staging / "notebook.ipynb"),
            parameters={"order_id": entry.id, "orders_file": str(orders.path.resolve()),
                        "output_dir": str(staging_root)},
            kernel_name=KERNEL_NAME, progress_bar=False, request_save_on_cell_execute=False,
            cwd=str(paths.root), execution_timeout=timeout, **engine)
        timings["execute_s"] = round(time.perf_counter() - t, 3)
        summary = _summary(notebook)
        log(f"notebook done in {timings['execute_s']} s: {summary.get('slides')} slides, "
            f"{len(summary.get('warnings', []))} warning(s)")
        t = time.perf_counter()
        if deck_pdf(staging / "deck.pptx", staging / "deck.pdf", paths.private / "libreoffice"):
            timings["pdf_s"] = round(time.perf_counter() - t, 3)
            log(f"deck.pdf rendered by LibreOffice in {timings['pdf_s']} s")
        t = time.perf_counter()
        title = f"{summary.get('package', {}).get('name', '')} – {entry.id}"
        export_html(notebook, staging / "report.html", title=title, links=_report_links(staging))
        timings["export_s"] = round(time.perf_counter() - t, 3)
        log(f"report.html exported in {timings['export_s']} s")
        t = time.perf_counter()
        hits = leak_check(staging, staging_root / f"{entry.id}.identifiers.json", paths, {"run.log": log.text()})
        timings["leak_check_s"] = round(time.perf_counter() - t, 3)
        if hits:
            raise LeakError("the leak check found identifying data in the outputs, which are not published: "
                            + "; ".join(str(h) for h in hits[:12]))
        log(f"leak check passed in {timings['leak_check_s']} s")
        status, error = STATUS_OK, ""
    except Exception as exc:  # one order's failure must not stop the batch
        status, error = STATUS_FAILED, Redactor()(_error_message(exc))  # messages are published
        log(f"failed: {error}")
        if warm is not None:
            warm.shutdown()  # the next order gets a fresh kernel
    outputs: list[str] = []
    seconds = round(time.perf_counter() - clock, 3)
    log(f"status {status} after {seconds} s")
    if status == STATUS_OK:
        write_text(staging / "run.log", log.text())
        outputs = publish(staging, target)
        shutil.rmtree(staging, ignore_errors=True)
    else:
        clear_outputs(target)
        write_text(target / "run.log", log.text())
        outputs = ["run.log"]
    manifest = {
        "order_id": entry.id,
        "status": status,
        "error": error or None,
        "cluster": entry.order.cluster if entry.order else None,
        "municipality": entry.order.municipality if entry.order else None,
        "round": entry.order.round if entry.order else None,
        "baseline": entry.order.baseline if entry.order else None,
        "package": summary.get("package") or {"name": entry.order.package if entry.order else None},
        "code_version": (fingerprint_ or {}).get("code", __version__),
        "parameters": {"order_id": entry.id, "orders_file": display_path(orders.path, paths.root)},
        "inputs": _inputs(entry, orders),
        "fingerprint": fingerprint_ or {},
        "warnings": summary.get("warnings", []),
        "slides": summary.get("slides"),
        "outputs": outputs,
        "timings": {"started": started.isoformat(timespec="seconds"), "seconds": seconds, **timings},
    }
    write_text(target / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return OrderOutcome(entry.id, status, seconds, error, manifest["warnings"], manifest)


# ------------------------------------------------------------------ workers


def _die_with_parent() -> None:
    """Linux: the worker gets SIGKILL when the batch process dies (its kernel follows it)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        parent = os.getppid()

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1)
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()


def worker_main(worker_id: int, tasks, results, orders_path: str, paths: Paths, timeout: float) -> None:
    """A worker: one warm kernel, orders from ``tasks`` until the None sentinel."""
    _die_with_parent()
    orders = load_orders(orders_path)
    logs = paths.private / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    warm = WarmKernel(paths.root, stderr_path=logs / f"kernel-worker-{worker_id}.log")
    kernel_peak = 0
    while True:
        task = tasks.get()
        if task is None:
            break
        order_id, print_ = task
        try:
            warm.ensure()
        except Exception:  # a kernel that will not start fails the order, below
            warm.shutdown()
        results.put(("started", worker_id, order_id, warm.pid))
        outcome = execute_order(orders, orders.entry(order_id), paths, print_, warm=warm, timeout=timeout)
        kernel_peak = max(kernel_peak, warm.peak_memory_kb() or 0)
        results.put(("done", worker_id, outcome))
    kernel_peak = max(kernel_peak, warm.peak_memory_kb() or 0)
    warm.shutdown()
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the forked parent across exec
    own_peak = peak_memory_kb(os.getpid()) or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    results.put(("memory", worker_id, own_peak, kernel_peak))


def _kill(pid: int | None) -> None:
    if pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _failed(entry_id: str, message: str, paths: Paths, orders: OrdersFile, print_: dict, seconds: float):
    """Record an order that its worker could not finish (crash, timeout)."""
    target = paths.reports / entry_id
    clear_outputs(target)
    write_text(target / "run.log", f"{dt.datetime.now().isoformat(timespec='seconds')} failed: {message}\n")
    entry = orders.entry(entry_id)
    manifest = {"order_id": entry_id, "status": STATUS_FAILED, "error": message,
                "cluster": entry.order.cluster if entry.order else None,
                "round": entry.order.round if entry.order else None,
                "package": {"name": entry.order.package if entry.order else None},
                "fingerprint": print_, "warnings": [], "outputs": ["run.log"],
                "timings": {"seconds": round(seconds, 3)}}
    write_text(target / "manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return OrderOutcome(entry_id, STATUS_FAILED, round(seconds, 3), message, [], manifest)


def run_orders(orders_path: Path | str, paths: Paths, only: list[str] | None = None, force: bool = False,
               workers: int | None = None, timeout: float = DEFAULT_TIMEOUT_S,
               progress: Progress | None = None, log=None) -> BatchReport:
    """Run the orders (all, or those in ``only``) and rewrite reports/index.html."""
    began = time.perf_counter()
    orders = load_orders(orders_path)
    entries = list(orders.entries)
    if only:
        unknown = sorted(set(only) - {e.id for e in entries})
        if unknown:
            raise KiapError(f"--only names unknown order(s): {', '.join(unknown)}")
        entries = [e for e in entries if e.id in only]
    progress = progress or Progress(len(entries), stream=sys.stderr if log is None else None, log=log)
    code = code_version()
    prints = {e.id: fingerprint(orders, e, paths, code) for e in entries}
    outcomes: dict[str, OrderOutcome] = {}
    todo = []
    for entry in entries:
        last = None if force or only or not entry.ok else up_to_date(paths.reports / entry.id, prints[entry.id])
        if last is not None:
            outcomes[entry.id] = OrderOutcome(entry.id, STATUS_SKIPPED, 0.0, warnings=last.get("warnings", []),
                                              manifest=last)
            progress.finished(outcomes[entry.id])
        else:
            todo.append(entry)
    ensure_kernel()
    if todo:
        load_key(paths.private)  # created here, on the terminal, on the very first run
    count = max(1, min(workers or os.cpu_count() or 1, len(todo))) if todo else 0
    peak = None
    if todo:
        peak = _dispatch(orders, todo, prints, paths, count, timeout, progress, outcomes)
    write_index(paths.reports)
    ordered = [outcomes[e.id] for e in entries]
    progress.close()
    return BatchReport(ordered, round(time.perf_counter() - began, 3), count, peak)


def _dispatch(orders: OrdersFile, todo: list[OrderEntry], prints: dict, paths: Paths, count: int,
              timeout: float, progress: Progress, outcomes: dict) -> tuple[int, int] | None:
    context = mp.get_context("spawn")
    tasks, results = context.Queue(), context.Queue()
    for entry in todo:
        tasks.put((entry.id, prints[entry.id]))
    for _ in range(count):
        tasks.put(None)
    procs: dict[int, mp.Process] = {}
    current: dict[int, tuple[str, float, int | None]] = {}
    peaks: list[tuple[int, int]] = []

    def spawn(worker_id: int) -> None:
        proc = context.Process(target=worker_main, args=(worker_id, tasks, results, str(orders.path), paths,
                                                         timeout), daemon=True)
        proc.start()
        procs[worker_id] = proc

    for worker_id in range(count):
        spawn(worker_id)
    next_id = count
    waiting = {e.id for e in todo}
    drained_at = None
    while waiting or any(p.is_alive() for p in procs.values()):
        if not waiting and not current:
            drained_at = drained_at or time.perf_counter()
            if time.perf_counter() - drained_at > KILL_GRACE_S:  # a worker stuck on its way out
                for proc in procs.values():
                    _kill(proc.pid)
                break
        try:
            message = results.get(timeout=0.5)
        except queue.Empty:
            message = None
        if message is not None:
            kind, worker_id = message[0], message[1]
            if kind == "started":
                current[worker_id] = (message[2], time.perf_counter(), message[3])
                progress.started(message[2])
            elif kind == "done":
                outcome = message[2]
                current.pop(worker_id, None)
                waiting.discard(outcome.order_id)
                outcomes[outcome.order_id] = outcome
                progress.finished(outcome)
            elif kind == "memory":
                peaks.append((message[2], message[3]))
            continue
        for worker_id, proc in list(procs.items()):
            held = current.get(worker_id)
            overdue = held is not None and time.perf_counter() - held[1] > timeout + KILL_GRACE_S
            if proc.is_alive() and not overdue:
                continue
            if not proc.is_alive() and held is None:
                if proc.exitcode not in (0, None) and waiting:
                    del procs[worker_id]  # died between orders: replace it
                    spawn(next_id)
                    next_id += 1
                continue
            order_id, since, kernel_pid = held
            if overdue:
                message_ = f"timed out: the order ran longer than {timeout:g} s and was stopped"
            else:
                message_ = f"the worker process stopped unexpectedly (exit code {proc.exitcode})"
            _kill(proc.pid)
            _kill(kernel_pid)
            proc.join(5)
            del procs[worker_id]
            current.pop(worker_id, None)
            waiting.discard(order_id)
            outcome = _failed(order_id, message_, paths, orders, prints[order_id], time.perf_counter() - since)
            outcomes[order_id] = outcome
            progress.finished(outcome)
            if waiting:
                spawn(next_id)
                next_id += 1
    for proc in procs.values():
        proc.join(10)
    while True:  # memory reports that arrived as the workers left
        try:
            message = results.get(timeout=0.2)
        except queue.Empty:
            break
        if message[0] == "memory":
            peaks.append((message[2], message[3]))
    return max(peaks, key=sum) if peaks else None
