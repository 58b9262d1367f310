"""The orders file read through its model (core.orders.OrderModel): every problem of an order
with its line, column and fix, one bad order never stopping the others."""

import datetime as dt

import pytest

from kiap_analysis.core.orders import KNOWN_FIELDS, OrderModel, Period, load_orders

from conftest import write

NAMES = "    cluster: K\n    municipality: M\n    package: akutfunktioner\n"
FIELDS = ", ".join(sorted(KNOWN_FIELDS))
LOSS_FIX = ("write e.g. accept_loss: {duplicate_respondent: 'two test answers by the coordinator'}; rules: "
            "uncounted_answers, duplicate_respondent, unknown_answer, no_offer, no_admission_time")

# order id -> (the order's lines after its id, the problems: (line, column, message, fix))
CASES = {
    "unknown": ("    listed_patient: x.csv\n", [
        (6, "listed_patient", "unknown field 'listed_patient'", f"use one of: {FIELDS}")]),
    "no-cluster": ("    municipality: M\n    package: akutfunktioner\n    cluster:\n", [
        (5, "cluster", "'cluster' is missing", "add 'cluster:' to order no-cluster")]),
    "round": ("    round: opfølgning\n", [
        (6, "round", "round 'opfølgning' is not baseline or follow-up", "write round: baseline or round: follow-up")]),
    "follow-up": ("    round: follow-up\n", [
        (1, "baseline", "a follow-up order must name its baseline order", "add baseline: <id of the baseline order>")]),
    "invited-text": ("    invited: 31 læger\n", [
        (6, "invited", "invited must be a positive whole number, got '31 læger'",
         "write the number of members invited")]),
    "invited-zero": ("    invited: 0\n", [
        (6, "invited", "invited must be a positive whole number, got 0", "write the number of members invited")]),
    "invited-flag": ("    invited: true\n", [
        (6, "invited", "invited must be a positive whole number, got True", "write the number of members invited")]),
    "invited-decimal": ("    invited: 2.5\n", [
        (6, "invited", "invited must be a positive whole number, got 2.5", "write the number of members invited")]),
    "period-reversed": ("    period: {start: 2025-12-31, end: 2025-01-01}\n", [
        (6, "period", "the period ends before it starts", "swap start and end")]),
    "period-no-end": ("    period: {start: 2025-01-01}\n", [
        (6, "period", "period needs start and end", "write period: {start: 2025-01-01, end: 2025-12-31}")]),
    "period-year": ("    period: 2025\n", [
        (6, "period", "period needs start and end", "write period: {start: 2025-01-01, end: 2025-12-31}")]),
    "period-dates": ("    period: {start: 2025-13-01, end: 31.12.2025}\n", [  # YAML cannot build 2025-13-01
        (6, "period", "cannot read the dates '2025-13-01', '31.12.2025'", "write dates as YYYY-MM-DD")]),
    "questions-list": ("    questions: [q1]\n", [
        (6, "questions", "questions must be a mapping with 'remove' and/or 'add'",
         "see docs/input-formats.md, Local question edits")]),
    "questions-typo": ("    questions: {remov: [q1]}\n", [
        (6, "questions", "questions has remove and add only, not 'remov'",
         "see docs/input-formats.md, Local question edits")]),
    "questions-remove-text": ("    questions: {remove: q1}\n", [
        (6, "questions", "questions must be a mapping with 'remove' and/or 'add'",
         "see docs/input-formats.md, Local question edits")]),
    "period-note": ("    period: {start: 2025-01-01, end: 2025-12-31, note: kalenderår}\n", [
        (6, "period", "period has start and end only, not 'note'",
         "write period: {start: 2025-01-01, end: 2025-12-31}")]),
    "survey-map": ("    survey_map: [q1]\n", [
        (6, "survey_map", "survey_map must map question ids to export variables", "write e.g. survey_map: {q1: s_1}")]),
    "language": ("    survey_language: FR\n", [
        (6, "survey_language", "survey_language 'fr' is not one of da, en, de, no, sv",
         "write the language the SurveyXact files are named for, e.g. survey_language: da")]),
    "loss-list": ("    accept_loss: [duplicate_respondent]\n", [
        (6, "accept_loss", "accept_loss must map data-loss rules to the reason they are accepted", LOSS_FIX)]),
    "loss-rules": ("    accept_loss: {dubletter: x, duplicate_respondent: '', unknown_answer: fine}\n", [
        (6, "accept_loss", "accept_loss names 'dubletter', which is not a data-loss rule", LOSS_FIX),
        (6, "accept_loss", "accept_loss: duplicate_respondent needs a reason", LOSS_FIX)]),
    "disclosure": ("    disclosure: Secret\n", [
        (6, "disclosure", "disclosure 'secret' is not one of standard, strict",
         "write disclosure: standard (the default) or disclosure: strict (see docs/privacy.md)")]),
    "municipality-list": ("    municipality: [A, B]\n    cluster: K\n    package: akutfunktioner\n", [
        (3, "municipality", "'municipality' must be one value, not a list or a mapping",
         "write municipality: <one value>")]),
    "template": ("    template: t.pptx\n", [
        (6, "template", "'t.pptx' does not exist", "check the path (relative to orders.yaml)")]),
}


def orders_text() -> str:
    text = "orders:\n"
    for order_id, (body, _) in CASES.items():
        names = "" if "cluster" in body else NAMES
        survey = "" if "survey:" in body else "    survey: s.csv\n"
        text += f"  - id: {order_id}\n" + names + survey + body
    return text


@pytest.fixture
def orders(tmp_path):
    write(tmp_path / "s.csv", "Respondent;q1\n1;Enig\n")
    return load_orders(write(tmp_path / "orders.yaml", orders_text()))


def test_each_problem_is_named_with_its_line_column_and_fix(orders):
    first = {}  # each order's first line in the file
    for number, line in enumerate(orders_text().splitlines(), start=1):
        if line.startswith("  - id: "):
            first[line.removeprefix("  - id: ")] = number
    for order_id, (_, expected) in CASES.items():
        entry = orders.entry(order_id)
        said = [(p.line - first[order_id] + 1, p.column, p.message, p.fix) for p in entry.problems]
        assert said == expected, order_id
        assert not entry.ok and all(p.file == str(orders.path) for p in entry.problems)


def test_a_bad_order_keeps_what_it_says_right(orders):
    order = orders.entry("invited-text").order
    assert (order.cluster, order.municipality, order.package, order.invited) == ("K", "M", "akutfunktioner", None)
    assert order.survey == orders.path.parent / "s.csv"
    assert orders.entry("no-cluster").order.cluster == ""
    assert orders.entry("loss-rules").order.accept_loss == {}
    assert orders.entry("round").order.round == "baseline"


def test_every_problem_of_one_order_in_the_order_of_its_lines(tmp_path):
    write(tmp_path / "s.csv", "Respondent;q1\n1;Enig\n")
    path = write(tmp_path / "orders.yaml", "orders:\n  - id: many\n    cluster: K\n    package: akutfunktioner\n"
                 "    survey: nowhere.csv\n    invited: -3\n    bogus: 1\n    period: {start: 2025-01-01}\n"
                 "  - id: fine\n" + NAMES + "    survey: s.csv\n")
    orders = load_orders(path)
    assert [(p.line, p.column) for p in orders.entry("many").problems] == [
        (2, "municipality"), (5, "survey"), (6, "invited"), (7, "bogus"), (8, "period")]
    assert orders.entry("fine").ok


def test_an_order_as_written_reads_into_the_order(tmp_path):
    write(tmp_path / "s.csv", "Respondent;q1\n1;Enig\n")
    path = write(tmp_path / "orders.yaml", """
        orders:
          - id: 12345
            cluster: ' K '
            municipality: M
            package: akutfunktioner
            survey: s.csv
            round: ' follow-up '
            baseline: 2024
            invited: 5
            period: {start: 2025-01-01, end: '2025-12-31'}
            survey_language: DA
            disclosure: Strict
            accept_loss: {duplicate_respondent: ' test '}
            survey_map: {q1: s_1, q2: [a, b], 3: 4}
            questions: {remove: [q10, 5], add: [{id: x, block: blok1, type: free_text, text: Hej}]}
            respondent_id: ' Respondent '
        """)
    entry = load_orders(path).entry("12345")
    order = entry.order
    assert entry.ok and order.line == 2
    assert (order.id, order.cluster, order.round, order.baseline) == ("12345", "K", "follow-up", "2024")
    assert order.period == Period(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert (order.survey_language, order.disclosure, order.is_strict) == ("da", "strict", True)
    assert order.accept_loss == {"duplicate_respondent": "test"}
    assert order.survey_map == {"q1": "s_1", "q2": ["a", "b"], "3": "4"}
    assert order.questions_remove == ("q10", "5")
    assert order.questions_add == ({"id": "x", "block": "blok1", "type": "free_text", "text": "Hej"},)
    assert order.respondent_id == "Respondent"


def test_the_model_forbids_unknown_keys_and_knows_the_documented_ones():
    assert OrderModel.model_config["extra"] == "forbid"
    documented = {"id", "cluster", "municipality", "package", "round", "baseline", "survey", "invited", "referrals",
                  "listed_patients", "period", "questions", "survey_map", "template", "names", "respondent_id",
                  "survey_language", "accept_loss", "disclosure", "agreements", "admissions"}
    assert documented == KNOWN_FIELDS
