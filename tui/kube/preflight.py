"""Preflight of the snapshot wizards: will this disk or VM snapshot wait, fail or succeed here, and why."""

from __future__ import annotations

from collections.abc import Mapping

from tui.kube import snapshot_classes as classes
from tui.kube.capabilities import Capabilities
from tui.kube.display import disk_flags, is_true, vm_flags
from tui.kube.findings import Finding, blocker, failed_snapshots, name_findings, ok, precondition, warning
from tui.kube.objects import (
    PersistentVolumeClaim,
    VirtualDisk,
    VirtualDiskSnapshot,
    VirtualMachine,
    VirtualMachineSnapshot,
)
from tui.kube.relations import DiskRef, View, vm_disks
from tui.kube.wizard_rules import Rules, rules_for

__all__ = ["Finding", "check_disk_snapshot", "check_vm_snapshot", "name_findings", "vm_readiness", "vm_snapshot_disks"]

IMAGE_KINDS = ("VirtualImage", "ClusterVirtualImage")
ALTERNATIVES = (" Alternatives: turn requiredConsistency off (a crash-consistent snapshot: writes still in the "
                "guest's memory are lost and the file system may need a repair after a restore), or stop the VM.")


def _disk_state(view: View, rules: Rules, disk: VirtualDisk) -> list[Finding]:
    """§7.1 check 1: exists, Ready, not resizing, not migrating, not deleting; PVC Bound if readable."""
    vd = disk.name
    wait = f'Waiting for the virtual disk "{vd}" to be ready for snapshotting.'
    fail = f'Cannot take a snapshot: the virtual disk "{vd}" is not ready.'
    flags, migrating = disk_flags(disk), disk.phase == "Migrating" or is_true(disk.condition("Migrating"))
    if disk.deleting:
        return [precondition(rules, "disk-deleting", f'Disk "{vd}" is being deleted', wait=wait, fail=fail)]
    if flags.resizing or disk.phase == "Resizing":
        return [precondition(rules, "disk-resizing", f'Disk "{vd}" is being resized (The virtual disk cannot be '
                             "selected for snapshotting as it is currently resizing.)", wait=wait, fail=fail)]
    if migrating:
        return [precondition(rules, "disk-migrating", f'Disk "{vd}" is being migrated (The virtual disk cannot be '
                             "selected for snapshotting as it is currently being migrated.)", wait=wait, fail=fail)]
    if disk.phase != "Ready":
        return [precondition(rules, "disk-not-ready", f'Disk "{vd}" is {disk.phase or "not provisioned yet"}, not '
                             "Ready", wait=wait, fail=fail)]
    pvc_name = disk.status.target.persistent_volume_claim_name
    pvc = view.get(PersistentVolumeClaim, disk.namespace, pvc_name) if pvc_name else None
    if pvc is not None and pvc.status.phase != "Bound":
        return [precondition(rules, "pvc-not-bound", f'PVC "{pvc_name}" of disk "{vd}" is {pvc.status.phase or "new"}',
                             wait="Waiting for the virtual disk's pvc to be in phase Bound.",
                             fail=f'Cannot take a snapshot: the persistent volume claim "{pvc_name}" for virtual '
                                  f'disk "{vd}" is not in phase Bound.')]
    return [ok("disk-ready", f'Disk "{vd}" is Ready.')]


def _disk_consistency(view: View, rules: Rules, disk: VirtualDisk, vm_name: str, required: bool) -> list[Finding]:
    """§7.1 check 3: a running VM can be frozen only with a ready guest agent."""
    vd, vm = disk.name, view.get(VirtualMachine, disk.namespace, vm_name)
    if vm is None:
        return [warning("vm-unknown", f'Disk "{vd}" is attached to VM "{vm_name}", which cannot be read: its power '
                                      "state and guest agent are not checked.")]
    flags, phase = vm_flags(vm), vm.phase or "Pending"
    if phase == "Stopped":
        return [ok("vm-stopped", f'VM "{vm_name}" is Stopped: the snapshot will be consistent.')]
    if flags.frozen:
        return [ok("vm-frozen", f'VM "{vm_name}" is frozen by another snapshot: this one will be consistent too.')]
    if phase == "Running" and flags.agent:
        out = [ok("agent-ready", f'VM "{vm_name}" is Running with a ready guest agent: its file system is frozen '
                                 "for a moment and the snapshot is consistent.")]
        if not required:
            out.append(ok("freeze-anyway", "The file system is frozen whenever the agent answers, even with "
                                           "requiredConsistency off: the result is usually consistent anyway."))
        return out
    if not required:
        return [warning("crash-consistent", f'VM "{vm_name}" is {phase} and cannot be frozen: with requiredConsistency '
                                            "off the snapshot is taken anyway, crash-consistent (status.consistent "
                                            "stays empty).")]
    if not flags.agent:
        f = precondition(rules, "agent-not-ready", f'VM "{vm_name}" is {phase} and its guest agent is not ready, so '
                         "its file system cannot be frozen",
                         wait=f'The virtual machine "{vm_name}" with an attached virtual disk "{vd}" is {phase}: the '
                              "snapshotting of virtual disk might result in an inconsistent snapshot: virtual machine "
                              "agent is not ready and virtual machine cannot be frozen: waiting for virtual machine "
                              "agent to be ready, or virtual machine will stop",
                         fail=f'Cannot take a consistent snapshot of virtual disk "{vd}" attached to virtual machine '
                              f'"{vm_name}": virtual machine agent is not ready and the virtual machine cannot be '
                              "frozen.")
    else:
        f = precondition(rules, "vm-not-freezable", f'VM "{vm_name}" is {phase}, so its file system cannot be frozen',
                         wait=f'The virtual machine "{vm_name}" with an attached virtual disk "{vd}" is {phase}: the '
                              "snapshotting of virtual disk might result in an inconsistent snapshot: waiting for the "
                              "virtual machine to be Stopped or the disk to be detached",
                         fail=f'Cannot take a consistent snapshot of virtual disk "{vd}" attached to virtual machine '
                              f'"{vm_name}".')
    return [f._replace(message=f.message + ALTERNATIVES)]


def check_disk_snapshot(view: View, caps: Capabilities, disk: VirtualDisk, *, name: str,
                        required_consistency: bool = True, snapshot_class: str = "") -> list[Finding]:
    """§7.1: the VirtualDiskSnapshot wizard's pre-checks, worded for this generation."""
    rules = rules_for(caps)
    out = name_findings(view, VirtualDiskSnapshot, "virtualdisksnapshots", disk.namespace, name)
    out += _disk_state(view, rules, disk)
    vms = [a.name for a in disk.status.attached_to_virtual_machines]
    vm_name = vms[0] if len(vms) == 1 else ""
    if len(vms) > 1:
        end = "" if rules.explicit_class else "."
        out.append(blocker("disk-multiple-vms", f'The virtual disk "{disk.name}" is attached to multiple virtual '
                                                f"machines{end} ({', '.join(vms)}) — the snapshot fails on every "
                                                "generation."))
    elif vm_name:
        out += _disk_consistency(view, rules, disk, vm_name, required_consistency)
    else:
        out.append(ok("disk-detached", f'Disk "{disk.name}" is not attached to a VM: the snapshot will be consistent.'))
    vm = view.get(VirtualMachine, disk.namespace, vm_name) if vm_name else None
    siblings = [r.name for r in vm_disks(view, vm)] if vm is not None else [disk.name]
    out += failed_snapshots(view, rules, disk.namespace, siblings, vm_name, this_disk=disk.name)
    out += classes.disk_class(view, rules, disk, snapshot_class)
    return out


def vm_snapshot_disks(view: View, vm: VirtualMachine) -> list[DiskRef]:
    """Exactly the disks a VM snapshot takes: every VirtualDisk in `status.blockDeviceRefs` (static and
    hot-plugged, in that order); images are never snapshotted."""
    return [DiskRef(r.name, view.get(VirtualDisk, vm.namespace, r.name), r.hotplugged,
                    r.virtual_machine_block_device_attachment_name, r.attached)
            for r in vm.status.block_device_refs if r.kind == "VirtualDisk"]


def _vm_state(view: View, rules: Rules, vm: VirtualMachine, disks: list[DiskRef]) -> list[Finding]:
    """§7.2: VM Running or Stopped, block devices ready, every disk Ready with Ready=True and not resizing."""
    name, phase = vm.name, vm.phase or "Pending"
    fail = f'Cannot take a snapshot: the virtual machine "{name}" is not ready.'
    if vm.deleting:
        return [precondition(rules, "vm-deleting", f'VM "{name}" is being deleted', fail=fail,
                             wait=f'Waiting for the virtual machine "{name}" to be ready for snapshotting.')]
    out = []
    if phase not in ("Running", "Stopped"):
        out.append(precondition(rules, "vm-phase", f'VM "{name}" is {phase}, not Running or Stopped', fail=fail,
                                wait=f'The virtual machine "{name}" is in the "{phase}" phase: waiting for it to '
                                     "reach the Running or Stopped phase."))
    if not is_true(vm.condition("BlockDevicesReady")):
        msg = f'Block devices not ready: waiting for the block devices of the virtual machine "{name}" to be ready.'
        out.append(precondition(rules, "block-devices-not-ready", f'The block devices of VM "{name}" are not ready',
                                wait=msg, fail=msg))
    for ref in disks:
        d, vd = ref.disk, ref.name
        if d is None:
            if view.knows("vd"):
                msg = f'Virtual disk not ready: waiting for the virtual disk "{vd}" to be Ready.'
                out.append(precondition(rules, "disk-not-ready", f'Disk "{vd}" does not exist', wait=msg, fail=msg))
            continue
        if disk_flags(d).resizing or d.phase == "Resizing":
            code, why = "disk-resizing", "is being resized"
            msg = f'Virtual disk is in the process of resizing: waiting for the virtual disk "{vd}" to be resized.'
        elif d.phase == "Migrating" or is_true(d.condition("Migrating")):
            code, why = "disk-migrating", "is being migrated"
            msg = "The virtual disk cannot be selected for snapshotting as it is currently being migrated."
        elif d.phase != "Ready":
            code, why = "disk-not-ready", f"is {d.phase or 'not provisioned yet'}, not Ready"
            msg = f'Virtual disk not ready: waiting for the virtual disk "{vd}" to be Ready.'
        elif not is_true(d.condition("Ready")):
            code, why = "disk-not-ready", "has no True Ready condition"
            msg = f'Virtual disk not ready: waiting for the Ready condition of the virtual disk "{vd}" to be True.'
        else:
            continue
        out.append(precondition(rules, code, f'Disk "{vd}" {why}', wait=msg, fail=msg))
    return out


def _vm_consistency(rules: Rules, vm: VirtualMachine, required: bool) -> list[Finding]:
    name, phase, flags = vm.name, vm.phase, vm_flags(vm)
    if phase == "Stopped":
        return [ok("vm-stopped", f'VM "{name}" is Stopped: the snapshot will be consistent.')]
    if phase != "Running":
        return []  # vm-phase already says it
    if flags.agent or flags.frozen:
        return [ok("agent-ready", f'VM "{name}" is Running with a ready guest agent: its file system is frozen '
                                  "until every disk snapshot is taken.")]
    if not required:
        return [warning("crash-consistent", f'VM "{name}" is Running without a ready guest agent: with '
                                            "requiredConsistency off the snapshot is crash-consistent.")]
    f = precondition(rules, "agent-not-ready", f'VM "{name}" is Running and its guest agent is not ready, so its file '
                     "system cannot be frozen",
                     wait=f'The snapshotting of virtual machine "{name}" might result in an inconsistent snapshot: '
                          "virtual machine agent is not ready and virtual machine cannot be frozen: waiting for "
                          "virtual machine agent to be ready or virtual machine will stop",
                     fail=f'Cannot take a consistent snapshot of virtual machine "{name}": virtual machine agent is '
                          "not ready and the virtual machine cannot be frozen.")
    return [f._replace(message=f.message + ALTERNATIVES)]


def _vm_contents(view: View, rules: Rules, vm: VirtualMachine, disks: list[DiskRef]) -> list[Finding]:
    """What will and will not be captured: disks (incl. hot-plugged), images, MACs, pending changes."""
    out = []
    if vm_flags(vm).restart_pending:
        if rules.restart_blocks_vm_snapshot:
            out.append(warning("restart-pending", f'VM "{vm.name}" has changes awaiting a restart — the snapshot will '
                                                  "wait in Pending (Waiting for the restart and approval of changes to "
                                                  f'virtual machine "{vm.name}" before taking the snapshot.) until the '
                                                  "VM is restarted and the changes applied."))
        else:
            out.append(warning("restart-pending-captured", f'VM "{vm.name}" has changes awaiting a restart: the '
                                                           "snapshot captures the pending (not the running) "
                                                           "configuration."))
    images = {f"{r.kind} {r.name}" for r in vm.spec.block_device_refs if r.kind in IMAGE_KINDS}
    images |= {f"{r.kind} {r.name}" for r in vm.status.block_device_refs if r.kind in IMAGE_KINDS}
    if images:
        out.append(warning("images-attached", f"Images attached ({', '.join(sorted(images))}): only the references "
                                              "are stored, their contents are not captured."))
    if not rules.macs_captured:
        out.append(warning("mac-not-captured", "MAC addresses are not captured on this cluster: a VM restored from "
                                               "this snapshot gets new MAC addresses."))
    reported = {r.name for r in disks}
    late = [r.name for r in vm_disks(view, vm) if r.name not in reported]
    if late:
        out.append(warning("disk-not-reported", f"Disks {', '.join(late)} are not in the VM's status.blockDeviceRefs "
                                                "yet: they will not be snapshotted."))
    if not disks:
        out.append(ok("no-disks", f'VM "{vm.name}" has no VirtualDisks: the snapshot stores only its configuration.'))
    for r in disks:
        how = f"hot-plugged via {r.attachment}" if r.hotplugged else "static"
        sc = classes.disk_storage_class(r.disk) if r.disk is not None else ""
        out.append(ok("disk-included", f'Will snapshot disk "{r.name}" ({how}{", StorageClass " + sc if sc else ""}).'))
    return out


def check_vm_snapshot(view: View, caps: Capabilities, vm: VirtualMachine, *, name: str,
                      required_consistency: bool = True, keep_ip_address: str = "Always",
                      class_mapping: Mapping[str, str] | None = None) -> list[Finding]:
    """§7.2: the VirtualMachineSnapshot wizard's pre-checks; `class_mapping` (seed) is StorageClass → class."""
    rules = rules_for(caps)
    disks = vm_snapshot_disks(view, vm)
    out = name_findings(view, VirtualMachineSnapshot, "virtualmachinesnapshots", vm.namespace, name)
    out += _vm_state(view, rules, vm, disks)
    out += _vm_consistency(rules, vm, required_consistency)
    out += _vm_contents(view, rules, vm, disks)
    out += failed_snapshots(view, rules, vm.namespace, [r.name for r in disks], vm.name)
    present = [r.disk for r in disks if r.disk is not None]
    if rules.explicit_class:
        freezes = vm.phase == "Running" and bool(vm_flags(vm).agent) and required_consistency
        out += classes.mapping(view, present, class_mapping or {}, first_freezes=freezes)
    else:
        out += [classes.predicted_class(view, d) for d in present]
    if keep_ip_address == "Never":
        out.append(ok("keep-ip", "keepIPAddress Never: an Auto IP the VM spec does not name is not stored; a "
                                 "restored VM gets a fresh IP."))
    else:
        out.append(ok("keep-ip", "keepIPAddress Always: the current IP is stored as Static inside the snapshot so a "
                                 "restore keeps it (the live VirtualMachineIPAddress is not changed)."))
    return out


def vm_readiness(view: View, caps: Capabilities, vm: VirtualMachine, required_consistency: bool = True,
                 ) -> list[Finding]:
    """The VM-side preconditions of a VM snapshot (also those of a clone's temporary snapshot)."""
    rules = rules_for(caps)
    return _vm_state(view, rules, vm, vm_snapshot_disks(view, vm)) + _vm_consistency(rules, vm, required_consistency)
