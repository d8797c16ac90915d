"""Snapshot inventory hygiene (pure): stuck, failed, orphaned and inconsistent snapshots; count and age per VM."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from tui.kube.display import parse_time, why_line
from tui.kube.objects import KubeObject, VirtualDisk, VirtualDiskSnapshot, VirtualMachine, VirtualMachineSnapshot
from tui.kube.relations import View, orphan_snapshots, snapshot_owner

STUCK_AFTER = 600.0  # seconds in Pending/InProgress (or Terminating) before a snapshot counts as stuck
ISSUES = ("stuck", "failed", "orphan", "recreated", "inconsistent")


class Problem(NamedTuple):
    """One snapshot with everything wrong with it (keyed by UID, so rows can be marked and deleted)."""

    kind_id: str
    uid: str
    namespace: str
    name: str
    vm: str  # the VM it belongs to ("" when unknown)
    phase: str
    issues: tuple[str, ...]
    detail: str
    age: float  # seconds since creation


class PerVM(NamedTuple):
    """Snapshot count and ages of one VM (VM snapshots, and disk snapshots of its disks)."""

    vm: str
    exists: bool
    vm_snapshots: int
    disk_snapshots: int
    oldest: float | None
    newest: float | None


def _age(obj: KubeObject, now: datetime) -> float:
    ts = obj.metadata.creation_timestamp
    return max(0.0, (now - ts).total_seconds()) if ts is not None else 0.0


def snapshot_vm(view: View, obj: KubeObject) -> str:
    """The VM a snapshot belongs to: named in a VM snapshot, the owner's VM, or the disk's VM."""
    if isinstance(obj, VirtualMachineSnapshot):
        return obj.spec.virtual_machine_name
    if isinstance(obj, VirtualDiskSnapshot):
        owner = snapshot_owner(view, obj)
        if owner is not None:
            return owner.spec.virtual_machine_name
        disk = view.get(VirtualDisk, obj.namespace, obj.spec.virtual_disk_name)
        vms = [a.name for a in disk.status.attached_to_virtual_machines] if disk is not None else []
        return vms[0] if len(vms) == 1 else ""
    return ""


def _snapshots(view: View, namespace: str | None) -> Iterable[KubeObject]:
    yield from view.all(VirtualMachineSnapshot, namespace)
    yield from view.all(VirtualDiskSnapshot, namespace)


def _recreated(view: View, obj: KubeObject) -> bool:
    """A VM snapshot whose VM was created after it: a different VM under the same name."""
    if not isinstance(obj, VirtualMachineSnapshot):
        return False
    vm = view.get(VirtualMachine, obj.namespace, obj.spec.virtual_machine_name)
    made, taken = (vm.metadata.creation_timestamp if vm else None), obj.metadata.creation_timestamp
    return made is not None and taken is not None and made > taken


def problems(view: View, namespace: str | None, now: datetime, stuck_after: float = STUCK_AFTER) -> list[Problem]:
    """Every snapshot with at least one issue, oldest first."""
    orphans = {o.uid for o in orphan_snapshots(view, namespace)} if namespace is not None else {
        o.uid for ns in {s.namespace for s in _snapshots(view, None)} for o in orphan_snapshots(view, ns)}
    out = []
    for obj in _snapshots(view, namespace):
        issues, notes = [], []
        why = why_line(obj)
        age, phase = _age(obj, now), obj.phase or "Pending"
        if obj.deleting:
            gone_since = parse_time(obj.metadata.deletion_timestamp)
            if gone_since is not None and (now - gone_since).total_seconds() > stuck_after:
                issues.append("stuck")
                notes.append(f"Terminating for {int((now - gone_since).total_seconds()) // 60} min "
                             f"({int(obj.metadata.finalizer_count)} finalizer(s) left)")
            phase = "Terminating"
        elif phase in ("Pending", "InProgress") and age > stuck_after:
            issues.append("stuck")
            notes.append(f"{phase} for {int(age) // 60} min" + (f": {why.text}" if why else ""))
        if phase == "Failed":
            issues.append("failed")
            notes.append(": ".join(p for p in ((why.reason, why.message) if why else ()) if p) or "Failed")
        if obj.uid in orphans:
            issues.append("orphan")
            notes.append("its VM is gone" if isinstance(obj, VirtualMachineSnapshot) else "its disk is gone")
        if _recreated(view, obj):
            issues.append("recreated")
            notes.append("its VM was recreated after it (a different VM of the same name)")
        if phase == "Ready" and isinstance(obj, VirtualDiskSnapshot | VirtualMachineSnapshot) \
                and not obj.status.consistent:
            issues.append("inconsistent")
            notes.append("not guaranteed consistent")
        if issues:
            out.append(Problem(obj.KIND, obj.uid, obj.namespace, obj.name, snapshot_vm(view, obj), phase,
                               tuple(issues), "; ".join(notes), age))
    return out


def per_vm(view: View, namespace: str | None, now: datetime) -> list[PerVM]:
    """Count and age of the snapshots per VM (VMs without snapshots included, VMs that are gone too)."""
    ages: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for vm in view.all(VirtualMachine, namespace):
        ages.setdefault((vm.namespace, vm.name), [])
    for obj in _snapshots(view, namespace):
        name = snapshot_vm(view, obj)
        if name and not (isinstance(obj, VirtualDiskSnapshot) and snapshot_owner(view, obj) is not None):
            ages.setdefault((obj.namespace, name), []).append((obj.KIND, _age(obj, now)))
    out = []
    for (ns, name), items in sorted(ages.items()):
        values = [a for _, a in items]
        out.append(PerVM(name, view.get(VirtualMachine, ns, name) is not None,
                         sum(1 for k, _ in items if k == "vmsnapshot"), sum(1 for k, _ in items if k == "vdsnapshot"),
                         max(values) if values else None, min(values) if values else None))
    return out
