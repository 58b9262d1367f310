"""Scanning an order's outputs for identifying data before they count as published.

Every file is read as the text a person or program could get out of it: a deck's XML parts
(slides, notes, document properties), the notebook with its metadata, HTML, CSV, JSON and
logs. Pictures are not text and are skipped. A hit names the file and the kind of data,
never the value.
"""

from __future__ import annotations

import html
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ZIP_SUFFIXES = (".pptx", ".xlsx", ".docx")
TEXT_SUFFIXES = (".html", ".htm", ".csv", ".json", ".ipynb", ".txt", ".log", ".md", ".xml", ".svg")
# A base64 or word character next to a match means it is part of something longer.
_EDGE_BEFORE = r"(?<![0-9A-Za-zÆØÅæøå+/])"
_EDGE_AFTER = r"(?![0-9A-Za-zÆØÅæøå])"


@dataclass(frozen=True)
class Hit:
    file: str  # relative to the scanned folder, with the part inside a zip: deck.pptx:ppt/slides/slide3.xml
    kind: str  # e.g. "ydernummer", "practice name"

    def __str__(self) -> str:
        return f"{self.file}: {self.kind}"


def texts(folder: Path) -> Iterator[tuple[str, str]]:
    """(name, text) of everything readable under ``folder``."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        suffix = path.suffix.lower()
        if suffix in ZIP_SUFFIXES:
            try:
                with zipfile.ZipFile(path) as archive:
                    for member in archive.namelist():
                        if member.endswith((".xml", ".rels", ".txt")):
                            yield f"{name}:{member}", html.unescape(
                                archive.read(member).decode("utf-8", "replace"))
            except zipfile.BadZipFile:
                yield name, path.read_bytes().decode("utf-8", "replace")
        elif suffix in TEXT_SUFFIXES or not suffix:
            yield name, _readable(path.read_bytes().decode("utf-8", "replace"), suffix)


def _readable(text: str, suffix: str) -> str:
    """The text as a reader sees it: JSON escapes and HTML entities resolved."""
    if suffix in (".json", ".ipynb"):
        try:
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    if suffix in (".html", ".htm", ".svg", ".xml"):
        return html.unescape(text)
    return text


def literal_pattern(value: str) -> re.Pattern[str]:
    """A value as a whole word, case-insensitive, whitespace-tolerant (XML may split or pad it)."""
    words = [re.escape(w) for w in value.split()]
    return re.compile(_EDGE_BEFORE + r"\s+".join(words) + _EDGE_AFTER, re.IGNORECASE)


def scan(folder: Path, literals: dict[str, Iterable[str]]) -> list[Hit]:
    """Hits of any literal (kind -> values) in any file under ``folder``."""
    patterns = [(kind, literal_pattern(v)) for kind, values in literals.items()
                for v in sorted(set(values)) if v and v.strip()]
    hits: list[Hit] = []
    for name, text in texts(folder):
        for kind, pattern in patterns:
            if pattern.search(text):
                hit = Hit(name, kind)
                if hit not in hits:
                    hits.append(hit)
    return hits
