"""Redaction of free text: CPR numbers, e-mail addresses, phone numbers, ydernumre and names
become visible markers. No pandas here: the batch workers use it on error messages.

Rules and their reasons are in docs/privacy.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

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
