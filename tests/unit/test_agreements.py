"""Agreements (ingest.agreements): read and checked with file/line/fix, shown first on the
follow-up's deck ("Det aftalte vi sidst", before "Hvad har ændret sig?") and in its report,
and never a person's name."""

from __future__ import annotations

import datetime as dt

import pytest
from pptx import Presentation

from kiap_analysis.core.errors import InputError
from kiap_analysis.core.identifiers import Watchlist
from kiap_analysis.ingest.agreements import Agreement, agreement_problems, looks_like_a_person, read_agreements
from kiap_analysis.present import report
from kiap_analysis.run.notebook import OrderRun

from conftest import TINY_SPEC, write

SURVEY = """Respondent;Navn;Status;q1;q2_tlf;q2_brev;q2_andet;q3
1;Ane Testesen;Gennemført;Enig;1;1;0;
2;Bent Testesen;Gennemført;Uenig;0;1;0;
3;Cille Testesen;Gennemført;Enig;1;0;0;Fint
4;Dorte Testesen;Gennemført;Ved ikke;1;0;1;
5;Erik Testesen;Gennemført;Hverken eller;0;0;1;
6;Frida Testesen;Gennemført;Enig;1;0;0;
"""

ORDERS = """
orders:
  - id: base
    cluster: Testklyngen
    municipality: Test Kommune
    package: tiny.yaml
    survey: survey_2025.csv
    invited: 8
    period: {start: 2025-01-01, end: 2025-12-31}
  - id: follow
    cluster: Testklyngen
    municipality: Test Kommune
    package: tiny.yaml
    round: follow-up
    baseline: base
    survey: survey_2026.csv
    invited: 8
    period: {start: 2026-01-01, end: 2026-12-31}
    agreements: aftaler.yaml
"""

AGREEMENTS = """agreements:
  - what: Kommunen sender en oversigt over tilbuddene
    who: Kommunen
    by: 2025-04-01
  - hvad: Henvisninger sendes som korrespondance
    hvem: Klyngeformanden
"""


@pytest.fixture
def orders(tmp_path, workbook):
    write(tmp_path / "tiny.yaml", TINY_SPEC)
    write(tmp_path / "survey_2025.csv", SURVEY)
    write(tmp_path / "survey_2026.csv", SURVEY)
    write(tmp_path / "aftaler.yaml", AGREEMENTS)
    return write(tmp_path / "orders.yaml", ORDERS)


def test_reads_what_who_and_by(tmp_path):
    path = write(tmp_path / "a.yaml", AGREEMENTS)
    first, second = read_agreements(path, "a.yaml")
    assert (first.what, first.who, first.by, first.line) == (
        "Kommunen sender en oversigt over tilbuddene", "Kommunen", dt.date(2025, 4, 1), 2)
    assert first.text() == "Kommunen sender en oversigt over tilbuddene – Kommunen, senest 1.4.2025"
    assert second.text() == "Henvisninger sendes som korrespondance – Klyngeformanden"


def test_each_problem_names_file_line_and_fix(tmp_path):
    path = write(tmp_path / "a.yaml", "agreements:\n  - what: Noget\n    by: 1. april\n  - who: KiAP\n"
                                      "    hvornaar: 2025-01-01\n    owner: x\n")
    with pytest.raises(InputError) as caught:
        read_agreements(path, "a.yaml")
    said = [(p.line, p.message, p.fix) for p in caught.value.problems]
    assert said == [
        (2, "agreement 1 has no 'who'", "add 'who:' with who does it (a role: Kommunen, Klyngeformanden)"),
        (3, "agreement 1: 'by' is not a date", "write the date as YYYY-MM-DD, e.g. by: 2025-06-01, or leave "
            "'by' out"),
        (6, "agreement 2 has an unknown field 'owner'", "use what, who and by (or hvad, hvem, hvornår)"),
        (4, "agreement 2 has no 'what'", "add 'what:' with what is to be done"),
    ]
    assert all(p.file == "a.yaml" for p in caught.value.problems)
    write(path, "aftaler: []\n")
    with pytest.raises(InputError, match="expected a non-empty list 'agreements:'"):
        read_agreements(path, "a.yaml")


def test_owners_are_roles_not_people():
    assert not looks_like_a_person("Kommunen", frozenset())
    assert not looks_like_a_person("Klyngeformanden og Praksiskonsulenten", frozenset())
    assert not looks_like_a_person("Fjordby Kommune", frozenset({"Fjordby", "Kommune"}))
    assert looks_like_a_person("Anna Hansen", frozenset())
    assert looks_like_a_person("Kommunen v. Jens Kvistgaard", frozenset())
    from kiap_analysis.ingest.agreements import Agreement

    known = Watchlist(names=frozenset({"Solbakken"}))
    problems = agreement_problems([Agreement("Ring til Solbakken", "Kommunen", None, 3),
                                   Agreement("Skriv på anna@klinik.dk", "Mette Berg", None, 7)], known,
                                  frozenset(), "a.yaml")
    assert [(p.line, p.message) for p in problems] == [
        (3, "agreement 1: 'what' holds name (the agreements are shown on the deck and report)"),
        (7, "agreement 2: 'what' holds email (the agreements are shown on the deck and report)"),
        (7, "agreement 2: 'who' looks like a person's name (not quoted here); a person's name is not published"),
    ]
    assert all("Mette" not in p.message and "Solbakken" not in p.message for p in problems)


def test_the_follow_up_opens_with_the_agreements(orders, tmp_path):
    run = OrderRun("follow", orders, tmp_path / "out")
    run.export()
    slides = Presentation(str(tmp_path / "out" / "follow" / "deck.pptx")).slides
    second = slides[1]
    texts = [p.text for shape in second.shapes if shape.has_text_frame for p in shape.text_frame.paragraphs]
    assert texts[0] == "Det aftalte vi sidst"
    assert texts[1:3] == ["Kommunen sender en oversigt over tilbuddene – Kommunen, senest 1.4.2025",
                          "Henvisninger sendes som korrespondance – Klyngeformanden"]
    assert slides[2].shapes.title.text == "Hvad har ændret sig?"
    page = report.title_html(run.content)
    assert page.index("Det aftalte vi sidst") < page.index("Hvad har ændret sig?")
    assert "Henvisninger sendes som korrespondance – Klyngeformanden" in page


def test_a_person_as_owner_stops_the_order(orders, tmp_path):
    write(tmp_path / "aftaler.yaml", "agreements:\n  - what: Ring til kommunen\n    who: Bent Testesen\n")
    with pytest.raises(InputError) as caught:
        OrderRun("follow", orders, tmp_path / "out")
    messages = [str(p) for p in caught.value.problems]
    assert any("aftaler.yaml, line 2: agreement 1: 'who' holds name" in m for m in messages), messages
    assert all("Bent" not in m for m in messages)


def _sheet(path, rows, title=None):
    """The aftaler.xlsx kiap prepare writes, filled with ``rows`` under its header."""
    import openpyxl

    from kiap_analysis.run.data_request import agreements_workbook

    path.write_bytes(agreements_workbook())
    book = openpyxl.load_workbook(path)
    sheet = book["Aftaler"]
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            sheet.cell(number, column).value = value
    if title:
        sheet.title = title
    book.save(path)
    return path


def test_the_prepared_sheet_aftaler_reads_like_the_yaml(tmp_path):
    path = _sheet(tmp_path / "aftaler.xlsx", [
        ("Kommunen sender en oversigt over tilbuddene", "Kommunen", dt.datetime(2025, 4, 1)),
        (None, None, None),  # an empty row is skipped
        ("Henvisninger sendes som korrespondance", "Klyngeformanden", None),
        ("Klyngen drøfter tallene", "Klyngen", "2025-10-01")])
    first, second, third = read_agreements(path, "aftaler.xlsx")
    assert (first.what, first.who, first.by, first.sheet, first.line) == (
        "Kommunen sender en oversigt over tilbuddene", "Kommunen", dt.date(2025, 4, 1), "Aftaler", 2)
    assert first.text() == "Kommunen sender en oversigt over tilbuddene – Kommunen, senest 1.4.2025"
    assert second.text() == "Henvisninger sendes som korrespondance – Klyngeformanden" and second.line == 4
    assert third.by == dt.date(2025, 10, 1)
    problems = agreement_problems([first], Watchlist(), frozenset(), "aftaler.xlsx")
    assert problems == []
    [person] = agreement_problems([Agreement("x", "Mette Berg", None, 5, "Aftaler")], Watchlist(), frozenset(), "a")
    assert person.location() == "a, sheet 'Aftaler', row 5"


def test_each_problem_on_the_sheet_names_its_row(tmp_path):
    path = _sheet(tmp_path / "a.xlsx", [("Noget", None, None), ("Andet", "KiAP", "1. april")])
    with pytest.raises(InputError) as caught:
        read_agreements(path, "a.xlsx")
    assert [p.location() + ": " + p.message for p in caught.value.problems] == [
        "a.xlsx, sheet 'Aftaler', row 2: agreement 1 has no 'who'",
        "a.xlsx, sheet 'Aftaler', row 3: agreement 2: 'by' is not a date"]
    with pytest.raises(InputError, match="the sheet 'Aftaler' holds no agreements"):
        read_agreements(_sheet(tmp_path / "b.xlsx", []), "b.xlsx")
    with pytest.raises(InputError, match="the workbook has no sheet 'Aftaler' for the agreements"):
        read_agreements(_sheet(tmp_path / "c.xlsx", [("Noget", "KiAP", None)], title="Ark1"), "c.xlsx")
    import openpyxl

    book = openpyxl.load_workbook(path)
    book["Aftaler"]["B1"].value = "Ansvarlig"
    book.save(tmp_path / "d.xlsx")
    with pytest.raises(InputError) as caught:
        read_agreements(tmp_path / "d.xlsx", "d.xlsx")
    assert [p.message for p in caught.value.problems] == [
        "the column 'Ansvarlig' is not Hvad, Hvem or Senest", "the sheet has no column 'Hvem'"]


def test_the_follow_up_opens_with_the_agreements_of_the_sheet(orders, tmp_path):
    _sheet(tmp_path / "aftaler.xlsx", [("Kommunen sender en oversigt over tilbuddene", "Kommunen",
                                        dt.datetime(2025, 4, 1))])
    write(orders, ORDERS.replace("agreements: aftaler.yaml", "agreements: aftaler.xlsx"))
    run = OrderRun("follow", orders, tmp_path / "out")
    run.export()
    second = Presentation(str(tmp_path / "out" / "follow" / "deck.pptx")).slides[1]
    texts = [p.text for shape in second.shapes if shape.has_text_frame for p in shape.text_frame.paragraphs]
    assert texts == ["Det aftalte vi sidst", "Kommunen sender en oversigt over tilbuddene – Kommunen, senest 1.4.2025"]
    _sheet(tmp_path / "aftaler.xlsx", [("Ring til kommunen", "Bent Testesen", None)])
    with pytest.raises(InputError) as caught:
        OrderRun("follow", orders, tmp_path / "out")
    messages = [str(p) for p in caught.value.problems]
    assert any("aftaler.xlsx, sheet 'Aftaler', row 2: agreement 1: 'who' holds name" in m for m in messages), messages
