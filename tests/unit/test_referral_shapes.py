"""Referral and listed-patients files that must stop an order rather than become zeros or
doubled counts (issue 13): header only, a repeated practice row, formula cells without a
stored result, text in a count column."""

import pytest
from openpyxl import Workbook

from kiap_analysis.core.errors import InputError
from kiap_analysis.core.spec import load_catalogue
from kiap_analysis.ingest.referrals import read_listed_patients, read_referrals

from conftest import write

OFFERS = load_catalogue()["forebyggelse-rehabilitering"].offers


def xlsx(path, rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def problems(read) -> list[tuple]:
    with pytest.raises(InputError) as info:
        read()
    return [(p.row, p.column, p.message) for p in info.value.problems]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_header_only_file_is_an_error(tmp_path, suffix):
    header = ["Ydernummer", "Diabetes", "KOL"]
    path = xlsx(tmp_path / "h.xlsx", [header]) if suffix == ".xlsx" else write(tmp_path / "h.csv", ";".join(header))
    assert problems(lambda: read_referrals(path, OFFERS, None, path.name)) == [
        (1, None, "the referral file has a header row but no rows of data below it")]
    listed = write(tmp_path / "t.csv", "Ydernummer;Tilmeldte\n")
    assert problems(lambda: read_listed_patients(listed, "t.csv")) == [
        (1, None, "the listed-patients file has a header row but no rows of data below it")]


def test_a_repeated_practice_row_in_a_wide_sheet_is_an_error(tmp_path):
    text = "Ydernr.;Diabetes;KOL\n012345;21;3\n234567;4;5\n012345;21;3\n"
    assert problems(lambda: read_referrals(write(tmp_path / "w.csv", text), OFFERS, None, "w.csv")) == [
        (4, "Ydernr.", "the practice already has a row (row 2): a repeated row would be added up")]


def test_a_repeated_practice_and_offer_in_a_long_sheet_is_an_error(tmp_path):
    text = "Ydernummer;Tilbud;Antal\n012345;KOL;7\n012345;Diabetes;2\n012345;kol ;7\n"
    [(row, column, message)] = problems(lambda: read_referrals(write(tmp_path / "l.csv", text), OFFERS, None, "l"))
    assert (row, column) == (4, "Ydernummer")
    assert message == "the practice already has a row for the same offer (row 2): a repeated row would be added up"
    # two names of one offer (aliases) are two rows, added up as documented
    text = "Ydernummer;Tilbud;Antal\n012345;KOL;7\n012345;Kronisk obstruktiv lungesygdom;2\n"
    ingest = read_referrals(write(tmp_path / "a.csv", text), OFFERS, None, "a.csv")
    assert ingest.counts.values.tolist() == [["012345", "KOL", 9]]


def test_a_formula_without_a_stored_result_is_an_error(tmp_path):
    # openpyxl stores formulas without calculating them: no cached value, as some exporters do
    path = xlsx(tmp_path / "f.xlsx", [["Ydernummer", "Tilbud", "Antal"], ["012345", "KOL", 29],
                                       ["234567", "KOL", "=B2*0+29"]])
    assert problems(lambda: read_referrals(path, OFFERS, None, "f.xlsx")) == [
        (3, "Antal", "the cell holds a formula whose result the file does not store, so its value cannot be read")]
    listed = xlsx(tmp_path / "t.xlsx", [["Ydernummer", "Tilmeldte"], ["012345", "=1000+600"]])
    [(row, column, _)] = problems(lambda: read_listed_patients(listed, "t.xlsx"))
    assert (row, column) == (2, "Tilmeldte")


def test_text_in_a_count_column_is_an_error(tmp_path):
    # 'Diabetes (ny)' names no offer, but holds counts: an offer of its own, whose text cell is an error
    text = "Ydernr.;Diabetes (ny);KOL;Bemærkning\n012345;5;1;ring\n234567;ca. 20;2;\n345678;7;1;\n"
    assert problems(lambda: read_referrals(write(tmp_path / "t.csv", text), OFFERS, None, "t.csv")) == [
        (3, "Diabetes (ny)", "expected a whole number, got text")]
    # an error cell of Excel is not a blank (0)
    path = xlsx(tmp_path / "e.xlsx", [["Ydernummer", "Tilbud", "Antal"], ["012345", "KOL", "#DIV/0!"]])
    assert problems(lambda: read_referrals(path, OFFERS, None, "e.xlsx")) == [
        (2, "Antal", "expected a whole number, got '#DIV/0!'")]


def test_collect_returns_the_rows_read_with_the_errors(tmp_path):
    text = "Ydernummer;Tilbud;Antal\n012345;KOL;7\n012345;KOL;7\nI alt;;14\n"
    ingest = read_referrals(write(tmp_path / "c.csv", text), OFFERS, None, "c.csv", collect=True)
    assert ingest.rows_read == 3 and ingest.dropped == [(4, "total row")]
    assert [p.row for p in ingest.errors] == [3]
    assert ingest.counts.values.tolist() == [["012345", "KOL", 7]]  # the repeat is not added
