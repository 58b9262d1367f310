"""`make bench` keeps working: the benchmark script on a tiny workload (no timing asserted)."""

import datetime as dt
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_the_benchmark_runs_and_records_its_ratios(tmp_path):
    record = tmp_path / "performance.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIAP_")}
    env["TMPDIR"] = str(tmp_path)
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "bench.py"), "--orders", "2", "--repeats", "1",
                           "--naive", "1", "--write", str(record)], capture_output=True, text=True, env=env,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("2 orders, 1 repeats, naive route on 1 orders;")
    ratios = re.findall(r"^\| (.+?) \| ([\d.]+) \| (<=|>=) [\d.]+ \| (yes|NO) \|$", done.stdout, re.MULTILINE)
    assert [name for name, *_ in ratios] == ["batch (1 worker) / in-process", "naive / batch (1 worker)",
                                             "1 worker / 2 workers", "peak memory per worker, MB"]
    assert all(float(value) > 0 for _, value, *_ in ratios)
    text = record.read_text(encoding="utf-8")
    assert f"on {dt.date.today().isoformat()}." in text and "\nMachine: " in text
    assert "| naive / batch (1 worker) |" in text
