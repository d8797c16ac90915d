"""What goes with a deleted snapshot (children, VolumeSnapshots, payload Secret) and how it must be confirmed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from tui.kube.objects import KubeObject, VirtualDiskSnapshot, VirtualMachineSnapshot, VolumeSnapshotClass
from tui.kube.relations import View, snapshot_owner, vmsnapshot_children, volume_snapshot

DELETABLE = ("vdsnapshot", "vmsnapshot")


class Target(NamedTuple):
    """One object to delete, pinned by UID (the DELETE carries it as a precondition)."""

    kind_id: str
    namespace: str
    name: str
    uid: str


def target(obj: KubeObject) -> Target:
    return Target(obj.KIND, obj.namespace, obj.name, obj.uid)


def _volume_snapshot_line(view: View, vds: VirtualDiskSnapshot, indent: str) -> list[str]:
    name = vds.status.volume_snapshot_name
    if not name:
        return []
    vs = volume_snapshot(view, vds)
    cls = view.get(VolumeSnapshotClass, "", vs.spec.volume_snapshot_class_name) if vs is not None else None
    retain = cls is not None and cls.deletion_policy == "Retain"
    data = ("the storage snapshot is KEPT (class deletionPolicy Retain)" if retain
            else "and with it the storage snapshot (unless its class retains it)")
    return [f"{indent}VolumeSnapshot {name} — {data}"]


def goes_with(view: View, obj: KubeObject) -> list[str]:
    """Lines saying what disappears with `obj` and what else it breaks (dvp-api §3.8)."""
    out: list[str] = []
    if isinstance(obj, VirtualMachineSnapshot):
        children = vmsnapshot_children(view, obj)
        for c in children:
            state = c.snapshot.phase if c.snapshot is not None else "not found"
            out.append(f"VirtualDiskSnapshot {c.name} ({state}) — owned by it, deleted with it")
            if c.snapshot is not None:
                out += _volume_snapshot_line(view, c.snapshot, "  ")
        if not children:
            out.append("no child disk snapshots (the VM had no disks, or none were taken yet)")
        secret = obj.status.virtual_machine_snapshot_secret_name
        if secret:
            out.append(f"Secret {secret} — the payload (VM manifest, IP, provisioning data), deleted with it")
        out.append("Restores and clones from this snapshot become impossible.")
    elif isinstance(obj, VirtualDiskSnapshot):
        out += _volume_snapshot_line(view, obj, "")
        if not obj.status.volume_snapshot_name:
            out.append("no VolumeSnapshot yet")
        owner = snapshot_owner(view, obj)
        if owner is not None:
            turns = " turns Failed (VirtualDiskSnapshotLost)" if owner.phase == "Ready" else " loses this disk"
            out.append(f"VirtualMachineSnapshot {owner.name} owns it:{turns}.")
        out.append("Disks restored from it keep their data.")
    return out


def typed_confirmation(targets: Sequence[Target]) -> str:
    """The text the user must type: the VM snapshot's name, `delete <n>` for a bulk delete, "" for one disk
    snapshot (a plain confirmation with Cancel focused is enough)."""
    if len(targets) > 1:
        return f"delete {len(targets)}"
    if targets and targets[0].kind_id == "vmsnapshot":
        return targets[0].name
    return ""

