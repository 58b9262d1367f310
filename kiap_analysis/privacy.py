"""Disclosure control: redaction of free text, small-number suppression, spreadsheet-safe cells.

Rules and their reasons are in docs/privacy.md. Everything here is a pure function; the
thresholds live in ``config.Settings``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from .config import SETTINGS

MARKERS = {"cpr": "[CPR]", "email": "[e-mail]", "phone": "[telefon]", "ydernummer": "[ydernummer]",
           "name": "[navn]"}
_LETTER = "A-Za-zÆØÅæøåÉéÜüÖöÄä"
# DDMMYY, an optional - or space, then 4 digits (or letters and digits: replacement CPR numbers
# such as 0203291WQ3). The modulus-11 check is not used: it has not held since 2007.
CPR = re.compile(r"(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}[ \t]?[-–]?[ \t]?[0-9A-Za-z]{4}")
EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
# 8 digits in pairs or fours, with or without +45/0045 and spaces or dashes.
PHONE = re.compile(r"(?<!\d)(?:(?:\+|00)45[ \t-]?)?(?:\d{2}[ \t-]?){3}\d{2}(?!\d)")
GENERIC_WORDS = {
    "læge", "lægerne", "lægehuset", "lægehus", "lægeklinik", "lægeklinikken", "lægecenter", "lægecentret",
    "praksis", "klinik", "klinikken", "sundhedshus", "sundhedshuset", "og", "i", "ved", "v", "på", "den", "det",
    "de", "af", "til", "navn", "name", "dr", "speciallæge", "almen", "medicin",
}  # fmt: skip
CSV_UNSAFE = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Redactor:
    """Replaces identifying data in free text with visible markers; idempotent."""

    ydernumre: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    _patterns: tuple = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        patterns = [(CPR, MARKERS["cpr"]), (EMAIL, MARKERS["email"]), (PHONE, MARKERS["phone"])]
        numbers = set()
        for number in self.ydernumre:
            numbers |= {number, number.lstrip("0")} if number.lstrip("0") else {number}
        if numbers:
            alternatives = "|".join(sorted(map(re.escape, numbers), key=len, reverse=True))
            patterns.append((re.compile(rf"(?<!\d)(?:{alternatives})(?!\d)"), MARKERS["ydernummer"]))
        words = name_patterns(self.names)
        if words:
            patterns.append((words, MARKERS["name"]))
        object.__setattr__(self, "_patterns", tuple(patterns))

    def __call__(self, text: str) -> str:
        """The text with every match replaced, repeated until nothing changes (idempotent)."""
        for _ in range(5):
            redacted = text
            for pattern, marker in self._patterns:
                redacted = pattern.sub(marker, redacted)
            if redacted == text:
                return redacted
            text = redacted
        return text


def name_patterns(names: Iterable[str]) -> re.Pattern[str] | None:
    """Whole names (case-insensitive) and their distinctive words (as capitalised in the list)."""
    full, words = set(), set()
    for name in names:
        name = " ".join(str(name).split())
        if len(name) < 3 or name.casefold() in GENERIC_WORDS:
            continue
        full.add(name)
        for word in re.split(r"[\s,./()-]+", name):
            if len(word) >= 3 and word.casefold() not in GENERIC_WORDS and word[:1].isupper():
                words.add(word)
    if not full:
        return None
    edge_before, edge_after = rf"(?<![{_LETTER}\[])", rf"(?![{_LETTER}\]])"
    whole = "|".join(r"\s+".join(map(re.escape, n.split())) for n in sorted(full, key=len, reverse=True))
    parts = "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
    pattern = f"{edge_before}(?:(?i:{whole})" + (f"|{parts}" if parts else "") + f"){edge_after}"
    return re.compile(pattern)


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
                       cluster: str = "Klyngen samlet") -> pd.DataFrame:
    """Small counts hidden, and a second cell wherever one hidden cell could be worked back out.

    Per offer: a count of 1 to ``minimum`` - 1 is shown as '<5' and its rate and interval are
    hidden (primary suppression). If an offer then has exactly one hidden practice among
    those in the cluster's total (practices with listed patients) while the total is shown,
    the total minus the others would reveal it, so the next smallest of those counts is
    hidden too ('skjult'; secondary suppression). A cluster total
    that is itself small is hidden. Adds ``referrals_shown`` (text) and ``is_suppressed``.
    """
    out = rates.copy()
    out["referrals_shown"] = out["referrals"].astype(int).astype(str)
    out["is_suppressed"] = False
    small = out["referrals"].between(1, minimum - 1)
    out.loc[small, ["referrals_shown", "is_suppressed"]] = [SUPPRESSED, True]
    for _, rows in out.groupby("offer", sort=False):
        # Only practices with a rate are in the cluster's total, so only they can be worked out.
        practices = rows[(rows["practice"] != cluster) & rows["is_rate_computed"].astype(bool)]
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
    """The same for a follow-up's change table: a round with too few answers hides the row's numbers."""
    numbers = ["n_baseline", "pct_baseline", "n_follow_up", "pct_follow_up", "change_pct_points"]
    out = change.astype({c: object for c in numbers})
    small = (change["base_baseline"] < minimum) | (change["base_follow_up"] < minimum)
    out.loc[small, numbers] = ""
    return out


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
