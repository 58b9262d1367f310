"""The English words a Danish reader must never meet (issue 18's list), found in visible text."""

from __future__ import annotations

import html
import re

ENGLISH_WORDS = ("has", "no", "listed", "Fix", "plain", "table", "worker", "worker(s)", "baseline", "follow-up",
                 "warning", "warning(s)", "order(s)", "problem(s)")

_PATTERN = re.compile(r"(?<![\w\-/.:])(" + "|".join(re.escape(w) for w in ENGLISH_WORDS) + r")(?![\w\-/])",
                      re.IGNORECASE)


def visible_text(page: str) -> str:
    """What a browser shows of an HTML page: no style, script, tags or attributes."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def english_words(text: str) -> list[str]:
    """Each English word of the list in ``text``, with a little of its context."""
    return [text[max(0, m.start() - 40):m.end() + 40].replace("\n", " ") for m in _PATTERN.finditer(text)]
