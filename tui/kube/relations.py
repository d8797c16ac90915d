"""Pure relations over an immutable snapshot: VM → disks → snapshots, VM snapshot → children, ops, tree."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, NamedTuple, TypeVar, cast

from tui.kube.objects import (
    ANN_VMOP_SNAPSHOT,
    ANN_VMOPRESTORE,
    ANN_VMRESTORE,
    ANN_VSCLASS_DEFAULT,
    KubeObject,
    StorageClass,
    VirtualDisk,
    VirtualDiskSnapshot,
    VirtualMachine,
    VirtualMachineBlockDeviceAttachment,
    VirtualMachineOperation,
    VirtualMachineRestore,
    VirtualMachineSnapshot,
    VirtualMachineSnapshotOperation,
    VolumeSnapshot,
    VolumeSnapshotClass,
)

T = TypeVar("T", bound=KubeObject)
_NONE: Mapping[str, KubeObject] = MappingProxyType({})
_EPOCH = datetime.min.replace(tzinfo=UTC)


def _vmop_snapshot(o: Any) -> str:
    return str(o.spec.restore.virtual_machine_snapshot_name if o.spec.restore
               else o.metadata.annotations.get(ANN_VMOP_SNAPSHOT) or "")


# Reverse references, each computed once per View and namespace: relation → (kind id, key of an object).
_REFS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "vdsnapshot.disk": ("vdsnapshot", lambda o: o.spec.virtual_disk_name),
    "vdsnapshot.owner": ("vdsnapshot", lambda o: next(
        (r.uid for r in o.metadata.owner_references if r.kind == "VirtualMachineSnapshot"), "")),
    "vmsnapshot.vm": ("vmsnapshot", lambda o: o.spec.virtual_machine_name),
    "vmbda.vm": ("vmbda", lambda o: o.spec.virtual_machine_name),
    "vmop.vm": ("vmop", lambda o: o.spec.virtual_machine_name),
    "vmop.snapshot": ("vmop", _vmop_snapshot),
    "vmop.restore": ("vmop", lambda o: o.metadata.annotations.get(ANN_VMRESTORE)
                     or o.metadata.annotations.get(ANN_VMOPRESTORE) or ""),
    "vmsop.snapshot": ("vmsop", lambda o: o.spec.virtual_machine_snapshot_name),
    "vmrestore.snapshot": ("vmrestore", lambda o: o.spec.virtual_machine_snapshot_name),
}


def _chrono(o: KubeObject) -> tuple[datetime, str]:
    return (o.metadata.creation_timestamp or _EPOCH, o.metadata.name)


@dataclass(frozen=True, eq=False)
class View:
    """An immutable snapshot: kind id → {uid: projection} (the store's `Snapshot.kinds` fits as is).

    `loaded` names the kinds whose list is complete (readable and synced); None means every kind present in
    `objects`. A kind that is not loaded is unknown, not empty: nothing is called missing or orphaned for it.
    Indexes by (namespace, name) and by reference are built lazily, once per View.
    """

    objects: Mapping[str, Mapping[str, KubeObject]] = field(default_factory=dict)
    loaded: frozenset[str] | None = None
    _cache: dict[Any, Any] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def of(cls, objs: Iterable[KubeObject], loaded: Iterable[str] | None = None) -> View:
        kinds: dict[str, dict[str, KubeObject]] = {}
        for o in objs:
            kinds.setdefault(o.KIND, {})[o.uid] = o
        return cls(kinds, None if loaded is None else frozenset(loaded))

    def knows(self, kind_id: str) -> bool:
        return kind_id in (self.objects if self.loaded is None else self.loaded)

    def _names(self, kind_id: str) -> dict[tuple[str, str], KubeObject]:
        names = self._cache.get(kind_id)
        if names is None:
            names = self._cache[kind_id] = {(o.namespace, o.name): o for o in
                                            self.objects.get(kind_id, _NONE).values()}
        return cast(dict[tuple[str, str], KubeObject], names)

    def all(self, cls: type[T], namespace: str | None = None) -> list[T]:
        """Objects of a kind (in `namespace` when given), oldest first."""
        return cast(list[T], self._all(cls.KIND, namespace))

    def _all(self, kind_id: str, namespace: str | None) -> list[KubeObject]:
        buckets = self._cache.get(("ns", kind_id))
        if buckets is None:  # one pass per kind: namespace → objects, oldest first; None → all of them
            buckets = self._cache[("ns", kind_id)] = {None: sorted(self.objects.get(kind_id, _NONE).values(),
                                                                   key=_chrono)}
            for o in buckets[None]:
                buckets.setdefault(o.namespace, []).append(o)
        return cast(list[KubeObject], buckets.get(namespace, []))

    def get(self, cls: type[T], namespace: str, name: str) -> T | None:
        return cast(T | None, self._names(cls.KIND).get((namespace, name)))

    def by_uid(self, cls: type[T], uid: str) -> T | None:
        return cast(T | None, self.objects.get(cls.KIND, _NONE).get(uid))

    def refs(self, relation: str, namespace: str, key: str) -> list[KubeObject]:
        """Objects of a `_REFS` relation whose reference equals `key` (e.g. disk snapshots of a disk name)."""
        index = self._cache.get(("refs", relation, namespace))
        if index is None:
            kind_id, get = _REFS[relation]
            index = self._cache[("refs", relation, namespace)] = {}
            for o in self._all(kind_id, namespace):
                index.setdefault(get(o), []).append(o)
        return cast(list[KubeObject], index.get(key, []))


class DiskRef(NamedTuple):
    """A disk of a VM: `disk` is None when absent (missing, or disks are not readable)."""

    name: str
    disk: VirtualDisk | None
    hotplugged: bool
    attachment: str  # VMBDA name of a hot-plugged disk
    attached: bool | None  # live attachment as the VM reports it


def vm_disks(view: View, vm: VirtualMachine) -> list[DiskRef]:
    """Spec disks, then hot-plugged ones from `status.blockDeviceRefs`, then VMBDAs not yet reported."""
    found: dict[str, tuple[bool, str, bool | None]] = {}
    for r in vm.spec.block_device_refs:
        if r.kind == "VirtualDisk":
            found[r.name] = (False, "", None)
    for s in vm.status.block_device_refs:
        if s.kind == "VirtualDisk":
            found[s.name] = (s.hotplugged, s.virtual_machine_block_device_attachment_name, s.attached)
    for b in view.refs("vmbda.vm", vm.namespace, vm.name):
        ref = cast(VirtualMachineBlockDeviceAttachment, b).spec.block_device_ref
        if ref.kind == "VirtualDisk" and not found.get(ref.name, (False, "", None))[1]:
            found[ref.name] = (True, b.name, found.get(ref.name, (True, "", None))[2])
    return [DiskRef(n, view.get(VirtualDisk, vm.namespace, n), *v) for n, v in found.items()]


def disk_snapshots(view: View, namespace: str, disk_name: str) -> list[VirtualDiskSnapshot]:
    return cast(list[VirtualDiskSnapshot], view.refs("vdsnapshot.disk", namespace, disk_name))


def vm_snapshots(view: View, vm: VirtualMachine) -> list[VirtualMachineSnapshot]:
    """VM snapshots name their VM in `spec.virtualMachineName` (no owner reference: they outlive the VM)."""
    return cast(list[VirtualMachineSnapshot], view.refs("vmsnapshot.vm", vm.namespace, vm.name))


class ChildRef(NamedTuple):
    """A child disk snapshot of a VM snapshot; `snapshot` is None when absent (lost, or not readable)."""

    name: str
    snapshot: VirtualDiskSnapshot | None


def vmsnapshot_children(view: View, vms: VirtualMachineSnapshot) -> list[ChildRef]:
    """`status.virtualDiskSnapshotNames` in order, plus snapshots owned by it that are not listed yet."""
    out = [ChildRef(n, view.get(VirtualDiskSnapshot, vms.namespace, n))
           for n in vms.status.virtual_disk_snapshot_names]
    named = set(vms.status.virtual_disk_snapshot_names)
    out += [ChildRef(o.name, cast(VirtualDiskSnapshot, o))
            for o in view.refs("vdsnapshot.owner", vms.namespace, vms.uid) if o.name not in named]
    return out


def vmsnapshot_progress(view: View, vms: VirtualMachineSnapshot) -> tuple[int, int] | None:
    """(ready, total) child disk snapshots; None when the children are unknown."""
    children = vmsnapshot_children(view, vms)
    if not children or not view.knows("vdsnapshot"):
        return None
    return sum(1 for c in children if c.snapshot is not None and c.snapshot.phase == "Ready"), len(children)


def snapshot_owner(view: View, vds: VirtualDiskSnapshot) -> VirtualMachineSnapshot | None:
    ref = vds.owner("VirtualMachineSnapshot")
    return view.by_uid(VirtualMachineSnapshot, ref.uid) if ref is not None else None


def volume_snapshot(view: View, vds: VirtualDiskSnapshot) -> VolumeSnapshot | None:
    name = vds.status.volume_snapshot_name
    return view.get(VolumeSnapshot, vds.namespace, name) if name else None


def source_snapshot(view: View, disk: VirtualDisk) -> VirtualDiskSnapshot | None:
    """The snapshot a restored/cloned disk was made from (it may be gone: that is informational)."""
    ds = disk.spec.data_source
    if ds is not None and ds.object_ref is not None and ds.object_ref.kind == "VirtualDiskSnapshot":
        return view.get(VirtualDiskSnapshot, disk.namespace, ds.object_ref.name)
    return None


def restore_operations(view: View, restore: VirtualMachineRestore) -> list[VirtualMachineOperation]:
    """The Stop/Start VMOPs a VirtualMachineRestore created (annotated with its UID)."""
    return cast(list[VirtualMachineOperation], view.refs("vmop.restore", restore.namespace, restore.uid))


def snapshot_operations(view: View, vms: VirtualMachineSnapshot) -> list[KubeObject]:
    """Restores and clones that use a VM snapshot: VMOPs (Restore, Clone's own), VMSOPs, VMRestores."""
    ns, name = vms.namespace, vms.name
    ops = [*view.refs("vmop.snapshot", ns, name), *view.refs("vmsop.snapshot", ns, name),
           *view.refs("vmrestore.snapshot", ns, name)]
    return sorted(ops, key=_chrono)


def vm_operations(view: View, vm: VirtualMachine) -> list[VirtualMachineOperation]:
    """VMOPs of a VM, except the Stop/Start ones a VirtualMachineRestore in view created (shown under it)."""
    restores = {r.uid for r in view.all(VirtualMachineRestore, vm.namespace)}
    return [cast(VirtualMachineOperation, o) for o in view.refs("vmop.vm", vm.namespace, vm.name)
            if _REFS["vmop.restore"][1](o) not in restores]


def unattached_disks(view: View, namespace: str) -> list[VirtualDisk]:
    """Disks no VM uses: not attached, and referenced by no VM or VMBDA in view."""
    used = {r.name for vm in view.all(VirtualMachine, namespace) for r in vm_disks(view, vm)}
    return [d for d in view.all(VirtualDisk, namespace)
            if not d.status.attached_to_virtual_machines and d.name not in used]


def orphan_snapshots(view: View, namespace: str) -> list[KubeObject]:
    """VM snapshots whose VM is gone, and disk snapshots whose disk is gone and that belong to no VM snapshot.

    Only kinds that are loaded count: if VMs (or disks) cannot be read, nothing is called orphaned.
    """
    out: list[KubeObject] = []
    if view.knows("vm"):
        out += [s for s in view.all(VirtualMachineSnapshot, namespace)
                if view.get(VirtualMachine, namespace, s.spec.virtual_machine_name) is None]
    if view.knows("vd"):
        out += [s for s in view.all(VirtualDiskSnapshot, namespace)
                if view.get(VirtualDisk, namespace, s.spec.virtual_disk_name) is None
                and snapshot_owner(view, s) is None]
    return out


class ClassPrediction(NamedTuple):
    """The VolumeSnapshotClass the snapshot-controller will pick (cse+): `name`, or why it cannot tell."""

    name: str
    reason: str


def predict_snapshot_class(view: View, disk: VirtualDisk) -> ClassPrediction:
    sc_name = disk.status.storage_class_name or disk.spec.persistent_volume_claim.storage_class_name
    if not sc_name:
        return ClassPrediction("", "the disk has no storage class yet")
    if not (view.knows("sc") and view.knows("vsclass")):
        return ClassPrediction("", "cluster default for the disk's CSI driver")
    sc = view.get(StorageClass, "", sc_name)
    if sc is None:
        return ClassPrediction("", f'storage class "{sc_name}" not found')
    defaults = [c.name for c in view.all(VolumeSnapshotClass)
                if c.driver == sc.provisioner and c.metadata.annotations.get(ANN_VSCLASS_DEFAULT) == "true"]
    if len(defaults) == 1:
        return ClassPrediction(defaults[0], "")
    if not defaults:
        return ClassPrediction("", f"no default VolumeSnapshotClass for driver {sc.provisioner}")
    return ClassPrediction("", f"{len(defaults)} default VolumeSnapshotClasses for driver {sc.provisioner}")


@dataclass(frozen=True, slots=True)
class Node:
    """One row of the lineage tree. Rows come in display order; `parent` is the key of the parent row.

    `key` is the object's UID where it lives; a second appearance (a VM snapshot's child disk snapshot under
    its disk, a restore VMOP under its snapshot) is a `role="ref"` row keyed `<uid>@<parent key>`. Rows for
    objects that are named but absent have `payload=None` and `presence` "missing" (its kind is read and the
    object is gone) or "unknown" (its kind cannot be read). Group rows have kind "group" and a `label`.
    """

    key: str
    parent: str | None
    kind: str
    payload: KubeObject | None = None
    label: str = ""
    role: str = ""  # disks: "static" | "hotplug"; "ref" for a second appearance
    detail: str = ""  # e.g. the VMBDA of a hot-plugged disk
    presence: str = "present"

    @property
    def uid(self) -> str:
        return self.payload.uid if self.payload is not None else ""


class _Tree:
    def __init__(self, view: View, namespace: str) -> None:
        self.view, self.ns = view, namespace
        self.nodes: list[Node] = []
        self.placed: set[str] = set()

    def obj(self, o: KubeObject, parent: str | None, role: str = "", detail: str = "") -> str | None:
        """Add an object; returns its key if this is its home (children go there), None for a ref row."""
        if role == "ref" or o.uid in self.placed:
            self.nodes.append(Node(f"{o.uid}@{parent}", parent, o.KIND, o, o.name, "ref", detail))
            return None
        self.placed.add(o.uid)
        self.nodes.append(Node(o.uid, parent, o.KIND, o, o.name, role, detail))
        return o.uid

    def absent(self, kind: str, name: str, parent: str, role: str = "", detail: str = "") -> str:
        key = f"{parent}/{kind}/{name}"
        presence = "missing" if self.view.knows(kind) else "unknown"
        self.nodes.append(Node(key, parent, kind, None, name, role, detail, presence))
        return key

    def group(self, parent: str | None, gid: str, label: str) -> str:
        key = f"{parent or self.ns}/{gid}"
        self.nodes.append(Node(key, parent, "group", None, label))
        return key

    def section(self, parent: str | None, gid: str, label: str, items: list[Any],
                add: Callable[[Any, str], None]) -> None:
        """A group row with its items; at top level an item already placed by an earlier one is skipped."""
        if items:
            key = self.group(parent, gid, label)
            for item in items:
                if parent is not None or item.uid not in self.placed:
                    add(item, key)

    def disk(self, ref: DiskRef | VirtualDisk, parent: str) -> None:
        if isinstance(ref, VirtualDisk):
            ref = DiskRef(ref.name, ref, False, "", None)
        role = "hotplug" if ref.hotplugged else "static"
        key = (self.obj(ref.disk, parent, role, ref.attachment) if ref.disk is not None
               else self.absent("vd", ref.name, parent, role, ref.attachment))
        if key is not None:
            for s in disk_snapshots(self.view, self.ns, ref.name):
                self.obj(s, key, "ref" if snapshot_owner(self.view, s) is not None else "")

    def vm_snapshot(self, vms: VirtualMachineSnapshot, parent: str) -> None:
        key = self.obj(vms, parent)
        if key is None:
            return
        for child in vmsnapshot_children(self.view, vms):
            if child.snapshot is not None:
                self.obj(child.snapshot, key)
            else:
                self.absent("vdsnapshot", child.name, key)
        for op in snapshot_operations(self.view, vms):
            home_is_vm = isinstance(op, VirtualMachineOperation) and self.view.get(
                VirtualMachine, self.ns, op.spec.virtual_machine_name) is not None
            self.operation(op, key, "ref" if home_is_vm else "")

    def operation(self, op: KubeObject, parent: str, role: str = "") -> None:
        key = self.obj(op, parent, role)
        if key is not None and isinstance(op, VirtualMachineRestore):
            for sub in restore_operations(self.view, op):
                self.obj(sub, key)

    def vm(self, vm: VirtualMachine) -> None:
        key = self.obj(vm, None)
        if key is None:
            return
        self.section(key, "disks", "Disks", vm_disks(self.view, vm), self.disk)
        self.section(key, "snapshots", "Snapshots", vm_snapshots(self.view, vm), self.vm_snapshot)
        self.section(key, "operations", "Operations", vm_operations(self.view, vm), self.operation)

    def left(self, objs: Iterable[KubeObject], keep: set[str] | None = None, inside: bool = True,
             ) -> list[KubeObject]:
        """Objects not placed yet, optionally only those (not) in `keep`."""
        return [o for o in objs if o.uid not in self.placed and (keep is None or (o.uid in keep) == inside)]

    def rest(self) -> None:
        v, ns = self.view, self.ns
        disks, free = v.all(VirtualDisk, ns), {d.uid for d in unattached_disks(v, ns)}
        self.section(None, "unattached", "Unattached disks", self.left(disks, free), self.disk)
        self.section(None, "other-disks", "Other disks", self.left(disks, free, inside=False), self.disk)
        snaps = [*v.all(VirtualMachineSnapshot, ns), *v.all(VirtualDiskSnapshot, ns)]
        orphans = {o.uid for o in orphan_snapshots(v, ns)}
        self.section(None, "orphans", "Orphaned snapshots", self.left(snaps, orphans), self.snapshot)
        self.section(None, "other-snapshots", "Other snapshots", self.left(snaps, orphans, inside=False),
                     self.snapshot)
        ops = sorted([*v.all(VirtualMachineOperation, ns), *v.all(VirtualMachineSnapshotOperation, ns),
                      *v.all(VirtualMachineRestore, ns)], key=_chrono)
        self.section(None, "other-operations", "Other operations", self.left(ops), self.operation)

    def snapshot(self, s: KubeObject, parent: str) -> None:
        if isinstance(s, VirtualMachineSnapshot):
            self.vm_snapshot(s, parent)
        else:
            self.obj(s, parent)


def tree(view: View, namespace: str) -> list[Node]:
    """The lineage tree of one namespace in display order: VMs (by name) with their disks, snapshots and
    operations; then unattached disks, orphaned snapshots and anything else not placed yet. Every object of
    these kinds appears exactly once as a home row; kinds the user cannot read simply add no rows."""
    t = _Tree(view, namespace)
    for vm in sorted(view.all(VirtualMachine, namespace), key=lambda v: v.name):
        t.vm(vm)
    t.rest()
    return t.nodes


def namespaces(view: View) -> list[str]:
    """Namespaces that hold at least one object, sorted."""
    return sorted({o.namespace for objs in view.objects.values() for o in objs.values() if o.namespace})
