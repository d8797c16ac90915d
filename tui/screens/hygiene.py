"""The hygiene view (`:hygiene`): stuck, failed, orphaned, inconsistent snapshots; count and age per VM.

Rows are keyed by UID: mark them (space, ctrl+space range) and press Delete/D to delete the marked ones (or
the one under the cursor) through `delete.delete_snapshots` — typed confirmation for several, UID
preconditions, and a result per item in the RESULT column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from tui.kube.hygiene import STUCK_AFTER, per_vm, problems
from tui.kube.objects import KubeObject
from tui.kube.store import Snapshot
from tui.live import Changes, Live
from tui.screens.base import LiveScreen
from tui.screens.delete import Result, delete_snapshots
from tui.screens.operations import elapsed_text
from widgets.badge import Tone, badge_text
from widgets.live_table import Column, LiveTable, Row

if TYPE_CHECKING:
    from tui.screens.nav import Nav

PROBLEM_COLUMNS = [Column("kind", "KIND", max_width=12), Column("name", "NAME", max_width=44),
                   Column("vm", "VM", max_width=24), Column("phase", "PHASE", max_width=12),
                   Column("issues", "ISSUES", max_width=28), Column("age", "AGE", width=8, justify="right"),
                   Column("detail", "DETAIL", max_width=80), Column("result", "RESULT", max_width=40)]
VM_COLUMNS = [Column("vm", "VM", max_width=40), Column("vms", "VM SNAPS", justify="right"),
              Column("vds", "DISK SNAPS", justify="right"), Column("oldest", "OLDEST", justify="right"),
              Column("newest", "NEWEST", justify="right")]
ISSUE_TONE: dict[str, Tone] = {"failed": "error", "stuck": "warning", "orphan": "warning", "recreated": "warning",
                               "inconsistent": "muted"}
SHORT = {"vdsnapshot": "DiskSnap", "vmsnapshot": "VMSnap"}


class HygieneScreen(LiveScreen):
    """Snapshots that need attention, in the namespaces in scope; multi-select delete."""

    AUTO_FOCUS = "#problems"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("delete,D", "delete", "Delete", id="resource.delete"),
        Binding("d", "describe", "Describe", id="resource.describe"),
    ]
    DEFAULT_CSS = """
    HygieneScreen #problems { height: 2fr; }
    HygieneScreen #per-vm-title { padding: 0 1; background: $panel; }
    HygieneScreen #per-vm { height: 1fr; }
    """

    def __init__(self, live: Live, nav: Nav, stuck_after: float = STUCK_AFTER) -> None:
        super().__init__(live, nav)
        self.stuck_after = stuck_after
        self.results: dict[str, Result] = {}

    def compose_body(self) -> ComposeResult:
        yield LiveTable(PROBLEM_COLUMNS, ascii_only=self.ascii_only, id="problems")
        yield Static("Snapshots per VM (VM snapshots, and disk snapshots taken on their own)", id="per-vm-title")
        yield LiveTable(VM_COLUMNS, ascii_only=self.ascii_only, id="per-vm")

    def body(self) -> Widget:
        return self.query_one("#problems")

    def on_mount(self) -> None:
        super().on_mount()
        self.update_body(self.live.snapshot, None)

    def _namespaces(self) -> list[str | None]:
        return list(self.live.scope) if self.live.scope is not None else [None]

    def update_body(self, snapshot: Snapshot, changes: Changes | None) -> None:
        view, now = self.live.view, self.live.now()
        rows, vm_rows, total = [], [], 0
        for ns in self._namespaces():
            for p in problems(view, ns, now, self.stuck_after):
                total += 1
                issues = Text(end="")
                for i, issue in enumerate(p.issues):
                    issues.append(", " if i else "")
                    issues.append_text(badge_text(ISSUE_TONE[issue], issue, ascii_only=self.ascii_only))
                res = self.results.get(p.uid)
                result = "" if res is None else badge_text("ok" if res.outcome.ok else "error",
                                                           "deleted" if res.outcome.ok else res.outcome.reason
                                                           or "failed", ascii_only=self.ascii_only)
                cells = (SHORT[p.kind_id], f"{p.namespace}/{p.name}" if ns is None else p.name, p.vm, p.phase,
                         issues, elapsed_text(p.age), p.detail, result)
                if self.filter is None or self.filter.matches([c if isinstance(c, str) else c.plain for c in cells]):
                    rows.append(Row(p.uid, cells, sort_values=(p.kind_id, p.name, p.vm, p.phase, ",".join(p.issues),
                                                               -p.age, p.detail, "")))
            for v in per_vm(view, ns, now):
                name = v.vm if v.exists else f"{v.vm} (gone)"
                vm_rows.append(Row(f"{ns}/{v.vm}", (name, str(v.vm_snapshots), str(v.disk_snapshots),
                                                    elapsed_text(v.oldest) if v.oldest is not None else "",
                                                    elapsed_text(v.newest) if v.newest is not None else "")))
        table = self.query_one("#problems", LiveTable)
        table.update(rows)
        self.query_one("#per-vm", LiveTable).update(vm_rows)
        marked = len(table.marked_keys)
        text = Text(f"Hygiene: {total} snapshots need attention (stuck = over {int(self.stuck_after) // 60} min)",
                    end="")
        text.append(f" · {marked} marked" if marked else " · space marks")
        text.append(" · Delete/D deletes the marked (or the selected) one")
        self.set_status(text)

    def _selected_objects(self) -> list[KubeObject]:
        table = self.query_one("#problems", LiveTable)
        keys = list(table.marked_keys) or ([table.cursor_key] if table.cursor_key else [])
        out = []
        for key in keys:
            for kind_id in SHORT:
                obj = self.live.snapshot.of(kind_id).get(key)
                if obj is not None:
                    out.append(obj)
        return out

    def action_delete(self) -> None:
        delete_snapshots(self.nav, self._selected_objects(), self._deleted)

    def _deleted(self, results: list[Result]) -> None:
        for r in results:
            self.results[r.target.uid] = r
        table = self.query_one("#problems", LiveTable)
        table.set_marks(k for k in table.marked_keys if k not in self.results)
        self.update_body(self.live.snapshot, None)

    def action_describe(self) -> None:
        key = self.query_one("#problems", LiveTable).cursor_key
        for kind_id in SHORT:
            if key is not None and self.live.snapshot.of(kind_id).get(key) is not None:
                self.nav.open_detail(kind_id, key)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "delete":
            return self.nav.writes.key_state(("vdsnapshot", "vmsnapshot"), "delete")
        return True

    @on(LiveTable.MarksChanged, "#problems")
    def _marks(self) -> None:
        self.update_body(self.live.snapshot, None)

    @on(LiveTable.RowSelected, "#problems")
    def _open(self, event: LiveTable.RowSelected) -> None:
        event.stop()
        for kind_id in SHORT:
            if self.live.snapshot.of(kind_id).get(event.key) is not None:
                self.nav.open_detail(kind_id, event.key)

