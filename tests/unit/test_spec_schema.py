"""The package-spec JSON Schema: generated from spec.py, checked in, and in step with parse_spec."""

import copy
import dataclasses
import datetime as dt
import json

import jsonschema
import pytest
import yaml

from kiap_analysis.core import spec_schema
from kiap_analysis.core.config import CATALOGUE_DIR
from kiap_analysis.core.errors import SpecError
from kiap_analysis.core.spec import load_catalogue, parse_spec
from kiap_analysis.core.spec_schema import SCHEMA_PATH, render, schema_errors

from conftest import ROOT, TINY_SPEC, write

SPEC_FILES = sorted(CATALOGUE_DIR.glob("*.yaml")) + sorted((ROOT / "docs" / "examples" / "packages").glob("*.yaml"))


def checked_in_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_checked_in_schema_is_the_generated_one():
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), "run: python -m kiap_analysis.core.spec_schema --write"
    assert spec_schema.main(["--check"]) == 0


def test_schema_follows_the_model():
    schema = checked_in_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    # keys in dataclass field order (PackageSpec.path is no YAML key); required = no default, data optional
    assert list(schema["properties"]) == ["name", "title", "version", "data", "questions", "program", "scales",
                                          "offers", "description", "source"]
    assert schema["required"] == ["name", "title", "version", "questions", "program"]
    defs = schema["$defs"]
    assert defs["question"]["required"] == ["id", "text", "type"]
    assert list(defs["scale"]["properties"]) == ["levels", "dont_know", "higher_is_better"]  # name is the key
    assert defs["scale"]["required"] == ["levels"]
    assert defs["choice"]["anyOf"][1]["required"] == ["label"]
    assert defs["step"]["required"] == ["id", "kind", "title"]
    assert defs["offer"]["required"] == ["id", "label"]
    # enums are spec.py's constants
    assert defs["question"]["properties"]["type"]["enum"] == [
        "single_choice", "likert", "likert_grid", "multi_choice", "free_text"]
    assert defs["step"]["properties"]["kind"]["enum"] == ["intro", "block", "pause", "summary"]
    assert schema["properties"]["data"]["items"]["enum"] == ["survey", "referrals"]
    assert [list(b["properties"]) for b in defs["content"]["oneOf"]] == [["question", "chart"], ["referrals"]]


def test_a_model_field_without_a_yaml_shape_stops_the_generation(monkeypatch):
    @dataclasses.dataclass(frozen=True)
    class Meeting:
        day: dt.date

    monkeypatch.setitem(spec_schema.OBJECTS, Meeting, ("meeting", (), ()))
    with pytest.raises(TypeError, match=r"Meeting\.day: no YAML shape"):
        spec_schema._object(Meeting)


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


BROKEN = {
    "unknown question type": (
        lambda r: r["questions"][0].update(type="likert_scale"),
        "questions[0].type: 'likert_scale' is not one of ['single_choice', 'likert', 'likert_grid', "
        "'multi_choice', 'free_text']",
        r"questions\[0\] \(q1\): type 'likert_scale' is not one of"),
    "question without id": (
        lambda r: r["questions"][1].pop("id"),
        "questions[1]: 'id' is a required property",
        r"questions\[1\]: missing 'id'"),
    "levels as text": (
        lambda r: r["scales"]["enighed"].update(levels="Uenig, Hverken eller, Enig"),
        "scales.enighed.levels: 'Uenig, Hverken eller, Enig' is not of type 'array'",
        r"scales\.enighed\.levels: expected a list of texts"),
    "one level": (
        lambda r: r["scales"]["enighed"].update(levels=["Enig"]),
        "scales.enighed.levels: ['Enig'] is too short",
        r"scales\.enighed: a scale needs at least two levels"),
    "likert without scale": (
        lambda r: r["questions"][0].pop("scale"),
        "questions[0]: 'scale' is a required property",
        r"a likert question needs 'scale'"),
    "multi-choice without options": (
        lambda r: r["questions"][1].pop("options"),
        "questions[1]: 'options' is a required property",
        r"questions\[1\] \(q2\)\.options: expected a non-empty list"),
    "option without label": (
        lambda r: r["questions"][1]["options"].append({"id": "fax"}),
        "questions[1].options[3]: 'label' is a required property (An option as its label, or as {id, label}.)",
        r"options\[3\]: missing 'label'"),
    "unknown step kind": (
        lambda r: r["program"][0].update(kind="break"),
        "program[0].kind: 'break' is not one of ['intro', 'block', 'pause', 'summary']",
        r"program\[0\] \(intro\): kind 'break' is not one of"),
    "minutes as text": (
        lambda r: r["program"][0].update(minutes="5 min"),
        "program[0].minutes: '5 min' is not of type 'integer', 'null'",
        r"program\[0\] \(intro\)\.minutes: expected a whole number"),
    "unknown content": (
        lambda r: r["program"][1]["content"].append({"chart": "q1"}),
        "program[1].content[3]: 'question' is a required property "
        "(One slide of a step: {question: ID} or {referrals: rates}.)",
        r"content\[3\]: unknown content 'chart'"),
    "referral chart without referral data": (
        lambda r: r["program"][1]["content"].append({"referrals": "rates"}),
        "program[1].content[3]: {'referrals': 'rates'} should not be valid under {'required': ['referrals']}",
        r"referral chart but 'referrals' not in data"),
    "referral data without offers": (
        lambda r: r.update(data=["survey", "referrals"]),
        "top level: 'offers' is a required property",
        r"must list its offers"),
    "unknown data source": (
        lambda r: r.update(data=["survey", "registry"]),
        "data[1]: 'registry' is not one of ['survey', 'referrals']",
        r"unknown data source 'registry'"),
}


def test_the_tiny_spec_itself_is_valid():
    assert schema_errors(_tiny(lambda r: None)) == []


@pytest.mark.parametrize("case", BROKEN, ids=str)
def test_broken_specs_are_rejected_by_schema_and_parser(case):
    change, schema_message, parser_message = BROKEN[case]
    raw = _tiny(change)
    assert not jsonschema.Draft202012Validator(checked_in_schema()).is_valid(raw)
    assert schema_errors(raw) == [schema_message]
    with pytest.raises(SpecError, match=parser_message):
        parse_spec(raw, "tiny.yaml")


def test_schema_and_parser_both_reject_unknown_keys():
    """A misspelt key, and a label cut at a comma in a YAML flow mapping (an extra key)."""
    typo = _tiny(lambda r: r["program"][1].update(reflections=["Hvad nu?"]))
    assert schema_errors(typo) == ["program[1]: Additional properties are not allowed ('reflections' was unexpected)"]
    with pytest.raises(SpecError, match=r"program\[1\] \(blok1\): unknown key\(s\) 'reflections'"):
        parse_spec(typo, "tiny.yaml")
    cut = yaml.safe_load(TINY_SPEC.replace("{id: brev, label: Brev}", "{id: brev, label: Brev, fax eller post}"))
    assert schema_errors(cut) == [
        "questions[1].options[1]: Additional properties are not allowed ('fax eller post' was unexpected) "
        "(An option as its label, or as {id, label}.)"]
    with pytest.raises(SpecError, match=r"options\[1\]: unknown key\(s\) 'fax eller post'"):
        parse_spec(cut, "tiny.yaml")
    flag = _tiny(lambda r: r["scales"]["enighed"].update(higher_is_better=None))
    with pytest.raises(SpecError, match="higher_is_better: expected true or false, got None"):
        parse_spec(flag, "tiny.yaml")


def test_command_line_validates_files(tmp_path, capsys):
    good = write(tmp_path / "tiny.yaml", TINY_SPEC)
    bad = write(tmp_path / "bad.yaml", TINY_SPEC.replace("kind: intro", "kind: break"))
    assert spec_schema.main([str(good)]) == 0
    assert spec_schema.main([str(good), str(bad)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{good}: OK",
        f"{good}: OK",
        f"{bad}: program[0].kind: 'break' is not one of ['intro', 'block', 'pause', 'summary']",
    ]
