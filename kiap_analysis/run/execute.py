"""One order: executed by papermill from the template, checked, and made ready to publish.

The order runs in its run's private staging folder (<private>/runs/<run id>/<id>/). When the
notebook, the deck preview, the HTML export and the leak check succeed, that folder gets its
run.log and manifest.json (with every output's sha256) and is the complete order, ready for
``publish.publish_order`` (done by the batch process, which swaps it in as reports/<id>/).
A failed order's folder to publish holds only its manifest (status failed, the error
message) and run.log; its notebook goes to <private>/failed/<id>/ (a traceback can hold data
values). An order its worker could not finish (a timeout, a crash) gets the same record from
``failed_outcome``, written by the batch process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from kiap_analysis import __version__
from kiap_analysis.core.config import KERNEL_NAME, SUMMARY_MIMETYPE, Paths
from kiap_analysis.core.errors import InputError, KiapError, display_path
from kiap_analysis.core.fileio import sha256_file, sha256_path, write_text
from kiap_analysis.core.manifest import (
    MANIFEST_FILE,
    InputRecord,
    Manifest,
    Status,
    build_manifest,
    write_manifest,
)
from kiap_analysis.core.orders import OrderEntry, OrdersFile
from kiap_analysis.ingest.archive import ORIGINAL, from_archive
from kiap_analysis.ingest.places import PLACES, Places, known_places
from kiap_analysis.present.report_export import export_html
from kiap_analysis.privacy.leakcheck import (
    Hit,
    order_literals,
    order_watchlist,
    scan,
)
from kiap_analysis.privacy.pseudonyms import registered_ydernumre
from kiap_analysis.privacy.redaction import Redactor
from kiap_analysis.run.preview import deck_pdf
from kiap_analysis.run.publish import FAILED_DIR

DEFAULT_TIMEOUT_S = 900


@dataclass
class OrderOutcome:
    order_id: str
    status: Status
    seconds: float
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    manifest: Manifest | None = None
    folder: str | None = None  # the complete order folder to publish (a path in the private folder)

    def __post_init__(self) -> None:
        self.status = Status(self.status)


def _inputs(entry: OrderEntry, orders: OrdersFile, places: Places, private: Path) -> list[InputRecord]:
    """The order's inputs and a follow-up's baseline's (``baseline.<role>``), each with where it
    came from: ``original`` (the orders file's path) or ``archive:<date>`` (ingest.archive)."""
    found: list[InputRecord] = []
    if entry.order is None:
        return found
    rounds = [("", entry)]
    baseline = next((e for e in orders.entries if e.id == entry.order.baseline and e.order), None)
    if entry.order.is_follow_up and baseline is not None:
        rounds.append(("baseline.", baseline))
    for prefix, rnd in rounds:
        try:
            rnd, sources = from_archive(rnd, private)
        except InputError:  # the run's own error names the archive's problem
            sources = {}
        assert rnd.order is not None
        for role, path in rnd.order.input_paths().items():
            record: InputRecord = {"role": prefix + role, "path": places(display_path(path, orders.path.parent)),
                                   "source": sources.get(role, ORIGINAL)}
            try:
                if path.exists():
                    record["sha256"] = sha256_path(path)
            except (OSError, RuntimeError, ValueError):  # unreadable: the order's error says so
                pass
            found.append(record)
    return found


def _summary(notebook: nbformat.NotebookNode) -> dict:
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if SUMMARY_MIMETYPE in data:
                return dict(data[SUMMARY_MIMETYPE])
    raise KiapError("the notebook ran but did not export (no run summary): was the last cell removed?")


def _own_errors() -> set[str]:
    """The names of the errors the workbook raises on purpose (KiapError and its subclasses):
    their messages name places and kinds, never a cell's content."""
    found, todo = set(), [KiapError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo += cls.__subclasses__()
    return found


def _error_message(exc: BaseException) -> str:
    """The published message of an order's failure. In the notebook, the workbook's own errors
    say where and what to do; any other exception's text may quote data (a KeyError of a cell's
    value), so only its type is published and its text stays with the failed notebook. Errors
    of the batch's own machinery (a timeout, a dead kernel, LibreOffice) are published whole."""
    if isinstance(exc, PapermillExecutionError):
        if exc.ename in _own_errors():
            return f"{exc.ename}: {exc.evalue}"
        return (f"{exc.ename}: an unexpected error in the notebook (a bug, or a file the workbook cannot handle); "
                "its message is not published, as it may hold data values: see the failed run in the private "
                f"folder ({FAILED_DIR}/<order id>/notebook.ipynb) Fix: report it with that notebook")
    if isinstance(exc, KiapError):
        return f"{type(exc).__name__}: {exc}"
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


class LeakError(KiapError):
    """The outputs of an order hold data that may identify someone."""


def take_identifiers(path: Path) -> dict:
    """The order's private identifiers file (written by the notebook), removed once read."""
    if not path.exists():
        return {}
    found = json.loads(path.read_text(encoding="utf-8"))
    path.unlink()
    return found


def leak_check(folder: Path, identifiers: dict, paths: Paths, only: tuple[str, ...] | None = None) -> list[Hit]:
    """Scan an order's outputs (``only``: just these files) for CPR numbers, e-mail addresses,
    phone numbers, the inputs' ydernumre, practice and other names, and the pseudonym key."""
    found = {k: v for k, v in identifiers.items() if k != PLACES}
    return scan(folder, order_literals(found, paths.private), patterns=True,
                watchlist=order_watchlist(found, paths.private), only=only)


def _report_links(staging: Path) -> list[tuple[str, str]]:
    """(href, label) of the order's other outputs, for the report's header."""
    links = [("deck.pptx", "Præsentationen (PowerPoint)")]
    if (staging / "deck.pdf").exists():
        links.append(("deck.pdf", "Præsentationen som PDF"))
    links += [("tables/", "Tabellerne bag figurerne"), ("notebook.ipynb", "Notebook")]
    return links


def checksums(folder: Path, names: list[str]) -> dict[str, str]:
    """sha256 of each output (relative names), as the manifest records them."""
    return {name: sha256_file(folder / name) for name in names}


def failed_folder(staging_root: Path, order_id: str) -> Path:
    """A fresh folder for what a failed order publishes (its manifest and run.log)."""
    folder = staging_root / ".failed" / order_id  # order ids never start with a dot
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def keep_failed_notebook(staging: Path, private: Path, order_id: str) -> None:
    """Move a failed order's staging folder (its notebook, with the traceback) to
    <private>/failed/<id>/, replacing the previous failure's."""
    if not staging.exists():
        return
    target = private / FAILED_DIR / order_id
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(staging, target)


class _Log:
    """The order's run.log: what happened when, never data values (its messages are published)."""

    def __init__(self, order_id: str, *lines: str, header: bool = True):
        """``header``: begin with the line that the order started in this process."""
        started = (f"order {order_id}: started (kiap-workbook {__version__}, pid {os.getpid()})",) if header else ()
        self.lines = [f"{self._now()} {line}" for line in (*started, *lines)]

    @staticmethod
    def _now() -> str:
        return dt.datetime.now().isoformat(timespec="seconds")

    def __call__(self, message: str) -> None:
        self.lines.append(f"{self._now()} {message}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def execute_order(orders: OrdersFile, entry: OrderEntry, paths: Paths, staging_root: Path,
                  fingerprint_: dict | None = None, warm=None, timeout: float = DEFAULT_TIMEOUT_S) -> OrderOutcome:
    """Execute, export and check one order; never raises for a problem of the order. The
    outcome's ``folder`` is the complete order to publish (``publish.publish_order``): every
    file in it, manifest.json and run.log included, has passed the leak check.

    ``staging_root``: the run's own staging folder, <private>/runs/<run id>/.
    ``warm``: a WarmKernel to run in (else papermill starts a fresh kernel for this order).
    """
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    staging = staging_root / entry.id
    timings: dict[str, float] = {}
    summary: dict = {}
    identifiers: dict = {}
    log = _Log(entry.id)
    try:
        if not entry.ok:
            raise KiapError("\n".join(str(p) for p in entry.problems))
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        t = time.perf_counter()
        engine: dict = {}
        if warm is not None:
            engine = {"engine_name": "kiap-warm", "warm_kernel": warm}
        log("executing the template notebook" + (" in the worker's warm kernel" if warm else ""))
        notebook = papermill.execute_notebook(
            str(paths.template_notebook), str(staging / "notebook.ipynb"),
            parameters={"order_id": entry.id, "orders_file": str(orders.path.resolve()),
                        "output_dir": str(staging_root)},
            kernel_name=KERNEL_NAME, progress_bar=False, request_save_on_cell_execute=False,
            cwd=str(paths.root), execution_timeout=timeout, **engine)
        timings["execute_s"] = round(time.perf_counter() - t, 3)
        summary = _summary(notebook)
        log(f"notebook done in {timings['execute_s']} s: {summary.get('slides')} slides, "
            f"{len(summary.get('warnings', []))} warning(s)")
        t = time.perf_counter()
        if deck_pdf(staging / "deck.pptx", staging / "deck.pdf", paths.private / "libreoffice"):
            timings["pdf_s"] = round(time.perf_counter() - t, 3)
            log(f"deck.pdf rendered by LibreOffice in {timings['pdf_s']} s")
        t = time.perf_counter()
        title = f"{summary.get('package', {}).get('name', '')} – {entry.id}"
        export_html(notebook, staging / "report.html", title=title, links=_report_links(staging))
        timings["export_s"] = round(time.perf_counter() - t, 3)
        log(f"report.html exported in {timings['export_s']} s")
        t = time.perf_counter()
        identifiers = take_identifiers(staging_root / f"{entry.id}.identifiers.json")
        hits = leak_check(staging, identifiers, paths)
        timings["leak_check_s"] = round(time.perf_counter() - t, 3)
        if hits:
            raise LeakError(_hits_message(hits))
        log(f"leak check passed in {timings['leak_check_s']} s")
        status, error = Status.OK, ""
    except Exception as exc:  # one order's failure must not stop the batch
        status, error = Status.FAILED, _error_message(exc)
        if warm is not None:
            warm.shutdown()  # the next order gets a fresh kernel
    places = _places(orders, entry, paths, identifiers)
    error = _published(error, places, identifiers, paths, orders, entry)  # messages are published
    if status == Status.FAILED:
        log(f"failed: {error}")
    record = _Record(orders, entry, paths, fingerprint_, started, clock, timings, summary, places)
    if status == Status.OK:
        folder, manifest = record.write(staging, log, Status.OK, "")
        hits = leak_check(folder, identifiers, paths, only=RECORD_FILES)
        if not hits:
            return _outcome(folder, manifest)
        error = f"LeakError: {_hits_message(hits)}"  # the order's own record held data
        log(f"failed: {error}")
        for name in RECORD_FILES:
            (folder / name).unlink(missing_ok=True)
    keep_failed_notebook(staging, paths.private, entry.id)
    return record.failed(staging_root, log, error, identifiers)


def failed_outcome(orders: OrdersFile, entry: OrderEntry, paths: Paths, staging_root: Path,
                   fingerprint_: dict | None, message: str, seconds: float) -> OrderOutcome:
    """The outcome, and the folder to publish, of an order its worker could not finish (it
    timed out, or the worker died) after ``seconds``: the record of any failed order."""
    started = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=seconds)
    places = _places(orders, entry, paths, {})
    message = _published(message, places, {}, paths, orders, entry)
    record = _Record(orders, entry, paths, fingerprint_, started, time.perf_counter() - seconds, {}, {}, places)
    return record.failed(staging_root, _Log(entry.id, f"failed: {message}", header=False), message, {})


def _outcome(folder: Path, manifest: Manifest) -> OrderOutcome:
    return OrderOutcome(manifest.order_id, manifest.status, manifest.timings["seconds"], manifest.error or "",
                        manifest.warnings, manifest, str(folder))


RECORD_FILES = (MANIFEST_FILE, "run.log")


def _hits_message(hits: list[Hit]) -> str:
    return ("the leak check found identifying data in the outputs, which are not published: "
            + "; ".join(str(h) for h in hits[:12]))


def _places(orders: OrdersFile, entry: OrderEntry, paths: Paths, identifiers: dict) -> Places:
    """How the order's record names its input files: as its notebook did, or (when it stopped
    before) from what is known of the order without its survey."""
    if identifiers.get(PLACES) is not None:
        return Places(tuple((real, alias) for real, alias in identifiers[PLACES]))
    if entry.order is None:
        return Places()
    return known_places(orders, entry.order, registered_ydernumre(paths.private))[1]


def _published(text: str, places: Places, identifiers: dict, paths: Paths, orders: OrdersFile,
               entry: OrderEntry) -> str:
    """A message as it may be published: input names that hold an identifier replaced, and
    the identifiers the order knows redacted (its record is leak-checked after): those its
    notebook found, or (when it stopped before) what is known of it without its survey."""
    if not text:
        return text
    watch = order_watchlist({k: v for k, v in identifiers.items() if k != PLACES}, paths.private)
    if not identifiers and entry.order is not None:
        watch = known_places(orders, entry.order, registered_ydernumre(paths.private))[0]
    return Redactor(watch.ydernumre, watch.names, watch.public, watch.register)(places(text))


class _Record:
    """An order's run.log and manifest.json, written into the folder to publish."""

    def __init__(self, orders, entry, paths, fingerprint_, started, clock, timings, summary, places):
        self.orders, self.entry, self.paths = orders, entry, paths
        self.fingerprint, self.started, self.clock = fingerprint_ or {}, started, clock
        self.timings, self.summary, self.places = timings, summary, places

    def write(self, folder: Path, log: _Log, status: Status, error: str, bare: bool = False) -> tuple[Path, Manifest]:
        """Write both files; ``bare``: without the notebook's warnings and reconciliation."""
        seconds = round(time.perf_counter() - self.clock, 3)
        log(f"status {status} after {seconds} s")
        write_text(folder / "run.log", log.text())
        outputs = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) \
            if status == Status.OK else ["run.log"]
        manifest = build_manifest(
            self.entry.id, status, self.entry.order, error=error, summary={} if bare else self.summary,
            code_version=self.fingerprint.get("code", __version__),
            orders_file=self.places(display_path(self.orders.path, self.paths.root)),
            inputs=_inputs(self.entry, self.orders, self.places, self.paths.private), fingerprint=self.fingerprint,
            outputs=outputs, checksums=checksums(folder, outputs),
            timings={"started": self.started.isoformat(timespec="seconds"), "seconds": seconds, **self.timings},
            public=Redactor())  # the orders file's own names, cleaned of what looks like an identifier
        write_manifest(folder, manifest)
        return folder, manifest

    def failed(self, staging_root: Path, log: _Log, error: str, identifiers: dict) -> OrderOutcome:
        """Write the failed order's record into a fresh folder to publish; when the record
        holds data (its message or warnings), the published one says so instead."""
        order_id, paths = self.entry.id, self.paths
        folder, manifest = self.write(failed_folder(staging_root, order_id), log, Status.FAILED, error)
        if leak_check(folder, identifiers, paths, only=RECORD_FILES):
            write_text(paths.private / FAILED_DIR / order_id / "error.txt", f"{error}\n")
            error = ("the order failed, and its error message or warnings held data that may identify someone: they "
                     f"are kept in the private folder ({FAILED_DIR}/{order_id}/error.txt), not published")
            folder, manifest = self.write(folder, _Log(order_id, f"failed: {error}"), Status.FAILED, error, bare=True)
        return _outcome(folder, manifest)
