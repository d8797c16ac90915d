"""Which restore/clone wizard a key opens on which row, per cluster Capabilities (never a version string)."""

from __future__ import annotations

from typing import NamedTuple

from tui.kube.capabilities import Capabilities

INPLACE = "inplace"  # VirtualMachineOperation Restore (cse, v1.8, v1.10)
LEGACY = "legacy"  # VirtualMachineRestore into the names the snapshot records (seed, cse, v1.8)
LEGACY_COPY = "legacy-copy"  # VirtualMachineRestore with name replacements: a copy next to the original
FROM_SNAPSHOT = "from-snapshot"  # VirtualMachineSnapshotOperation CreateVirtualMachine (v1.8, v1.10)
CLONE = "clone"  # VirtualMachineOperation Clone of a live VM (v1.8, v1.10)
NEW_DISK = "new-disk"  # VirtualDisk from a VirtualDiskSnapshot (all generations)


class WizardPath(NamedTuple):
    """One way to do what a key asks for; `note` says what the user should know before choosing it."""

    id: str
    title: str
    note: str = ""


def _legacy(caps: Capabilities, copy: bool) -> WizardPath:
    what = "as a copy with new names" if copy else "into the names the snapshot records"
    note = ("deprecated on this cluster: prefer the VirtualMachineOperation / VirtualMachineSnapshotOperation paths"
            if caps.legacy_restore_deprecated else "")
    return WizardPath(LEGACY_COPY if copy else LEGACY, f"VirtualMachineRestore {what}", note)


def restore_paths(caps: Capabilities, kind_id: str) -> list[WizardPath]:
    """`R`: on a VM snapshot the in-place restore (VMOP Restore where served, else VirtualMachineRestore);
    on a disk snapshot a new disk. The first path is the default."""
    if not caps.dvp:
        return []
    if kind_id == "vdsnapshot":
        return [WizardPath(NEW_DISK, "New disk from this disk snapshot")]
    if kind_id != "vmsnapshot":
        return []
    out = []
    if caps.in_place_restore:
        out.append(WizardPath(INPLACE, "Restore the VM in place (VirtualMachineOperation Restore, DryRun first)"))
    if caps.legacy_restore:
        out.append(_legacy(caps, copy=False))
    return out


def clone_paths(caps: Capabilities, kind_id: str) -> list[WizardPath]:
    """`C`: on a VM a clone (VMOP Clone); on a VM snapshot a new VM (VMSOP CreateVirtualMachine where served,
    VirtualMachineRestore with name replacements where it still exists). The first path is the default."""
    if not caps.dvp:
        return []
    if kind_id == "vm":
        return [WizardPath(CLONE, "Clone this VM (VirtualMachineOperation Clone)")] if caps.clone else []
    if kind_id != "vmsnapshot":
        return []
    out = []
    if caps.create_from_snapshot:
        out.append(WizardPath(FROM_SNAPSHOT, "New VM from this snapshot (VirtualMachineSnapshotOperation)"))
    if caps.legacy_restore:
        out.append(_legacy(caps, copy=True))
    return out


def unavailable(caps: Capabilities, key: str, kind_id: str) -> str:
    """Why `R`/`C` does nothing on this row, in words for a notification."""
    if not caps.dvp:
        return "not connected to a DVP cluster yet"
    if key == "clone" and kind_id == "vm":
        return ("cloning a VM needs VirtualMachineOperation Clone, which this cluster does not serve: take a "
                "snapshot and restore it as a copy (C on the snapshot)")
    rows = "a VM snapshot or a disk snapshot" if key == "restore" else "a VM or a VM snapshot"
    return f"select {rows}"
