"""Plain survey tables: columns by id or text, flags or labels, personal columns never read."""

import pandas as pd
import pytest

from kiap_analysis.clean.survey import REASON_DUPLICATE, REASON_EMPTY, clean_responses
from kiap_analysis.core.errors import InputError
from kiap_analysis.ingest.survey import read_survey

from conftest import write

CSV_BY_ID = """
Respondent;Navn;E-mail;Status;q1;q2_tlf;q2_brev;q2_andet;q3
11;Anna Test;anna@example.invalid;Gennemført;Enig;1;0;0;Fin dialog
12;Bo Test;bo@example.invalid;Gennemført;enig ;1;1;0;
13;Cai Test;cai@example.invalid;Delvis;Ved ikke;0;0;0;
14;Dea Test;dea@example.invalid;Gennemført;Måske;0;1;0;
"""


def test_columns_by_id_with_flags(tmp_path, tiny_spec):
    path = write(tmp_path / "s.csv", CSV_BY_ID)
    ingest = read_survey(path, tiny_spec)
    frame = ingest.responses
    assert frame["respondent_id"].tolist() == ["11", "12", "13", "14"]
    assert frame["is_complete"].tolist() == [True, True, False, True]
    # 'enig ' (case, trailing space) is the label 'Enig'; 'Måske' is not on the scale
    assert frame["q1"].tolist() == ["Enig", "Enig", "Ved ikke", None]
    assert frame["q2.brev"].tolist() == [False, True, False, True]
    assert frame["q3"].tolist() == ["Fin dialog", None, None, None]
    assert "Navn" in ingest.ignored_columns and "E-mail" in ingest.ignored_columns
    assert not any("anna" in str(v).lower() for v in frame.to_numpy().ravel())
    warning = next(w for w in ingest.warnings if "match no answer" in w.message)
    assert warning.severity == "warning" and warning.column == "E" and warning.row == 5
    assert warning.message.startswith("1 answer(s) (text) in column 'q1'") and "Måske" not in str(warning)
    assert ingest.form == "almindelig tabel (CSV, utf-8, ';')"


def test_columns_by_question_text_and_labels_in_one_cell(tmp_path, tiny_spec):
    text = (
        "Spørgeskema om henvisning\n\n"  # a title row and a blank row above the header
        "Respondent ID,Hvor enig er du?,Hvordan henviser du? (sæt gerne flere kryds),Kommentarer\n"
        "1,Uenig,Telefon; Andet,Øv\n"
        "2,Hverken eller,,\n"
    )
    path = write(tmp_path / "s.csv", text, encoding="cp1252")
    ingest = read_survey(path, tiny_spec)
    frame = ingest.responses
    assert ingest.form == "almindelig tabel (CSV, cp1252, ',')"
    assert frame["q1"].tolist() == ["Uenig", "Hverken eller"]
    assert frame["q2.tlf"].tolist() == [True, False]
    assert frame["q2.andet"].tolist() == [True, False]
    assert frame["q3"].tolist() == ["Øv", None]
    assert frame["source_row"].tolist() == [4, 5]


def test_excel_with_question_id_grid_style_headers(tmp_path, tiny_spec):
    path = tmp_path / "s.xlsx"
    pd.DataFrame({"id": [1, 2], "Q1": ["Enig", "Uenig"], "Q2 [Brev]": ["x", ""], "q2 - Telefon": [1, 1],
                  "Q2: Andet": [0, 0], "q3": ["", "Tekst"]}).to_excel(path, index=False)
    frame = read_survey(path, tiny_spec).responses
    assert frame["q2.brev"].tolist() == [True, False]
    assert frame["q2.tlf"].tolist() == [True, True]
    assert frame["q1"].tolist() == ["Enig", "Uenig"]


def test_unmapped_question_is_a_warning_and_survey_map_overrides(tmp_path, tiny_spec):
    path = write(tmp_path / "s.csv", "id;spm_a;q3\n1;Enig;x\n")
    ingest = read_survey(path, tiny_spec)
    assert ingest.unmapped_questions == ["q1", "q2"]
    mapped = read_survey(path, tiny_spec, survey_map={"q1": "spm_a"})
    assert mapped.responses["q1"].tolist() == ["Enig"]
    assert mapped.unmapped_questions == ["q2"]
    typo = read_survey(path, tiny_spec, survey_map={"q11": "spm_a"})
    assert [w.message for w in typo.warnings if "survey_map" in w.message] == [
        "survey_map names question 'q11' (column 'spm_a'), which package tiny does not have; the entry is not used"]


def test_mojibake_is_an_error_naming_the_cell(tmp_path, tiny_spec):
    path = write(tmp_path / "s.csv", "id;q1;q3\n1;Enig;KrÃ¦ft og lÃ¦nd\n")
    with pytest.raises(InputError) as info:
        read_survey(path, tiny_spec)
    problem = info.value.problems[0]
    assert (problem.row, problem.column) == (2, "C")
    assert "garbled characters" in problem.message and "UTF-8" in problem.fix
    assert "Kr" not in problem.message  # the cell's text is not quoted


def test_no_question_columns_is_an_error(tmp_path, tiny_spec):
    path = write(tmp_path / "s.csv", "a;b\n1;2\n")
    with pytest.raises(InputError, match="no column header names a question"):
        read_survey(path, tiny_spec)


def test_cleaning_drops_empty_rows_and_duplicates(tmp_path, tiny_spec):
    text = """
    Respondent;Status;q1;q2_tlf;q2_brev;q2_andet;q3
    1;Delvis;Enig;;;;
    1;Gennemført;Uenig;1;0;0;
    2;Delvis;;0;0;0;
    3;Gennemført;Enig;0;0;0;
    """
    ingest = read_survey(write(tmp_path / "s.csv", text), tiny_spec)
    clean = clean_responses(ingest.responses, tiny_spec)
    assert clean.responses["respondent_id"].tolist() == ["1", "3"]
    assert clean.responses["q1"].tolist() == ["Uenig", "Enig"]  # the completed duplicate is kept
    assert clean.dropped[["source_row", "reason"]].values.tolist() == [
        [2, REASON_DUPLICATE], [4, REASON_EMPTY]]
