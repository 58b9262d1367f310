"""What a batch run shows while it works: a progress bar on a terminal, plain lines otherwise,
and a summary table at the end."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

from kiap_analysis.core import messages_da as da
from kiap_analysis.core.manifest import Status

LOUD = (Status.FAILED, Status.INTERRUPTED)  # shown in capitals: they need the analyst


def label(status: Status) -> str:
    """How a progress line and the summary table name a status."""
    return status.label.upper() if status in LOUD else status.label


def _clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


TICK_S = 1.0  # the terminal line is redrawn at least this often
PLAIN_EVERY_S = 30.0  # without a terminal: a line naming the running orders this often
SHOWN_RUNNING = 3  # orders named on the line; the rest counted


class Progress:
    """Counts orders done, failed and unchanged, names the orders running, estimates the time left.

    On a terminal one line is redrawn at every event and at least once a second (``tick``,
    called by a ticker thread from ``start_ticker`` or by the batch loop); elsewhere a line per
    event and, while orders run, a line naming them every ``plain_every`` seconds.
    ``clock``: seconds, monotonic (a test passes a fake one).
    """

    def __init__(self, total: int, stream: TextIO | None = sys.stderr, log: Callable[[str], None] | None = None,
                 tty: bool | None = None, clock: Callable[[], float] = time.perf_counter,
                 width: int | None = None, plain_every: float = PLAIN_EVERY_S):
        self.total = total
        self.stream = stream
        self.log = log
        self.tty = bool(stream is not None and stream.isatty()) if tty is None else tty
        self.clock = clock
        self.width = width
        self.plain_every = plain_every
        self.done = self.failed = self.skipped = 0
        self.workers: int | None = None
        self.running: dict[str, float] = {}  # order id -> when it started
        self.began = clock()
        self.first_start: float | None = None
        self.last_drawn: float | None = None
        self.last_plain = self.began
        self._lock = threading.RLock()
        self._ticker: threading.Thread | None = None
        self._stop_ticker = threading.Event()

    @property
    def finished_count(self) -> int:
        return self.done + self.failed + self.skipped

    @property
    def left(self) -> int:
        """Orders neither finished nor running."""
        return max(0, self.total - self.finished_count - len(self.running))

    def eta(self) -> float | None:
        """Seconds left: the orders not finished at the rate orders have run so far (None before one ran)."""
        worked = self.done + self.failed
        if not worked or self.first_start is None:
            return None
        rate = worked / max(self.clock() - self.first_start, 1e-9)
        return (self.total - self.finished_count) / rate

    def set_workers(self, count: int) -> None:
        self.workers = count

    def started(self, order_id: str) -> None:
        with self._lock:
            now = self.clock()
            self.first_start = self.first_start or now
            self.running[order_id] = now
            if not self.tty:
                self._write(f"[{self.finished_count}/{self.total}] {order_id}: startet\n")
            self._render()

    def finished(self, outcome) -> None:
        with self._lock:
            self.running.pop(outcome.order_id, None)
            if outcome.status == Status.OK:
                self.done += 1
            elif outcome.status == Status.SKIPPED:
                self.skipped += 1
            else:
                self.failed += 1
            if not self.tty:
                line = (f"[{self.finished_count}/{self.total}] {outcome.order_id}: {label(outcome.status)}"
                        + (f" ({da.seconds(outcome.seconds)})" if outcome.status != Status.SKIPPED else ""))
                if outcome.error:
                    line += f"\n    {da.danish_text(outcome.error.splitlines()[0])}"
                self._write(line + "\n")
            self._render()

    def tick(self) -> None:
        """Redraw the terminal line if a second has passed; without a terminal, name the running
        orders every ``plain_every`` seconds."""
        with self._lock:
            now = self.clock()
            if self.tty:
                if self.last_drawn is None or now - self.last_drawn >= TICK_S:
                    self._render()
            elif self.running and now - self.last_plain >= self.plain_every:
                self.last_plain = now
                self._write(self.line() + "\n")

    def counts(self) -> str:
        """'1 færdig · 0 fejlet · 2 uændrede · 3 mangler' (Danish singular and plural)."""
        return " · ".join((da.count(self.done, "færdig", "færdige"), da.count(self.failed, "fejlet", "fejlede"),
                           da.count(self.skipped, "uændret", "uændrede"), da.count(self.left, "mangler", "mangler")))

    def running_text(self) -> str:
        """'kører: a (0:12), b (0:03)', at most SHOWN_RUNNING named, the rest counted."""
        if not self.running:
            return ""
        now = self.clock()
        first = list(self.running.items())[:SHOWN_RUNNING]
        named = [f"{order_id} ({_clock(now - since)})" for order_id, since in first]
        rest = len(self.running) - len(named)
        text = "kører: " + ", ".join(named) + (f" og {da.number(rest)} til" if rest else "")
        if self.workers:
            text += f" i {da.count(self.workers, 'proces', 'processer')}"
        return text

    def line(self) -> str:
        width = 24
        filled = int(width * self.finished_count / self.total) if self.total else width
        eta = self.eta()
        parts = [f"[{'#' * filled}{'.' * (width - filled)}] {da.number(self.finished_count)}/{da.number(self.total)}",
                 self.counts(), f"{_clock(self.clock() - self.began)} forløbet"]
        parts.append(f"ca. {_clock(eta)} tilbage" if eta is not None else "tid tilbage: beregnes")
        if self.running:
            parts.append(self.running_text())
        return " · ".join(parts)

    def _render(self) -> None:
        if self.tty:
            self.last_drawn = self.clock()
            text = self.line()
            width = self.width or shutil.get_terminal_size((100, 24)).columns
            if len(text) > width - 1:
                text = text[:max(0, width - 2)] + "…"
            self._write("\r" + text + "\x1b[K")

    def _write(self, text: str) -> None:
        if self.log is not None:
            self.log(text.rstrip("\n"))
        elif self.stream is not None:
            self.stream.write(text)
            self.stream.flush()

    def start_ticker(self, interval: float = 0.5) -> None:
        """Call ``tick`` every ``interval`` seconds from a daemon thread until ``close``."""
        if self._ticker is not None:
            return

        def loop() -> None:
            while not self._stop_ticker.wait(interval):
                self.tick()

        self._ticker = threading.Thread(target=loop, name="kiap-progress", daemon=True)
        self._ticker.start()

    def close(self) -> None:
        self._stop_ticker.set()
        if self._ticker is not None:
            self._ticker.join(2)
            self._ticker = None
        with self._lock:
            if self.tty:
                self._write("\n")


def summary_table(outcomes) -> str:
    """A plain-text table of every order's status, time and warnings."""
    rows = [("Ordre", "Status", "Tid", "Advarsler", "Fejl")]
    for o in outcomes:
        rows.append((o.order_id, label(o.status),
                     da.seconds(o.seconds) if o.status not in (Status.SKIPPED, Status.NOT_RUN) else "-",
                     str(len(o.warnings)),
                     da.danish_text(o.error.splitlines()[0])[:70] if o.error else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)
