"""`make bench` keeps working: the benchmark script on a tiny workload. No time is asserted (speed
is measured by `make bench` alone); what is: every route made the same outputs, and the record
holds the routes, the ratios computed from them and the targets, as printed."""

import datetime as dt
import importlib.util
import operator
import os
import re
import subprocess
import sys

import pytest
import yaml

from kiap_analysis.cli.demo import write_demo

from conftest import ROOT

ROUTES = ["in-process, no notebooks (1 process)", "kiap run, 1 worker", "kiap run, 2 workers",
          "naive: fresh kernel + nbconvert CLI"]
RATIOS = {  # the ratio's row -> (numerator route, denominator route), the target's key in bench.TARGETS
    "batch (1 worker) / in-process": ((1, 0), "batch_vs_inprocess"),
    "naive / batch (1 worker)": ((3, 1), "naive_vs_batch"),
    "1 worker / 2 workers": ((1, 2), "two_vs_one_worker"),
    "peak memory per worker, MB": (None, "peak_mb"),
}


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench", ROOT / "tools" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_benchmark_routes_make_the_same_outputs_and_the_record_holds_them(tmp_path):
    record = tmp_path / "performance.md"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIAP_")}
    env["TMPDIR"] = str(tmp_path)
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "bench.py"), "--orders", "2", "--repeats", "1",
                           "--naive", "1", "--write", str(record)], capture_output=True, text=True, env=env,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    out = done.stdout
    assert out.startswith("2 orders, 1 repeats, naive route on 1 orders; Linux")
    assert len(re.findall(r"^repeat \d+: inprocess [\d.]+ s/order, batch1 [\d.]+ s/order, batch2 [\d.]+ s/order, "
                          r"naive [\d.]+ s/order; peak worker \+ kernel \d+ \+ \d+ MB$", out, re.MULTILINE)) == 1

    # The orders: the demo's first two under the benchmark's ids, each route's outputs the same.
    demo = yaml.safe_load(write_demo(tmp_path / "demo").read_text(encoding="utf-8"))["orders"]
    made = re.search(r"^Every route made the same tables and decks \(slide texts, chart data\) in every repeat: "
                     r"(.+)\.$", out, re.MULTILINE)
    assert made, out
    orders = re.findall(r"(\S+) \((\d+) tables, (\d+) slides\)", made.group(1))
    assert [order_id for order_id, *_ in orders] == [f"{o['id']}-00" for o in demo[:2]]
    assert all(int(tables) >= 1 and int(slides) >= 3 for _, tables, slides in orders)

    # One repeat: each route's median is its one run; each ratio is computed from the medians.
    routes = re.findall(r"^\| (.+?) \| ([\d.]+) \| ([\d.]+) \|$", out, re.MULTILINE)
    assert [name for name, *_ in routes] == ROUTES
    assert all(median == run for _, median, run in routes)
    medians = [float(median) for _, median, _ in routes]
    ratios = re.findall(r"^\| (.+?) \| ([\d.]+) \| (<=|>=) ([\d.]+) \| (yes|NO) \|$", out, re.MULTILINE)
    assert [name for name, *_ in ratios] == list(RATIOS)
    targets = _bench_module().TARGETS
    for name, value, op, target, met in ratios:
        pair, key = RATIOS[name]
        assert float(target) == targets[key]
        compare = operator.le if op == "<=" else operator.ge
        assert met == ("yes" if compare(float(value), float(target)) else "NO")
        if pair is not None:  # medians and ratios are both rounded to 0.01
            assert float(value) == pytest.approx(medians[pair[0]] / medians[pair[1]], abs=0.02)

    text = record.read_text(encoding="utf-8")
    assert f"on {dt.date.today().isoformat()}." in text and "\nMachine: Linux" in text
    assert "the demo's orders scaled to 2 orders; every route run 1 times" in text
    assert made.group(0) in text
    assert all(line in text for line in out.splitlines() if line.startswith("|"))
