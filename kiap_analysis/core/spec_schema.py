"""JSON Schema (draft 2020-12) of a package spec's YAML, generated from the model in ``spec.py``.

Each YAML object's keys are the fields of its dataclass (``PackageSpec``, ``Scale``, ``Question``,
``Choice``, ``Offer``, ``ProgramStep``, ``ContentRef``), in field order; a field without a default
is a required key. Shapes follow what ``parse_spec`` accepts (texts may be numbers, optional keys
may be left empty) and the enums are spec.py's constants. A model field this module cannot place
stops the generation, so the schema cannot silently fall behind the model.

    python -m kiap_analysis.core.spec_schema --write          # regenerate catalogue/package.schema.json
    python -m kiap_analysis.core.spec_schema --check          # exit 1 if the checked-in copy is stale
    python -m kiap_analysis.core.spec_schema SPEC.yaml ...    # validate spec files against the schema

The schema is a little stricter than the parser: unknown keys (typos such as ``reflections:``)
are errors, and flags must be true/false.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import sys
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from kiap_analysis.core import spec as model
from kiap_analysis.core.config import CATALOGUE_DIR

SCHEMA_PATH = CATALOGUE_DIR / "package.schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Value shapes as spec._Reader reads them.
STRING = {"type": "string"}  # _Reader.require(..., str)
TEXT = {"type": ["string", "number"]}  # _Reader.text, and the items of _Reader.texts
ID = {"type": ["string", "integer"]}  # _Reader.require(..., (str, int))

# The YAML objects: dataclass -> ($defs name, fields that are no YAML key, fields YAML may leave out).
OBJECTS: dict[type, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    model.PackageSpec: ("package", ("path",), ("data",)),  # data defaults to [survey]
    model.Scale: ("scale", ("name",), ()),  # the name is the key under scales:
    model.Question: ("question", (), ()),
    model.Choice: ("choice", (), ("id",)),  # the id defaults to a slug of the label
    model.Offer: ("offer", (), ()),
    model.ProgramStep: ("step", (), ()),
}

# Fields whose YAML shape the type annotation does not tell.
SHAPES: dict[tuple[type, str], dict[str, Any]] = {
    (model.PackageSpec, "version"): TEXT,
    (model.PackageSpec, "data"): {"type": "array", "items": {"enum": list(model.DATA_SOURCES)}},
    (model.Scale, "levels"): {"type": "array", "items": TEXT, "minItems": 2},
    (model.Question, "id"): ID,
    (model.Question, "type"): {"enum": list(model.QUESTION_TYPES)},
    (model.Question, "scale"): {"anyOf": [{"type": "string", "description": "the name of a scale under scales:"},
                                          {"$ref": "#/$defs/scale"}]},
    (model.Choice, "id"): ID,
    (model.Offer, "id"): ID,
    (model.ProgramStep, "id"): ID,
    (model.ProgramStep, "kind"): {"enum": list(model.STEP_KINDS)},
}

# What each question type needs besides id, text and type (as spec.parse_question checks it).
NEEDS: dict[str, tuple[str, ...]] = {
    "single_choice": ("options",),
    "likert": ("scale",),
    "likert_grid": ("scale", "items"),
    "multi_choice": ("options",),
    "free_text": (),
}
NEEDED = {
    "scale": {"type": ["string", "object"]},
    "options": {"type": "array", "minItems": 1},
    "items": {"type": "array", "minItems": 1},
}

# The value of each one-key content entry of a program step ({question: q1}, {referrals: rates}).
CONTENT_VALUES: dict[str, dict[str, Any]] = {
    "question": ID,
    "referrals": {"enum": list(model.REFERRAL_CHARTS)},
}

DOCS: dict[tuple[type, str], str] = {
    (model.PackageSpec, "name"): "The catalogue name orders use in 'package:'.",
    (model.PackageSpec, "title"): "The package's Danish title (title slide, report).",
    (model.PackageSpec, "version"): "Version of the spec, recorded in every manifest.",
    (model.PackageSpec, "data"): "Data sources the package uses (default: [survey]).",
    (model.PackageSpec, "questions"): "The survey questions, each with id, text and type.",
    (model.PackageSpec, "program"): "The meeting program: steps in order, with slides and reflection questions.",
    (model.PackageSpec, "scales"): "Answer scales by name, used by likert questions.",
    (model.PackageSpec, "offers"): "Municipal offers practices refer to (needed when data lists referrals).",
    (model.PackageSpec, "description"): "A short description of the package.",
    (model.PackageSpec, "source"): "Where the data come from (shown on the charts).",
    (model.Scale, "levels"): "The answer levels in order, lowest first; 'Ved ikke' goes in dont_know.",
    (model.Scale, "dont_know"): "The don't-know answer (e.g. 'Ved ikke'), shown apart from the levels.",
    (model.Scale, "higher_is_better"): "False when a higher level is worse (e.g. how often feedback is missing).",
    (model.Question, "id"): "Unique question id; names the survey column and tables/<id>.csv.",
    (model.Question, "text"): "The question as the survey asks it.",
    (model.Question, "type"): "How it is answered and charted.",
    (model.Question, "short"): "Short title for slides and charts (default: the text).",
    (model.Question, "scale"): "likert and likert_grid: a scale name, or a scale written out.",
    (model.Question, "options"): "single_choice and multi_choice: the answer options.",
    (model.Question, "items"): "likert_grid: the rows of the grid.",
    (model.Question, "block"): "The program step a question belongs to (for questions added by an order).",
    (model.Choice, "id"): "Option id (default: the label as a slug); names the 0/1 column <question>_<id>.",
    (model.Choice, "label"): "The option as the survey shows it.",
    (model.Offer, "aliases"): "Other names the municipality's referral data use for the offer.",
    (model.ProgramStep, "kind"): "intro and summary open and close the meeting; block steps get a section slide.",
    (model.ProgramStep, "minutes"): "Minutes the step takes in the meeting.",
    (model.ProgramStep, "points"): "Agenda points of the step.",
    (model.ProgramStep, "content"): "Slides of the step in order: {question: ID} or {referrals: rates}.",
    (model.ProgramStep, "reflection"): "Reflection questions (a slide and its speaker notes).",
}


def _ref(cls: type) -> dict[str, str]:
    return {"$ref": f"#/$defs/{OBJECTS[cls][0]}"}


def _nullable(shape: dict[str, Any]) -> dict[str, Any]:
    """The shape, or an empty YAML value (``key:`` with nothing), which the parser takes as absent."""
    if "type" in shape and "$ref" not in shape:
        kinds = shape["type"] if isinstance(shape["type"], list) else [shape["type"]]
        return {**shape, "type": [*kinds, "null"]}
    if "enum" in shape:
        return {**shape, "enum": [*shape["enum"], None]}
    if "anyOf" in shape:
        return {**shape, "anyOf": [*shape["anyOf"], {"type": "null"}]}
    return {"anyOf": [shape, {"type": "null"}]}


def _shape(cls: type, name: str, hint: Any, required: bool) -> dict[str, Any]:
    """The YAML shape of one dataclass field."""
    if (cls, name) in SHAPES:
        return dict(SHAPES[(cls, name)])
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is str:
        return dict(STRING if required else TEXT)
    if hint == str | None:
        return dict(TEXT)
    if hint == int | None:
        return {"type": "integer"}
    if hint is bool:
        return {"type": "boolean"}
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = args[0]
        if item is str:
            return {"type": "array", "items": TEXT}
        if item is model.ContentRef:
            return {"type": "array", "items": {"$ref": "#/$defs/content"}}
        if item in OBJECTS:
            return {"type": "array", "items": _ref(item)}
    if origin is Mapping and args[0] is str and args[1] in OBJECTS:
        return {"type": "object", "additionalProperties": _ref(args[1])}
    raise TypeError(f"{cls.__name__}.{name}: no YAML shape for {hint!r}; add one to spec_schema.SHAPES")


def _object(cls: type) -> dict[str, Any]:
    """A closed JSON object with one property per YAML field of ``cls``."""
    _, skip, optional = OBJECTS[cls]
    hints = typing.get_type_hints(cls)
    fields = [f for f in dataclasses.fields(cls) if f.name not in skip]
    unknown = set(skip + optional) - {f.name for f in dataclasses.fields(cls)}
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {sorted(unknown)}; update spec_schema.OBJECTS")
    properties, required = {}, []
    for f in fields:
        is_required = (f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
                       and f.name not in optional)
        shape = _shape(cls, f.name, hints[f.name], is_required)
        if not is_required and shape.get("type") != "boolean":  # an empty flag would read as false
            shape = _nullable(shape)
        if (cls, f.name) in DOCS:
            shape = {"description": DOCS[(cls, f.name)], **shape}
        properties[f.name] = shape
        if is_required:
            required.append(f.name)
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _question() -> dict[str, Any]:
    if set(NEEDS) != set(model.QUESTION_TYPES):
        raise TypeError(f"spec_schema.NEEDS must list every question type: {model.QUESTION_TYPES}")
    schema = _object(model.Question)
    schema["allOf"] = [
        {"if": {"properties": {"type": {"const": qtype}}, "required": ["type"]},
         "then": {"required": list(needs), "properties": {key: NEEDED[key] for key in needs}}}
        for qtype, needs in NEEDS.items() if needs
    ]
    return schema


def _choice() -> dict[str, Any]:
    return {"description": "An option as its label, or as {id, label}.",
            "anyOf": [TEXT, _object(model.Choice)]}


def _content() -> dict[str, Any]:
    names = [f.name for f in dataclasses.fields(model.ContentRef)]
    if names != ["kind", "ref", "chart"] or set(CONTENT_VALUES) != set(model.CONTENT_KINDS):
        raise TypeError("ContentRef changed: update spec_schema.CONTENT_VALUES and _content")
    chart = {"chart": {"type": "string", "description": "A registered chart kind (default: by the question's type)."}}
    return {"description": "One slide of a step: {question: ID} or {referrals: rates}.",
            "oneOf": [{"type": "object", "properties": {kind: value, **(chart if kind == "question" else {})},
                       "required": [kind], "additionalProperties": False} for kind, value in CONTENT_VALUES.items()]}


def _referral_rule() -> dict[str, Any]:
    """Referral data needs offers; without it, no step may show a referral chart."""
    return {
        "$comment": "data lists referrals: offers is required; otherwise no {referrals: ...} content",
        "if": {"properties": {"data": {"type": "array", "contains": {"const": "referrals"}}}, "required": ["data"]},
        "then": {"required": ["offers"], "properties": {"offers": {"type": "array", "minItems": 1}}},
        "else": {"properties": {"program": {"items": {"properties": {"content": {
            "items": {"not": {"required": ["referrals"]}}}}}}}},
    }


@functools.cache
def package_schema() -> dict[str, Any]:
    """The JSON Schema of a package spec's YAML."""
    top = _object(model.PackageSpec)
    defs = {
        "scale": _object(model.Scale),
        "question": _question(),
        "choice": _choice(),
        "offer": _object(model.Offer),
        "step": _object(model.ProgramStep),
        "content": _content(),
    }
    return {
        "$schema": DIALECT,
        "title": "KiAP package spec",
        "description": "A KiAP cluster package (klyngepakke): questions, scales, offers and meeting program. "
                       "Generated from kiap_analysis/core/spec.py by "
                       "`python -m kiap_analysis.core.spec_schema --write`.",
        **top,
        "allOf": [_referral_rule()],
        "$defs": defs,
    }


def render() -> str:
    """The schema as the checked-in file holds it."""
    return json.dumps(package_schema(), indent=2, ensure_ascii=False) + "\n"


def _where(error: ValidationError) -> str:
    parts = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return parts.lstrip(".") or "top level"


def schema_errors(raw: Any) -> list[str]:
    """Every place a spec mapping breaks the schema, as 'key.path: message'."""
    validator = Draft202012Validator(package_schema())
    messages = []
    for error in sorted(validator.iter_errors(raw), key=lambda e: [str(p) for p in e.absolute_path]):
        message = f"{_where(error)}: {error.message}"
        if error.context:  # anyOf/oneOf: the branch that fits the value's type says most
            fitting = [e for e in error.context if e.validator != "type"] or error.context
            shown = best_match(fitting)
            message = f"{_where(shown)}: {shown.message}"
            if isinstance(error.schema, dict) and error.schema.get("description"):
                message += f" ({error.schema['description']})"
        messages.append(message)
    return messages


def check_files(paths: list[Path]) -> int:
    """Print each file's schema errors; the number of files with errors."""
    bad = 0
    for path in paths:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            print(f"{path}: cannot read: {exc}")
            bad += 1
            continue
        errors = schema_errors(raw)
        bad += bool(errors)
        for message in errors:
            print(f"{path}: {message}")
        if not errors:
            print(f"{path}: OK")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiap_analysis.core.spec_schema",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("specs", nargs="*", type=Path, help="spec files to validate against the schema")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"write the schema to {SCHEMA_PATH.name}")
    action.add_argument("--check", action="store_true", help="exit 1 if the checked-in schema is stale")
    args = parser.parse_args(argv)
    if args.write:
        SCHEMA_PATH.write_text(render(), encoding="utf-8")
        print(f"wrote {SCHEMA_PATH}")
        return 0
    if args.check:
        current = SCHEMA_PATH.exists() and SCHEMA_PATH.read_text(encoding="utf-8") == render()
        stale = "stale: run python -m kiap_analysis.core.spec_schema --write"
        print(f"{SCHEMA_PATH}: {'up to date' if current else stale}")
        return 0 if current else 1
    if args.specs:
        return 1 if check_files(args.specs) else 0
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
