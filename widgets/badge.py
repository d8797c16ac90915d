"""Status badges: glyph + word + tone, so a status never relies on colour alone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar, Final, Literal, get_args

from rich.style import Style
from rich.text import Span, Text
from textual.reactive import reactive
from textual.widget import Widget

from widgets.safe_text import safe

Tone = Literal["ok", "progress", "warning", "error", "muted", "unknown"]
TONES: Final[tuple[Tone, ...]] = get_args(Tone)

GLYPHS: Final[Mapping[Tone, tuple[str, str]]] = {
    "ok": ("✔", "+"),
    "progress": ("◐", "~"),
    "warning": ("!", "!"),
    "error": ("✖", "x"),
    "muted": ("·", "-"),
    "unknown": ("?", "?"),
}
"""Tone → (unicode glyph, ASCII fallback)."""

TONE_VARIABLES: Final[Mapping[Tone, str]] = {
    "ok": "$success",
    "progress": "$accent",
    "warning": "$warning",
    "error": "$error",
    "muted": "$text-muted",
    "unknown": "$text-muted",
}
"""Tone → the theme variable that colours it (never a literal colour)."""

TONE_META: Final = "tone"
"""Style meta key marking a span with its tone; hosting widgets resolve it to a theme colour."""


def tone_variable(tone: Tone) -> str:
    """The theme CSS variable for `tone`, e.g. `"$success"`."""
    return TONE_VARIABLES[tone]


def tone_class(prefix: str, tone: Tone) -> str:
    """The component class carrying the colour of `tone` in a widget, e.g. `badge--ok`."""
    return f"{prefix}--{tone}"


def tone_css(widget_type: str, prefix: str) -> str:
    """CSS rules colouring the tone component classes of a widget through theme variables."""
    return "\n".join(
        f"{widget_type} > .{tone_class(prefix, tone)} {{ color: {TONE_VARIABLES[tone]}; }}"
        for tone in TONES
    )


def glyph(tone: Tone, *, ascii_only: bool = False) -> str:
    """The glyph for `tone` (its ASCII fallback when `ascii_only`)."""
    unicode, ascii_ = GLYPHS[tone]
    return ascii_ if ascii_only else unicode


def tone_style(tone: Tone) -> Style:
    """A style that only marks its span with `tone`; widgets resolve it (see `resolve_tones`)."""
    return Style(meta={TONE_META: tone})


def badge_text(tone: Tone, word: object, *, ascii_only: bool = False, mark: str | None = None) -> Text:
    """A cell-ready badge: `✔ Ready`. `word` is sanitized; `mark` overrides the glyph."""
    symbol = glyph(tone, ascii_only=ascii_only) if mark is None else safe(mark)
    label = safe(word)
    plain = f"{symbol} {label}" if label else symbol
    return Text(plain, spans=[Span(0, len(plain), tone_style(tone))], end="")


def resolve_tones(text: Text, styles: Mapping[str, Style]) -> Text:
    """Return `text` with every tone-marked span given its concrete style from `styles`."""
    if not any(_span_tone(span) for span in text.spans):
        return text
    spans: list[Span] = []
    for span in text.spans:
        tone = _span_tone(span)
        resolved = styles.get(tone) if tone else None
        if resolved is not None:
            span = Span(span.start, span.end, resolved + _as_style(span.style))
        spans.append(span)
    result = text.copy()
    result.spans = spans
    return result


def _as_style(style: str | Style) -> Style:
    return Style.parse(style) if isinstance(style, str) else style


def is_tone_span(span: Span) -> bool:
    """True if `span` was marked with a tone (e.g. by `badge_text`)."""
    return _span_tone(span) is not None


def _span_tone(span: Span) -> str | None:
    style = span.style
    if isinstance(style, Style) and style._meta:
        tone = style.meta.get(TONE_META)
        return tone if isinstance(tone, str) else None
    return None


def tone_styles(widget: Widget, prefix: str, tones: Iterable[Tone] = TONES) -> dict[str, Style]:
    """Read the concrete style of each tone from a widget's component classes."""
    return {
        tone: widget.get_component_rich_style(tone_class(prefix, tone), partial=True) for tone in tones
    }


class Badge(Widget):
    """A one-line badge widget: glyph, word and tone colour."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {tone_class("badge", tone) for tone in TONES}

    DEFAULT_CSS = (
        """
    Badge {
        width: auto;
        height: 1;
    }
    """
        + tone_css("Badge", "badge")
    )

    tone: reactive[Tone] = reactive[Tone]("unknown")
    word: reactive[str] = reactive("")

    def __init__(
        self,
        tone: Tone = "unknown",
        word: str = "",
        *,
        ascii_only: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.ascii_only = ascii_only
        self.set_reactive(Badge.tone, tone)
        self.set_reactive(Badge.word, word)

    def set_status(self, tone: Tone, word: str) -> None:
        """Change tone and word together (one repaint)."""
        self.tone = tone
        self.word = word

    def render(self) -> Text:
        text = badge_text(self.tone, self.word, ascii_only=self.ascii_only)
        return resolve_tones(text, tone_styles(self, "badge", (self.tone,)))
