"""One batch run at a time per reports folder and per private folder.

``kiap run`` takes an exclusive ``fcntl.flock`` on ``<folder>/.kiap-run.lock`` of its reports
folder and of its private folder (staging, failed notebooks, pseudonym registers, letters),
and keeps both for the whole run. The kernel releases a flock when its process ends, however
it ends (Ctrl-C, SIGKILL, a crash, a reboot), so a lock never outlives its run and there is
no stale lock to remove by hand. The file itself stays; it holds who has the lock (pid,
host, start time, command), which is what a second run's message shows.

A second run stops at once with that message, or with ``wait`` waits until the first is done.
The locks are taken in the order of their paths, so two waiting runs never deadlock.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shlex
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiap_analysis.core.errors import KiapError

LOCK_NAME = ".kiap-run.lock"
POLL_S = 0.5


@dataclass(frozen=True)
class Holder:
    """Who holds a run lock, as its lock file says."""

    pid: int | None
    host: str
    started: str  # ISO time
    command: str

    def describe(self) -> str:
        try:
            started = dt.datetime.fromisoformat(self.started).strftime("%d.%m.%Y kl. %H:%M:%S")
        except ValueError:
            started = self.started or "?"
        return f"pid {self.pid} på {self.host}, startet {started}: {self.command}"


class RunLockedError(KiapError):
    """Another run holds a folder this run needs."""

    def __init__(self, folder: Path, holder: Holder | None):
        self.folder, self.holder = folder, holder
        who = holder.describe() if holder else "en anden proces"
        super().__init__(f"en anden kørsel bruger allerede {folder} ({who}). Intet er kørt. Vent til den er "
                         "færdig og start igen, eller start med --wait for at vente på den.")


class LockWaitInterrupted(KiapError):
    """The run was stopped (Ctrl-C, SIGTERM) while it waited for another run."""


def current_command() -> str:
    """This process's command line as a user would type it."""
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    if program in ("cli.py", "__main__.py"):
        program = "kiap"
    return shlex.join([program, *sys.argv[1:]])


def read_holder(path: Path) -> Holder | None:
    """The holder a lock file names (None when it names none: unwritten, or not ours)."""
    for _ in range(10):  # the holder writes its details just after it takes the lock
        try:
            data = json.loads(path.read_text(encoding="utf-8") or "null")
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict):
            return Holder(data.get("pid"), str(data.get("host", "?")), str(data.get("started", "")),
                          str(data.get("command", "?")))
        time.sleep(0.1)
    return None


class RunLocks:
    """The run locks of several folders, held together (a context manager).

    ``wait``: wait for another run to finish instead of raising RunLockedError; ``on_wait`` is
    told once per holder; ``should_stop`` ends the wait (LockWaitInterrupted).
    """

    def __init__(self, folders: list[Path], run_id: str, wait: bool = False,
                 on_wait: Callable[[str], None] | None = None, should_stop: Callable[[], bool] = lambda: False):
        self.paths = sorted({(Path(f).resolve() / LOCK_NAME) for f in folders})
        self.run_id = run_id
        self.wait = wait
        self.on_wait = on_wait
        self.should_stop = should_stop
        self.fds: list[int] = []

    def __enter__(self) -> RunLocks:
        try:
            for path in self.paths:
                self.fds.append(self._acquire(path))
        except BaseException:
            self.release()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def _acquire(self, path: Path) -> int:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        told: Holder | None = None
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holder = read_holder(path)
                    if not self.wait:
                        raise RunLockedError(path.parent, holder) from None
                    if self.on_wait and (told is None or holder != told):
                        told = holder
                        who = holder.describe() if holder else "en anden proces"
                        self.on_wait(f"venter på kørslen i {path.parent} ({who}) ... (Ctrl-C stopper)")
                    if self.should_stop():
                        raise LockWaitInterrupted(f"stoppet mens den ventede på kørslen i {path.parent}") from None
                    time.sleep(POLL_S)
            details = {"pid": os.getpid(), "host": socket.gethostname(),
                       "started": dt.datetime.now().isoformat(timespec="seconds"),
                       "command": current_command(), "run_id": self.run_id}
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(details, ensure_ascii=False) + "\n").encode("utf-8"), 0)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            raise
        return fd

    def release(self) -> None:
        """Give the locks back (closing the file releases its flock)."""
        while self.fds:
            os.close(self.fds.pop())
