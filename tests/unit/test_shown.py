"""Messages name a cell by its place and kind; file and sheet names holding an identifier are
published by their aliases; errors whose text may hold data are published by their type."""

import datetime as dt

import pytest
from openpyxl import Workbook
from papermill.exceptions import PapermillExecutionError

from kiap_analysis.core import shown
from kiap_analysis.core.errors import Problem
from kiap_analysis.core.identifiers import Watchlist
from kiap_analysis.core.orders import load_orders
from kiap_analysis.core.spec import load_catalogue
from kiap_analysis.ingest.cells import CellError, parse_count, parse_date
from kiap_analysis.ingest.places import order_places
from kiap_analysis.run.execute import _error_message

from conftest import write


@pytest.mark.parametrize(("value", "described"), [
    ("ring Anna Hansen 20304050", "text"), ("20304050", "a number"), ("2,5", "a decimal number"),
    ("1.234", "a number"), ("-3", "a negative number"), (2.5, "a decimal number"), (True, "a true/false value"),
    (dt.date(2025, 1, 1), "a date"), ("", "a blank cell"),
    ("7", "'7'"), ("#DIV/0!", "'#DIV/0!'"),  # a short code and an Excel error are quoted
])
def test_a_value_is_described_by_its_kind_unless_it_is_safe(value, described):
    assert shown.describe(value) == described


def test_a_package_word_may_be_quoted():
    words = shown.package_words(load_catalogue()["forebyggelse-rehabilitering"])
    assert {"Diabetes", "KOL", "I høj grad"} <= words
    assert shown.describe("diabetes ", words) == "'diabetes'"  # compared normalised, shown as written
    assert shown.describe("Lægerne Solbakken", words) == "text"
    assert shown.describe("Lægerne Solbakken", words, danish=True) == "tekst"


def test_cell_errors_never_quote_the_cell():
    with pytest.raises(CellError, match=r"^expected a whole number, got text$"):
        parse_count("ring Anna Hansen 20304050")
    with pytest.raises(CellError, match=r"^expected a date \(e\.g\. 31-12-2025\), got text$"):
        parse_date("Anna Hansen")
    with pytest.raises(CellError, match=r"^a count cannot be negative$"):
        parse_count(-12)


def test_file_and_sheet_names_holding_an_identifier_get_aliases(tmp_path):
    book = Workbook()
    book.active.title = "Data"
    book.create_sheet("Mette Svarholm")
    book.save(tmp_path / "henvisninger.xlsx")
    write(tmp_path / "anna_hansen_0101901234.csv", "Respondent;q1\n1;Enig\n")
    write(tmp_path / "tilmeldte.csv", "Ydernummer;Tilmeldte\n012345;1.600\n")
    orders = write(tmp_path / "orders.yaml", "orders:\n  - id: o\n    cluster: K\n    municipality: M\n"
                   "    package: forebyggelse-rehabilitering\n    survey: anna_hansen_0101901234.csv\n"
                   "    referrals: henvisninger.xlsx\n    listed_patients: tilmeldte.csv\n")
    order = load_orders(orders).order("o")
    places = order_places(orders, [order], Watchlist(names=frozenset({"Mette Svarholm"})))
    problem = Problem("anna_hansen_0101901234.csv", f"see {tmp_path}/anna_hansen_0101901234.csv",
                      sheet="Mette Svarholm")
    masked = places.problem(problem)
    # the CPR number alone makes the survey's name 'fil 1'; the workbook's second sheet is 'ark 2'
    assert (masked.file, masked.message, masked.sheet) == ("fil 1", "see fil 1", "ark 2")
    assert places("henvisninger.xlsx, tilmeldte.csv") == "henvisninger.xlsx, tilmeldte.csv"
    assert places.log_text().splitlines() == ["ark 2 = Mette Svarholm", "fil 1 = anna_hansen_0101901234.csv",
                                              f"fil 1 = {tmp_path}/anna_hansen_0101901234.csv"]


def test_an_unexpected_error_in_the_notebook_is_published_by_its_type():
    own = PapermillExecutionError(0, 1, "InputError: x.csv, row 2: expected a whole number, got text", "InputError",
                                  "x.csv, row 2: expected a whole number, got text", [])
    assert _error_message(own) == "InputError: x.csv, row 2: expected a whole number, got text"
    other = PapermillExecutionError(0, 1, "KeyError: 'Anna Hansen'", "KeyError", "'Anna Hansen'", [])
    message = _error_message(other)
    assert message.startswith("KeyError: an unexpected error in the notebook") and "Anna" not in message


def test_the_orders_own_names_hold_no_identifier_and_disclosure_is_a_known_mode(tmp_path):
    write(tmp_path / "s.csv", "Respondent;q1\n1;Enig\n")
    orders = write(tmp_path / "orders.yaml", "orders:\n"
                   "  - {id: a, cluster: 'Klynge 010190-1234', municipality: 'Tlf 20 30 40 50', package: x.yaml, "
                   "survey: s.csv}\n"
                   "  - {id: b, cluster: Lægerne Solbakkens klynge, municipality: M, package: x.yaml, survey: s.csv, "
                   "disclosure: secret}\n"
                   "  - {id: c, cluster: K, municipality: M, package: x.yaml, survey: s.csv, disclosure: Strict}\n")
    entries = {e.id: e for e in load_orders(orders).entries}
    messages = [p.message for p in entries["a"].problems]
    assert "'cluster' holds what looks like a CPR number: it is printed on every slide and report" in messages
    assert "'municipality' holds what looks like a phone number: it is printed on every slide and report" in messages
    # A name in the cluster's name is the analyst's own text, shown as written; the mode must be known.
    assert [p.message for p in entries["b"].problems if p.column != "package"] == [
        "disclosure 'secret' is not one of standard, strict"]
    assert entries["c"].order.is_strict
