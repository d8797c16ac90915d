"""Another unfinished operation for this VM: the v1.10 webhook's supersede matrix, the controllers' refusal."""

from __future__ import annotations

from typing import cast

from tui.kube.capabilities import Capabilities
from tui.kube.display import is_terminal
from tui.kube.findings import Finding, blocker, warning
from tui.kube.objects import VirtualMachineOperation, VirtualMachineSnapshotOperation
from tui.kube.relations import View


def unfinished_vmops(view: View, namespace: str, vm: str) -> list[VirtualMachineOperation]:
    """VMOPs of the VM that are not Completed/Failed/Superseded (no phase yet counts; a Failed restore still in
    maintenance counts too: the controller re-enters it)."""
    ops = cast(list[VirtualMachineOperation], view.refs("vmop.vm", namespace, vm))
    return [o for o in ops if not is_terminal(o)]


def can_supersede(old: VirtualMachineOperation, new_type: str, new_force: bool) -> bool:
    """v1.10 `supersede.CanSupersede`: old Start ← Stop; old non-forced Stop/Restart ← forced Stop/Restart;
    old Migrate/Evict ← Stop/Restart. Nothing supersedes Restore/Clone and they supersede nothing."""
    old_type, old_force = old.spec.type, bool(old.spec.force)
    if old_type == "Start":
        return new_type == "Stop"
    if old_type in ("Stop", "Restart"):
        return not old_force and new_force and new_type in ("Stop", "Restart")
    if old_type in ("Migrate", "Evict"):
        return new_type in ("Stop", "Restart")
    return False


def operation_conflict(view: View, caps: Capabilities, namespace: str, vm: str, new_type: str,
                       new_force: bool = False) -> list[Finding]:
    """Refusal of a new VMOP while another one for the same VM is unfinished, worded for this generation."""
    if not view.knows("vmop"):
        return []
    out: list[Finding] = []
    for old in unfinished_vmops(view, namespace, vm):
        what = f'{old.spec.type or "operation"} "{old.name}" ({old.phase or "no phase yet"})'
        if caps.supersede and can_supersede(old, new_type, new_force):
            out.append(warning("supersedes", f"{what} will be marked Superseded by this operation."))
        elif caps.supersede:
            out.append(blocker("operation-in-progress", f"{what} is unfinished — the request will be denied: VMOP "
                                                        f'cannot be executed now. Previously created operation '
                                                        f'"{old.name}" should finish first'))
        else:
            out.append(blocker("operation-in-progress", f"{what} is unfinished — the new operation will fail at once "
                                                        "(NotReadyToBeExecuted: VMOP cannot be executed now. "
                                                        "Previously created operation should finish first.)"))
    return out


def snapshot_operation_conflict(view: View, namespace: str, snapshot: str) -> list[Finding]:
    """VMSOP: an older unfinished VMSOP on the same snapshot makes the new one fail at once."""
    out = []
    for old in cast(list[VirtualMachineSnapshotOperation], view.refs("vmsop.snapshot", namespace, snapshot)):
        if old.phase not in ("Completed", "Failed"):
            out.append(blocker("operation-in-progress", f'VirtualMachineSnapshotOperation "{old.name}" on this '
                                                        "snapshot is unfinished — the new one will fail at once "
                                                        "(NotReadyToBeExecuted: The operation cannot start yet: "
                                                        "another operation must finish first.)"))
    return out
