"""Pure: the objects related to one object (for the detail view), over a relations.View."""

from __future__ import annotations

from typing import NamedTuple

from tui.kube import kinds
from tui.kube.objects import (
    KubeObject,
    PersistentVolumeClaim,
    Secret,
    VirtualDisk,
    VirtualDiskSnapshot,
    VirtualMachine,
    VirtualMachineBlockDeviceAttachment,
    VirtualMachineIPAddress,
    VirtualMachineOperation,
    VirtualMachineRestore,
    VirtualMachineSnapshot,
    VirtualMachineSnapshotOperation,
)
from tui.kube.relations import (
    View,
    disk_snapshots,
    restore_operations,
    snapshot_operations,
    snapshot_owner,
    source_snapshot,
    vm_disks,
    vm_operations,
    vm_snapshots,
    vmsnapshot_children,
    volume_snapshot,
)


class Related(NamedTuple):
    """One related object: how it relates, its kind id and name, and the projection if it is in view."""

    relation: str
    kind: str
    name: str
    obj: KubeObject | None


def _by_name(view: View, cls: type[KubeObject], namespace: str, name: str, relation: str) -> list[Related]:
    if not name:
        return []
    return [Related(relation, cls.KIND, name, view.get(cls, namespace, name))]


def _objs(relation: str, objs: list[KubeObject] | list[VirtualMachineSnapshot] | list[VirtualDiskSnapshot]
          | list[VirtualMachineOperation]) -> list[Related]:
    return [Related(relation, o.KIND, o.name, o) for o in objs]


def related(view: View, obj: KubeObject) -> list[Related]:
    """What the detail view lists under "Related", with Enter to jump to each present one."""
    ns = obj.namespace
    out: list[Related] = []
    if isinstance(obj, VirtualMachine):
        for d in vm_disks(view, obj):
            how = f"hot-plugged via {d.attachment}" if d.hotplugged and d.attachment else (
                "hot-plugged disk" if d.hotplugged else "disk")
            out.append(Related(how, "vd", d.name, d.disk))
        out += _objs("snapshot", vm_snapshots(view, obj))
        out += _objs("operation", vm_operations(view, obj))
        out += _objs("attachment", view.refs("vmbda.vm", ns, obj.name))
        ip = obj.status.virtual_machine_ip_address_name or obj.spec.virtual_machine_ip_address_name
        out += _by_name(view, VirtualMachineIPAddress, ns, ip, "IP address")
    elif isinstance(obj, VirtualDisk):
        out += [Related("mounted by" if a.mounted else "attached to", "vm", a.name,
                        view.get(VirtualMachine, ns, a.name)) for a in obj.status.attached_to_virtual_machines]
        out += _objs("snapshot", disk_snapshots(view, ns, obj.name))
        src = obj.spec.data_source
        if src is not None and src.object_ref is not None and src.object_ref.kind == "VirtualDiskSnapshot":
            out.append(Related("made from", "vdsnapshot", src.object_ref.name, source_snapshot(view, obj)))
        out += _by_name(view, PersistentVolumeClaim, ns, obj.status.target.persistent_volume_claim_name, "PVC")
    elif isinstance(obj, VirtualDiskSnapshot):
        out += _by_name(view, VirtualDisk, ns, obj.spec.virtual_disk_name, "disk")
        owner = snapshot_owner(view, obj)
        ref = obj.owner("VirtualMachineSnapshot")
        if ref is not None:
            out.append(Related("part of", "vmsnapshot", owner.name if owner else ref.name, owner))
        vs = volume_snapshot(view, obj)
        if obj.status.volume_snapshot_name:
            out.append(Related("volume snapshot", "vs", obj.status.volume_snapshot_name, vs))
    elif isinstance(obj, VirtualMachineSnapshot):
        out += _by_name(view, VirtualMachine, ns, obj.spec.virtual_machine_name, "VM")
        out += [Related("disk snapshot", "vdsnapshot", c.name, c.snapshot) for c in vmsnapshot_children(view, obj)]
        out += _objs("used by", snapshot_operations(view, obj))
        secret = obj.status.virtual_machine_snapshot_secret_name
        out += _by_name(view, Secret, ns, secret, "payload secret (never decoded)")
    elif isinstance(obj, VirtualMachineOperation):
        out += _by_name(view, VirtualMachine, ns, obj.spec.virtual_machine_name, "VM")
        if obj.spec.restore is not None:
            out += _by_name(view, VirtualMachineSnapshot, ns, obj.spec.restore.virtual_machine_snapshot_name,
                            "restores from")
    elif isinstance(obj, VirtualMachineSnapshotOperation):
        out += _by_name(view, VirtualMachineSnapshot, ns, obj.spec.virtual_machine_snapshot_name, "snapshot")
    elif isinstance(obj, VirtualMachineRestore):
        out += _by_name(view, VirtualMachineSnapshot, ns, obj.spec.virtual_machine_snapshot_name, "snapshot")
        out += _objs("operation", restore_operations(view, obj))
    elif isinstance(obj, VirtualMachineBlockDeviceAttachment):
        out += _by_name(view, VirtualMachine, ns, obj.spec.virtual_machine_name, "VM")
        if obj.spec.block_device_ref.kind == "VirtualDisk":
            out += _by_name(view, VirtualDisk, ns, obj.spec.block_device_ref.name, "disk")
    known = {(r.kind, r.name) for r in out}
    for ref in obj.metadata.owner_references:
        kind = kinds.by_kind(ref.kind)
        if kind is not None and (kind.id, ref.name) not in known:
            found = view.objects.get(kind.id, {}).get(ref.uid)
            out.append(Related("owner", kind.id, ref.name, found))
    return out

