"""Running a season's orders: in parallel worker processes, resumable, observable, one run
at a time, and never leaving a published order half replaced.

Each worker keeps a warm kernel (``warmkernel``) and runs orders one by one (``execute``) in
the run's own staging folder; one order failing, hanging or killing its kernel costs a fresh
kernel, never the batch. The batch process holds the run locks of the reports and the
private folder (``runlock``), clears what killed runs left behind (``publish``), hands out
the orders, publishes each finished order as a whole (``publish.publish_order``), stops a
worker whose order runs past its time, replaces a worker that dies, and reports progress.
An order whose inputs, spec, templates and code are unchanged since its last good run, and
whose published files are intact, is skipped (``fingerprint``).

Ctrl-C (SIGINT) and SIGTERM stop the run: no order starts or is published after the signal;
the running orders are cancelled (each worker is told to stop with SIGTERM, kills its kernel
and exits), so their published folders stay exactly as they were; the staging folder goes,
the index is rewritten and the report says what finished and what did not. Workers ignore
SIGINT and run in their own process groups: a terminal's Ctrl-C reaches the batch process
only, which decides.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import multiprocessing as mp
import os
import queue
import resource
import secrets
import shutil
import signal
import string
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kiap_analysis.core.config import Paths
from kiap_analysis.core.errors import KiapError
from kiap_analysis.core.identifiers import Watchlist, public_words
from kiap_analysis.core.manifest import Status
from kiap_analysis.core.orders import OrderEntry, OrdersFile, load_orders
from kiap_analysis.ingest.roster import cluster_practices
from kiap_analysis.present.index import write_index
from kiap_analysis.present.season import SEASON_FILE, write_season
from kiap_analysis.privacy.leakcheck import order_literals, scan
from kiap_analysis.privacy.pseudonyms import load_key, registered_ydernumre
from kiap_analysis.run.execute import (
    DEFAULT_TIMEOUT_S,
    OrderOutcome,
    execute_order,
    failed_outcome,
)
from kiap_analysis.run.fingerprint import code_version, fingerprint, up_to_date
from kiap_analysis.run.kernel import ensure_kernel
from kiap_analysis.run.killpoint import kill_point
from kiap_analysis.run.progress import Progress
from kiap_analysis.run.publish import (
    FAILED_DIR,
    RUNS_DIR,
    clear_leftovers,
    publish_order,
)
from kiap_analysis.run.runlock import LockWaitInterrupted, RunLocks
from kiap_analysis.run.warmkernel import WarmKernel, peak_memory_kb

KILL_GRACE_S = 30
STOP_GRACE_S = 5  # how long a worker told to stop may take before it is killed
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@dataclass
class BatchReport:
    outcomes: list[OrderOutcome]
    seconds: float
    workers: int
    peak_memory_kb: tuple[int, int] | None = None  # (worker, its kernel) of the worker with the largest sum
    interrupted: int | None = None  # the signal (SIGINT, SIGTERM) that stopped the run
    index_hits: list = field(default_factory=list)  # the new index's leak-check hits (the old index was kept)
    season_hits: list = field(default_factory=list)  # the same for reports/season.html

    @property
    def failed(self) -> list[OrderOutcome]:
        return [o for o in self.outcomes if o.status == Status.FAILED]


class StopRequest:
    """SIGINT and SIGTERM while a run is active: remembered (the first one), never raised.
    Installed only in the main thread (elsewhere it stays unset)."""

    def __init__(self):
        self.signum: int | None = None
        self._previous: dict = {}

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            for signum in STOP_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.signum = self.signum or signum

    def __exit__(self, *exc) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)

    def __bool__(self) -> bool:
        return self.signum is not None


def new_run_id() -> str:
    """A run's id (its staging folder's name): time, pid and a random part of letters only.

    Letters, not hex: '-1234-5678ab' after a 4-digit pid reads as a phone number to the leak
    check, which then fails every order of the run (the id is in the notebook's paths)."""
    random_part = "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))
    return f"{dt.datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}-{random_part}"


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


@contextlib.contextmanager
def _signals_held():
    """SIGINT and SIGTERM blocked in this thread while a worker starts: the worker inherits the
    block and lifts it once its own handlers are set (no traceback from a Ctrl-C during its
    start-up). The batch still gets them (another thread takes them, or they wait)."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, set(STOP_SIGNALS))
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _worker_signals(warm: WarmKernel) -> None:
    """A worker ignores SIGINT and stops on SIGTERM: its kernel is killed, and so is its
    process group (LibreOffice); no traceback, no cleanup (the batch clears the staging)."""

    def stop(signum, frame) -> None:
        warm.kill_now()
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        with contextlib.suppress(OSError):
            os.killpg(os.getpid(), signal.SIGTERM)
        os._exit(128 + signum)

    with contextlib.suppress(OSError):
        os.setpgid(0, 0)  # a terminal's Ctrl-C goes to the batch process, which decides
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, stop)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, set(STOP_SIGNALS))


def worker_main(worker_id: int, tasks, results, orders_path: str, paths: Paths, staging_root: str,
                timeout: float) -> None:
    """A worker: one warm kernel, orders from ``tasks`` until the None sentinel."""
    _die_with_parent()
    logs = paths.private / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    warm = WarmKernel(paths.root, stderr_path=logs / f"kernel-worker-{worker_id}.log")
    _worker_signals(warm)
    orders = load_orders(orders_path)
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
        outcome = execute_order(orders, orders.entry(order_id), paths, Path(staging_root), print_, warm=warm,
                                timeout=timeout)
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


def _kill_worker(pid: int | None) -> None:
    """Kill a worker and its process group (a LibreOffice it runs)."""
    if pid:
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:  # not (yet) leading its own group
            _kill(pid)


def _publish(outcome: OrderOutcome, paths: Paths, run_id: str) -> OrderOutcome:
    """Swap the order's finished folder in as reports/<id>; a folder that cannot be
    published fails the order (its published folder stays as it was)."""
    target = paths.reports / outcome.order_id
    try:
        publish_order(Path(outcome.folder or ""), target, run_id)
    except OSError as exc:
        error = (f"could not publish the order to {target}: {exc.strerror or exc} Fix: check that the "
                 "reports folder is writable and has free space, then run the order again")
        return OrderOutcome(outcome.order_id, Status.FAILED, outcome.seconds, error, outcome.warnings)
    if outcome.status == Status.OK:  # an older failure's notebook no longer applies
        shutil.rmtree(paths.private / FAILED_DIR / outcome.order_id, ignore_errors=True)
    kill_point("published", outcome.order_id)
    return outcome


def run_orders(orders_path: Path | str, paths: Paths, only: list[str] | None = None, force: bool = False,
               workers: int | None = None, timeout: float = DEFAULT_TIMEOUT_S,
               progress: Progress | None = None, log: Callable[[str], None] | None = None,
               wait: bool = False) -> BatchReport:
    """Run the orders (all, or those in ``only``) and rewrite reports/index.html.

    Raises ``runlock.RunLockedError`` when another run holds the reports or the private
    folder (``wait``: wait for it instead). ``log``: where progress and notices go (default:
    the terminal).
    """
    began = time.perf_counter()
    orders = load_orders(orders_path)
    entries = list(orders.entries)
    if only:
        unknown = sorted(set(only) - {e.id for e in entries})
        if unknown:
            raise KiapError(f"--only names unknown order(s): {', '.join(unknown)}")
        entries = [e for e in entries if e.id in only]
    say = log or (lambda text: print(f"kiap: {text}", file=sys.stderr, flush=True))
    run_id = new_run_id()
    with StopRequest() as stop:
        locks = RunLocks([paths.reports, paths.private], run_id, wait=wait, on_wait=say,
                         should_stop=lambda: bool(stop))
        try:
            with locks:
                leftovers = clear_leftovers(paths.reports, paths.private)
                if leftovers:
                    say(leftovers.message())
                progress = progress or Progress(len(entries), stream=sys.stderr if log is None else None, log=log)
                progress.start_ticker()
                try:
                    report = _run_locked(orders, entries, paths, run_id, force, only, workers, timeout, progress,
                                         stop, say)
                finally:
                    progress.close()
        except LockWaitInterrupted:  # stopped while it waited for another run: nothing was run
            report = BatchReport([OrderOutcome(e.id, Status.NOT_RUN, 0.0) for e in entries], 0.0, 0,
                                 interrupted=stop.signum)
    report.seconds = round(time.perf_counter() - began, 3)
    return report


def _run_locked(orders: OrdersFile, entries: list[OrderEntry], paths: Paths, run_id: str, force: bool,
                only: list[str] | None, workers: int | None, timeout: float, progress: Progress,
                stop: StopRequest, say: Callable[[str], None]) -> BatchReport:
    code = code_version()
    prints = {e.id: fingerprint(orders, e, paths, code) for e in entries}
    outcomes: dict[str, OrderOutcome] = {}
    todo = []
    for entry in entries:
        last = None if force or only or not entry.ok else up_to_date(paths.reports / entry.id, prints[entry.id])
        if last is not None:
            outcomes[entry.id] = OrderOutcome(entry.id, Status.SKIPPED, 0.0, warnings=last.warnings, manifest=last)
            progress.finished(outcomes[entry.id])
        else:
            todo.append(entry)
    ensure_kernel()
    if todo and not stop:
        load_key(paths.private)  # created here, on the terminal, on the very first run
    count = max(1, min(workers or os.cpu_count() or 1, len(todo))) if todo else 0
    progress.set_workers(count)
    peak = None
    staging_root = paths.private / RUNS_DIR / run_id
    try:
        if todo and not stop:
            peak = _dispatch(orders, todo, prints, paths, staging_root, run_id, count, timeout, progress,
                             outcomes, stop)
    finally:
        shutil.rmtree(staging_root, ignore_errors=True)
    leaks = page_leak_check(orders, paths)
    hits = write_index(paths.reports, skipped={i for i, o in outcomes.items() if o.status == Status.SKIPPED},
                       check=lambda page: leaks("index.html", page))
    if hits:
        say("reports/index.html is not updated: the leak check found "
            + "; ".join(sorted({h.kind for h in hits})) + " in the new page; the previous index is kept "
            "(each order's manifest.json holds its status)")
    season_hits = write_season(paths.reports, check=lambda page: leaks(SEASON_FILE, page))
    if season_hits:
        say(f"reports/{SEASON_FILE} is not updated: the leak check found "
            + "; ".join(sorted({h.kind for h in season_hits})) + " in the new page; the previous page is kept")
    ordered = [outcomes.get(e.id) or OrderOutcome(e.id, Status.NOT_RUN, 0.0) for e in entries]
    return BatchReport(ordered, 0.0, count, peak, interrupted=stop.signum, index_hits=hits,
                       season_hits=season_hits)


def index_leaks(page: str, orders: OrdersFile, paths: Paths, name: str = "index.html") -> list:
    """The leak check of reports/index.html (or the page ``name`` beside it)."""
    return page_leak_check(orders, paths)(name, page)


def page_leak_check(orders: OrdersFile, paths: Paths) -> Callable[[str, str], list]:
    """The leak check of a page beside the orders (name, text -> hits): the shapes, every
    cluster's registered ydernumre, the practices every cluster of the orders file knows
    (inputs and rosters) and the key."""
    ydernumre, names, public = set(), set(), set()
    for cluster in {e.order.cluster for e in orders.entries if e.order is not None}:
        known = cluster_practices(orders, cluster)
        ydernumre |= known.ydernumre
        names |= known.names
    for entry in orders.entries:
        if entry.order is not None:
            public |= public_words([entry.id, entry.order.cluster, entry.order.municipality])
    watch = Watchlist(frozenset(ydernumre), frozenset(names), frozenset(public), registered_ydernumre(paths.private))
    literals = order_literals({"ydernummer": ydernumre, "practice_name": names}, paths.private)
    return lambda name, page: scan(paths.reports, literals, extra={name: page}, watchlist=watch, only=())


def _stop_workers(procs: dict[int, mp.Process], kernels: dict[int, int | None]) -> None:
    """Tell every worker to stop (SIGTERM: it kills its kernel and exits); kill stragglers."""
    for proc in procs.values():
        if proc.is_alive() and proc.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_S
    for proc in procs.values():
        proc.join(max(0.0, deadline - time.monotonic()))
    for worker_id, proc in procs.items():
        if proc.is_alive():
            _kill_worker(proc.pid)
            proc.join(5)
        _kill(kernels.get(worker_id))  # normally gone with its worker


def _dispatch(orders: OrdersFile, todo: list[OrderEntry], prints: dict, paths: Paths, staging_root: Path,
              run_id: str, count: int, timeout: float, progress: Progress, outcomes: dict,
              stop: StopRequest) -> tuple[int, int] | None:
    context = mp.get_context("spawn")
    tasks, results = context.Queue(), context.Queue()
    for entry in todo:
        tasks.put((entry.id, prints[entry.id]))
    for _ in range(count):
        tasks.put(None)
    procs: dict[int, mp.Process] = {}
    current: dict[int, tuple[str, float, int | None]] = {}
    kernels: dict[int, int | None] = {}
    peaks: list[tuple[int, int]] = []

    def spawn(worker_id: int) -> None:
        proc = context.Process(target=worker_main, args=(worker_id, tasks, results, str(orders.path), paths,
                                                         str(staging_root), timeout), daemon=True)
        with _signals_held():
            proc.start()
        procs[worker_id] = proc

    def finish(outcome: OrderOutcome) -> None:
        outcome = _publish(outcome, paths, run_id)
        outcomes[outcome.order_id] = outcome
        progress.finished(outcome)

    for worker_id in range(count):
        spawn(worker_id)
    next_id = count
    waiting = {e.id for e in todo}
    drained_at = None
    while not stop and (waiting or any(p.is_alive() for p in procs.values())):
        if not waiting and not current:
            drained_at = drained_at or time.perf_counter()
            if time.perf_counter() - drained_at > KILL_GRACE_S:  # a worker stuck on its way out
                for proc in procs.values():
                    _kill_worker(proc.pid)
                break
        try:
            message = results.get(timeout=0.5)
        except queue.Empty:
            message = None
        if stop:  # nothing is published after a stop signal
            break
        if message is not None:
            kind, worker_id = message[0], message[1]
            if kind == "started":
                current[worker_id] = (message[2], time.perf_counter(), message[3])
                kernels[worker_id] = message[3]
                progress.started(message[2])
            elif kind == "done":
                current.pop(worker_id, None)
                waiting.discard(message[2].order_id)
                finish(message[2])
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
            _kill_worker(proc.pid)
            _kill(kernel_pid)
            proc.join(5)
            del procs[worker_id]
            current.pop(worker_id, None)
            waiting.discard(order_id)
            finish(failed_outcome(orders, orders.entry(order_id), paths, staging_root, prints[order_id], message_,
                                  time.perf_counter() - since))
            if waiting:
                spawn(next_id)
                next_id += 1
    if stop:
        _stop_workers(procs, kernels)
        for order_id, since, _ in current.values():
            outcomes[order_id] = OrderOutcome(order_id, Status.INTERRUPTED, round(time.perf_counter() - since, 3),
                                              "stopped by " + signal.Signals(stop.signum).name)
        for q in (tasks, results):  # the workers are gone: never wait for these pipes to drain
            q.cancel_join_thread()
            q.close()
        return max(peaks, key=sum) if peaks else None
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
