"""The orders file: which packages to produce, for whom, from which inputs.

A file that cannot be read at all raises OrdersFileError (exit 2). A single bad order
becomes an ``OrderEntry`` with problems, so the other orders still run.
"""

from __future__ import annotations

import datetime as dt
import errno
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from kiap_analysis.core.errors import (
    InputError,
    OrdersFileError,
    Problem,
    SpecError,
)
from kiap_analysis.core.rules import LOSS_RULES
from kiap_analysis.core.spec import PackageSpec, apply_local_edits, resolve_package

ROUNDS = ("baseline", "follow-up")
ORDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
SURVEY_LANGUAGES = ("da", "en", "de", "no", "sv")
DISCLOSURES = ("standard", "strict")  # what the referral figures publish (docs/privacy.md)
ALL_CLUSTERS = "*"  # ``practices: <file>``: one roster for every cluster of the orders file


# --------------------------------------------------------------------------- the model of one order


def _text(value: Any) -> str | None:
    """A value written after a key (a name, a number, a date, a path), stripped; blank is None."""
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        raise PydanticCustomError("not_text", "not one value")
    return str(value).strip() or None


def _lower_text(value: Any) -> str | None:
    text = _text(value)
    return text.casefold() if text else None


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise PydanticCustomError("bad_date", "not a date") from None


def _survey_map(value: Any) -> Any:
    """question id -> export column (or a list of columns), keys and columns as text."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        return value  # the dict type says no
    return {str(k): v if isinstance(v, list) else str(v) for k, v in value.items()}


Text = Annotated[str | None, BeforeValidator(_text)]
Name = Annotated[str, BeforeValidator(_text)]  # required: blank reads as missing
Day = Annotated[dt.date, BeforeValidator(_day)]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PeriodModel(_Closed):
    start: Day
    end: Day

    @model_validator(mode="after")
    def _in_order(self) -> PeriodModel:
        if self.end < self.start:
            raise PydanticCustomError("period_order", "the period ends before it starts")
        return self


class QuestionEdits(_Closed):
    """``questions: {remove: [...], add: [...]}``; spec.apply_local_edits checks the added questions."""

    remove: list[Name] | None = None
    add: list[Any] | None = None


class OrderModel(_Closed):
    """One entry of ``orders:`` as the file writes it (paths as text); docs/input-formats.md."""

    id: Annotated[str, BeforeValidator(_text), Field(pattern=ORDER_ID.pattern)]
    cluster: Name
    municipality: Name
    package: Name
    round: Annotated[Literal[ROUNDS] | None, BeforeValidator(_text)] = None  # None: baseline
    baseline: Text = None
    survey: Text = None
    invited: int | None = Field(None, strict=True, ge=1)
    referrals: Text = None
    listed_patients: Text = None
    admissions: Text = None  # the region's admissions extract (package indlaeggelser)
    period: PeriodModel | None = None
    questions: QuestionEdits | None = None
    survey_map: Annotated[dict[str, Any], BeforeValidator(_survey_map)] = Field(default_factory=dict)
    template: Text = None
    names: Text = None
    respondent_id: Text = None  # the export's column that identifies respondents, or 'none'
    survey_language: Annotated[Literal[SURVEY_LANGUAGES] | None, BeforeValidator(_lower_text)] = None
    accept_loss: dict[Literal[LOSS_RULES], Name] | None = None  # data-loss rule -> why it is accepted
    disclosure: Annotated[Literal[DISCLOSURES] | None, BeforeValidator(_lower_text)] = None  # None: standard
    agreements: Text = None  # what the (baseline) meeting agreed: a YAML file (docs/agreements.md)


KNOWN_FIELDS = set(OrderModel.model_fields)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def label(self) -> str:
        """Danish date range, e.g. '1.1.2025-31.12.2025'."""
        return f"{_dk_date(self.start)}-{_dk_date(self.end)}"

    def short_label(self) -> str:
        """How charts name a round: '2025' for a calendar year, else e.g. 'jul. 2025-jun. 2026'."""
        if (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31) \
                and self.start.year == self.end.year:
            return str(self.end.year)
        start, end = SHORT_MONTHS[self.start.month - 1], SHORT_MONTHS[self.end.month - 1]
        return f"{start} {self.start.year}-{end} {self.end.year}"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


SHORT_MONTHS = ("jan.", "feb.", "mar.", "apr.", "maj", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.")


def _dk_date(day: dt.date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


@dataclass(frozen=True)
class Order:
    """One ordered package, with every path resolved against the orders file's folder."""

    id: str
    cluster: str
    municipality: str
    package: str
    round: str
    base_dir: Path
    line: int | None = None
    baseline: str | None = None
    survey: Path | None = None
    invited: int | None = None
    referrals: Path | None = None
    listed_patients: Path | None = None
    admissions: Path | None = None
    period: Period | None = None
    questions_remove: tuple[str, ...] = ()
    questions_add: tuple[Mapping[str, Any], ...] = ()
    survey_map: Mapping[str, str] = field(default_factory=dict)
    template: Path | None = None
    names: Path | None = None
    respondent_id: str | None = None  # the export's column that identifies respondents, or 'none'
    survey_language: str | None = None  # which SurveyXact files of several to read (da, en, de, no, sv)
    accept_loss: Mapping[str, str] = field(default_factory=dict)  # data-loss rule -> why it is accepted
    disclosure: str = "standard"  # standard | strict: what the referral figures publish (docs/privacy.md)
    agreements: Path | None = None  # what the meeting agreed (what, who, by when): docs/agreements.md

    @property
    def is_strict(self) -> bool:
        return self.disclosure == "strict"

    @property
    def is_follow_up(self) -> bool:
        return self.round == "follow-up"

    def input_paths(self) -> dict[str, Path]:
        """The order's own input files by role (what the manifest checksums)."""
        roles = {
            "survey": self.survey,
            "referrals": self.referrals,
            "listed_patients": self.listed_patients,
            "admissions": self.admissions,
            "template": self.template,
            "names": self.names,
            "agreements": self.agreements,
        }
        return {role: path for role, path in roles.items() if path is not None}


@dataclass(frozen=True)
class OrderEntry:
    """An order as read from the file: either usable (``order``) or with problems."""

    id: str
    index: int
    order: Order | None
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return self.order is not None and not self.problems


@dataclass(frozen=True)
class OrdersFile:
    path: Path
    entries: tuple[OrderEntry, ...]
    catalogue_dirs: tuple[Path, ...] = ()
    # ``practices:``: cluster (or ALL_CLUSTERS) -> its roster of practices (ydernummer, name), for redaction
    rosters: Mapping[str, Path] = field(default_factory=dict)

    def roster(self, cluster: str) -> Path | None:
        """The cluster's roster file (``practices:``), if the orders file names one."""
        return self.rosters.get(cluster) or self.rosters.get(ALL_CLUSTERS)

    def cluster_orders(self, cluster: str) -> list[Order]:
        """Every usable-or-not order of the cluster that the file could parse."""
        return [e.order for e in self.entries if e.order is not None and e.order.cluster == cluster]

    def entry(self, order_id: str) -> OrderEntry:
        for entry in self.entries:
            if entry.id == order_id:
                return entry
        known = ", ".join(e.id for e in self.entries)
        raise OrdersFileError(f"{self.path}: no order with id '{order_id}' (orders: {known})")

    def order(self, order_id: str) -> Order:
        """The usable order with this id, or InputError listing its problems."""
        entry = self.entry(order_id)
        if not entry.ok:
            raise InputError(list(entry.problems))
        assert entry.order is not None
        return entry.order


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping (as '__line__')."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    mapping["__lines__"] = {
        loader.construct_object(key): key.start_mark.line + 1 for key, _ in node.value
    }
    return mapping


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    """A date YAML cannot build (2025-13-01) stays text: the order's check names it, where
    YAML would have made the whole file unreadable."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


LineLoader = _LineLoader  # for the other YAML inputs that name lines in their messages (agreements)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k not in ("__line__", "__lines__")}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def load_orders(path: Path | str) -> OrdersFile:
    """Read and check an orders file; raises OrdersFileError only if the file is unusable."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise OrdersFileError(f"{path}: the orders file does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise OrdersFileError(f"{path}: cannot read the orders file ({exc}); save it as UTF-8") from exc
    try:
        raw = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        raise OrdersFileError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("orders"), list) or not raw["orders"]:
        raise OrdersFileError(f"{path}: expected a mapping with a non-empty list 'orders:'")
    base_dir = path.parent.resolve()
    catalogue_dirs = ()
    if raw.get("catalogue"):
        folder = base_dir / str(raw["catalogue"])
        if not folder.is_dir():
            raise OrdersFileError(f"{path}: catalogue folder '{raw['catalogue']}' does not exist")
        catalogue_dirs = (folder,)
    entries = [_parse_entry(item, i, path, base_dir) for i, item in enumerate(raw["orders"])]
    rosters, roster_problems = _rosters(raw.get("practices"), raw.get("__lines__", {}).get("practices"), path,
                                        base_dir, {e.order.cluster for e in entries if e.order is not None})
    entries = [_with_problems(e, roster_problems.get(e.order.cluster if e.order else "", [])
                              + roster_problems.get(ALL_CLUSTERS, [])) for e in entries]
    ids = [e.id for e in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise OrdersFileError(
            f"{path}: order ids must be unique, found {', '.join(duplicates)} more than once "
            "(each id names its output folder reports/<id>/)"
        )
    return OrdersFile(path=path, entries=tuple(entries), catalogue_dirs=catalogue_dirs, rosters=rosters)


def _with_problems(entry: OrderEntry, problems: list[Problem]) -> OrderEntry:
    return replace(entry, problems=entry.problems + tuple(problems)) if problems else entry


def _rosters(raw: Any, line: int | None, path: Path, base_dir: Path,
             clusters: set[str]) -> tuple[dict[str, Path], dict[str, list[Problem]]]:
    """``practices:``: a roster file for every cluster, or a mapping cluster -> roster file.

    A roster that cannot be found fails the orders of its cluster (their practices could not
    be redacted); a cluster no order has is an error of the whole file (a misspelt cluster's
    practices would silently not be redacted)."""
    if raw is None:
        return {}, {}
    fix = "write practices: <file>, or practices: {<cluster>: <file>, ...} (see docs/input-formats.md)"
    if isinstance(raw, str):
        raw = {ALL_CLUSTERS: raw}
    if not isinstance(raw, dict):
        raise OrdersFileError(f"{path}: practices: must be a roster file or a mapping cluster -> roster file; {fix}")
    lines = raw.get("__lines__", {})
    rosters: dict[str, Path] = {}
    problems: dict[str, list[Problem]] = {}
    for cluster, value in _strip_lines(raw).items():
        cluster = str(cluster).strip()
        if cluster != ALL_CLUSTERS and cluster not in clusters:
            raise OrdersFileError(f"{path}: practices: names the cluster '{cluster}', which no order has; "
                                  "spell it as the orders' cluster: does")
        if not isinstance(value, str) or not value.strip():
            raise OrdersFileError(f"{path}: practices: the roster of '{cluster}' is not a file name; {fix}")
        resolved, message, fix_ = _input_path(base_dir, value.strip(), path.name)
        if message:
            problems.setdefault(cluster, []).append(Problem(str(path), f"practices: {message}", fix_,
                                                            line=lines.get(cluster, line), column="practices"))
        elif resolved is not None:
            rosters[cluster] = resolved
    return rosters, problems


def _parse_entry(item: Any, index: int, path: Path, base_dir: Path) -> OrderEntry:
    fallback_id = f"order-{index + 1}"
    if not isinstance(item, dict):
        problem = Problem(str(path), f"order {index + 1} is not a mapping", "write it as 'id: ...' fields")
        return OrderEntry(id=fallback_id, index=index, order=None, problems=(problem,))
    line = item.get("__line__")
    lines = item.get("__lines__", {})
    raw = _strip_lines(item)
    problems: list[Problem] = []

    def problem(column: str, message: str, fix: str) -> None:
        problems.append(Problem(str(path), message, fix, line=lines.get(column, line), column=column))

    model, errors = _read(raw, fallback_id)
    order_id = model.id
    for error in errors:
        problem(*_said(error, raw, index, order_id))

    def file(key: str) -> Path | None:
        value = getattr(model, key)
        if not value:
            return None
        resolved, message, fix = _input_path(base_dir, value, path.name)
        if message:
            problem(key, message, fix)
        return resolved

    round_ = model.round or "baseline"
    if round_ == "follow-up" and not model.baseline:
        problem("baseline", "a follow-up order must name its baseline order",
                "add baseline: <id of the baseline order>")
    for key in ("cluster", "municipality"):
        kinds = _identifier_kinds(getattr(model, key))
        if kinds:
            problem(key, f"'{key}' holds what looks like {' and '.join(kinds)}: it is printed on every slide "
                    "and report", f"write the {key}'s name only (the name is published as written)")
    period = Period(model.period.start, model.period.end) if model.period else None
    edits = model.questions or QuestionEdits()
    order = Order(
        id=order_id,
        cluster=model.cluster,
        municipality=model.municipality,
        package=model.package,
        round=round_,
        base_dir=base_dir,
        line=line,
        baseline=model.baseline,
        survey=file("survey"),
        invited=model.invited,
        referrals=file("referrals"),
        listed_patients=file("listed_patients"),
        admissions=file("admissions"),
        period=period,
        questions_remove=tuple(edits.remove or ()),
        questions_add=tuple(edits.add or ()),
        survey_map=model.survey_map,
        template=file("template"),
        names=file("names"),
        respondent_id=model.respondent_id,
        survey_language=model.survey_language,
        accept_loss=dict(model.accept_loss or {}),
        disclosure=model.disclosure or "standard",
        agreements=file("agreements"),
    )
    if order.package.endswith((".yaml", ".yml")):  # a spec file beside the orders file
        _, message, fix = _input_path(base_dir, order.package, path.name)
        if message:
            problem("package", message, fix)
    if "survey" not in raw:
        problem("survey", "'survey' is missing", f"add 'survey:' with the survey export of order {order_id}")
    problems = sorted(dict.fromkeys(problems), key=lambda p: p.line or 0)  # once each, as the file reads
    return OrderEntry(id=order_id, index=index, order=order, problems=tuple(problems))


def _read(raw: dict, fallback_id: str) -> tuple[OrderModel, list[dict]]:
    """The order as the model reads it, and pydantic's errors. A field with an error is left at
    its default (a name at ''), so what else the order says still counts: its cluster and
    municipality, for example, are still redacted from its messages."""
    try:
        return OrderModel.model_validate(raw), []
    except ValidationError as exc:
        errors = exc.errors()
    bad = {error["loc"][0] for error in errors if error["loc"]}
    model = OrderModel.model_construct(id=fallback_id, cluster="", municipality="", package="")
    for key, value in raw.items():
        if key in KNOWN_FIELDS and key not in bad:  # each of these passed on its own
            OrderModel.__pydantic_validator__.validate_assignment(model, key, value)
    return model, errors


_LOSS_FIX = ("write e.g. accept_loss: {duplicate_respondent: 'two test answers by the coordinator'}; rules: "
             + ", ".join(LOSS_RULES))
_PERIOD_FIX = "write period: {start: 2025-01-01, end: 2025-12-31}"


def _said(error: dict, raw: dict, index: int, order_id: str) -> tuple[str, str, str]:
    """(column, message, fix) of one pydantic error in an order, in the words of docs/input-formats.md."""
    loc, kind, value = error["loc"], error["type"], error["input"]
    key = str(loc[0])
    if kind == "extra_forbidden" and len(loc) == 1:
        return key, f"unknown field '{key}'", f"use one of: {', '.join(sorted(KNOWN_FIELDS))}"
    if key == "id":
        return key, f"order {index + 1} has no usable id ({raw.get('id')!r})", \
            "give it an id of letters, digits, '.', '_' or '-', e.g. kool-2026-akut"
    if key == "round":
        return key, f"round '{value}' is not baseline or follow-up", "write round: baseline or round: follow-up"
    if key == "invited":
        return key, f"invited must be a positive whole number, got {value!r}", "write the number of members invited"
    if kind == "extra_forbidden" and key in ("period", "questions"):
        known = "start and end" if key == "period" else "remove and add"
        return key, f"{key} has {known} only, not '{loc[1]}'", \
            _PERIOD_FIX if key == "period" else "see docs/input-formats.md, Local question edits"
    if key == "period":
        if kind == "period_order":
            return key, "the period ends before it starts", "swap start and end"
        if kind == "bad_date":
            period = raw["period"]
            return key, f"cannot read the dates {period.get('start')!r}, {period.get('end')!r}", \
                "write dates as YYYY-MM-DD"
        return key, "period needs start and end", _PERIOD_FIX
    if key == "questions":
        return key, "questions must be a mapping with 'remove' and/or 'add'", \
            "see docs/input-formats.md, Local question edits"
    if key == "survey_map":
        return key, "survey_map must map question ids to export variables", "write e.g. survey_map: {q1: s_1}"
    if key == "survey_language":
        return key, f"survey_language '{value}' is not one of {', '.join(SURVEY_LANGUAGES)}", \
            "write the language the SurveyXact files are named for, e.g. survey_language: da"
    if key == "disclosure":
        return key, f"disclosure '{value}' is not one of {', '.join(DISCLOSURES)}", \
            "write disclosure: standard (the default) or disclosure: strict (see docs/privacy.md)"
    if key == "accept_loss":
        if len(loc) == 3:  # ('accept_loss', rule, '[key]'): the rule is not one
            return key, f"accept_loss names '{loc[1]}', which is not a data-loss rule", _LOSS_FIX
        if len(loc) == 2:
            return key, f"accept_loss: {loc[1]} needs a reason", _LOSS_FIX
        return key, "accept_loss must map data-loss rules to the reason they are accepted", _LOSS_FIX
    if kind == "not_text":
        return key, f"'{key}' must be one value, not a list or a mapping", f"write {key}: <one value>"
    return key, f"'{key}' is missing", f"add '{key}:' to order {order_id}"  # left out, or left empty


def _identifier_kinds(text: str) -> list[str]:
    """The kinds of identifier a name of the orders file holds (CPR, e-mail, phone, ydernummer):
    the cluster's and municipality's names are published as written, so they may hold none."""
    from kiap_analysis.core.identifiers import Watchlist

    labels = {"cpr": "a CPR number", "email": "an e-mail address", "phone": "a phone number",
              "ydernummer": "a ydernummer"}
    return sorted({labels[f.kind] for f in Watchlist().find(text) if f.kind in labels})


def _input_path(base_dir: Path, value: str, orders_name: str) -> tuple[Path | None, str, str]:
    """An input's resolved path, or None with what is wrong and the fix: a path that does not
    exist, loops, is too long, holds a NUL character, cannot be reached or read. Never raises,
    so one bad path fails its own order only."""
    shown = value.replace("\0", "\\0")
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    try:
        resolved = (base_dir / value).resolve()
        exists = resolved.exists()
    except ValueError:  # a NUL character
        return None, f"'{shown}' is not a usable path (it holds a NUL character)", \
            f"retype the path in {orders_name}"
    except RuntimeError:  # a symbolic link pointing (via others) back to itself
        return None, f"'{shown}' is a symbolic link that loops back to itself", \
            "point the order at the real file, or repair the link"
    except OSError as exc:
        return None, *_os_problem(shown, exc)
    if not exists:
        return resolved, f"'{shown}' does not exist", f"check the path (relative to {orders_name})"
    try:
        if resolved.is_file():
            files = [resolved]
        elif resolved.is_dir():  # a SurveyXact CSV export
            files = sorted(p for p in resolved.rglob("*") if p.is_file())
        else:
            return None, f"'{shown}' is not a file or a folder", "point the order at the export file"
        for file in files:
            with open(file, "rb"):
                pass
    except OSError as exc:
        return None, *_os_problem(shown, exc)
    return resolved, "", ""


def _os_problem(shown: str, exc: OSError) -> tuple[str, str]:
    if exc.errno == errno.ENAMETOOLONG:
        return (f"'{shown}' is too long a path for the file system (a name may have at most 255 characters)",
                "rename the file or folder to a shorter name and correct the path")
    if exc.errno == errno.ELOOP:
        return f"'{shown}' is a symbolic link that loops back to itself", \
            "point the order at the real file, or repair the link"
    if isinstance(exc, PermissionError):
        return (f"'{shown}' cannot be read: permission denied"
                + (f" ({Path(exc.filename).name})" if exc.filename else ""),
                "give your user read access to the file and its folders (e.g. chmod u+r), or copy it")
    return f"'{shown}' cannot be read: {exc.strerror or exc}", "check the file, or copy it to a local folder"


def resolve_spec(order: Order, orders: OrdersFile) -> PackageSpec:
    """The order's package spec with its local question edits applied."""
    spec = resolve_package(order.package, order.base_dir, orders.catalogue_dirs)
    if order.questions_remove or order.questions_add:
        try:
            spec = apply_local_edits(spec, order.questions_remove, order.questions_add, source=f"order {order.id}")
        except SpecError as exc:
            raise InputError(Problem(str(orders.path), str(exc), "correct the order's local question edits (see "
                                     "docs/input-formats.md, Local question edits)", line=order.line,
                                     column="questions")) from exc
    return spec
