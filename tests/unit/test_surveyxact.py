"""SurveyXact exports in every form read to the same, hand-checked tables."""

import csv
import io

import pandas as pd
import pytest

from kiap_analysis.clean.survey import clean_responses
from kiap_analysis.core.errors import InputError
from kiap_analysis.core.spec import apply_local_edits, load_catalogue
from kiap_analysis.ingest.survey import read_survey
from kiap_analysis.stats import metrics

import sx_export
from conftest import write

ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "utf-16"]
DELIMITERS = [";", ",", "\t"]


@pytest.fixture(scope="module")
def spec():
    full = load_catalogue()["akutfunktioner"]
    return apply_local_edits(full, remove=["q4", "q5", "q6", "q8", "q9", "q11"])


def tables_of(path, spec, **kwargs):
    ingest = read_survey(path, spec, **kwargs)
    clean = clean_responses(ingest.responses, spec)
    tables = {q.id: metrics.question_table(clean.responses, q) for q in spec.questions if q.has_chart}
    return ingest, clean, tables


def counts(table, item=""):
    rows = table[table["item"] == item]
    return rows["n"].tolist(), int(rows["base"].iloc[0])


def check_expected(ingest, clean, tables):
    """The numbers worked out by hand from sx_export.RESPONDENTS."""
    assert clean.responses["respondent_id"].tolist() == ["101", "102", "103", "104", "105", "106"]
    assert clean.responses["is_complete"].tolist() == [True] * 4 + [False] * 2
    assert len(clean.dropped) == 3  # the distributed and dropped-out rows without answers
    assert counts(tables["q1"]) == ([1, 1, 1, 2, 1], 6)
    q2 = tables["q2"]
    assert counts(q2, "Akut sygdom") == ([0, 1, 1, 1, 2, 0], 5)  # '2' and '4' mapped between end points
    assert counts(q2, "Kronisk sygdom") == ([0, 0, 1, 1, 1, 1], 4)
    assert counts(q2, "Psykisk sygdom") == ([1, 1, 0, 0, 0, 2], 4)  # code 9 is 'Ved ikke', kept apart
    assert counts(q2, "Komplekse tilstande") == ([2, 1, 1, 0, 0, 0], 4)
    # Multi-choice by option text (choiceValue order differs from the columns); the base is the
    # 4 completed plus the partial respondent who ticked one option, not the 9 rows of 0/1.
    q7 = tables["q7"]
    assert q7["n"].tolist() == [3, 2, 1, 0, 0, 0, 1]
    assert set(q7["base"]) == {5}
    assert q7["pct"].tolist() == [60.0, 40.0, 20.0, 0.0, 0.0, 0.0, 20.0]
    assert counts(tables["q10"]) == ([0, 1, 1, 1, 0, 1], 4)  # code 6 'Ved ikke ' (trailing space)
    assert tables["q10"]["category"].tolist()[-1] == "Ved ikke"
    assert metrics.free_text_answers(clean.responses, ingest_spec(tables)) == [
        "Ældre med KOL om natten", "Demente med infektion"]
    assert ingest.invited == 9
    assert "s_99" in ingest.ignored_columns  # the e-mail question is never read
    assert not [w for w in ingest.warnings if w.severity == "error"]


def ingest_spec(tables):
    return load_catalogue()["akutfunktioner"].question("q3")


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("delimiter", DELIMITERS, ids=["semicolon", "comma", "tab"])
def test_csv_folder_in_every_encoding_and_delimiter(tmp_path, spec, encoding, delimiter):
    folder = sx_export.write_csv_folder(tmp_path / "export", encoding, delimiter)
    ingest, clean, tables = tables_of(folder, spec)
    check_expected(ingest, clean, tables)
    assert ingest.form.startswith("SurveyXact (CSV-filer")


@pytest.mark.parametrize("variant", [
    {}, {"split_dataset": True, "structure_sheet": "Variables", "labels_header": True}])
def test_xlsx_export(tmp_path, spec, variant):
    ingest, clean, tables = tables_of(sx_export.write_xlsx(tmp_path / "export.xlsx", **variant), spec)
    check_expected(ingest, clean, tables)
    assert ingest.form == "SurveyXact (Excel)"


def test_all_forms_give_identical_tables(tmp_path, spec):
    reference = tables_of(sx_export.write_xlsx(tmp_path / "a.xlsx"), spec)[2]
    folder = sx_export.write_csv_folder(tmp_path / "b", "utf-16", "\t")
    for qid, table in tables_of(folder, spec)[2].items():
        pd.testing.assert_frame_equal(table, reference[qid])
    # the same answers as a plain table (labels, one row per respondent)
    rows = [["id", "Status", "q1", *(f"q2_{i}" for i in range(1, 5)), "q3", "q7", "q10"]]
    kendskab, hyppighed = sx_export.KENDSKAB, [*sx_export.HYPPIGHED, "Ved ikke"]
    grid = {1: "Meget dårligt", 2: "Dårligt", 3: "Hverken godt eller dårligt", 4: "Godt", 5: "Meget godt",
            9: "Ved ikke"}
    options = {v: text.strip() for v, _, text in sx_export.Q7_OPTIONS}
    for number, (status, q1, q2, q3, q7, q10) in enumerate(sx_export.RESPONDENTS, start=101):
        cells = [str(number), status, kendskab[q1 - 1] if q1 else "",
                 *(grid[c] if c else "" for c in q2), q3, "; ".join(options[v] for v in q7),
                 hyppighed[q10 - 1] if q10 else ""]
        rows.append(cells)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)  # '; ' inside q7 gets quoted
    plain = tables_of(write(tmp_path / "plain.csv", buffer.getvalue()), spec)[2]
    for qid, table in plain.items():
        pd.testing.assert_frame_equal(table, reference[qid])


def test_survey_map_overrides_and_unknown_codes_warn(tmp_path, spec):
    dataset, structure, labels = sx_export.tables()
    structure[1][4] = "Kender du akutfunktionerne?"  # q1's text no longer matches the spec
    dataset[1][dataset[0].index("s_10")] = 7  # a code the labels do not know
    folder = tmp_path / "export"
    folder.mkdir()
    for name, rows in (("dataset", dataset), ("structure", structure), ("labels", labels)):
        (folder / f"{name}.csv").write_text("\n".join(";".join(map(str, r)) for r in rows), encoding="utf-8")
    ingest = read_survey(folder, spec)
    assert ingest.unmapped_questions == ["q1"]
    assert any("q1" in w.message and w.severity == "warning" for w in ingest.warnings)
    unknown = next(w for w in ingest.warnings if "unknown code ('7')" in w.message)  # a short code is quoted
    assert (unknown.row, unknown.column) == (2, "O")  # A id, B s_1, C-F s_2_*, G s_3, H-N v_7_*
    mapped = read_survey(folder, spec, survey_map={"q1": "s_1"})
    assert mapped.unmapped_questions == []
    assert mapped.responses["q1"].tolist()[:2] == ["Godt kendskab", "Ringe kendskab"]


def test_garbled_export_is_an_error_naming_the_file(tmp_path, spec):
    folder = sx_export.write_csv_folder(tmp_path / "export", "utf-8", ";")
    structure = folder / "structure.csv"
    structure.write_bytes(structure.read_bytes().decode("utf-8").encode("utf-8").decode("cp1252").encode("utf-8"))
    with pytest.raises(InputError) as info:
        read_survey(folder, spec, label="export")
    problem = info.value.problems[0]
    assert problem.file == "export/structure.csv" and problem.row is not None
    assert "Ã" in problem.message


def test_missing_structure_sheet_is_an_error(tmp_path, spec):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Dataset"
    book.create_sheet("Structure")
    path = tmp_path / "x.xlsx"
    book.save(path)
    with pytest.raises(InputError, match="Labels"):
        read_survey(path, spec)
