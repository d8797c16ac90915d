"""Lineage-tree nodes: relations.tree() rows → LiveTree nodes with phase, consistency, flags, age, why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import NamedTuple, cast

from rich.text import Text

from tui.kube import relations
from tui.kube.display import consistency, disk_flags, human_age, status_badge, vm_flags, why_line
from tui.kube.objects import (
    KubeObject,
    VirtualDisk,
    VirtualDiskSnapshot,
    VirtualMachine,
    VirtualMachineOperation,
    VirtualMachineSnapshot,
)
from widgets.badge import Tone, badge_text
from widgets.live_tree import Node

TITLES = {"vm": "VM", "vd": "Disk", "vdsnapshot": "DiskSnapshot", "vmsnapshot": "VMSnapshot",
          "vmop": "VMOP", "vmsop": "VMSOP", "vmrestore": "VMRestore"}
COUNT_WORDS = {"vd": "disk", "vdsnapshot": "disk snapshot", "vmsnapshot": "VM snapshot", "vm": "VM",
               "vmop": "operation", "vmsop": "operation", "vmrestore": "operation"}
WHY_LIMIT = 100
SEP = "  "


def ns_key(namespace: str) -> str:
    return f"namespace:{namespace}"


class LabelMaker:
    """Builds node labels with ages as of `clock()`; `ascii_only` swaps glyphs for ASCII."""

    def __init__(self, view: relations.View | None, clock: Callable[[], datetime], ascii_only: bool = False) -> None:
        self.view, self.clock, self.ascii = view, clock, ascii_only
        """`view` is needed by `basis` (and by `label` for a VM snapshot's progress when none is given)."""

    def badge(self, tone: Tone, word: str) -> Text:
        return badge_text(tone, word, ascii_only=self.ascii)

    @property
    def now(self) -> datetime:
        return self.clock()

    def age(self, node: relations.Node) -> str:
        obj = node.payload
        return human_age(obj.metadata.creation_timestamp, self.now) if obj is not None else ""

    def basis(self, node: relations.Node) -> tuple[object, ...]:
        """Everything `label(node)` depends on but the clock, the object first (compared by identity)."""
        obj = node.payload
        progress = (relations.vmsnapshot_progress(self.view, obj)
                    if isinstance(obj, VirtualMachineSnapshot) and self.view is not None else None)
        return (obj, node.kind, node.label, node.role, node.detail, node.presence, node.parent, progress)

    def label(self, node: relations.Node, progress: tuple[int, int] | None = None) -> Text:
        if node.kind == "group":
            return Text(node.label, style="bold", end="")
        title = TITLES.get(node.kind, node.kind)
        text = Text(end="")
        if node.role == "ref":
            text.append("-> " if self.ascii else "↳ ")
        text.append(f"{title} ")
        text.append(node.label, style="bold")
        if node.payload is None:
            text.append("  ")
            word = "missing" if node.presence == "missing" else "unknown (not readable)"
            text.append_text(self.badge("unknown" if node.presence != "missing" else "warning", word))
            return text
        parts = self.extras(node, node.payload, progress)
        for part in parts:
            text.append(SEP)
            text.append_text(part)
        if node.role == "ref":
            text.stylize("dim")
        return text

    def extras(self, node: relations.Node, obj: KubeObject, progress: tuple[int, int] | None = None) -> list[Text]:
        now = self.now
        badge = status_badge(obj, now)
        out = [self.badge(badge.tone, badge.word or "—")]
        if isinstance(obj, VirtualMachine):
            out += self.vm(obj)
        elif isinstance(obj, VirtualDisk):
            out += self.disk(node, obj)
        elif isinstance(obj, (VirtualDiskSnapshot, VirtualMachineSnapshot)):
            out += self.snapshot(obj, progress)
        elif isinstance(obj, VirtualMachineOperation):
            mode = obj.spec.restore or obj.spec.clone
            out.append(Text(f"{obj.spec.type}{'/' + mode.mode if mode is not None and mode.mode else ''}"))
        age = human_age(obj.metadata.creation_timestamp, now)
        if age:
            out.append(Text(age, style="dim"))
        if isinstance(obj, (VirtualDiskSnapshot, VirtualMachineSnapshot)):
            out.append(self.required(obj))
        if badge.tone in ("progress", "warning", "error"):
            why = why_line(obj)
            if why is not None and why.text:
                msg = why.text if len(why.text) <= WHY_LIMIT else why.text[: WHY_LIMIT - 1] + "…"
                out.append(Text(msg, style="italic"))
        return out

    def vm(self, vm: VirtualMachine) -> list[Text]:
        flags, out = vm_flags(vm), []
        if flags.agent is not None:
            out.append(self.badge("ok" if flags.agent else "warning", "agent" if flags.agent else "no agent"))
        if flags.frozen:
            out.append(self.badge("warning", "frozen"))
        if flags.snapshotting:
            out.append(self.badge("progress", "snapshotting"))
        if flags.maintenance:
            out.append(self.badge("warning", "maintenance"))
        if flags.restart_pending:
            out.append(Text("restart pending"))
        return out

    def disk(self, node: relations.Node, vd: VirtualDisk) -> list[Text]:
        out = [Text(vd.status.capacity)] if vd.status.capacity else []
        if node.role == "hotplug":
            out.append(Text(f"hot-plugged{' via ' + node.detail if node.detail else ''}", style="bold"))
        elif node.role == "static" and (node.parent or "").endswith("/disks"):
            out.append(Text("spec"))
        flags = disk_flags(vd)
        if flags.snapshotting:
            out.append(self.badge("progress", "snapshotting"))
        if flags.resizing:
            out.append(self.badge("progress", "resizing"))
        return out

    def snapshot(self, snap: VirtualDiskSnapshot | VirtualMachineSnapshot,
                 progress: tuple[int, int] | None = None) -> list[Text]:
        c = consistency(snap)
        out = [self.badge(c.tone, c.word)] if c.word != "—" else []
        if isinstance(snap, VirtualMachineSnapshot):
            if progress is None and self.view is not None:
                progress = relations.vmsnapshot_progress(self.view, snap)
            if progress is not None:
                out.append(Text(f"{progress[0]}/{progress[1]} disks ready"))
        return out

    def required(self, snap: VirtualDiskSnapshot | VirtualMachineSnapshot) -> Text:
        return Text("consistency required" if snap.spec.required_consistency else "consistency optional",
                    style="dim")


Target = tuple[str, str, str]
"""(kind id, uid, namespace) of the object a node shows."""


class Part(NamedTuple):
    """One namespace of the tree: its nodes in display order (its root first), the object behind each key,
    the kind of each node, and the kinds marked stale."""

    nodes: list[Node]
    targets: dict[str, Target]
    kinds: list[str]
    stale: frozenset[str]
    labels: dict[str, tuple[LazyLabel, LazyLabel | None]]
    """node key → (label, collapsed label): a rebuild reuses the labels of unchanged rows (and what they built)."""

    def marked(self, stale: frozenset[str]) -> Part:
        """The same nodes, marked stale by these kinds (labels are not built again)."""
        if stale == self.stale:
            return self
        nodes = [n if n.stale == (k in stale) else replace(n, stale=k in stale)
                 for n, k in zip(self.nodes, self.kinds, strict=True)]
        return Part(nodes, self.targets, self.kinds, stale, self.labels)


def build(view: relations.View, namespaces: Iterable[str], clock: Callable[[], datetime], *, ascii_only: bool = False,
          stale: frozenset[str] = frozenset()) -> tuple[list[Node], dict[str, Target]]:
    """Nodes of the lineage tree for each namespace (a root per namespace) in display order, and the
    object behind each node key."""
    out: list[Node] = []
    targets: dict[str, Target] = {}
    for ns in namespaces:
        part = build_namespace(view, ns, clock, ascii_only=ascii_only, stale=stale)
        out += part.nodes
        targets.update(part.targets)
    return out, targets


def build_namespace(view: relations.View, ns: str, clock: Callable[[], datetime], *, ascii_only: bool = False,
                    stale: frozenset[str] = frozenset(), previous: Part | None = None) -> Part:
    """The nodes of one namespace's tree (`view` may hold only that namespace); kinds in `stale` are marked.
    Labels of rows whose object, place and age text are unchanged since `previous` are reused."""
    maker, light = LabelMaker(view, clock, ascii_only), LabelMaker(None, clock, ascii_only)  # labels keep no view
    old = previous.labels if previous is not None else {}
    labels: dict[str, tuple[LazyLabel, LazyLabel | None]] = {}
    rows = relations.tree(view, ns)
    root = ns_key(ns)
    parents = {r.key: (r.parent or root) for r in rows}
    counts = _descendant_counts(rows, parents)
    out = [Node(root, None, _ns_label(ns, counts.get(root)), _ns_label(ns, counts.get(root), True), expanded=True)]
    targets: dict[str, Target] = {}
    kinds = ["namespace"]
    for r in rows:
        label = LazyLabel(light, r, maker.basis(r))
        summary = tuple(counts[r.key].items()) if r.key in counts else ()
        collapsed = LazyLabel(light, r, label.basis, summary, label) if summary else None
        known = old.get(r.key)
        if known is not None and known[0] == label:
            label = known[0]
            collapsed = known[1] if known[1] is not None and known[1] == collapsed else collapsed
        labels[r.key] = (label, collapsed)
        out.append(Node(r.key, parents[r.key], label, collapsed, expanded=True, stale=r.kind in stale))
        kinds.append(r.kind)
        if r.payload is not None:
            targets[r.key] = (r.payload.KIND, r.payload.uid, r.payload.namespace)
    return Part(out, targets, kinds, stale, labels)


class LazyLabel:
    """A node's label, built the first time its line is drawn (only lines on screen are), with the age as of
    that moment. Two are equal when built from the very same object (a changed object is a new one) at the same
    place with the same counts."""

    __slots__ = ("_age", "_base", "_maker", "_node", "_text", "basis", "counts")

    def __init__(self, maker: LabelMaker, node: relations.Node, basis: tuple[object, ...],
                 counts: tuple[tuple[str, int], ...] = (), base: LazyLabel | None = None) -> None:
        self._maker, self._node, self.basis, self.counts, self._base = maker, node, basis, counts, base
        self._text: Text | None = None
        self._age = ""

    def __call__(self) -> Text:
        """The label as of now: built again only when its age text moved on (e.g. "59s" → "1m")."""
        age = self._maker.age(self._node)
        if self._text is None or age != self._age:
            self._age = age
            progress = cast(tuple[int, int] | None, self.basis[-1])
            label = self._base() if self._base is not None else self._maker.label(self._node, progress)
            self._text = _with_counts(label, Counter(dict(self.counts))) if self.counts else label
        return self._text

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, LazyLabel) and self.basis[0] is other.basis[0] and self.basis[1:] == other.basis[1:]
                and self.counts == other.counts)

    def __hash__(self) -> int:
        return hash((id(self.basis[0]), self.basis[1:], self.counts))


def prune(nodes: list[Node], match: Callable[[list[str]], bool]) -> list[Node]:
    """Nodes whose label matches, with their ancestors and descendants (display order kept)."""
    by_key = {n.key: n for n in nodes}
    hits = {n.key for n in nodes if match([_plain(n.label() if callable(n.label) else n.label)])}
    keep: set[str] = set()
    for key in hits:
        cur: str | None = key
        while cur is not None and cur not in keep:
            keep.add(cur)
            cur = by_key[cur].parent if cur in by_key else None
    below = set(hits)
    for n in nodes:  # a parent always comes before its children
        if n.parent in below:
            below.add(n.key)
    return [n for n in nodes if n.key in keep or n.key in below]


def _plain(label: str | Text) -> str:
    return label if isinstance(label, str) else label.plain


def _descendant_counts(rows: list[relations.Node], parents: dict[str, str]) -> dict[str, Counter[str]]:
    """Per node: how many distinct objects of each kind lie below it (a ref row counts its object once)."""
    seen: dict[str, set[str]] = {}
    counts: dict[str, Counter[str]] = {}
    for r in rows:
        if r.payload is None:
            continue
        parent: str | None = parents.get(r.key)
        while parent is not None:
            if r.payload.uid not in seen.setdefault(parent, set()):
                seen[parent].add(r.payload.uid)
                counts.setdefault(parent, Counter())[r.kind] += 1
            parent = parents.get(parent)
    return counts


def _summary(counts: Counter[str] | None) -> str:
    if not counts:
        return ""
    merged: Counter[str] = Counter()
    for kind, n in counts.items():
        merged[COUNT_WORDS.get(kind, kind)] += n
    return ", ".join(f"{n} {word}{'s' if n != 1 else ''}" for word, n in merged.items())


def _with_counts(label: Text, counts: Counter[str] | None) -> Text:
    summary = _summary(counts)
    if not summary:
        return label
    out = label.copy()
    out.append(f"  ({summary})", style="dim")
    return out


def _ns_label(ns: str, counts: Counter[str] | None, collapsed: bool = False) -> Text:
    text = Text("Namespace ", end="")
    text.append(ns, style="bold")
    if collapsed and counts:
        text.append(f"  ({_summary(counts)})", style="dim")
    return text
