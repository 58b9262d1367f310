"""kiap validate compares a SurveyXact export with the questionnaire kiap prepare wrote and names
every difference: a question missing or added, its kind changed, options missing, added or recoded."""

from __future__ import annotations

import csv
import io
import shutil

from kiap_analysis.cli.main import main
from kiap_analysis.ingest.questionnaire_check import AskedQuestion, compare_questions
from kiap_analysis.run.prepare import prepared_root
from kiap_analysis.run.validate import validate_orders

from conftest import TINY_ORDER, TINY_SPEC, write
from sx_export import write_rows

PREPARED = "the prepared questionnaire"
LIKERT = (("1", "Uenig"), ("2", "Hverken eller"), ("3", "Enig"), ("9", "Ved ikke"))


def _messages(problems):
    assert {p.severity for p in problems} <= {"warning"}
    return [p.message for p in problems]


def test_every_difference_is_named():
    meant = [AskedQuestion("s_1", "Hvor enig er du?", "single", LIKERT),
             AskedQuestion("s_2", "Hvordan henviser du?", "multiple", (("1", "Telefon"), ("2", "Brev"))),
             AskedQuestion("s_3", "Kommentarer", "string"),
             AskedQuestion("s_4", "Hvor tit?", "single", (("1", "Aldrig"), ("2", "Ofte")))]
    asked = [AskedQuestion("s_1", "  hvor  ENIG er du? ", "single",  # whitespace and case aside: the same
                           (("1", "Uenig"), ("2", "Hverken eller"), ("3", "Enig"), ("4", "Ved ikke"))),
             AskedQuestion("v_2", "Hvordan henviser du?", "multiple", (("1", "Telefon "), ("3", "E-mail"))),
             AskedQuestion("s_4", "Hvor tit?", "multiple", (("1", "Aldrig"), ("2", "Ofte"))),
             AskedQuestion("s_5", "Hvad vil du ændre?", "string")]
    assert _messages(compare_questions(meant, asked, "export", PREPARED)) == [
        f"question 'Hvor enig er du?' (s_1 in the export): its options differ from {PREPARED} "
        "(codes changed: 'Ved ikke' 9 -> 4)",
        f"question 'Hvordan henviser du?' (v_2 in the export): its options differ from {PREPARED} "
        "(options missing: 'Brev'; options added: 'E-mail')",
        f"question 'Kommentarer' (s_3 in {PREPARED}) is not in the export",
        f"question 'Hvor tit?' (s_4 in the export) is asked as multiple choice, {PREPARED} asks it as single choice",
        f"question 'Hvad vil du ændre?' (s_5 in the export) is not in {PREPARED}"]
    assert compare_questions(meant, meant, "export", PREPARED) == []
    # A text asked twice is paired in order: the second is the one missing.
    twice = [AskedQuestion("s_1", "Andet", "string"), AskedQuestion("s_2", "Andet", "string")]
    assert _messages(compare_questions(twice, twice[:1], "export", PREPARED)) == [
        f"question 'Andet' (s_2 in {PREPARED}) is not in the export"]


def _rows(path):
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8")), delimiter=";"))


def _export_from(pair, folder, edit_structure=None, edit_labels=None):
    """An export folder: the prepared pair (edited) and a dataset of one respondent."""
    structure, labels = _rows(pair / "structure.csv"), _rows(pair / "labels.csv")
    structure = edit_structure(structure) if edit_structure else structure
    labels = edit_labels(labels) if edit_labels else labels
    write_rows(folder / "structure.csv", structure)
    write_rows(folder / "labels.csv", labels)
    variables = [r[1] for r in structure[1:]]
    answers = {"s_1": 3, "stato_4": 1}
    write_rows(folder / "dataset.csv", [["respondentid", *variables], [1, *(answers.get(v, 0) for v in variables)]])
    return folder


def test_kiap_validate_names_each_edit_of_the_prepared_questionnaire(tmp_path, workbook, capsys):
    write(tmp_path / "tiny.yaml", TINY_SPEC)
    orders = write(tmp_path / "orders.yaml", "orders:\n" + TINY_ORDER.replace("survey.csv", "export"))
    assert main(["prepare", str(orders), "--out", str(workbook.reports)]) == 0
    pair = prepared_root(workbook) / "tiny-2026" / "spoergeskema"

    # The export of the questionnaire as prepared: no difference.
    _export_from(pair, tmp_path / "export")
    assert [p for p in validate_orders(orders, workbook)["tiny-2026"].problems if "prepared" in p.message] == []

    # Edited in SurveyXact: 'Ved ikke' recoded 9 -> 4, 'Andet' replaced by 'E-mail', 'Kommentarer' gone,
    # a question added.
    def structure(rows):
        rows = [r for r in rows if r[4] != "Kommentarer"]
        rows = [[*r[:6], "E-mail"] if r[1] == "s_2_3" else r for r in rows]
        return [*rows[:-5], ["s_4", "s_4", "Open", "String", "Hvad vil du ændre?", "", ""], *rows[-5:]]

    def labels(rows):
        return [[r[0], "4", r[2]] if r[:2] == ["s_1", "9"] else r for r in rows]

    shutil.rmtree(tmp_path / "export")
    _export_from(pair, tmp_path / "export", structure, labels)
    where = "the prepared questionnaire (prepared/tiny-2026/spoergeskema)"
    found = [p for p in validate_orders(orders, workbook)["tiny-2026"].problems if where in p.message]
    assert [(p.file, p.severity) for p in found] == [("export", "warning")] * 4
    assert [p.message for p in found] == [
        f"question 'Hvor enig er du?' (s_1 in the export): its options differ from {where} "
        "(codes changed: 'Ved ikke' 9 -> 4)",
        f"question 'Hvordan henviser du?' (s_2 in the export): its options differ from {where} "
        "(options missing: 'Andet'; options added: 'E-mail')",
        f"question 'Kommentarer' (s_3 in {where}) is not in the export",
        f"question 'Hvad vil du ændre?' (s_4 in the export) is not in {where}"]
    assert "add it to the survey in SurveyXact" in found[2].fix

    # The command prints them; without the prepared labels.csv no codes are compared.
    main(["validate", str(orders), "--out", str(workbook.reports)])
    out = capsys.readouterr().out
    assert f"[tiny-2026] warning: export: question 'Kommentarer' (s_3 in {where}) is not in the export" in out
    (pair / "labels.csv").unlink()
    found = [p.message for p in validate_orders(orders, workbook)["tiny-2026"].problems if where in p.message]
    assert len(found) == 3 and "codes changed" not in " ".join(found) and "options added: 'E-mail'" in found[0]
