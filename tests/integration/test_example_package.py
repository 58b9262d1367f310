"""docs/examples: the example package 'attester' is added by YAML alone and runs end to end."""

import json
import shutil

import pandas as pd
import pytest
from pptx import Presentation

from kiap_analysis.cli.main import main

from conftest import ROOT

EXAMPLES = ROOT / "docs" / "examples"
WALKTHROUGH = ROOT / "docs" / "adding-a-package.md"
ORDER = "eksempel-2026-attester"
TITLES = ["Attester til kommunen pr. måned", "Tydelige anmodninger om attester", "Udfordringer med anmodningerne",
          "Forslag til samarbejdet om attester"]


@pytest.fixture
def examples(tmp_path):
    return shutil.copytree(EXAMPLES, tmp_path / "examples")


def rows(path) -> list[tuple]:
    table = pd.read_csv(path, keep_default_na=False)
    assert list(table.columns) == ["question_id", "item", "category", "n", "base", "pct"]
    return list(table.itertuples(index=False, name=None))


def test_walkthrough_shows_the_example_files_whole():
    text = WALKTHROUGH.read_text(encoding="utf-8")
    for name in ("packages/attester.yaml", "attester_survey.csv", "orders.yaml"):
        assert (EXAMPLES / name).read_text(encoding="utf-8") in text, name


def test_example_order_validates_without_warnings(examples, workbook, capsys):
    assert main(["validate", str(examples / "orders.yaml")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert not [line for line in lines if " warning: " in line or " error: " in line]
    assert "      = 7 respondents counted (6 completed, 1 partial)" in lines  # the reconciliation
    assert lines[-1].startswith("OK: 1 order(s) checked, no errors, nothing lost")


@pytest.mark.slow
def test_example_order_runs_end_to_end(examples, workbook):
    assert main(["run", str(examples / "orders.yaml"), "--workers", "1", "--out", str(workbook.reports)]) == 0
    out = workbook.reports / ORDER
    assert (out / "deck.pptx").is_file() and (out / "report.html").is_file()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "ok" and manifest["package"] == {"name": "attester", "version": "0.1"}

    # Worked out by hand from attester_survey.csv: 7 respondents, number 7 partial without q3 ticks.
    assert sorted(p.name for p in (out / "tables").iterdir()) == ["q1.csv", "q2.csv", "q3.csv"]  # q4 is free text
    assert rows(out / "tables" / "q1.csv") == [
        ("q1", "", "Ingen", 1, 7, 14.3),
        ("q1", "", "1-5", 3, 7, 42.9),
        ("q1", "", "6-10", 2, 7, 28.6),
        ("q1", "", "Flere end 10", 1, 7, 14.3),
    ]
    assert rows(out / "tables" / "q2.csv") == [
        ("q2", "", "Slet ikke", 1, 7, 14.3),
        ("q2", "", "I mindre grad", 2, 7, 28.6),
        ("q2", "", "I nogen grad", 2, 7, 28.6),
        ("q2", "", "I høj grad", 1, 7, 14.3),
        ("q2", "", "I meget høj grad", 0, 7, 0.0),
        ("q2", "", "Ved ikke", 1, 7, 14.3),
    ]
    assert rows(out / "tables" / "q3.csv") == [  # of the 6 who completed: the partial one ticked nothing
        ("q3", "", "Uklart formål med attesten", 2, 6, 33.3),
        ("q3", "", "Beder om oplysninger, jeg ikke har", 4, 6, 66.7),
        ("q3", "", "For kort svarfrist", 1, 6, 16.7),
        ("q3", "", "Beder om oplysninger, kommunen allerede har", 1, 6, 16.7),
        ("q3", "", "Ingen udfordringer", 2, 6, 33.3),
    ]

    deck = Presentation(str(out / "deck.pptx"))
    texts = [" ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides]
    deck_text = "\n".join(texts)
    for title in TITLES:
        assert title in deck_text, title
    # The chart's base, then who answered: 7 of 9 invited, number 7 partial (the base of q3 is 6).
    assert "n = 7 · 7 af 9 inviterede svarede, heraf 6 fuldt ud" in deck_text
    assert "n = 6 · 7 af 9 inviterede svarede, heraf 6 fuldt ud" in deck_text
    assert "Fast kontaktperson i jobcentret" in deck_text
    notes = [slide.notes_slide.notes_text_frame.text for slide in deck.slides if slide.has_notes_slide]
    assert "Hvilke attester fylder mest i hverdagen?" in "\n".join(notes)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Hvilke udfordringer oplever du med kommunens anmodninger om attester?" in report
