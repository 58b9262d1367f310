"""The catalogue: both packages as the seeds describe them; local edits."""

import pytest

from kiap_analysis.core.errors import SpecError
from kiap_analysis.core.spec import apply_local_edits, load_catalogue, parse_spec


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_acute_functions_package(catalogue):
    spec = catalogue["akutfunktioner"]
    assert spec.question_ids() == [f"q{i}" for i in range(1, 12)]
    types = {q.id: q.type for q in spec.questions}
    assert [q for q, t in types.items() if t == "free_text"] == ["q3", "q6", "q8", "q11"]
    assert types["q7"] == "multi_choice"
    grid = spec.question("q2")
    assert grid.type == "likert_grid"
    assert [i.label for i in grid.items] == ["Akut sygdom", "Kronisk sygdom", "Psykisk sygdom",
                                             "Komplekse tilstande"]
    for qid in ("q1", "q4", "q5", "q9", "q10"):
        assert spec.question(qid).type == "likert"
    assert spec.data == ("survey",)
    shown = [c.ref for step in spec.program for c in step.content]
    assert sorted(shown, key=lambda q: int(q[1:])) == spec.question_ids()


def test_prevention_package_follows_the_guide(catalogue):
    spec = catalogue["forebyggelse-rehabilitering"]
    assert spec.question_ids() == [f"q{i}" for i in range(1, 9)]
    assert spec.question("q7").text == "Hvor får du oplysninger om kommunens tilbud?"
    assert spec.question("q8").type == "free_text"
    assert [o.label for o in spec.offers] == ["Diabetes", "Hjertesygdom", "KOL", "Kræft", "Lænderygsmerter"]
    assert "Kronisk obstruktiv lungesygdom" in spec.offers[2].aliases
    assert spec.uses_referrals
    assert [s.id for s in spec.program] == ["intro", "blok1", "pause", "blok2", "blok3", "opsamling"]
    assert [s.minutes for s in spec.program] == [10, 60, 20, 20, 20, 20]  # 2 h 30 min in all
    steps = {s.id: s for s in spec.program}
    assert steps["blok1"].content[0].kind == "referrals"
    assert steps["blok1"].reflection[0] == "Er antallet af henvisninger til kommunen passende?"
    assert len(steps["blok1"].reflection) == 8
    assert len(steps["blok2"].reflection) == 7
    assert len(steps["blok3"].reflection) == 6
    assert len(steps["opsamling"].reflection) == 6


def test_local_edits_remove_and_add(catalogue):
    spec = catalogue["akutfunktioner"]
    edited = apply_local_edits(spec, remove=["q10"], add=[{
        "id": "lokal1", "block": "blok2", "type": "single_choice", "text": "Ny?",
        "options": ["Ja", "Nej"]}])
    assert "q10" not in edited.question_ids() and "lokal1" in edited.question_ids()
    refs = {s.id: [c.ref for c in s.content] for s in edited.program}
    assert refs["blok3"] == ["q7", "q8", "q9"]
    assert refs["blok2"] == ["q4", "q5", "q6", "lokal1"]
    with pytest.raises(SpecError, match="unknown question"):
        apply_local_edits(spec, remove=["q99"])
    with pytest.raises(SpecError, match="which block"):
        apply_local_edits(spec, add=[{"id": "x", "type": "free_text", "text": "?"}])


def test_spec_errors_name_the_place():
    with pytest.raises(SpecError, match=r"questions\[0\] \(q1\): unknown scale 'nope'"):
        parse_spec({"name": "x", "title": "X", "version": 1, "program": [],
                    "questions": [{"id": "q1", "text": "?", "type": "likert", "scale": "nope"}]}, "x.yaml")


def test_a_malformed_added_question_names_its_place(catalogue):
    spec = catalogue["akutfunktioner"]
    cases = {
        "type 'nope' is not one of single_choice, likert, likert_grid, multi_choice, free_text":
            {"id": "x", "type": "nope", "text": "?", "block": "blok1"},
        "a likert question needs 'scale' (a scale name under scales:, or a scale written out)":
            {"id": "x", "type": "likert", "text": "?", "block": "blok1"},
        "unknown key(s) 'blok' (known: id, text, type, short, block)":
            {"id": "x", "type": "free_text", "text": "?", "blok": "blok1"},
        "unknown scale 'nope' (known: kendskab, opfyldelse, kapacitet, kompetence, dialog, hyppighed)":
            {"id": "x", "type": "likert", "scale": "nope", "text": "?", "block": "blok1"},
    }
    for message, question in cases.items():
        with pytest.raises(SpecError) as caught:
            apply_local_edits(spec, add=[{"id": "ok", "type": "free_text", "text": "!", "block": "blok1"}, question],
                              source="order o")
        assert str(caught.value) == f"order o: questions.add[1] (x): {message}"
    with pytest.raises(SpecError) as caught:
        apply_local_edits(spec, add=["x"], source="order o")
    assert str(caught.value) == "order o: questions.add[0]: expected a mapping with id, text and type"
