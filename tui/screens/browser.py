"""A live list of one kind: columns from the kind registry, k9s sorting, filter, wide and faults-only views."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget

from tui.kube.deletion import DELETABLE
from tui.kube.kinds import Kind
from tui.kube.store import Snapshot
from tui.live import Changes, Live
from tui.screens import rows
from tui.screens.base import LiveScreen
from tui.screens.delete import delete_snapshots
from tui.screens.restore_keys import key_state, open_clone, open_restore
from tui.screens.restore_paths import clone_paths, restore_paths
from tui.screens.snapshot_wizards import take_snapshot
from widgets.live_table import LiveTable, Row

if TYPE_CHECKING:
    from tui.screens.nav import Nav


class BrowserScreen(LiveScreen):
    """Every object of `kind` in the namespaces in scope, keyed by UID and patched per change."""

    AUTO_FOCUS = "#table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "describe", "Describe", id="resource.describe"),
        Binding("y", "yaml", "YAML", id="resource.yaml"),
        Binding("N", "sort('name')", "Sort name", show=False, id="table.sort_name"),
        Binding("A", "sort('age')", "Sort age", show=False, id="table.sort_age"),
        Binding("S", "sort('phase')", "Sort status", show=False, id="table.sort_status"),
        Binding("O", "sort_next", "Sort column", show=False, id="table.sort_column"),
        Binding("W", "toggle_wide", "Wide", show=False, id="table.toggle_wide"),
        Binding("ctrl+z", "faults_only", "Faults only", show=False, id="table.faults_only"),
        Binding("c", "copy_name", "Copy name", show=False, id="table.copy_name"),
        Binding("n", "copy_namespace", "Copy namespace", show=False, id="table.copy_namespace"),
        Binding("0", "all_namespaces", "All namespaces", show=False, id="table.all_namespaces"),
        Binding("t", "take_snapshot", "Snapshot", id="dvp.snapshot"),
        Binding("delete,D", "delete", "Delete", id="resource.delete"),
        Binding("R", "restore", "Restore", id="dvp.restore"),
        Binding("C", "clone", "Clone", id="dvp.clone"),
    ]

    def __init__(self, live: Live, nav: Nav, kind: Kind) -> None:
        super().__init__(live, nav)
        self.kind = kind
        self.wide = False
        self.faults_only = False
        self.columns = rows.Layout(kind, with_namespace=live.scope is None or len(live.scope) > 1)
        self._stale = False
        self._sort: tuple[str, bool] | None = None

    @property
    def spec(self) -> tuple[str, ...]:
        return ("list", self.kind.id)

    @property
    def title_text(self) -> str:
        return f"{self.kind.kind}s"

    def compose_body(self) -> ComposeResult:
        yield LiveTable(self.columns.table_columns(), ascii_only=self.ascii_only, id="table")

    def body(self) -> Widget:
        return self.query_one(LiveTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.live.watch(self.kind.id)

    # ---- data ----------------------------------------------------------------------------------
    def _row(self, obj: Any) -> Row | None:
        if not self.live.in_scope(obj.metadata.namespace):
            return None
        now = self.live.now()
        if self.faults_only and rows.healthy(obj, now):
            return None
        row = rows.row(self.columns, obj, now, stale=self._stale, ascii_only=self.ascii_only)
        if self.filter is not None and not self.filter.matches(rows.texts(row), rows.labels(obj)):
            return None
        return row

    def update_body(self, snapshot: Snapshot, changes: Changes | None) -> None:
        with_ns = self.live.scope is None or len(self.live.scope) > 1
        stale = self.live.is_stale(self.kind.id)
        if with_ns != self.columns.with_namespace:
            self.columns = rows.Layout(self.kind, self.wide, with_ns)
            self.call_later(self._remount)
            return
        if stale != self._stale:
            self._stale, changes = stale, None
        table = self.query_one(LiveTable)
        objects = snapshot.of(self.kind.id)
        if changes is None:
            table.update(r for r in map(self._row, objects.values()) if r is not None)
        else:
            mine = [(uid, obj) for uid, (kind_id, obj) in changes.items() if kind_id == self.kind.id]
            if mine:
                upserts, deletes = [], []
                for uid, obj in mine:
                    row = self._row(obj) if obj is not None else None
                    if row is None:
                        deletes.append(uid)
                    else:
                        upserts.append(row)
                table.apply(upserts, deletes)
        total = sum(1 for o in objects.values() if self.live.in_scope(o.metadata.namespace))
        self.set_status(self._status(total, table.row_count))

    def _status(self, total: int, shown: int) -> Text:
        notice = self.link_status(self.kind.id, self.title_text)
        if notice is not None and (self._stale or shown == 0):
            return notice
        text = Text(f"{self.title_text}: {shown}", end="")
        if shown != total:
            text.append(f" of {total}")
        if self.filter is not None:
            text.append(f" · filter “{self.filter.describe}”")
        if self.faults_only:
            text.append(" · faults only")
        if self.wide:
            text.append(" · wide")
        return text

    async def _remount(self) -> None:
        """New columns: a new table in place of the old one, keeping the sort and the cursor's key."""
        old = self.query_one(LiveTable)
        cursor, sort, focused = old.cursor_key, old.sort_key, old.has_focus
        await old.remove()
        table = LiveTable(self.columns.table_columns(), ascii_only=self.ascii_only, id="table")
        await self.mount(table, before="#status")
        if sort is not None and any(c.key == sort[0] for c in table.columns):
            table.sort(sort[0], sort[1])
        self.update_body(self.live.snapshot, None)
        if cursor is not None:
            table.move_cursor(cursor)
        if focused:
            table.focus()

    # ---- actions -------------------------------------------------------------------------------
    def _cursor_object(self) -> Any:
        key = self.query_one(LiveTable).cursor_key
        return self.live.snapshot.of(self.kind.id).get(key) if key is not None else None

    @on(LiveTable.RowSelected, "#table")
    def _selected(self, event: LiveTable.RowSelected) -> None:
        self.nav.open_detail(self.kind.id, event.key)

    def action_describe(self) -> None:
        key = self.query_one(LiveTable).cursor_key
        if key is not None:
            self.nav.open_detail(self.kind.id, key)

    def action_yaml(self) -> None:
        key = self.query_one(LiveTable).cursor_key
        if key is not None:
            self.nav.open_yaml(self.kind.id, key)

    def action_sort(self, column: str) -> None:
        table = self.query_one(LiveTable)
        if any(c.key == column for c in table.columns):
            table.sort(column)

    def action_sort_next(self) -> None:
        table = self.query_one(LiveTable)
        keys = [c.key for c in table.columns]
        current = table.sort_key[0] if table.sort_key else None
        table.sort(keys[(keys.index(current) + 1) % len(keys)] if current in keys else keys[0])

    async def action_toggle_wide(self) -> None:
        self.wide = not self.wide
        self.columns = rows.Layout(self.kind, self.wide, self.columns.with_namespace)
        await self._remount()

    def action_faults_only(self) -> None:
        self.faults_only = not self.faults_only
        self.live_update(self.live.snapshot, None)

    def action_copy_name(self) -> None:
        obj = self._cursor_object()
        if obj is not None:
            self.nav.copy(obj.metadata.name)

    def action_copy_namespace(self) -> None:
        obj = self._cursor_object()
        if obj is not None and obj.metadata.namespace:
            self.nav.copy(obj.metadata.namespace)

    def action_all_namespaces(self) -> None:
        self.live.set_scope(None)

    # ---- writes (tui.screens.snapshot_wizards, tui.screens.delete) ------------------------------
    def action_take_snapshot(self) -> None:
        obj = self._cursor_object()
        if obj is not None:
            take_snapshot(self.nav, self.kind.id, obj.metadata.uid)

    def action_delete(self) -> None:
        """The marked rows, else the one under the cursor."""
        table = self.query_one(LiveTable)
        objects = self.live.snapshot.of(self.kind.id)
        keys = list(table.marked_keys) or ([table.cursor_key] if table.cursor_key else [])
        delete_snapshots(self.nav, [objects[k] for k in keys if k in objects])

    def action_restore(self) -> None:
        obj = self._cursor_object()
        if obj is not None:
            open_restore(self.nav, self.kind.id, obj.metadata.uid)

    def action_clone(self) -> None:
        obj = self._cursor_object()
        if obj is not None:
            open_clone(self.nav, self.kind.id, obj.metadata.uid)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("restore", "clone"):
            offered = (restore_paths if action == "restore" else clone_paths)(self.live.caps, self.kind.id)
            return key_state(self.nav) if offered else False
        if action == "take_snapshot":
            makes = {"vm": ("vdsnapshot", "vmsnapshot"), "vd": ("vdsnapshot",)}.get(self.kind.id)
            return self.nav.writes.key_state(makes, "create") if makes else False
        if action == "delete":
            return self.nav.writes.key_state((self.kind.id,), "delete") if self.kind.id in DELETABLE else False
        return True
