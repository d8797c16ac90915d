"""The data side of LiveTable: keyed rows, diffing, column widths and stable sorting (no Textual)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from rich.cells import cell_len
from rich.text import Text

from widgets.badge import is_tone_span
from widgets.safe_text import safe

Cell = str | Text
SortValue = str | int | float
GUTTER = 2
"""Cells before the first column (the mark glyph and a space)."""


@dataclass(frozen=True, slots=True)
class Column:
    """A column: `width` fixes it, otherwise it fits its content up to `max_width`."""

    key: str
    label: str
    width: int | None = None
    max_width: int = 40
    justify: Literal["left", "right"] = "left"


@dataclass(frozen=True, slots=True)
class Row:
    """One keyed row. `sort_values` (one per column) replace the cell text when sorting."""

    key: str
    cells: tuple[Cell, ...]
    sort_values: tuple[SortValue, ...] | None = None
    stale: bool = False


@dataclass(slots=True)
class Diff:
    """What an update changed: a new display order (or None), rows changed in place, widths."""

    order: list[str] | None = None
    changed: list[str] = field(default_factory=list)
    relayout: bool = False


def plain(cell: Cell) -> str:
    """The text of a cell."""
    return cell if isinstance(cell, str) else cell.plain


def sort_text(cell: Cell) -> str:
    """Default sort text of a cell: casefolded, without a leading badge glyph."""
    if isinstance(cell, Text) and cell.spans and cell.spans[0].start == 0 and is_tone_span(cell.spans[0]):
        return cell.plain.partition(" ")[2].casefold()
    return plain(cell).casefold()


@lru_cache(maxsize=16384)
def _wide_width(text: str) -> int:
    return cell_len(safe(text))


def measure(cell: Cell) -> int:
    """Cell width of a cell once sanitized."""
    text = cell if isinstance(cell, str) else cell.plain
    # ASCII sanitizes one character to one narrow glyph, so its width is its length.
    return len(text) if text.isascii() else _wide_width(text)


class TableModel:
    """Rows by key, auto column widths kept incrementally (histograms), and the sort order."""

    def __init__(self, columns: Sequence[Column]) -> None:
        self.columns = tuple(columns)
        self.rows: dict[str, Row] = {}
        self.sort: tuple[int, bool] | None = None
        self._sort_keys: dict[str, tuple[int, SortValue]] = {}
        self._histograms: list[Counter[int]] = [Counter() for _ in self.columns]
        self._auto = [(index, column.max_width, self._histograms[index])
                      for index, column in enumerate(self.columns) if column.width is None]
        self.widths = self._measure_widths()

    @property
    def line_width(self) -> int:
        """Cells in a full line: gutter plus every column and its separator."""
        return GUTTER + sum(width + 1 for width in self.widths)

    def column_index(self, key: str) -> int:
        for index, column in enumerate(self.columns):
            if column.key == key:
                return index
        raise KeyError(key)

    def set_sort(self, column: str | None, reverse: bool | None = None) -> None:
        """Sort by `column` (None: caller's order); without `reverse`, repeating toggles it."""
        if column is None:
            self.sort = None
            self._sort_keys.clear()
            return
        index = self.column_index(column)
        if self.sort is None or self.sort[0] != index:
            self._sort_keys.clear()
        if reverse is None:
            reverse = self.sort == (index, False)
        self.sort = (index, reverse)

    def ordered(self, keys: list[str]) -> list[str]:
        """`keys` in display order: stable, so ties keep their relative order."""
        if self.sort is None:
            return keys
        cache, rows, sort_value = self._sort_keys, self.rows, self._sort_value
        for key in keys:
            if key not in cache:
                cache[key] = sort_value(rows[key])
        return sorted(keys, key=cache.__getitem__, reverse=self.sort[1])

    def apply(self, upserts: Iterable[Row], deletes: Iterable[str], order: list[str],
              fresh_order: list[str] | None = None) -> Diff:
        """Apply a diff against the displayed `order`; `fresh_order` is a full replace's order."""
        diff = Diff()
        structural = fresh_order is not None and self.sort is None and fresh_order != order
        for row in upserts:
            old = self.rows.get(row.key)
            if old is not None and (old is row or old == row):
                continue
            if old is not None:
                self._account(old, -1)
            self._account(row, +1)
            self.rows[row.key] = row
            self._sort_keys.pop(row.key, None)
            if old is None or (self.sort is not None and self._sort_value(old) != self._sort_value(row)):
                structural = True
            else:
                diff.changed.append(row.key)
        for key in deletes:
            gone = self.rows.pop(key, None)
            self._sort_keys.pop(key, None)
            if gone is not None:
                self._account(gone, -1)
                structural = True
        if fresh_order is not None:
            self.rows = {key: self.rows[key] for key in fresh_order}
        widths = self._measure_widths()
        diff.relayout = widths != self.widths
        self.widths = widths
        if structural:
            if self.sort is None and fresh_order is not None:
                diff.order = fresh_order
            else:
                kept = [key for key in order if key in self.rows]
                known = set(kept)
                diff.order = self.ordered(kept + [key for key in self.rows if key not in known])
        return diff

    def _account(self, row: Row, sign: int) -> None:
        cells = row.cells
        for index, cap, histogram in self._auto:
            if index < len(cells):
                width = measure(cells[index])
                histogram[width if width < cap else cap] += sign

    def _measure_widths(self) -> list[int]:
        widths = []
        for column, histogram in zip(self.columns, self._histograms, strict=True):
            if column.width is not None:
                widths.append(column.width)
            else:
                content = max((width for width, count in histogram.items() if count > 0), default=0)
                widths.append(max(content, cell_len(column.label) + 2))
        return widths

    def _sort_value(self, row: Row) -> tuple[int, SortValue]:
        assert self.sort is not None
        index = self.sort[0]
        if row.sort_values is not None and index < len(row.sort_values):
            value = row.sort_values[index]
        else:
            value = sort_text(row.cells[index]) if index < len(row.cells) else ""
        return (1, value) if isinstance(value, str) else (0, value)
