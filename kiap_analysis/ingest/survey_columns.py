"""Matching export columns to a spec's questions, and export values to its answer labels.

Shared by every survey reader: a column is matched by question id (``q2_akut``, ``Q7.3``),
by question text (``<text> - <option>``, ``<text> [<item>]``), or by the order's
``survey_map`` override. Values are matched to labels after normalising case and spaces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ..responses import Slot, normalise, normalise_question, question_slots
from ..spec import Choice, PackageSpec, Question

SEPARATORS = ("_", ".", ":", " - ", " – ", "-", " ", "[", "(", "/")
TRUE_FLAGS = {"1", "x", "ja", "yes", "true", "sand", "valgt", "selected", "1.0"}
FALSE_FLAGS = {"0", "", "nej", "no", "false", "falsk", "ikke valgt", "0.0"}

RESPONDENT_ID_NAMES = {
    "respondent_id", "respondentid", "respondent id", "respondent", "id", "svar_id", "svar id",
    "svarid", "løbenummer", "lobenummer", "respondentnummer", "response id", "responseid",
}  # fmt: skip
STATUS_NAMES = {
    "status", "completed", "complete", "gennemført", "gennemfort", "is_complete", "besvaret",
    "statoverall", "statusoverall", "respondent status",
}  # fmt: skip
PERSONAL_NAMES = re.compile(
    r"^(navn|name|fulde navn|full name|fornavn|efternavn|first ?name|last ?name|e-?mail|mail|"
    r"email ?address|e-?mailadresse|telefon|tlf|mobil|phone|cpr|cpr-?nummer|ydernummer|"
    r"praksis|klinik|adresse|address)$"
)
COMPLETE_VALUES = {"1", "ja", "yes", "true", "completed", "complete", "gennemført", "gennemfort",
                   "fuldført", "fuldfort", "færdig"}
PARTIAL_VALUES = {"0", "nej", "no", "false", "partial", "partially completed", "delvis",
                  "delvist", "delvist gennemført", "påbegyndt", "started", "ikke gennemført",
                  "nogen svar", "noen svar", "ny", "new", "distribueret", "distributed", "frafaldet",
                  "frafalt", "dropped out"}


@dataclass(frozen=True)
class ColumnMatch:
    """What an export column holds."""

    question: Question
    slot: Slot | None  # one slot; None for a multi-choice question in one ';'-separated column


def _sub_choice(rest: str, choices: tuple[Choice, ...]) -> Choice | None:
    """The item or option a column suffix names: id, 1-based number, or label."""
    key = normalise(rest.strip(" _.:-–[]()/"))
    if not key:
        return None
    for choice in choices:
        if key == normalise(choice.id):
            return choice
    if key.isdigit() and 1 <= int(key) <= len(choices):
        return choices[int(key) - 1]
    for choice in choices:
        if key == normalise(choice.label) or normalise_question(key) == normalise_question(choice.label):
            return choice
    return None


def _split_suffix(header: str) -> list[tuple[str, str]]:
    """Ways to split '<question> <sep> <sub>' from the right: ('text', 'sub')."""
    splits = []
    bracket = re.match(r"^(.*?)\s*\[([^\]]+)\]\s*$", header)
    if bracket:
        splits.append((bracket.group(1), bracket.group(2)))
    for sep in (" - ", " – ", ": ", ":", " / "):
        if sep in header:
            head, _, tail = header.rpartition(sep)
            splits.append((head, tail))
    return splits


def _id_rest(header: str, question_id: str) -> str | None:
    """The part of ``header`` after the question id, or None if it does not start with it."""
    if not header.casefold().startswith(question_id.casefold()):
        return None
    rest = header[len(question_id):]
    if rest and not rest.startswith(SEPARATORS):
        return None  # 'q10' does not start question 'q1'
    return rest


def _match_question(header: str, question: Question, mapped: str | None) -> ColumnMatch | None:
    slots = question_slots(question)
    subs = question.items or question.options
    main = None if question.type in ("multi_choice", "likert_grid") else slots[0]
    candidates = [header]  # the header, and what follows a leading question id
    for key in [question.id] + ([mapped] if mapped else []):
        rest = _id_rest(header, key)
        if rest is None:
            continue
        if not rest.strip(" _.:-–"):
            return None if question.type == "likert_grid" else ColumnMatch(question, main)
        choice = _sub_choice(rest, subs) if subs else None
        if choice is not None:
            return ColumnMatch(question, _slot_for(slots, choice))
        candidates.append(rest)
    texts = {normalise_question(question.text)}
    if question.short:
        texts.add(normalise_question(question.short))
    for candidate in candidates:
        if normalise_question(candidate) in texts and question.type != "likert_grid":
            return ColumnMatch(question, main)
        if subs:
            for head, tail in _split_suffix(candidate):
                if normalise_question(head) in texts or (mapped and normalise(head) == normalise(mapped)):
                    choice = _sub_choice(tail, subs)
                    if choice is not None:
                        return ColumnMatch(question, _slot_for(slots, choice))
    return None


def _slot_for(slots: list[Slot], choice: Choice) -> Slot:
    return next(s for s in slots if (s.item or s.option) == choice)


def match_column(header: str, spec: PackageSpec, survey_map: Mapping[str, str]) -> ColumnMatch | None:
    """The question (and slot) an export column holds, or None."""
    header = str(header).strip()
    if not header:
        return None
    for question in spec.questions:  # the override wins over automatic matching
        mapped = survey_map.get(question.id)
        if mapped and normalise(header) == normalise(mapped):
            slots = question_slots(question)
            if question.type == "likert_grid":
                continue
            return ColumnMatch(question, None if question.type == "multi_choice" else slots[0])
    for question in spec.questions:
        match = _match_question(header, question, survey_map.get(question.id))
        if match is not None:
            return match
    return None


def column_role(header: str) -> str | None:
    """'respondent_id', 'status' or 'personal' for the export's bookkeeping columns."""
    key = normalise(header)
    if key in RESPONDENT_ID_NAMES:
        return "respondent_id"
    if key in STATUS_NAMES or key.startswith("statoverall"):
        return "status"
    if PERSONAL_NAMES.match(key):
        return "personal"
    return None


def label_lookup(question: Question) -> dict[str, str]:
    """Normalised answer text -> the spec's label."""
    return {normalise(label): label for label in question.categories}


def parse_flag(value: str) -> bool | None:
    """A 0/1 multi-choice cell: True, False, or None when unreadable."""
    key = normalise(value)
    if key in TRUE_FLAGS:
        return True
    if key in FALSE_FLAGS:
        return False
    return None


def parse_status(value: str) -> bool | None:
    key = normalise(value)
    if key in COMPLETE_VALUES:
        return True
    if key in PARTIAL_VALUES or key == "":
        return False
    return None


def split_choices(value: str) -> list[str]:
    """A multi-choice answer written in one cell: 'A; B' or 'A | B' or one per line."""
    return [part.strip() for part in re.split(r"[;|\n]", value) if part.strip()]
