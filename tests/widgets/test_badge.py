"""Badges: glyph and word always present, colour from the theme through a tone."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from tests.widgets.harness import Harness
from widgets.badge import (
    GLYPHS,
    TONE_VARIABLES,
    TONES,
    Badge,
    badge_text,
    glyph,
    resolve_tones,
    tone_css,
    tone_variable,
)


def test_every_tone_has_a_glyph_an_ascii_fallback_and_a_theme_variable() -> None:
    for tone in TONES:
        unicode, ascii_ = GLYPHS[tone]
        assert unicode and ascii_.isascii() and ascii_.isprintable()
        assert tone_variable(tone).startswith("$")
    assert glyph("ok") == "✔" and glyph("ok", ascii_only=True) == "+"
    assert glyph("error", ascii_only=True) == "x"
    assert set(TONE_VARIABLES) == set(TONES)


def test_badge_text_is_glyph_and_sanitized_word() -> None:
    text = badge_text("progress", "InProgress\x1b[2J[/]")
    assert text.plain == "◐ InProgress␛[2J[/]"
    assert badge_text("muted", "", ascii_only=True).plain == "-"
    assert badge_text("ok", "Ready", mark="*").plain == "* Ready"


def test_resolve_tones_colours_only_tone_spans() -> None:
    line = Text("name ")
    line.append_text(badge_text("error", "Failed"))
    resolved = resolve_tones(line, {"error": Style(color="red")})
    styles = [span.style for span in resolved.spans]
    assert len(styles) == 1 and isinstance(styles[0], Style) and styles[0].color is not None
    assert resolve_tones(Text("plain"), {}).plain == "plain"


def test_tone_css_uses_only_theme_variables() -> None:
    css = tone_css("LiveTable", "live-table")
    assert "LiveTable > .live-table--ok { color: $success; }" in css
    assert "#" not in css and "rgb" not in css


async def test_badge_widget_renders_glyph_word_and_theme_colour() -> None:
    badge = Badge("error", "Failed")
    app = Harness(badge)
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        strip = badge.render_line(0)
        assert strip.text.startswith("✖ Failed")
        coloured = [s for s in strip if "Failed" in s.text]
        assert coloured and coloured[0].style is not None and coloured[0].style.color is not None
        badge.set_status("ok", "Ready")
        await pilot.pause()
        assert badge.render_line(0).text.startswith("✔ Ready")
