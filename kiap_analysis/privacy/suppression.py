"""Disclosure control on tables: redacted free-text columns, small-number suppression,
spreadsheet-safe cells. (The redactor itself is in ``redaction``.)

Rules and their reasons are in docs/privacy.md. Everything here is a pure function; the
thresholds live in ``config.Settings``.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from kiap_analysis.core.config import settings
from kiap_analysis.privacy.redaction import Redactor

CSV_UNSAFE = ("=", "+", "-", "@", "\t", "\r")


def redact_frame(frame: pd.DataFrame, columns: Iterable[str], redact: Redactor) -> pd.DataFrame:
    """A copy of ``frame`` with the free-text ``columns`` redacted."""
    out = frame.copy()
    for column in columns:  # object dtype kept (pandas would infer its own string type)
        out[column] = pd.Series([redact(v) if isinstance(v, str) else v for v in out[column]],
                                index=out.index, dtype=object)
    return out


# ------------------------------------------------------------------ small numbers

SUPPRESSED, HIDDEN = "<5", "skjult"


def is_small_count(count: int, minimum: int | None = None) -> bool:
    """Whether a count is shown as '<5' (primary suppression: 1 to ``minimum`` - 1; a 0 is
    shown). ``minimum``: the settings' ``min_count`` unless given."""
    minimum = settings().min_count if minimum is None else minimum
    return 1 <= count < minimum


def suppress_referrals(rates: pd.DataFrame, minimum: int | None = None,
                       cluster: str = "Klyngen samlet",
                       also_hide: frozenset[tuple[str, str]] = frozenset()) -> pd.DataFrame:
    """Small counts hidden, and more cells wherever a hidden count could be worked back out.

    Per offer: a count of 1 to ``minimum`` - 1 is shown as '<5' and its rate and interval are
    hidden (primary suppression). The cluster's total minus the shown counts of the practices
    in it (those with listed patients) is the sum of the hidden ones; a reader who knows this
    rule also knows that each '<5' lies in 1..4 and that a cell hidden as 'skjult' was the
    smallest count of at least ``minimum`` left. While that pins the '<5' counts down to a
    single value (always so for a lone '<5'), the next smallest count of at least ``minimum``
    is hidden too ('skjult'; secondary suppression; never a 0, which would give the rest away);
    with none left, the cluster's total is hidden. A cluster total that is itself small is
    hidden. ``also_hide``: (practice, offer) cells hidden whatever their size ('skjult'), so a
    follow-up hides the same cells in both rounds. Adds ``referrals_shown`` and ``is_suppressed``.
    ``minimum``: the settings' ``min_count`` unless given.
    """
    minimum = settings().min_count if minimum is None else minimum
    out = rates.copy()
    out["referrals_shown"] = out["referrals"].astype(int).astype(str)
    out["is_suppressed"] = False
    small = out["referrals"].between(1, minimum - 1)
    out.loc[small, ["referrals_shown", "is_suppressed"]] = [SUPPRESSED, True]
    forced = pd.Series(False, index=out.index)
    if also_hide:
        forced = pd.Series(list(zip(out["practice"], out["offer"], strict=True)), index=out.index).isin(also_hide)
        forced &= ~small
        out.loc[forced, ["referrals_shown", "is_suppressed"]] = [HIDDEN, True]
    for index in out.groupby("offer", sort=False).groups.values():
        _protect_offer(out, list(index), minimum, cluster, forced)
    hide = out["is_suppressed"]
    out.loc[hide, ["rate_per_1000", "ci_low", "ci_high"]] = float("nan")
    out.loc[hide, "is_rate_computed"] = False
    return out


def _protect_offer(out: pd.DataFrame, index: list, minimum: int, cluster: str, forced: pd.Series) -> None:
    """Secondary suppression within one offer (in place), until no '<5' count is pinned down."""
    while True:
        rows = out.loc[index]
        total = rows[rows["practice"] == cluster]
        if total.empty or bool(total["is_suppressed"].all()):
            return
        # Only practices with listed patients are in the cluster's total, so only they can be worked out.
        practices = rows[(rows["practice"] != cluster) & rows["listed_patients"].notna()]
        primary = practices[practices["referrals_shown"] == SUPPRESSED]
        if primary.empty:
            return
        shown = practices[~practices["is_suppressed"]]
        candidates = shown[shown["referrals"] >= minimum].sort_values(["referrals", "practice"])
        secondary = practices[practices["is_suppressed"] & (practices["referrals_shown"] == HIDDEN)]
        if not _pinned(int(total["referrals"].iloc[0]) - int(shown["referrals"].sum()), len(primary),
                       secondary.index.map(forced.get).tolist(), candidates["referrals"].min(), minimum):
            return
        target = candidates.index[0] if len(candidates) else total.index[0]
        out.loc[target, ["referrals_shown", "is_suppressed"]] = [HIDDEN, True]


def _pinned(hidden_sum: int, primaries: int, secondary_forced: list[bool], smallest_shown: float,
            minimum: int) -> bool:
    """Whether the sum of the '<5' counts follows from what a reader can see and the rule.

    ``hidden_sum``: total minus shown counts; each '<5' is in 1..minimum-1; a secondary cell is
    at least ``minimum`` and at most the smallest shown count of at least ``minimum`` (a cell
    hidden only to match the other round, ``forced``, may be anything from 0).
    """
    upper = smallest_shown if pd.notna(smallest_shown) else float("inf")
    low_rest = sum(0 if f else minimum for f in secondary_forced)
    high_rest = sum(float("inf") if f else upper for f in secondary_forced)
    low = max(primaries, hidden_sum - high_rest)  # the sum of the '<5' counts
    high = min(primaries * (minimum - 1), hidden_sum - low_rest)
    # One '<5' count, given that the others are each 1..minimum-1:
    one_low = max(1, low - (primaries - 1) * (minimum - 1))
    one_high = min(minimum - 1, high - (primaries - 1))
    return one_high - one_low < 1


def is_pinned(hidden_sum: int, primaries: int, secondaries: int, smallest_shown: float, minimum: int) -> bool:
    """Whether a '<5' count of a table whose total is published can be worked back out
    (``_pinned`` without cells forced by another round): for other tables than the rates."""
    return _pinned(hidden_sum, primaries, [False] * secondaries, smallest_shown, minimum)


def suppress_small_base(table: pd.DataFrame, minimum: int | None = None) -> pd.DataFrame:
    """A survey table whose chart has too few answers (``minimum``: the settings'
    ``min_survey_base`` unless given) keeps its base but not its numbers."""
    minimum = settings().min_survey_base if minimum is None else minimum
    out = table.astype({"n": object, "pct": object})
    small = out["base"] < minimum
    out.loc[small, ["n", "pct"]] = ""
    return out


def suppress_small_change(change: pd.DataFrame, minimum: int | None = None) -> pd.DataFrame:
    """The same for a follow-up's change table: a round with too few answers hides its own
    numbers, and the change and test of the row (which would give them away) go too."""
    minimum = settings().min_survey_base if minimum is None else minimum
    numbers = ["n_baseline", "pct_baseline", "n_follow_up", "pct_follow_up", "change_pct_points", "p_value",
               "p_adjusted"]
    out = change.astype({c: object for c in numbers if c in change})
    small_before = change["base_baseline"] < minimum
    small_after = change["base_follow_up"] < minimum
    out.loc[small_before, ["n_baseline", "pct_baseline"]] = ""
    out.loc[small_after, ["n_follow_up", "pct_follow_up"]] = ""
    out.loc[small_before | small_after, [c for c in ("change_pct_points", "p_value", "p_adjusted") if c in out]] = ""
    return out


def hidden_cells(rates: pd.DataFrame) -> frozenset[tuple[str, str]]:
    """The (practice, offer) cells a suppressed rate table hides."""
    hidden = rates[rates["is_suppressed"]]
    return frozenset(zip(hidden["practice"], hidden["offer"], strict=True))


# ------------------------------------------------------------------ spreadsheets


def spreadsheet_safe(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(CSV_UNSAFE):
        return "'" + value
    return value


def safe_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell (and header) of a table neutralised for spreadsheets."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            # object kept: map() would make whole numbers among blanks floats again ('12' -> '12.0')
            out[column] = pd.Series([spreadsheet_safe(v) for v in out[column]], index=out.index, dtype=object)
    out.columns = [spreadsheet_safe(c) for c in out.columns]
    return out
