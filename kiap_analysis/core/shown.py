"""How a message names a value it found in an input cell: by its place and its kind.

A cell is data, whatever its column: a count column may say 'ring Anna Hansen 20304050', a
status column a respondent's name, an offer column a practice's. Messages and warnings reach
the manifest, the run log, reports/index.html and the report, so they say where the cell is
(the Problem's file, sheet, row and column) and what kind of value it holds ('text', 'a
decimal number'), and quote a value only when it cannot identify anyone:

- it is one of the package's own words (an offer's id, label or alias, an option, an item, a
  scale level, a 'don't know' label) or a status label the workbook knows: ``known``;
- or it is a short code of at most 3 digits (SurveyXact's answer codes), which is no CPR
  number, phone number or ydernummer, or one of Excel's error values ('#DIV/0!').

Column headers, sheet and file names are the inputs' structure, not their data: they are
shown (cleaned of identifiers where they are published, see ``places``). Rules and reasons:
docs/privacy.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from kiap_analysis.core.responses import normalise

SHORT_CODE = re.compile(r"\d{1,3}")
EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!"})
# kind -> (English, Danish)
KINDS = {
    "blank": ("a blank cell", "en tom celle"), "text": ("text", "tekst"), "number": ("a number", "et tal"),
    "decimal": ("a decimal number", "et decimaltal"), "negative": ("a negative number", "et negativt tal"),
    "date": ("a date", "en dato"), "flag": ("a true/false value", "en sand/falsk-værdi"),
}  # fmt: skip
_NUMBER = re.compile(r"-?\d[\d .,]*")


def kind(value: object) -> str:
    """The kind of a cell's value: a key of KINDS."""
    if value is None or (isinstance(value, float) and value != value):
        return "blank"
    if isinstance(value, bool):
        return "flag"
    if isinstance(value, (dt.date, dt.datetime)):
        return "date"
    if isinstance(value, (int, float)):
        return "negative" if value < 0 else ("number" if float(value).is_integer() else "decimal")
    text = str(value).strip()
    if not text:
        return "blank"
    if _NUMBER.fullmatch(text):
        if text.startswith("-"):
            return "negative"
        return "decimal" if re.search(r"[.,]\d{1,2}$", text) and not re.fullmatch(r"\d{1,3}([.,]\d{3})+", text) \
            else "number"
    return "text"


def safe(value: object, known: Iterable[str] = ()) -> bool:
    """Whether a message may quote the value: a package word or known label, or a short code."""
    text = str(value).strip()
    if SHORT_CODE.fullmatch(text) or text in EXCEL_ERRORS:
        return True
    key = normalise(text)
    return bool(key) and key in {normalise(k) for k in known}


def token(value: object, known: Iterable[str] = ()) -> tuple[str, str]:
    """(the value when it may be quoted, else ''; its kind): what a record keeps of a value."""
    return (str(value).strip() if safe(value, known) else ""), kind(value)


def render(value: str, kind_: str, danish: bool = False) -> str:
    """A ``token`` as a message shows it: "'Enig'" or 'text'."""
    return f"'{value}'" if value else KINDS.get(kind_, KINDS["text"])[1 if danish else 0]


def describe(value: object, known: Iterable[str] = (), danish: bool = False) -> str:
    """"'Enig'" when the value may be quoted, else its kind ('text', 'tekst')."""
    if safe(value, known):
        return f"'{str(value).strip()}'"
    return KINDS[kind(value)][1 if danish else 0]


def package_words(spec) -> frozenset[str]:
    """The words of a package a value may equal and still be quoted: offers (id, label,
    aliases), question ids, options and items (id, label), scale levels and 'don't know'."""
    words: set[str] = set()
    for offer in spec.offers:
        words |= {offer.id, offer.label, *offer.aliases}
    for question in spec.questions:
        words.add(question.id)
        for choice in (*question.options, *question.items):
            words |= {choice.id, choice.label}
    for scale in spec.scales.values():
        words |= set(scale.levels)
        if scale.dont_know:
            words.add(scale.dont_know)
    return frozenset(w for w in words if w)
