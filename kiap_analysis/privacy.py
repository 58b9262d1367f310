"""Disclosure control on tables: redacted free-text columns, small-number suppression,
spreadsheet-safe cells. (The redactor itself is in ``redaction``.)

Rules and their reasons are in docs/privacy.md. Everything here is a pure function; the
thresholds live in ``config.Settings``.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from .config import SETTINGS
from .redaction import Redactor

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


def suppress_referrals(rates: pd.DataFrame, minimum: int = SETTINGS.min_count,
                       cluster: str = "Klyngen samlet",
                       also_hide: frozenset[tuple[str, str]] = frozenset()) -> pd.DataFrame:
    """Small counts hidden, and a second cell wherever one hidden cell could be worked back out.

    Per offer: a count of 1 to ``minimum`` - 1 is shown as '<5' and its rate and interval are
    hidden (primary suppression). If an offer then has exactly one hidden practice among
    those in the cluster's total (practices with listed patients) while the total is shown,
    the total minus the others would reveal it, so the next smallest of those counts is
    hidden too ('skjult'; secondary suppression). A cluster total
    that is itself small is hidden. ``also_hide``: (practice, offer) cells hidden whatever
    their size ('skjult'), so that a follow-up hides the same cells in both rounds.
    Adds ``referrals_shown`` (text) and ``is_suppressed``.
    """
    out = rates.copy()
    out["referrals_shown"] = out["referrals"].astype(int).astype(str)
    out["is_suppressed"] = False
    small = out["referrals"].between(1, minimum - 1)
    out.loc[small, ["referrals_shown", "is_suppressed"]] = [SUPPRESSED, True]
    if also_hide:
        forced = pd.Series(list(zip(out["practice"], out["offer"], strict=True)), index=out.index).isin(also_hide)
        out.loc[forced & ~small, ["referrals_shown", "is_suppressed"]] = [HIDDEN, True]
    for _, rows in out.groupby("offer", sort=False):
        # Only practices with listed patients are in the cluster's total, so only they can be worked out.
        in_total = rows["listed_patients"].notna()
        practices = rows[(rows["practice"] != cluster) & in_total]
        total = rows[rows["practice"] == cluster]
        total_hidden = bool(len(total)) and bool(total["is_suppressed"].all())
        hidden = practices[practices["is_suppressed"]]
        if len(hidden) == 1 and len(total) and not total_hidden:
            candidates = practices[~practices["is_suppressed"]].sort_values(["referrals", "practice"])
            if len(candidates):
                second = candidates.index[0]
                out.loc[second, ["referrals_shown", "is_suppressed"]] = [HIDDEN, True]
    hide = out["is_suppressed"]
    out.loc[hide, ["rate_per_1000", "ci_low", "ci_high"]] = float("nan")
    out.loc[hide, "is_rate_computed"] = False
    return out


def suppress_small_base(table: pd.DataFrame, minimum: int = SETTINGS.min_survey_base) -> pd.DataFrame:
    """A survey table whose chart has too few answers keeps its base but not its numbers."""
    out = table.astype({"n": object, "pct": object})
    small = out["base"] < minimum
    out.loc[small, ["n", "pct"]] = ""
    return out


def suppress_small_change(change: pd.DataFrame, minimum: int = SETTINGS.min_survey_base) -> pd.DataFrame:
    """The same for a follow-up's change table: a round with too few answers hides its own
    numbers, and the change and test of the row (which would give them away) go too."""
    numbers = ["n_baseline", "pct_baseline", "n_follow_up", "pct_follow_up", "change_pct_points", "p_value"]
    out = change.astype({c: object for c in numbers})
    small_before = change["base_baseline"] < minimum
    small_after = change["base_follow_up"] < minimum
    out.loc[small_before, ["n_baseline", "pct_baseline"]] = ""
    out.loc[small_after, ["n_follow_up", "pct_follow_up"]] = ""
    out.loc[small_before | small_after, ["change_pct_points", "p_value"]] = ""
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
            out[column] = out[column].map(spreadsheet_safe)
    out.columns = [spreadsheet_safe(c) for c in out.columns]
    return out
