"""What a VM or a VM snapshot consists of: the objects a restore or clone recreates and their pinned addresses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tui.kube.names import SECRET, VD, VM, VMBDA, VMIP, VMMAC, Item
from tui.kube.objects import (
    VirtualMachine,
    VirtualMachineIPAddress,
    VirtualMachineMACAddress,
    VirtualMachineSnapshot,
)
from tui.kube.relations import View, vm_disks, vmsnapshot_children


@dataclass(frozen=True)
class Payload:
    """What only the snapshot Secret tells; filled when the user asked to read it and may `get secrets`."""

    addresses: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (kind, name) → pinned address, "" Auto
    secret_differs: Mapping[str, bool] = field(default_factory=dict)  # provisioning Secret → live data differs


def provisioning_secret(vm: VirtualMachine) -> str:
    """The provisioning Secret a snapshot stores (userDataRef or sysprepRef of kind Secret)."""
    p = vm.spec.provisioning
    for ref in (p.user_data_ref, p.sysprep_ref) if p is not None else ():
        if ref is not None and ref.kind == "Secret" and ref.name:
            return ref.name
    return ""


def vm_items(view: View, vm: VirtualMachine) -> list[Item]:
    """The objects a clone of a live VM recreates, in the order of a snapshot's `status.resources`: the VM,
    its VMIP, the provisioning Secret, then per block device its VMBDA (if hot-plugged) and the VirtualDisk."""
    out = [Item(VM, vm.name)]
    if ip := vm.status.virtual_machine_ip_address_name or vm.spec.virtual_machine_ip_address_name:
        out.append(Item(VMIP, ip))
    if secret := provisioning_secret(vm):
        out.append(Item(SECRET, secret))
    if vm.status.block_device_refs:
        for r in vm.status.block_device_refs:
            if r.hotplugged and r.virtual_machine_block_device_attachment_name:
                out.append(Item(VMBDA, r.virtual_machine_block_device_attachment_name))
            if r.kind == "VirtualDisk":
                out.append(Item(VD, r.name))
    else:  # no status yet: what the spec and the VMBDAs promise
        for d in vm_disks(view, vm):
            out += [Item(VMBDA, d.attachment)] if d.attachment else []
            out.append(Item(VD, d.name))
    return out


def snapshot_items(view: View, snapshot: VirtualMachineSnapshot) -> tuple[list[Item], bool]:
    """The objects a snapshot recreates and whether the list is complete: `status.resources` when present,
    else only the VM and its disks (from the child disk snapshots)."""
    if snapshot.status.resources:
        return [Item(r.kind, r.name) for r in snapshot.status.resources], True
    out = [Item(VM, snapshot.spec.virtual_machine_name)]
    tail = f"-{snapshot.uid}"
    for child in vmsnapshot_children(view, snapshot):
        if child.snapshot is not None:
            out.append(Item(VD, child.snapshot.spec.virtual_disk_name))
        elif child.name.endswith(tail):
            out.append(Item(VD, child.name.removesuffix(tail)))
    return out, False


def stored_address(view: View, snapshot: VirtualMachineSnapshot, item: Item, payload: Payload | None) -> str | None:
    """The address a stored VMIP/VMMAC pins ("" for an Auto VMIP, None when it cannot be told). Without the
    payload it is inferred from the live object of the same name: keepIPAddress Always stores the current
    address as Static; MACs are always pinned to their current address."""
    if payload is not None and (item.kind, item.name) in payload.addresses:
        return payload.addresses[(item.kind, item.name)]
    ns = snapshot.namespace
    if item.kind == VMMAC:
        mac = view.get(VirtualMachineMACAddress, ns, item.name)
        return (mac.status.address or mac.spec.address or None) if mac is not None else None
    if item.kind != VMIP:
        return None
    ip = view.get(VirtualMachineIPAddress, ns, item.name)
    if ip is None:
        return None
    if (snapshot.spec.keep_ip_address or "Always") == "Always":
        return ip.status.address or None
    return ip.spec.static_ip if ip.spec.type == "Static" else ""
