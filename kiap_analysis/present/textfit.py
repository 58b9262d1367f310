"""Measured text fitting for slides: how many lines a text takes in a box, at a font size.

Widths come from the font's own metrics (Carlito, metric-compatible with the deck's Calibri,
when installed; else DejaVu Sans, which is wider, so the fit errs on the safe side).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from matplotlib import font_manager
from PIL import ImageFont

LINE_HEIGHT = 1.2  # of the font size
PARAGRAPH_SPACE = 0.2  # space before a paragraph, of the font size (the template's body style)
_REFERENCE_SIZE = 200


@functools.lru_cache(maxsize=4)
def _font(bold: bool = False) -> ImageFont.FreeTypeFont:
    properties = font_manager.FontProperties(family=["Carlito", "Calibri", "DejaVu Sans"],
                                             weight="bold" if bold else "normal")
    path = font_manager.findfont(properties, fallback_to_default=True)
    return ImageFont.truetype(path, _REFERENCE_SIZE)


def text_width(text: str, size_pt: float, bold: bool = False) -> float:
    """Width of ``text`` in points at ``size_pt``."""
    return _font(bold).getlength(text) * size_pt / _REFERENCE_SIZE


def wrap(text: str, width_pt: float, size_pt: float, bold: bool = False) -> list[str]:
    """Greedy word wrap as PowerPoint does it; a word wider than the line is broken."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}".strip()
            if text_width(candidate, size_pt, bold) <= width_pt:
                line = candidate
                continue
            if line:
                lines.append(line)
            while text_width(word, size_pt, bold) > width_pt:  # a very long word
                cut = max(1, int(len(word) * width_pt / text_width(word, size_pt, bold)) - 1)
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def text_height(paragraphs: Sequence[str], width_pt: float, size_pt: float, bold: bool = False) -> float:
    """Height in points of paragraphs set at ``size_pt`` in a box ``width_pt`` wide."""
    total = 0.0
    for i, paragraph in enumerate(paragraphs):
        lines = len(wrap(paragraph, width_pt, size_pt, bold))
        total += lines * size_pt * LINE_HEIGHT + (PARAGRAPH_SPACE * size_pt if i else 0.0)
    return total


def largest_size(paragraphs: Sequence[str], width_pt: float, height_pt: float,
                 sizes: Sequence[float], bold: bool = False) -> float | None:
    """The largest of ``sizes`` at which the paragraphs fit, or None."""
    for size in sorted(sizes, reverse=True):
        if text_height(paragraphs, width_pt, size, bold) <= height_pt:
            return size
    return None


def paginate(paragraphs: Sequence[str], width_pt: float, height_pt: float, size_pt: float) -> list[list[str]]:
    """Paragraphs spread over as many pages as needed, each page fitting the box; a paragraph
    too long for a page on its own is split at word boundaries and marked as continued."""
    pages: list[list[str]] = []
    page: list[str] = []
    for paragraph in paragraphs:
        for piece in _pieces(paragraph, width_pt, height_pt, size_pt):
            if page and text_height([*page, piece], width_pt, size_pt) > height_pt:
                pages.append(page)
                page = []
            page.append(piece)
    if page:
        pages.append(page)
    return pages


def _pieces(paragraph: str, width_pt: float, height_pt: float, size_pt: float) -> list[str]:
    if text_height([paragraph], width_pt, size_pt) <= height_pt:
        return [paragraph]
    lines = wrap(paragraph, width_pt, size_pt)
    per_page = max(1, int(height_pt // (size_pt * LINE_HEIGHT)) - 1)
    chunks = [" ".join(lines[i:i + per_page]) for i in range(0, len(lines), per_page)]
    return [chunk + (" (fortsat)" if i < len(chunks) - 1 else "") for i, chunk in enumerate(chunks)]
