"""Pure display helpers over projections: tone + word for a state, consistency, the "why" line, flags, age."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal, NamedTuple

from tui.kube.objects import (
    Condition,
    KubeObject,
    Namespace,
    PersistentVolumeClaim,
    VirtualDisk,
    VirtualDiskSnapshot,
    VirtualMachine,
    VirtualMachineOperation,
    VirtualMachineSnapshot,
    VolumeSnapshot,
    VolumeSnapshotContent,
)

Tone = Literal["ok", "progress", "warning", "error", "muted", "unknown"]


class Badge(NamedTuple):
    """A state as a tone (for colour) and a plain word (never colour alone, never a glyph)."""

    tone: Tone
    word: str


_TONES: dict[str, Tone] = {
    **dict.fromkeys(("Ready", "Completed", "Attached", "Bound", "Running", "Active", "Succeeded"), "ok"),
    **dict.fromkeys(("Pending", "InProgress", "Provisioning", "WaitForFirstConsumer", "WaitForUserUpload",
                     "Resizing", "Starting", "Stopping", "Migrating", "Exporting"), "progress"),
    **dict.fromkeys(("Failed", "Lost", "PVCLost", "Degraded"), "error"),
    **dict.fromkeys(("Terminating", "Superseded", "Stopped"), "muted"),
    "Pause": "warning",
}
# Kinds whose objects live without a phase: no badge at all rather than a made-up "Pending".
_NO_PHASE = frozenset({"sc", "vsclass", "secret", "event"})


def phase_badge(phase: str, *, empty: str = "Pending") -> Badge:
    """Tone and word for a phase; an empty phase (no status yet) reads as `empty`."""
    if not phase:
        return Badge("progress", empty) if empty else Badge("unknown", "")
    return Badge(_TONES.get(phase, "unknown"), phase)


def parse_time(text: str | datetime | None) -> datetime | None:
    """An RFC 3339 timestamp as an aware datetime; None when absent or unreadable."""
    if text is None or isinstance(text, datetime):
        return text
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def human_age(ts: str | datetime | None, now: datetime) -> str:
    """kubectl-style age with one unit: "45s", "3m", "2h", "5d", "2y"; "" when unknown."""
    when = parse_time(ts)
    if when is None:
        return ""
    s = max(0, int((now - when).total_seconds()))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 48 * 3600:
        return f"{s // 3600}h"
    if s < 730 * 86400:
        return f"{s // 86400}d"
    return f"{s // (365 * 86400)}y"


def is_true(cond: Condition | None) -> bool:
    return cond is not None and cond.status == "True"


def status_badge(obj: KubeObject, now: datetime | None = None, *, waiting_after: float | None = None,
                 ) -> Badge:
    """The state word of any object. With `waiting_after` (seconds; seed/cse) a long Pending is "Waiting"."""
    if obj.problem:
        return Badge("unknown", "Unreadable")
    if isinstance(obj, VolumeSnapshot | VolumeSnapshotContent):
        base = _snapshot_readiness(obj)
    elif isinstance(obj, Namespace | PersistentVolumeClaim):
        base = phase_badge(obj.status.phase, empty="")
    elif obj.KIND in _NO_PHASE:
        base = Badge("unknown", "")
    else:
        base = phase_badge(obj.phase)
    if obj.deleting and base.word != "Terminating":
        return Badge("muted", "Terminating")
    if isinstance(obj, VirtualMachineOperation) and base.word == "Failed" and is_true(
            obj.condition("MaintenanceMode")):
        return Badge("warning", "Failed")  # the controller re-enters a Failed restore still in maintenance
    if base.word == "Pending" and waiting_after is not None and now is not None:
        why = why_line(obj)
        since = parse_time(why.since) if why and why.since else obj.metadata.creation_timestamp
        if since is not None and (now - since).total_seconds() > waiting_after:
            return Badge("warning", "Waiting")
    return base


def _snapshot_readiness(obj: VolumeSnapshot | VolumeSnapshotContent) -> Badge:
    if obj.status.error is not None and obj.status.error.message:
        return Badge("error", "Error")
    return Badge("ok", "Ready") if obj.status.ready_to_use else Badge("progress", "Pending")


def is_terminal(obj: KubeObject) -> bool:
    """Whether an operation or snapshot has finished (a Ready snapshot may still turn Failed/Lost later)."""
    phase = obj.phase
    if isinstance(obj, VirtualMachineOperation) and phase == "Failed":
        return not is_true(obj.condition("MaintenanceMode"))
    return phase in ("Ready", "Failed", "Completed", "Superseded")


def consistency(snapshot: VirtualDiskSnapshot | VirtualMachineSnapshot) -> Badge:
    """`status.consistent` is true or absent (never false): "consistent"; once Ready "not guaranteed"; "—"."""
    if snapshot.status.consistent:
        return Badge("ok", "consistent")
    if snapshot.status.phase == "Ready":
        return Badge("warning", "not guaranteed")
    return Badge("muted", "—")


class Why(NamedTuple):
    """The condition that explains the current state: what the object waits for, or why it failed."""

    type: str
    reason: str
    message: str
    since: str  # RFC 3339 text ("" when unknown)

    @property
    def text(self) -> str:
        return self.message or self.reason


# Per kind: (condition type, the status that makes it the explanation) in order of relevance.
_WHY: dict[str, tuple[tuple[str, bool], ...]] = {
    "vdsnapshot": (("VirtualDiskSnapshotReady", False), ("VirtualDiskReady", False)),
    "vmsnapshot": (("VirtualMachineSnapshotReady", False), ("VirtualMachineReady", False)),
    "vmrestore": (("VirtualMachineRestoreReady", False), ("VirtualMachineSnapshotReadyToUse", False)),
    "vmop": (("Completed", False), ("SnapshotReady", False), ("RestoreCompleted", False)),
    "vmsop": (("Completed", False),),
    "vd": (("Ready", False), ("Resizing", True), ("Migrating", True)),
    "vm": (("Maintenance", True), ("BlockDevicesReady", False), ("AwaitingRestartToApplyConfiguration", True),
           ("AgentReady", False)),
    "vmbda": (("Attached", False), ("BlockDeviceReady", False), ("VirtualMachineReady", False),
              ("DiskAttachmentCapacityAvailableType", False)),
    "vmip": (("Bound", False), ("Attached", False)),
    "vmmac": (("Bound", False), ("Attached", False)),
}


def why_line(obj: KubeObject) -> Why | None:
    """The reason line for the detail pane and the tree; None when nothing needs explaining."""
    if isinstance(obj, VolumeSnapshot | VolumeSnapshotContent):
        err = obj.status.error
        if err is not None and err.message:
            return Why("error", "", err.message, err.time.isoformat() if err.time else "")
        return None
    found: list[Condition] = []
    for type_, when_true in _WHY.get(obj.KIND, ()):
        c = obj.condition(type_)  # a bare "Unknown" says nothing
        if c is not None and is_true(c) == when_true and (c.message or c.reason not in ("", "Unknown")):
            found.append(c)
    best = next((c for c in found if c.message), found[0] if found else None)  # a message beats a reason
    return None if best is None else Why(best.type, best.reason, best.message, best.last_transition_time)


_FRACTION = re.compile(r"\((\d+)/(\d+)\)")


def progress_fraction(text: str) -> tuple[int, int] | None:
    """The "(n/m)" counter in a VM snapshot message, e.g. "... (1/3)." → (1, 3)."""
    m = _FRACTION.search(text)
    return (int(m.group(1)), int(m.group(2))) if m else None


class VMFlags(NamedTuple):
    """Badges of a VM next to its phase."""

    agent: bool | None  # None: no AgentReady condition (VM not running)
    frozen: bool
    snapshotting: bool
    maintenance: bool  # a restore holds the VM
    restart_pending: bool
    migratable: bool | None


def vm_flags(vm: VirtualMachine) -> VMFlags:
    agent, migratable = vm.condition("AgentReady"), vm.condition("Migratable")
    return VMFlags(
        agent=None if agent is None else agent.status == "True",
        frozen=is_true(vm.condition("FilesystemFrozen")),
        snapshotting=is_true(vm.condition("Snapshotting")),
        maintenance=is_true(vm.condition("Maintenance")),
        restart_pending=bool(vm.status.restart_awaiting_changes)
        or is_true(vm.condition("AwaitingRestartToApplyConfiguration")),
        migratable=None if migratable is None else migratable.status == "True",
    )


class DiskFlags(NamedTuple):
    """Badges of a disk next to its phase."""

    snapshotting: bool  # holds back resizing (seed/cse: also while a Failed snapshot of it exists)
    resizing: bool
    in_use: bool | None
    mounted_by: tuple[str, ...]  # VMs that use it now


def disk_flags(vd: VirtualDisk) -> DiskFlags:
    in_use = vd.condition("InUse")
    return DiskFlags(
        snapshotting=is_true(vd.condition("Snapshotting")),
        resizing=is_true(vd.condition("Resizing")),
        in_use=None if in_use is None else in_use.status == "True",
        mounted_by=tuple(a.name for a in vd.status.attached_to_virtual_machines if a.mounted),
    )


def yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")
