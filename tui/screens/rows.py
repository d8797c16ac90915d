"""List rows of any kind: columns from the kind registry, badges for states, sort values, filter texts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rich.text import Text

from tui.kube import kinds
from tui.kube.display import consistency, status_badge
from tui.kube.objects import KubeObject, VirtualDiskSnapshot, VirtualMachineSnapshot
from widgets.badge import badge_text
from widgets.live_table import Column, Row, SortValue

Cell = str | Text
HEALTHY = frozenset({"ok"})
"""Tones that `faults only` hides."""

_WIDTHS = {"age": 6, "phase": 16, "consistent": 17}


@dataclass(frozen=True)
class Layout:
    """Which columns a list shows: the kind's, wide ones too, and a namespace column in front."""

    kind: kinds.Kind
    wide: bool = False
    with_namespace: bool = False

    @property
    def columns(self) -> tuple[kinds.Column, ...]:
        cols = tuple(c for c in self.kind.columns if self.wide or not c.wide)
        return (kinds.NAMESPACE, *cols) if self.with_namespace and self.kind.namespaced else cols

    def table_columns(self) -> list[Column]:
        return [Column(c.id, c.header.upper(), width=_WIDTHS.get(c.id),
                       max_width=60 if c.id == "message" else 40) for c in self.columns]


def cell(column: kinds.Column, obj: Any, now: datetime, ascii_only: bool) -> Cell:
    """One cell: states as badges (glyph + word + tone), everything else as plain text."""
    if column.id == "phase" and obj.KIND not in ("pvc", "ns"):
        badge = status_badge(obj, now)
        return badge_text(badge.tone, badge.word, ascii_only=ascii_only) if badge.word else ""
    if column.id == "consistent" and isinstance(obj, VirtualDiskSnapshot | VirtualMachineSnapshot):
        badge = consistency(obj)
        return badge_text(badge.tone, badge.word, ascii_only=ascii_only)
    try:
        return str(column.get(obj, now) or "")
    except (AttributeError, TypeError, ValueError):  # an unreadable object must not break the list
        return ""


def sort_value(column: kinds.Column, obj: Any, text: Cell) -> SortValue:
    if column.id == "age":
        ts = obj.metadata.creation_timestamp
        return -ts.timestamp() if ts is not None else 0.0
    plain = text if isinstance(text, str) else text.plain
    return plain.partition(" ")[2].casefold() if column.id in ("phase", "consistent") else plain.casefold()


def row(layout: Layout, obj: KubeObject, now: datetime, *, stale: bool = False, ascii_only: bool = False,
        ) -> Row:
    cols = layout.columns
    cells = tuple(cell(c, obj, now, ascii_only) for c in cols)
    values = tuple(sort_value(c, obj, t) for c, t in zip(cols, cells, strict=True))
    return Row(obj.uid, cells, sort_values=values, stale=stale)


def texts(r: Row) -> list[str]:
    """What the filter searches: the plain text of every cell."""
    return [c if isinstance(c, str) else c.plain for c in r.cells]


def healthy(obj: KubeObject, now: datetime) -> bool:
    """False for Failed, Lost, Terminating, waiting or in-progress objects (`faults only` keeps those)."""
    badge = status_badge(obj, now)
    return badge.tone in HEALTHY or (badge.tone == "unknown" and not obj.deleting)


def labels(obj: KubeObject) -> dict[str, str]:
    return dict(obj.metadata.labels or {})


def plain_cells(cells: Sequence[Cell]) -> list[str]:
    return [c if isinstance(c, str) else c.plain for c in cells]
