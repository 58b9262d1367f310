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
from typing import Any

import yaml

from kiap_analysis.core.errors import (
    InputError,
    OrdersFileError,
    Problem,
    SpecError,
)
from kiap_analysis.core.spec import PackageSpec, apply_local_edits, resolve_package

ROUNDS = ("baseline", "follow-up")
ORDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
KNOWN_FIELDS = {
    "id", "cluster", "municipality", "package", "round", "baseline", "survey", "invited",
    "referrals", "listed_patients", "period", "questions", "survey_map", "template", "names",
    "respondent_id", "survey_language", "accept_loss", "disclosure",
}  # fmt: skip
SURVEY_LANGUAGES = ("da", "en", "de", "no", "sv")
DISCLOSURES = ("standard", "strict")  # what the referral figures publish (docs/privacy.md)
ALL_CLUSTERS = "*"  # ``practices: <file>``: one roster for every cluster of the orders file


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
            "template": self.template,
            "names": self.names,
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


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


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
    problems: list[Problem] = []

    lines = item.get("__lines__", {})

    def problem(column: str, message: str, fix: str) -> None:
        problems.append(Problem(str(path), message, fix, line=lines.get(column, line), column=column))

    raw_id = item.get("id")
    order_id = str(raw_id).strip() if raw_id is not None else ""
    if not ORDER_ID.match(order_id):
        problem("id", f"order {index + 1} has no usable id ({raw_id!r})",
                "give it an id of letters, digits, '.', '_' or '-', e.g. kool-2026-akut")
        order_id = fallback_id
    for key in item:
        if key not in KNOWN_FIELDS and key not in ("__line__", "__lines__"):
            problem(str(key), f"unknown field '{key}'", f"use one of: {', '.join(sorted(KNOWN_FIELDS))}")

    def text(key: str, required: bool = True) -> str:
        value = item.get(key)
        if value is None or str(value).strip() == "":
            if required:
                problem(key, f"'{key}' is missing", f"add '{key}:' to order {order_id}")
            return ""
        return str(value).strip()

    def file(key: str) -> Path | None:
        value = text(key, required=False)
        if not value:
            return None
        resolved, message, fix = _input_path(base_dir, value, path.name)
        if message:
            problem(key, message, fix)
        return resolved

    round_ = text("round", required=False) or "baseline"
    if round_ not in ROUNDS:
        problem("round", f"round '{round_}' is not baseline or follow-up", "write round: baseline or round: follow-up")
    baseline = text("baseline", required=False) or None
    if round_ == "follow-up" and not baseline:
        problem("baseline", "a follow-up order must name its baseline order",
                "add baseline: <id of the baseline order>")
    invited = item.get("invited")
    if invited is not None and (not isinstance(invited, int) or isinstance(invited, bool) or invited < 1):
        problem("invited", f"invited must be a positive whole number, got {invited!r}",
                "write the number of members invited")
        invited = None
    period = _period(item.get("period"), problem)
    questions = item.get("questions") or {}
    remove: tuple[str, ...] = ()
    add: tuple[Mapping[str, Any], ...] = ()
    if not isinstance(questions, dict):
        problem("questions", "questions must be a mapping with 'remove' and/or 'add'",
                "see docs/input-formats.md, Local question edits")
    else:
        remove = tuple(str(q) for q in questions.get("remove") or [])
        add = tuple(_strip_lines(q) for q in questions.get("add") or [])
    survey_map = item.get("survey_map") or {}
    if not isinstance(survey_map, dict):
        problem("survey_map", "survey_map must map question ids to export variables",
                "write e.g. survey_map: {q1: s_1}")
        survey_map = {}
    survey_map = {str(k): v if isinstance(v, list) else str(v) for k, v in survey_map.items()
                  if k not in ("__line__", "__lines__")}
    language = text("survey_language", required=False).casefold() or None
    if language is not None and language not in SURVEY_LANGUAGES:
        problem("survey_language", f"survey_language '{language}' is not one of {', '.join(SURVEY_LANGUAGES)}",
                "write the language the SurveyXact files are named for, e.g. survey_language: da")
        language = None
    accept_loss = _accept_loss(item.get("accept_loss"), problem)
    disclosure = text("disclosure", required=False).casefold() or "standard"
    if disclosure not in DISCLOSURES:
        problem("disclosure", f"disclosure '{disclosure}' is not one of {', '.join(DISCLOSURES)}",
                "write disclosure: standard (the default) or disclosure: strict (see docs/privacy.md)")
        disclosure = "standard"
    for key in ("cluster", "municipality"):
        kinds = _identifier_kinds(text(key, required=False))
        if kinds:
            problem(key, f"'{key}' holds what looks like {' and '.join(kinds)}: it is printed on every slide "
                    "and report", f"write the {key}'s name only (the name is published as written)")

    order = Order(
        id=order_id,
        cluster=text("cluster"),
        municipality=text("municipality"),
        package=text("package"),
        round=round_,
        base_dir=base_dir,
        line=line,
        baseline=baseline,
        survey=file("survey"),
        invited=invited,
        referrals=file("referrals"),
        listed_patients=file("listed_patients"),
        period=period,
        questions_remove=remove,
        questions_add=add,
        survey_map=survey_map,
        template=file("template"),
        names=file("names"),
        respondent_id=text("respondent_id", required=False) or None,
        survey_language=language,
        accept_loss=accept_loss,
        disclosure=disclosure,
    )
    if order.package.endswith((".yaml", ".yml")):  # a spec file beside the orders file
        _, message, fix = _input_path(base_dir, order.package, path.name)
        if message:
            problem("package", message, fix)
    if order.survey is None and "survey" not in item:
        problem("survey", "'survey' is missing", f"add 'survey:' with the survey export of order {order_id}")
    return OrderEntry(id=order_id, index=index, order=order, problems=tuple(problems))


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


def _accept_loss(raw: Any, problem) -> dict[str, str]:
    """``accept_loss: {rule: reason}``: the data-loss rules whose drops this order accepts, each with
    the reason (shown in the report). Rules: core.rules.LOSS_RULES."""
    from kiap_analysis.core.rules import LOSS_RULES

    if raw is None:
        return {}
    fix = ("write e.g. accept_loss: {duplicate_respondent: 'two test answers by the coordinator'}; rules: "
           + ", ".join(LOSS_RULES))
    if not isinstance(raw, dict):
        problem("accept_loss", "accept_loss must map data-loss rules to the reason they are accepted", fix)
        return {}
    accepted = {}
    for rule, reason in _strip_lines(raw).items():
        if rule not in LOSS_RULES:
            problem("accept_loss", f"accept_loss names '{rule}', which is not a data-loss rule", fix)
        elif reason is None or not str(reason).strip():
            problem("accept_loss", f"accept_loss: {rule} needs a reason", fix)
        else:
            accepted[str(rule)] = str(reason).strip()
    return accepted


def _period(raw: Any, problem) -> Period | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or "start" not in raw or "end" not in raw:
        problem("period", "period needs start and end", "write period: {start: 2025-01-01, end: 2025-12-31}")
        return None
    try:
        start, end = (_date(raw[k]) for k in ("start", "end"))
    except ValueError:
        problem("period", f"cannot read the dates {raw.get('start')!r}, {raw.get('end')!r}",
                "write dates as YYYY-MM-DD")
        return None
    if end < start:
        problem("period", "the period ends before it starts", "swap start and end")
        return None
    return Period(start, end)


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


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
