"""Batch runs: failures stay local, finished orders are skipped, a killed or interrupted batch
leaves every order whole, and runs never interleave."""

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from pptx import Presentation

from kiap_analysis.core.config import ENV_KEY, ENV_PRIVATE, ENV_PROCESSED
from kiap_analysis.core.fileio import sha256_file
from kiap_analysis.core.manifest import read_manifest
from kiap_analysis.run.batch import run_orders
from kiap_analysis.run.fingerprint import outputs_intact
from kiap_analysis.run.preview import ENV_PDF
from kiap_analysis.run.runlock import RunLocks

from conftest import ROOT, TINY_SPEC, write

pytestmark = pytest.mark.slow

GOOD = "Respondent;Status;q1;q2_tlf;q2_brev;q2_andet;q3\n" + "\n".join(
    f"{i};Gennemført;{'Enig' if i % 2 else 'Uenig'};1;{i % 2};0;Svar {i}" for i in range(1, 8))
GARBLED = "Respondent;q1;q3\n1;Enig;KrÃ¦ft\n"


def order(order_id: str, survey: str) -> str:
    return (f"  - {{id: {order_id}, cluster: Testklyngen, municipality: Test Kommune, package: tiny.yaml, "
            f"survey: {survey}, invited: 9}}\n")


@pytest.fixture
def batch(tmp_path, workbook):
    folder = tmp_path / "in"
    write(folder / "tiny.yaml", TINY_SPEC)
    write(folder / "good.csv", GOOD)
    write(folder / "garbled.csv", GARBLED)
    return folder


def test_failures_are_local_and_good_orders_are_skipped_until_forced(batch, workbook):
    os.symlink("loop.csv", batch / "loop.csv")  # a path no file system resolves
    orders = write(batch / "orders.yaml", "orders:\n" + order("good-1", "good.csv") + order("good-2", "good.csv")
                   + order("bad-file", "missing.csv") + order("raises", "garbled.csv") + order("loop", "loop.csv"))
    report = run_orders(orders, workbook, workers=2, log=lambda *_: None)
    status = {o.order_id: o.status for o in report.outcomes}
    assert status == {"good-1": "ok", "good-2": "ok", "bad-file": "failed", "raises": "failed", "loop": "failed"}, [
        o.error for o in report.outcomes]
    loop = next(o for o in report.outcomes if o.order_id == "loop")
    assert "'loop.csv' is a symbolic link that loops back to itself Fix: point the order at the real file" in loop.error
    for good in ("good-1", "good-2"):
        folder = workbook.reports / good
        assert len(Presentation(str(folder / "deck.pptx")).slides) == 9
        assert "run.log" in json.loads((folder / "manifest.json").read_text())["outputs"]
    raised = next(o for o in report.outcomes if o.order_id == "raises")
    assert raised.error.startswith("InputError: garbled.csv, row 2, column 'C'")
    index = (workbook.reports / "index.html").read_text()
    assert "missing.csv" in index and "garbled characters" in index and index.count("fejlet</td>") == 3
    # the failed notebook stays private; reports/<id>/ holds only the manifest and the log
    assert sorted(p.name for p in (workbook.reports / "raises").iterdir()) == ["manifest.json", "run.log"]
    assert (workbook.private / "failed" / "raises" / "notebook.ipynb").exists()
    assert list((workbook.private / "runs").iterdir()) == []  # the run's staging is gone
    assert sorted(p.name for p in workbook.reports.iterdir() if p.name.startswith(".")) == [".kiap-run.lock"]

    (workbook.reports / "good-1" / "deck.pptx").unlink()  # deleted by hand: no longer up to date
    again = run_orders(orders, workbook, workers=2, log=lambda *_: None)
    assert {o.order_id: o.status for o in again.outcomes} == {
        "good-1": "ok", "good-2": "skipped", "bad-file": "failed", "raises": "failed", "loop": "failed"}
    assert len(Presentation(str(workbook.reports / "good-1" / "deck.pptx")).slides) == 9
    assert (workbook.reports / "index.html").read_text().count("færdig (uændret)</td>") == 1
    forced = run_orders(orders, workbook, workers=2, force=True, log=lambda *_: None)
    assert [o.status for o in forced.outcomes][:2] == ["ok", "ok"], [o.error for o in forced.outcomes]
    only = run_orders(orders, workbook, only=["good-2"], log=lambda *_: None)
    assert [(o.order_id, o.status) for o in only.outcomes] == [("good-2", "ok")]
    write(batch / "good.csv", GOOD.replace("Svar 1", "Et nyt svar"))  # changed input: no longer up to date
    changed = run_orders(orders, workbook, workers=1, log=lambda *_: None)
    assert [o.status for o in changed.outcomes][:2] == ["ok", "ok"]


def test_a_hanging_or_crashing_order_does_not_stop_the_batch(batch, workbook, tmp_path):
    template = nbformat.read(ROOT / "notebooks" / "templates" / "order_report.ipynb", as_version=4)
    sabotage = nbformat.v4.new_code_cell(
        "import os, time\nif order_id == 'hang':\n    time.sleep(600)\nif order_id == 'crash':\n    os._exit(1)")
    template.cells.insert(2, sabotage)
    nbformat.write(template, write(tmp_path / "templates" / "order_report.ipynb", ""))
    paths = replace(workbook, templates=tmp_path / "templates")
    orders = write(batch / "orders.yaml", "orders:\n" + order("hang", "good.csv") + order("crash", "good.csv")
                   + order("after", "good.csv"))
    began = time.perf_counter()
    # 30 s: enough for a tiny order in a fresh kernel on a busy 2-core machine (15 s was not)
    report = run_orders(orders, paths, workers=2, timeout=30, log=lambda *_: None)
    outcomes = {o.order_id: o for o in report.outcomes}
    assert outcomes["after"].status == "ok"
    assert outcomes["hang"].status == "failed" and "timed out" in outcomes["hang"].error.lower()
    assert outcomes["crash"].status == "failed" and "died" in outcomes["crash"].error.lower()
    assert time.perf_counter() - began < 150


def _env(workbook, **extra) -> dict:
    return {**os.environ, ENV_PRIVATE: str(workbook.private), ENV_PROCESSED: str(workbook.processed),
            ENV_KEY: "test-key", ENV_PDF: "0", **extra}


def _kiap_run(orders, reports, *options) -> list[str]:
    return [sys.executable, "-m", "kiap_analysis.cli.main", "run", str(orders), "--out", str(reports), "--workers", "1",
            *options]


def _order_is_whole(folder: Path, survey_sha: str) -> None:
    """The order's folder is one run's complete, intact output, from this survey file."""
    manifest = read_manifest(folder)
    assert manifest.status == "ok" and outputs_intact(folder, manifest)
    assert manifest.inputs[0]["sha256"] == survey_sha
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == {
        *manifest.outputs, "manifest.json"}
    assert len(Presentation(str(folder / "deck.pptx")).slides) == 9
    nbformat.read(folder / "notebook.ipynb", as_version=4)
    assert (folder / "report.html").read_text().rstrip().endswith("</html>")
    assert {"tables/q1.csv", "tables/q2.csv"} <= set(manifest.outputs)
    for table in (folder / "tables").glob("*.csv"):
        assert len(pd.read_csv(table)) > 0


def _no_leftovers(workbook) -> None:
    assert sorted(p.name for p in workbook.reports.iterdir() if p.name.startswith(".")) == [".kiap-run.lock"]
    assert not [p for p in workbook.reports.rglob("*.tmp")]
    assert not (workbook.private / "runs").exists() or list((workbook.private / "runs").iterdir()) == []


def test_a_batch_killed_as_it_publishes_leaves_whole_orders_and_the_next_run_repairs_it(batch, workbook):
    """SIGKILL when o2's new folder is complete beside the old one (every step of the swap is
    tested in test_publish.py; this is the whole batch, with its workers and kernels)."""
    orders = write(batch / "orders.yaml", "orders:\n" + order("o1", "good.csv") + order("o2", "good.csv"))
    assert [o.status for o in run_orders(orders, workbook, workers=1, log=lambda *_: None).outcomes] == ["ok", "ok"]
    old_sha = sha256_file(batch / "good.csv")
    write(batch / "good.csv", GOOD.replace("Svar 1", "Et nyt svar"))  # both orders must run again
    new_sha = sha256_file(batch / "good.csv")
    killed = subprocess.run(_kiap_run(orders, workbook.reports), capture_output=True, text=True, timeout=300,
                            env=_env(workbook, KIAP_TEST_KILL_AT="publish-staged:o2"), start_new_session=True)
    assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    _order_is_whole(workbook.reports / "o1", new_sha)  # published before the kill
    _order_is_whole(workbook.reports / "o2", old_sha)  # the old order, whole: not a mix
    assert [p.name.split(".")[-1] for p in workbook.reports.glob(".kiap-staged.*")] == ["o2"]

    rerun = subprocess.run(_kiap_run(orders, workbook.reports), env=_env(workbook), capture_output=True, text=True,
                           timeout=300)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "ryddet op efter en afbrudt kørsel" in rerun.stderr
    status = {line.split()[0]: line.split()[1] for line in rerun.stdout.splitlines() if line.startswith("o")}
    assert status == {"o1": "uændret", "o2": "færdig"}
    for name in ("o1", "o2"):
        _order_is_whole(workbook.reports / name, new_sha)
    _no_leftovers(workbook)


def test_runs_on_one_folder_or_sharing_the_private_folder_never_interleave(batch, workbook, tmp_path):
    orders = write(batch / "orders.yaml", "orders:\n" + order("o1", "good.csv") + order("o2", "good.csv"))
    other = tmp_path / "reports-2"
    # The first run stops itself (SIGSTOP) once it has published o1, holding both locks.
    first = subprocess.Popen(_kiap_run(orders, workbook.reports, "--force"),
                             env=_env(workbook, KIAP_TEST_KILL_AT="published:o1:SIGSTOP"), start_new_session=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while _state(first.pid) != "T":
        assert first.poll() is None, first.communicate()
        time.sleep(0.1)
    refused = subprocess.run(_kiap_run(orders, workbook.reports, "--force"), env=_env(workbook),
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2
    assert "kiap: en anden kørsel bruger allerede" in refused.stderr and f"(pid {first.pid} på " in refused.stderr
    waiting = [subprocess.Popen(_kiap_run(orders, reports, "--force", "--wait"), env=_env(workbook),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for reports in (workbook.reports, other)]
    for run in waiting:  # each says whom it waits for
        line = run.stderr.readline()
        assert line.startswith("kiap: venter på kørslen i ") and f"(pid {first.pid} på " in line, line
    os.killpg(first.pid, signal.SIGCONT)  # the run and its resource tracker go on
    for run in [first, *waiting]:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, out + err
        assert "Traceback" not in out + err
    sha = sha256_file(batch / "good.csv")
    for reports in (workbook.reports, other):
        for name in ("o1", "o2"):
            _order_is_whole(reports / name, sha)
    _no_leftovers(workbook)


def _state(pid: int) -> str:
    """A process's state letter from /proc (T: stopped)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_ctrl_c_stops_the_run_with_a_summary_and_no_traceback(batch, workbook):
    orders = write(batch / "orders.yaml", "orders:\n" + "".join(order(f"o{i}", "good.csv") for i in (1, 2, 3)))
    # SIGINT to the run's process group, as a terminal's Ctrl-C sends it, once o1 is published
    stopped = subprocess.run(_kiap_run(orders, workbook.reports), capture_output=True, text=True, timeout=300,
                             env=_env(workbook, KIAP_TEST_KILL_AT="published:o1:SIGINT"), start_new_session=True)
    assert stopped.returncode == 130, stopped.stdout + stopped.stderr
    assert "Traceback" not in stopped.stdout + stopped.stderr
    status = {line.split()[0]: line.split()[1] for line in stopped.stdout.splitlines() if line.startswith("o")}
    assert status["o1"] == "færdig"
    assert status["o2"] in ("AFBRUDT", "ikke")  # running when stopped, or not yet handed out
    assert status["o3"] == "ikke"  # "ikke kørt"
    assert "1 færdige, 0 uændrede, 0 fejlet" in stopped.stdout and "Afbrudt af Ctrl-C (SIGINT)" in stopped.stdout
    _order_is_whole(workbook.reports / "o1", sha256_file(batch / "good.csv"))
    assert not (workbook.reports / "o2").exists() and not (workbook.reports / "o3").exists()
    _no_leftovers(workbook)
    assert "o1/report.html" in (workbook.reports / "index.html").read_text()


def test_sigterm_while_waiting_for_another_run_exits_143_having_run_nothing(batch, workbook):
    orders = write(batch / "orders.yaml", "orders:\n" + order("o1", "good.csv"))
    with RunLocks([workbook.reports], "another run"):
        waiting = subprocess.Popen(_kiap_run(orders, workbook.reports, "--wait"), env=_env(workbook),
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert waiting.stderr.readline().startswith("kiap: venter på kørslen i ")
        waiting.send_signal(signal.SIGTERM)
        out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 143, out + err
    assert "Traceback" not in out + err
    assert "o1     ikke kørt" in out and "Afbrudt af SIGTERM" in out
    assert not (workbook.reports / "o1").exists()
