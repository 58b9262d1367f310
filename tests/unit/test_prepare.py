"""kiap prepare (run.prepare): the questionnaire's structure/labels pair reads back to the same
questions; the data request filled in reads with no warning, and an edited one names the edit."""

from __future__ import annotations

import openpyxl
import pytest

from kiap_analysis.cli.main import main
from kiap_analysis.core.errors import InputError
from kiap_analysis.core.orders import load_orders, resolve_spec
from kiap_analysis.ingest.data_request import MARKER, MARKER_SHEET
from kiap_analysis.ingest.referrals import read_referrals
from kiap_analysis.ingest.survey import read_survey
from kiap_analysis.present.questionnaire import structure_and_labels
from kiap_analysis.run.prepare import prepare_orders, prepared_root

from conftest import TINY_ORDER, TINY_SPEC, write
from sx_export import write_rows

ORDERS = """
practices: praksis.csv
orders:
  - id: ref-2026
    cluster: Testklyngen
    municipality: Test Kommune
    package: forebyggelse-rehabilitering
    survey: survey.csv
    invited: 10
    referrals: henv.xlsx
    listed_patients: tilm.csv
    period: {start: 2026-01-01, end: 2026-12-31}
""" + TINY_ORDER
ROSTER = "Ydernummer;Praksisnavn\n033333;Lægerne Gamma\n011111;Lægerne Alfa\n022222;Lægerne Beta\n"


@pytest.fixture
def prepared(tmp_path, workbook):
    write(tmp_path / "tiny.yaml", TINY_SPEC)
    write(tmp_path / "praksis.csv", ROSTER)
    orders = write(tmp_path / "orders.yaml", ORDERS)
    assert main(["prepare", str(orders), "--out", str(workbook.reports)]) == 0
    return orders, prepared_root(workbook)


def test_the_questionnaire_pair_filled_with_answers_reads_back_to_the_same_questions(prepared, tmp_path):
    orders_file, root = prepared
    folder = root / "tiny-2026" / "spoergeskema"
    assert sorted(p.name for p in folder.iterdir()) == ["labels.csv", "structure.csv"]
    html = (root / "tiny-2026" / "spoergeskema.html").read_text()
    assert "Hvor enig er du?" in html and "<li>Ved ikke</li>" in html and "Sæt gerne flere kryds" in html
    orders = load_orders(orders_file)
    spec = resolve_spec(orders.entry("tiny-2026").order, orders)
    _, _, columns = structure_and_labels(spec)
    assert [c[0] for c in columns] == ["s_1", "s_2_1", "s_2_2", "s_2_3", "s_3"]
    # Three respondents: q1 codes Enig = 3, Ved ikke = 9; q2 0/1 per option; q3 text.
    header = ["respondentid", *(c[0] for c in columns), "stato_1", "stato_2", "stato_3", "stato_4", "stato_5"]
    done = [0, 0, 0, 1, 0]
    write_rows(folder / "dataset.csv", [header, [1, 3, 1, 0, 0, "Godt", *done], [2, 9, 0, 1, 1, "", *done],
                                        [3, 1, 1, 1, 0, "", *done]])
    ingest = read_survey(folder, spec, {}, "spoergeskema")
    answers = ingest.responses.set_index("respondent_id")
    assert list(answers["q1"]) == ["Enig", "Ved ikke", "Uenig"]
    assert list(answers["q3"].fillna("")) == ["Godt", "", ""]
    flags = answers[["q2.tlf", "q2.brev", "q2.andet"]].astype(bool).values.tolist()
    assert flags == [[True, False, False], [False, True, True], [True, True, False]]


def _request(root):
    return root / "ref-2026" / "dataforespoergsel.xlsx"


def _fill(path, target, edit=None):
    book = openpyxl.load_workbook(path)
    sheet = book["Henvisninger"]
    for row in range(2, sheet.max_row + 1):
        for column in range(2, sheet.max_column + 1):
            sheet.cell(row, column).value = row * 10 + column  # row 2, column B -> 22
    if edit:
        edit(sheet)
    book.save(target)
    return target


def test_the_data_request_lists_the_practices_and_offers(prepared):
    _, root = prepared
    book = openpyxl.load_workbook(_request(root))
    assert book.sheetnames == ["Vejledning", "Henvisninger", "Aftaler", MARKER_SHEET]
    assert [c.value for c in book["Aftaler"][1]] == ["Hvad", "Hvem", "Senest (ÅÅÅÅ-MM-DD)"]
    [when] = book["Aftaler"].data_validations.dataValidation
    assert (when.type, str(when.sqref)) == ("date", "C2:C51")
    assert book[MARKER_SHEET].sheet_state == "hidden" and book[MARKER_SHEET]["A1"].value == MARKER
    assert "Periode: 1.1.2026-31.12.2026" in [c.value for c in book["Vejledning"]["A"]]
    sheet = book["Henvisninger"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Ydernummer" and len(rows[0]) == 1 + 5  # the package's five offers
    assert [r[0] for r in rows[1:]] == ["011111", "022222", "033333"]  # text, leading zeros kept
    assert sheet["A2"].number_format == "@"
    [check] = sheet.data_validations.dataValidation
    assert (check.type, check.operator, check.formula1, str(check.sqref)) == ("whole", "greaterThanOrEqual", "0",
                                                                              "B2:F4")
    letter = (root / "ref-2026" / "brev_til_kommunen.txt").read_text()
    assert letter.startswith("Til Test Kommune") and "klyngens 3 praksis" in letter


def test_a_filled_request_reads_with_no_warning(prepared, tmp_path):
    orders_file, root = prepared
    orders = load_orders(orders_file)
    spec = resolve_spec(orders.entry("ref-2026").order, orders)
    path = _fill(_request(root), tmp_path / "henv.xlsx")
    ingest = read_referrals(path, spec.offers, None, "henv.xlsx")
    assert ingest.warnings == [] and ingest.errors == []
    first = spec.offers[0].label
    counts = ingest.counts.set_index(["ydernummer", "offer"])["referrals"]
    assert counts[("011111", first)] == 22 and counts[("033333", spec.offers[4].label)] == 46
    assert ingest.rows_read == 3


def test_an_edited_request_names_each_edit(prepared, tmp_path):
    orders_file, root = prepared
    orders = load_orders(orders_file)
    spec = resolve_spec(orders.entry("ref-2026").order, orders)
    b, c = spec.offers[0].label, spec.offers[1].label

    def move_column(sheet):  # swap columns B and C, headers with their counts
        for row in range(1, sheet.max_row + 1):
            left, right = sheet.cell(row, 2), sheet.cell(row, 3)
            left.value, right.value = right.value, left.value

    moved = read_referrals(_fill(_request(root), tmp_path / "moved.xlsx", move_column), spec.offers, None, "m.xlsx")
    assert [p.message for p in moved.warnings] == [
        f"data request for ref-2026: column '{c}' moved from column C to column B",
        f"data request for ref-2026: column '{b}' moved from column B to column C"]
    assert moved.counts.set_index(["ydernummer", "offer"])["referrals"][("011111", b)] == 22  # read by header

    deleted = _fill(_request(root), tmp_path / "deleted.xlsx", lambda sheet: sheet.delete_rows(3))
    with pytest.raises(InputError) as caught:
        read_referrals(deleted, spec.offers, None, "d.xlsx")
    [problem] = caught.value.problems
    assert problem.message == "data request for ref-2026: the row of practice 2 of 3 (row 3 as sent) was deleted"
    assert "022222" not in str(problem)


def test_a_package_with_referrals_needs_the_practices(tmp_path, workbook):
    write(tmp_path / "tiny.yaml", TINY_SPEC)
    orders = write(tmp_path / "orders.yaml", ORDERS.replace("practices: praksis.csv\n", ""))
    [ref, tiny] = prepare_orders(orders, workbook)
    assert "the cluster's practices are not known" in ref.problems[0].message
    assert [p.suffix for p in ref.written] == [".html", ".csv", ".csv"]  # the questionnaire, no request
    assert tiny.problems == [] and len(tiny.written) == 4  # one order's problem never stops the others
    assert tiny.written[-1].name == "aftaler.xlsx"  # no data request: the sheet 'Aftaler' alone


def test_the_requests_sheet_aftaler_takes_the_meetings_agreements(prepared, tmp_path):
    from kiap_analysis.ingest.agreements import read_agreements

    _, root = prepared
    book = openpyxl.load_workbook(_request(root))
    book["Aftaler"].append(["Kommunen sender en oversigt over tilbuddene", "Kommunen", "2026-04-01"])
    book.save(tmp_path / "med_aftaler.xlsx")
    [agreement] = read_agreements(tmp_path / "med_aftaler.xlsx", "med_aftaler.xlsx")
    assert agreement.text() == "Kommunen sender en oversigt over tilbuddene – Kommunen, senest 1.4.2026"
    with pytest.raises(InputError, match="the sheet 'Aftaler' holds no agreements"):
        read_agreements(_request(root), "dataforespoergsel.xlsx")  # as prepared: empty
