"""kiap archive (run.archive, ingest.archive): a finished order's raw inputs copied with their
sha256 to a dated private archive, raw files untouched; a follow-up whose baseline's files are
gone runs from the archive, and the manifest says where each input came from."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from test_agreements import ORDERS, SURVEY

from kiap_analysis.cli.main import main
from kiap_analysis.core.errors import InputError
from kiap_analysis.core.fileio import sha256_path
from kiap_analysis.core.manifest import Manifest, Status, write_manifest
from kiap_analysis.core.orders import load_orders
from kiap_analysis.run.archive import archive_order
from kiap_analysis.run.execute import _inputs
from kiap_analysis.run.notebook import OrderRun

from conftest import TINY_SPEC, write

FOLLOW_UP_SURVEY = SURVEY.replace("2;Bent Testesen;Gennemført;Uenig", "2;Bent Testesen;Gennemført;Enig")
DAY = dt.date(2026, 2, 3)


@pytest.fixture
def orders(tmp_path, workbook):
    write(tmp_path / "tiny.yaml", TINY_SPEC)
    write(tmp_path / "survey_2025.csv", SURVEY)
    write(tmp_path / "survey_2026.csv", FOLLOW_UP_SURVEY)
    write(tmp_path / "aftaler.yaml", "agreements:\n  - {what: Ny oversigt, who: Kommunen}\n")
    return write(tmp_path / "orders.yaml", ORDERS)


def _finished(workbook, order_id):
    write_manifest(workbook.reports / order_id, Manifest(order_id=order_id, status=Status.OK))


def test_an_unfinished_order_is_not_archived(orders, workbook):
    with pytest.raises(InputError, match=r"order base has no successful run in .*Fix: run it first: kiap run"):
        archive_order(orders, "base", workbook)


def test_archive_copies_with_sha256_and_leaves_the_raw_file(orders, workbook, tmp_path):
    _finished(workbook, "base")
    raw = tmp_path / "survey_2025.csv"
    before = (raw.stat().st_mtime_ns, sha256_path(raw))
    folder = archive_order(orders, "base", workbook, today=DAY)
    assert folder == workbook.private / "archive" / "base" / "2026-02-03"
    assert not folder.is_relative_to(workbook.reports)
    record = json.loads((folder / "archive.json").read_text())
    assert record["inputs"] == {"survey": {"source": str(raw), "path": "inputs/survey/survey_2025.csv",
                                           "sha256": before[1]}}
    assert (folder / "inputs" / "survey" / "survey_2025.csv").read_text() == SURVEY
    assert (raw.stat().st_mtime_ns, sha256_path(raw)) == before
    again = archive_order(orders, "base", workbook, today=DAY)  # the same day: replaced whole
    assert again == folder and sorted(p.name for p in folder.parent.iterdir()) == ["2026-02-03"]


def test_a_follow_up_runs_from_the_archive_when_the_baseline_files_are_gone(orders, workbook, tmp_path):
    before = OrderRun("follow", orders, tmp_path / "before")
    before.export()
    _finished(workbook, "base")
    assert main(["archive", str(orders), "--only", "base", "--out", str(workbook.reports)]) == 0
    (tmp_path / "survey_2025.csv").rename(tmp_path / "moved.csv")

    after = OrderRun("follow", orders, tmp_path / "after")
    after.export()
    for name in ("q1_change.csv", "q2_change.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "after" / "follow" / "tables" / name),
                                      pd.read_csv(tmp_path / "before" / "follow" / "tables" / name))
    # q1 baseline: Enig 3 of 5 answers with an opinion (Ved ikke apart); the archive gives the same.
    q1 = pd.read_csv(tmp_path / "after" / "follow" / "tables" / "q1_change.csv")
    assert {"n_baseline", "base_baseline"} <= set(q1.columns)

    loaded = load_orders(orders)
    records = {r["role"]: r for r in _inputs(loaded.entry("follow"), loaded, lambda text: text, workbook.private)}
    assert records["survey"]["source"] == "original"
    assert records["agreements"]["source"] == "original"
    today = dt.date.today().isoformat()
    assert records["baseline.survey"]["source"] == f"archive:{today}"
    assert records["baseline.survey"]["path"].endswith(f"archive/base/{today}/inputs/survey/survey_2025.csv")
    assert records["baseline.survey"]["sha256"] == sha256_path(tmp_path / "moved.csv")


def test_an_altered_archive_is_an_error_not_data(orders, workbook, tmp_path):
    _finished(workbook, "base")
    folder = archive_order(orders, "base", workbook, today=DAY)
    (tmp_path / "survey_2025.csv").unlink()
    write(folder / "inputs" / "survey" / "survey_2025.csv", SURVEY.replace("Uenig", "Enig"))
    with pytest.raises(InputError) as caught:
        OrderRun("follow", orders, tmp_path / "out")
    [problem] = caught.value.problems
    assert problem.message == ("baseline order 'base': the archived survey (inputs/survey/survey_2025.csv) is "
                               "missing or differs from its sha256")


def test_without_an_archive_the_missing_baseline_file_says_to_archive(orders, workbook, tmp_path):
    (tmp_path / "survey_2025.csv").unlink()
    with pytest.raises(InputError) as caught:
        OrderRun("follow", orders, tmp_path / "out")
    assert "archive them before the follow-up" in str(caught.value)
