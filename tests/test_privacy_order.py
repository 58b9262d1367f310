"""Planted identifiers through a whole order: none reaches the outputs, and the leak check
stops an order when something slips past the redactor."""

import json

import pandas as pd
import pytest

from kiap_analysis.batch import run_orders
from kiap_analysis.leakcheck import scan, texts
from kiap_analysis.pseudonyms import PseudonymRegister

from conftest import TEST_KEY, TINY_SPEC, write

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


# Every form of an identifier the redactor must know (issue 16, point 2 and the practice-name
# shapes of point 3), planted in free text -> what the report shows in its place.
FORMS = {
    "spørg svarholm om det": "spørg [navn] om det",  # a respondent's surname in lower case
    "Svarholms forslag er godt": "[navn] forslag er godt",  # possessive
    "karen sekretærsens bord": "[navn] bord",  # a listed name, lower case and possessive
    "ring 21.31.41.51": "ring [telefon]", "ring 22 32 42 52": "ring [telefon]", "fax 23-33-43-53": "fax [telefon]",
    "mobil 24344454": "mobil [telefon]", "tlf +45 2535 4555": "tlf [telefon]",
    "se fil_0101901234.pdf": "se fil_[CPR].pdf", "pt x020290-1234": "pt x[CPR]",
    "ydernr 048213 og yder-nr. 048 214": "ydernr [ydernummer] og yder-nr. [ydernummer]",  # no practice of the order
    "praksis 061234 og 61235": "praksis [ydernummer] og [ydernummer]",  # another cluster's registered practices
    "Lægerne Nordlys henviser mest": "[navn] henviser mest",  # unknown, written like a practice's name
    "Dr. Bøgelund svarer aldrig": "[navn] svarer aldrig", "spørg læge Hjortshøj": "spørg [navn]",
}
KNOWN_PRACTICE_FORMS = {"Solbakkens læger er travle": "[navn] læger er travle",
                        "lægerne solbakken igen": "[navn] igen"}
PLANTED_FORMS = ["svarholm", "sekretærsen", "21.31.41.51", "22 32 42 52", "23-33-43-53", "24344454", "2535 4555",
                 "0101901234", "020290-1234", "048213", "048 214", "061234", "61235", "nordlys", "bøgelund",
                 "hjortshøj", "solbakken"]
TINY_ORDER_FOR_FORMS = """
  - id: forms-survey
    cluster: Testklyngen
    municipality: Test Kommune
    package: tiny.yaml
    survey: survey_tiny.csv
    invited: 20
    names: navne.txt
"""


def _survey(question: str, answers: list[str]) -> str:
    people = ["Mette Svarholm", "Planted Respondentsen"]
    rows = [f"{i};{people[i % 2]};p{i}@example.invalid;Gennemført;{question};{text}"
            for i, text in enumerate(answers, start=1)]
    return "Respondent;Navn;E-mail;Status;q1;q3\n" + "\n".join(rows) + "\n"


def test_every_form_of_an_identifier_is_redacted_in_every_output(inputs, workbook):
    # Another cluster's practices, registered by an earlier order.
    PseudonymRegister(workbook.private, "Andenklyngen", TEST_KEY.encode()).assign(["061234", "061235"])
    write(inputs / "survey.csv", _survey("I høj grad", [*FORMS, *KNOWN_PRACTICE_FORMS]))
    write(inputs / "survey_tiny.csv", _survey("Enig", list(FORMS)))
    write(inputs / "tiny.yaml", TINY_SPEC)
    orders = write(inputs / "orders.yaml", ORDER.format(id="forms", extra="").replace("invited: 9", "invited: 20")
                   + TINY_ORDER_FOR_FORMS)
    report = run_orders(orders, workbook, workers=1, log=lambda *_: None)
    assert [(o.order_id, o.status, o.error) for o in report.outcomes] == [("forms", "ok", ""),
                                                                         ("forms-survey", "ok", "")]
    leaks = [(name, value) for name, text in texts(workbook.reports) for value in PLANTED_FORMS
             if value in " ".join(text.split()).casefold()]
    assert leaks == []  # deck parts and chart workbooks unzipped, notebook, report, tables, logs
    for order_id, forms in (("forms", FORMS | KNOWN_PRACTICE_FORMS), ("forms-survey", FORMS)):
        html = (workbook.reports / order_id / "report.html").read_text()
        assert [marked for marked in forms.values() if marked not in html] == []  # visibly redacted
        cells = " | ".join(map(str, pd.read_parquet(workbook.processed / order_id / "responses.parquet")
                               .to_numpy().ravel())).casefold()
        assert [v for v in PLANTED_FORMS if v in cells] == []
