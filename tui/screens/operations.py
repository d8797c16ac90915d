"""The operations pane (`p`, `:ops`): everything created from dvpsnap, followed by UID until it ends.

Stages (tui.kube.operations): accepted → in progress (phase, the condition message with "(n/m)", elapsed time) →
done / failed (reason and message) / deleted; "uncertain" while the watch of its kind is lost. The tracking
lives in `Writes.tracker` (per app), so it survives navigation; this screen only shows it. Enter opens the
object's detail view.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widget import Widget

from tui.kube.operations import Operation
from tui.kube.store import Snapshot
from tui.live import Changes, Live
from tui.screens.base import LiveScreen
from tui.screens.writeflow import Panel
from widgets.badge import Tone, badge_text
from widgets.live_table import Column, LiveTable, Row

if TYPE_CHECKING:
    from tui.screens.nav import Nav

COLUMNS = [Column("stage", "STAGE", width=22), Column("kind", "KIND", max_width=24),
           Column("name", "NAME", max_width=40), Column("progress", "PROGRESS", max_width=10),
           Column("elapsed", "ELAPSED", width=8, justify="right"), Column("message", "REASON / MESSAGE", max_width=90)]
STAGE_TONE: dict[str, Tone] = {"accepted": "progress", "in progress": "progress", "done": "ok", "failed": "error",
                               "uncertain": "warning", "deleted": "muted"}


def elapsed_text(seconds: float) -> str:
    s = int(seconds)
    return f"{s}s" if s < 60 else f"{s // 60}m{s % 60:02d}s" if s < 3600 else f"{s // 3600}h{s % 3600 // 60:02d}m"


def stage_word(op: Operation) -> str:
    word = op.stage if op.stage != "done" else op.phase.lower() or "done"
    return word + (", consistent" if op.stage == "done" and op.consistent else "")


def operation_message(op: Operation) -> str:
    message = ": ".join(p for p in (op.reason, op.message) if p)
    if op.stage == "uncertain":
        message = f"{op.link_reason} — last known: {op.phase or 'no phase'}" + (f", {message}" if message else "")
    return message


def operation_row(op: Operation, now: datetime, *, ascii_only: bool = False) -> Row:
    s = op.started
    stage = badge_text(STAGE_TONE[op.stage], stage_word(op), ascii_only=ascii_only)
    return Row(s.uid, (stage, s.kind, f"{s.namespace}/{s.name}", op.progress, elapsed_text(op.elapsed(now)),
                       operation_message(op)),
               sort_values=(op.stage, s.kind, s.name, op.progress, -s.at.timestamp(), operation_message(op)))


def operation_detail(op: Operation, now: datetime, *, ascii_only: bool = False) -> Text:
    """Everything about one operation, wrapped (the row cuts long messages)."""
    s = op.started
    out = badge_text(STAGE_TONE[op.stage], stage_word(op), ascii_only=ascii_only)
    out.append(f"  {s.kind} {s.namespace}/{s.name}  (UID {s.uid})")
    out.append(f"\nphase {op.phase or '—'}" + (f" {op.progress}" if op.progress else "")
               + f" · accepted {s.at:%H:%M:%S} · {'took' if op.terminal else 'running for'} "
               + elapsed_text(op.elapsed(now)))
    if message := operation_message(op):
        out.append(f"\n{message}")
    return out


class OperationsScreen(LiveScreen):
    """The tracked operations, newest first; repainted on every flush and every second while one runs."""

    AUTO_FOCUS = "#ops"
    DEFAULT_CSS = """
    OperationsScreen #ops { height: 1fr; }
    OperationsScreen #op-detail { height: auto; max-height: 8; background: $panel; }
    """

    def __init__(self, live: Live, nav: Nav) -> None:
        super().__init__(live, nav)
        self._timer: Timer | None = None

    def compose_body(self) -> ComposeResult:
        yield LiveTable(COLUMNS, ascii_only=self.ascii_only, id="ops")
        yield Panel(id="op-detail")

    def body(self) -> Widget:
        return self.query_one(LiveTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.nav.writes.listeners.append(self._changed)
        self._timer = self.set_interval(1.0, self._tick, pause=not self.nav.writes.tracker.active)
        self.update_body(self.live.snapshot, None)

    def on_unmount(self) -> None:
        if self._changed in self.nav.writes.listeners:
            self.nav.writes.listeners.remove(self._changed)

    def _changed(self) -> None:
        if self.is_mounted:
            self.update_body(self.live.snapshot, None)

    def _tick(self) -> None:
        self.update_body(self.live.snapshot, None)

    def update_body(self, snapshot: Snapshot, changes: Changes | None) -> None:
        tracker, now = self.nav.writes.tracker, self.live.now()
        items = tracker.items()
        rows = [operation_row(op, now, ascii_only=self.ascii_only) for op in items]
        if self.filter is not None:
            rows = [r for r in rows if self.filter.matches([c if isinstance(c, str) else c.plain for c in r.cells])]
        table = self.query_one(LiveTable)
        table.update(rows)
        self._show_detail(table.cursor_key, now)
        if self._timer is not None:
            self._timer.resume() if tracker.active else self._timer.pause()
        text = Text(f"Operations: {len(items)} tracked, {tracker.active} running", end="")
        if not items:
            text.append(" · objects created from dvpsnap (t, restore, clone) appear here until they finish")
        else:
            text.append(" · Enter opens one · Esc goes back")
        self.set_status(text)

    def _show_detail(self, key: str | None, now: datetime) -> None:
        op = self.nav.writes.tracker.get(key) if key is not None else None
        panel = self.query_one("#op-detail", Panel)
        panel.display = op is not None
        if op is not None:
            panel.show(operation_detail(op, now, ascii_only=self.ascii_only))

    @on(LiveTable.RowHighlighted, "#ops")
    def _highlighted(self, event: LiveTable.RowHighlighted) -> None:
        self._show_detail(event.key, self.live.now())

    @on(LiveTable.RowSelected, "#ops")
    def _selected(self, event: LiveTable.RowSelected) -> None:
        event.stop()
        op = self.nav.writes.tracker.get(event.key)
        if op is not None and self.live.snapshot.of(op.started.kind_id).get(op.started.uid) is not None:
            self.nav.open_detail(op.started.kind_id, op.started.uid)
