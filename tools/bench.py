"""Benchmark: what notebook execution costs next to the work itself (`make bench`).

The demo's orders are scaled to BENCH_ORDERS (default 60) and produced four ways, each
BENCH_REPEATS times (default 3), all in one run on this machine:

- in-process: the same outputs (deck, tables, processed data, letters, report.html, manifest),
  the same leak check, made by calling the package directly in one warm process, no notebook;
- batch, 1 worker and 2 workers: ``kiap run`` as shipped (papermill, warm kernel per worker,
  HTML exported in-process);
- naive: the route the issue measured first: a fresh kernel per order (papermill's default
  engine), every figure drawn a second time by the inline backend (the template with a cell
  that shows the charts with pyplot, as notebooks usually do), and the ``jupyter nbconvert``
  command line for the HTML; on the first BENCH_NAIVE orders (default 12), per order.

PDF previews are off in every variant (LibreOffice would add the same seconds to each).
Every route must make the same tables and decks (slide texts, chart data) as the in-process
one, else the comparison would be unfair: the benchmark checks it and stops if not.
Prints each figure (median of the repeats) and the ratios the batch runner is held to, and
with --write records them in docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiap_analysis.core.config import ENV_KEY, ENV_PRIVATE, ENV_PROCESSED, KERNEL_NAME, Paths  # noqa: E402
from kiap_analysis.run.preview import ENV_PDF  # noqa: E402

TARGETS = {"batch_vs_inprocess": 1.3, "naive_vs_batch": 4.0, "two_vs_one_worker": 1.7, "peak_mb": 500}


def scaled_orders(demo_orders: Path, count: int, folder: Path) -> Path:
    """The demo's orders repeated under new ids and cluster names until there are ``count``."""
    base = yaml.safe_load(demo_orders.read_text(encoding="utf-8"))["orders"]
    orders = []
    copy = 0
    while len(orders) < count:
        for order in base:
            if len(orders) == count:
                break
            clone = dict(order)
            clone["id"] = f"{order['id']}-{copy:02d}"
            clone["cluster"] = f"{order['cluster']} {copy:02d}"
            if order.get("baseline"):
                clone["baseline"] = f"{order['baseline']}-{copy:02d}"
            for key in ("survey", "referrals", "listed_patients"):
                if key in clone:
                    clone[key] = str((demo_orders.parent / clone[key]).resolve())
            orders.append(clone)
        copy += 1
    ids = {o["id"] for o in orders}
    for order in orders:  # a follow-up whose baseline fell outside the cut becomes a baseline
        if order.get("baseline") and order["baseline"] not in ids:
            order.pop("baseline")
            order["round"] = "baseline"
    path = folder / "orders.yaml"
    path.write_text(yaml.safe_dump({"orders": orders}, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def fresh_paths(folder: Path) -> Paths:
    if folder.exists():
        shutil.rmtree(folder)
    os.environ[ENV_PRIVATE] = str(folder / "private")
    os.environ[ENV_PROCESSED] = str(folder / "processed")
    return Paths.current(reports=folder / "reports")


def run_inprocess(orders_path: Path, paths: Paths, ids: list[str]) -> float:
    """The same outputs without notebooks: the package called directly, one warm process."""
    from kiap_analysis.core.fileio import write_text
    from kiap_analysis.core.orders import load_orders
    from kiap_analysis.present import report
    from kiap_analysis.run.execute import leak_check, take_identifiers
    from kiap_analysis.run.fingerprint import code_version, fingerprint
    from kiap_analysis.run.notebook import OrderRun

    began = time.perf_counter()
    orders = load_orders(orders_path)
    code = code_version()
    css = (ROOT / "kiap_analysis" / "report_template" / "kiap" / "kiap.css").read_text(encoding="utf-8")
    for order_id in ids:
        staging = paths.private / "runs"
        run = OrderRun(order_id, orders_path, staging)
        with contextlib.redirect_stdout(io.StringIO()):  # export() displays its summary
            summary = run.export()
        body = report.title_html(run.content) + "".join(report.step_html(s) for s in run.content.steps)
        body += report.data_section_html(run.analysis, run.risk)
        page = (f"<!DOCTYPE html><html lang='da'><head><meta charset='utf-8'><title>{order_id}</title>"
                f"<style>{css}</style></head><body><main class='kiap-report'>{body}</main></body></html>")
        write_text(staging / order_id / "report.html", page)
        hits = leak_check(staging / order_id, take_identifiers(staging / f"{order_id}.identifiers.json"), paths)
        if hits:
            raise SystemExit(f"{order_id}: leak check: {hits}")
        target = paths.reports / order_id
        for source in (staging / order_id).rglob("*"):
            if source.is_file():
                destination = target / source.relative_to(staging / order_id)
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.replace(source, destination)
        manifest = {"order_id": order_id, "status": "ok", "warnings": summary["warnings"],
                    "fingerprint": fingerprint(orders, orders.entry(order_id), paths, code)}
        write_text(target / "manifest.json", json.dumps(manifest, ensure_ascii=False))
    return time.perf_counter() - began


def run_batch(orders_path: Path, paths: Paths, workers: int) -> tuple[float, tuple[int, int] | None]:
    from kiap_analysis.run.batch import run_orders

    report = run_orders(orders_path, paths, force=True, workers=workers, log=lambda *_: None)
    failed = [o for o in report.outcomes if o.status != "ok"]
    if failed:
        raise SystemExit(f"benchmark orders failed: {failed[0].order_id}: {failed[0].error}")
    return report.seconds, report.peak_memory_kb


NAIVE_FIGURES = """%matplotlib inline
import matplotlib.pyplot as plt
from kiap_analysis.present import charts

for step in run.content.steps:  # every chart drawn again, by the inline backend
    for block in step.blocks:
        for chart in block.charts:
            if chart.key is not None:
                charts.draw(chart)
                plt.show()
"""


def naive_template(paths: Paths, folder: Path) -> Path:
    """The template as a notebook written the usual way: figures shown inline as well."""
    import nbformat

    notebook = nbformat.read(paths.template_notebook, as_version=4)
    position = next(i for i, c in enumerate(notebook.cells) if "show_program" in c.source) + 1
    notebook.cells.insert(position, nbformat.v4.new_code_cell(NAIVE_FIGURES))
    path = folder / "naive_template.ipynb"
    nbformat.write(notebook, path)
    return path


def run_naive(orders_path: Path, paths: Paths, ids: list[str], template: Path) -> float:
    """A fresh kernel per order, figures drawn twice by the inline backend, the nbconvert
    command line for the HTML: the route the batch runner avoids."""
    import papermill

    began = time.perf_counter()
    staging = paths.private / "runs"
    jupyter = Path(sys.executable).with_name("jupyter")
    for order_id in ids:
        out = staging / order_id / "notebook.ipynb"
        out.parent.mkdir(parents=True, exist_ok=True)
        papermill.execute_notebook(str(template), str(out), kernel_name=KERNEL_NAME,
                                   parameters={"order_id": order_id, "orders_file": str(orders_path),
                                               "output_dir": str(staging)}, progress_bar=False)
        subprocess.run([str(jupyter), "nbconvert", "--to", "html", "--no-input", str(out)], check=True,
                       capture_output=True)
    return time.perf_counter() - began


def order_outputs(folder: Path) -> dict[str, object]:
    """What a route made of one order, value for value: its tables and, per slide of its deck,
    the texts and each chart's categories and series."""
    from pptx import Presentation

    tables = {p.name: p.read_text(encoding="utf-8") for p in sorted((folder / "tables").glob("*.csv"))}
    slides = []
    for slide in Presentation(str(folder / "deck.pptx")).slides:
        texts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        charts = [[(list(map(str, plot.categories)), [(s.name, list(s.values)) for s in plot.series])
                   for plot in shape.chart.plots] for shape in slide.shapes if shape.has_chart]
        slides.append((texts, charts))
    return {"tables": tables, "slides": slides}


def same_outputs(work: Path, ids: list[str], sample: list[str]) -> str:
    """Check that every route made the same tables and decks as the in-process one (the naive
    route for its sample); what they hold, per order, for the record. SystemExit if not."""
    reference = {order_id: order_outputs(work / "inprocess" / "reports" / order_id) for order_id in ids}
    routes = {"batch1": [work / "batch1" / "reports" / i for i in ids],
              "batch2": [work / "batch2" / "reports" / i for i in ids],
              "naive": [work / "naive" / "private" / "runs" / i for i in sample]}
    for route, folders in routes.items():
        for folder in folders:
            if order_outputs(folder) != reference[folder.name]:
                raise SystemExit(f"{route} made other outputs for {folder.name} than the in-process route")
    return ", ".join(f"{i} ({len(o['tables'])} tables, {len(o['slides'])} slides)" for i, o in reference.items())


def machine() -> str:
    memory = ""
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")).split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    cpu = platform.processor() or platform.machine()
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}){memory}, "
            f"Python {platform.python_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=int(os.environ.get("BENCH_ORDERS", 60)))
    parser.add_argument("--repeats", type=int, default=int(os.environ.get("BENCH_REPEATS", 3)))
    parser.add_argument("--naive", type=int, default=int(os.environ.get("BENCH_NAIVE", 12)))
    parser.add_argument("--write", type=Path, help="record the results in this Markdown file")
    args = parser.parse_args()

    os.environ[ENV_PDF] = "0"
    os.environ.setdefault(ENV_KEY, "benchmark-key")
    from kiap_analysis.cli.demo import write_demo
    from kiap_analysis.run.kernel import ensure_kernel

    ensure_kernel()
    work = Path(tempfile.mkdtemp(prefix="kiap-bench-"))
    demo = write_demo(work / "demo")
    orders = scaled_orders(demo, args.orders, work)
    ids = [o["id"] for o in yaml.safe_load(orders.read_text())["orders"]]
    print(f"{len(ids)} orders, {args.repeats} repeats, naive route on {min(args.naive, len(ids))} orders; "
          f"{machine()}", flush=True)

    times: dict[str, list[float]] = {"inprocess": [], "batch1": [], "batch2": [], "naive": []}
    peaks: list[tuple[int, int]] = []
    for repeat in range(1, args.repeats + 1):
        times["inprocess"].append(run_inprocess(orders, fresh_paths(work / "inprocess"), ids) / len(ids))
        seconds, peak = run_batch(orders, fresh_paths(work / "batch1"), 1)
        times["batch1"].append(seconds / len(ids))
        peaks += [peak] if peak else []
        seconds, peak = run_batch(orders, fresh_paths(work / "batch2"), 2)
        times["batch2"].append(seconds / len(ids))
        peaks += [peak] if peak else []
        sample = ids[: args.naive]
        naive_paths = fresh_paths(work / "naive")
        template = naive_template(naive_paths, work)
        times["naive"].append(run_naive(orders, naive_paths, sample, template) / len(sample))
        made = same_outputs(work, ids, sample)
        print(f"repeat {repeat}: " + ", ".join(f"{k} {v[-1]:.2f} s/order" for k, v in times.items())
              + f"; peak worker + kernel {peaks[-1][0] // 1024} + {peaks[-1][1] // 1024} MB", flush=True)

    median = {k: statistics.median(v) for k, v in times.items()}
    ratios = {
        "batch_vs_inprocess": median["batch1"] / median["inprocess"],
        "naive_vs_batch": median["naive"] / median["batch1"],
        "two_vs_one_worker": median["batch1"] / median["batch2"],
        "peak_mb": max(sum(p) for p in peaks) / 1024 if peaks else float("nan"),
    }
    rows = [
        ("in-process, no notebooks (1 process)", median["inprocess"], times["inprocess"]),
        ("kiap run, 1 worker", median["batch1"], times["batch1"]),
        ("kiap run, 2 workers", median["batch2"], times["batch2"]),
        ("naive: fresh kernel + nbconvert CLI", median["naive"], times["naive"]),
    ]
    checks = [
        ("batch (1 worker) / in-process", ratios["batch_vs_inprocess"], "<=", TARGETS["batch_vs_inprocess"]),
        ("naive / batch (1 worker)", ratios["naive_vs_batch"], ">=", TARGETS["naive_vs_batch"]),
        ("1 worker / 2 workers", ratios["two_vs_one_worker"], ">=", TARGETS["two_vs_one_worker"]),
        ("peak memory per worker, MB", ratios["peak_mb"], "<=", TARGETS["peak_mb"]),
    ]
    lines = ["| route | median s/order | runs (s/order) |", "|---|---:|---|"]
    lines += [f"| {name} | {value:.2f} | {', '.join(f'{t:.2f}' for t in runs)} |" for name, value, runs in rows]
    lines += ["", "| ratio | measured | target | met |", "|---|---:|---:|---|"]
    lines += [f"| {name} | {value:.2f} | {op} {target:g} | "
              f"{'yes' if (value <= target if op == '<=' else value >= target) else 'NO'} |"
              for name, value, op, target in checks]
    table = "\n".join(lines)
    same = f"Every route made the same tables and decks (slide texts, chart data) in every repeat: {made}."
    print("\n" + table + "\n\n" + same)
    if args.write:
        stamp = dt.date.today().isoformat()
        args.write.write_text(
            "# Performance\n\n"
            f"Measured by `make bench` ({Path(__file__).name}) on {stamp}.\n\n"
            f"Machine: {machine()}.\n\n"
            f"Workload: the demo's orders scaled to {len(ids)} orders; every route run {args.repeats} times in one "
            f"benchmark run, medians shown; the naive route on the first {min(args.naive, len(ids))} orders. PDF "
            "previews off (LibreOffice would add the same time to every route). Peak memory per worker is the "
            "worker process's and its kernel's peak resident memory added together.\n\n"
            f"{table}\n\n{same}\n\n"
            "What makes the difference: each worker keeps one warm kernel (a papermill engine that resets the "
            "namespace between orders instead of starting a kernel and re-importing pandas, matplotlib and "
            "python-pptx), the HTML report is exported in-process with nbconvert's Python API, and figures are "
            "drawn once, off-screen, and shown as saved PNGs (no inline backend drawing them a second time).\n",
            encoding="utf-8")
        print(f"\nwrote {args.write}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
