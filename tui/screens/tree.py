"""The main view: per namespace, VM → disks → snapshots, VM snapshots → children, unattached, orphans."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget

from tui.kube.store import Snapshot
from tui.live import Changes, Live
from tui.screens import tree_nodes
from tui.screens.base import LiveScreen
from tui.screens.delete import delete_snapshots
from tui.screens.header import LiveHeader
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
        self._parts: dict[str, tree_nodes.Part] = {}
        """namespace → its built nodes: a flush rebuilds only the namespaces it touched."""
        self._shown = 0
        self._stale: frozenset[str] = frozenset()
        """Kinds whose rows are marked stale (a change re-marks the nodes, without building them again)."""
        self._loaded: frozenset[str] = frozenset()
        """Kinds whose list is complete: when this changes ("missing" becomes knowable), everything is rebuilt."""

    def compose_body(self) -> ComposeResult:
        yield LiveTree(ascii_only=self.ascii_only, id="tree")

    def body(self) -> Widget:
        return self.query_one(LiveTree)

    @property
    def spec(self) -> tuple[str, ...]:
        return ("tree",)

    def namespaces(self, snapshot: Snapshot) -> list[str]:
        if self.live.scope is not None:
            return list(self.live.scope)
        return sorted(snapshot.namespaces(TREE_KINDS))

    def update_body(self, snapshot: Snapshot, changes: Changes | None) -> None:
        stale = frozenset(k for k in TREE_KINDS if self.live.is_stale(k))
        loaded = frozenset(self.live.loaded) & TREE_KINDS  # "missing" vs "unknown" depends on these only
        remark = stale != self._stale
        if remark:
            self._stale = stale
            self._parts = {ns: part.marked(stale) for ns, part in self._parts.items()}
        if changes is None or loaded != self._loaded:
            self._loaded, dirty = loaded, None
        else:
            dirty = self.live.touched(changes, TREE_KINDS)
            if not dirty and not remark:
                self.set_status(self._status(len(self.objects), self._shown))
                return  # nothing in the tree changed (an unrelated kind, or a link of one)
        self._rebuild(self.namespaces(snapshot), dirty, remark)

    def _rebuild(self, namespaces: list[str], dirty: set[str] | None, remarked: bool = False) -> None:
        """Build the namespaces in `dirty` (None: all) again; the others keep their nodes (`remarked`: with
        other stale marks, so the tree compares every group)."""
        wanted = set(namespaces)
        previous: dict[str, tree_nodes.Part] = {}
        for ns in [ns for ns in self._parts if ns not in wanted or dirty is None or ns in dirty]:
            previous[ns] = self._parts.pop(ns)
            for key in previous[ns].targets:
                self.objects.pop(key, None)
        for ns in namespaces:
            if ns not in self._parts:
                part = self._parts[ns] = tree_nodes.build_namespace(
                    self.live.namespace_view(ns), ns, self.live.now, ascii_only=self.ascii_only, stale=self._stale,
                    previous=previous.get(ns))
                self.objects.update(part.targets)
        tree = self.query_one(LiveTree)
        if self.filter is not None:
            rows = tree_nodes.prune([node for ns in namespaces for node in self._parts[ns].nodes], self.filter.matches)
            self._shown = len(rows)
            tree.update(rows)
        else:
            self._shown = sum(len(self._parts[ns].nodes) for ns in namespaces)
            tree.update_groups([(ns, self._parts[ns].nodes) for ns in namespaces], None if remarked else dirty)
        self.set_status(self._status(len(self.objects), self._shown))

    def aged(self) -> None:
        """A minute passed: the lines on screen are drawn again (each label brings its age up to date), the
        rest when it scrolls into view; nothing is rebuilt."""
        if self.is_mounted:
            self.query_one(LiveHeader).sync()
            self.query_one(LiveTree).repaint()

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

