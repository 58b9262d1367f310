"""Danish everywhere a reader looks: the messages' catalogue, the index and the command line."""


import pytest

from kiap_analysis.core import messages_da as da
from kiap_analysis.core.errors import Problem
from kiap_analysis.core.manifest import Manifest, Status
from kiap_analysis.present.index import index_html
from kiap_analysis.run.execute import OrderOutcome
from tests.english import english_words, visible_text

NBSP = "\u00a0"
LISTED = Problem("fil 2", "Praksis G has 0 or no listed patients: no rate ('ikke beregnet')",
                 "correct the number of listed patients", row=7, column="B", severity="warning")


def test_a_warning_in_danish_with_its_place_and_fix():
    assert da.danish(LISTED) == ("fil 2, række 7, kolonne 'B': Praksis G har 0 eller ingen tilmeldte patienter: "
                                 "ingen rate ('ikke beregnet') Løsning: ret antallet af tilmeldte patienter")
    assert da.untranslated(LISTED) == []
    assert str(LISTED).endswith("Fix: correct the number of listed patients")  # run.log keeps the English


def test_a_data_loss_warning_in_danish():
    problem = Problem("survey.csv", "rule duplicate_respondent (duplicate respondent (same respondent id)) dropped "
                      "3 of 20 rows with answers, rows 4, 5, 6 (within the limit: 20 % of the rows with answers, "
                      "from 3)", "fill in the offer of every row; or accept it in the order with accept_loss: "
                      "{duplicate_respondent: <reason>} (orders.yaml, line 12)", severity="warning")
    assert da.danish(problem) == (
        "survey.csv: reglen duplicate_respondent (dublet af respondent (samme id)) udelod 3 af 20 rækker med svar, "
        f"række 4, 5, 6 (inden for grænsen: 20{NBSP}% af rækkerne med svar, fra 3) Løsning: udfyld tilbuddet i "
        "hver række; eller acceptér det i bestillingen med accept_loss: {duplicate_respondent: <begrundelse>} "
        "(orders.yaml, linje 12)")


def test_a_follow_up_warning_names_the_rounds_in_danish():
    problem = Problem("orders.yaml", "Kræft is only in the follow-up's referral data (new or renamed): it is shown "
                      "for the follow-up only, without a change since the baseline", "", line=4)
    assert da.danish(problem) == ("orders.yaml, linje 4: Kræft findes kun i opfølgningens henvisningsdata (nyt "
                                  "eller omdøbt): det vises kun for opfølgningen, uden en ændring siden "
                                  "basismålingen")


def test_an_error_kept_as_text_is_shown_in_danish():
    text = ("InputError: fil 1, row 3, column 'C': the file does not exist Fix: check the path in the orders file\n"
            "fil 2: something the catalogue does not know")
    assert da.danish_text(text).splitlines() == [
        "Fejl i inddata: fil 1, række 3, kolonne 'C': filen findes ikke Løsning: tjek stien i ordrefilen",
        "fil 2: something the catalogue does not know"]  # unknown: left as it is, never garbled


def test_an_unknown_message_is_reported_as_untranslated():
    assert da.untranslated(Problem("f", "a brand new message", "do this")) == ["a brand new message", "do this"]


@pytest.mark.parametrize(("n", "text"), [(0, "0 advarsler"), (1, "1 advarsel"), (2, "2 advarsler"),
                                         (1234, "1.234 advarsler")])
def test_singular_and_plural(n, text):
    assert da.count(n, "advarsel", "advarsler") == text


def test_seconds_with_a_decimal_comma_and_a_non_breaking_space():
    assert da.seconds(28.94) == f"28,9{NBSP}s"
    assert da.seconds(12.0, 0) == f"12{NBSP}s"


def _manifest(order_id, round_, warnings=(), status=Status.OK, error=""):
    return Manifest(order_id, status, round=round_, warnings=list(warnings), error=error,
                    timings={"seconds": 12.7}, outputs=["report.html"])


def test_the_index_speaks_danish():
    page = index_html([_manifest("a", "baseline", [da.danish(LISTED)]),
                       _manifest("b", "follow-up", [da.danish(LISTED), da.danish(LISTED)]),
                       _manifest("c", "follow-up", status=Status.FAILED,
                                 error="InputError: fil 1: the file does not exist Fix: check the path in the "
                                       "orders file")])
    text = visible_text(page)
    assert english_words(text) == []
    assert "1 advarsel" in text and "2 advarsler" in text and "1 advarsler" not in text
    assert "Basismåling" in text and "Opfølgning" in text
    assert f"12,7{NBSP}s" in text
    assert "Fejl i inddata: fil 1: filen findes ikke Løsning: tjek stien i ordrefilen" in text


def test_the_command_line_of_a_run_with_warnings_speaks_danish(monkeypatch, capsys, tmp_path):
    from kiap_analysis.cli import main as cli
    from kiap_analysis.run import batch
    from kiap_analysis.run.batch import BatchReport

    outcomes = [OrderOutcome("a-2026", Status.OK, 28.94, warnings=[da.danish(LISTED)]),
                OrderOutcome("b-2026", Status.FAILED, 3.0,
                             error="InputError: fil 1: the file does not exist Fix: check the path in the orders file"),
                OrderOutcome("c-2026", Status.SKIPPED, 0.0)]
    monkeypatch.setattr(batch, "run_orders", lambda *a, **k: BatchReport(outcomes, 28.94, 1))
    assert cli._run(tmp_path / "orders.yaml", tmp_path / "reports") == cli.EXIT_FAILED
    out = capsys.readouterr().out
    assert english_words(out) == []
    assert f"(28,9{NBSP}s, 1 proces)" in out
    assert "Fejl i inddata: fil 1: filen findes ikke" in out
    monkeypatch.setattr(batch, "run_orders", lambda *a, **k: BatchReport(outcomes[:1], 61.0, 2))
    cli._run(tmp_path / "orders.yaml", tmp_path / "reports")
    assert f"(61,0{NBSP}s, 2 processer)" in capsys.readouterr().out


def test_the_word_list_finds_english():
    assert english_words("Praksis G has 0 or no listed patients. Fix: x") != []
    assert english_words("2 worker(s), baseline, follow-up, plain table") != []
    assert english_words("Praksis G har 0 eller ingen tilmeldte patienter. Løsning: x") == []
