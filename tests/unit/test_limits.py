"""Input limits (config.Settings): files too large, workbooks that unpack too far, tables with
too many rows are refused with a clear message before they are parsed."""

import dataclasses
import zipfile

import pytest
from openpyxl import Workbook

from kiap_analysis.core import config
from kiap_analysis.core.config import settings
from kiap_analysis.core.errors import InputError
from kiap_analysis.core.spec import load_catalogue
from kiap_analysis.ingest import tables
from kiap_analysis.ingest.referrals import read_referrals
from kiap_analysis.ingest.survey import read_survey

from conftest import write, write_bomb

OFFERS = load_catalogue()["forebyggelse-rehabilitering"].offers


@pytest.fixture
def no_openpyxl(monkeypatch):
    """Prove a refused workbook is never opened."""
    import openpyxl

    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened a workbook that should have been refused")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def limits(monkeypatch, **changes):
    monkeypatch.setattr(config, "_current", dataclasses.replace(settings(), **changes))


def test_the_documented_limits():
    assert (settings().max_file_bytes, settings().max_xlsx_unpacked_bytes, settings().max_rows) == (
        50_000_000, 200_000_000, 100_000)


def test_a_workbook_that_unpacks_past_the_limit_is_refused_unopened(tmp_path, no_openpyxl):
    path = write_bomb(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 1_000_000
    for read in (lambda: read_survey(path, load_catalogue()["akutfunktioner"], label="bomb.xlsx"),
                 lambda: read_referrals(path, OFFERS, None, "bomb.xlsx")):
        with pytest.raises(InputError) as info:
            read()
        [problem] = info.value.problems
        assert problem.file == "bomb.xlsx"
        assert problem.message.startswith("the workbook unpacks to 201,")
        assert problem.message.endswith("bytes, more than the limit of 200,000,000 bytes; it is not read")
        assert "Size limits" in problem.fix


def test_a_real_workbook_past_a_lower_limit(tmp_path, monkeypatch, no_openpyxl):
    book = Workbook()
    for i in range(2000):
        book.active.append(["012345", "KOL", i])
    book.save(tmp_path / "big.xlsx")
    with zipfile.ZipFile(tmp_path / "big.xlsx") as archive:
        unpacked = sum(i.file_size for i in archive.infolist())
    limits(monkeypatch, max_xlsx_unpacked_bytes=unpacked - 1)
    with pytest.raises(InputError, match=f"the workbook unpacks to {unpacked:,} bytes"):
        read_referrals(tmp_path / "big.xlsx", OFFERS, None, "big.xlsx")


def test_a_file_past_the_byte_limit(tmp_path, monkeypatch):
    path = write(tmp_path / "s.csv", "Ydernummer;Tilbud;Antal\n" + "012345;KOL;1\n" * 20)
    limits(monkeypatch, max_file_bytes=100)
    with pytest.raises(InputError) as info:
        read_referrals(path, OFFERS, None, "s.csv")
    assert info.value.problems[0].message == (
        f"the file has {path.stat().st_size:,} bytes, more than the limit of 100 bytes; it is not read")


def test_tables_past_the_row_limit(tmp_path, monkeypatch):
    limits(monkeypatch, max_rows=5)
    text = write(tmp_path / "s.csv", "Ydernummer;Tilbud;Antal\n" + "".join(f"0123{i:02d};KOL;1\n" for i in range(6)))
    with pytest.raises(InputError, match="the table has 7 rows or more, more than the limit of 5 rows"):
        read_referrals(text, OFFERS, None, "s.csv")
    book = Workbook()
    for i in range(7):
        book.active.append(["012345", "KOL", i])
    book.save(tmp_path / "s.xlsx")
    with pytest.raises(InputError, match="more than the limit of 5 rows"):
        read_referrals(tmp_path / "s.xlsx", OFFERS, None, "s.xlsx")
    ok = write(tmp_path / "ok.csv", "Ydernummer;Tilbud;Antal\n" + "".join(f"0123{i:02d};KOL;1\n" for i in range(4)))
    assert read_referrals(ok, OFFERS, None, "ok.csv").rows_read == 4


def test_formatted_empty_rows_do_not_count(tmp_path, monkeypatch):
    # a sheet formatted far below its data (Excel's used range): only rows holding a value count
    from openpyxl.styles import Font

    limits(monkeypatch, max_rows=5)
    book = Workbook()
    for row in (["Ydernummer", "Tilbud", "Antal"], ["012345", "KOL", 7], ["234567", "KOL", 2]):
        book.active.append(row)
    for row in range(4, 60):
        book.active.cell(row=row, column=1).font = Font(bold=True)
    book.save(tmp_path / "formatted.xlsx")
    table = tables.read_excel_sheet(tmp_path / "formatted.xlsx", "formatted.xlsx")
    assert table.cells.shape == (3, 3)
    assert read_referrals(tmp_path / "formatted.xlsx", OFFERS, None, "formatted.xlsx").rows_read == 2
