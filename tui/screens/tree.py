"""The main view: per namespace, VM → disks → snapshots, VM snapshots → children, unattached, orphans."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget

from tui.kube import relations
from tui.kube.store import Snapshot
from tui.live import Changes, Live
from tui.screens import tree_nodes
from tui.screens.base import LiveScreen
from tui.screens.delete import delete_snapshots
from tui.screens.restore_keys import key_state, open_clone, open_restore
from tui.screens.snapshot_wizards import take_snapshot
from widgets.live_tree import LiveTree

if TYPE_CHECKING:
    from tui.screens.nav import Nav

TREE_KINDS = frozenset({"vm", "vd", "vdsnapshot", "vmsnapshot", "vmop", "vmsop", "vmrestore", "vmbda"})


class TreeScreen(LiveScreen):
    """The VM lineage tree of the namespaces in scope; every node keyed by UID, rebuilt per flush."""

    AUTO_FOCUS = "#tree"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "describe", "Describe", id="resource.describe"),
        Binding("y", "yaml", "YAML", id="resource.yaml"),
        Binding("c", "copy_name", "Copy name", show=False, id="table.copy_name"),
        Binding("n", "copy_namespace", "Copy namespace", show=False, id="table.copy_namespace"),
        Binding("0", "all_namespaces", "All namespaces", show=False, id="table.all_namespaces"),
        Binding("t", "take_snapshot", "Snapshot", id="dvp.snapshot"),
        Binding("delete,D", "delete", "Delete", id="resource.delete"),
        Binding("R", "restore", "Restore", id="dvp.restore"),
        Binding("C", "clone", "Clone", id="dvp.clone"),
    ]

    def __init__(self, live: Live, nav: Nav) -> None:
        super().__init__(live, nav)
        self.objects: dict[str, tuple[str, str, str]] = {}
        """node key → (kind id, uid, namespace) of the object it shows."""

    def compose_body(self) -> ComposeResult:
        yield LiveTree(ascii_only=self.ascii_only, id="tree")

    def body(self) -> Widget:
        return self.query_one(LiveTree)

    @property
    def spec(self) -> tuple[str, ...]:
        return ("tree",)

    def namespaces(self, view: relations.View) -> list[str]:
        if self.live.scope is not None:
            return list(self.live.scope)
        return sorted({o.namespace for k in TREE_KINDS for o in view.objects.get(k, {}).values()})

    def update_body(self, snapshot: Snapshot, changes: Changes | None) -> None:
        if changes and not any(kind in TREE_KINDS for kind, _ in changes.values()):
            return  # an unrelated kind changed (an empty feed means a link changed: repaint)
        view = self.live.view
        rows, self.objects = tree_nodes.build(view, self.namespaces(view), self.live.now(),
                                              ascii_only=self.ascii_only, stale=self.live.is_stale)
        if self.filter is not None:
            rows = tree_nodes.prune(rows, self.filter.matches)
        tree = self.query_one(LiveTree)
        tree.update(rows)
        self.set_status(self._status(len(self.objects), len(rows)))

    def _status(self, total: int, shown: int) -> Text:
        for kind_id, title in (("vm", "VirtualMachines"), ("vd", "VirtualDisks")):
            notice = self.link_status(kind_id, title)
            if notice is not None:
                return notice
        text = Text(f"{total} objects")
        if self.filter is not None:
            text.append(f" · filter “{self.filter.describe}”: {shown} rows")
        return text

    # ---- actions -----------------------------------------------------------------------------
    def _cursor_object(self) -> tuple[str, str, str] | None:
        key = self.query_one(LiveTree).cursor_key
        return self.objects.get(key) if key is not None else None

    @on(LiveTree.NodeSelected, "#tree")
    def _selected(self, event: LiveTree.NodeSelected) -> None:
        target = self.objects.get(event.key)
        if target is None:
            self.query_one(LiveTree).toggle_node(event.key)
        else:
            self.nav.open_detail(target[0], target[1])

    def action_describe(self) -> None:
        target = self._cursor_object()
        if target is not None:
            self.nav.open_detail(target[0], target[1])

    def action_yaml(self) -> None:
        target = self._cursor_object()
        if target is not None:
            self.nav.open_yaml(target[0], target[1])

    def action_copy_name(self) -> None:
        target = self._cursor_object()
        obj = self.live.snapshot.of(target[0]).get(target[1]) if target else None
        if obj is not None:
            self.nav.copy(obj.metadata.name)

    def action_copy_namespace(self) -> None:
        target = self._cursor_object()
        if target is not None and target[2]:
            self.nav.copy(target[2])

    def action_all_namespaces(self) -> None:
        self.live.set_scope(None)

    # ---- writes (tui.screens.snapshot_wizards, tui.screens.delete) ------------------------------
    def action_take_snapshot(self) -> None:
        target = self._cursor_object()
        if target is not None:
            take_snapshot(self.nav, target[0], target[1])

    def action_delete(self) -> None:
        target = self._cursor_object()
        obj = self.live.snapshot.of(target[0]).get(target[1]) if target else None
        delete_snapshots(self.nav, [obj] if obj is not None else [])

    def action_restore(self) -> None:
        target = self._cursor_object()
        if target is not None:
            open_restore(self.nav, target[0], target[1])

    def action_clone(self) -> None:
        target = self._cursor_object()
        if target is not None:
            open_clone(self.nav, target[0], target[1])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("restore", "clone"):
            return key_state(self.nav)
        if action == "take_snapshot":
            return self.nav.writes.key_state(("vdsnapshot", "vmsnapshot"), "create")
        if action == "delete":
            return self.nav.writes.key_state(("vdsnapshot", "vmsnapshot"), "delete")
        return True

