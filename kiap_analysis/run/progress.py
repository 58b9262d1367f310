"""What a batch run shows while it works: a progress bar on a terminal, plain lines otherwise,
and a summary table at the end."""

from __future__ import annotations

import sys
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
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """Counts orders done, failed and skipped; estimates the time left."""

    def __init__(self, total: int, stream: TextIO | None = sys.stderr, log: Callable[[str], None] | None = None,
                 tty: bool | None = None):
        self.total = total
        self.stream = stream
        self.log = log
        self.tty = bool(stream is not None and stream.isatty()) if tty is None else tty
        self.done = self.failed = self.skipped = 0
        self.running: set[str] = set()
        self.began = time.perf_counter()
        self.first_start: float | None = None

    @property
    def finished_count(self) -> int:
        return self.done + self.failed + self.skipped

    def eta(self) -> float | None:
        worked = self.done + self.failed
        if not worked or self.first_start is None:
            return None
        rate = worked / (time.perf_counter() - self.first_start)
        return (self.total - self.finished_count) / rate

    def started(self, order_id: str) -> None:
        self.first_start = self.first_start or time.perf_counter()
        self.running.add(order_id)
        self._render()

    def finished(self, outcome) -> None:
        self.running.discard(outcome.order_id)
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

    def line(self) -> str:
        width = 24
        filled = int(width * self.finished_count / self.total) if self.total else width
        eta = self.eta()
        return (f"[{'#' * filled}{'.' * (width - filled)}] {self.finished_count}/{self.total} · "
                f"{self.done} færdige · {self.failed} fejlet · {self.skipped} uændrede · "
                f"{_clock(time.perf_counter() - self.began)} forløbet"
                + (f" · ca. {_clock(eta)} tilbage" if eta is not None else ""))

    def _render(self) -> None:
        if self.tty:
            self._write("\r" + self.line() + "\x1b[K")

    def _write(self, text: str) -> None:
        if self.log is not None:
            self.log(text.rstrip("\n"))
        elif self.stream is not None:
            self.stream.write(text)
            self.stream.flush()

    def close(self) -> None:
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
