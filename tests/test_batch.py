"""Batch runs: failures stay local, finished orders are skipped, a killed batch resumes cleanly."""

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

from kiap_analysis.batch import run_orders
from kiap_analysis.config import ENV_KEY, ENV_PRIVATE, ENV_PROCESSED
from kiap_analysis.preview import ENV_PDF

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
    orders = write(batch / "orders.yaml", "orders:\n" + order("good-1", "good.csv") + order("good-2", "good.csv")
                   + order("bad-file", "missing.csv") + order("raises", "garbled.csv"))
    report = run_orders(orders, workbook, workers=2, log=lambda *_: None)
    status = {o.order_id: o.status for o in report.outcomes}
    assert status == {"good-1": "ok", "good-2": "ok", "bad-file": "failed", "raises": "failed"}, [
        o.error for o in report.outcomes]
    for good in ("good-1", "good-2"):
        folder = workbook.reports / good
        assert len(Presentation(str(folder / "deck.pptx")).slides) == 9
        assert "run.log" in json.loads((folder / "manifest.json").read_text())["outputs"]
    raised = next(o for o in report.outcomes if o.order_id == "raises")
    assert raised.error.startswith("InputError: garbled.csv, row 2, column 'C'")
    index = (workbook.reports / "index.html").read_text()
    assert "missing.csv" in index and "garbled characters" in index and index.count("fejlet</td>") == 2
    # the failed notebook stays private; reports/<id>/ holds only the manifest and the log
    assert sorted(p.name for p in (workbook.reports / "raises").iterdir()) == ["manifest.json", "run.log"]
    assert (workbook.private / "runs" / "raises" / "notebook.ipynb").exists()

    again = run_orders(orders, workbook, workers=2, log=lambda *_: None)
    assert {o.order_id: o.status for o in again.outcomes} == {
        "good-1": "skipped", "good-2": "skipped", "bad-file": "failed", "raises": "failed"}
    assert (workbook.reports / "index.html").read_text().count("færdig (uændret)</td>") == 2
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
    report = run_orders(orders, paths, workers=2, timeout=15, log=lambda *_: None)
    outcomes = {o.order_id: o for o in report.outcomes}
    assert outcomes["after"].status == "ok"
    assert outcomes["hang"].status == "failed" and "timed out" in outcomes["hang"].error.lower()
    assert outcomes["crash"].status == "failed" and "died" in outcomes["crash"].error.lower()
    assert time.perf_counter() - began < 120


def test_a_killed_batch_resumes_without_redoing_or_half_files(batch, workbook, tmp_path):
    orders = write(batch / "orders.yaml", "orders:\n" + "".join(order(f"o{i}", "good.csv") for i in range(1, 6)))
    env = {**os.environ, ENV_PRIVATE: str(workbook.private), ENV_PROCESSED: str(workbook.processed),
           ENV_KEY: "test-key", ENV_PDF: "0"}
    command = [sys.executable, "-m", "kiap_analysis.cli", "run", str(orders), "--out", str(workbook.reports),
               "--workers", "1"]
    batch_process = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
    deadline = time.time() + 180
    while time.time() < deadline and not (workbook.reports / "o2" / "manifest.json").exists():
        time.sleep(0.2)
    os.killpg(batch_process.pid, signal.SIGKILL)  # the batch, its worker and the worker's kernel
    batch_process.wait()
    finished = {p.parent.name for p in workbook.reports.glob("*/manifest.json")}
    assert {"o1", "o2"} <= finished and len(finished) < 5
    time.sleep(2)  # the worker and kernel follow their parent
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    lines = {line.split()[0]: line for line in rerun.stdout.splitlines() if line.startswith("o")}
    assert "uændret" in lines["o1"] and "uændret" in lines["o2"]
    for name in ("o1", "o2", "o3", "o4", "o5"):
        folder = workbook.reports / name
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["status"] == "ok"
        assert len(Presentation(str(folder / "deck.pptx")).slides) == 9
        nbformat.read(folder / "notebook.ipynb", as_version=4)
        assert (folder / "report.html").read_text().rstrip().endswith("</html>")
        for table in (folder / "tables").glob("*.csv"):
            assert len(pd.read_csv(table)) > 0
    leftovers = [p for p in Path(workbook.reports).rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers
