"""The sanitizer: turn any foreign string into inert, visible text (no markup, no escapes)."""

from __future__ import annotations

import re
from typing import Final

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Span, Text
from textual.content import Content

CELL_LIMIT: Final = 4096
"""Default cap (characters) for a single-line value, e.g. a table cell."""
PANE_LIMIT: Final = 65536
"""Suggested cap (characters) for a multi-line pane, e.g. a detail view."""
ELLIPSIS: Final = "…"

# Code points that are neither C0/C1/DEL nor surrogates but are invisible or reorder text:
# every Unicode "Cf" (format) character, line/paragraph separators, the combining grapheme
# joiner and the Hangul fillers (used to forge blank-looking names).
_FORMAT_RANGES: Final[tuple[tuple[int, int], ...]] = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0x3164, 0x3164),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
_LINE_BREAKS: Final = (0x0A, 0x2028, 0x2029)
NEWLINE_GLYPH: Final = "⏎"


def _escape(cp: int) -> str:
    """Visible ASCII spelling of a code point, e.g. `\\x9b`, `\\u202e`, `\\U000e0041`."""
    if cp <= 0xFF:
        return f"\\x{cp:02x}"
    if cp <= 0xFFFF:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def _build_table(multiline: bool) -> dict[int, str]:
    """Translation table for `str.translate`: every unsafe code point → visible inert text."""
    table: dict[int, str] = {cp: chr(0x2400 + cp) for cp in range(0x20)}  # ␀ … ␟ (ESC → ␛)
    table[0x7F] = "␡"
    table.update({cp: _escape(cp) for cp in range(0x80, 0xA0)})  # C1, including CSI 0x9b
    table.update({cp: _escape(cp) for cp in range(0xD800, 0xE000)})  # lone surrogates
    for first, last in _FORMAT_RANGES:
        table.update({cp: _escape(cp) for cp in range(first, last + 1)})
    if multiline:
        table.update({cp: "\n" for cp in _LINE_BREAKS})
        table[0x09] = "    "
        table[0x0D] = ""
    else:
        table.update({cp: NEWLINE_GLYPH for cp in _LINE_BREAKS})
        table[0x09] = " "
    return table


def _build_pattern() -> re.Pattern[str]:
    ranges = [(0x00, 0x1F), (0x7F, 0x9F), (0xD800, 0xDFFF), *_FORMAT_RANGES]
    body = "".join(f"\\U{a:08x}-\\U{b:08x}" if a != b else f"\\U{a:08x}" for a, b in ranges)
    return re.compile(f"[{body}]")


_SINGLE_LINE: Final = _build_table(multiline=False)
_MULTI_LINE: Final = _build_table(multiline=True)
_UNSAFE: Final = _build_pattern()


def is_safe(s: str) -> bool:
    """True if `s` contains no control, format, bidi or surrogate code point."""
    return _UNSAFE.search(s) is None


def safe(s: object, *, multiline: bool = False, limit: int | None = CELL_LIMIT) -> str:
    """Return `s` as inert text: controls and bidi/format characters replaced by visible glyphs.

    ESC becomes `␛`, C1 (including CSI 0x9b) becomes `\\x9b`, bidi overrides become `\\u202e`,
    so no terminal sequence can survive. In single-line mode newlines become `⏎` and tabs a
    space. `limit` caps the input length (an ellipsis marks the cut). `None` → "".
    """
    if s is None:
        return ""
    text = s if isinstance(s, str) else str(s)
    if limit is not None and len(text) > limit:
        text = text[:limit] + ELLIPSIS
    if _UNSAFE.search(text) is None:
        return text
    return text.translate(_MULTI_LINE if multiline else _SINGLE_LINE)


def sanitize_text(text: Text, *, multiline: bool = False, limit: int | None = CELL_LIMIT) -> Text:
    """Sanitize a rich `Text` (its plain string), keeping its styles on the surviving pieces."""
    plain = text.plain
    if (limit is None or len(plain) <= limit) and _UNSAFE.search(plain) is None:
        return text
    if limit is not None and len(plain) > limit:
        text = text[:limit]
        text.append(ELLIPSIS)
    cuts = sorted({offset for span in text.spans for offset in (span.start, span.end)})
    pieces = text.divide(cuts) if cuts else [text]
    result = Text(style=text.style, justify=text.justify, overflow=text.overflow,
                  no_wrap=text.no_wrap, end=text.end)
    for piece in pieces:
        cleaned = safe(piece.plain, multiline=multiline, limit=None)
        start = len(result)
        result.append(cleaned)
        # After dividing on every span boundary, each span covers its whole piece.
        result.spans.extend(Span(start, start + len(cleaned), span.style) for span in piece.spans)
    return result


def safe_text(
    s: object,
    style: str | Style = "",
    *,
    multiline: bool = False,
    limit: int | None = CELL_LIMIT,
) -> Text:
    """Return a rich `Text` built from `s` without parsing markup and with every control made inert.

    A `Text` argument keeps its spans (its characters are still sanitized); `style` is then
    combined as the base style.
    """
    if isinstance(s, Text):
        cleaned = sanitize_text(s, multiline=multiline, limit=limit)
        if style:
            cleaned = cleaned.copy()
            cleaned.style = _as_style(style) + _as_style(cleaned.style)
        return cleaned
    return Text(safe(s, multiline=multiline, limit=limit), style=style, end="")


def _as_style(style: str | Style) -> Style:
    return Style.parse(style) if isinstance(style, str) else style


def safe_content(s: object, *, multiline: bool = False, limit: int | None = CELL_LIMIT) -> Content:
    """Return a Textual `Content` (never parsed as markup) for Label/Static and friends."""
    return Content(safe(s, multiline=multiline, limit=limit))


def truncate(s: str, width: int, ellipsis: str = ELLIPSIS) -> str:
    """Crop `s` to at most `width` terminal cells, ending with `ellipsis` when cut."""
    if width <= 0:
        return ""
    if cell_len(s) <= width:
        return s
    room = width - cell_len(ellipsis)
    if room <= 0:
        return set_cell_size(ellipsis, width)
    # set_cell_size pads with a space when it has to split a double-width character.
    return set_cell_size(s, room) + ellipsis
