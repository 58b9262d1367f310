"""Scanning an order's outputs for identifying data before they count as published.

Every file is read as the text a person or program could get out of it: a deck's XML parts
(slides, notes, document properties), the notebook with its metadata, HTML, CSV, JSON and
logs. Pictures are not text and are skipped. A hit names the file and the kind of data,
never the value.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kiap_analysis.core.errors import KiapError
from kiap_analysis.core.identifiers import Watchlist
from kiap_analysis.privacy.pseudonyms import load_key, registered_ydernumre

ZIP_SUFFIXES = (".pptx", ".xlsx", ".docx")
TEXT_SUFFIXES = (".html", ".htm", ".csv", ".json", ".ipynb", ".txt", ".log", ".md", ".xml", ".svg")
# What a hit of each kind of identifier (``identifiers.KINDS``) is called.
KIND_LABELS = {"cpr": "CPR number", "email": "e-mail address", "phone": "phone number",
               "ydernummer": "ydernummer", "name": "name"}
_TAG = re.compile(r"<[^>]+>")
_ELEMENT_ID = re.compile(r"""\sid=(?:"[^"]*"|'[^']*')""")


@dataclass(frozen=True)
class Hit:
    file: str  # relative to the scanned folder, with the part inside a zip: deck.pptx:ppt/slides/slide3.xml
    kind: str  # e.g. "ydernummer", "practice name"

    def __str__(self) -> str:
        return f"{self.file}: {self.kind}"


def texts(folder: Path, only: Iterable[str] | None = None) -> Iterator[tuple[str, str]]:
    """(name, text) of everything readable under ``folder`` (``only``: of these files)."""
    wanted = None if only is None else set(only)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if wanted is not None and name not in wanted:
            continue
        suffix = path.suffix.lower()
        if suffix in ZIP_SUFFIXES:
            yield from _zip_texts(name, path.read_bytes())
        elif suffix in TEXT_SUFFIXES or not suffix:
            yield name, _readable(path.read_bytes().decode("utf-8", "replace"), suffix)


def _zip_texts(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    """The text of an Office file's XML parts (tags and attributes dropped), embedded
    workbooks included."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        yield name, data.decode("utf-8", "replace")
        return
    with archive:
        for member in archive.namelist():
            if member.endswith((".xml", ".rels", ".txt")):
                xml = archive.read(member).decode("utf-8", "replace")
                # A line per element: text of different cells or paragraphs never runs together.
                yield f"{name}:{member}", html.unescape(_TAG.sub("\n", xml))
            elif member.endswith(ZIP_SUFFIXES):
                yield from _zip_texts(f"{name}:{member}", archive.read(member))


def _strings(value: object, skip: frozenset[str]) -> Iterator[str]:
    """Every string (keys and values) in parsed JSON, but the values of keys in ``skip``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            if key not in skip:
                yield from _strings(item, skip)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, skip)
    elif isinstance(value, str):
        yield value
    elif value is not None:
        yield str(value)


_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s\\n]+")


def _readable(text: str, suffix: str) -> str:
    """The text as a reader sees it: JSON as its strings (escapes resolved; a notebook's random
    cell ids left out, they hold no content), HTML entities resolved."""
    if suffix in (".json", ".ipynb"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        # A blank line between strings: base64 data never runs on into the next string.
        strings = "\n\n".join(_strings(parsed, frozenset({"id"}) if suffix == ".ipynb" else frozenset()))
        return _DATA_URI.sub(" ", strings)  # pictures are not text
    if suffix in (".html", ".htm", ".svg", ".xml"):
        return html.unescape(_ELEMENT_ID.sub(" ", _DATA_URI.sub(" ", text)))  # nbconvert writes cell ids as ids
    return text


_SPACES = re.compile(r"\s+")
_WORDLIKE = set("0123456789abcdefghijklmnopqrstuvwxyzæøåéüöä")


def _fold(text: str) -> str:
    """Case-folded with single spaces: how literals are compared (XML may split or pad them)."""
    return _SPACES.sub(" ", text).casefold()


def contains_literal(folded_text: str, folded_value: str) -> bool:
    """Whether the value occurs as a whole word (not inside a longer word, number or base64).

    A number is not found inside a decimal number either: '096711' is no ydernummer in the
    time stamp '16:37:50.096711' or the duration '2.096711'.
    """
    numeric = folded_value.isdigit()
    start = 0
    while (at := folded_text.find(folded_value, start)) >= 0:
        before = folded_text[at - 1] if at else " "
        after_at = at + len(folded_value)
        after = folded_text[after_at] if after_at < len(folded_text) else " "
        whole = before not in _WORDLIKE and before not in "+/" and after not in _WORDLIKE
        if whole and numeric:
            # Only '.': a comma between digits is as often a CSV delimiter as a decimal comma.
            fraction = before == "." and at >= 2 and folded_text[at - 2].isdigit()
            integer_part = after == "." and after_at + 1 < len(folded_text) and folded_text[after_at + 1].isdigit()
            whole = not (fraction or integer_part)
        if whole:
            return True
        start = at + 1
    return False


PUBLIC = "public"  # not an identifier: the words the order publishes on purpose (identifiers.public_words)
NAME_KINDS = ("practice_name", "respondent", "name")
IDENTIFIER_KINDS = {"ydernummer": "ydernummer", "practice_name": "practice name",
                    "respondent": "respondent name or e-mail", "name": "name from the order's list"}


def order_literals(identifiers: dict[str, Iterable[str]], private: Path) -> dict[str, list[str]]:
    """What an order's outputs must not hold: its inputs' identifiers (by kind, as an analysis
    collects them) and the pseudonym key, when one exists."""
    literals = {IDENTIFIER_KINDS.get(kind, kind): sorted(values) for kind, values in identifiers.items()
                if kind != PUBLIC}
    with contextlib.suppress(KiapError):  # no key exists: nothing to leak
        literals["pseudonym key"] = [load_key(private, create=False).decode("utf-8")]
    return literals


def order_watchlist(identifiers: dict[str, Iterable[str]], private: Path) -> Watchlist:
    """The watchlist the order's redactor used (its ydernumre, names and public words) with
    every cluster's registered ydernumre: what the leak check looks for, in every form."""
    names = {v for kind in NAME_KINDS for v in identifiers.get(kind, ())}
    return Watchlist(frozenset(identifiers.get("ydernummer", ())), frozenset(names),
                     frozenset(identifiers.get(PUBLIC, ())), registered_ydernumre(private))


def scan(folder: Path, literals: dict[str, Iterable[str]], patterns: bool = True,
         extra: dict[str, str] | None = None, watchlist: Watchlist | None = None,
         only: Iterable[str] | None = None) -> list[Hit]:
    """Hits of identifying data in any file under ``folder`` (``only``: in these of its files;
    and in ``extra`` name -> text): every literal (kind -> values) and, with ``patterns``,
    whatever ``watchlist`` finds (by default only the shapes: CPR numbers, e-mail addresses,
    phone numbers, numbers after 'ydernr', names written like a practice's)."""
    wanted = {kind: sorted({_fold(v).strip() for v in values if v and v.strip()}) for kind, values in literals.items()}
    watch = (watchlist or Watchlist()) if patterns else None
    hits: list[Hit] = []
    sources = list(texts(folder, only)) + list((extra or {}).items())
    for name, text in sources:
        found = list(dict.fromkeys(KIND_LABELS[f.kind] for f in watch.find(text))) if watch else []
        folded = _fold(text)
        found += [kind for kind, values in wanted.items() if any(contains_literal(folded, v) for v in values)]
        for kind in found:
            hit = Hit(name, kind)
            if hit not in hits:
                hits.append(hit)
    return hits
