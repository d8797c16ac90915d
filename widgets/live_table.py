"""Virtualised keyed table (Line API): diff by key, sort, marks; the cursor stays on its key."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip

from widgets.badge import TONES, resolve_tones, tone_class, tone_css, tone_styles
from widgets.keyed_view import KeyedView
from widgets.safe_text import safe_text
from widgets.table_model import GUTTER, Cell, Column, Diff, Row, SortValue, TableModel

__all__ = ["Cell", "Column", "LiveTable", "Row", "SortValue"]


class LiveTable(KeyedView):
    """A keyed table that renders only the lines on screen; built for 50,000 live rows."""

    HEADER_HEIGHT: ClassVar[int] = 1
    MARK = ("●", "*")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("left,h", "scroll_columns(-1)", "Left", show=False, id="table.left"),
        Binding("right,l", "scroll_columns(1)", "Right", show=False, id="table.right"),
        Binding("home,g", "cursor_top", "Top", show=False, id="table.top"),
        Binding("end,G", "cursor_bottom", "Bottom", show=False, id="table.bottom"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("enter", "select_cursor", "Open", id="table.open"),
        Binding("space", "toggle_mark", "Mark", id="table.mark"),
        Binding("ctrl+space,ctrl+@", "mark_range", "Mark range", show=False, id="table.mark_range"),
        Binding("ctrl+backslash", "clear_marks", "Clear marks", show=False, id="table.clear_marks"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "live-table--header", "live-table--cursor", "live-table--cursor-blurred",
        "live-table--marked", "live-table--stale", *(tone_class("live-table", t) for t in TONES),
    }

    DEFAULT_CSS = """
    LiveTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        & > .live-table--header { color: $foreground; background: $panel; text-style: bold; }
        & > .live-table--cursor {
            color: $block-cursor-foreground; background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
        & > .live-table--cursor-blurred {
            color: $block-cursor-blurred-foreground; background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .live-table--marked { color: $text-accent; text-style: bold; }
        & > .live-table--stale { color: $text-muted; text-style: dim; }
    }
    """ + tone_css("LiveTable", "live-table")

    class RowMessage(Message):
        """Base of the row messages: `key` of the row in `table`."""

        def __init__(self, table: LiveTable, key: str) -> None:
            super().__init__()
            self.table, self.key = table, key

        @property
        def control(self) -> LiveTable:
            return self.table

    class RowHighlighted(RowMessage):
        """The cursor moved to the row with `key`."""

    class RowSelected(RowMessage):
        """Enter (or a double click) on the row with `key`."""

    class MarksChanged(Message):
        """The set of marked keys changed."""

        def __init__(self, table: LiveTable, keys: frozenset[str]) -> None:
            super().__init__()
            self.table, self.keys = table, keys

        @property
        def control(self) -> LiveTable:
            return self.table

    def __init__(self, columns: Sequence[Column], *, ascii_only: bool = False, name: str | None = None,
                 id: str | None = None, classes: str | None = None, disabled: bool = False) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.ascii_only = ascii_only
        self._model = TableModel(columns)
        self._marks: set[str] = set()
        self._mark_anchor: str | None = None

    # -- public API ---------------------------------------------------------------------------
    @property
    def columns(self) -> tuple[Column, ...]:
        """The columns, left to right."""
        return self._model.columns

    @property
    def row_count(self) -> int:
        """Number of rows."""
        return len(self._model.rows)

    @property
    def marked_keys(self) -> frozenset[str]:
        """Keys of the marked rows (marks vanish with their rows)."""
        return frozenset(self._marks)

    @property
    def sort_key(self) -> tuple[str, bool] | None:
        """(column key, reverse) of the current sort, or None for the caller's order."""
        sort = self._model.sort
        return None if sort is None else (self._model.columns[sort[0]].key, sort[1])

    def row(self, key: str) -> Row | None:
        """The row with `key`, if any."""
        return self._model.rows.get(key)

    def update(self, rows: Iterable[Row]) -> None:
        """Replace all rows (diff by key); unsorted, the given order is the display order."""
        fresh = {row.key: row for row in rows}
        deletes = [key for key in self._model.rows if key not in fresh]
        self._show(self._model.apply(fresh.values(), deletes, self._order, list(fresh)))

    def apply(self, upserts: Iterable[Row] = (), deletes: Iterable[str] = ()) -> None:
        """Insert or replace `upserts`, remove `deletes` (keys); unsorted, new rows go last."""
        self._show(self._model.apply(upserts, deletes, self._order))

    def sort(self, column: str | None, reverse: bool | None = None) -> None:
        """Sort by `column` (None: caller's order); without `reverse`, repeating toggles it."""
        self._model.set_sort(column, reverse)
        self._set_order(self._model.ordered(list(self._model.rows)), self._model.line_width)

    def set_marks(self, keys: Iterable[str]) -> None:
        """Replace the marks (unknown keys are ignored)."""
        self._marks = {key for key in keys if key in self._model.rows}
        self.refresh()
        self._marks_changed()

    def _show(self, diff: Diff) -> None:
        if diff.relayout:
            self._line_cache.clear()
            self._set_width(self._model.line_width)
            self.refresh()
        if diff.order is not None:
            self._set_order(diff.order, self._model.line_width)
            if not self._marks.issubset(self._index):
                self._marks.intersection_update(self._index)
                self._marks_changed()
        else:
            for key in diff.changed:
                self._refresh_key(key)

    # -- rendering ----------------------------------------------------------------------------
    def _line_state(self, key: str, cursor: bool) -> Hashable:
        return (self._model.rows[key], cursor, cursor and self.has_focus, key in self._marks)

    def _build_line(self, key: str, cursor: bool) -> Strip:
        row = self._model.rows[key]
        style = self.rich_style
        if row.stale:
            style += self.get_component_rich_style("live-table--stale")
        if key in self._marks:
            style += self.get_component_rich_style("live-table--marked")
        if cursor:
            focus = "live-table--cursor" if self.has_focus else "live-table--cursor-blurred"
            style += self.get_component_rich_style(focus)
        mark = self.MARK[self.ascii_only] if key in self._marks else " "
        return self._assemble(mark, row.cells, style)

    def _header_line(self) -> Strip:
        labels: list[Cell] = [c.label for c in self._model.columns]
        if self._model.sort is not None:
            index, reverse = self._model.sort
            arrow = ("▼", "v") if reverse else ("▲", "^")
            labels[index] = f"{labels[index]} {arrow[self.ascii_only]}"
        header = self.get_component_rich_style("live-table--header")
        return self._assemble(" ", labels, self.rich_style + header)

    def _assemble(self, mark: str, cells: Sequence[Cell], style: Style) -> Strip:
        line = Text(mark + " ", style=style, end="", no_wrap=True)
        tones = tone_styles(self, "live-table")
        for index, (column, width) in enumerate(zip(self._model.columns, self._model.widths, strict=True)):
            text = resolve_tones(safe_text(cells[index]), tones).copy() if index < len(cells) else Text()
            if text.cell_len > width:
                text.truncate(width, overflow="ellipsis")
            text.align(column.justify, width)
            line.append_text(text)
            line.append(" ")
        return Strip(line.render(self.app.console), self._content_width)

    # -- actions and events -------------------------------------------------------------------
    def action_toggle_mark(self) -> None:
        """Mark or unmark the cursor row, then move down."""
        key = self._cursor
        if key is None:
            return
        self._marks.symmetric_difference_update({key})
        self._mark_anchor = key if key in self._marks else self._mark_anchor
        self._refresh_key(key)
        self._marks_changed()
        self.action_cursor_down()

    def action_mark_range(self) -> None:
        """Mark every row between the last mark and the cursor."""
        here, anchor = self.cursor_index, self._mark_anchor
        start = self._index.get(anchor) if anchor is not None else None
        if here is None or start is None:
            self.action_toggle_mark()
            return
        low, high = sorted((here, start))
        self._marks.update(self._order[low : high + 1])
        self.refresh()
        self._marks_changed()

    def action_clear_marks(self) -> None:
        """Unmark every row."""
        if self._marks:
            self._marks.clear()
            self.refresh()
            self._marks_changed()

    def action_scroll_columns(self, direction: int) -> None:
        """Scroll horizontally to the next/previous column boundary."""
        starts, edge, x = [0], GUTTER, round(self.scroll_x)
        for width in self._model.widths[:-1]:
            edge += width + 1
            starts.append(edge)
        targets = [s for s in starts if s > x] if direction > 0 else [s for s in starts if s < x]
        if targets:
            self.scroll_to(x=targets[0] if direction > 0 else targets[-1], animate=False)

    def _marks_changed(self) -> None:
        self.post_message(self.MarksChanged(self, frozenset(self._marks)))

    def _highlighted(self, key: str) -> None:
        self.post_message(self.RowHighlighted(self, key))

    def _selected(self, key: str) -> None:
        self.post_message(self.RowSelected(self, key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y != 0:
            return
        x, left = offset.x + round(self.scroll_x), GUTTER
        for column, width in zip(self._model.columns, self._model.widths, strict=True):
            if left <= x < left + width + 1:
                self.sort(column.key)
                return
            left += width + 1
