"""Matching export columns to a spec's questions, and export values to its answer labels.

Shared by every survey reader: a column is matched by question id (``q2_akut``, ``Q7.3``),
by question text (``<text> - <option>``, ``<text> [<item>]``), or by the order's
``survey_map`` override. Values are matched to labels after normalising case and spaces.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from kiap_analysis.core.responses import (
    Slot,
    normalise,
    normalise_question,
    question_slots,
)
from kiap_analysis.core.spec import Choice, PackageSpec, Question

SEPARATORS = ("_", ".", ":", " - ", " – ", "-", " ", "[", "(", "/")
TRUE_FLAGS = {"1", "x", "ja", "yes", "true", "sand", "valgt", "selected", "1.0"}
FALSE_FLAGS = {"0", "", "nej", "no", "false", "falsk", "ikke valgt", "0.0"}

# Respondent ids by name: such a column identifies each response, so a value seen twice is
# a duplicate. Generic names (ID_CANDIDATE_NAMES) are a respondent id only when their values
# are unique: in real exports 'id' is often a contact column shared by many (an organisation).
RESPONDENT_ID_NAMES = {
    "respondent_id", "respondentid", "respondent id", "respondent", "respondentnummer", "respondent nr",
    "respondentnr",
}  # fmt: skip
ID_CANDIDATE_NAMES = {
    "id", "svar_id", "svar id", "svarid", "response id", "responseid", "response_id", "løbenummer",
    "lobenummer", "løbenr", "nr",
}  # fmt: skip
STATUS_NAMES = {
    "status", "completed", "complete", "gennemført", "gennemfort", "is_complete", "besvaret",
    "statoverall", "statusoverall", "respondent status",
}  # fmt: skip
# Contact and other personal columns (SurveyXact's contact fields in Danish and Norwegian,
# e.g. readSX's sample: id, orgnr, forn, ettern, email), never read as answers.
PERSONAL_NAMES = re.compile(
    r"^(navn|name|fulde navn|full name|fornavn|efternavn|mellemnavn|forn|ettern|etternavn|first ?name|"
    r"last ?name|surname|e-?mail|mail|email ?address|e-?mailadresse|e-?post|epost|telefon|telefonnummer|"
    r"tlf|tlf\.? ?nr|mobil|mobilnummer|phone|cpr|cpr-?nummer|personnummer|ydernummer|yder ?nr|praksis|"
    r"praksisnavn|klinik|adresse|address|orgnr|org\.? ?nr|organisation|organization|organisasjon|cvr|"
    r"cvr-?nummer)$"
)
# SurveyXact lists contact fields in the structure as '<this> - <field>'.
CONTACT_QUESTIONS = ("kontaktoplysninger", "kontaktopplysninger", "kontaktuppgifter", "contact information",
                     "contact details", "kontaktdaten", "kontaktinformationen")
NONE = "none"  # respondent_id: none - no column identifies respondents


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
    """'respondent_id', 'id_candidate', 'status' or 'personal' for the export's bookkeeping columns."""
    key = normalise(header)
    if key in RESPONDENT_ID_NAMES:
        return "respondent_id"
    if key in ID_CANDIDATE_NAMES:
        return "id_candidate"
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


def is_contact_text(text: str) -> bool:
    """A SurveyXact structure text naming a contact field ('Kontaktoplysninger - email')."""
    key = normalise(text)
    return any(key == prefix or key.startswith(prefix + " - ") for prefix in CONTACT_QUESTIONS)


def code_key(value: str) -> str:
    """A code compared by value: '2', '2.0', ' 2 ', '2,0' and '02' are all '2'."""
    text = str(value).strip()
    if re.fullmatch(r"[+-]?\d+(?:[.,]0*)?", text):
        return str(int(re.split(r"[.,]", text)[0]))
    return text


_SEPARATOR = re.compile(r"([;|,\n])")


def split_choices(value: str, labels: Iterable[str] = ()) -> list[str]:
    """A multi-choice answer written in one cell ('A; B', 'A | B', 'A, B', one per line).

    The question's own option ``labels`` are found first, longest run of parts first, so a
    comma inside a label ('Ja, telefonisk') survives; what is left is split on ; | , and
    line breaks. Unknown parts are returned as they are, for the caller to report.
    """
    known = {normalise(label) for label in labels}
    tokens = _SEPARATOR.split(value)  # text, separator, text, ...
    parts, i = [], 0
    while i < len(tokens):
        for j in range(len(tokens) - 1, i - 1, -2) if known else ():
            candidate = "".join(tokens[i:j + 1])
            if normalise(candidate) in known:
                parts.append(candidate.strip())
                i = j + 2
                break
        else:
            if tokens[i].strip():
                parts.append(tokens[i].strip())
            i += 2
    return parts


@dataclass(frozen=True)
class IdChoice:
    """Which column identifies respondents, and the candidates that turned out to be contact columns."""

    column: int | None
    contact: tuple[int, ...] = ()  # candidate columns read as contact (personal) columns instead
    warnings: tuple[tuple[int, str], ...] = ()  # (column, what to tell the user) per contact column


def choose_respondent_id(headers: list[str], values: Callable[[int], list[str]],
                         configured: str | None) -> IdChoice:
    """The respondent id column: the order's ``respondent_id`` (a header, or 'none'), else a
    column named as one (``RESPONDENT_ID_NAMES``), else a generic candidate ('id') whose
    values are unique. A candidate not used is a contact column. ``values(pos)`` gives a
    column's non-blank values. KeyError if ``configured`` names no column.
    """
    roles = {pos: column_role(h) for pos, h in enumerate(headers) if h}
    candidates = [pos for pos, role in roles.items() if role in ("respondent_id", "id_candidate")]
    if configured is not None:
        if normalise(configured) == NONE:
            return IdChoice(None, tuple(candidates))
        chosen = next((pos for pos, h in enumerate(headers) if h and normalise(h) == normalise(configured)), None)
        if chosen is None:
            raise KeyError(configured)
        return IdChoice(chosen, tuple(p for p in candidates if p != chosen))
    named = next((pos for pos in candidates if roles[pos] == "respondent_id"), None)
    if named is not None:
        return IdChoice(named, tuple(p for p in candidates if p != named))
    chosen, contact, warnings = None, [], []
    for pos in candidates:
        found = values(pos)
        if chosen is None and len(set(found)) == len(found):
            chosen = pos
            continue
        contact.append(pos)
        if len(set(found)) < len(found):
            warnings.append((pos, f"column '{headers[pos]}' repeats its values ({len(set(found))} different values in "
                            f"{len(found)} rows), so it does not identify respondents: it is read as a contact "
                            "column, and rows are not deduplicated by it"))
    return IdChoice(chosen, tuple(contact), tuple(warnings))


def personal_value(value: str) -> bool:
    """Whether a contact cell's value is worth redacting and checking outputs for: not a short
    counter ('7', '1042'), which would match ordinary numbers."""
    text = value.strip()
    return len(text) >= 3 and not (text.isdigit() and len(text) < 5)
