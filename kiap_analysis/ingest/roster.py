"""The practices every order of a cluster knows: their ydernumre and names.

A cluster's practices are known to each of its orders, not only to those with referral data:
their ydernumre and names come from every referral and listed-patients file of the cluster's
orders in the orders file, and from the cluster's roster (``practices:`` in the orders file,
docs/input-formats.md). Every order of the cluster redacts them and the leak check looks for
them, survey-only packages included (the acute-functions package has no practice list of its
own). Another order's file that cannot be read is that order's problem and fails only that
order; a roster that cannot be read fails the orders of its cluster.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from kiap_analysis.core.errors import (
    InputError,
    KiapError,
    Problem,
    display_path,
)
from kiap_analysis.core.orders import (
    Order,
    OrdersFile,
    Period,
    resolve_spec,
)
from kiap_analysis.core.spec import Offer
from kiap_analysis.ingest.referrals import read_listed_patients, read_referrals, read_roster


@dataclass(frozen=True)
class ClusterPractices:
    ydernumre: frozenset[str] = field(default=frozenset(), repr=False)
    names: frozenset[str] = field(default=frozenset(), repr=False)
    problems: tuple[Problem, ...] = ()  # the roster's own: they fail the order


def cluster_files(orders: OrdersFile, cluster: str) -> dict[str, Path]:
    """Every file the cluster's practices are read from, by a role naming its order:
    'roster', '<order id>.referrals', '<order id>.listed_patients' (for the fingerprint)."""
    files: dict[str, Path] = {}
    roster = orders.roster(cluster)
    if roster is not None:
        files["roster"] = roster
    for order in orders.cluster_orders(cluster):
        for role in ("referrals", "listed_patients"):
            path = getattr(order, role)
            if path is not None:
                files[f"{order.id}.{role}"] = path
    return files


def cluster_practices(orders: OrdersFile, cluster: str) -> ClusterPractices:
    """The ydernumre and names of the cluster's practices in all its orders' inputs and roster."""
    ydernumre: set[str] = set()
    names: set[str] = set()
    problems: list[Problem] = []
    roster = orders.roster(cluster)
    if roster is not None:
        label = display_path(roster, orders.path.parent)
        try:
            found = _roster(str(roster), label, *_stamp(roster))
        except InputError as exc:
            problems += exc.problems
        else:
            ydernumre |= found[0]
            names |= found[1]
            problems += found[2]
    for order in orders.cluster_orders(cluster):
        offers = _offers(order, orders)
        for role, path in (("referrals", order.referrals), ("listed_patients", order.listed_patients)):
            if path is None or not path.exists():
                continue
            try:
                found_numbers, found_names = _practices(role, str(path), order.id, offers, order.period,
                                                         *_stamp(path))
            except (KiapError, OSError):  # that order's own problem: it fails on it, this one does not
                continue
            ydernumre |= found_numbers
            names |= found_names
    return ClusterPractices(frozenset(ydernumre), frozenset(names), tuple(problems))


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return 0, 0
    return stat.st_mtime_ns, stat.st_size


def _offers(order: Order, orders: OrdersFile) -> tuple[Offer, ...]:
    try:
        return tuple(resolve_spec(order, orders).offers)
    except (KiapError, OSError, ValueError):
        return ()


# Remembered while a file's time stamp and size stay the same: every order of a cluster reads
# the same files, and a batch worker's kernel runs many orders.
@functools.lru_cache(maxsize=256)
def _practices(role: str, path: str, label: str, offers: tuple[Offer, ...], period: Period | None,
               mtime_ns: int, size: int) -> tuple[frozenset[str], frozenset[str]]:
    if role == "referrals":
        ingest = read_referrals(Path(path), offers, period, label, collect=True)
        numbers = set(ingest.counts["ydernummer"])
    else:
        ingest = read_listed_patients(Path(path), label, collect=True)
        numbers = set(ingest.listed["ydernummer"])
    return frozenset(numbers), frozenset(ingest.practice_names.values())


@functools.lru_cache(maxsize=64)
def _roster(path: str, label: str, mtime_ns: int, size: int) -> tuple[frozenset[str], frozenset[str],
                                                                       tuple[Problem, ...]]:
    found = read_roster(Path(path), label)
    return frozenset(found.ydernumre), frozenset(found.names), tuple(found.errors)
