"""Drawing Chinese text on reportlab canvases: the built-in CJK font (no font files to ship) and
fitting and wrapping text to a width. Used by the public notices and the disclosure report."""

from __future__ import annotations

from functools import cache, lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont

CJK = "STSong-Light"  # Adobe's Simplified Chinese CID font, which every PDF reader supplies
LATIN = "Helvetica"


@cache
def register_fonts() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(CJK))


def text_width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


@lru_cache(maxsize=4096)
def fit_text(text: str, font: str, size: float, width: float) -> str:
    """`text` cut (with an ellipsis) to fit `width`; titles and units repeat, so this is cached."""
    if text_width(text, font, size) <= width:
        return text
    while text and text_width(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of `text` no wider than `width`, broken anywhere (Chinese has no spaces to break at)."""
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if line and text_width(line + char, font, size) > width:
                lines.append(line)
                line = ""
            line += char
        lines.append(line)
    return lines
