"""Package specs: the YAML catalogue as typed, validated objects.

A package is data, not code: its questions, answer scales, referral offers and meeting
program all come from ``catalogue/<name>.yaml`` (or a spec file an order points at).
spec_model.py's pydantic models say what a spec file may hold; parse_spec validates a spec
with them, checks what they cannot see (ids that must exist or be unique) and builds the
dataclasses below, which the rest of the workbook uses.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from kiap_analysis.core.config import CATALOGUE_DIR
from kiap_analysis.core.errors import SpecError
from kiap_analysis.core.spec_model import (  # noqa: F401 (the lists of names are spec.py's API too)
    ADMISSION_CHARTS,
    CONTENT_KINDS,
    DATA_SOURCES,
    QUESTION_TYPES,
    REFERRAL_CHARTS,
    STEP_KINDS,
    AdmissionsModel,
    ChoiceModel,
    PackageModel,
    QuestionModel,
    ScaleModel,
    StepModel,
)
from kiap_analysis.core.validation_messages import messages


def slug(text: str) -> str:
    """Lower-case ASCII identifier: 'Akut sygdom' -> 'akut_sygdom', 'Kræft' -> 'kraeft'."""
    text = text.casefold().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


@dataclass(frozen=True)
class Choice:
    """An option of a choice question or an item of a grid."""

    id: str
    label: str


@dataclass(frozen=True)
class Scale:
    """An ordered answer scale; ``dont_know`` is kept apart from the levels."""

    name: str
    levels: tuple[str, ...]
    dont_know: str | None = None
    higher_is_better: bool = True

    @property
    def categories(self) -> tuple[str, ...]:
        return self.levels + ((self.dont_know,) if self.dont_know else ())


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    type: str
    short: str = ""
    scale: Scale | None = None
    options: tuple[Choice, ...] = ()
    items: tuple[Choice, ...] = ()
    block: str | None = None  # program step of a locally added question

    @property
    def title(self) -> str:
        return self.short or self.text

    @property
    def has_chart(self) -> bool:
        return self.type != "free_text"

    @property
    def categories(self) -> tuple[str, ...]:
        """Answer categories in display order (scale levels then 'Ved ikke', or options)."""
        if self.scale is not None:
            return self.scale.categories
        return tuple(o.label for o in self.options)


@dataclass(frozen=True)
class Offer:
    """A municipal offer that practices refer to, with the names municipalities use for it."""

    id: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Origin:
    """A place admitted patients come from, with the names regions use for it."""

    id: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class FocusArea:
    """A focus area: diagnosis code prefixes and group names (none of either: any diagnosis) and ages."""

    id: str
    label: str
    codes: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None


@dataclass(frozen=True)
class AdmissionsConfig:
    """How a package reads and counts admissions (spec_model.AdmissionsModel)."""

    origins: tuple[Origin, ...]
    focus_areas: tuple[FocusArea, ...]
    short_stay_hours: float = 4.0
    readmission_days: int = 30


def _admissions(model: AdmissionsModel | None) -> AdmissionsConfig | None:
    if model is None:
        return None
    return AdmissionsConfig(
        origins=tuple(Origin(o.id, o.label, tuple(o.aliases or ())) for o in model.origins),
        focus_areas=tuple(FocusArea(f.id, f.label, tuple(f.codes or ()), tuple(f.groups or ()), f.min_age,
                                    f.max_age) for f in model.focus_areas),
        short_stay_hours=float(model.short_stay_hours), readmission_days=model.readmission_days)


@dataclass(frozen=True)
class ContentRef:
    kind: str  # "question" | "referrals" | "admissions"
    ref: str
    chart: str | None = None  # a question's chart kind by name (present.charts); None: by its type


@dataclass(frozen=True)
class ProgramStep:
    id: str
    kind: str
    title: str
    minutes: int | None = None
    points: tuple[str, ...] = ()
    content: tuple[ContentRef, ...] = ()
    reflection: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackageSpec:
    name: str
    title: str
    version: str
    data: tuple[str, ...]
    questions: tuple[Question, ...]
    program: tuple[ProgramStep, ...]
    scales: Mapping[str, Scale] = field(default_factory=dict)
    offers: tuple[Offer, ...] = ()
    description: str = ""
    source: str = ""
    path: Path | None = None
    admissions: AdmissionsConfig | None = None

    @property
    def uses_referrals(self) -> bool:
        return "referrals" in self.data

    @property
    def uses_admissions(self) -> bool:
        return "admissions" in self.data

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def question_ids(self) -> list[str]:
        return [q.id for q in self.questions]


# --------------------------------------------------------------------------- parsing


def _fail(source: str, where: str, message: str) -> SpecError:
    return SpecError(f"{source}: {where}: {message}")


def _validated(root: Any, raw: Any, source: str, base: str = "") -> Any:
    """``raw`` validated as ``root`` (a spec_model type), or SpecError naming every problem with its place."""
    try:
        return _adapter(root).validate_python(raw)
    except ValidationError as exc:
        raise SpecError(f"{source}: " + "; ".join(messages(exc, root, raw, base))) from None


@functools.cache
def _adapter(root: Any) -> TypeAdapter:
    return TypeAdapter(root)


def _scale(name: str, model: ScaleModel) -> Scale:
    return Scale(name=name, levels=tuple(model.levels), dont_know=model.dont_know or None,
                 higher_is_better=model.higher_is_better)


def _choices(models: list[ChoiceModel], where: str, source: str) -> tuple[Choice, ...]:
    choices = tuple(Choice(id=model.id or slug(model.label) or str(i + 1), label=model.label.strip())
                    for i, model in enumerate(models))
    ids = [c.id for c in choices]
    if len(set(ids)) != len(ids):
        raise _fail(source, where, f"duplicate ids {sorted({i for i in ids if ids.count(i) > 1})}")
    return choices


def _question(model: Any, where: str, scales: Mapping[str, Scale], source: str) -> Question:
    """One validated question (also one an order adds) with its scale looked up."""
    qid = model.id.strip()
    where = f"{where} ({qid})"
    scale = getattr(model, "scale", None)
    if isinstance(scale, str):
        if scale not in scales:
            raise _fail(source, where, f"unknown scale '{scale}' (known: {', '.join(scales)})")
        scale = scales[scale]
    elif scale is not None:
        scale = _scale(f"{qid}_scale", scale)
    return Question(
        id=qid,
        text=model.text.strip(),
        type=model.type,
        short=model.short or "",
        scale=scale,
        options=_choices(model.options, f"{where}.options", source) if hasattr(model, "options") else (),
        items=_choices(model.items, f"{where}.items", source) if hasattr(model, "items") else (),
        block=model.block or None,
    )


def _step(model: StepModel) -> ProgramStep:
    return ProgramStep(
        id=model.id,
        kind=model.kind,
        title=model.title,
        minutes=model.minutes,
        points=tuple(model.points or ()),
        content=tuple(ContentRef("question", c.question, c.chart) if c.question is not None
                      else ContentRef("referrals", c.referrals, c.chart) if c.referrals is not None
                      else ContentRef("admissions", c.admissions) for c in model.content or ()),
        reflection=tuple(model.reflection or ()),
    )


def parse_spec(raw: Any, source: str, path: Path | None = None) -> PackageSpec:
    """Validate a spec mapping (spec_model.PackageModel) and build the PackageSpec."""
    model: PackageModel = _validated(PackageModel, raw, source)
    scales = {name: _scale(name, body) for name, body in (model.scales or {}).items()}
    questions = tuple(_question(q, f"questions[{i}]", scales, source) for i, q in enumerate(model.questions))
    spec = PackageSpec(
        name=model.name,
        title=model.title,
        version=model.version,
        data=tuple(model.data or ()) or ("survey",),
        questions=questions,
        program=tuple(_step(s) for s in model.program),
        scales=scales,
        offers=tuple(Offer(id=o.id, label=o.label, aliases=tuple(o.aliases or ())) for o in model.offers or ()),
        description=model.description or "",
        source=model.source or "",
        path=path,
        admissions=_admissions(model.admissions),
    )
    _check_references(spec, source)
    return spec


def _repeated(ids: list[str]) -> str:
    return ", ".join(sorted({i for i in ids if ids.count(i) > 1}))


def _check_references(spec: PackageSpec, source: str) -> None:
    """What the schema cannot see: ids are unique, and what the program and blocks name exists."""
    ids = spec.question_ids()
    if len(set(ids)) != len(ids):
        raise _fail(source, "questions", f"question ids must be unique, found {_repeated(ids)} more than once")
    step_ids = [s.id for s in spec.program]
    if len(set(step_ids)) != len(step_ids):
        raise _fail(source, "program", f"step ids must be unique, found {_repeated(step_ids)} more than once")
    for step in spec.program:
        for ref in step.content:
            if ref.kind == "question" and ref.ref not in ids:
                raise _fail(source, f"program.{step.id}", f"unknown question '{ref.ref}'")
    for question in spec.questions:
        if question.block and question.block not in step_ids:
            raise _fail(source, f"questions.{question.id}",
                        f"unknown block '{question.block}' (steps: {', '.join(step_ids)})")


def load_spec(path: Path | str) -> PackageSpec:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the package spec ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from exc
    return parse_spec(raw, str(path), path)


def load_catalogue(extra_dirs: Iterable[Path] = ()) -> dict[str, PackageSpec]:
    """Every package spec: the built-in catalogue plus extra folders (later ones win).

    Parsed once per process and again only when a spec file changes."""
    files = tuple(path for folder in (CATALOGUE_DIR, *extra_dirs) for path in sorted(Path(folder).glob("*.y*ml")))
    stamps = tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in files)
    return dict(_parsed_catalogue(stamps))


@functools.lru_cache(maxsize=8)
def _parsed_catalogue(stamps: tuple[tuple[str, int, int], ...]) -> tuple[tuple[str, PackageSpec], ...]:
    specs: dict[str, PackageSpec] = {}
    for path, _, _ in stamps:
        spec = load_spec(path)
        specs[spec.name] = spec
    return tuple(specs.items())


def resolve_package(ref: str, base_dir: Path, extra_dirs: Iterable[Path] = ()) -> PackageSpec:
    """A catalogue name, or a path (relative to the orders file) to a spec file."""
    if ref.endswith((".yaml", ".yml")):
        return load_spec(base_dir / ref)
    catalogue = load_catalogue(extra_dirs)
    if ref not in catalogue:
        raise SpecError(f"unknown package '{ref}' (known: {', '.join(sorted(catalogue))})")
    return catalogue[ref]


_ADDED = list[QuestionModel]  # the questions an order adds


def apply_local_edits(
    spec: PackageSpec, remove: Iterable[str] = (), add: Iterable[Mapping] = (), source: str = ""
) -> PackageSpec:
    """The spec with an order's local question edits: removed ones vanish, added ones join a block."""
    remove = list(remove)
    source = source or f"local edits of {spec.name}"
    unknown = [q for q in remove if q not in spec.question_ids()]
    if unknown:
        raise _fail(source, "questions.remove", f"unknown question(s) {', '.join(unknown)}")
    models = _validated(_ADDED, list(add), source, base="questions.add")
    added = [_question(model, f"questions.add[{i}]", spec.scales, source) for i, model in enumerate(models)]
    step_ids = [s.id for s in spec.program]
    for question in added:
        if question.id in spec.question_ids() and question.id not in remove:
            raise _fail(source, "questions.add", f"question id '{question.id}' is already in the package")
        if question.block is None:
            raise _fail(source, f"questions.add ({question.id})",
                        f"say which block it belongs to: block: one of {step_ids}")
        if question.block not in step_ids:
            raise _fail(source, f"questions.add ({question.id})", f"unknown block '{question.block}'")
    questions = tuple(q for q in spec.questions if q.id not in remove) + tuple(added)
    program = []
    for step in spec.program:
        content = [c for c in step.content if not (c.kind == "question" and c.ref in remove)]
        content += [ContentRef("question", q.id) for q in added if q.block == step.id]
        program.append(replace(step, content=tuple(content)))
    return replace(spec, questions=questions, program=tuple(program))
