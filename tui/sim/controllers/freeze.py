"""Guest file-system freeze as the snapshot controllers see it: requests on the VM, the VM controller answers."""

from __future__ import annotations

from tui.sim.controllers.base import (
    AGENT,
    FREEZE_ERROR,
    FS_REQUEST,
    UNFREEZE_ERROR,
    Obj,
    Reconciler,
    ann_of,
    cond,
    is_true,
    meta,
    phase,
    spec,
    status,
)

FROZEN_MESSAGE = "File system of the Virtual Machine is frozen."


def frozen(vm: Obj | None) -> bool:
    c = cond(vm, "FilesystemFrozen")
    return c is not None and c.get("status") == "True" and c.get("reason") == "Frozen"


def fs_pending(vm: Obj | None) -> bool:
    """A freeze/unfreeze request the VM has not answered yet ("waiting for the filesystem to be synced")."""
    return bool(ann_of(vm).get(FS_REQUEST))


def agent_present(vm: Obj | None) -> bool:
    return ann_of(vm).get(AGENT, "true").lower() not in ("false", "0", "no", "absent")


def agent_ready(vm: Obj | None) -> bool:
    return is_true(vm, "AgentReady")


def can_freeze(vm: Obj | None) -> bool:
    return phase(vm) == "Running" and not frozen(vm) and agent_ready(vm)


def request(ctl: Reconciler, vm: Obj, what: str) -> str | None:
    """Call the freeze/unfreeze subresource: None on success, else the API error text."""
    if what == "freeze":
        error = ann_of(vm).get(FREEZE_ERROR)
        if error:
            return error
        if phase(vm) != "Running":
            return f'virtual machine "{meta(vm)["name"]}" is not running'
        if not agent_present(vm):
            return f'guest agent of the virtual machine "{meta(vm)["name"]}" is not connected'
    elif ann_of(vm).get(UNFREEZE_ERROR):
        return ann_of(vm)[UNFREEZE_ERROR]
    ctl.annotate(vm, FS_REQUEST, what)
    return None


def disks_of(vm: Obj | None) -> list[str]:
    """The VirtualDisks of a VM: status.blockDeviceRefs (spec and hot-plugged), else spec."""
    refs = status(vm).get("blockDeviceRefs") or spec(vm).get("blockDeviceRefs") or []
    return [r["name"] for r in refs if r.get("kind") == "VirtualDisk" and r.get("name")]


def others_in_progress(ctl: Reconciler, vm: Obj, *, vds: str | None = None, vms: str | None = None) -> bool:
    """Another VirtualDiskSnapshot of any disk of the VM, or another VirtualMachineSnapshot of it, InProgress."""
    ns = meta(vm).get("namespace", "")
    disks = set(disks_of(vm))
    for s in ctl.scan("VirtualDiskSnapshot", ns):
        if meta(s)["name"] != vds and spec(s).get("virtualDiskName") in disks and phase(s) == "InProgress":
            return True
    for s in ctl.scan("VirtualMachineSnapshot", ns):
        if meta(s)["name"] != vms and spec(s).get("virtualMachineName") == meta(vm)["name"] \
                and phase(s) == "InProgress":
            return True
    return False


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]
