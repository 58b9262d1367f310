"""A package spec's YAML as pydantic models: every key a spec file may have, and its shape.

The models are the source of the JSON Schema (``package_schema()``, checked in as
catalogue/package.schema.json) and of parse_spec's checks: ``spec.parse_spec`` validates a
spec with ``PackageModel`` and turns the result into spec.py's dataclasses. Unknown keys are
errors (``extra="forbid"``), so a typo such as ``reflections:`` is caught. What a schema cannot
see (that a scale name or a question id exists, that ids are unique) spec.py checks.
core/validation_messages.py says a ValidationError in the spec's own terms: 'questions[0] (q1): ...'.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag, model_validator
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


def _scale_form(value: Any) -> str | None:
    return "<name>" if isinstance(value, str) else "<scale>" if isinstance(value, dict) else None


ChoiceEntry = Annotated[ChoiceModel, BeforeValidator(_choice, json_schema_input_type=Text | ChoiceModel)]
Choices = Annotated[list[ChoiceEntry], Field(min_length=1)]
ScaleRef = Annotated[  # a scale's name, or the scale itself
    Annotated[str, Tag("<name>")] | Annotated[ScaleModel, Tag("<scale>")],
    Discriminator(_scale_form, custom_error_type="scale_type",
                  custom_error_message="expected the name of a scale under scales:, or a scale written out "
                                       "({levels: [...]})"),
]


_TYPE = "How the question is answered and charted."


class _QuestionModel(_Closed):
    noun: ClassVar[str] = "question"  # 'a likert question needs ...'

    id: Id = Field(description="Unique question id; names the survey column and tables/<id>.csv.")
    text: str = Field(description="The question as the survey asks it.")
    type: str = Field(description=_TYPE)
    short: Text | None = Field(None, description="Short title for slides and charts (default: the text).")
    block: Text | None = Field(None, description="The program step a question belongs to (for questions added "
                                                 "by an order).")


_OPTIONS = "The answer options, each a label or {id, label}."
_SCALE = "A scale name under scales:, or a scale written out."


class SingleChoiceModel(_QuestionModel):
    """A question answered by one of its options."""

    type: Literal["single_choice"] = Field(description=_TYPE)
    options: Choices = Field(description=_OPTIONS)


class LikertModel(_QuestionModel):
    """A question answered on a scale."""

    type: Literal["likert"] = Field(description=_TYPE)
    scale: ScaleRef = Field(description=_SCALE)


class LikertGridModel(_QuestionModel):
    """A grid: each item (row) answered on the same scale."""

    type: Literal["likert_grid"] = Field(description=_TYPE)
    scale: ScaleRef = Field(description=_SCALE)
    items: Choices = Field(description="The rows of the grid, each a label or {id, label}.")


class MultiChoiceModel(_QuestionModel):
    """A question answered by ticking any of its options."""

    type: Literal["multi_choice"] = Field(description=_TYPE)
    options: Choices = Field(description=_OPTIONS)


class FreeTextModel(_QuestionModel):
    """A question answered in the respondent's own words (shown as quotes, never charted)."""

    type: Literal["free_text"] = Field(description=_TYPE)


QUESTION_MODELS = (SingleChoiceModel, LikertModel, LikertGridModel, MultiChoiceModel, FreeTextModel)
QuestionModel = Annotated[SingleChoiceModel | LikertModel | LikertGridModel | MultiChoiceModel | FreeTextModel,
                          Field(discriminator="type")]  # the type says which


class OfferModel(_Closed):
    """A municipal offer that practices refer to."""

    id: Id
    label: str
    aliases: list[Text] | None = Field(None, description="Other names the municipality's referral data use "
                                                         "for the offer.")


class OriginModel(_Closed):
    """A place an admitted patient came from (own home, nursing home, ...)."""

    id: Id
    label: str
    aliases: list[Text] | None = Field(None, description="Other names the region's admissions data use for it.")


class FocusAreaModel(_Closed):
    """A focus area of preventable admissions: diagnoses (code prefixes or group names) and ages."""

    id: Id
    label: str
    codes: list[Text] | None = Field(None, description="ICD-10 code prefixes as the region writes them "
                                                       "(DS72 matches DS720, DS721A); none: every diagnosis.")
    groups: list[Text] | None = Field(None, description="Diagnosis group names (aliases) that map to the area.")
    min_age: int | None = Field(None, strict=True, description="Lowest age in years that belongs to the area.")
    max_age: int | None = Field(None, strict=True, description="Highest age in years that belongs to the area.")


class AdmissionsModel(_Closed):
    """How a package reads and counts the region's admissions (one row per admission)."""

    short_stay_hours: float = Field(4, gt=0, description="An admission shorter than this is a short admission.")
    readmission_days: int = Field(30, strict=True, gt=0, description="A new admission within this many days "
                                                                      "of a discharge is a readmission.")
    origins: list[OriginModel] = Field(min_length=1, description="Where patients come from, with aliases.")
    focus_areas: list[FocusAreaModel] = Field(min_length=1, description="The focus areas, first match wins.")


ADMISSION_CHARTS_DOC = "The admissions chart the slide shows."


def _chart_name(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("chart_type", "expected the name of a chart kind, got {got}", {"got": repr(value)})
    return value


_SLIDE = "expected {question: ID}, {question: ID, chart: KIND}, {referrals: rates} or {admissions: CHART}"


class ContentModel(_Closed):
    """One slide of a step: {question: ID}, {question: ID, chart: KIND} or {referrals: rates}."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [
        {"required": ["question"]}, {"required": ["referrals"], "not": {"required": ["chart"]}},
        {"required": ["admissions"], "not": {"required": ["chart"]}}]})

    question: Id = Field(None, description="The question the slide shows.")  # type: ignore[assignment]
    referrals: Literal["rates"] = Field(None, description="The referral chart the slide shows.")  # type: ignore[assignment]
    admissions: Literal["weekday_hour", "origin", "age_focus", "short_stays", "rates",  # type: ignore[assignment]
                        "readmissions"] = Field(None, description=ADMISSION_CHARTS_DOC)
    chart: Annotated[str, BeforeValidator(_chart_name)] = Field(  # type: ignore[assignment]
        None, description="A registered chart kind (default: by the question's type).")

    @model_validator(mode="before")
    @classmethod
    def _a_mapping(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise PydanticCustomError("content", _SLIDE)
        return value

    @model_validator(mode="after")
    def _one_slide(self) -> ContentModel:
        given = [x for x in (self.question, self.referrals, self.admissions) if x is not None]
        if len(given) != 1 or (self.question is None and self.chart):
            raise PydanticCustomError("content", _SLIDE)
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
    data: list[Literal["survey", "referrals", "admissions"]] | None = Field(
        None, description="Data sources the package uses (default: [survey]).")
    scales: dict[Text, ScaleModel] | None = Field(None, description="Answer scales by name, used by likert "
                                                                    "questions.")
    questions: list[QuestionModel] = Field(description="The survey questions, each with id, text and type.")
    offers: list[OfferModel] | None = Field(None, description="Municipal offers practices refer to (needed when "
                                                              "data lists referrals).")
    admissions: AdmissionsModel | None = Field(None, description="How the admissions data are read (needed when "
                                                                 "data lists admissions).")
    program: list[StepModel] = Field(description="The meeting program: steps in order, with slides and "
                                                 "reflection questions.")

    @model_validator(mode="after")
    def _admissions_rule(self) -> PackageModel:
        """A package with admissions data says how to read them; only it shows admissions charts."""
        if "admissions" in (self.data or ()):
            if self.admissions is None:
                raise PydanticCustomError("admissions", "a package that uses admissions data needs an "
                                          "'admissions:' section (origins, focus_areas)", {"where": "admissions"})
            return self
        for i, step in enumerate(self.program):
            for j, entry in enumerate(step.content or ()):
                if entry.admissions is not None:
                    raise PydanticCustomError("admissions", "admissions chart but 'admissions' not in data",
                                              {"where": f"program[{i}] ({step.id}).content[{j}]"})
        return self

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
ADMISSION_CHARTS = _choices_of(ContentModel.model_fields["admissions"].annotation)
CONTENT_KINDS = ("question", "referrals", "admissions")


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
