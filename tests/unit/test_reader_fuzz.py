"""The readers on bytes and shapes nobody wrote for them, and on damaged files.

Each case says what it must give: a sound result, or the InputError the input calls for (its
message, the file it names, a fix). Any other exception is a bug in a reader and fails the test:
``tables.guarded`` turns only the input's faults into InputErrors (``tables.input_fault``), and a
planted reader bug is shown to surface as itself. The fuzzing is seeded (``derandomize``), so a
run is the same every time; FUZZ_EXAMPLES=500 explores further, FUZZ_RANDOM=1 with fresh seeds.
"""

import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from kiap_analysis.core.errors import InputError
from kiap_analysis.core.orders import Period
from kiap_analysis.core.spec import load_catalogue
from kiap_analysis.ingest import referrals, survey_table, surveyxact, tables
from kiap_analysis.ingest import text as textfile
from kiap_analysis.ingest.names import read_names
from kiap_analysis.ingest.referrals import ListedIngest, ReferralIngest, read_listed_patients, read_referrals
from kiap_analysis.ingest.survey import SurveyIngest, read_survey

from conftest import write

SPEC = load_catalogue()["akutfunktioner"]
OFFERS = load_catalogue()["forebyggelse-rehabilitering"].offers
PERIOD = Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 60)), deadline=None,
                derandomize=not os.environ.get("FUZZ_RANDOM"), database=None,
                suppress_health_check=[HealthCheck.too_slow])

# Cells that look like what these files hold, plus junk.
WORDS = ["q1", "q2_akut", "q7", "Ydernummer", "Tilbud", "Antal", "Diabetes", "KOL", "I alt", "Status",
         "Gennemført", "Ved ikke", "Godt", "Henvisningsdato", "Tilmeldte", "respondentid", "s_1", "statoverall",
         "variableName", "questionText", "subType", "Multiple", "Single", "Valgt", "1.234", "012345", "Ã¸"]
cell = st.one_of(st.sampled_from(WORDS), st.text(max_size=12), st.integers(-5, 10**7),
                 st.floats(allow_nan=True, allow_infinity=True), st.none(),
                 st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)))
grid = st.lists(st.lists(cell, min_size=0, max_size=7), min_size=0, max_size=9)


def mostly(values: list, junk: int = 10) -> st.SearchStrategy:
    """One of ``values``, and one time in ``junk`` any cell."""
    return st.integers(1, junk).flatmap(lambda pick: cell if pick == 1 else st.sampled_from(values))


def rows_of(*columns: list) -> st.SearchStrategy:
    """Rows whose n-th cell is mostly one of ``columns[n]``."""
    return st.lists(st.tuples(*(mostly(values) for values in columns)).map(list), min_size=1, max_size=8)


def table_like(columns: dict[str, list], required: tuple[str, ...] = ()) -> st.SearchStrategy:
    """A table a reader looks for: the ``required`` columns and some others of ``columns``
    (header -> values such a column holds) in any order, under up to two title rows, over rows
    of mostly their values; so the fuzzing gets past the header search into the rows."""
    title = st.lists(st.lists(cell, max_size=2), max_size=2)
    others = st.lists(st.sampled_from(sorted(set(columns) - set(required))), max_size=4, unique=True)
    headers = others.flatmap(lambda more: st.permutations([*required, *more]))
    return st.tuples(title, headers).flatmap(lambda parts: rows_of(*(columns[h] for h in parts[1])).map(
        lambda body: [*parts[0], list(parts[1]), *body]))


YDERNUMRE = ["012345", "12345", 123456, "654321", 987654.0, "I alt", "Total", "Klyngen i alt", "01234X"]
COUNTS = ["3", 4, 0, 7, 12.0, "1.234", "1 234", "-", "", None, -1, 2.5, "#DIV/0!"]
OFFER_NAMES = ["KOL", "Diabetes", "COPD", "Hjerterehabilitering", "Lænderyg", "Ukendt tilbud", ""]
DATES = ["31-12-2025", "2025-06-01", "01.02.2025", "2024-12-31", dt.datetime(2025, 5, 1), 45800, "i går"]
REFERRAL_COLUMNS = {"Ydernummer": YDERNUMRE, "Praksisnavn": ["Lægerne i Byen", "", "I alt"], "Tilbud": OFFER_NAMES,
                    "Antal henvisninger": COUNTS, "Henvisningsdato": DATES, "Diabetes": COUNTS, "KOL": COUNTS,
                    "Kræft": COUNTS, "Bemærkning": ["ok", "", "3"], "Tilmeldte patienter": COUNTS}
REFERRAL_SHAPES = [table_like(REFERRAL_COLUMNS, required) for required in (
    ("Ydernummer", "Tilbud", "Antal henvisninger"),  # long
    ("Ydernummer", "KOL"),  # wide
    ("Ydernummer", "Tilbud", "Henvisningsdato"),  # one row per referral
    ("Ydernummer", "Tilmeldte patienter"),  # listed patients
)]
Q1, Q2, Q7 = (SPEC.question(q) for q in ("q1", "q2", "q7"))
SURVEY_COLUMNS = {"respondentid": ["r1", "r2", "r3", ""], "id": ["1", "1", "2"], "Email": ["a@b.dk", "c@d.dk", ""],
                  "Status": ["Gennemført", "Delvis", "Ny", "1", "0", ""], "q1": [*Q1.categories, ""],
                  Q1.text: [*Q1.categories, "Godt"], "q2_akut": [*Q2.categories, ""], "q2.kronisk": Q2.categories,
                  "q3": ["Ingen", "", "Borgere med demens"], "q7": [*Q7.categories, "; ".join(Q7.categories[:2]), ""],
                  "q7_1": ["0", "1", "x", ""], "q7.2": ["0", "1", "2"], "Navn": ["Anna Hansen", ""]}
# A SurveyXact export's three files: its variables (the dataset's columns), their questions, their codes.
SX_VARIABLES = ["s_1", "s_2", "s_3_1", "s_3_2", "statoverall", "statoverall_1", "statoverall_4", "respondentid",
                "email"]
SX_CODES = ["1", "2", "3", "4", "5", "0"]
SX_STRUCTURE = rows_of(SX_VARIABLES, ["s_1", "s_2", "s_3", "statoverall", "Kontaktoplysninger"],
                       [Q1.text, Q7.text, "Kontaktoplysninger - email", "Samlet status"],
                       ["Single", "Multiple", "String"], SX_CODES, [*Q7.categories, "Gennemført", "Distribueret"]).map(
    lambda body: [["variableName", "questionName", "questionText", "subType", "choiceValue", "choiceText"], *body])
SX_LABELS = rows_of(SX_VARIABLES, SX_CODES,
                    [*Q1.categories, *Q7.categories, "Gennemført", "Distribueret", "Nogen svar"])
SX_DATASET = table_like({name: [*SX_CODES, "", "a@b.dk", "r1"] for name in SX_VARIABLES}, ("respondentid",))
# Hypothesis leans to the first of several strategies: the shapes come before the junk.
shapes = st.one_of(*REFERRAL_SHAPES, table_like(SURVEY_COLUMNS, ("q1",)), grid)

# What each reader says when no row of the file is its header.
NO_HEADER = {
    "survey": "no column header names a question of the package",
    "referrals": "no header row with a practice column (ydernummer) and offers or counts was found",
    "listed": "no header row with a practice column (ydernummer) and a listed-patients column",
}
NOT_TEXT = "cannot read the file as text"
GARBLED = "garbled characters"
NOT_A_WORKBOOK = "cannot open the workbook"
# What a reader says about an exception nobody anticipated (``tables.unreadable``).
UNREADABLE = "the file cannot be read ("
SAVE_AS_XLSX = "save it again from Excel as .xlsx"


def outcomes(path: Path) -> dict[str, object]:
    """Each reader's result for the file, or the InputError it raised; anything else propagates."""
    readers = {
        "survey": lambda: read_survey(path, SPEC),
        "referrals": lambda: read_referrals(path, OFFERS, PERIOD, path.name),
        "listed": lambda: read_listed_patients(path, path.name),
    }
    found = {}
    for name, read in readers.items():
        try:
            found[name] = read()
        except InputError as exc:
            found[name] = exc
    return found


def assert_error(outcome: object, file: str, *starts: str, fix: str | None = None) -> InputError:
    """An InputError whose problems name ``file``, give a fix and (if ``starts``) begin with one of them."""
    assert isinstance(outcome, InputError), f"expected an InputError, got {outcome!r}"
    assert outcome.problems
    for problem in outcome.problems:
        assert problem.file == file or problem.file.startswith(f"{file}/"), problem
        assert problem.severity == "error" and problem.fix, problem
        assert not problem.message.startswith(UNREADABLE), f"an exception no reader anticipated: {problem}"
        if starts:
            assert problem.message.startswith(starts), problem
        if fix is not None:
            assert problem.fix == fix, problem
    return outcome


def assert_sound(name: str, result: object, file: str) -> None:
    """What a reader returns holds together: every row counted, ydernumre of six digits, counts >= 0."""
    if name == "survey":
        assert isinstance(result, SurveyIngest) and result.file == file
        assert result.rows_read == len(result.responses)
        assert all(p.severity == "warning" for p in result.warnings)
        return
    if name == "referrals":
        assert isinstance(result, ReferralIngest) and result.file == file
        counts = result.counts
        assert not counts.duplicated(["ydernummer", "offer"]).any()
        assert (counts["referrals"] >= 0).all()
        ydernumre = counts["ydernummer"]
    else:
        assert isinstance(result, ListedIngest) and result.file == file
        assert not result.listed["ydernummer"].duplicated().any()
        assert (result.listed["listed_patients"].dropna() >= 0).all()
        ydernumre = result.listed["ydernummer"]
    assert all(re.fullmatch(r"\d{6}", y) for y in ydernumre)


def assert_error_or_sound(found: dict[str, object], file: str, lines: int, sheets: tuple[str, ...] = ()) -> None:
    """Per reader: a sound result, or an InputError naming the file with rows inside it (and its
    sheets), never a message about an unanticipated exception or a damaged workbook."""
    for name, outcome in found.items():
        if not isinstance(outcome, InputError):
            assert_sound(name, outcome, file)
            continue
        assert_error(outcome, file)
        for problem in outcome.problems:
            assert not problem.message.startswith((NOT_A_WORKBOOK, "cannot read sheet")), problem
            assert problem.row is None or 1 <= problem.row <= max(lines, 1), problem
            if sheets and problem.sheet is not None:
                assert set(problem.sheet.split(" + ")) <= set(sheets), problem


def _excel_value(value):
    """What a worksheet can hold: no NaN/inf, no control characters."""
    if isinstance(value, float) and (value != value or abs(value) == float("inf")):
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _text(value) -> str:
    return "" if value is None else str(value)


def _decodes(data: bytes) -> str | None:
    try:
        return textfile.decode(data).text
    except (textfile.UndecodableText, UnicodeDecodeError):
        return None


def _lines(text: str) -> int:
    return len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


# ------------------------------------------------------------------ fuzzing


@FUZZ
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx", ".txt", ".xls", ".pdf"]))
def test_arbitrary_bytes(data, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        assume(not zipfile.is_zipfile(path))
        found = outcomes(path)
    file = path.name
    for name, outcome in found.items():
        if suffix == ".xls":
            assert_error(outcome, file, "old Excel format (.xls) is not read",
                         fix="open it in Excel and save it as .xlsx")
        elif suffix == ".pdf":
            assert_error(outcome, file, "unknown file type '.pdf'", fix="deliver the data as .xlsx or .csv")
        elif suffix == ".xlsx":
            assert_error(outcome, file, f"{NOT_A_WORKBOOK}: File is not a zip file", fix=SAVE_AS_XLSX)
        elif (text := _decodes(data)) is None:
            assert_error(outcome, file, NOT_TEXT, fix="export it again as CSV (UTF-8)")
        elif isinstance(outcome, InputError):
            expected = (NO_HEADER[name], GARBLED) if textfile.find_mojibake(text) else (NO_HEADER[name],)
            assert len(assert_error(outcome, file, *expected).problems) == 1
        else:
            assert_sound(name, outcome, file)


@FUZZ
@given(rows=shapes, delimiter=st.sampled_from([";", ",", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
def test_arbitrary_csv_shapes(rows, delimiter, encoding):
    data = "\n".join(delimiter.join(_text(v) for v in row) for row in rows).encode(encoding, errors="replace")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "input.csv"
        path.write_bytes(data)
        found = outcomes(path)
    text = _decodes(data)
    for name, outcome in found.items():
        if text is None:  # a NUL in a cell: not a text file
            assert_error(outcome, "input.csv", NOT_TEXT, fix="export it again as CSV (UTF-8)")
        elif not text.strip():
            assert_error(outcome, "input.csv", NO_HEADER[name])
    if text is not None:
        assert_error_or_sound(found, "input.csv", _lines(text))


@FUZZ
@given(rows=shapes, sheets=st.lists(st.sampled_from(["Dataset", "Dataset (2)", "Structure", "Variables", "Labels",
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
        found = outcomes(path)
    if not any(_text(_excel_value(v)).strip() for row in rows for v in row):  # every sheet blank
        assert_error(found["referrals"], "input.xlsx", NO_HEADER["referrals"])
        assert_error(found["listed"], "input.xlsx", NO_HEADER["listed"])
    assert_error_or_sound(found, "input.xlsx", len(rows), tuple(sheets))


@FUZZ
@given(dataset=st.one_of(SX_DATASET, grid), structure=st.one_of(SX_STRUCTURE, grid),
       labels=st.one_of(SX_LABELS, grid))
def test_arbitrary_surveyxact_folders(dataset, structure, labels):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "export"
        root.mkdir()
        for name, rows in (("dataset", dataset), ("structure", structure), ("labels", labels)):
            (root / f"{name}.csv").write_text("\n".join(";".join(_text(v) for v in r) for r in rows),
                                              encoding="utf-8")
        found = outcomes(root)
    # A folder is only ever a survey export: the referral readers say what they read.
    assert_error(found.pop("referrals"), "export", "unknown file type ''", fix="deliver the data as .xlsx or .csv")
    assert_error(found.pop("listed"), "export", "unknown file type ''", fix="deliver the data as .xlsx or .csv")
    lines = max(_lines("\n".join(";".join(_text(v) for v in r) for r in rows)) for rows in (dataset, structure, labels))
    assert_error_or_sound(found, "export", lines)


# ------------------------------------------------------------------ damaged files: the input's fault


def _workbook_bytes() -> bytes:
    book = Workbook()
    book.active.append(["Ydernummer", "Tilmeldte patienter"])
    book.active.append(["012345", 100])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rewritten(change) -> bytes:
    """The small workbook with each part passed through ``change(name, data)`` (None drops it)."""
    source = zipfile.ZipFile(io.BytesIO(_workbook_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in source.namelist():
            data = change(name, source.read(name))
            if data is not None:
                archive.writestr(name, data)
    return buffer.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
DAMAGED_WORKBOOKS = {
    # damage: (the file's bytes, what the error says); openpyxl, zipfile, zlib and lxml raise these
    "cut short": (lambda: _workbook_bytes()[:2000], f"{NOT_A_WORKBOOK}: File is not a zip file"),
    "no workbook part": (lambda: _rewritten(lambda n, d: None if n == "xl/workbook.xml" else d),
                         f"{NOT_A_WORKBOOK}: \"There is no item named 'xl/workbook.xml' in the archive\""),
    "content types not XML": (lambda: _rewritten(lambda n, d: b"garbage" if n == "[Content_Types].xml" else d),
                              f"{NOT_A_WORKBOOK}: Start tag expected"),
    "sheet XML cut short": (lambda: _rewritten(lambda n, d: d[:len(d) // 2] if n == SHEET else d),
                            "cannot read sheet 'Sheet' (ParseError)"),
    "number cell holding text": (lambda: _rewritten(lambda n, d: d.replace(b"<v>100</v>", b"<v>abc</v>")
                                                    if n == SHEET else d), "cannot read sheet 'Sheet' (ValueError)"),
    "no sheet part": (lambda: _rewritten(lambda n, d: None if n == SHEET else d),
                      "the workbook has no sheet that can be read"),
}


def _flip_a_sheet_byte() -> bytes:
    data = bytearray(_workbook_bytes())
    data[data.find(SHEET.encode()) + 60] ^= 0xFF  # inside the sheet's compressed data
    return bytes(data)


DAMAGED_WORKBOOKS["compressed data damaged"] = (_flip_a_sheet_byte, f"{NOT_A_WORKBOOK}: Error -3 while decompressing")


@pytest.mark.parametrize("damage", sorted(DAMAGED_WORKBOOKS))
def test_a_damaged_workbook_is_an_input_error(tmp_path, damage):
    make, message = DAMAGED_WORKBOOKS[damage]
    path = tmp_path / "listed.xlsx"
    path.write_bytes(make())
    with pytest.raises(InputError) as caught:
        read_listed_patients(path, "listed.xlsx")
    assert [(p.file, p.message[:len(message)], p.fix) for p in caught.value.problems] == [
        ("listed.xlsx", message, SAVE_AS_XLSX)]


def test_an_unclosed_quote_is_an_input_error(tmp_path):
    """csv stops at a cell of 131,072 characters: here a quote opens a cell and nothing closes it."""
    path = write(tmp_path / "survey.csv", "q1;q2\n\"Enig;" + "x" * 140_000 + "\n")
    with pytest.raises(InputError) as caught:
        read_survey(path, SPEC)
    (problem,) = caught.value.problems
    assert problem.file == "survey.csv"
    assert problem.message == ("cannot split the file into cells (field larger than field limit (131072)): usually a "
                               "quotation mark that opens a cell and is never closed")
    assert problem.fix == "check the file for a stray quotation mark (\"), or export it again as CSV"


def test_names_not_in_utf8_are_an_input_error(tmp_path):
    """A decode error no reader catches itself: ``guarded`` names the file and the fix."""
    path = tmp_path / "navne.txt"
    path.write_bytes("Søren Ørsted\n".encode("cp1252"))
    with pytest.raises(InputError) as caught:
        read_names(path, "navne.txt")
    (problem,) = caught.value.problems
    assert (problem.file, problem.message) == ("navne.txt", "the file cannot be read (UnicodeDecodeError)")
    assert problem.fix.startswith("check that it is one of the formats docs/input-formats.md names")


def test_a_folder_named_like_a_table_is_an_input_error(tmp_path):
    (tmp_path / "henvisninger.csv").mkdir()
    with pytest.raises(InputError) as caught:
        read_referrals(tmp_path / "henvisninger.csv", OFFERS, PERIOD, "henvisninger.csv")
    assert [(p.file, p.message) for p in caught.value.problems] == [
        ("henvisninger.csv", "the file cannot be read (IsADirectoryError)")]


# ------------------------------------------------------------------ a reader bug is a bug


def _raise(exc: Exception):
    def broken(*args, **kwargs):
        raise exc
    return broken


def _pandas_key_error(*args, **kwargs):
    return pd.DataFrame({"a": [1]})["no such column"]  # raised inside pandas, on our call


@pytest.mark.parametrize("bug", [KeyError("q1"), IndexError("list index out of range"),
                                 TypeError("unsupported operand"), AttributeError("'NoneType' has no attribute")],
                         ids=lambda e: type(e).__name__)
def test_a_planted_reader_bug_surfaces(tmp_path, monkeypatch, bug):
    path = write(tmp_path / "survey.csv", "q1\nEnig\n")
    monkeypatch.setattr(survey_table, "read_plain_table", _raise(bug))
    with pytest.raises(type(bug)) as caught:
        read_survey(path, SPEC)
    assert caught.value is bug and not isinstance(caught.value, InputError)


def test_a_bug_inside_pandas_on_our_call_surfaces(tmp_path, monkeypatch):
    path = write(tmp_path / "henvisninger.csv", "Ydernummer;Tilbud;Antal\n012345;KOL;3\n")
    monkeypatch.setattr(referrals, "_layout", _pandas_key_error)
    with pytest.raises(KeyError, match="no such column"):
        read_referrals(path, OFFERS, PERIOD, "henvisninger.csv")


def test_a_bug_while_reading_a_sheet_surfaces(tmp_path, monkeypatch):
    """The sheet's rows are read by openpyxl and our code in turn: only openpyxl's errors are the file's."""
    path = tmp_path / "listed.xlsx"
    path.write_bytes(_workbook_bytes())
    monkeypatch.setattr(tables, "_cell_value", _raise(AttributeError("planted")))
    with pytest.raises(AttributeError, match="planted"):
        read_listed_patients(path, "listed.xlsx")


def test_a_bug_in_the_surveyxact_reader_surfaces(tmp_path, monkeypatch):
    root = tmp_path / "export"
    root.mkdir()
    for name in ("dataset", "structure", "labels"):
        (root / f"{name}.csv").write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    monkeypatch.setattr(surveyxact, "structure_variables", _raise(KeyError("variableName")))
    with pytest.raises(KeyError, match="variableName"):
        read_survey(root, SPEC)


def test_the_same_reader_still_reads_a_good_file(tmp_path):
    """The counterpart of the planted bugs: the files they use are read as they are."""
    path = tmp_path / "listed.xlsx"
    path.write_bytes(_workbook_bytes())
    listed = read_listed_patients(path, "listed.xlsx").listed
    assert listed.to_dict("records") == [{"ydernummer": "012345", "listed_patients": 100}]
    counts = read_referrals(write(tmp_path / "henvisninger.csv", "Ydernummer;Tilbud;Antal\n012345;KOL;3\n"),
                            OFFERS, PERIOD, "henvisninger.csv").counts
    assert counts.to_dict("records") == [{"ydernummer": "012345", "offer": "KOL", "referrals": 3}]
