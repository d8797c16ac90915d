"""The sanitizer: foreign strings become inert, visible text everywhere they are shown."""

from __future__ import annotations

import re
import unicodedata

import pytest
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Label, Static

from tests.widgets.harness import Harness, terminal_bytes
from widgets.live_table import Column, LiveTable, Row
from widgets.safe_text import is_safe, safe, safe_content, safe_text, sanitize_text, truncate

HOSTILE = [
    "[/]",
    "[link=http://e]y[/link]",
    "[bold red]PWNED[/]",
    "\x1b[2J",
    "\x1b]0;T\x07",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\",
    "\x9b31m",
    "\u202eevil\u202c",
    "a\u2066b\u2069c\u200fd\u061ce",
    "zero\u200bwidth\ufeff",
    "tag\U000e0041\U000e007f",
    "lone \ud800 surrogate",
    "del\x7f nul\x00 c1\x85",
]
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u061c\ufeff\ud800-\udfff]")
# Only SGR (colour/style) sequences may reach the terminal: ESC [ digits/semicolons m.
NON_SGR_ESCAPE = re.compile(r"\x1b(?!\[[0-9;]*m)")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_safe_leaves_no_control_or_format_character(hostile: str) -> None:
    cleaned = safe(hostile)
    assert UNSAFE.search(cleaned) is None
    assert is_safe(cleaned)


def test_escape_sequences_become_visible_literals() -> None:
    assert safe("\x1b[2J") == "␛[2J"
    assert safe("\x1b]0;T\x07") == "␛]0;T␇"
    assert safe("\x9b31m") == "\\x9b31m"
    assert safe("a\u202eb") == "a\\u202eb"
    assert safe("a\nb\tc\r") == "a⏎b c␍"
    assert safe("a\u2028b") == "a⏎b"


def test_markup_is_kept_literally() -> None:
    for hostile in ("[/]", "[link=http://e]y[/link]", "[bold red]PWNED[/]"):
        text = safe_text(hostile)
        assert text.plain == hostile
        assert text.spans == []


def test_multiline_keeps_newlines_only() -> None:
    assert safe("a\r\nb\tc\x1b", multiline=True) == "a\nb    c␛"


def test_none_numbers_and_limits() -> None:
    assert safe(None) == ""
    assert safe(42) == "42"
    assert safe("x" * 10, limit=4) == "xxxx…"
    assert safe_text("ok", style="bold").style == "bold"


def test_every_control_format_and_surrogate_code_point_is_covered() -> None:
    unsafe = ("Cc", "Cf", "Cs", "Zl", "Zp")
    missed = [hex(cp) for cp in range(0x110000)
              if unicodedata.category(chr(cp)) in unsafe and is_safe(chr(cp))]
    assert missed == []


def test_clean_strings_are_returned_unchanged() -> None:
    clean = "vm-01 Running 日本語 ✔"
    assert safe(clean) is clean


def test_sanitize_text_keeps_styles_around_replacements() -> None:
    text = Text.assemble(("a\x1bb", "bold"), "c\u202e", ("d\x9be", "red"))
    cleaned = sanitize_text(text)
    assert cleaned.plain == "a␛bc\\u202ed\\x9be"
    styled = {cleaned.plain[span.start : span.end]: str(span.style) for span in cleaned.spans}
    assert styled == {"a␛b": "bold", "d\\x9be": "red"}


def test_safe_text_sanitizes_caller_text_and_adds_base_style() -> None:
    text = safe_text(Text("x\x1by", style="italic"), style=Style(bold=True))
    assert text.plain == "x␛y"
    assert isinstance(text.style, Style) and text.style.bold and text.style.italic


def test_truncate_is_cell_width_aware() -> None:
    assert truncate("hello world", 5) == "hell…"
    assert truncate("short", 10) == "short"
    assert truncate("日本語テキスト", 6) == "日本 …"
    assert truncate("abc", 0) == ""


class LabelApp(App[None]):
    def compose(self) -> ComposeResult:
        for index, hostile in enumerate(HOSTILE):
            yield Label(safe_content(hostile), id=f"l{index}")
        yield Static(safe_text("[/] \x1b[2J"), id="static")


async def test_labels_with_sanitized_content_render_literally() -> None:
    app = LabelApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.query_one("#l0", Label).render().plain == "[/]"  # type: ignore[union-attr]
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "\x9b" not in svg and "\u202e" not in svg
        assert "[link=http://e]y[/link]" in svg.replace("&#160;", " ")
    assert app.return_code in (0, None)


async def test_table_cells_reach_the_terminal_inert() -> None:
    rows = [Row(f"r{i}", (hostile, Text(hostile))) for i, hostile in enumerate(HOSTILE)]
    table = LiveTable([Column("a", "A", max_width=60), Column("b", "B", max_width=60)])
    app = Harness(table)
    async with app.run_test(size=(140, 24)) as pilot:
        table.update(rows)
        await pilot.pause()
        for y in range(1, len(HOSTILE) + 1):
            strip = table.render_line(y)
            text = strip.text
            assert UNSAFE.search(text) is None
            assert all(segment.style is None or not segment.style.link for segment in strip)
            assert NON_SGR_ESCAPE.search(terminal_bytes(strip, app)) is None
        shown = "\n".join(table.render_line(y).text for y in range(1, 4))
        assert "[/]" in shown and "[link=http://e]y[/link]" in shown and "[bold red]PWNED[/]" in shown
        assert "␛[2J" in table.render_line(4).text
