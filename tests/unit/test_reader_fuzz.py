"""Property: whatever bytes or shapes the readers get, they return or raise InputError."""

import datetime as dt
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from kiap_analysis.core.errors import InputError
from kiap_analysis.core.orders import Period
from kiap_analysis.core.spec import load_catalogue
from kiap_analysis.ingest.referrals import read_listed_patients, read_referrals
from kiap_analysis.ingest.survey import read_survey

SPEC = load_catalogue()["akutfunktioner"]
OFFERS = load_catalogue()["forebyggelse-rehabilitering"].offers
PERIOD = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
# FUZZ_EXAMPLES=500 explores further than the suite's default.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 60)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

# Cells that look like what these files hold, plus junk.
WORDS = ["q1", "q2_akut", "q7", "Ydernummer", "Tilbud", "Antal", "Diabetes", "KOL", "I alt", "Status",
         "Gennemført", "Ved ikke", "Godt", "Henvisningsdato", "Tilmeldte", "respondentid", "s_1", "statoverall",
         "variableName", "questionText", "subType", "Multiple", "Single", "Valgt", "1.234", "012345", "Ã¸"]
cell = st.one_of(st.sampled_from(WORDS), st.text(max_size=12), st.integers(-5, 10**7),
                 st.floats(allow_nan=True, allow_infinity=True), st.none(),
                 st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)))
grid = st.lists(st.lists(cell, min_size=0, max_size=7), min_size=0, max_size=9)


def readers(path: Path):
    yield lambda: read_survey(path, SPEC)
    yield lambda: read_referrals(path, OFFERS, PERIOD, path.name)
    yield lambda: read_listed_patients(path, path.name)


def only_input_errors(path: Path) -> None:
    for read in readers(path):
        try:
            read()
        except InputError as exc:
            assert exc.problems and all(p.file for p in exc.problems)


def _excel_value(value):
    """What a worksheet can hold: no NaN/inf, no control characters."""
    if isinstance(value, float) and (value != value or abs(value) == float("inf")):
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _text(value) -> str:
    return "" if value is None else str(value)


@FUZZ
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx", ".txt", ".xls", ".pdf"]))
def test_arbitrary_bytes(data, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        only_input_errors(path)


@FUZZ
@given(rows=grid, delimiter=st.sampled_from([";", ",", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
def test_arbitrary_csv_shapes(rows, delimiter, encoding):
    text = "\n".join(delimiter.join(_text(v) for v in row) for row in rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.csv"
        path.write_bytes(text.encode(encoding, errors="replace"))
        only_input_errors(path)


@FUZZ
@given(rows=grid, sheets=st.lists(st.sampled_from(["Dataset", "Dataset (2)", "Structure", "Variables", "Labels",
                                                   "Ark1"]), min_size=1, max_size=4, unique=True))
def test_arbitrary_workbooks(rows, sheets):
    book = Workbook()
    book.remove(book.active)
    for name in sheets:
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append([_excel_value(v) for v in row])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.xlsx"
        book.save(path)
        only_input_errors(path)


@FUZZ
@given(dataset=grid, structure=grid, labels=grid)
def test_arbitrary_surveyxact_folders(dataset, structure, labels):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "export"
        root.mkdir()
        for name, rows in (("dataset", dataset), ("structure", structure), ("labels", labels)):
            (root / f"{name}.csv").write_text("\n".join(";".join(_text(v) for v in r) for r in rows),
                                              encoding="utf-8")
        only_input_errors(root)
