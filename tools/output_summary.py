"""A value-for-value summary of the demo batch's outputs, to prove a refactoring changed nothing.

For every order folder under a reports directory: each tables/*.csv (rows as read), the deck's
slides (layout, every text frame's text in shape order, tables' cells, the notes, and each native
chart's type, alt text, categories, series names, values, x values, error bars and point labels)
and the report's visible text (images as their alt text). Beside them the processed tables
(parquet: dtypes and rows) and the private letters. Floats are rounded to 9 digits; the folders
of the run become placeholders (``<reports>``, ``<demo>``, ...) and the code version
``<code version>``, so two runs of the same code give the same summary.
Left out, as they hold run times, digests or pictures: manifest.json, run.log, notebook.ipynb,
index.html, deck.pdf and the report's markup.

    python tools/output_summary.py --write    # run the demo twice from scratch, store the summary
    python tools/output_summary.py --check    # run the demo, compare with the stored summary
    python tools/output_summary.py REPORTS [--processed DIR] [--private DIR] [--demo DIR]  # a run's

The demo runs through the ``kiap`` command with a fixed pseudonym key (letters depend on it) in a
temporary KIAP_HOME, private and processed folder: nothing of the checkout is touched.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STORED = ROOT / "tests" / "data" / "demo_summary.json"
# The fixed pseudonym key of every summary run (tests/conftest.py's demo_run uses it too).
DEMO_KEY = "test-key-0123456789abcdef"
DIGITS = 9
_CODE_VERSION = re.compile(r"\b\d+\.\d+\.\d+\+[0-9a-f]{8,}\b")
_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


# -- values ----------------------------------------------------------------------------------

def plain(value):
    """A JSON value: floats rounded, NaN/NA as null, numpy scalars as Python ones."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if hasattr(value, "item") and not isinstance(value, (int, float)):  # numpy scalar
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, DIGITS)
    if isinstance(value, int):
        return value
    try:
        missing = value != value  # NaT is not equal to itself ...
        if missing:
            return None
    except TypeError:  # ... and pandas' NA has no truth value
        return None
    return str(value)


class Normaliser:
    """Replaces the run's folders by placeholders and the code version by ``<code version>``."""

    def __init__(self, places: dict[str, Path | str | None] | None = None):
        pairs = [(str(Path(p)), name) for name, p in (places or {}).items() if p]
        pairs += [(str(Path(p).resolve()), name) for name, p in (places or {}).items() if p]
        self.pairs = sorted(set(pairs), key=lambda pair: -len(pair[0]))

    def __call__(self, text: str) -> str:
        for path, name in self.pairs:
            text = text.replace(path, f"<{name}>")
        return _CODE_VERSION.sub("<code version>", text)

    def tree(self, value):
        if isinstance(value, str):
            return self(value)
        if isinstance(value, list):
            return [self.tree(v) for v in value]
        if isinstance(value, dict):
            return {self(k): self.tree(v) for k, v in value.items()}
        return value


# -- deck ------------------------------------------------------------------------------------

def _points(parent) -> list | None:
    """The values of a c:numRef/c:numLit/c:strRef under ``parent``, by point index."""
    if parent is None:
        return None
    count = parent.find(f".//{_C}ptCount")
    points = parent.findall(f".//{_C}pt")
    size = int(count.get("val")) if count is not None else len(points)
    values: list = [None] * size
    for point in points:
        index, text = int(point.get("idx")), point.findtext(f"{_C}v")
        try:
            values[index] = plain(float(text))
        except (TypeError, ValueError):
            values[index] = text
    return values


def _series(series) -> dict:
    found = {"name": series.name, "values": [plain(v) for v in series.values]}
    element = series._element
    x_values = _points(element.find(f"{_C}xVal"))
    if x_values is not None:
        found["x_values"] = x_values
    for bars in element.findall(f"{_C}errBars"):
        direction, kind = (bars.find(f"{_C}{tag}") for tag in ("errDir", "errValType"))
        key = "error_bars" if direction is None else f"error_bars_{direction.get('val')}"
        found[key] = {"type": None if kind is None else kind.get("val"),
                      "plus": _points(bars.find(f"{_C}plus")), "minus": _points(bars.find(f"{_C}minus"))}
    labels = {}
    for label in element.findall(f"{_C}dLbls/{_C}dLbl"):
        texts = label.findall(f"{_C}tx//{_A}t")
        if texts:
            labels[label.find(f"{_C}idx").get("val")] = "".join(t.text or "" for t in texts)
    if labels:
        found["labels"] = labels
    return found


def _chart(chart) -> dict:
    plots = []
    for plot in chart.plots:
        try:
            categories = [str(c) for c in plot.categories]
        except (AttributeError, TypeError):  # XY plots have none
            categories = []
        plots.append({"type": type(plot).__name__, "categories": categories,
                      "series": [_series(s) for s in plot.series]})
    title = chart.chart_title.text_frame.text if chart.has_title and chart.chart_title.has_text_frame else None
    return {"chart_type": str(chart.chart_type), "title": title, "plots": plots}


def _alt_text(shape) -> str | None:
    properties = shape._element.find(".//{http://schemas.openxmlformats.org/presentationml/2006/main}cNvPr")
    return properties.get("descr") if properties is not None else None


def _shape(shape) -> list[dict]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        return [found for inner in shape.shapes for found in _shape(inner)]
    found = []
    if getattr(shape, "has_chart", False):
        found.append({"chart": _chart(shape.chart), "alt": _alt_text(shape)})
    if getattr(shape, "has_text_frame", False) and shape.text_frame.text.strip():
        found.append({"text": shape.text_frame.text})
    if getattr(shape, "has_table", False):
        found.append({"table": [[cell.text for cell in row.cells] for row in shape.table.rows]})
    return found


def deck_summary(path: Path) -> list[dict]:
    from pptx import Presentation

    slides = []
    for slide in Presentation(str(path)).slides:
        shapes = [found for shape in slide.shapes for found in _shape(shape)]
        notes = slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""
        slides.append({"layout": slide.slide_layout.name, "shapes": shapes, "notes": notes})
    return slides


# -- report ----------------------------------------------------------------------------------

class _VisibleText(HTMLParser):
    """The report's text a reader sees: a line per block, table cells joined by ' | ', images as
    their alt text; scripts, styles and the link to deck.pdf (only there when LibreOffice ran)
    left out."""

    BLOCKS = frozenset({"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "br", "section", "table",
                        "caption", "figcaption", "figure", "dt", "dd", "ul", "ol", "header", "footer", "nav",
                        "pre", "blockquote", "details", "summary", "title"})
    HIDDEN = frozenset({"script", "style"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.hidden = 0
        self.in_pdf_link = False

    def _break(self):
        line = re.sub(r"\s+", " ", "".join(self.current)).strip(" |")
        if line:
            self.lines.append(line)
        self.current = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag == "a" and (attributes.get("href") or "").endswith(".pdf"):
            self.in_pdf_link = True
        elif tag in self.BLOCKS:
            self._break()
        elif tag == "a":
            self.current.append(" ")
        elif tag in ("td", "th"):
            self.current.append(" | ")
        elif tag == "img":
            self._break()
            self.lines.append(f"[image: {attributes.get('alt') or ''}]")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "a":
            self.in_pdf_link = False
            self.current.append(" ")
        elif tag in self.BLOCKS:
            self._break()

    def handle_data(self, data):
        if not self.hidden and not self.in_pdf_link:
            self.current.append(data)


def report_text(path: Path) -> list[str]:
    parser = _VisibleText()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    parser._break()
    return parser.lines


# -- folders ---------------------------------------------------------------------------------

def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def order_summary(folder: Path) -> dict:
    deck, report = folder / "deck.pptx", folder / "report.html"
    return {
        "tables": {table.name: _csv_rows(table) for table in sorted((folder / "tables").glob("*.csv"))},
        "deck": deck_summary(deck) if deck.exists() else None,
        "report": report_text(report) if report.exists() else None,
    }


def parquet_summary(path: Path) -> dict:
    import pandas as pd

    frame = pd.read_parquet(path)
    return {"dtypes": {str(c): str(t) for c, t in frame.dtypes.items()},
            "rows": [[plain(v) for v in row] for row in frame.itertuples(index=False, name=None)]}


def summary(reports: Path, processed: Path | None = None, private: Path | None = None,
            places: dict[str, Path | str | None] | None = None) -> dict:
    """The summary of one run's folders; ``places`` names folders to replace by placeholders."""
    found: dict = {"orders": {folder.name: order_summary(folder) for folder in sorted(reports.iterdir())
                              if folder.is_dir() and (folder / "manifest.json").exists()}}
    if processed is not None:
        found["processed"] = {f"{p.parent.name}/{p.name}": parquet_summary(p)
                              for p in sorted(processed.glob("*/*.parquet"))}
    if private is not None:
        found["letters"] = {f"{p.parent.name}/{p.name}": p.read_text(encoding="utf-8").splitlines()
                            for p in sorted((private / "letters").glob("*/*.txt"))}
    places = {"reports": reports, "processed": processed, "private": private, **(places or {})}
    return Normaliser(places).tree(found)


# -- JSON: sorted keys, a line per list of numbers (a series) or short list of scalars (a row) --

_LINE = 160


def dumps(value, indent: int = 0) -> str:
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {dumps(value[k], indent + 1)}" for k in sorted(value)]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        line = json.dumps(value, ensure_ascii=False)
        if all(not isinstance(v, (dict, list, str)) for v in value) or (
                len(line) <= _LINE and all(not isinstance(v, (dict, list)) for v in value)):
            return line
        return "[\n" + ",\n".join(inner + dumps(v, indent + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False)


def differences(expected, actual, where: str = "") -> list[str]:
    """Each place where two summaries differ, as 'path: expected -> actual'."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = [f"{where}/{k}: only in {'stored' if k in expected else 'this run'}"
                 for k in sorted(set(expected) ^ set(actual))]
        for key in sorted(set(expected) & set(actual)):
            found += differences(expected[key], actual[key], f"{where}/{key}")
        return found
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        return [line for i, (e, a) in enumerate(zip(expected, actual, strict=True))
                for line in differences(e, a, f"{where}/{i}")]
    if expected == actual:
        return []
    if isinstance(expected, list) and isinstance(actual, list):
        return [f"{where}: {len(expected)} items -> {len(actual)} items"]
    before, after = (json.dumps(v, ensure_ascii=False)[:200] for v in (expected, actual))
    return [f"{where}: {before} -> {after}"]


def diff(expected: dict, actual: dict, limit: int = 40) -> str:
    """The first ``limit`` differing places of two summaries, then the first ``limit`` lines of
    their unified diff ('' when equal)."""
    places = differences(expected, actual)
    if not places:
        return ""
    lines = list(difflib.unified_diff(dumps(expected).splitlines(), dumps(actual).splitlines(),
                                      "stored", "this run", n=2, lineterm=""))
    report = [f"{len(places)} difference(s):", *places[:limit]]
    if len(places) > limit:
        report.append(f"... and {len(places) - limit} more")
    report += ["", *lines[:limit]]
    if len(lines) > limit:
        report.append(f"... {len(lines) - limit} more diff lines")
    return "\n".join(report)


# -- running the demo ------------------------------------------------------------------------

def run_demo(base: Path) -> dict:
    """Run ``kiap demo`` from scratch under ``base`` with the fixed key; its summary."""
    home = base / "home"
    shutil.copytree(ROOT / "notebooks" / "templates", home / "notebooks" / "templates")
    env = {**os.environ, "KIAP_HOME": str(home), "KIAP_PRIVATE_DIR": str(base / "private"),
           "KIAP_PROCESSED_DIR": str(base / "processed"), "KIAP_PSEUDONYM_KEY": DEMO_KEY, "KIAP_PDF": "0"}
    kiap = shutil.which("kiap", path=str(Path(sys.executable).parent)) or "kiap"
    done = subprocess.run([kiap, "demo"], env=env, cwd=base, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"kiap demo failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return summary(home / "reports", base / "processed", base / "private",
                   places={"demo": home / "data" / "raw" / "demo", "home": home})


def fresh_summary() -> dict:
    with tempfile.TemporaryDirectory(prefix="kiap-summary-") as base:
        return run_demo(Path(base))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", nargs="?", help="summarise this reports folder (default: run the demo)")
    parser.add_argument("--processed", help="with REPORTS: the processed folder")
    parser.add_argument("--private", help="with REPORTS: the private folder (letters)")
    parser.add_argument("--demo", help="with REPORTS: the folder of the orders file (shown as <demo>)")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true",
                        help=f"run the demo twice from scratch, check both agree, store {STORED.relative_to(ROOT)}")
    action.add_argument("--check", action="store_true", help="run the demo, compare with the stored summary")
    args = parser.parse_args(argv)
    if args.reports:
        found = summary(Path(args.reports), args.processed and Path(args.processed),
                        args.private and Path(args.private), places={"demo": args.demo})
        print(dumps(found))
        return 0
    if args.write:
        first, second = fresh_summary(), fresh_summary()
        if first != second:
            print("two runs of the demo differ; not stored:\n" + diff(first, second), file=sys.stderr)
            return 1
        STORED.parent.mkdir(parents=True, exist_ok=True)
        partial = STORED.with_suffix(".json.tmp")
        partial.write_text(dumps(first) + "\n", encoding="utf-8")
        os.replace(partial, STORED)
        print(f"wrote {STORED.relative_to(ROOT)} ({STORED.stat().st_size:,} bytes); review its diff before committing")
        return 0
    found = fresh_summary()
    if args.check:
        stored = json.loads(STORED.read_text(encoding="utf-8"))
        if stored != found:
            print(diff(stored, found))
            return 1
        print("the demo's outputs equal the stored summary")
        return 0
    print(dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
