"""Pickers: namespaces (with object counts, or all) and kubeconfig contexts; Enter chooses."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widget import Widget

from tui.kube.store import Snapshot
from tui.live import Changes, Live
from tui.screens.base import LiveScreen
from widgets.live_table import Column, LiveTable, Row

if TYPE_CHECKING:
    from tui.screens.nav import Nav

ALL = "*"
COUNTED = (("vm", "VMS"), ("vd", "DISKS"), ("vdsnapshot", "DISK SNAPS"), ("vmsnapshot", "VM SNAPS"))


class NamespacePicker(LiveScreen):
    """Every namespace we can see (listed, or holding objects); Enter shows it, `all` shows every one."""

    AUTO_FOCUS = "#namespaces"

    def compose_body(self) -> ComposeResult:
        columns = [Column("name", "NAMESPACE"), Column("status", "STATUS", max_width=12),
                   *(Column(k, label, justify="right") for k, label in COUNTED)]
        yield LiveTable(columns, ascii_only=self.ascii_only, id="namespaces")

    def body(self) -> Widget:
        return self.query_one(LiveTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.live_update(self.live.snapshot, None)
        scope = self.live.scope
        self.query_one(LiveTable).move_cursor(scope[0] if scope and len(scope) == 1 else ALL)

    def update_body(self, snapshot: Snapshot, changes: Changes | None) -> None:
        counts: dict[str, Counter[str]] = {}
        for kind_id, _ in COUNTED:
            for obj in snapshot.of(kind_id).values():
                counts.setdefault(obj.metadata.namespace, Counter())[kind_id] += 1
        phases = {o.metadata.name: o.status.phase for o in snapshot.of("ns").values()}
        names = sorted(set(phases) | set(counts) | set(self.live.scope or ()))
        total: Counter[str] = sum(counts.values(), Counter())
        rows = [Row(ALL, ("all namespaces", "", *(str(total[k]) for k, _ in COUNTED)))]
        for name in names:
            c = counts.get(name, Counter())
            rows.append(Row(name, (name, phases.get(name, ""), *(str(c[k]) for k, _ in COUNTED))))
        if self.filter is not None:
            rows = [r for r in rows if r.key == ALL or self.filter.matches([r.key])]
        self.query_one(LiveTable).update(rows)
        self.set_status(Text(f"{len(names)} namespaces · Enter shows one · Esc goes back"))

    @on(LiveTable.RowSelected, "#namespaces")
    def _chosen(self, event: LiveTable.RowSelected) -> None:
        event.stop()
        self.nav.set_namespace(None if event.key == ALL else event.key)
        self.dismiss()


class ContextPicker(LiveScreen):
    """The kubeconfig's contexts; Enter connects to one (the cache starts over)."""

    AUTO_FOCUS = "#contexts"

    def __init__(self, live: Live, nav: Nav) -> None:
        super().__init__(live, nav)
        self.error = ""

    def compose_body(self) -> ComposeResult:
        columns = [Column("current", " ", width=1), Column("name", "CONTEXT"), Column("cluster", "CLUSTER"),
                   Column("user", "USER"), Column("namespace", "NAMESPACE")]
        yield LiveTable(columns, ascii_only=self.ascii_only, id="contexts")

    def body(self) -> Widget:
        return self.query_one(LiveTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.reload()
        self.query_one(LiveTable).move_cursor(self.live.identity.context)

    def reload(self) -> None:
        """(Re)read the kubeconfig's contexts (also when the file changes while the picker is open)."""
        try:
            contexts, _ = self.live.contexts()
            self.error = ""
        except Exception as e:  # an unreadable kubeconfig is shown, not raised; the last rows stay
            self.error = f"cannot read the kubeconfig: {e}"
            self.update_body(self.live.snapshot, None)
            return
        active = self.live.identity.context
        self.query_one(LiveTable).update(
            Row(c.name, ("*" if c.name == active else "", c.name, c.cluster, c.user, c.namespace or ""))
            for c in contexts)
        self.update_body(self.live.snapshot, None)

    def update_body(self, snapshot: Snapshot, changes: Changes | None) -> None:
        if self.error:
            self.set_status(self.badge("error", self.error))
        else:
            self.set_status(Text("Enter connects to the context (* is the current one) · Esc goes back"))

    @on(LiveTable.RowSelected, "#contexts")
    def _chosen(self, event: LiveTable.RowSelected) -> None:
        event.stop()
        self.nav.switch_context(event.key)  # closes this picker with the other views on top
