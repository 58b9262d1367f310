"""The typed manifest: its statuses, the one function that builds it, reading it back, and the
record of an order its worker could not finish."""

import ast
import json
from pathlib import Path

import pytest

from kiap_analysis.core.fileio import sha256_file
from kiap_analysis.core.manifest import (
    Manifest,
    ManifestError,
    Status,
    build_manifest,
    read_manifest,
    write_manifest,
)
from kiap_analysis.core.orders import load_orders
from kiap_analysis.present.index import index_html, read_manifests
from kiap_analysis.run.execute import OrderOutcome, failed_outcome
from kiap_analysis.run.fingerprint import outputs_intact

from conftest import TINY_ORDER, TINY_SPEC, write

# manifest.json's keys, in the order every version so far has written them (a reviewer's tools read it)
KEYS = ["order_id", "status", "error", "cluster", "municipality", "round", "baseline", "disclosure", "package",
        "code_version", "parameters", "inputs", "fingerprint", "warnings", "reconciliation", "slides", "outputs",
        "checksums", "timings", "response"]
PACKAGE = Path(__file__).resolve().parents[2] / "kiap_analysis"


@pytest.fixture
def tiny(tmp_path):
    write(tmp_path / "in" / "tiny.yaml", TINY_SPEC)
    write(tmp_path / "in" / "survey.csv", "Respondent;q1\n1;Enig\n")
    return load_orders(write(tmp_path / "in" / "orders.yaml", "orders:\n" + TINY_ORDER))


def test_the_statuses_are_the_strings_the_json_and_the_runs_have_always_used():
    assert [s.value for s in Status] == ["ok", "failed", "skipped", "interrupted", "not-run"]
    assert json.dumps({"status": Status.NOT_RUN}) == '{"status": "not-run"}'
    assert Status("skipped") is Status.SKIPPED and Status.OK == "ok" and f"{Status.FAILED}" == "failed"
    assert [s.label for s in Status] == ["færdig", "fejlet", "uændret", "afbrudt", "ikke kørt"]
    assert OrderOutcome("a", "skipped", 0.0).status is Status.SKIPPED
    with pytest.raises(ValueError, match="'done' is not a valid Status"):
        OrderOutcome("a", "done", 0.0)


def test_one_function_builds_a_manifest_key_for_key(tiny):
    order = tiny.order("tiny-2026")
    summary = {"package": {"name": "tiny", "version": "0.1"}, "disclosure": {"mode": "standard", "letters": 0},
               "warnings": ["w1"], "reconciliation": [{"file": "survey.csv"}], "slides": 9,
               "response": {"invited": 10, "responded": 7, "completed": 6}}
    manifest = build_manifest(
        "tiny-2026", Status.OK, order, summary=summary, code_version="0.1.0+abc", orders_file="in/orders.yaml",
        inputs=[{"role": "survey", "path": "survey.csv", "sha256": "e3"}], fingerprint={"code": "0.1.0+abc"},
        outputs=["deck.pptx", "run.log"], checksums={"deck.pptx": "d1", "run.log": "l1"},
        timings={"started": "2026-03-01T10:00:00+00:00", "seconds": 2.5}, public=str.upper)
    assert manifest.to_json() == {
        "order_id": "tiny-2026", "status": "ok", "error": None, "cluster": "TESTKLYNGEN",
        "municipality": "TEST KOMMUNE", "round": "baseline", "baseline": None,
        "disclosure": {"mode": "standard", "letters": 0}, "package": {"name": "tiny", "version": "0.1"},
        "code_version": "0.1.0+abc", "parameters": {"order_id": "tiny-2026", "orders_file": "in/orders.yaml"},
        "inputs": [{"role": "survey", "path": "survey.csv", "sha256": "e3"}], "fingerprint": {"code": "0.1.0+abc"},
        "warnings": ["w1"], "reconciliation": [{"file": "survey.csv"}], "slides": 9,
        "outputs": ["deck.pptx", "run.log"], "checksums": {"deck.pptx": "d1", "run.log": "l1"},
        "timings": {"started": "2026-03-01T10:00:00+00:00", "seconds": 2.5},
        "response": {"invited": 10, "responded": 7, "completed": 6}}
    assert list(manifest.to_json()) == KEYS
    assert type(manifest.to_json()["status"]) is str


def test_an_order_that_stopped_before_its_summary_is_described_by_its_order(tiny):
    manifest = build_manifest("tiny-2026", "failed", tiny.order("tiny-2026"), error="InputError: x", code_version="v",
                              orders_file="o", inputs=[], fingerprint={}, outputs=["run.log"], checksums={},
                              timings={})
    assert (manifest.status, manifest.error, manifest.cluster) == (Status.FAILED, "InputError: x", "Testklyngen")
    assert (manifest.disclosure, manifest.package) == ({"mode": "standard"}, {"name": "tiny.yaml"})
    assert (manifest.warnings, manifest.reconciliation, manifest.slides) == ([], [], None)
    unknown = build_manifest("x", Status.FAILED, None, code_version="v", orders_file="o", inputs=[], fingerprint={},
                             outputs=[], checksums={}, timings={})
    assert (unknown.cluster, unknown.round, unknown.disclosure, unknown.package, unknown.error) == (
        None, None, {"mode": None}, {"name": None}, None)


def test_a_manifest_reads_back_as_written(tmp_path, tiny):
    manifest = build_manifest(
        "tiny-2026", Status.OK, tiny.order("tiny-2026"), summary={"slides": 9, "warnings": ["æøå"]},
        code_version="v", orders_file="o", inputs=[{"role": "survey", "path": "survey.csv"}],
        fingerprint={"inputs": {"survey": "ab"}}, outputs=["run.log"], checksums={"run.log": "cd"},
        timings={"seconds": 1.0})
    path = write_manifest(tmp_path, manifest)
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(manifest.to_json(), indent=2, ensure_ascii=False) + "\n" and "æøå" in text
    assert list(json.loads(text)) == KEYS
    assert read_manifest(tmp_path) == manifest
    assert read_manifest(tmp_path).status is Status.OK


def test_an_older_manifest_reads_with_what_it_has():
    older = Manifest.from_json({"order_id": "o1", "status": "ok", "warnings": None, "extra": 1})
    assert (older.outputs, older.checksums, older.fingerprint) == (None, None, None)  # never up to date
    assert (older.warnings, older.timings, older.package) == ([], {}, {})


@pytest.mark.parametrize(("text", "message"), [
    ("[1, 2]", "does not hold an object"),
    ('{"status": "ok"}', "has no 'order_id'"),
    ('{"order_id": "o1"}', "has no 'status'"),
    ('{"order_id": "o1", "status": "done"}', "unknown status 'done'"),
    ('{"order_id": "o1", "status": "ok", "checksums": ["a"]}', "'checksums' is a list"),
    ('{"order_id": "o1", "status": "ok", "slides": "9"}', "'slides' is a str"),
    ('{"order_id": "o1", "status": "ok"', r"cannot be read \(JSONDecodeError\)"),
    (None, r"cannot be read \(FileNotFoundError\)"),
])
def test_what_is_not_a_manifest_is_refused(tmp_path, text, message):
    if text is not None:
        (tmp_path / "manifest.json").write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError, match=message):
        read_manifest(tmp_path)


def test_outputs_are_intact_only_as_their_manifest_records_them(tmp_path):
    (tmp_path / "deck.pptx").write_text("deck")
    sha = sha256_file(tmp_path / "deck.pptx")
    manifest = Manifest("o1", Status.OK, outputs=["deck.pptx"], checksums={"deck.pptx": sha})
    assert outputs_intact(tmp_path, manifest)
    assert not outputs_intact(tmp_path, Manifest("o1", Status.OK, outputs=["deck.pptx"]))  # no checksums
    assert not outputs_intact(tmp_path, Manifest("o1", Status.OK, outputs=["deck.pptx", "x"], checksums={
        "deck.pptx": sha, "x": sha}))
    (tmp_path / "deck.pptx").write_text("edited")
    assert not outputs_intact(tmp_path, manifest)


def test_the_index_reads_the_manifests(tmp_path):
    write_manifest(write(tmp_path / "a" / "run.log", "").parent, Manifest(
        "a", Status.OK, cluster="Klynge A", warnings=["w"], outputs=["run.log"], timings={"seconds": 2.5}))
    write_manifest(write(tmp_path / "b" / "run.log", "").parent, Manifest(
        "b", Status.FAILED, error="InputError: b.csv", outputs=["run.log"]))
    write(tmp_path / "c" / "manifest.json", "{")
    manifests = read_manifests(tmp_path)
    assert [(m.order_id, m.status, m.error) for m in manifests] == [
        ("a", Status.OK, None), ("b", Status.FAILED, "InputError: b.csv"),
        ("c", Status.FAILED, "manifest.json kan ikke læses")]
    page = index_html(manifests, skipped={"a"})
    assert "<tr class='ok'><td>a</td><td>Klynge A</td>" in page
    assert "<td class='status'>færdig (uændret)</td><td class='num'>1</td><td class='num'>2,5\u00a0s</td>" in page
    assert "<tr class='failed'><td>b</td>" in page and "<div class='error'>Fejl i inddata: b.csv</div>" in page
    assert page.count("<td class='status'>fejlet</td>") == 2 and "3 ordrer, 2 fejlet." in page


def test_a_crashed_order_gets_the_record_of_any_failed_order(tiny, workbook):
    entry = tiny.entry("tiny-2026")
    message = "timed out: the order ran longer than 30 s and was stopped"
    outcome = failed_outcome(tiny, entry, workbook, workbook.private / "runs" / "r1", {"code": "0.1.0+abc"},
                             message, 31.5)
    folder = Path(outcome.folder)
    assert (outcome.status, outcome.error, outcome.warnings) == (Status.FAILED, message, [])
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "run.log"]
    manifest = read_manifest(folder)
    assert outcome.manifest == manifest and list(manifest.to_json()) == KEYS
    assert (manifest.order_id, manifest.status, manifest.error) == ("tiny-2026", Status.FAILED, message)
    assert (manifest.cluster, manifest.municipality, manifest.round) == ("Testklyngen", "Test Kommune", "baseline")
    assert (manifest.package, manifest.code_version, manifest.fingerprint) == (
        {"name": "tiny.yaml"}, "0.1.0+abc", {"code": "0.1.0+abc"})
    assert manifest.inputs == [{"role": "survey", "path": "survey.csv", "source": "original",
                                "sha256": sha256_file(tiny.path.parent / "survey.csv")}]
    assert manifest.parameters["orders_file"].endswith("orders.yaml")
    assert manifest.outputs == ["run.log"] and manifest.checksums == {"run.log": sha256_file(folder / "run.log")}
    assert 31.5 <= manifest.timings["seconds"] < 60 and manifest.timings["started"]
    log = (folder / "run.log").read_text().splitlines()
    assert log[0].endswith(f"failed: {message}") and "status failed after" in log[1] and len(log) == 2


RUN_MODULES = ["run/execute.py", "run/batch.py", "run/fingerprint.py", "run/progress.py", "present/index.py",
               "cli/main.py"]


@pytest.mark.parametrize("module", RUN_MODULES)
def test_no_module_spells_a_status_itself(module):
    """Every status goes through manifest.Status: no string of one, no STATUS_ constant."""
    statuses = {s.value for s in Status}
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    bare = [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in statuses]
    constants = [node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id.startswith("STATUS_")]
    assert (bare, constants) == ([], [])
