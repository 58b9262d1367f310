"""The package-spec JSON Schema: generated from spec_model.py, checked in, and in step with parse_spec."""

import copy
import functools
import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
import yaml

from kiap_analysis.core import spec_schema
from kiap_analysis.core.config import CATALOGUE_DIR
from kiap_analysis.core.errors import SpecError
from kiap_analysis.core.spec import (
    DATA_SOURCES,
    QUESTION_TYPES,
    STEP_KINDS,
    load_catalogue,
    parse_spec,
)
from kiap_analysis.core.spec_schema import SCHEMA_PATH, render

from conftest import ROOT, TINY_SPEC, write

SPEC_FILES = sorted(CATALOGUE_DIR.glob("*.yaml")) + sorted((ROOT / "docs" / "examples" / "packages").glob("*.yaml"))


def checked_in_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(checked_in_schema())


def schema_accepts(raw: Any) -> bool:
    return _validator().is_valid(raw)


def test_checked_in_schema_is_the_generated_one():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), "run: python -m kiap_analysis.core.spec_schema --write"
    assert spec_schema.main(["--check"]) == 0


def _objects(schema: Any) -> Iterator[dict]:
    """Every object schema (one with properties) inside ``schema``."""
    if isinstance(schema, dict):
        if "properties" in schema and schema.get("type") == "object":
            yield schema
        for value in schema.values():
            yield from _objects(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _objects(value)


def test_schema_follows_the_model():
    schema = checked_in_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert list(schema["properties"]) == ["name", "title", "version", "description", "source", "data", "scales",
                                          "questions", "offers", "admissions", "program"]
    assert schema["required"] == ["name", "title", "version", "questions", "program"]
    defs = schema["$defs"]
    # one closed object per question type, each with what that type needs
    questions = {d["properties"]["type"]["const"]: d["required"] for d in defs.values()
                 if "type" in d.get("properties", {}) and "const" in d["properties"]["type"]}
    assert questions == {"single_choice": ["id", "text", "type", "options"], "likert": ["id", "text", "type", "scale"],
                         "likert_grid": ["id", "text", "type", "scale", "items"],
                         "multi_choice": ["id", "text", "type", "options"], "free_text": ["id", "text", "type"]}
    assert set(questions) == set(QUESTION_TYPES) and len(QUESTION_TYPES) == 5
    assert schema["properties"]["questions"]["items"]["discriminator"]["propertyName"] == "type"
    assert list(defs["ScaleModel"]["properties"]) == ["levels", "dont_know", "higher_is_better"]  # name is the key
    assert defs["ScaleModel"]["properties"]["levels"]["minItems"] == 2
    assert defs["ChoiceModel"]["required"] == ["label"]
    assert defs["StepModel"]["required"] == ["id", "kind", "title"]
    assert defs["StepModel"]["properties"]["kind"]["enum"] == list(STEP_KINDS) == ["intro", "block", "pause", "summary"]
    assert defs["OfferModel"]["required"] == ["id", "label"]
    assert schema["properties"]["data"]["anyOf"][0]["items"]["enum"] == list(DATA_SOURCES) == [
        "survey", "referrals", "admissions"]
    content = defs["ContentModel"]
    assert list(content["properties"]) == ["question", "referrals", "admissions", "chart"]
    assert content["oneOf"] == [{"required": ["question"]},
                                {"required": ["referrals"], "not": {"required": ["chart"]}},
                                {"required": ["admissions"], "not": {"required": ["chart"]}}]
    # every mapping of a spec is closed: an unknown key is an error
    objects = list(_objects(schema))
    assert len(objects) == 14  # the package, scale, choice, five question types, offer, content, step,
    # admissions, origin, focus area
    assert all(o.get("additionalProperties") is False for o in objects)


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_every_spec_file_validates(path):
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.validate(raw, checked_in_schema(), cls=jsonschema.Draft202012Validator)
    parse_spec(raw, str(path))


def test_the_catalogue_loader_is_not_confused_by_the_schema_file():
    assert SCHEMA_PATH.parent == CATALOGUE_DIR and SCHEMA_PATH.exists()
    specs = load_catalogue()
    assert {"akutfunktioner", "forebyggelse-rehabilitering"} <= set(specs)
    assert all(spec.path.suffix == ".yaml" for spec in specs.values())


def _tiny(change) -> dict:
    raw = copy.deepcopy(yaml.safe_load(TINY_SPEC))
    change(raw)
    return raw


TYPES = "single_choice, likert, likert_grid, multi_choice, free_text"
SLIDE = "expected {question: ID}, {question: ID, chart: KIND}, {referrals: rates} or {admissions: CHART}"
BROKEN = {
    "unknown question type": (
        lambda r: r["questions"][0].update(type="likert_scale"),
        f"questions[0] (q1): type 'likert_scale' is not one of {TYPES}"),
    "question without id": (
        lambda r: r["questions"][1].pop("id"),
        "questions[1]: missing 'id' (unique question id; names the survey column and tables/<id>.csv)"),
    "question without type": (
        lambda r: r["questions"][1].pop("type"),
        f"questions[1] (q2): missing 'type' (one of {TYPES})"),
    "levels as text": (
        lambda r: r["scales"]["enighed"].update(levels="Uenig, Hverken eller, Enig"),
        "scales.enighed.levels: expected a list of texts, got 'Uenig, Hverken eller, Enig'"),
    "one level": (
        lambda r: r["scales"]["enighed"].update(levels=["Enig"]),
        "scales.enighed.levels: expected at least 2 entries, got 1"),
    "likert without scale": (
        lambda r: r["questions"][0].pop("scale"),
        "questions[0] (q1): a likert question needs 'scale' (a scale name under scales:, or a scale written out)"),
    "scale as a list": (
        lambda r: r["questions"][0].update(scale=["Uenig", "Enig"]),
        "questions[0] (q1).scale: expected the name of a scale under scales:, or a scale written out "
        "({levels: [...]})"),
    "multi-choice without options": (
        lambda r: r["questions"][1].pop("options"),
        "questions[1] (q2): a multi_choice question needs 'options' (the answer options, each a label or "
        "{id, label})"),
    "no options": (
        lambda r: r["questions"][1].update(options=[]),
        "questions[1] (q2).options: expected a non-empty list"),
    "option without label": (
        lambda r: r["questions"][1]["options"].append({"id": "fax"}),
        "questions[1] (q2).options[3]: missing 'label' (the option as the survey shows it)"),
    "option as a list": (
        lambda r: r["questions"][1]["options"].append(["fax"]),
        "questions[1] (q2).options[3]: expected text or {id, label}, got ['fax']"),
    "options on a free-text question": (
        lambda r: r["questions"][2].update(options=["Ja", "Nej"]),
        "questions[2] (q3): unknown key(s) 'options' (known: id, text, type, short, block)"),
    "unknown step kind": (
        lambda r: r["program"][0].update(kind="break"),
        "program[0] (intro): kind 'break' is not one of intro, block, pause, summary"),
    "minutes as text": (
        lambda r: r["program"][0].update(minutes="5 min"),
        "program[0] (intro).minutes: expected a whole number, got '5 min'"),
    "unknown content": (
        lambda r: r["program"][1]["content"].append({"slide": "q1"}),
        "program[1] (blok1).content[3]: unknown key(s) 'slide' (known: question, referrals, admissions, chart)"),
    "a chart without a slide": (
        lambda r: r["program"][1]["content"].append({"chart": "dot_plot"}),
        f"program[1] (blok1).content[3]: {SLIDE}"),
    "two slides in one entry": (
        lambda r: r["program"][1]["content"].append({"question": "q1", "referrals": "rates"}),
        f"program[1] (blok1).content[3]: {SLIDE}"),
    "a slide as text": (
        lambda r: r["program"][1]["content"].append("q1"),
        f"program[1] (blok1).content[3]: {SLIDE}"),
    "a chart kind for the referral chart": (
        lambda r: r.update(data=["survey", "referrals"], offers=[{"id": "kol", "label": "KOL"}])
        or r["program"][1]["content"].append({"referrals": "rates", "chart": "dot_plot"}),
        f"program[1] (blok1).content[3]: {SLIDE}"),
    "a chart kind that is no name": (
        lambda r: r["program"][1]["content"][0].update(chart=3),
        "program[1] (blok1).content[0].chart: expected the name of a chart kind, got 3"),
    "unknown referral chart": (
        lambda r: r.update(data=["survey", "referrals"], offers=[{"id": "kol", "label": "KOL"}])
        or r["program"][1]["content"].append({"referrals": "bars"}),
        "program[1] (blok1).content[3]: referrals 'bars' is not one of rates"),
    "referral chart without referral data": (
        lambda r: r["program"][1]["content"].append({"referrals": "rates"}),
        "program[1] (blok1).content[3]: referral chart but 'referrals' not in data"),
    "referral data without offers": (
        lambda r: r.update(data=["survey", "referrals"]),
        "offers: a package that uses referral data must list its offers"),
    "unknown data source": (
        lambda r: r.update(data=["survey", "registry"]),
        "data: 'registry' is not one of survey, referrals, admissions"),
    "empty name": (
        lambda r: r.update(name=None),
        "top level: missing 'name' (the catalogue name orders use in 'package:')"),
    "flag left empty": (
        lambda r: r["scales"]["enighed"].update(higher_is_better=None),
        "scales.enighed.higher_is_better: expected true or false, got None"),
    "flag as text": (
        lambda r: r["scales"]["enighed"].update(higher_is_better="yes"),
        "scales.enighed.higher_is_better: expected true or false, got 'yes'"),
}


def test_the_tiny_spec_itself_is_valid():
    assert schema_accepts(_tiny(lambda r: None))


@pytest.mark.parametrize("case", BROKEN, ids=str)
def test_broken_specs_are_rejected_by_schema_and_parser(case):
    change, message = BROKEN[case]
    raw = _tiny(change)
    assert not schema_accepts(raw)
    with pytest.raises(SpecError) as caught:
        parse_spec(raw, "tiny.yaml")
    assert str(caught.value) == f"tiny.yaml: {message}"


def test_a_chart_kind_may_be_named_for_a_slide():
    raw = _tiny(lambda r: r["program"][1]["content"][0].update(chart="dot_plot"))
    assert schema_accepts(raw)
    content = parse_spec(raw, "tiny.yaml").program[1].content
    assert [(c.kind, c.ref, c.chart) for c in content] == [("question", "q1", "dot_plot"), ("question", "q2", None),
                                                           ("question", "q3", None)]


def test_every_problem_is_named_at_once():
    raw = _tiny(lambda r: (r["questions"][0].update(type="x"), r["program"][0].update(kind="y", minutez=5),
                           r.update(owner="KiAP")))
    with pytest.raises(SpecError) as caught:
        parse_spec(raw, "tiny.yaml")
    assert str(caught.value).split("; ") == [
        f"tiny.yaml: questions[0] (q1): type 'x' is not one of {TYPES}",
        "program[0] (intro): kind 'y' is not one of intro, block, pause, summary",
        "program[0] (intro): unknown key(s) 'minutez' (known: id, kind, title, minutes, points, content, reflection)",
        "top level: unknown key(s) 'owner' (known: name, title, version, description, source, data, scales, "
        "questions, offers, admissions, program)",
    ]


def test_schema_and_parser_both_reject_unknown_keys():
    """A misspelt key, and a label cut at a comma in a YAML flow mapping (an extra key)."""
    typo = _tiny(lambda r: r["program"][1].update(reflections=["Hvad nu?"]))
    assert not schema_accepts(typo)
    with pytest.raises(SpecError, match=r"program\[1\] \(blok1\): unknown key\(s\) 'reflections' \(known: id, kind"):
        parse_spec(typo, "tiny.yaml")
    cut = yaml.safe_load(TINY_SPEC.replace("{id: brev, label: Brev}", "{id: brev, label: Brev, fax eller post}"))
    assert not schema_accepts(cut)
    with pytest.raises(SpecError, match=r"options\[1\]: unknown key\(s\) 'fax eller post' \(known: id, label\)$"):
        parse_spec(cut, "tiny.yaml")


# What only the parser can check: names that must exist, ids that must be unique.
REFERENCES = ("unknown scale", "unknown question", "must be unique", "unknown block", "duplicate ids")
VALUES = (None, 5, 1.5, True, "x", [], ["x"], {}, {"x": 1})


def _places(value: Any, path: tuple = ()) -> Iterator[tuple]:
    yield path
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _places(inner, (*path, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _places(inner, (*path, i))


def _mutations(raw: dict) -> Iterator[tuple[str, dict]]:
    """The spec with one place deleted, replaced by another kind of value, or given an unknown key."""
    for path in _places(raw):
        if not path:
            continue
        for value in ("<delete>", *VALUES):
            changed = copy.deepcopy(raw)
            *parents, last = path
            holder = changed
            for part in parents:
                holder = holder[part]
            if value == "<delete>":
                del holder[last]
            else:
                holder[last] = copy.deepcopy(value)
            yield f"{path} = {value!r}", changed
        changed = copy.deepcopy(raw)
        holder = changed
        for part in path:
            holder = holder[part]
        if isinstance(holder, dict):
            holder["unknown_key"] = 1
            yield f"{path} + unknown_key", changed


# Every kind of key the tiny spec lacks: referral data and offers, a grid, a scale written out, points.
WIDE_SPEC = """
name: bred
title: Bred testpakke
version: 2
description: Alle slags nøgler
source: Spørgeskema
data: [survey, referrals]
scales:
  kvalitet: {levels: [Dårligt, Godt], dont_know: Ved ikke}
questions:
  - {id: q1, text: "Hvor ofte?", short: Hyppighed, type: likert,
     scale: {levels: [Aldrig, Altid], higher_is_better: false}}
  - {id: q2, text: "Hvordan fungerer det?", type: likert_grid, scale: kvalitet, items: [Dag, {id: nat, label: Nat}]}
  - {id: q3, text: "Henviser du?", type: single_choice, options: [Ja, Nej]}
offers:
  - {id: kol, label: KOL, aliases: [COPD]}
program:
  - {id: intro, kind: intro, title: Velkommen, minutes: 10, points: [Formål]}
  - id: blok1
    kind: block
    title: Blok 1
    content: [{referrals: rates}, {question: q1, chart: dot_plot}, {question: q2}, {question: q3}]
    reflection: ["Hvad nu?"]
"""


@pytest.mark.parametrize("source", [TINY_SPEC, WIDE_SPEC], ids=["tiny", "wide"])
def test_schema_and_parser_agree_on_every_mutation(source):
    """Where the schema says no, the parser says no; where the parser says no to a shape (not to a
    name that must exist), so does the schema."""
    raw = yaml.safe_load(source)
    assert schema_accepts(raw) and parse_spec(raw, "spec.yaml")
    disagree, rejected = [], 0
    for label, changed in _mutations(raw):
        try:
            parse_spec(changed, "spec.yaml")
            parsed = None
        except SpecError as exc:
            parsed = str(exc)
            rejected += 1
        accepted = schema_accepts(changed)
        if parsed is None and not accepted:
            disagree.append(f"{label}: the parser accepts what the schema rejects")
        if parsed is not None and accepted and not any(r in parsed for r in REFERENCES):
            disagree.append(f"{label}: the schema accepts what the parser rejects: {parsed}")
    assert rejected > 400 and not disagree, "\n".join(disagree)


def test_command_line_checks_files(tmp_path, capsys):
    good = write(tmp_path / "tiny.yaml", TINY_SPEC)
    bad = write(tmp_path / "bad.yaml", TINY_SPEC.replace("kind: intro", "kind: break"))
    assert spec_schema.main([str(good)]) == 0
    assert spec_schema.main([str(good), str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{good}: OK",
        f"{good}: OK",
        f"{bad}: program[0] (intro): kind 'break' is not one of intro, block, pause, summary",
    ]
