"""Preflight of the in-place restore wizard (VirtualMachineOperation Restore, dvp-api §7.3, §3.4)."""

from __future__ import annotations

from tui.kube.capabilities import Capabilities
from tui.kube.contents import Payload, snapshot_items, stored_address
from tui.kube.findings import Finding, Level, blocker, ok, warning
from tui.kube.names import SECRET, VD, VMBDA, VMIP, VMMAC, Item
from tui.kube.objects import (
    VirtualDisk,
    VirtualMachine,
    VirtualMachineBlockDeviceAttachment,
    VirtualMachineIPAddress,
    VirtualMachineMACAddress,
    VirtualMachineSnapshot,
)
from tui.kube.relations import View
from tui.kube.restore_checks import LIVE, address_holder, address_user, mounted_by_other
from tui.kube.supersede import operation_conflict

RESTORABLE_PHASES = ("Stopped", "Running", "Pending")


def _conflict(view: View, snap: VirtualMachineSnapshot, it: Item, vm: str, mode: str, payload: Payload | None,
              ) -> str:
    """The controller's per-object validation (v1.10 wording, `status.resources`); "" when valid."""
    ns, n = snap.namespace, it.name
    cur = view.get(LIVE[it.kind], ns, n)
    if isinstance(cur, VirtualDisk):
        return f'the virtual disk "{n}" already in use' if mounted_by_other(cur, vm) else ""
    if isinstance(cur, VirtualMachineBlockDeviceAttachment):
        return "" if cur.spec.virtual_machine_name == vm else f'the virtual machine block device attachment "{n}" ' \
                                                              "already in use"
    if it.kind in (VMIP, VMMAC):
        address = stored_address(view, snap, it, payload)
        other = address_holder(view, it.kind, ns, address, n) if address else None
        if other is not None and address_user(other) not in (None, "", vm):
            if it.kind == VMIP:
                return (f'the IP Address "{address}" cannot be used for restore: it is taken by '
                        f"VirtualMachineIPAddress/{other.name} and already in use by the different virtual machine")
            return (f'the MAC address "{address}" cannot be used for the restore: it is taken by '
                    f'VirtualMachineMACAddress/"{other.name}" and already in use by the different virtual machine')
        if isinstance(cur, VirtualMachineIPAddress | VirtualMachineMACAddress) and address_user(cur) not in (
                None, "", vm):
            word = "ip" if it.kind == VMIP else "MAC"
            return (f'the virtual machine {word} address "{n}" is already in use and cannot be used for the restored '
                    "virtual machine")
        return ""
    if it.kind == SECRET and mode != "BestEffort" and payload is not None and payload.secret_differs.get(n):
        return f'the provisioner secret "{n}" the secret has different data'
    return ""


def _target(view: View, caps: Capabilities, snapshot: VirtualMachineSnapshot) -> tuple[VirtualMachine | None,
                                                                                         list[Finding]]:
    name = snapshot.spec.virtual_machine_name
    vm = view.get(VirtualMachine, snapshot.namespace, name)
    if vm is not None:
        return vm, []
    if not view.knows("vm"):
        return None, [warning("vm-unknown", f'VM "{name}" cannot be read: its state is not checked.')]
    instead = ("create a new VM from the snapshot (VirtualMachineSnapshotOperation)" if caps.create_from_snapshot
               else "restore it with VirtualMachineRestore")
    return None, [blocker("vm-missing", f'VM "{name}" does not exist — an in-place restore is impossible '
                                        f"(VirtualMachine not found); {instead} instead.")]


def check_inplace_restore(view: View, caps: Capabilities, snapshot: VirtualMachineSnapshot, *, mode: str = "DryRun",
                          payload: Payload | None = None) -> list[Finding]:
    """§7.3: restore the VM recorded in the snapshot in place (its current disks are replaced)."""
    if not caps.in_place_restore:
        return [blocker("unsupported", "VirtualMachineOperation Restore is not served on this cluster: use "
                                       "VirtualMachineRestore.")]
    out: list[Finding] = []
    if snapshot.phase != "Ready":
        out.append(blocker("snapshot-not-ready", f'Snapshot "{snapshot.name}" is {snapshot.phase or "Pending"} — the '
                                                 "operation would fail at once: Restore is failed: virtual machine "
                                                 f'snapshot "{snapshot.name}" is not ready to use'))
    vm, found = _target(view, caps, snapshot)
    out += found
    if vm is None:
        return out
    phase = vm.phase or "Pending"
    if phase not in RESTORABLE_PHASES:
        out.append(blocker("vm-phase", f"Operation type Restore is not applicable for VirtualMachine in phase {phase}"))
    out += operation_conflict(view, caps, vm.namespace, vm.name, "Restore")
    born, taken = vm.metadata.creation_timestamp, snapshot.metadata.creation_timestamp
    if born is not None and taken is not None and born > taken:
        out.append(blocker("vm-newer-than-snapshot", f'VM "{vm.name}" was created after the snapshot: it is another VM '
                                                     "with the same name (DVP does not check the UID)."))
    items, complete = snapshot_items(view, snapshot)
    level: Level = "warning" if mode == "DryRun" else "blocker"
    for it in items:
        if it.kind in LIVE and (msg := _conflict(view, snapshot, it, vm.name, mode, payload)):
            out.append(Finding(level, "conflict", f"{it.kind} {it.name}: {msg}"))
    if complete:
        kept = {it.name for it in items if it.kind == VMBDA}
        gone = [b.name for b in view.all(VirtualMachineBlockDeviceAttachment, vm.namespace)
                if b.spec.virtual_machine_name == vm.name and b.name not in kept]
        if gone:
            out.append(warning("vmbdas-removed", f"Hot-plug attachments not in the snapshot will be removed: "
                                                 f"{', '.join(gone)}."))
    out += _mode(caps, vm, snapshot, mode, [it.name for it in items if it.kind == VD])
    return out


def _mode(caps: Capabilities, vm: VirtualMachine, snapshot: VirtualMachineSnapshot, mode: str, disks: list[str],
          ) -> list[Finding]:
    if mode == "DryRun":
        empty = " (a successful DryRun lists nothing on this cluster: only failures are listed)" if (
            caps.in_place_restore and not caps.clone) else ""
        return [ok("dry-run", "DryRun only validates: nothing is stopped or changed; the verdict per object is in "
                              f"status.resources{empty}.")]
    current = ", ".join(disks) or "none"
    out = [warning("destructive", f'VM "{vm.name}" will be stopped and its current disks ({current}) '
                                  f'deleted and recreated from snapshot "{snapshot.name}": data written after the '
                                  "snapshot is lost. Type the VM name to confirm.")]
    if mode == "BestEffort":
        out.append(warning("best-effort", "BestEffort drops missing VirtualImage/ClusterVirtualImage block devices "
                                          "from the VM and keeps an existing provisioning Secret whose data differs."))
    elif not caps.clone:
        out.append(ok("strict", "Strict fails if an image the VM references no longer exists."))
    else:
        out.append(ok("strict", "Strict keeps references to images that no longer exist: the VM may then stay "
                                "Pending."))
    return out
