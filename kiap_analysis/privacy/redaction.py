"""Redaction of free text: CPR numbers, e-mail addresses, phone numbers, ydernumre and names
become visible markers. What counts as each is defined in ``identifiers``, which the leak
check uses too. No pandas here: the batch workers use it on error messages.

Rules and their reasons are in docs/privacy.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiap_analysis.core.identifiers import Watchlist

MARKERS = {"cpr": "[CPR]", "email": "[e-mail]", "phone": "[telefon]", "ydernummer": "[ydernummer]",
           "name": "[navn]"}


@dataclass(frozen=True)
class Redactor(Watchlist):
    """Replaces identifying data in free text with visible markers; idempotent."""

    def __call__(self, text: str) -> str:
        """The text with every match replaced, repeated until nothing changes (idempotent)."""
        for _ in range(5):
            found = self.find(text)
            if not found:
                return text
            for item in reversed(found):
                text = text[:item.start] + MARKERS[item.kind] + text[item.end:]
        return text
