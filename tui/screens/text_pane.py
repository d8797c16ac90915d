"""A read-only text pane (Line API) with search: matches highlighted, n/N jump between them."""

from __future__ import annotations

import re
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from widgets.safe_text import safe


class TextPane(ScrollView, can_focus=True):
    """Lines of already-dumped text; every line is sanitized once when set."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "scroll_lines(1)", "Down", show=False, id="view.down"),
        Binding("up,k", "scroll_lines(-1)", "Up", show=False, id="view.up"),
        Binding("pagedown,ctrl+f,space", "scroll_pages(1)", "Page down", show=False, id="view.page_down"),
        Binding("pageup", "scroll_pages(-1)", "Page up", show=False, id="view.page_up"),
        Binding("home,g", "scroll_to_line(0)", "Top", show=False, id="view.top"),
        Binding("end,G", "scroll_to_line(-1)", "Bottom", show=False, id="view.bottom"),
        Binding("left,h", "scroll_columns(-8)", "Left", show=False, id="view.left"),
        Binding("right,l", "scroll_columns(8)", "Right", show=False, id="view.right"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"text-pane--match", "text-pane--current"}
    DEFAULT_CSS = """
    TextPane {
        background: $surface; color: $foreground; height: 1fr;
        & > .text-pane--match { background: $warning 40%; }
        & > .text-pane--current { background: $accent; color: $text; text-style: bold; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[str] = []
        self.pattern: re.Pattern[str] | None = None
        self.matches: list[tuple[int, int, int]] = []
        self.current: int | None = None

    def set_text(self, text: str) -> None:
        """Replace the content (sanitized here); the search is re-run on the new text."""
        self.lines = safe(text, multiline=True, limit=None).split("\n")
        width = max((cell_len(line) for line in self.lines), default=0)
        self.virtual_size = Size(width + 1, len(self.lines))
        self.search(self.pattern.pattern if self.pattern is not None else "", jump=False)
        self.refresh()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    # ---- search --------------------------------------------------------------------------------
    def search(self, query: str, *, jump: bool = True) -> int:
        """Highlight every match of `query` (case-insensitive regex, or text if not a regex)."""
        self.matches, self.current = [], None
        self.pattern = None
        if query:
            try:
                self.pattern = re.compile(query, re.IGNORECASE)
            except re.error:
                self.pattern = re.compile(re.escape(query), re.IGNORECASE)
            for y, line in enumerate(self.lines):
                self.matches += [(y, m.start(), m.end()) for m in self.pattern.finditer(line) if m.end() > m.start()]
        if jump and self.matches:
            top = round(self.scroll_y)
            self.current = next((i for i, (y, _, _) in enumerate(self.matches) if y >= top), 0)
            self._show_current()
        self.refresh()
        return len(self.matches)

    def next_match(self, step: int = 1) -> None:
        if not self.matches:
            return
        self.current = 0 if self.current is None else (self.current + step) % len(self.matches)
        self._show_current()
        self.refresh()

    def _show_current(self) -> None:
        if self.current is None:
            return
        y, start, _ = self.matches[self.current]
        height = self.scrollable_content_region.height
        if not round(self.scroll_y) <= y < round(self.scroll_y) + height:
            self.scroll_to(y=max(0, y - height // 3), animate=False)
        if start < self.scroll_x or start >= self.scroll_x + self.scrollable_content_region.width:
            self.scroll_to(x=max(0, start - 8), animate=False)

    # ---- rendering -----------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        if index >= len(self.lines):
            return Strip.blank(width, self.rich_style)
        text = Text(self.lines[index], style=self.rich_style, end="", no_wrap=True)
        match_style = self.get_component_rich_style("text-pane--match")
        current_style = self.get_component_rich_style("text-pane--current")
        for i, (line, start, end) in enumerate(self.matches):
            if line == index:
                text.stylize(current_style if i == self.current else match_style, start, end)
        strip = Strip(text.render(self.app.console), text.cell_len)
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    # ---- actions -------------------------------------------------------------------------------
    def action_scroll_lines(self, step: int) -> None:
        self.scroll_to(y=self.scroll_y + step, animate=False)

    def action_scroll_pages(self, step: int) -> None:
        self.scroll_to(y=self.scroll_y + step * max(1, self.scrollable_content_region.height - 1),
                       animate=False)

    def action_scroll_to_line(self, line: int) -> None:
        self.scroll_to(y=len(self.lines) if line < 0 else line, animate=False)

    def action_scroll_columns(self, step: int) -> None:
        self.scroll_to(x=max(0, self.scroll_x + step), animate=False)
