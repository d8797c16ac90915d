"""Progress of a restore, clone or new disk read from live objects: verdicts, per-object states, the outcome."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from tui.kube.display import Badge, is_terminal, is_true, phase_badge, status_badge
from tui.kube.names import SECRET, VD, VM, VMBDA, VMIP, VMMAC
from tui.kube.objects import (
    ANN_RESTORE_POWER_STATE,
    ANN_VMRESTORE,
    KubeObject,
    Secret,
    VirtualDisk,
    VirtualMachine,
    VirtualMachineBlockDeviceAttachment,
    VirtualMachineIPAddress,
    VirtualMachineMACAddress,
    VirtualMachineOperation,
    VirtualMachineRestore,
    VirtualMachineSnapshotOperation,
)
from tui.kube.relations import View

CLASSES: dict[str, type[KubeObject]] = {VM: VirtualMachine, VD: VirtualDisk, VMBDA: VirtualMachineBlockDeviceAttachment,
                                        VMIP: VirtualMachineIPAddress, VMMAC: VirtualMachineMACAddress,
                                        SECRET: Secret}
DISK_DONE = ("Ready", "WaitForFirstConsumer")
_QUOTED = re.compile(r'"([^"]+)"')
Operation = VirtualMachineOperation | VirtualMachineSnapshotOperation
Target = tuple[str, str]
"""(kind, name) of an object a restore or clone is expected to produce."""


class Line(NamedTuple):
    """One row of a progress view: what, its state (tone + word), and the controller's words."""

    label: str
    badge: Badge
    message: str = ""


class Progress(NamedTuple):
    """`finished`: nothing more happens by itself; `settled`: finished and every object has arrived."""

    lines: tuple[Line, ...]
    finished: bool
    succeeded: bool
    summary: str

    @property
    def settled(self) -> bool:
        return self.finished and not any(line.badge.tone == "progress" for line in self.lines)


class Verdict(NamedTuple):
    """A domain DryRun's verdict on one object (`status.resources`)."""

    kind: str
    name: str
    ok: bool
    message: str


def verdicts(op: Operation) -> list[Verdict]:
    return [Verdict(r.kind, r.name, r.status != "Failed", r.message) for r in op.status.resources]


def completed_message(op: Operation) -> str:
    c = op.condition("Completed")
    return c.message if c is not None else ""


def _resource_badge(status: str) -> Badge:
    return {"Completed": Badge("ok", "Completed"), "Failed": Badge("error", "Failed")}.get(
        status, Badge("progress", status or "Pending"))


def resource_lines(op: Operation) -> list[Line]:
    return [Line(f"{r.kind} {r.name}", _resource_badge(r.status), r.message) for r in op.status.resources]


def object_line(view: View, namespace: str, kind: str, name: str) -> Line:
    """The live state of one (expected) object: a disk counts as arrived when Ready or WaitForFirstConsumer."""
    cls = CLASSES.get(kind)
    obj = view.get(cls, namespace, name) if cls is not None else None
    label = f"{kind} {name}"
    if obj is None:
        known = cls is not None and view.knows(cls.KIND)
        return Line(label, Badge("progress", "not yet") if known else Badge("unknown", "not watched"))
    if isinstance(obj, Secret):
        return Line(label, Badge("ok", "present"))
    badge = status_badge(obj)
    if isinstance(obj, VirtualDisk) and obj.phase == "WaitForFirstConsumer":
        badge = Badge("ok", "WaitForFirstConsumer")
    if isinstance(obj, VirtualMachine) and obj.phase in ("Running", "Stopped"):
        badge = Badge("ok", obj.phase)
    cond = obj.condition("Ready") if isinstance(obj, VirtualDisk) else None
    return Line(label, badge, cond.message if cond is not None and not is_true(cond) else "")


def object_lines(view: View, namespace: str, targets: Iterable[Target]) -> list[Line]:
    return [object_line(view, namespace, kind, name) for kind, name in targets if kind != VMIP]


def _targets_of(op: Operation) -> list[Target]:
    return [(r.kind, r.name) for r in op.status.resources]


def _outcome(op: KubeObject, lines: list[Line], good: str, bad: str) -> Progress:
    finished, ok = is_terminal(op), op.phase in ("Completed", "Ready")
    summary = (good if ok else bad) if finished else f"{op.phase or 'Pending'}…"
    return Progress(tuple(lines), finished, ok, summary)


def inplace(view: View, op: VirtualMachineOperation, power_before: str) -> Progress:
    """VMOP Restore: maintenance mode, per-object status, disks, and the VM back to its power state."""
    ns = op.namespace
    lines = [Line(f"Operation {op.name}", status_badge(op), completed_message(op))]
    maintenance = op.condition("MaintenanceMode")
    if maintenance is None:
        lines.append(Line("Maintenance mode", Badge("muted", "not entered")))
    else:
        on = is_true(maintenance)
        lines.append(Line("Maintenance mode", Badge("progress", "on") if on else Badge("ok", "off"),
                          maintenance.message))
    restored = op.condition("RestoreCompleted")  # cse only
    if restored is not None:
        lines.append(Line("RestoreCompleted", Badge("ok" if is_true(restored) else "progress", restored.reason),
                          restored.message))
    lines += resource_lines(op)
    disks = [name for kind, name in _targets_of(op) if kind == VD]
    lines += [object_line(view, ns, VD, d) for d in disks]
    vm = view.get(VirtualMachine, ns, op.spec.virtual_machine_name)
    if vm is not None:
        want = vm.metadata.annotations.get(ANN_RESTORE_POWER_STATE) or power_before
        back = vm.phase == want and not (maintenance is not None and is_true(maintenance))
        lines.append(Line(f"VM {vm.name}", Badge("ok", vm.phase) if back else Badge("progress", vm.phase or "Pending"),
                          f"back to its previous power state ({want})" if back else f"was {want} before the restore"))
    if op.phase == "Failed" and maintenance is not None and is_true(maintenance):
        return Progress(tuple(lines), False, False, "Failed, but the VM is still in maintenance: the controller "
                                                    "runs the restore again — still running")
    return _outcome(op, lines, "Restored from the snapshot", f"Restore failed: {completed_message(op)}")


def conflict_unreliable(view: View, restore: VirtualMachineRestore, targets: Sequence[Target]) -> str:
    """seed quirk: a Safe restore that failed on an object it created itself ("" when this is not the case)."""
    cond = restore.condition("VirtualMachineRestoreReady")
    if restore.phase != "Failed" or cond is None or cond.reason != "VirtualMachineRestoreConflict":
        return ""
    named = _QUOTED.search(cond.message)
    for kind, name in targets:
        cls = CLASSES.get(kind)
        obj = view.get(cls, restore.namespace, name) if cls is not None and named else None
        if obj is not None and named is not None and name == named.group(1) and (
                obj.metadata.annotations.get(ANN_VMRESTORE) == restore.uid):
            return name
    return ""


def legacy(view: View, restore: VirtualMachineRestore, targets: Sequence[Target]) -> Progress:
    """VirtualMachineRestore: its phase and condition message, then the objects it creates."""
    cond = restore.condition("VirtualMachineRestoreReady")
    lines = [Line(f"VirtualMachineRestore {restore.name}", status_badge(restore), cond.message if cond else "")]
    lines += object_lines(view, restore.namespace, targets)
    own = conflict_unreliable(view, restore, targets)
    if own:
        lines[0] = lines[0]._replace(badge=Badge("warning", "objects created"))
        return Progress(tuple(lines), True, False, f'Objects created — the restore status is unreliable: "{own}" '
                                                   "was created by this restore itself")
    message = cond.message if cond is not None else ""
    return _outcome(restore, lines, "Objects created (Ready: follow the new disks below)",
                    f"Restore failed: {message}")


def operation(view: View, op: Operation, targets: Sequence[Target]) -> Progress:
    """VMOP Clone or VMSOP CreateVirtualMachine: phase, the temporary snapshot, per-object status, new objects."""
    lines = [Line(f"Operation {op.name}", status_badge(op), completed_message(op))]
    snap = op.condition("SnapshotReady")
    if snap is not None:
        lines.append(Line("Temporary snapshot", Badge("ok" if is_true(snap) or snap.reason == "SnapshotCleanedUp"
                                                      else "progress", snap.reason), snap.message))
    lines += resource_lines(op)
    lines += object_lines(view, op.namespace, _targets_of(op) or targets)
    return _outcome(op, lines, "Created", f"Failed: {completed_message(op)}")


def new_disk(view: View, namespace: str, name: str) -> Progress:
    """A VirtualDisk from a snapshot: finished once Ready or WaitForFirstConsumer (or Failed)."""
    disk = view.get(VirtualDisk, namespace, name)
    line = object_line(view, namespace, VD, name)
    if disk is None:
        return Progress((line,), False, False, "waiting for the disk to appear…")
    if disk.phase in DISK_DONE:
        why = " (binds when a VM uses it)" if disk.phase == "WaitForFirstConsumer" else ""
        return Progress((line,), True, True, f"Disk {name} is {disk.phase}{why}")
    if disk.phase == "Failed":
        return Progress((line,), True, False, f"Disk {name} failed: {line.message}")
    return Progress((line,), False, False, f"{phase_badge(disk.phase).word}…")
