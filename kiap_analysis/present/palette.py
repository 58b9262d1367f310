"""One colour-blind-safe palette for charts and slides, with WCAG contrast helpers.

Every data colour has at least 3:1 contrast against the white background (WCAG 2.1,
1.4.11 non-text contrast); labels on coloured bars use black or white, whichever gives
at least 4.5:1 (1.4.3). The diverging colours run brown (negative) to blue-green
(positive), distinguishable with red-green colour blindness (after ColorBrewer BrBG).
"""

from __future__ import annotations

BACKGROUND = "#FFFFFF"
TEXT = "#1A1A1A"
MUTED_TEXT = "#595959"
PRIMARY = "#0B4F6C"  # bars of multi-choice and rate charts
SECONDARY = "#8C510A"  # the second round in before/after charts
REFERENCE = "#B2182B"  # the cluster's reference line
DONT_KNOW = "#6B6B6B"
GRID = "#D9D9D9"
OUTLIER = "#B2182B"
LIMIT_95 = "#3C3C3C"
LIMIT_998 = "#767676"

_NEGATIVE = ("#8C3B00", "#B35806", "#C0702A")  # strongest first
_NEUTRAL = "#7F7F7F"
_POSITIVE = ("#01665E", "#2C7F78", "#35978F")  # strongest first


def diverging(n: int) -> list[str]:
    """n colours for an ordered scale, most negative first."""
    if n < 2:
        raise ValueError("a scale has at least two levels")
    half = n // 2
    if half > len(_NEGATIVE):
        raise ValueError(f"at most {2 * len(_NEGATIVE) + 1} levels")
    negative = list(_NEGATIVE[:half])
    positive = list(_POSITIVE[:half])[::-1]
    middle = [_NEUTRAL] if n % 2 else []
    return negative + middle + positive


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    r, g, b = (int(colour[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(colour: str) -> str:
    """Black or white, whichever reads better on ``colour``."""
    return "#000000" if contrast(colour, "#000000") >= contrast(colour, "#FFFFFF") else "#FFFFFF"
