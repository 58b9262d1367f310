"""Publishing an order as a whole: the swap, a kill at every step of it, the next run's repair,
and the checksums that decide whether a published order is intact."""

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from kiap_analysis.core.fileio import exchange
from kiap_analysis.core.manifest import read_manifest
from kiap_analysis.present.index import read_manifests
from kiap_analysis.run import publish
from kiap_analysis.run.execute import checksums
from kiap_analysis.run.fingerprint import outputs_intact, up_to_date
from kiap_analysis.run.killpoint import ENV_KILL_AT
from kiap_analysis.run.publish import clear_leftovers, publish_order

from conftest import ROOT

OLD = {"deck.pptx": "old deck", "report.html": "old report", "tables/q1.csv": "old q1", "tables/q9.csv": "old q9",
       "run.log": "old log"}
NEW = {"deck.pptx": "new deck", "report.html": "new report", "tables/q1.csv": "new q1", "run.log": "new log"}


def order_folder(folder, files, fingerprint=None):
    """An order folder with these files and a manifest listing them with their sha256."""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    outputs = sorted(files)
    manifest = {"order_id": folder.name, "status": "ok", "fingerprint": fingerprint or {"code": "f"},
                "outputs": outputs, "checksums": checksums(folder, outputs)}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def contents(folder):
    return {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*")
            if p.is_file() and p.name != "manifest.json"}


def test_exchange_swaps_two_folders_in_one_step(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "f").write_text("A")
    (tmp_path / "b" / "f").write_text("B")
    assert exchange(tmp_path / "a", tmp_path / "b")  # Linux, ext4/tmpfs: renameat2 is there
    assert (tmp_path / "a" / "f").read_text() == "B" and (tmp_path / "b" / "f").read_text() == "A"


@pytest.mark.parametrize("swap", ["exchange", "two renames"])
def test_publish_replaces_the_whole_order(tmp_path, monkeypatch, swap):
    if swap == "two renames":
        monkeypatch.setattr(publish, "exchange", lambda a, b: False)
    reports = tmp_path / "reports"
    order_folder(reports / "o1", OLD)
    staged = order_folder(tmp_path / "private" / "o1", NEW)
    publish_order(staged, reports / "o1", "run1")
    assert contents(reports / "o1") == NEW  # q9.csv of the old run is gone with it
    assert not staged.exists()
    assert sorted(p.name for p in reports.iterdir()) == ["o1"]  # nothing beside it
    publish_order(order_folder(tmp_path / "private" / "o2", NEW), reports / "o2", "run1")  # a first publish
    assert contents(reports / "o2") == NEW


@pytest.mark.parametrize(("step", "swap", "expected"), [
    ("publish-staged", "exchange", "old"),
    ("publish-swapped", "exchange", "new"),
    ("publish-staged", "two renames", "old"),
    ("publish-aside", "two renames", "missing"),
    ("publish-swapped", "two renames", "new"),
])
def test_a_kill_at_any_step_leaves_the_old_or_the_new_order_and_the_next_run_repairs_it(
        tmp_path, step, swap, expected):
    reports, private = tmp_path / "reports", tmp_path / "private"
    order_folder(reports / "o1", OLD)
    order_folder(private / "runs" / "run1" / "o1", NEW)
    (private / "runs" / "run1" / "o1.identifiers.json").write_text("{}")
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from kiap_analysis.run import publish
        if {swap == "two renames"}:
            publish.exchange = lambda a, b: False
        publish.publish_order(Path({str(private / "runs" / "run1" / "o1")!r}), Path({str(reports / "o1")!r}), "run1")
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, ENV_KILL_AT: f"{step}:o1"})
    assert result.returncode == -signal.SIGKILL, result.stderr
    target = reports / "o1"
    if expected == "missing":  # the fallback's one instant without the folder (never a mix)
        assert not target.exists()
    else:
        assert contents(target) == (OLD if expected == "old" else NEW)
        assert outputs_intact(target, read_manifest(target))
    assert [m.order_id for m in read_manifests(reports)] == ([] if expected == "missing" else ["o1"])

    found = clear_leftovers(reports, private)  # the next run, before it starts
    assert found.restored == (["o1"] if expected == "missing" else [])
    assert contents(target) == (NEW if expected == "new" else OLD)
    assert sorted(p.name for p in reports.iterdir()) == ["o1"]
    assert list((private / "runs").iterdir()) == []
    assert "ryddet op efter en afbrudt kørsel" in found.message()


def test_leftovers_of_older_versions_are_cleared(tmp_path):
    reports, private = tmp_path / "reports", tmp_path / "private"
    order_folder(reports / "mixed", OLD)
    (reports / "mixed" / ".deck.pdf.a1b2.tmp").write_text("half a pdf")
    (reports / ".index.html.x9.tmp").write_text("half an index")
    (reports / "no-manifest" / "tables").mkdir(parents=True)  # a deck published without its manifest
    (reports / "no-manifest" / "deck.pptx").write_text("deck")
    (reports / "no-manifest" / "tables" / "q1.csv").write_text("q1")
    (reports / "archive").mkdir()  # not an order's folder: left alone
    (reports / "archive" / "notes.txt").write_text("mine")
    (reports / ".gitkeep").write_text("")
    (private / "libreoffice" / "tmpab12").mkdir(parents=True)
    (private / "letters" / "o1").mkdir(parents=True)
    (private / "letters" / "o1" / ".A.txt.zz.tmp").write_text("half a letter")
    (private / "letters" / "o1" / "A.txt").write_text("letter")
    (private / "runs" / "o1").mkdir(parents=True)  # an older version's staging
    found = clear_leftovers(reports, private)
    assert found.half_published == ["no-manifest"]
    assert found.removed == 5  # 3 temporary files, the LibreOffice profile, the old staging folder
    assert sorted(p.name for p in reports.iterdir()) == [".gitkeep", "archive", "mixed"]
    assert sorted(p.name for p in (reports / "mixed").rglob("*")) == sorted(
        ["deck.pptx", "manifest.json", "q1.csv", "q9.csv", "report.html", "run.log", "tables"])
    assert (private / "letters" / "o1" / "A.txt").exists()
    assert not clear_leftovers(reports, private)  # nothing left the second time


def test_an_order_is_up_to_date_only_while_its_published_files_match_the_manifest(tmp_path):
    folder = order_folder(tmp_path / "o1", NEW, fingerprint={"inputs": {"survey": "abc"}})
    expected = {"inputs": {"survey": "abc"}}
    assert up_to_date(folder, expected).order_id == "o1"
    assert up_to_date(folder, {"inputs": {"survey": "changed"}}) is None
    (folder / "tables" / "q1.csv").write_text("edited by hand")
    assert up_to_date(folder, expected) is None
    order_folder(folder, NEW, fingerprint=expected)
    (folder / "deck.pptx").unlink()
    assert up_to_date(folder, expected) is None
    order_folder(folder, NEW, fingerprint=expected)
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["checksums"]  # an older version's manifest: its files cannot be checked
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert up_to_date(folder, expected) is None


def test_the_index_lists_no_staging_folder(tmp_path):
    order_folder(tmp_path / "o1", NEW)
    order_folder(tmp_path / ".kiap-staged.run1.o1", NEW)
    assert [m.order_id for m in read_manifests(tmp_path)] == ["o1"]
