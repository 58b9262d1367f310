"""The municipality's referral spreadsheets in their three shapes, and listed patients."""

import datetime as dt

import pytest
from openpyxl import Workbook

from kiap_analysis.core.errors import InputError
from kiap_analysis.core.orders import Period
from kiap_analysis.core.spec import load_catalogue
from kiap_analysis.ingest.referrals import read_listed_patients, read_referrals

from conftest import write

OFFERS = load_catalogue()["forebyggelse-rehabilitering"].offers
YEAR = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def xlsx(path, rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def counts(ingest):
    return {(r.ydernummer, r.offer): r.referrals for r in ingest.counts.itertuples()}


def test_long_shape_with_title_rows_total_row_and_numeric_ydernummer(tmp_path):
    path = xlsx(tmp_path / "long.xlsx", [
        ["Henvisninger 2025"], ["Kilde: kommunens omsorgssystem"], [],
        ["Ydernummer", "Praksisnavn", "Tilbud", "Antal henvisninger"],
        [12345, "Lægerne Testvej", "KOL", 3],           # Excel dropped the leading zero of 012345
        [12345, "Lægerne Testvej", "Kronisk obstruktiv lungesygdom", 2],
        ["234567", "Lægehuset Prøve", "  type 2-diabetes ", "1.234"],
        ["234567", "Lægehuset Prøve", "Hjerterehabilitering", None],
        ["I alt", "", "", 1239],
    ])
    ingest = read_referrals(path, OFFERS, None, "long.xlsx")
    assert counts(ingest) == {("012345", "KOL"): 5, ("234567", "Diabetes"): 1234,
                              ("234567", "Hjertesygdom"): 0}
    assert ingest.dropped == [(9, "total row")]
    assert ingest.unknown_offers == [] and ingest.shape.startswith("lang")
    assert ingest.practice_names["012345"] == "Lægerne Testvej"


def test_wide_shape_blank_is_zero_and_unknown_offer_is_kept(tmp_path):
    text = """
    Ydernr.;Diabetes;KOL;Lær at tackle;Total
    012345;2;;1;3
    234567;1.001;4;0;1.005
    Total;1.003;4;1;1.008
    """
    ingest = read_referrals(write(tmp_path / "wide.csv", text, "cp1252"), OFFERS, None, "wide.csv")
    assert counts(ingest) == {("012345", "Diabetes"): 2, ("012345", "KOL"): 0, ("012345", "Lær at tackle"): 1,
                              ("234567", "Diabetes"): 1001, ("234567", "KOL"): 4,
                              ("234567", "Lær at tackle"): 0}
    assert ingest.unknown_offers == ["Lær at tackle"]
    assert any("Lær at tackle" in w.message for w in ingest.warnings)


def test_one_row_per_referral_is_counted_within_the_period(tmp_path):
    path = xlsx(tmp_path / "rows.xlsx", [
        ["Henvisningsdato", "Ydernummer", "Forløb", "CPR"],
        [dt.datetime(2025, 1, 1), "012345", "KOL", "010101-1234"],
        [dt.datetime(2025, 12, 31), "012345", "KOL", "020202-2345"],
        ["31-12-2024", "012345", "KOL", "030303-3456"],  # before the period
        ["15.06.2025", "234567", "Kræft", "040404-4567"],
    ])
    ingest = read_referrals(path, OFFERS, YEAR, "rows.xlsx")
    assert counts(ingest) == {("012345", "KOL"): 2, ("234567", "Kræft"): 1}
    assert ingest.dropped == [(4, "outside the period")]
    assert "CPR" not in ingest.counts.columns
    with pytest.raises(InputError, match="no period"):
        read_referrals(path, OFFERS, None, "rows.xlsx")


def test_bad_cells_name_row_and_column(tmp_path):
    text = "Ydernummer;Tilbud;Antal\n012345;KOL;tre\nLægerne X;KOL;1\n"
    with pytest.raises(InputError) as info:
        read_referrals(write(tmp_path / "bad.csv", text), OFFERS, None, "bad.csv")
    problems = info.value.problems
    assert [(p.row, p.column, p.message) for p in problems] == [
        (2, "Antal", "expected a whole number, got text"),
        (3, "Ydernummer", "expected a ydernummer (digits only) in the practice column")]
    assert all("Lægerne X" not in str(p) and "tre" not in p.message for p in problems)  # no cell is echoed


def test_listed_patients_danish_thousands_blank_and_zero(tmp_path):
    text = """
    Tilmeldte patienter pr. 1. januar 2025

    Ydernummer;Praksis;Tilmeldte patienter
    12345;Lægerne Testvej;1.600
    234567;Lægehuset Prøve;
    345678;Lægerne Nul;0
    I alt;;1.600
    """
    listed = read_listed_patients(write(tmp_path / "listed.csv", text), "listed.csv")
    values = dict(zip(listed.listed["ydernummer"], listed.listed["listed_patients"], strict=True))
    assert values["012345"] == 1600 and values["345678"] == 0
    assert values["234567"] is __import__("pandas").NA
    assert listed.dropped == [(7, "total row")]
    assert listed.practice_names == {"012345": "Lægerne Testvej", "234567": "Lægehuset Prøve",
                                     "345678": "Lægerne Nul"}


def test_a_workbook_that_opens_with_a_notes_sheet(tmp_path):
    book = Workbook()
    notes = book.active
    notes.title = "Læs mig"
    notes.append(["Udtræk af henvisninger, se fanen Data"])
    data = book.create_sheet("Data")
    for row in (["Ydernummer", "Tilbud", "Antal"], ["012345", "KOL", 7], ["012345", "Diabetes", 2]):
        data.append(row)
    listed = book.create_sheet("Tilmeldte")
    for row in (["Ydernummer", "Tilmeldte patienter"], ["012345", 1800]):
        listed.append(row)
    book.save(tmp_path / "two.xlsx")
    ingest = read_referrals(tmp_path / "two.xlsx", OFFERS, None, "two.xlsx")
    assert counts(ingest)[("012345", "KOL")] == 7 and counts(ingest)[("012345", "Diabetes")] == 2
    # The listed-patients reader skips both sheets before its own (the referral sheet has no listed column).
    patients = read_listed_patients(tmp_path / "two.xlsx", "two.xlsx")
    assert patients.listed["listed_patients"].tolist() == [1800]
    with pytest.raises(InputError, match=r"no header row .* \(on none of the 2 sheets\)"):
        only_notes = Workbook()
        only_notes.active.append(["Ingen data"])
        only_notes.create_sheet("Tom").append(["Heller ikke her"])
        only_notes.save(tmp_path / "notes.xlsx")
        read_referrals(tmp_path / "notes.xlsx", OFFERS, None, "notes.xlsx")


@pytest.mark.parametrize("count_header", ["Henvisninger", "Count", "Antal henvisninger", "Antal"])
def test_long_shape_count_column_names(tmp_path, count_header):
    path = write(tmp_path / "long.csv", f"Ydernummer;Tilbud;{count_header}\n012345;KOL;7\n")
    assert counts(read_referrals(path, OFFERS, None, "long.csv")) == {("012345", "KOL"): 7}


def test_a_listed_patients_sheet_before_the_referrals_is_skipped(tmp_path):
    book = Workbook()
    book.active.title = "Tilmeldte"
    for row in (["Ydernummer", "Antal tilmeldte"], ["012345", 1800]):
        book.active.append(row)
    data = book.create_sheet("Henvisninger")
    for row in (["Ydernummer", "Tilbud", "Antal"], ["012345", "KOL", 7]):
        data.append(row)
    book.save(tmp_path / "both.xlsx")
    ingest = read_referrals(tmp_path / "both.xlsx", OFFERS, None, "both.xlsx")
    assert counts(ingest) == {("012345", "KOL"): 7}
