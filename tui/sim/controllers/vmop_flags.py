"""Per-generation behaviour of the VirtualMachineOperation controllers, as a table (§2.6, §3.4, §3.5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

GENERATIONS = ("seed", "cse", "v1.8", "v1.10")
OLD_POLICIES = ("Manual", "AlwaysOnUnlessStoppedManually", "AlwaysOff")
NEW_POLICIES = ("Manual", "AlwaysOnUnlessStoppedManually")
_POWER = ("Start", "Stop", "Restart", "Migrate", "Evict")
_WAIT_OLD, _WAIT_NEW = "Wait for operation to complete", "Waiting for the operation to complete."
_SUCCEEDED = "VirtualMachineOperation succeeded"
_WAIT_DISKS = "Waiting for the virtual disks to become ready."


@dataclass(frozen=True)
class OpFlags:
    """How one generation's VMOP controllers differ."""

    types: tuple[str, ...]  # operation types the controller knows
    in_progress: str  # `Completed` message while an operation runs
    succeeded: str  # `Completed` message of a finished Restore ("" = empty, event text then the v1.8+ one)
    period: str  # trailing period of the MaintenanceMode messages (cse has none)
    restore_completed: bool  # cse: RestoreCompleted condition, no WaitingDisks step, Strict fails on images
    wait_disks: str  # WaitingDisks message
    power_state: bool  # v1.10: `restore-power-state` brings the VM back to its power state after a restore
    supersede: bool  # v1.10: Superseded phase
    snapshot_failed: str  # Clone: SnapshotReady False SnapshotFailed message
    disk_limit: int  # Clone: longest disk name
    owner_refs: bool  # v1.8+: restored disks get their VM ownerReference back
    original_meta: bool  # v1.8+: the restorer re-applies the disks' original labels/annotations
    stop_policies: tuple[str, ...]  # runPolicies a Stop applies to
    stop_stopping: bool  # a Stop applies to a VM already Stopping (v1.10: only a forced one)


# field → (seed, cse, v1.8, v1.10)
TABLE: dict[str, tuple[Any, Any, Any, Any]] = {
    "types": (_POWER, (*_POWER, "Restore"), (*_POWER, "Restore", "Clone"), (*_POWER, "Restore", "Clone")),
    "in_progress": (_WAIT_OLD, _WAIT_OLD, _WAIT_OLD, _WAIT_NEW),
    "succeeded": (_SUCCEEDED, _SUCCEEDED, "", ""),
    "period": ("", "", ".", "."),
    "restore_completed": (False, True, False, False),
    "wait_disks": ("", "", "Waiting for resource readiness.", _WAIT_DISKS),
    "power_state": (False, False, False, True),
    "supersede": (False, False, False, True),
    "snapshot_failed": ("", "", "Snapshot is failed.", "Snapshot creation failed."),
    "disk_limit": (60, 60, 60, 253),
    "owner_refs": (False, False, True, True),
    "original_meta": (False, False, True, True),
    "stop_policies": (OLD_POLICIES, OLD_POLICIES, OLD_POLICIES, NEW_POLICIES),
    "stop_stopping": (True, True, True, False),
}
FLAGS: dict[str, OpFlags] = {g: OpFlags(**{k: v[i] for k, v in TABLE.items()}) for i, g in enumerate(GENERATIONS)}
