"""Planted identifiers through a whole order: none reaches the outputs, and the leak check
stops an order when something slips past the redactor."""

import html
import json

import pandas as pd
import pytest

from kiap_analysis.privacy.leakcheck import scan, texts
from kiap_analysis.privacy.pseudonyms import PseudonymRegister
from kiap_analysis.run.batch import run_orders

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
    parquets = sorted((workbook.processed / "planted").glob("*.parquet"))
    assert parquets  # the processed data is written, and checked below
    for parquet in parquets:
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


# ------------------------------------------ issue 16, "Done when": every place an input can carry one

# Identifiers planted in file names, sheet names, column headers, contact columns, free text,
# the cluster's and municipality's names and cells that make an order fail; none may reach any
# file under reports/ (deck and chart workbooks unzipped, notebook, report, tables, manifest,
# run.log, index.html), nor the processed tables.
EVERYWHERE = ["birkholm", "0101901234", "svarholm", "sekretærsen", "solbakken", "nordlys", "20.30.40.50",
              "048213", "kvistgaard", "20304050", "010190-1234", "strandvejen", "077777", "011111", "planted.one",
              "tlf 21 31 41 51"]
CLUSTER_ORDERS = """
practices:
  Testklyngen: praksis.csv
orders:
  - id: everywhere-forebyg
    cluster: Testklyngen
    municipality: Test Kommune
    package: forebyggelse-rehabilitering
    survey: anna_birkholm_0101901234.csv
    invited: 9
    referrals: henvisninger.xlsx
    listed_patients: tilmeldte.csv
    names: navne.txt
    period: {start: 2025-01-01, end: 2025-12-31}
  - id: everywhere-akut
    cluster: Testklyngen
    municipality: Test Kommune
    package: tiny.yaml
    survey: svar.xlsx
    invited: 9
  - id: everywhere-count
    cluster: Testklyngen
    municipality: Test Kommune
    package: forebyggelse-rehabilitering
    survey: anna_birkholm_0101901234.csv
    invited: 9
    referrals: forkert.csv
    listed_patients: tilmeldte.csv
    period: {start: 2025-01-01, end: 2025-12-31}
  - id: everywhere-status
    cluster: Testklyngen
    municipality: Test Kommune
    package: tiny.yaml
    survey: status.csv
    invited: 9
  - id: everywhere-names
    cluster: "Klynge 010190-1234"
    municipality: "Kommune tlf 20304050"
    package: tiny.yaml
    survey: status.csv
    invited: 9
"""
AKUT_TEXTS = [
    "Solbakken henviser mest",  # the cluster's practice, from another order's referral file
    "Lægerne Nordlys henviser mindst",  # unknown, written like a practice's name
    "spørg Strandvejen om det",  # a practice only the cluster's roster names
    "praksis 077777 og 011111 svarer hurtigt",  # the roster's and another order's ydernumre
    "ring 20.30.40.50 eller skriv til svarholm",  # dotted phone, a respondent's surname in lower case
    "Svarholms forslag og sag_0101901234 og ydernr 048213",  # possessive, '_'-prefixed CPR, foreign ydernummer
]


def _xlsx(path, sheet: str, rows: list[list]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = sheet
    for row in rows:
        book.active.append(row)
    book.save(path)


@pytest.fixture
def everywhere(tmp_path, workbook):
    folder = tmp_path / "in"
    write(folder / "tiny.yaml", TINY_SPEC)
    # the file name holds a respondent's name and a CPR number; two headers hold identifiers
    survey = SURVEY.replace("Respondent;Navn;E-mail;Status;q1;q3", "Respondent;Navn;E-mail;Status;q1;q3;"
                            "Noter om Birkholm;tlf 21 31 41 51")
    survey = "\n".join(line + (";x;y" if i else "") for i, line in enumerate(survey.splitlines()))
    survey = survey.replace("Planted Respondentsen", "Anna Birkholm")
    write(folder / "anna_birkholm_0101901234.csv", survey + "\n")
    # the referral workbook's sheet is named after a name on the order's list
    _xlsx(folder / "henvisninger.xlsx", "Karen Sekretærsen",
          [line.split(";") for line in REFERRALS.strip().splitlines()])
    write(folder / "tilmeldte.csv", LISTED)
    write(folder / "navne.txt", "Navn\nKaren Sekretærsen\n")
    write(folder / "praksis.csv", "Ydernummer;Praksisnavn\n077777;Klinik Strandvejen\n011111;Lægerne Solbakken\n")
    # a survey-only order: its sheet is a respondent's name, its contact column 'id' holds a practice's name
    rows = [["id", "Navn", "Status", "q1", "q3"]]
    rows += [["Lægerne Solbakken" if i % 2 else "Klinik Havblik", "Mette Svarholm" if i % 2 else "Jens Hansen",
              "Gennemført", "Enig", text] for i, text in enumerate(AKUT_TEXTS)]
    _xlsx(folder / "svar.xlsx", "Mette Svarholm", rows)
    # error-provoking cells: a count that is a note with a name and a phone number, a status that is a name
    write(folder / "forkert.csv", "Ydernummer;Diabetes;KOL\n011111;12;ring Jens Kvistgaard 20304050\n022222;9;7\n")
    write(folder / "status.csv", "Respondent;Status;q1\n1;Gennemført;Enig\n2;Jens Kvistgaard;Enig\n")
    return folder


def test_identifiers_planted_everywhere_reach_no_published_file(everywhere, workbook):
    orders = write(everywhere / "orders.yaml", CLUSTER_ORDERS)
    report = run_orders(orders, workbook, workers=1, log=lambda *_: None)
    status = {o.order_id: (o.status, o.error) for o in report.outcomes}
    assert status["everywhere-forebyg"] == ("ok", "") and status["everywhere-akut"] == ("ok", "")
    assert {status[i][0] for i in ("everywhere-count", "everywhere-status", "everywhere-names")} == {"failed"}
    assert report.index_hits == []
    leaks = [(name, value) for name, text in texts(workbook.reports) for value in EVERYWHERE
             if value in " ".join(text.split()).casefold()]
    assert leaks == []
    for folder in (workbook.processed / "everywhere-forebyg", workbook.processed / "everywhere-akut"):
        parquets = sorted(folder.glob("*.parquet"))
        assert parquets, folder.name
        for parquet in parquets:
            cells = " | ".join(map(str, pd.read_parquet(parquet).to_numpy().ravel())).casefold()
            assert [v for v in EVERYWHERE if v in cells] == [], parquet.name
    # The place instead of the value, and the file and sheet by their aliases.
    count_error = status["everywhere-count"][1]
    assert "forkert.csv, row 2, column 'KOL': expected a whole number, got text" in count_error
    assert "row 3, column 'B': a status (text) in 1 row(s) is not understood" in status["everywhere-status"][1]
    assert "'cluster' holds what looks like a CPR number" in status["everywhere-names"][1]
    manifest = json.loads((workbook.reports / "everywhere-forebyg" / "manifest.json").read_text())
    assert [i["path"] for i in manifest["inputs"]][:2] == ["fil 1", "henvisninger.xlsx"]
    assert manifest["disclosure"]["mode"] == "standard"
    akut = html.unescape((workbook.reports / "everywhere-akut" / "report.html").read_text())
    assert "almindelig tabel (Excel, ark 'ark 1')" in akut
    assert "[navn] henviser mest" in akut and "spørg [navn] om det" in akut
    assert "praksis [ydernummer] og [ydernummer] svarer hurtigt" in akut
    forebyg = html.unescape((workbook.reports / "everywhere-forebyg" / "report.html").read_text())
    assert "kolonnen 'Noter om [navn]' passer ikke til nogen af pakkens spørgsmål" in forebyg
    names = json.loads((workbook.reports / "everywhere-names" / "manifest.json").read_text())
    assert names["cluster"] == "Klynge [CPR]" and names["municipality"] == "Kommune tlf [telefon]"
    # The real names are in the private log only.
    log = (workbook.private / "logs" / "everywhere-forebyg.places.log").read_text()
    assert "fil 1 = anna_birkholm_0101901234.csv" in log and "ark 1 = Karen Sekretærsen" in log
    assert (workbook.private / "logs" / "everywhere-akut.places.log").read_text() == "ark 1 = Mette Svarholm\n"


def test_an_error_message_holding_data_keeps_the_old_index_and_says_so(inputs, workbook):
    """A manifest is leak-checked before it is published; the index before it replaces the old one."""
    from kiap_analysis.core.orders import load_orders
    from kiap_analysis.present.index import write_index
    from kiap_analysis.run.batch import index_leaks

    orders = write(inputs / "orders.yaml", ORDER.format(id="planted", extra=""))
    assert run_orders(orders, workbook, workers=1, log=lambda *_: None).outcomes[0].status == "ok"
    before = (workbook.reports / "index.html").read_text()
    manifest_path = workbook.reports / "planted" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["warnings"] = ["a warning that quotes Lægerne Solbakken"]  # as an older version might have written
    manifest_path.write_text(json.dumps(manifest))
    hits = write_index(workbook.reports, check=lambda page: index_leaks(page, load_orders(orders), workbook))
    assert [(h.file, h.kind) for h in hits] == [("index.html", "name"), ("index.html", "practice name")]
    assert (workbook.reports / "index.html").read_text() == before
