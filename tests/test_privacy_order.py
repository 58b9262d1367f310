"""Planted identifiers through a whole order: none reaches the outputs, and the leak check
stops an order when something slips past the redactor."""

import json

import pandas as pd
import pytest

from kiap_analysis.batch import run_orders
from kiap_analysis.leakcheck import scan

from conftest import write

pytestmark = pytest.mark.slow

PLANTED = {
    "ydernummer": ["011111", "022222", "033333", "044444", "055555"],
    "practice name": ["Lægerne Solbakken", "Klinik Havblik", "Lægehuset Ravnsborg", "Læge Kirsten Mølgaard",
                      "Lægerne Strandkanten"],
    "respondent": ["Planted Respondentsen", "Mette Svarholm", "planted.one@example.invalid",
                   "mette.svarholm@example.invalid"],
    "name": ["Karen Sekretærsen"],
    "cpr": ["010190-1234", "0203291WQ3"],
    "phone": ["+45 12 34 56 78", "87654321"],
}
FREE_TEXT = [
    "Ring til Karen Sekretærsen på +45 12 34 56 78, hun kender 010190-1234.",
    "Lægerne Solbakken (yder 011111) henviser aldrig – skriv til planted.one@example.invalid",
    "Mette Svarholm mener det samme som Havblik; pt. 0203291WQ3 ventede længe, tlf 87654321.",
    "Intet at tilføje.", "Kirsten Mølgaard og Ravnsborg var gode.", "Fint samarbejde.",
]
SURVEY = "Respondent;Navn;E-mail;Status;q1;q3\n" + "\n".join(
    f"{i};{name};{mail};Gennemført;I høj grad;{text}"
    for i, (name, mail, text) in enumerate(zip(
        ["Planted Respondentsen", "Mette Svarholm"] * 3,
        ["planted.one@example.invalid", "mette.svarholm@example.invalid"] * 3, FREE_TEXT, strict=True), start=1))
REFERRALS = ("Ydernummer;Praksis navn;Diabetes;KOL\n011111;Lægerne Solbakken;12;6\n022222;Klinik Havblik;9;7\n"
             "033333;Lægehuset Ravnsborg;15;3\n044444;Læge Kirsten Mølgaard;7;8\n055555;Lægerne Strandkanten;11;9\n")
LISTED = ("Ydernummer;Navn;Tilmeldte\n011111;Lægerne Solbakken;1.650\n022222;Klinik Havblik;2.300\n"
          "033333;Lægehuset Ravnsborg;4.100\n044444;Læge Kirsten Mølgaard;1.200\n055555;Lægerne Strandkanten;3.000\n")
ORDER = """
orders:
  - id: {id}
    cluster: Testklyngen
    municipality: Test Kommune
    package: forebyggelse-rehabilitering
    survey: survey.csv
    invited: 9
    referrals: henvisninger.csv
    listed_patients: tilmeldte.csv
    names: navne.txt
    period: {{start: 2025-01-01, end: 2025-12-31}}
{extra}
"""
LEAKY_QUESTION = """    questions:
      add:
        - {id: lok1, block: blok2, type: single_choice, text: "Har du ringet til 12 34 56 78?", options: [Ja, Nej]}
"""


@pytest.fixture
def inputs(tmp_path, workbook):
    folder = tmp_path / "in"
    write(folder / "survey.csv", SURVEY)
    write(folder / "henvisninger.csv", REFERRALS)
    write(folder / "tilmeldte.csv", LISTED)
    write(folder / "navne.txt", "Navn\nKaren Sekretærsen\n")
    return folder


def test_planted_identifiers_reach_no_output(inputs, workbook):
    orders = write(inputs / "orders.yaml", ORDER.format(id="planted", extra=""))
    report = run_orders(orders, workbook, workers=1, log=lambda *_: None)
    outcome = report.outcomes[0]
    assert outcome.status == "ok", outcome.error
    assert scan(workbook.reports, PLANTED, patterns=True) == []
    html = (workbook.reports / "planted" / "report.html").read_text()
    assert "Ring til [navn] på [telefon], hun kender [CPR]." in html  # redacted, visibly
    assert "[navn] (yder [ydernummer]) henviser aldrig – skriv til [e-mail]" in html
    planted = [v for values in PLANTED.values() for v in values]
    for parquet in (workbook.processed / "planted").glob("*.parquet"):
        cells = " | ".join(map(str, pd.read_parquet(parquet).to_numpy().ravel()))
        assert not [v for v in planted if v in cells], parquet.name  # digests and redacted text only


def test_the_leak_check_stops_an_order_the_redactor_cannot_clean(inputs, workbook):
    orders = write(inputs / "orders.yaml", ORDER.format(id="leaky", extra=LEAKY_QUESTION))
    report = run_orders(orders, workbook, workers=1, log=lambda *_: None)
    outcome = report.outcomes[0]
    assert outcome.status == "failed"
    assert outcome.error.startswith("LeakError: the leak check found identifying data")
    assert "deck.pptx:ppt/slides/" in outcome.error and "phone number" in outcome.error
    assert "12 34 56 78" not in outcome.error  # the kind and the file, never the value
    folder = workbook.reports / "leaky"
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "run.log"]
    assert json.loads((folder / "manifest.json").read_text())["status"] == "failed"
    assert "12 34 56 78" not in (workbook.reports / "index.html").read_text()
