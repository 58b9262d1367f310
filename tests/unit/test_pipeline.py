"""run.pipeline: an order's stages one at a time on tiny orders, worked out by hand, and the
pure stages (clean, compute, present) touching no file."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Iterator

import pandas as pd
import pytest

from kiap_analysis.core.config import settings
from kiap_analysis.core.errors import InputError
from kiap_analysis.privacy.pseudonyms import PseudonymRegister, load_key, practice_digest
from kiap_analysis.run import pipeline

from conftest import TINY_ORDER, TINY_SPEC, write

# Five respondents kept; respondent 6 answered nothing. Respondent 1 names respondent 2.
SURVEY = """
Respondent;Navn;Status;q1;q2_tlf;q2_brev;q2_andet;q3
1;Ane Testesen;Gennemført;Enig;1;1;0;Tak til Bent Testesen
2;Bent Testesen;Gennemført;Uenig;0;1;0;
3;Cille Testesen;Gennemført;Enig;1;0;0;Fint
4;Dorte Testesen;Gennemført;Ved ikke;1;0;1;
5;Erik Testesen;Gennemført;Hverken eller;0;0;1;
6;Frida Testesen;Gennemført;;;;;
"""

# A referral package: Alfa and Gamma in the referral data, Beta in the listed patients only.
REFERRAL_ORDER = """
orders:
  - id: ref-2026
    cluster: Testklyngen
    municipality: Test Kommune
    package: forebyggelse-rehabilitering
    survey: survey.csv
    invited: 10
    referrals: henv.csv
    listed_patients: tilm.csv
"""
REFERRAL_SURVEY = "id;q1\n" + "\n".join(f"{i};I høj grad" for i in range(1, 7))
REFERRALS = "Ydernummer;Praksisnavn;KOL;Diabetes\n033333;Lægerne Gamma;5;1\n011111;Lægerne Alfa;6;10\n"
LISTED = "Ydernummer;Tilmeldte\n011111;1.600\n022222;2.100\n033333;900\n"


@pytest.fixture
def tiny_orders(tmp_path, workbook):
    write(tmp_path / "in" / "tiny.yaml", TINY_SPEC)
    write(tmp_path / "in" / "survey.csv", SURVEY)
    return write(tmp_path / "in" / "orders.yaml", "orders:\n" + TINY_ORDER)


@pytest.fixture
def referral_orders(tmp_path, workbook):
    for name, text in (("survey.csv", REFERRAL_SURVEY), ("henv.csv", REFERRALS), ("tilm.csv", LISTED)):
        write(tmp_path / "ref" / name, text)
    return write(tmp_path / "ref" / "orders.yaml", REFERRAL_ORDER)


def _computed(orders, order_id):
    """read -> pseudonymise (provisional letters) -> clean -> compute."""
    return pipeline.compute(pipeline.clean(pipeline.pseudonymise(pipeline.read(orders, order_id), None)), settings())


# --------------------------------------------------------------------------- the stages, by hand


def test_each_stage_of_a_tiny_order(tiny_orders):
    inputs = pipeline.read(tiny_orders, "tiny-2026")
    [rnd] = inputs.rounds
    assert (rnd.order.id, rnd.spec.name, rnd.survey.rows_read, rnd.referrals) == ("tiny-2026", "tiny", 6, None)
    assert not inputs.keeps_letters and not inputs.links_respondents  # survey only, no baseline

    named = pipeline.pseudonymise(inputs, None)
    assert named.letters == {} and named.links == {}

    cleaned = pipeline.clean(named)
    [clean_round] = cleaned.rounds
    survey = clean_round.survey
    assert survey.responses["respondent_id"].tolist() == ["1", "2", "3", "4", "5"]
    assert survey.dropped[["respondent_id", "rule"]].values.tolist() == [["6", "non_respondent"]]
    assert survey.responses["q3"].dropna().tolist() == ["Tak til [navn]", "Fint"]  # a respondent's name
    assert "Bent Testesen" in cleaned.identifiers["respondent"] and cleaned.problems == []

    analysis = pipeline.compute(cleaned, settings())
    summary = analysis.current.survey.summary
    assert (summary.invited, summary.responded, summary.completed, summary.response_rate) == (8, 5, 5, 62.5)
    q1, q2 = analysis.current.survey.tables["q1"], analysis.current.survey.tables["q2"]
    assert q1["category"].tolist() == ["Uenig", "Hverken eller", "Enig", "Ved ikke"]
    assert q1["n"].tolist() == [1, 1, 2, 1] and q1["pct"].tolist() == [20.0, 20.0, 40.0, 20.0]
    assert q2["n"].tolist() == [3, 2, 2] and set(q2["base"]) == {5}  # Telefon 1, 3, 4; Brev 1, 2; Andet 4, 5
    assert analysis.current.survey.free_text == {"q3": ["Tak til [navn]", "Fint"]}
    assert analysis.baseline is None and analysis.change is None and analysis.practices == {}
    assert analysis.redactor("Hej Ane Testesen") == "Hej [navn]"  # the respondents' names are redacted

    shown = pipeline.present(analysis)
    assert sorted(shown.tables) == ["q1", "q2"] and shown.risk is None
    assert shown.tables["q2"]["pct"].tolist() == [60.0, 40.0, 40.0]
    assert [(b.key, b.kind) for s in shown.content.steps for b in s.blocks] == [
        ("q1", "chart"), ("q2", "chart"), ("q3", "free_text")]


def test_pseudonymise_gives_provisional_letters_without_a_register(referral_orders):
    inputs = pipeline.read(referral_orders, "ref-2026")
    assert inputs.keeps_letters and inputs.rounds[0].ydernumre == {"011111", "022222", "033333"}
    named = pipeline.pseudonymise(inputs, None)
    assert named.letters == {"011111": "A", "022222": "B", "033333": "C"}  # in ydernummer order
    assert named.practice_names == {"011111": "Lægerne Alfa", "033333": "Lægerne Gamma"}
    analysis = _computed(referral_orders, "ref-2026")
    assert analysis.practices == {"011111": ("A", "Lægerne Alfa"), "022222": ("B", ""),
                                  "033333": ("C", "Lægerne Gamma")}
    kol = analysis.current.referrals.rates.query("offer == 'KOL'").set_index("practice")
    # (6 + 5) referrals over (1,600 + 2,100 + 900) listed: 2.39 per 1,000; Alfa's 6 / 1,600 = 3.75
    assert kol.loc["Klyngen samlet", "rate_per_1000"] == 2.4 and kol.loc["Praksis A", "rate_per_1000"] == 3.8
    assert kol.loc["Praksis B", "referrals"] == 0


def test_pseudonymise_keeps_the_registers_letters_and_enters_new_practices(referral_orders, workbook):
    register = PseudonymRegister(workbook.private, "Testklyngen", load_key(workbook.private))
    assert register.assign(["033333"]) == {"033333": "A"}  # Gamma met at an earlier order
    named = pipeline.pseudonymise(pipeline.read(referral_orders, "ref-2026"), register)
    assert named.letters == {"011111": "B", "022222": "C", "033333": "A"}
    assert sorted(register.letters().values()) == ["A", "B", "C"]
    before = register.path.read_bytes()
    cleaned = pipeline.clean(named)
    pipeline.present(pipeline.compute(cleaned, settings()))
    assert register.path.read_bytes() == before  # only pseudonymise enters practices


def test_clean_raises_the_problems_read_kept_after_the_letters_are_given(referral_orders, workbook):
    orders = referral_orders.read_text(encoding="utf-8") + "    names: names.txt\n"
    write(referral_orders, orders)
    (referral_orders.parent / "names.txt").write_bytes(b"\xff\xfe\xfa Anne")  # not UTF-8
    inputs = pipeline.read(referral_orders, "ref-2026")  # does not raise: the letters come first
    [problem] = inputs.problems
    assert "names.txt" in problem.file
    register = PseudonymRegister(workbook.private, "Testklyngen", load_key(workbook.private))
    named = pipeline.pseudonymise(inputs, register)
    assert sorted(named.letters.values()) == ["A", "B", "C"] and register.path.exists()
    with pytest.raises(InputError) as caught:
        pipeline.clean(named)
    assert caught.value.problems == [problem]


def test_compute_stops_a_round_losing_data_with_its_reconciliation(tiny_orders):
    write(tiny_orders.parent / "survey.csv", """
        Respondent;Navn;Status;q1;q2_tlf;q2_brev;q2_andet;q3
        1;Ane Testesen;Gennemført;Enig;1;0;0;
        1;Ane Testesen;Gennemført;Enig;1;0;0;
        1;Ane Testesen;Delvis;Uenig;;;;
        2;Bent Testesen;Gennemført;Enig;0;1;0;
        3;Cille Testesen;Gennemført;Uenig;0;0;1;
        """)
    cleaned = pipeline.clean(pipeline.pseudonymise(pipeline.read(tiny_orders, "tiny-2026"), None))
    assert cleaned.rounds[0].survey.dropped["rule"].tolist() == ["duplicate_respondent"] * 2
    with pytest.raises(InputError) as caught:
        pipeline.compute(cleaned, settings())
    # 2 of 5 rows dropped as duplicates: past the limit (5 %, and at least 2 rows).
    [problem] = caught.value.problems
    assert "duplicate respondent" in problem.message and "2 of 5" in problem.message, problem.message
    [reconciliation] = caught.value.reconciliations
    assert reconciliation.order_id == "tiny-2026"


# --------------------------------------------------------------------------- no I/O in the pure stages

_RECORDING: list[list[tuple[str, str]]] = []


def _audit(event: str, args: tuple) -> None:
    if _RECORDING and (event == "open" or event.split(".")[0] in {"os", "shutil", "tempfile", "glob"}):
        _RECORDING[-1].append((event, str(args[0]) if args else ""))


sys.addaudithook(_audit)


@contextlib.contextmanager
def file_events() -> Iterator[list[tuple[str, str]]]:
    """Every file event the interpreter audits (open, os.*, shutil.*, ...) inside the block."""
    found: list[tuple[str, str]] = []
    _RECORDING.append(found)
    try:
        yield found
    finally:
        _RECORDING.pop()


def test_the_pure_stages_touch_no_file(tiny_orders, referral_orders):
    for orders, order_id in ((tiny_orders, "tiny-2026"), (referral_orders, "ref-2026")):
        with file_events() as reading:
            inputs = pipeline.read(orders, order_id)
        assert any(event == "open" and path.endswith("survey.csv") for event, path in reading)  # the hook sees I/O
        named = pipeline.pseudonymise(inputs, None)
        first = pipeline.present(pipeline.compute(pipeline.clean(named), settings()))  # imports and font caches
        with file_events() as events:
            cleaned = pipeline.clean(named)
            analysis = pipeline.compute(cleaned, settings())
            shown = pipeline.present(analysis)
        assert events == [], order_id
        # ... and they gave what the first run gave: nothing they took was changed.
        assert sorted(shown.tables) == sorted(first.tables)
        for name, table in shown.tables.items():
            pd.testing.assert_frame_equal(table, first.tables[name])


# --------------------------------------------------------------------------- publish


def test_publish_writes_the_deck_tables_processed_tables_and_letters(referral_orders, workbook, tmp_path):
    out = tmp_path / "out" / "ref-2026"
    write(out / "tables" / "old_question.csv", "stale\n")
    shown = pipeline.present(pipeline.analyse_order(referral_orders, "ref-2026", workbook))
    summary = pipeline.publish(shown, out, workbook)
    assert summary["outputs"] == sorted(["deck.pptx", *(f"tables/{name}.csv" for name in shown.tables)])
    assert sorted(p.name for p in (out / "tables").iterdir()) == sorted(f"{n}.csv" for n in shown.tables)
    assert summary["order_id"] == "ref-2026" and summary["slides"] > 5
    assert summary["disclosure"]["mode"] == "standard" and summary["disclosure"]["letters"] == 3
    rates = pd.read_csv(out / "tables" / "referrals_per_1000.csv")
    kol = rates[rates["offer"] == "KOL"].set_index("practice")
    assert kol.loc["Klyngen samlet", "rate_per_1000"] == 2.4
    key = load_key(workbook.private)
    processed = pd.read_parquet(workbook.processed / "ref-2026" / "listed_patients.parquet")
    assert processed["practice_digest"].tolist() == [practice_digest(key, y) for y in ("011111", "022222", "033333")]
    letters = workbook.private / "letters" / "ref-2026"
    assert sorted(p.name for p in letters.iterdir()) == ["011111.txt", "022222.txt", "033333.txt"]
    identifiers = json.loads((workbook.private / "runs" / "ref-2026.identifiers.json").read_text(encoding="utf-8"))
    assert identifiers["ydernummer"] == ["011111", "022222", "033333"]
    assert identifiers["practice_name"] == ["Lægerne Alfa", "Lægerne Gamma"]


def test_the_api_does_not_load_the_notebook_glue():
    code = ("import sys, kiap_analysis.run.api; "
            "print(sorted(m for m in ('kiap_analysis.run.notebook', 'IPython.display') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
