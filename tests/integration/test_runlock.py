"""One run at a time per reports folder and per private folder."""

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest

from kiap_analysis.cli.main import main
from kiap_analysis.run.runlock import (
    LOCK_NAME,
    LockWaitInterrupted,
    RunLockedError,
    RunLocks,
    read_holder,
)

from conftest import ROOT, write


def test_a_second_run_stops_at_once_and_names_the_running_one(tmp_path):
    with RunLocks([tmp_path / "reports", tmp_path / "private"], "run1"):
        holder = read_holder(tmp_path / "reports" / LOCK_NAME)
        assert (holder.pid, holder.host) == (os.getpid(), socket.gethostname())
        with pytest.raises(RunLockedError) as second:
            RunLocks([tmp_path / "reports2", tmp_path / "private"], "run2").__enter__()  # shares the private folder
        message = str(second.value)
        assert message.startswith(f"en anden kørsel bruger allerede {(tmp_path / 'private').resolve()} "
                                  f"(pid {os.getpid()} på {socket.gethostname()}, startet ")
        assert "Intet er kørt" in message and "--wait" in message
        with RunLocks([tmp_path / "reports2", tmp_path / "private2"], "run3"):  # other folders: no conflict
            pass
    with RunLocks([tmp_path / "reports", tmp_path / "private"], "run4"):  # released with the first
        assert json.loads((tmp_path / "private" / LOCK_NAME).read_text())["run_id"] == "run4"


def test_a_waiting_run_starts_when_the_first_is_done_or_stops_on_a_signal(tmp_path):
    first = RunLocks([tmp_path / "reports"], "run1").__enter__()
    told = []

    def first_finishes(message):  # told once that it waits: the first run ends meanwhile
        told.append(message)
        first.release()

    with RunLocks([tmp_path / "reports"], "run2", wait=True, on_wait=first_finishes):
        assert json.loads((tmp_path / "reports" / LOCK_NAME).read_text())["run_id"] == "run2"
    assert len(told) == 1
    assert told[0].startswith(f"venter på kørslen i {(tmp_path / 'reports').resolve()} "
                              f"(pid {os.getpid()} på {socket.gethostname()}, startet ")
    assert told[0].endswith(") ... (Ctrl-C stopper)")
    with RunLocks([tmp_path / "reports"], "run3"), pytest.raises(LockWaitInterrupted):  # Ctrl-C while waiting
        RunLocks([tmp_path / "reports"], "run4", wait=True, should_stop=lambda: True).__enter__()


def test_a_killed_run_never_leaves_a_lock_behind(tmp_path):
    script = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from kiap_analysis.run.runlock import RunLocks
        RunLocks([Path({str(tmp_path / 'reports')!r})], "killed").__enter__()
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert json.loads((tmp_path / "reports" / LOCK_NAME).read_text())["run_id"] == "killed"  # the file stays
    with RunLocks([tmp_path / "reports"], "next"):  # but its lock went with the process
        pass


def test_kiap_run_refuses_a_folder_in_use_with_exit_2(tmp_path, workbook, capsys):
    orders = write(tmp_path / "in" / "orders.yaml", "orders:\n  - {id: o1, cluster: K, municipality: M, "
                                                    "package: akutfunktioner, survey: missing.csv}\n")
    with RunLocks([workbook.reports], "busy"):
        assert main(["run", str(orders), "--out", str(workbook.reports)]) == 2
    err = capsys.readouterr().err
    assert f"kiap: en anden kørsel bruger allerede {workbook.reports.resolve()} (pid {os.getpid()}" in err
    assert not (workbook.reports / "o1").exists()  # nothing ran
