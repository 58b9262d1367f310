"""How published text names an order's input files and sheets.

File and sheet names are the inputs' structure: messages, warnings, the reconciliation and
the manifest name them so that the analyst finds the cell. A name that holds an identifier
(a CPR number or a respondent's name in 'anna_hansen_0101901234.csv', a person's name as a
sheet's) is published as 'fil 1' (the order's inputs numbered in the order the orders file
lists them: survey, referrals, listed patients, template, names; a follow-up's baseline's
after its own) or 'ark 2' (the sheet's place in its workbook); the real names are written to
a private log, <private>/logs/<order id>.places.log. ``Places`` replaces them in any text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from kiap_analysis.core.errors import KiapError, Problem, display_path
from kiap_analysis.core.identifiers import Watchlist, public_words
from kiap_analysis.core.orders import Order, OrdersFile, load_orders

PLACES_LOG = "{order_id}.places.log"  # under <private>/logs/
PLACES = "places"  # the key of the aliases in an order's private identifiers file


@dataclass(frozen=True)
class Places:
    """Real names -> their published aliases ('fil 1', 'ark 2')."""

    aliases: tuple[tuple[str, str], ...] = ()  # (real text, alias), longest first

    def __post_init__(self) -> None:
        unique = dict(self.aliases)
        object.__setattr__(self, "aliases", tuple(sorted(unique.items(), key=lambda a: -len(a[0]))))

    def __bool__(self) -> bool:
        return bool(self.aliases)

    def __call__(self, text: str) -> str:
        for real, alias in self.aliases:
            if real and real in text:
                text = text.replace(real, alias)
        return text

    def problem(self, problem: Problem) -> Problem:
        """The problem with every file and sheet name that holds an identifier replaced."""
        return replace(problem, file=self(problem.file), message=self(problem.message), fix=self(problem.fix),
                       sheet=self(problem.sheet) if problem.sheet else problem.sheet,
                       column=self(problem.column) if problem.column else problem.column)

    def log_text(self) -> str:
        """The private log: which alias stands for which real name."""
        ordered = sorted(set(self.aliases), key=lambda a: (a[1], len(a[0])))
        return "".join(f"{alias} = {real}\n" for real, alias in ordered)

    def pairs(self) -> list[list[str]]:
        return [[real, alias] for real, alias in self.aliases]


def order_places(orders_file: Path, rounds: Iterable[Order], watch: Watchlist) -> Places:
    """The aliases of the rounds' (the order's, then its baseline's) input files and sheets
    whose names hold something ``watch`` finds, and of the orders file's path."""
    return places_of(input_names(orders_file, rounds), watch)


def input_names(orders_file: Path, rounds: Iterable[Order]) -> tuple[tuple[str, str], ...]:
    """Every name of the rounds' input files (as text may quote them) and of their workbooks'
    sheets, with the alias it would be published as, in the order aliases are numbered (reads
    the workbooks' sheet names)."""
    names: list[tuple[str, str]] = []
    number = 0
    for order in rounds:
        for path in order.input_paths().values():
            number += 1
            names += _file_names(path, display_path(path, order.base_dir), f"fil {number}")
            names += _sheet_names(path)
    names += _file_names(orders_file, display_path(orders_file, Path.cwd()), "ordrefilen")
    return tuple(names)


def places_of(names: Iterable[tuple[str, str]], watch: Watchlist) -> Places:
    """The aliases of the names (``input_names``) that hold something ``watch`` finds (pure)."""
    return Places(tuple((real, alias) for real, alias in names if real and watch.find(real)))


def _file_names(path: Path, label: str, alias: str) -> list[tuple[str, str]]:
    forms = {label, str(path), str(path.absolute()), path.name}
    return [(form, alias) for form in forms]


def _sheet_names(path: Path) -> list[tuple[str, str]]:
    from kiap_analysis.ingest.tables import EXCEL_SUFFIXES, excel_sheets

    if path.suffix.lower() not in EXCEL_SUFFIXES or not path.is_file():
        return []
    with contextlib.suppress(KiapError, OSError, ValueError):  # an unreadable workbook fails its order itself
        return [(name, f"ark {i + 1}") for i, name in enumerate(excel_sheets(path, path.name))]
    return []


def known_watchlist(orders: OrdersFile, order: Order, register=None) -> Watchlist:
    """What is known of an order without reading its survey: its cluster's practices (every
    order's inputs and the roster), its names list, and its public words; for the places of an
    order that failed before its analysis gave the whole watchlist."""
    from kiap_analysis.ingest.names import read_names
    from kiap_analysis.ingest.roster import cluster_practices

    known = cluster_practices(orders, order.cluster)
    names = set(known.names)
    if order.names is not None:
        with contextlib.suppress(KiapError, OSError, ValueError):
            names |= read_names(order.names, order.names.name)
    public = public_words([order.id, order.cluster, order.municipality])
    return Watchlist(known.ydernumre, frozenset(names), public, register)


def rounds_of(orders: OrdersFile, order: Order) -> list[Order]:
    """The order and, for a follow-up, its baseline order (when the orders file has it)."""
    baseline = next((e.order for e in orders.entries if order.baseline and e.id == order.baseline and e.order), None)
    return [order] + ([baseline] if baseline is not None else [])


def known_places(orders: OrdersFile, order: Order, register=None) -> tuple[Watchlist, Places]:
    """The watchlist and places of an order that stopped before its analysis (``known_watchlist``)."""
    try:
        watch = known_watchlist(orders, order, register)
        return watch, order_places(orders.path, rounds_of(orders, order), watch)
    except (KiapError, OSError, ValueError):
        return Watchlist(public=public_words([order.id, order.cluster, order.municipality])), Places()


def published_problem(problem: Problem, places: Places, redact) -> Problem:
    """A problem as it may be published: file and sheet names holding an identifier replaced
    (``places``), every text field redacted (``redact``, a ``redaction.Redactor``)."""
    problem = places.problem(problem)
    return replace(problem, file=redact(problem.file), message=redact(problem.message), fix=redact(problem.fix),
                   sheet=problem.sheet and redact(problem.sheet), column=problem.column and redact(problem.column))


def published_input_error(exc, orders_file: Path, order_id: str, private: Path):
    """An order's InputError as it may be published (manifest, run.log, index): its analysis
    stopped, so what is known of the order without its survey names and redacts."""
    from kiap_analysis.core.errors import InputError
    from kiap_analysis.privacy.pseudonyms import registered_ydernumre
    from kiap_analysis.privacy.redaction import Redactor

    try:
        orders = load_orders(orders_file)
        order = orders.order(order_id)
    except (KiapError, OSError, ValueError):
        watch, places = Watchlist(), Places()
    else:
        watch, places = known_places(orders, order, registered_ydernumre(private))
    write_places_log(private, order_id, places)
    redact = Redactor(watch.ydernumre, watch.names, watch.public, watch.register)
    return InputError([published_problem(p, places, redact) for p in exc.problems], exc.reconciliations)


def write_places_log(private: Path, order_id: str, places: Places) -> None:
    """The real names behind the aliases, in the private folder (removed when there are none)."""
    from kiap_analysis.core.fileio import write_text

    path = private / "logs" / PLACES_LOG.format(order_id=order_id)
    if places:
        write_text(path, places.log_text())
    else:
        path.unlink(missing_ok=True)
