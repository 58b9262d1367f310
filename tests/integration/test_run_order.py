"""A tiny order end to end through the template notebook (papermill, real kernel)."""

import json

import nbformat
import pandas as pd
import pytest
from pptx import Presentation

from kiap_analysis.cli.main import main
from kiap_analysis.run.batch import run_orders

from conftest import TINY_ORDER, TINY_SPEC, write

SURVEY = """
Respondent;Navn;Status;q1;q2_tlf;q2_brev;q2_andet;q3
1;Anna Planted;Gennemført;Enig;1;0;0;Godt samarbejde
2;Bo Planted;Gennemført;Enig;1;1;0;
3;Cai Planted;Gennemført;Uenig;0;1;0;Svært at få fat i dem
4;Dea Planted;Gennemført;Ved ikke;1;0;0;
5;Eva Planted;Gennemført;Hverken eller;0;0;1;
6;Finn Planted;Gennemført;Enig;1;0;0;
"""

ORDERS = "orders:\n" + TINY_ORDER + """\
  - id: broken-2026
    cluster: Testklyngen
    municipality: Test Kommune
    package: tiny.yaml
    survey: missing.csv
    invited: 8
"""


@pytest.fixture
def tiny_order(tmp_path, workbook):
    write(tmp_path / "in" / "tiny.yaml", TINY_SPEC)
    write(tmp_path / "in" / "survey.csv", SURVEY)
    return write(tmp_path / "in" / "orders.yaml", ORDERS)


@pytest.mark.slow
def test_tiny_order_through_the_notebook(tiny_order, workbook):
    outcomes = {o.order_id: o for o in run_orders(tiny_order, workbook, log=lambda *_: None).outcomes}
    assert outcomes["tiny-2026"].status == "ok", outcomes["tiny-2026"].error
    out = workbook.reports / "tiny-2026"
    assert sorted(p.name for p in out.iterdir()) == [
        "deck.pptx", "manifest.json", "notebook.ipynb", "report.html", "run.log", "tables"]
    q1 = pd.read_csv(out / "tables" / "q1.csv", keep_default_na=False)
    assert list(q1.columns) == ["question_id", "item", "category", "n", "base", "pct"]
    assert q1["n"].tolist() == [1, 1, 3, 1]  # Uenig, Hverken eller, Enig, Ved ikke
    assert q1["pct"].tolist() == [16.7, 16.7, 50.0, 16.7]  # of 6 answers
    q2 = pd.read_csv(out / "tables" / "q2.csv", keep_default_na=False)
    assert q2["n"].tolist() == [4, 2, 1] and set(q2["base"]) == {6}
    assert q2["pct"].tolist() == [66.7, 33.3, 16.7]
    assert sorted(p.name for p in (out / "tables").iterdir()) == ["q1.csv", "q2.csv"]

    deck = Presentation(str(out / "deck.pptx"))
    # title, program, closing + intro section + block section, q1, q2, q3 answers, reflection
    assert len(deck.slides) == 9
    texts = [" ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides]
    assert "n = 6 · 6 af 8 inviterede svarede, heraf 6 fuldt ud" in texts[4]  # partial ones said apart
    assert "Svært at få fat i dem" in texts[6]
    notes = deck.slides[7].notes_slide.notes_text_frame.text
    assert notes.splitlines() == ["Hvad ser vi?", "Hvad gør vi nu?"]

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "ok" and manifest["slides"] == 9
    assert manifest["package"] == {"name": "tiny", "version": "0.1"}
    assert {i["role"] for i in manifest["inputs"]} == {"survey"}
    assert len(manifest["inputs"][0]["sha256"]) == 64

    notebook = nbformat.read(out / "notebook.ipynb", as_version=4)
    assert notebook.metadata.papermill.parameters["order_id"] == "tiny-2026"
    assert notebook.metadata.kernelspec.name == "kiap-workbook"
    report = (out / "report.html").read_text()
    assert "Hvor enig er du?" in report and "Planted" not in report
    assert "<h2>Om data</h2>" in report and "75\u00a0%" in report  # 6 of 8 invited answered

    failed = outcomes["broken-2026"]
    assert failed.status == "failed" and "missing.csv" in failed.error
    assert json.loads((workbook.reports / "broken-2026" / "manifest.json").read_text())["status"] == "failed"
    index = (workbook.reports / "index.html").read_text()
    assert "tiny-2026/report.html" in index and "fejlet" in index and "missing.csv" in index
    for path in workbook.reports.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".csv", ".json", ".ipynb"):
            assert "Planted" not in path.read_text(), path


@pytest.mark.slow
def test_cli_exit_codes(tiny_order, workbook, capsys):
    assert main(["run", str(tiny_order), "--only", "broken-2026", "--out", str(workbook.reports)]) == 1
    assert main(["run", str(tiny_order.parent / "nope.yaml"), "--out", str(workbook.reports)]) == 2
    assert main(["validate", str(tiny_order)]) == 1
    out = capsys.readouterr().out
    assert "[broken-2026] error:" in out and "missing.csv" in out
