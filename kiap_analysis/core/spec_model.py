"""A package spec's YAML as pydantic models: every key a spec file may have, and its shape.

The models are the source of the JSON Schema (``package_schema()``, checked in as
catalogue/package.schema.json) and of parse_spec's checks: ``spec.parse_spec`` validates a
spec with ``PackageModel`` and turns the result into spec.py's dataclasses. Unknown keys are
errors (``extra="forbid"``), so a typo such as ``reflections:`` is caught. What a schema cannot
see (that a scale name or a question id exists, that ids are unique) spec.py checks.
``messages`` says a ValidationError in the spec's own terms: 'questions[0] (q1): ...'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, ValidationError, model_validator
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import PydanticCustomError

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _text(value: Any) -> str:
    """A text the YAML may write as a number (``version: 1.0``, an option ``1-5``)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise PydanticCustomError("text_type", "expected text, got {got}", {"got": repr(value)})
    return str(value).strip()


def _id(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PydanticCustomError("id_type", "expected text or a whole number, got {got}", {"got": repr(value)})
    return str(value)


def _choice(value: Any) -> Any:
    """An option written as its label alone ('Ja') is {label: Ja}."""
    if isinstance(value, dict):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise PydanticCustomError("choice_type", "expected text or {id, label}, got {got}", {"got": repr(value)})
    return {"label": str(value)}


Text = Annotated[str, BeforeValidator(_text, json_schema_input_type=str | float)]
Id = Annotated[str, BeforeValidator(_id, json_schema_input_type=str | int)]


class _Closed(BaseModel):
    """A YAML mapping whose keys are the fields: any other key is an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ScaleModel(_Closed):
    """An ordered answer scale."""

    levels: list[Text] = Field(min_length=2, description="The answer levels in order, lowest first; "
                                                         "'Ved ikke' goes in dont_know.")
    dont_know: Text | None = Field(None, description="The don't-know answer (e.g. 'Ved ikke'), shown apart "
                                                     "from the levels.")
    higher_is_better: bool = Field(True, strict=True, description="False when a higher level is worse "
                                                                  "(e.g. how often feedback is missing).")


class ChoiceModel(_Closed):
    """An option of a choice question or an item of a grid: its label, or {id, label}."""

    id: Id | None = Field(None, description="Option id (default: the label as a slug); names the 0/1 column "
                                            "<question>_<id>.")
    label: str = Field(description="The option as the survey shows it.")


Choice = Annotated[ChoiceModel, BeforeValidator(_choice, json_schema_input_type=Text | ChoiceModel)]
Choices = Annotated[list[Choice], Field(min_length=1)]
ScaleRef = Annotated[
    Annotated[str, Tag("<name>")] | Annotated[ScaleModel, Tag("<scale>")],
    Discriminator(lambda value: "<name>" if isinstance(value, str) else "<scale>" if isinstance(value, dict) else None,
                  custom_error_type="scale_type",
                  custom_error_message="expected the name of a scale under scales:, or a scale written out "
                                       "({levels: [...]})"),
]


class _QuestionModel(_Closed):
    noun: ClassVar[str] = "question"  # 'a likert question needs ...'

    id: Id = Field(description="Unique question id; names the survey column and tables/<id>.csv.")
    text: str = Field(description="The question as the survey asks it.")
    type: str = Field(description="How it is answered and charted.")
    short: Text | None = Field(None, description="Short title for slides and charts (default: the text).")
    block: Text | None = Field(None, description="The program step a question belongs to (for questions added "
                                                 "by an order).")


_OPTIONS = "The answer options, each a label or {id, label}."
_SCALE = "A scale name under scales:, or a scale written out."


class SingleChoiceModel(_QuestionModel):
    """A question answered by one of its options."""

    type: Literal["single_choice"]
    options: Choices = Field(description=_OPTIONS)


class LikertModel(_QuestionModel):
    """A question answered on a scale."""

    type: Literal["likert"]
    scale: ScaleRef = Field(description=_SCALE)


class LikertGridModel(_QuestionModel):
    """A grid: each item (row) answered on the same scale."""

    type: Literal["likert_grid"]
    scale: ScaleRef = Field(description=_SCALE)
    items: Choices = Field(description="The rows of the grid, each a label or {id, label}.")


class MultiChoiceModel(_QuestionModel):
    """A question answered by ticking any of its options."""

    type: Literal["multi_choice"]
    options: Choices = Field(description=_OPTIONS)


class FreeTextModel(_QuestionModel):
    """A question answered in the respondent's own words (shown as quotes, never charted)."""

    type: Literal["free_text"]


QUESTION_MODELS = (SingleChoiceModel, LikertModel, LikertGridModel, MultiChoiceModel, FreeTextModel)
QuestionModel = Annotated[SingleChoiceModel | LikertModel | LikertGridModel | MultiChoiceModel | FreeTextModel,
                          Field(discriminator="type")]  # the type says which


class OfferModel(_Closed):
    """A municipal offer that practices refer to."""

    id: Id
    label: str
    aliases: list[Text] | None = Field(None, description="Other names the municipality's referral data use "
                                                         "for the offer.")


class ContentModel(_Closed):
    """One slide of a step: {question: ID} or {referrals: rates}, optionally with chart: KIND."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["question"]}, {"required": ["referrals"]}]})

    question: Id = Field(None, description="The question the slide shows.")  # type: ignore[assignment]
    referrals: Literal["rates"] = Field(None, description="The referral chart the slide shows.")  # type: ignore[assignment]
    chart: Text = Field(None, description="The chart kind that draws it (default: by the question's type).")  # type: ignore[assignment]

    @model_validator(mode="before")
    @classmethod
    def _a_mapping(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise PydanticCustomError("content", "expected {question: ID} or {referrals: rates}")
        return value

    @model_validator(mode="after")
    def _one_slide(self) -> ContentModel:
        if (self.question is None) == (self.referrals is None):
            raise PydanticCustomError("content", "expected {question: ID} or {referrals: rates}")
        return self


class StepModel(_Closed):
    """A step of the meeting program."""

    id: Id
    kind: Literal["intro", "block", "pause", "summary"] = Field(
        description="intro and summary open and close the meeting; block steps get a section slide.")
    title: str
    minutes: int | None = Field(None, strict=True, description="Minutes the step takes in the meeting.")
    points: list[Text] | None = Field(None, description="Agenda points of the step.")
    content: list[ContentModel] | None = Field(None, description="Slides of the step in order.")
    reflection: list[Text] | None = Field(None, description="Reflection questions (a slide and its speaker notes).")


_REFERRAL_RULE = {
    "$comment": "data lists referrals: offers is required; otherwise no {referrals: ...} content",
    "if": {"properties": {"data": {"type": "array", "contains": {"const": "referrals"}}}, "required": ["data"]},
    "then": {"required": ["offers"], "properties": {"offers": {"type": "array", "minItems": 1}}},
    "else": {"properties": {"program": {"items": {"properties": {"content": {
        "items": {"not": {"required": ["referrals"]}}}}}}}},
}


class PackageModel(_Closed):
    """A KiAP cluster package (klyngepakke): questions, scales, offers and meeting program."""

    model_config = ConfigDict(json_schema_extra={"allOf": [_REFERRAL_RULE]})

    name: str = Field(description="The catalogue name orders use in 'package:'.")
    title: str = Field(description="The package's Danish title (title slide, report).")
    version: Text = Field(description="Version of the spec, recorded in every manifest.")
    description: Text | None = Field(None, description="A short description of the package.")
    source: Text | None = Field(None, description="Where the data come from (shown on the charts).")
    data: list[Literal["survey", "referrals"]] | None = Field(None, description="Data sources the package uses "
                                                                                "(default: [survey]).")
    scales: dict[Text, ScaleModel] | None = Field(None, description="Answer scales by name, used by likert "
                                                                    "questions.")
    questions: list[QuestionModel] = Field(description="The survey questions, each with id, text and type.")
    offers: list[OfferModel] | None = Field(None, description="Municipal offers practices refer to (needed when "
                                                              "data lists referrals).")
    program: list[StepModel] = Field(description="The meeting program: steps in order, with slides and "
                                                 "reflection questions.")

    @model_validator(mode="after")
    def _referral_rule(self) -> PackageModel:
        """The same rule as _REFERRAL_RULE in the schema."""
        if "referrals" in (self.data or ()):
            if not self.offers:
                raise PydanticCustomError("referrals", "a package that uses referral data must list its offers",
                                          {"where": "offers"})
            return self
        for i, step in enumerate(self.program):
            for j, entry in enumerate(step.content or ()):
                if entry.referrals is not None:
                    raise PydanticCustomError("referrals", "referral chart but 'referrals' not in data",
                                              {"where": f"program[{i}] ({step.id}).content[{j}]"})
        return self


def _choices_of(annotation: Any) -> tuple[str, ...]:
    return tuple(get_args(annotation))


QUESTION_TYPES = tuple(_choices_of(m.model_fields["type"].annotation)[0] for m in QUESTION_MODELS)
STEP_KINDS = _choices_of(StepModel.model_fields["kind"].annotation)
DATA_SOURCES = _choices_of(get_args(get_args(PackageModel.model_fields["data"].annotation)[0])[0])
REFERRAL_CHARTS = _choices_of(ContentModel.model_fields["referrals"].annotation)
CONTENT_KINDS = ("question", "referrals")


# --------------------------------------------------------------------------- the JSON Schema


class _NoFieldTitles(GenerateJsonSchema):
    """Property titles would only repeat the keys."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False


def package_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a package spec's YAML, generated from PackageModel."""
    schema = PackageModel.model_json_schema(schema_generator=_NoFieldTitles)
    return {
        "$schema": DIALECT,
        **schema,
        "title": "KiAP package spec",
        "description": f"{PackageModel.__doc__} Generated from kiap_analysis/core/spec_model.py by "
                       "`python -m kiap_analysis.core.spec_schema --write`.",
    }


# --------------------------------------------------------------------------- errors in the spec's terms


@dataclass(frozen=True)
class _Step:
    """One element of an error's location and the type found there."""

    part: str | int
    kind: str  # field | index | key | tag (a member of a union: no key of the YAML)
    type: Any
    value: Any  # the input at this place (None when it is not there)


def _bare(tp: Any) -> Any:
    """The type without Annotated metadata and without an optional None."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        elif _is_union(tp) and type(None) in get_args(tp) and len(get_args(tp)) == 2:
            tp = next(a for a in get_args(tp) if a is not type(None))
        else:
            return tp


def _is_union(tp: Any) -> bool:
    return get_origin(tp) is Union or type(tp).__name__ == "UnionType"


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _member(tp: Any, tag: str) -> Any:
    """The member of a union that pydantic names ``tag`` in a location."""
    for member in get_args(tp):
        tags = [m.tag for m in getattr(member, "__metadata__", ()) if isinstance(m, Tag)]
        bare = _bare(member)
        if tag in tags or (_is_model(bare) and "type" in bare.model_fields
                           and get_args(bare.model_fields["type"].annotation) == (tag,)):
            return bare
    return Any


def _walk(root: Any, loc: tuple, raw: Any) -> list[_Step]:
    steps, tp, value = [], root, raw
    for part in loc:
        tp = _bare(tp)
        if _is_union(tp):
            tp = _member(tp, str(part))
            steps.append(_Step(part, "tag", tp, value))
            continue
        if _is_model(tp) and part in tp.model_fields:
            kind, tp = "field", tp.model_fields[part].annotation
        elif get_origin(tp) is list and isinstance(part, int):
            kind, tp = "index", get_args(tp)[0]
        elif get_origin(tp) is dict:
            kind, tp = "key", get_args(tp)[1]
        else:
            kind, tp = ("index" if isinstance(part, int) else "field"), Any
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and isinstance(part, int) and part < len(value):
            value = value[part]
        else:
            value = None
        steps.append(_Step(part, kind, tp, value))
    return steps


def _models(tp: Any) -> list[type[BaseModel]]:
    tp = _bare(tp)
    if _is_union(tp):
        return [m for m in map(_bare, get_args(tp)) if _is_model(m)]
    return [tp] if _is_model(tp) else []


def _required(tp: Any) -> list[str]:
    """The keys every mapping of this type needs, in field order."""
    models = _models(tp)
    if not models:
        return []
    return [k for k, f in models[0].model_fields.items()
            if f.is_required() and all(k in m.model_fields and m.model_fields[k].is_required() for m in models)]


def _where(base: str, steps: list[_Step]) -> str:
    """'questions[1] (q2).options[3]': the place, with the id of a question or step that has one."""
    text = base
    for step in steps:
        if step.kind == "tag":
            continue
        text += f"[{step.part}]" if step.kind == "index" else f".{step.part}"
        if step.kind == "index" and "id" in _required(step.type) and isinstance(step.value, dict) \
                and isinstance(step.value.get("id"), (str, int)):
            text += f" ({str(step.value['id']).strip()})"
    return text.lstrip(".") or "top level"


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _quoted(text: str) -> str:
    """"'a', 'b' or 'c'" (pydantic's list of allowed values) -> 'a, b, c'."""
    return ", ".join(re.findall(r"'([^']*)'", text))


def _missing(steps: list[_Step], root: Any) -> str:
    """"missing 'key' (what it is)"; a key that only some types of question have: 'a likert question needs'."""
    key, parent = steps[-1].part, steps[-2] if len(steps) > 1 else None
    models = _models(parent.type if parent else root)
    field = models[0].model_fields.get(key) if len(models) == 1 else None
    described = f" ({field.description[0].lower()}{field.description[1:].rstrip('.')})" \
        if field is not None and field.description else ""
    union = steps[-3].type if parent is not None and parent.kind == "tag" and len(steps) > 2 else root
    if parent is not None and parent.kind == "tag" and key not in _required(union) and models:
        return f"a {parent.part} {getattr(models[0], 'noun', 'mapping')} needs '{key}'{described}"
    return f"missing '{key}'{described}"


def _message(error: dict, steps: list[_Step], root: Any, base: str) -> tuple[str, str]:
    """(where, what) of one pydantic error."""
    kind, ctx, value = error["type"], error.get("ctx") or {}, error["input"]
    here, parent_steps = _where(base, steps), steps[:-1]
    parent = parent_steps[-1].type if parent_steps else root
    key = steps[-1].part if steps else None
    required = bool(_models(parent)) and key in _required(parent)
    if kind == "missing" or (kind.endswith("_type") and value is None and required):
        return _where(base, parent_steps), _missing(steps, root)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        name = ctx["discriminator"].strip("'")
        tags = ", ".join(get_args(m.model_fields[name].annotation)[0] for m in _models(steps[-1].type if steps
                                                                                        else root))
        if kind == "union_tag_not_found":
            return here, f"missing '{name}' (one of {tags})"
        return here, f"{name} '{ctx['tag']}' is not one of {tags}"
    if kind == "literal_error":
        if isinstance(key, int):
            return _where(base, parent_steps), f"'{value}' is not one of {_quoted(ctx['expected'])}"
        return _where(base, parent_steps), f"{key} '{value}' is not one of {_quoted(ctx['expected'])}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        keys = _required(steps[-1].type if steps else root)
        return here, f"expected a mapping with {_and(keys)}" if keys else "expected a mapping"
    if kind == "list_type":
        items = get_args(_bare(steps[-1].type if steps else root))
        texts = bool(items) and _bare(items[0]) is str
        return here, f"expected a list{' of texts' if texts else ''}, got {value!r}"
    if kind == "too_short":
        if ctx.get("min_length") == 1:
            return here, "expected a non-empty list"
        return here, f"expected at least {ctx['min_length']} entries, got {ctx['actual_length']}"
    if kind == "bool_type":
        return here, f"expected true or false, got {value!r}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return here, f"expected a whole number, got {value!r}"
    if kind == "string_type":
        return here, f"expected text, got {value!r}"
    return ctx.get("where", here), error["msg"]


def messages(exc: ValidationError, root: Any, raw: Any, base: str = "") -> list[str]:
    """Each problem of ``exc`` as 'where: what', in the spec's own places and words; the unknown
    keys of one mapping in one message.

    ``root`` is the type that was validated (PackageModel, or the list of questions an order
    adds), ``raw`` what was validated, ``base`` the place of ``raw`` in the spec (questions.add)."""
    said: dict[str, list[str] | None] = {}  # message, or the place of unknown keys -> the keys
    known: dict[str, list[str]] = {}
    for error in exc.errors():
        steps = _walk(root, error["loc"], raw)
        if error["type"] != "extra_forbidden":
            where, what = _message(error, steps, root, base)
            said.setdefault(f"{where}: {what}", None)
            continue
        where = _where(base, steps[:-1])
        said.setdefault(where, []).append(repr(str(steps[-1].part)))  # type: ignore[union-attr]
        known[where] = [key for model in _models(steps[-2].type if len(steps) > 1 else root)[:1]
                        for key in model.model_fields]
    return [f"{text}: unknown key(s) {', '.join(keys)} (known: {', '.join(known[text])})" if keys is not None
            else text for text, keys in said.items()]
