"""Package specs: the YAML catalogue as typed, validated objects.

A package is data, not code: its questions, answer scales, referral offers and meeting
program all come from ``catalogue/<name>.yaml`` (or a spec file an order points at).
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

from kiap_analysis.core.config import CATALOGUE_DIR
from kiap_analysis.core.errors import SpecError

QUESTION_TYPES = ("single_choice", "likert", "likert_grid", "multi_choice", "free_text")
STEP_KINDS = ("intro", "block", "pause", "summary")
CONTENT_KINDS = ("question", "referrals")
REFERRAL_CHARTS = ("rates",)
DATA_SOURCES = ("survey", "referrals")
# The keys each mapping of a spec may have (package.schema.json says the same).
SPEC_KEYS = ("name", "title", "version", "description", "source", "data", "scales", "questions", "offers",
             "program")
QUESTION_KEYS = ("id", "text", "type", "short", "scale", "options", "items", "block")
SCALE_KEYS = ("levels", "dont_know", "higher_is_better")
CHOICE_KEYS = ("id", "label")
OFFER_KEYS = ("id", "label", "aliases")
STEP_KEYS = ("id", "kind", "title", "minutes", "points", "content", "reflection")


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
class ContentRef:
    kind: str  # "question" | "referrals"
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

    @property
    def uses_referrals(self) -> bool:
        return "referrals" in self.data

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def question_ids(self) -> list[str]:
        return [q.id for q in self.questions]


# --------------------------------------------------------------------------- parsing


class _Reader:
    """Walks a spec mapping and raises SpecError naming the file and the key path."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, message: str) -> SpecError:
        return SpecError(f"{self.source}: {where}: {message}")

    def require(self, data: Mapping, key: str, where: str, kind: type | tuple = str) -> Any:
        if key not in data or data[key] is None:
            raise self.fail(where, f"missing '{key}'")
        value = data[key]
        if not isinstance(value, kind):
            raise self.fail(f"{where}.{key}", f"expected {_kind_name(kind)}, got {value!r}")
        return value

    def known(self, data: Mapping, keys: tuple[str, ...], where: str) -> None:
        """A misspelt key ('reflections:') is an error, not silently ignored."""
        unknown = [str(k) for k in data if k not in keys]
        if unknown:
            raise self.fail(where, f"unknown key(s) {', '.join(map(repr, unknown))} (known: {', '.join(keys)})")

    def text(self, data: Mapping, key: str, where: str, default: str = "") -> str:
        value = data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, (str, int, float)):
            raise self.fail(f"{where}.{key}", f"expected text, got {value!r}")
        return str(value).strip()

    def texts(self, data: Mapping, key: str, where: str) -> tuple[str, ...]:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
            raise self.fail(f"{where}.{key}", "expected a list of texts")
        return tuple(str(v).strip() for v in value)


def _kind_name(kind: type | tuple) -> str:
    names = {str: "text", list: "a list", dict: "a mapping", int: "a whole number"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _choices(reader: _Reader, raw: Any, where: str) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or not raw:
        raise reader.fail(where, "expected a non-empty list")
    choices = []
    for i, entry in enumerate(raw):
        if isinstance(entry, (str, int, float)):
            label = str(entry).strip()
            choices.append(Choice(id=slug(label) or str(i + 1), label=label))
        elif isinstance(entry, dict):
            reader.known(entry, CHOICE_KEYS, f"{where}[{i}]")
            label = reader.require(entry, "label", f"{where}[{i}]")
            choices.append(Choice(id=str(entry.get("id") or slug(label)), label=label.strip()))
        else:
            raise reader.fail(f"{where}[{i}]", f"expected text or {{id, label}}, got {entry!r}")
    ids = [c.id for c in choices]
    if len(set(ids)) != len(ids):
        raise reader.fail(where, f"duplicate ids {sorted({i for i in ids if ids.count(i) > 1})}")
    return tuple(choices)


def _scale(reader: _Reader, name: str, raw: Any, where: str) -> Scale:
    if not isinstance(raw, dict):
        raise reader.fail(where, "expected a mapping with 'levels'")
    reader.known(raw, SCALE_KEYS, where)
    levels = reader.texts(raw, "levels", where)
    if len(levels) < 2:
        raise reader.fail(where, "a scale needs at least two levels")
    dont_know = reader.text(raw, "dont_know", where) or None
    return Scale(
        name=name,
        levels=levels,
        dont_know=dont_know,
        higher_is_better=_flag(reader, raw, "higher_is_better", where, default=True),
    )


def _flag(reader: _Reader, raw: Mapping, key: str, where: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise reader.fail(f"{where}.{key}", f"expected true or false, got {value!r}")
    return value


def parse_question(
    reader: _Reader, raw: Any, where: str, scales: Mapping[str, Scale]
) -> Question:
    """One question spec (also used for questions added locally by an order)."""
    if not isinstance(raw, dict):
        raise reader.fail(where, "expected a mapping with id, text and type")
    qid = str(reader.require(raw, "id", where, (str, int))).strip()
    where = f"{where} ({qid})"
    reader.known(raw, QUESTION_KEYS, where)
    qtype = reader.require(raw, "type", where)
    if qtype not in QUESTION_TYPES:
        raise reader.fail(where, f"type '{qtype}' is not one of {', '.join(QUESTION_TYPES)}")
    scale = None
    if qtype in ("likert", "likert_grid"):
        raw_scale = raw.get("scale")
        if isinstance(raw_scale, str):
            if raw_scale not in scales:
                raise reader.fail(where, f"unknown scale '{raw_scale}' (known: {', '.join(scales)})")
            scale = scales[raw_scale]
        elif isinstance(raw_scale, dict):
            scale = _scale(reader, f"{qid}_scale", raw_scale, f"{where}.scale")
        else:
            raise reader.fail(where, "a likert question needs 'scale' (a scale name or mapping)")
    options = _choices(reader, raw.get("options"), f"{where}.options") if qtype in (
        "single_choice",
        "multi_choice",
    ) else ()
    items = _choices(reader, raw.get("items"), f"{where}.items") if qtype == "likert_grid" else ()
    return Question(
        id=qid,
        text=reader.require(raw, "text", where).strip(),
        type=qtype,
        short=reader.text(raw, "short", where),
        scale=scale,
        options=options,
        items=items,
        block=reader.text(raw, "block", where) or None,
    )


def _step(reader: _Reader, raw: Any, where: str) -> ProgramStep:
    if not isinstance(raw, dict):
        raise reader.fail(where, "expected a mapping")
    sid = str(reader.require(raw, "id", where, (str, int)))
    where = f"{where} ({sid})"
    reader.known(raw, STEP_KEYS, where)
    kind = reader.require(raw, "kind", where)
    if kind not in STEP_KINDS:
        raise reader.fail(where, f"kind '{kind}' is not one of {', '.join(STEP_KINDS)}")
    content = []
    for i, entry in enumerate(raw.get("content") or []):
        fields = dict(entry) if isinstance(entry, dict) else {}
        chart = fields.pop("chart", None) if "question" in fields else None
        if len(fields) != 1:
            raise reader.fail(f"{where}.content[{i}]", "expected {question: ID}, {question: ID, chart: KIND} "
                              "or {referrals: rates}")
        (ckind, ref), = fields.items()
        if ckind not in CONTENT_KINDS:
            raise reader.fail(f"{where}.content[{i}]", f"unknown content '{ckind}'")
        if ckind == "referrals" and ref not in REFERRAL_CHARTS:
            raise reader.fail(f"{where}.content[{i}]", f"unknown referral chart '{ref}'")
        if chart is not None and not isinstance(chart, str):
            raise reader.fail(f"{where}.content[{i}].chart", f"expected the name of a chart kind, got {chart!r}")
        content.append(ContentRef(kind=ckind, ref=str(ref), chart=chart))
    minutes = raw.get("minutes")
    if minutes is not None and not isinstance(minutes, int):
        raise reader.fail(f"{where}.minutes", "expected a whole number")
    return ProgramStep(
        id=sid,
        kind=kind,
        title=reader.require(raw, "title", where),
        minutes=minutes,
        points=reader.texts(raw, "points", where),
        content=tuple(content),
        reflection=reader.texts(raw, "reflection", where),
    )


def parse_spec(raw: Any, source: str, path: Path | None = None) -> PackageSpec:
    """Validate a spec mapping and build the PackageSpec."""
    reader = _Reader(source)
    if not isinstance(raw, dict):
        raise reader.fail("top level", "expected a mapping")
    reader.known(raw, SPEC_KEYS, "top level")
    for i, o in enumerate(raw.get("offers") or []):
        if isinstance(o, dict):
            reader.known(o, OFFER_KEYS, f"offers[{i}]")
    scales = {
        str(name): _scale(reader, str(name), body, f"scales.{name}")
        for name, body in (raw.get("scales") or {}).items()
    }
    raw_questions = reader.require(raw, "questions", "top level", list)
    questions = tuple(
        parse_question(reader, q, f"questions[{i}]", scales) for i, q in enumerate(raw_questions)
    )
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise reader.fail("questions", "question ids must be unique")
    data = reader.texts(raw, "data", "top level") or ("survey",)
    for source_name in data:
        if source_name not in DATA_SOURCES:
            raise reader.fail("data", f"unknown data source '{source_name}'")
    offers = tuple(
        Offer(
            id=str(reader.require(o, "id", f"offers[{i}]", (str, int))),
            label=reader.require(o, "label", f"offers[{i}]"),
            aliases=reader.texts(o, "aliases", f"offers[{i}]"),
        )
        for i, o in enumerate(raw.get("offers") or [])
    )
    if "referrals" in data and not offers:
        raise reader.fail("offers", "a package that uses referral data must list its offers")
    program = tuple(
        _step(reader, s, f"program[{i}]")
        for i, s in enumerate(reader.require(raw, "program", "top level", list))
    )
    spec = PackageSpec(
        name=reader.require(raw, "name", "top level"),
        title=reader.require(raw, "title", "top level"),
        version=str(reader.require(raw, "version", "top level", (str, int, float))),
        data=data,
        questions=questions,
        program=program,
        scales=scales,
        offers=offers,
        description=reader.text(raw, "description", "top level"),
        source=reader.text(raw, "source", "top level"),
        path=path,
    )
    _check_program(spec, reader)
    return spec


def _check_program(spec: PackageSpec, reader: _Reader) -> None:
    known = set(spec.question_ids())
    step_ids = [s.id for s in spec.program]
    if len(set(step_ids)) != len(step_ids):
        raise reader.fail("program", "step ids must be unique")
    shown: list[str] = []
    for step in spec.program:
        for ref in step.content:
            if ref.kind == "question":
                if ref.ref not in known:
                    raise reader.fail(f"program.{step.id}", f"unknown question '{ref.ref}'")
                shown.append(ref.ref)
            if ref.kind == "referrals" and not spec.uses_referrals:
                raise reader.fail(f"program.{step.id}", "referral chart but 'referrals' not in data")
    for question in spec.questions:
        if question.block and question.block not in step_ids:
            raise reader.fail(f"questions.{question.id}", f"unknown block '{question.block}'")


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


def apply_local_edits(
    spec: PackageSpec, remove: Iterable[str] = (), add: Iterable[Mapping] = (), source: str = ""
) -> PackageSpec:
    """The spec with an order's local question edits: removed ones vanish, added ones join a block."""
    remove = list(remove)
    reader = _Reader(source or f"local edits of {spec.name}")
    unknown = [q for q in remove if q not in spec.question_ids()]
    if unknown:
        raise reader.fail("questions.remove", f"unknown question(s) {', '.join(unknown)}")
    added = [
        parse_question(reader, raw, f"questions.add[{i}]", spec.scales) for i, raw in enumerate(add)
    ]
    step_ids = [s.id for s in spec.program]
    for question in added:
        if question.id in spec.question_ids() and question.id not in remove:
            raise reader.fail("questions.add", f"question id '{question.id}' is already in the package")
        if question.block is None:
            raise reader.fail(
                f"questions.add ({question.id})", f"say which block it belongs to: block: one of {step_ids}"
            )
        if question.block not in step_ids:
            raise reader.fail(f"questions.add ({question.id})", f"unknown block '{question.block}'")
    questions = tuple(q for q in spec.questions if q.id not in remove) + tuple(added)
    program = []
    for step in spec.program:
        content = [c for c in step.content if not (c.kind == "question" and c.ref in remove)]
        content += [ContentRef("question", q.id) for q in added if q.block == step.id]
        program.append(replace(step, content=tuple(content)))
    return replace(spec, questions=questions, program=tuple(program))
