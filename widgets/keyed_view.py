"""Base of the keyed Line-API views: a key-anchored cursor over virtual lines, rendered lazily."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import ClassVar

from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class KeyedView(ScrollView, can_focus=True):
    """Lines keyed by string; the cursor follows its key and keeps its place on screen.

    Subclasses own the data, call `_set_order` whenever the displayed key order changes and
    implement `_line_state`, `_build_line`, `_highlighted` and `_selected`. Only lines that are
    visible are ever built; built lines are cached per key and state.
    """

    HEADER_HEIGHT: ClassVar[int] = 0

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None, disabled: bool = False) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._order: list[str] = []
        self._index: dict[str, int] = {}
        self._cursor: str | None = None
        self._content_width = 0
        self._line_cache: LRUCache[str, tuple[Hashable, Strip]] = LRUCache(1024)

    # -- public, read-only -------------------------------------------------------------------
    @property
    def cursor_key(self) -> str | None:
        """Key under the cursor, or None when empty."""
        return self._cursor

    @property
    def cursor_index(self) -> int | None:
        """Display index of the cursor line, or None when empty."""
        return None if self._cursor is None else self._index.get(self._cursor)

    @property
    def line_count(self) -> int:
        """Number of displayed lines (header excluded)."""
        return len(self._order)

    def key_at(self, index: int) -> str:
        """Key displayed at `index` (IndexError when out of range)."""
        return self._order[index]

    def index_of(self, key: str) -> int | None:
        """Display index of `key`, or None when it is not displayed."""
        return self._index.get(key)

    def visible_keys(self) -> Sequence[str]:
        """Keys currently on screen, top to bottom."""
        top = round(self.scroll_y)
        return self._order[top : top + self._view_height()]

    def repaint(self) -> None:
        """Draw the visible lines again from their data (e.g. text that depends on the time)."""
        self._line_cache.clear()
        self.refresh()

    def move_cursor(self, key: str, *, scroll: bool = True) -> None:
        """Put the cursor on `key` (ignored if it is not displayed)."""
        index = self._index.get(key)
        if index is not None:
            self._move_to(index, scroll=scroll)

    # -- for subclasses --------------------------------------------------------------------
    def _line_state(self, key: str, cursor: bool) -> Hashable:
        """Everything a line's rendering depends on (cache validity)."""
        raise NotImplementedError

    def _build_line(self, key: str, cursor: bool) -> Strip:
        """Render one full-width line for `key`."""
        raise NotImplementedError

    def _header_line(self) -> Strip:
        """Render the header line (only when HEADER_HEIGHT is 1)."""
        return Strip.blank(self._content_width)

    def _highlighted(self, key: str) -> None:
        """The cursor moved to another key (post a message)."""

    def _selected(self, key: str) -> None:
        """Enter was pressed on `key` (post a message)."""

    def _fallback_cursor(self, old_order: list[str], old_index: int) -> str | None:
        """Where the cursor goes when its key vanished: the nearest surviving neighbour."""
        for index in range(old_index + 1, len(old_order)):
            if old_order[index] in self._index:
                return old_order[index]
        for index in range(min(old_index, len(old_order)) - 1, -1, -1):
            if old_order[index] in self._index:
                return old_order[index]
        return None

    def _set_order(self, order: list[str], content_width: int) -> None:
        """Install a new display order; keep the cursor on its key and at its screen row."""
        old_order, cursor = self._order, self._cursor
        previous = cursor
        old_index = self._index.get(cursor) if cursor is not None else None
        screen_row = None if old_index is None else old_index - round(self.scroll_y)
        self._order = order
        self._index = {key: index for index, key in enumerate(order)}
        if cursor is not None and cursor not in self._index:
            cursor = self._fallback_cursor(old_order, old_index) if old_index is not None else None
        if cursor is None and order:
            cursor, screen_row = order[0], 0
        self._cursor = cursor
        if content_width != self._content_width:
            self._content_width = content_width
            self._line_cache.clear()
        self.virtual_size = Size(content_width, len(order) + self.HEADER_HEIGHT)
        if cursor is not None and screen_row is not None and self.is_mounted:
            self.scroll_to(y=self._index[cursor] - screen_row, animate=False, force=True)
        self.refresh()
        if cursor is not None and cursor != previous:
            self._highlighted(cursor)

    def _set_width(self, content_width: int) -> None:
        """Change the line width only (no reordering); repaints the visible lines."""
        if content_width != self._content_width:
            self._content_width = content_width
            self._line_cache.clear()
            self.virtual_size = Size(content_width, len(self._order) + self.HEADER_HEIGHT)
            self.refresh()

    def _refresh_key(self, key: str) -> None:
        """Repaint the line of `key` if it is on screen (and only that line)."""
        index = self._index.get(key)
        top = round(self.scroll_y)
        if index is not None and top <= index < top + self._view_height():
            self.refresh_line(index + self.HEADER_HEIGHT)

    def _view_height(self) -> int:
        return max(1, self.scrollable_content_region.height - self.HEADER_HEIGHT)

    # -- rendering --------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        if y < self.HEADER_HEIGHT:
            strip = self._header_line()
        else:
            index = scroll_y + y - self.HEADER_HEIGHT
            if index >= len(self._order):
                return Strip.blank(width, self.rich_style)
            strip = self._cached_line(self._order[index])
        return strip.crop_extend(scroll_x, scroll_x + width, self.rich_style)

    def _cached_line(self, key: str) -> Strip:
        cursor = key == self._cursor
        state = self._line_state(key, cursor)
        cached = self._line_cache.get(key)
        if cached is not None and cached[0] == state:
            return cached[1]
        strip = self._build_line(key, cursor)
        self._line_cache[key] = (state, strip)
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_cache.clear()

    def _on_resize(self, event: events.Resize) -> None:
        if self._cursor is not None and self.cursor_index is not None:
            self._scroll_into_view(self.cursor_index)

    # -- cursor movement ----------------------------------------------------------------------
    def _move_to(self, index: int, *, scroll: bool = True) -> None:
        if not self._order:
            return
        index = max(0, min(index, len(self._order) - 1))
        key = self._order[index]
        previous, self._cursor = self._cursor, key
        if scroll:
            self._scroll_into_view(index)
        if previous != key:
            if previous is not None:
                self._refresh_key(previous)
            self._refresh_key(key)
            self._highlighted(key)

    def _scroll_into_view(self, index: int) -> None:
        if not self.is_mounted:
            return  # the first Resize scrolls the cursor into view
        top, height = round(self.scroll_y), self._view_height()
        if index < top:
            self.scroll_to(y=index, animate=False, force=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, force=True)

    def _step(self, delta: int) -> None:
        current = self.cursor_index
        self._move_to(0 if current is None else current + delta)

    def action_cursor_down(self) -> None:
        """Move the cursor one line down."""
        self._step(1)

    def action_cursor_up(self) -> None:
        """Move the cursor one line up."""
        self._step(-1)

    def action_page_down(self) -> None:
        """Move the cursor one page down."""
        self._step(self._view_height())

    def action_page_up(self) -> None:
        """Move the cursor one page up."""
        self._step(-self._view_height())

    def action_cursor_top(self) -> None:
        """Move the cursor to the first line."""
        self._move_to(0)

    def action_cursor_bottom(self) -> None:
        """Move the cursor to the last line."""
        self._move_to(len(self._order) - 1)

    def action_select_cursor(self) -> None:
        """Post the 'selected' message for the cursor key."""
        if self._cursor is not None:
            self._selected(self._cursor)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < self.HEADER_HEIGHT:
            return
        index = round(self.scroll_y) + offset.y - self.HEADER_HEIGHT
        if index < len(self._order):
            self._move_to(index)
            if event.chain >= 2:
                self.action_select_cursor()
