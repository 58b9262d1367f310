"""Chart kinds by name: where content, the deck, the report and the API find a chart.

A ``ChartKind`` is everything about one kind of chart, in one module of this package:
``prepare`` (the data it draws, from what content has), ``draw`` (matplotlib, seaborn style:
the chart and ``ax`` in, the Axes out, never saved), ``add_native`` (the deck's native
PowerPoint chart; None: the deck shows the drawing as a picture), ``figure_size``,
``alt_text``, ``caption`` and ``notes`` (the speaker notes' sentences, from the numbers). A
module ends with ``register(ChartKind(...))``. A package spec
names a kind for a question with ``{question: q1, chart: dot_plot}``; without ``chart:`` the
question's type decides (``default_kind``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kiap_analysis.core.errors import SpecError
from kiap_analysis.core.spec import PackageSpec, Question, Scale
from kiap_analysis.stats.funnel import FunnelFit

Box = tuple[int, int, int, int]  # left, top, width, height on a slide, in EMU
LIKERT_TYPES = ("likert", "likert_grid")


@dataclass
class Chart:
    """One chart of a block: the name of its kind and the prepared data both drawings read.

    ``data`` is the table drawn; a follow-up's has a ``round`` column with the order's own
    round last. An analyst may edit it: the deck and ``OrderHandle.chart`` draw the edit.
    """

    kind: str
    data: pd.DataFrame
    key: str | None = None  # OrderHandle.chart's name for it; None: only drawn as part of its block
    label: str = ""  # said after the block's title when the chart is listed on its own ('tragt')
    question: Question | None = None  # question kinds: the question (title, type, scale)
    offer: str = ""  # referral kinds: the offer
    cluster_rate: float | None = None  # referral kinds: the cluster's unrounded rate (reference, funnel centre)
    funnel: FunnelFit | None = None  # the offer's funnel: its centre and the practices' overdispersion
    strict: bool = False  # disclosure: strict (the practices' rates are whole numbers)

    @property
    def scale(self) -> Scale | None:
        return self.question.scale if self.question is not None else None


def _no_caption(chart: Chart) -> str:
    return ""


def _no_notes(chart: Chart) -> list[str]:
    return []


def names_da(names: Sequence[str]) -> str:
    """'A', 'A og B', 'A, B og C'."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


def quoted_da(names: Sequence[str], word: str = "og") -> str:
    """"'A' og 'B'" ("'A' eller 'B'" with ``word`` 'eller'): options and levels as notes quote them."""
    quoted = [f"'{name}'" for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" {word} " + quoted[-1]


def nobody(names: Sequence[str], verb: str) -> str:
    """'ingen har valgt 'A' eller 'B'', or for more than two: 'ingen har valgt nogen af de 3 andre'."""
    if len(names) <= 2:
        return f"ingen {verb} {quoted_da(names, 'eller')}"
    return f"ingen {verb} nogen af de {len(names)} andre"


def extremes(values: dict[str, float]) -> tuple[list[str], float, list[str], float] | None:
    """The names with the largest and those with the smallest value (ties named together),
    from the finite values; None when there are none."""
    found = {name: float(v) for name, v in values.items() if v is not None and pd.notna(v)}
    if not found:
        return None
    top, bottom = max(found.values()), min(found.values())
    return ([n for n, v in found.items() if v == top], top, [n for n, v in found.items() if v == bottom], bottom)


@dataclass(frozen=True)
class ChartKind:
    """A kind of chart. ``prepare`` of a question kind takes ``(question, table)`` (the
    question's table, a follow-up's with both rounds); referral kinds take the rates."""

    name: str
    prepare: Callable[..., Chart]
    draw: Callable[..., Any]  # (chart, ax=None) -> Axes
    figure_size: Callable[[Chart], tuple[float, float]]  # inches, for the chart on its own
    alt_text: Callable[[Chart], str]
    add_native: Callable[[Any, Box, Chart], list] | None = None  # (slide, box, chart) -> its graphic frames
    caption: Callable[[Chart], str] = _no_caption
    notes: Callable[[Chart], list[str]] = _no_notes  # speaker notes: sentences generated from the numbers
    question_types: tuple[str, ...] = ()  # the question types a spec may name it for ('chart:')


_KINDS: dict[str, ChartKind] = {}


def register(kind: ChartKind) -> ChartKind:
    """Make ``kind`` known by its name (ValueError if another kind has that name)."""
    known = _KINDS.get(kind.name)
    if known is not None and known is not kind:
        raise ValueError(f"a chart kind named '{kind.name}' is already registered")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    _KINDS.pop(name, None)


def names() -> list[str]:
    """The registered kinds' names, sorted."""
    return sorted(_KINDS)


def get(name: str) -> ChartKind:
    if name not in _KINDS:
        raise KeyError(f"no chart kind '{name}' (registered: {', '.join(names())})")
    return _KINDS[name]


def kinds_for(question_type: str) -> list[str]:
    """The kinds a spec may name for a question of this type."""
    return [name for name in names() if question_type in _KINDS[name].question_types]


def default_kind(question: Question, same_scale: bool = True) -> str:
    """Likert questions as diverging bars (unless the rounds' scales differ), the others as
    choice bars."""
    return "likert" if question.type in LIKERT_TYPES and same_scale else "choice"


def check_spec(spec: PackageSpec) -> None:
    """SpecError naming the spec file, the step and the kind when the program names a chart
    kind that is not registered or cannot show its question."""
    source = str(spec.path) if spec.path is not None else spec.name
    for step in spec.program:
        for ref in step.content:
            if ref.kind != "question" or ref.chart is None:
                continue
            question = spec.question(ref.ref)
            fitting = ", ".join(kinds_for(question.type)) or "none"
            where = f"{source}: program.{step.id} ({ref.ref})"
            if ref.chart not in _KINDS:
                raise SpecError(f"{where}: chart kind '{ref.chart}' is not registered (registered: "
                                f"{', '.join(names())}; for a {question.type} question: {fitting})")
            if question.type not in _KINDS[ref.chart].question_types:
                raise SpecError(f"{where}: chart kind '{ref.chart}' cannot show a {question.type} question "
                                f"(kinds that can: {fitting})")


def this_round(table: pd.DataFrame) -> pd.DataFrame:
    """The order's own round of a chart's table (the last round of a follow-up's)."""
    if "round" not in table:
        return table
    return table[table["round"] == table["round"].iloc[-1]].drop(columns="round")


def notes(charts: Sequence[Chart]) -> list[str]:
    """A block's speaker-note sentences: each chart's, in order."""
    return [line for chart in charts for line in get(chart.kind).notes(chart) if line]


def alt_text(charts: Sequence[Chart]) -> str:
    """A block's alt text: its chart's, or 'Til venstre ... Til højre ...' for two side by side."""
    texts = [get(chart.kind).alt_text(chart) for chart in charts]
    if len(texts) != 2:
        return " ".join(texts)
    left, right = (text[:1].lower() + text[1:] for text in texts)
    return f"Til venstre {left} Til højre {right}"
