"""Running a season's orders: in parallel worker processes, resumable, observable.

Each worker keeps a warm kernel (``warmkernel``) and runs orders one by one (``execute``);
one order failing, hanging or killing its kernel costs a fresh kernel, never the batch. The
batch process hands out the orders, stops a worker whose order runs past its time, replaces
a worker that dies, and reports progress. An order whose inputs, spec, templates and code
are unchanged since its last good run is skipped (``fingerprint``).
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import json
import multiprocessing as mp
import os
import queue
import resource
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Paths
from .errors import KiapError
from .execute import DEFAULT_TIMEOUT_S, STATUS_FAILED, STATUS_SKIPPED, OrderOutcome, clear_outputs, execute_order
from .fileio import write_text
from .fingerprint import code_version, fingerprint, up_to_date
from .index import write_index
from .kernel import ensure_kernel
from .orders import OrderEntry, OrdersFile, load_orders
from .progress import Progress
from .pseudonyms import load_key
from .warmkernel import WarmKernel, peak_memory_kb

KILL_GRACE_S = 30


@dataclass
class BatchReport:
    outcomes: list[OrderOutcome]
    seconds: float
    workers: int
    peak_memory_kb: tuple[int, int] | None = None  # (worker, its kernel) of the worker with the largest sum

    @property
    def failed(self) -> list[OrderOutcome]:
        return [o for o in self.outcomes if o.status == STATUS_FAILED]


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
    write_index(paths.reports, skipped={i for i, o in outcomes.items() if o.status == "skipped"})
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
