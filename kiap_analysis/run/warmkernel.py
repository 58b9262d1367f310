"""A warm Jupyter kernel per worker, and the papermill engine that reuses it.

Starting a kernel and importing pandas, matplotlib, scipy and python-pptx costs seconds per
order. A worker keeps one kernel alive: before each order the engine resets its namespace
(no variable leaks from one order into the next) while the imported modules stay loaded.
papermill still executes the template with the order's parameters and writes the executed
notebook; only the kernel's lifetime changes. After a failed, timed-out or crashed order the
worker replaces the kernel with a fresh one.

The kernel manager is nbclient's asynchronous kind, so nbclient's checks for a dead kernel
work as they do for kernels it starts itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger

from kiap_analysis.core.config import KERNEL_NAME

ENGINE_NAME = "kiap-warm"
# Every user variable goes (imported modules stay in sys.modules). Lighter than IPython's
# reset() plus gc.collect(), which cost about 0.2 s per order; the garbage collector runs anyway.
RESET_CODE = ("(lambda ip: [ip.user_ns.pop(name) for name in [n for n in ip.user_ns if not n.startswith('_') "
              "and n not in ip.user_ns_hidden]])(get_ipython())")


def peak_memory_kb(pid: int | None) -> int | None:
    """A process's peak resident memory (VmHWM) in KB, on Linux."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class WarmKernel:
    """One kernel kept alive across orders."""

    def __init__(self, cwd: Path, stderr_path: Path | None = None, kernel_name: str = KERNEL_NAME):
        self.cwd = cwd
        self.stderr_path = stderr_path
        self.kernel_name = kernel_name
        self.km: AsyncKernelManager | None = None
        self.kc = None  # one client for the kernel's life, shared by every order

    @property
    def pid(self) -> int | None:
        provisioner = getattr(self.km, "provisioner", None) if self.km else None
        process = getattr(provisioner, "process", None)
        return getattr(process, "pid", None)

    def alive(self) -> bool:
        return self.km is not None and bool(run_sync(self.km.is_alive)())

    def ensure(self) -> None:
        """Start the kernel unless a live one is running."""
        if self.alive():
            return
        self.shutdown()
        self.km = AsyncKernelManager(kernel_name=self.kernel_name)
        stderr = open(self.stderr_path, "ab") if self.stderr_path else subprocess.DEVNULL  # noqa: SIM115
        try:
            run_sync(self.km.start_kernel)(cwd=str(self.cwd), stdout=subprocess.DEVNULL, stderr=stderr)
        finally:
            if stderr is not subprocess.DEVNULL:
                stderr.close()
        self.kc = self.km.client()
        self.kc.start_channels()
        run_sync(self.kc.wait_for_ready)(timeout=60)
        self.kc.allow_stdin = False

    def peak_memory_kb(self) -> int | None:
        """The kernel process's peak resident memory (VmHWM), on Linux."""
        return peak_memory_kb(self.pid)

    def kill_now(self) -> None:
        """Kill the kernel at once (from a signal handler: no event loop, no messages) and
        remove its connection file."""
        pid = self.pid
        if pid:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        connection_file = getattr(self.km, "connection_file", None) if self.km else None
        if connection_file:
            with contextlib.suppress(OSError):
                os.unlink(connection_file)

    def shutdown(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km is None:
            return
        try:
            if run_sync(self.km.is_alive)():
                run_sync(self.km.shutdown_kernel)(now=True)
        finally:
            run_sync(self.km.cleanup_resources)()
            self.km = None


class _WarmClient(PapermillNotebookClient):
    """Resets the kernel's namespace before papermill runs the cells."""

    def papermill_execute_cells(self):
        reply = self.wait_for_reply(self.kc.execute(RESET_CODE, silent=True, store_history=False))
        if reply is None or reply["content"]["status"] != "ok":
            raise RuntimeError("the warm kernel could not be reset")
        super().papermill_execute_cells()


class WarmKernelEngine(NBClientEngine):
    """papermill engine executing in a given WarmKernel instead of a fresh one."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
        warm: WarmKernel = kwargs.pop("warm_kernel")
        warm.ensure()
        client = _WarmClient(nb_man, km=warm.km, timeout=execution_timeout, startup_timeout=start_timeout,
                             kernel_name=kernel_name, log=logger, log_output=log_output,
                             stdout_file=stdout_file, stderr_file=stderr_file)
        client.kc = warm.kc  # the warm client: nbclient neither starts nor stops one
        return client.execute()


papermill_engines.register(ENGINE_NAME, WarmKernelEngine)
