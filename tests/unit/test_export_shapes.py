"""Survey exports in the shapes real ones take (issue 13): no respondentid but a shared contact
'id', status labels in other languages, several structure files, codes written as '2.0',
comma-separated multi-choice cells. Every count is the one worked out by hand from
sx_export.RESPONDENTS (4 completed, 2 partial, 2 distributed, 1 dropped out)."""

import pandas as pd
import pytest

from kiap_analysis.clean.survey import clean_responses
from kiap_analysis.core.errors import InputError
from kiap_analysis.core.spec import apply_local_edits, load_catalogue, parse_spec
from kiap_analysis.ingest.survey import read_survey
from kiap_analysis.stats import metrics

import sx_export
from conftest import write


@pytest.fixture(scope="module")
def spec():
    full = load_catalogue()["akutfunktioner"]
    return apply_local_edits(full, remove=["q4", "q5", "q6", "q8", "q9", "q11"])


def read(path, spec, **kwargs):
    ingest = read_survey(path, spec, **kwargs)
    clean = clean_responses(ingest.responses, spec, ingest.answered_elsewhere)
    return ingest, clean, {q.id: metrics.question_table(clean.responses, q) for q in spec.questions if q.has_chart}


@pytest.fixture(scope="module")
def reference(tmp_path_factory, spec):
    """The tables of the plain Danish export with a respondentid (test_surveyxact checks them by hand)."""
    return read(sx_export.write_xlsx(tmp_path_factory.mktemp("ref") / "export.xlsx"), spec)[2]


def same_tables(tables, reference):
    for qid, table in tables.items():
        pd.testing.assert_frame_equal(table, reference[qid])


# ------------------------------------------------------------------ respondent id and contact columns


def test_no_respondentid_and_a_shared_id_column_is_a_contact_column(tmp_path, spec, reference):
    # readSX's comma-separated form: cp1252, ',' and contact columns whose 'id' is the organisation
    folder = sx_export.write_csv_folder(tmp_path / "export", "cp1252", ",", respondentid=False, contacts=True)
    ingest, clean, tables = read(folder, spec, label="export")
    assert ingest.id_column is None
    assert clean.responses["respondent_id"].tolist() == ["r2", "r3", "r4", "r5", "r6", "r7"]  # each row its own
    assert clean.dropped["rule"].tolist() == ["non_respondent"] * 3  # no 'duplicate' of a shared organisation
    same_tables(tables, reference)
    warning = next(w for w in ingest.warnings if "column 'id'" in w.message)
    assert warning.message == ("column 'id' repeats its values (2 different values in 9 rows), so it does not "
                               "identify respondents: it is read as a contact column, and rows are not "
                               "deduplicated by it")
    assert warning.severity == "warning" and warning.file == "export/dataset.csv"
    # contact values feed the redaction and the leak check, and are never answers
    assert {"Lægehuset Fjordgade", "30112233", "Fornavn101", "kontakt109@example.invalid"} <= ingest.personal_values
    assert not set(sx_export.CONTACTS) & set(ingest.ignored_columns)
    assert ingest.answered_elsewhere == {row: ("s_99",) for row in range(2, 8)}  # an e-mail question the package lacks


def test_a_configured_respondent_id_deduplicates_by_it(tmp_path, spec):
    folder = sx_export.write_csv_folder(tmp_path / "export", "utf-8", ";", respondentid=False, contacts=True)
    ingest, clean, _ = read(folder, spec, respondent_id="id")
    assert ingest.id_column == "id"
    # 5 respondents in one practice (rows 2-6), 1 in the other (row 7): the completed one with most
    # answers is kept per practice
    assert clean.responses["source_row"].tolist() == [2, 7]
    assert clean.dropped.loc[clean.dropped["rule"] == "duplicate_respondent", "source_row"].tolist() == [3, 4, 5, 6]
    with pytest.raises(InputError, match=r"respondent_id: 'løbenr' names no column of the export"):
        read_survey(folder, spec, respondent_id="løbenr")
    none = read(folder, spec, respondent_id="none")[1]
    assert len(none.responses) == 6


def test_plain_table_id_column_unique_is_the_respondent_id(tmp_path, tiny_spec):
    unique = write(tmp_path / "a.csv", "id;q1\n7;Enig\n8;Uenig\n")
    assert read_survey(unique, tiny_spec).responses["respondent_id"].tolist() == ["7", "8"]
    shared = write(tmp_path / "b.csv", "id;q1\nKlinik A;Enig\nKlinik A;Uenig\n")
    ingest = read_survey(shared, tiny_spec)
    assert ingest.responses["respondent_id"].tolist() == ["r2", "r3"]
    assert ingest.personal_values == {"Klinik A"}


# ------------------------------------------------------------------ status labels


@pytest.mark.parametrize("language", ["da", "de", "no"])
def test_status_labels_of_each_language(tmp_path, spec, reference, language):
    path = sx_export.write_xlsx(tmp_path / "export.xlsx", status_labels=sx_export.STATUS_LABELS[language])
    ingest, clean, tables = read(path, spec)
    assert ingest.responses["status"].tolist() == ["completed"] * 4 + ["partial"] * 2 + ["distributed"] * 2 + [
        "dropped_out"]
    assert clean.responses["is_complete"].tolist() == [True] * 4 + [False] * 2
    same_tables(tables, reference)


@pytest.mark.parametrize("labels", [["New", "Distributed", "Partially completed", "Completed", "Dropped out"],
                                    ["Ny", "Distribuerad", "Delvis besvarad", "Genomförd", "Avbruten"]],
                         ids=["en", "sv"])
def test_english_and_swedish_status_labels(tmp_path, spec, labels):
    ingest = read_survey(sx_export.write_xlsx(tmp_path / "export.xlsx", status_labels=labels), spec)
    assert ingest.responses["is_complete"].sum() == 4 and (ingest.responses["status"] == "partial").sum() == 2


def test_an_unknown_status_label_is_an_error_naming_its_place(tmp_path, spec):
    labels = ["Neu", "Versendet", "Teilweise beantwortet", "Erledigt", "Abgebrochen"]
    with pytest.raises(InputError) as info:
        read_survey(sx_export.write_csv_folder(tmp_path / "x", "utf-16", "\t", status_labels=labels), spec,
                    label="x")
    problems = info.value.problems
    # the columns of the statuses ticked: stato_4 (T) and stato_3 (S)
    assert [(p.file, p.row, p.column) for p in problems] == [("x/dataset.csv", 2, "T"), ("x/dataset.csv", 6, "S")]
    # the label is a cell of the export: its place and kind, never its text
    assert problems[0].message == ("a status (text) in 4 row(s) is not a status the workbook knows, so it cannot "
                                   "tell completed from partial responses")
    assert problems[1].message.startswith("a status (text) in 2 row(s)")
    assert not [p for p in problems if "Erledigt" in str(p) or "Teilweise beantwortet" in str(p)]
    assert "Abgeschlossen" in problems[0].fix  # the labels it knows


def test_plain_table_status_values(tmp_path, tiny_spec):
    text = "Respondent;Status;q1\n1;Abgeschlossen;Enig\n2;Nogen svar;Enig\n3;;Uenig\n4;1;Enig\n"
    ingest = read_survey(write(tmp_path / "s.csv", text), tiny_spec)
    assert ingest.responses["is_complete"].tolist() == [True, False, False, True]
    assert ingest.responses["status"].tolist() == ["completed", "partial", "", "completed"]
    with pytest.raises(InputError, match=r"row 3, column 'B': a status \(text\) in 1 row\(s\) is not understood"):
        read_survey(write(tmp_path / "t.csv", "Respondent;Status;q1\n1;Gennemført;Enig\n2;måske;Enig\n"), tiny_spec)
    # a short code is quoted: it holds no identifier
    with pytest.raises(InputError, match=r"a status \('7'\) in 2 row\(s\)"):
        read_survey(write(tmp_path / "u.csv", "Respondent;Status;q1\n1;7;Enig\n2;7;Enig\n"), tiny_spec)


# ------------------------------------------------------------------ several structure files


def write_two_languages(folder, first: tuple[str, str], second: tuple[str, str]):
    """dataset.csv and one structure/labels pair per (suffix, text prefix)."""
    sx_export.write_csv_folder(folder, "utf-16", "\t", suffix=first[0], text_prefix=first[1])
    sx_export.write_csv_folder(folder, "utf-16", "\t", suffix=second[0], text_prefix=second[1])
    (folder / f"dataset{second[0]}.csv").rename(folder / "dataset.csv")
    (folder / f"dataset{first[0]}.csv").unlink()
    return folder


def test_two_structure_files_the_one_in_the_package_language_is_used(tmp_path, spec, reference):
    folder = write_two_languages(tmp_path / "x", ("_da", ""), ("_en", "In English: "))
    ingest, _, tables = read(folder, spec, label="x")
    same_tables(tables, reference)
    note = next(w for w in ingest.warnings if "several SurveyXact files" in w.message)
    assert note.message == ("the folder holds several SurveyXact files (structure_da.csv, structure_en.csv, "
                            "labels_da.csv, labels_en.csv); dataset.csv, structure_da.csv, labels_da.csv were "
                            "used (its question texts match 5 of the package's 5 questions; structure_en.csv: 0)")
    assert [f for f, _ in ingest.inputs] == ["x/dataset.csv", "x/structure_da.csv", "x/labels_da.csv"]


def test_survey_language_picks_the_files(tmp_path, spec):
    folder = write_two_languages(tmp_path / "x", ("_da", ""), ("_en", "In English: "))
    ingest = read_survey(folder, spec, language="en", label="x")
    assert [f for f, _ in ingest.inputs][1:] == ["x/structure_en.csv", "x/labels_en.csv"]
    assert ingest.unmapped_questions == spec.question_ids()  # English texts match no Danish question
    with pytest.raises(InputError, match="0 structure files are named for survey_language: sv"):
        read_survey(folder, spec, language="sv")


def test_two_structure_files_and_no_rule_is_an_error(tmp_path, spec):
    folder = write_two_languages(tmp_path / "x", ("_de", "Auf Deutsch: "), ("_en", "In English: "))
    with pytest.raises(InputError) as info:
        read_survey(folder, spec, label="x")
    problem = info.value.problems[0]
    assert problem.message == (
        "the folder holds several SurveyXact files of a kind (structure_de.csv, structure_en.csv, labels_de.csv, "
        "labels_en.csv) and nothing says which to use (their question texts match structure_de.csv: 0, "
        "structure_en.csv: 0 of the package's 5 questions)")
    assert problem.fix.startswith("add survey_language: da|en|de|no|sv to the order")


# ------------------------------------------------------------------ codes and multi-choice cells


@pytest.mark.parametrize("code", ["{}.0", " {} ", "{},0"], ids=["2.0", "spaces", "2,0"])
def test_codes_are_compared_by_value(tmp_path, spec, reference, code):
    folder = sx_export.write_csv_folder(tmp_path / "x", "utf-8", ";", code=code)
    ingest, _, tables = read(folder, spec)
    same_tables(tables, reference)
    assert not ingest.left_out and not [w for w in ingest.warnings if "unknown code" in w.message]


MULTI_SPEC = """
name: multi
title: Flere svar
version: "0.1"
data: [survey]
questions:
  - id: q1
    text: Hvem samarbejder du med?
    type: multi_choice
    options: [{id: hjem, label: Hjemmeplejen}, {id: apo, label: Apoteket}, {id: tlf, label: "Ja, telefonisk"},
              {id: akut, label: "Akutteam; nat"}]
program:
  - {id: b, kind: block, title: Blok, content: [{question: q1}]}
"""


def test_multi_choice_cells_split_on_the_labels_first(tmp_path):
    spec = parse_spec(__import__("yaml").safe_load(MULTI_SPEC), "multi.yaml")
    text = ('Respondent;q1\n1;"Hjemmeplejen, Apoteket"\n2;"Ja, telefonisk, Apoteket"\n3;"Akutteam; nat | Apoteket"\n'
            '4;"Hjemmeplejen\nApoteket"\n5;"Hjemmeplejen, Posten"\n')
    ingest = read_survey(write(tmp_path / "s.csv", text), spec)
    frame = ingest.responses
    assert frame["q1.hjem"].tolist() == [True, False, False, True, True]
    assert frame["q1.apo"].tolist() == [True, True, True, True, False]
    assert frame["q1.tlf"].tolist() == [False, True, False, False, False]
    assert frame["q1.akut"].tolist() == [False, False, True, False, False]
    [left] = ingest.left_out
    # row 6: the cell of row 5 spans two lines of the file, but is one spreadsheet row
    # 'Posten' is no word of the package: the reconciliation keeps its kind, not its text
    assert (left.question_id, left.value, left.kind, left.rows, left.letter) == ("q1", "", "text", (6,), "B")
    assert ingest.answer_cells == {"q1": 5}
