"""The reconciliation and the data-loss rules (issue 13): numbers that add up, each drop with its
rule and rows, validate's exit code and printout, the report's data section, the manifest."""

import json

import pytest
from openpyxl import Workbook

from kiap_analysis.clean import reconcile
from kiap_analysis.cli.main import main
from kiap_analysis.core.errors import KiapError
from kiap_analysis.present.report import data_section_html
from kiap_analysis.run.pipeline import analyse_order

import sx_export
from conftest import TINY_SPEC, write

AKUT = "    package: akutfunktioner\n    questions: {remove: [q4, q5, q6, q8, q9, q11]}\n"


def order(order_id: str, body: str, invited: int | None = 9) -> str:
    text = f"  - id: {order_id}\n    cluster: Testklyngen\n    municipality: Test Kommune\n" + body
    return text + (f"    invited: {invited}\n" if invited else "")


@pytest.fixture
def folder(tmp_path, workbook, monkeypatch):
    """A working folder: orders.yaml and its inputs, validated by relative path (as users do)."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "tiny.yaml", TINY_SPEC)
    return tmp_path


def validate(folder, orders: str, capsys) -> tuple[int, list[str]]:
    write(folder / "orders.yaml", "orders:\n" + orders)
    code = main(["validate", "orders.yaml"])
    return code, capsys.readouterr().out.splitlines()


def lines_of(lines: list[str], order_id: str) -> list[str]:
    return [line for line in lines if line.startswith(f"[{order_id}]") or line.startswith("  ")]


# ------------------------------------------------------------------ the survey's ledger, by hand


def test_surveyxact_without_respondentid_validates_with_its_reconciliation(folder, capsys):
    sx_export.write_csv_folder(folder / "export", "cp1252", ",", respondentid=False, contacts=True)
    code, lines = validate(folder, order("sx", AKUT + "    survey: export\n"), capsys)
    assert code == 0
    assert lines[:8] == [
        "[sx] reconciliation, this round (Basismåling):",
        "  survey export (SurveyXact (CSV-filer, cp1252, ','); export/dataset.csv: 9 rows; "
        "export/structure.csv: 25 rows; export/labels.csv: 59 rows)",
        "      9 rows read (4 completed, 2 partial, 2 distributed, 1 dropped out)",
        "      - 3 non_respondent: no answer at all (non-respondent) (rows 8, 9, 10)",
        "      = 6 rows with answers (4 completed, 2 partial)",
        "      = 6 respondents counted (4 completed, 2 partial)",
        "      per question: q1 base 6, 6 answers read; q2 base 4, 17 answers read; q3 base 2, 2 answers read; "
        "q7 base 5, 7 answers read; q10 base 4, 4 answers read",
        "[sx] warning: export/dataset.csv, column 'P': column 'id' repeats its values (2 different values in 9 rows), "
        "so it does not identify respondents: it is read as a contact column, and rows are not deduplicated by it "
        "Fix: if a column identifies each respondent, name it with respondent_id: <column> in the order",
    ]
    assert lines[-1].startswith("OK: 1 order(s) checked, no errors, nothing lost")


def test_survey_account_adds_up(folder):
    sx_export.write_xlsx(folder / "export.xlsx", status_labels=sx_export.STATUS_LABELS["de"])
    write(folder / "orders.yaml", "orders:\n" + order("de", AKUT + "    survey: export.xlsx\n"))
    analysis = analyse_order(folder / "orders.yaml", "de", dry_run=True)
    [account] = analysis.current.reconciliation.accounts
    assert [(s.key, s.count, s.parts) for s in account.stages] == [
        ("rows_read", 9, (("completed", 4), ("partial", 2), ("distributed", 2), ("dropped_out", 1))),
        ("respondents", 6, (("completed", 4), ("partial", 2))),
        ("counted", 6, (("completed", 4), ("partial", 2)))]
    assert [(d.rule, d.rows) for d in account.stages[1].drops] == [("non_respondent", (8, 9, 10))]
    assert [(q.question_id, q.base, q.answers_read) for q in account.questions] == [
        ("q1", 6, 6), ("q2", 4, 17), ("q3", 2, 2), ("q7", 5, 7), ("q10", 4, 4)]  # q2: 4 items; q7: ticks
    assert account.inputs == (("export.xlsx, sheet 'Dataset'", 9), ("export.xlsx, sheet 'Structure'", 20),
                              ("export.xlsx, sheet 'Labels'", 59))
    manifest = analysis.current.reconciliation.to_dict()
    assert manifest["accounts"][0]["stages"][1] == {
        "stage": "respondents", "count": 6, "parts": {"completed": 4, "partial": 2},
        "drops": [{"rule": "non_respondent", "count": 3, "rows": [8, 9, 10], "file": "export.xlsx",
                   "accepted": False}]}
    json.dumps(manifest)  # JSON as it is


def test_the_chain_is_checked():
    bad = reconcile.Account("survey", "x.csv", "plain", (), (
        reconcile.Stage("rows_read", 5), reconcile.Stage("respondents", 4, ())))
    with pytest.raises(KiapError, match="does not add up at 'respondents'"):
        bad.check()


# ------------------------------------------------------------------ data loss: errors, limits, accept_loss

DUPLICATE_ERROR = (
    "[sx-id] error: export/dataset.csv: rule duplicate_respondent (duplicate respondent (same respondent id)) "
    "dropped 4 of 6 rows with answers, rows 3, 4, 5, 6: more than the limit (5 % of the rows with answers, from "
    "2), so the order stops Fix: if the column does not identify one respondent, set respondent_id: to the column "
    "that does (or respondent_id: none); if the rows are true duplicates, accept them; or accept it in the order with "
    "accept_loss: {duplicate_respondent: <reason>} (orders.yaml, line 2)")


def test_a_drop_past_the_limit_fails_validate_unless_accepted(folder, capsys):
    sx_export.write_csv_folder(folder / "export", "utf-8", ";", respondentid=False, contacts=True)
    body = AKUT + "    survey: export\n    respondent_id: id\n"
    code, lines = validate(folder, order("sx-id", body), capsys)
    assert code == 1
    assert "      - 4 duplicate_respondent: duplicate respondent (same respondent id) (rows 3, 4, 5, 6)" in lines
    assert "      = 2 respondents counted (1 completed, 1 partial)" in lines
    assert DUPLICATE_ERROR in lines
    assert lines[-1] == "1 problem(s) must be fixed before these orders can run."

    accepted = body + "    accept_loss: {duplicate_respondent: one answer per practice is wanted}\n"
    code, lines = validate(folder, order("sx-id", accepted), capsys)
    assert code == 0
    assert ("[sx-id] warning: export/dataset.csv: rule duplicate_respondent (duplicate respondent (same respondent "
            "id)) dropped 4 of 6 rows with answers, rows 3, 4, 5, 6; accepted by the order (accept_loss: "
            "duplicate_respondent: one answer per practice is wanted)") in lines
    assert "(rows 3, 4, 5, 6) [accepted by accept_loss]" in " ".join(lines)
    assert lines[-1].startswith("OK: 1 order(s) checked")  # accepted: nothing lost without the order's word


def test_one_duplicate_is_within_the_limit_but_never_ok(folder, capsys):
    write(folder / "survey.csv", "Respondent;Status;q1\n1;Gennemført;Enig\n2;Gennemført;Enig\n2;Delvis;Uenig\n")
    code, lines = validate(folder, order("dup", "    package: tiny.yaml\n    survey: survey.csv\n", 3), capsys)
    assert code == 0
    assert any(line.startswith("[dup] warning: survey.csv: rule duplicate_respondent") and
               "dropped 1 of 3 rows with answers, row 4 (within the limit" in line for line in lines)
    assert lines[-1] == ("No errors in 1 order(s), but rows or answers were dropped by a data-loss rule in dup (1): "
                         "see the warnings and the reconciliation.")


def test_unknown_answers_past_the_limit_fail(folder, capsys):
    write(folder / "survey.csv", "Respondent;q1;q3\n1;Enig;\n2;Måske;\n3;Måske;\n4;Enig;x\n")
    code, lines = validate(folder, order("codes", "    package: tiny.yaml\n    survey: survey.csv\n", 4), capsys)
    assert code == 1
    # rows 3 and 4 answered only 'Måske': they count as respondents whose answers cannot be counted
    assert ("      - 2 uncounted_answers: answered, but no answer can be counted (only columns that are not read, "
            "or answers that match none of the question's answers) (rows 3, 4; answers in 'q1')") in lines
    assert ("      per question: q1 base 2, 4 answers read, 2 left out (unknown_answer: text in column 'q1', "
            "rows 3, 4); q2 base 2, 0 answers read; q3 base 1, 1 answers read") in lines
    assert any(line.startswith("[codes] error: survey.csv, column 'B': rule unknown_answer (answer that matches "
                               "none of the question's answers) dropped 2 of 4 answers to q1 (text in column "
                               "'q1'), rows 3, 4: more than the limit (5 % of the answers, from 2)")
               for line in lines)
    assert not [line for line in lines if "Måske" in line]  # a cell's content is never quoted


def test_answers_only_outside_the_package_are_lost_rows(folder, capsys):
    # 'spm1' is q1 under another name: rows 3 and 4 answered nothing else
    write(folder / "survey.csv", "Respondent;Status;spm1;q3\n1;Gennemført;Enig;Godt\n2;Gennemført;Enig;\n"
                                  "3;Delvis;Uenig;\n4;Gennemført;;\n")
    code, lines = validate(folder, order("outside", "    package: tiny.yaml\n    survey: survey.csv\n", 4), capsys)
    assert code == 1
    assert "      - 1 non_respondent: no answer at all (non-respondent) (row 5)" in lines
    assert ("      - 2 uncounted_answers: answered, but no answer can be counted (only columns that are not read, "
            "or answers that match none of the question's answers) (rows 3, 4; answers in 'spm1')") in lines
    assert "      = 1 respondents counted (1 completed)" in lines
    assert any(" error: survey.csv: rule uncounted_answers" in line and "2 of 3 rows with answers (answers in "
               "'spm1')" in line and "Fix: map the columns to the package's questions with survey_map" in line
               for line in lines)


# ------------------------------------------------------------------ invited


def test_invited_below_respondents_and_missing_invited_are_errors(folder, capsys):
    write(folder / "survey.csv", "Respondent;q1\n" + "".join(f"{i};Enig\n" for i in range(1, 29)))
    orders = (order("few", "    package: tiny.yaml\n    survey: survey.csv\n", 10)
              + order("none", "    package: tiny.yaml\n    survey: survey.csv\n", None))
    code, lines = validate(folder, orders, capsys)
    assert code == 1
    assert ("[few] error: orders.yaml, line 2, column 'invited': invited: 10, but 28 respondents answered "
            "(survey.csv): the response rate would be 280 % Fix: correct invited: to the number of members the "
            "survey was sent to") in lines
    assert ("[none] error: orders.yaml, line 8, column 'invited': order none does not say how many were invited, "
            "and the export does not list them: the response rate and 'n = ... af ... inviterede' cannot be given "
            "Fix: add invited: N (the number of cluster members the survey was sent to) to the order") in lines
    assert "      = 28 respondents counted (28 completed)" in lines  # the reconciliation is still shown


def test_surveyxact_lists_the_invited(folder, capsys):
    sx_export.write_xlsx(folder / "export.xlsx")
    code, lines = validate(folder, order("sx", AKUT + "    survey: export.xlsx\n", None)
                           + order("sx10", AKUT + "    survey: export.xlsx\n", 10), capsys)
    assert code == 0
    assert any("[sx] warning: export.xlsx: the order does not say how many were invited; the export lists 9" in line
               for line in lines)
    assert ("[sx10] warning: orders.yaml, line 8, column 'invited': invited: 10, but the export lists 9 people the "
            "survey was sent to (export.xlsx); 10 is used Fix: check invited: against the survey's distribution"
            ) in lines


# ------------------------------------------------------------------ referrals

FOREBYG = "    package: forebyggelse-rehabilitering\n    survey: forebyg.csv\n"


def forebyg_survey(folder):
    return write(folder / "forebyg.csv", "Respondent;q1\n" + "".join(f"{i};I høj grad\n" for i in range(1, 10)))


def test_referral_reconciliation_and_a_header_only_file(folder, capsys):
    forebyg_survey(folder)
    write(folder / "henvisninger.csv", "Henvisninger 2025\n\nYdernummer;Tilbud;Antal\n012345;KOL;7\n"
                                        "012345;Diabetes;2\n234567;KOL;3\nI alt;;12\n")
    write(folder / "tom.csv", "Ydernummer;Diabetes;KOL\n")
    write(folder / "tilmeldte.csv", "Ydernummer;Tilmeldte\n012345;1.600\n")
    orders = (order("refs", FOREBYG + "    referrals: henvisninger.csv\n    listed_patients: tilmeldte.csv\n")
              + order("empty", FOREBYG + "    referrals: tom.csv\n    listed_patients: tilmeldte.csv\n"))
    code, lines = validate(folder, orders, capsys)
    assert code == 1
    refs = lines[lines.index("  referrals henvisninger.csv (lang (praksis, tilbud, antal); henvisninger.csv: 4 rows)"):]
    assert refs[1:9] == [
        "      4 rows read",
        "      - 1 total_row: total row ('I alt') (row 7)",
        "      = 3 rows counted",
        "      : 2 practices",
        "      : 2 offers",
        "      : 12 referrals counted (3 without a rate (no listed patients))",
        "  listed patients tilmeldte.csv (tilmeldte patienter; tilmeldte.csv: 1 rows)",
        "      1 rows read",
    ]
    assert "  referrals tom.csv (bred (én kolonne pr. tilbud); tom.csv: 0 rows)" in lines
    assert ("[empty] error: tom.csv, row 1: the referral file has a header row but no rows of data below it Fix: "
            "deliver the file with its rows (an empty file would count every practice as 0)") in lines
    assert not [line for line in lines if line.startswith("[refs] error")]


def test_a_referral_row_without_an_offer_stops_the_order(folder, capsys):
    forebyg_survey(folder)
    book = Workbook()
    for row in (["Henvisningsdato", "Ydernummer", "Forløb"], ["01-02-2025", "012345", "KOL"],
                ["02-02-2025", "012345", None], ["03-02-2024", "012345", "KOL"]):
        book.active.append(row)
    book.save(folder / "rows.xlsx")
    write(folder / "tilmeldte.csv", "Ydernummer;Tilmeldte\n012345;1.600\n")
    body = (FOREBYG + "    referrals: rows.xlsx\n    listed_patients: tilmeldte.csv\n"
            "    period: {start: 2025-01-01, end: 2025-12-31}\n")
    code, lines = validate(folder, order("rows", body), capsys)
    assert code == 1
    assert "      - 1 outside_period: referral dated outside the order's period (row 4)" in lines
    assert "      - 1 no_offer: row without an offer (row 3)" in lines
    assert any(line.startswith("[rows] error: rows.xlsx: rule no_offer (row without an offer) dropped 1 row(s), row 3: "
                               "more than the limit (0 referral rows), so the order stops Fix: fill in the offer")
               for line in lines)


# ------------------------------------------------------------------ the report's data section


def test_the_report_shows_the_reconciliation(folder):
    write(folder / "survey.csv", "Respondent;Status;q1\n1;Gennemført;Enig\n2;Gennemført;Enig\n2;Delvis;Uenig\n"
                                  "3;Delvis;\n4;Gennemført;Måske\n")
    write(folder / "orders.yaml", "orders:\n" + order("dup", "    package: tiny.yaml\n    survey: survey.csv\n"
                                                       "    accept_loss: {duplicate_respondent: kendt dublet}\n", 4))
    html = data_section_html(analyse_order(folder / "orders.yaml", "dup", dry_run=True))
    assert "<h4>Spørgeskema: survey.csv</h4>" in html
    assert ("<tr><td>Rækker læst</td><td>5</td><td>3 gennemførte, 2 delvise</td><td></td></tr>"
            "<tr><td>− ingen svar (ikke-respondent)</td><td>1</td><td></td><td>5</td></tr>"
            "<tr><td>= Rækker med svar</td><td>4</td><td>3 gennemførte, 1 delvise</td><td></td></tr>"
            "<tr><td>− svar, der ikke kan tælles (kolonner, der ikke læses, eller ukendte svar)</td><td>1</td>"
            "<td>svar i &#x27;q1&#x27;; datatab: se advarslerne</td><td>6</td></tr>"
            "<tr><td>− dublet af respondent (samme id)</td><td>1</td><td>accepteret i bestillingen: kendt dublet</td>"
            "<td>4</td></tr>"
            "<tr><td>= Besvarelser, der indgår</td><td>2</td><td>2 gennemførte</td><td></td></tr>") in html
    assert ("<td>q1</td><td>Hvor enig er du?</td><td>4</td><td>2</td><td>1 (tekst i kolonne "
            "&#x27;q1&#x27;; datatab: se advarslerne, række 6)</td>") in html
    assert "Måske" not in html
    assert "accepteret i bestillingen (accept_loss: duplicate_respondent: kendt dublet)" in html  # the warning


# ------------------------------------------------------------------ kiap run: the failing order, the manifest




def test_contact_values_are_redacted_from_free_text(folder):
    dataset, structure, labels = sx_export.tables(respondentid=False, contacts=True)
    q3 = dataset[0].index("s_3")
    dataset[1][q3] = "Lægehuset Fjordgade ringer aldrig tilbage (Fornavn101 Efternavn101)"
    for name, rows in (("dataset", dataset), ("structure", structure), ("labels", labels)):
        sx_export.write_rows(folder / "export" / f"{name}.csv", rows)
    write(folder / "orders.yaml", "orders:\n" + order("sx", AKUT + "    survey: export\n"))
    analysis = analyse_order(folder / "orders.yaml", "sx", dry_run=True)
    assert analysis.current.survey.free_text["q3"] == ["[navn] ringer aldrig tilbage ([navn] [navn])",
                                                       "Demente med infektion"]
