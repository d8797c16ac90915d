"""Conflict checks of the restore paths: legacy VirtualMachineRestore, VMOP Restore, and clones."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.sim.controllers.restore_plan import (
    ANN_VMOPRESTORE,
    ANN_VMRESTORE,
    IMAGE_KINDS,
    SECRET,
    VD,
    VM,
    VMBDA,
    VMIP,
    VMMAC,
    Item,
    Plan,
    ann_of,
    meta,
)
from tui.sim.controllers.runtime import condition

if TYPE_CHECKING:
    from tui.sim.controllers.runtime import Runtime

Obj = dict[str, Any]
VM_NAME_LIMIT = 63


def _status(obj: Obj | None) -> Obj:
    return (obj or {}).get("status") or {}


def _spec(obj: Obj | None) -> Obj:
    return (obj or {}).get("spec") or {}


def _attached(obj: Obj) -> bool:
    st = _status(obj)
    return st.get("phase") == "Attached" or bool(st.get("virtualMachineName"))


def _address_field(kind: str) -> str:
    return "staticIP" if kind == VMIP else "address"


def _holder(rt: Runtime, kind: str, ns: str, address: str, own_name: str) -> Obj | None:
    """Another VMIP/VMMAC (not named `own_name`) that holds `address`."""
    for other in rt.list(kind, ns):
        if meta(other).get("name") == own_name:
            continue
        if address in (_spec(other).get(_address_field(kind)), _status(other).get("address")):
            return other
    return None


def _mounted_elsewhere(disk: Obj, vm_name: str) -> str | None:
    for ref in _status(disk).get("attachedToVirtualMachines") or []:
        if ref.get("name") and ref.get("name") != vm_name and ref.get("mounted", False):
            return str(ref["name"])
    return None


def _different_data(rt: Runtime, it: Item) -> bool:
    cur = rt.get(SECRET, it.obj["metadata"].get("namespace"), it.name)
    return cur is not None and (cur.get("data") or {}) != (it.obj.get("data") or {})


# ---- legacy VirtualMachineRestore (Safe mode) -------------------------------------------
_LEGACY_ORDER = (VMIP, VMMAC, VM, VD, VMBDA, SECRET)
_ADDRESS_WORDS = {VMIP: "ip", VMMAC: "mac"}


def legacy_conflict(rt: Runtime, plan: Plan, *, uid: str, own_is_conflict: bool) -> str | None:
    """The first Safe-mode conflict (validation order VMIP, VMMACs, VM, disks, VMBDAs, Secret).
    `own_is_conflict` is seed's quirk: objects this restore created count as conflicts too."""
    for kind in _LEGACY_ORDER:
        for it in plan.of(kind):
            cur = rt.get(kind, plan.namespace, it.name)
            if cur is not None and not own_is_conflict and ann_of(cur).get(ANN_VMRESTORE) == uid:
                continue
            msg = _legacy_one(rt, plan, it, cur)
            if msg:
                return msg
    return None


def _legacy_one(rt: Runtime, plan: Plan, it: Item, cur: Obj | None) -> str | None:
    n = it.name
    if it.kind in (VMIP, VMMAC):
        word = _ADDRESS_WORDS[it.kind]
        if cur is not None:
            if _attached(cur):
                return (
                    f'The virtual machine {word} address "{n}" is already in use and cannot be used for the '
                    "restored virtual machine."
                )
            return None
        address = _spec(it.obj).get(_address_field(it.kind))
        other = _holder(rt, it.kind, plan.namespace, address, n) if address else None
        if other is not None:
            return (
                f'The set address "{address}" is already in use by the different virtual machine {word} '
                f'address "{meta(other).get("name")}" and cannot be used for the restored virtual machine.'
            )
        return None
    if cur is None:
        return None
    if it.kind == VM:
        return f'The virtual machine "{n}" already exists.'
    if it.kind == VD:
        return f'The virtual disk "{n}" already exists.'
    if it.kind == VMBDA:
        return f'The virtual machine block device attachment "{n}" already exists.'
    if it.kind == SECRET and _different_data(rt, it):
        return f'The provisioner secret "{n}" already exists and does not have the same data content.'
    return None


def forced_conflict(rt: Runtime, plan: Plan, *, uid: str) -> str | None:
    """Forced mode still refuses a disk mounted by another VM, an IP or MAC address taken by another VM,
    and a provisioning Secret with different data."""
    target = plan.vm.name
    for it in plan.items:
        cur = rt.get(it.kind, plan.namespace, it.name)
        if cur is not None and ann_of(cur).get(ANN_VMRESTORE) == uid:
            continue
        if it.kind == VD and cur is not None and _mounted_elsewhere(cur, target):
            return f'The virtual disk "{it.name}" already in use.'
        holder = _status(cur).get("virtualMachineName")
        if it.kind in (VMIP, VMMAC) and cur is not None and holder in (None, "", target):
            continue
        if it.kind in (VMIP, VMMAC, SECRET) and (msg := _legacy_one(rt, plan, it, cur)):
            return msg
    return None


# ---- images (VMOP Restore, clones) --------------------------------------------------------
def missing_images(rt: Runtime, vm: Item) -> list[tuple[str, str]]:
    """(kind, name) of the VM's image block devices that no longer exist."""
    out = []
    for ref in _spec(vm.obj).get("blockDeviceRefs") or []:
        kind = ref.get("kind")
        if kind in IMAGE_KINDS:
            ns = None if kind == "ClusterVirtualImage" else vm.obj["metadata"].get("namespace")
            if rt.get(kind, ns, ref.get("name", "")) is None:
                out.append((kind, ref.get("name", "")))
    return out


def drop_images(vm: Item, missing: list[tuple[str, str]]) -> None:
    spec = vm.obj.setdefault("spec", {})
    gone = set(missing)
    spec["blockDeviceRefs"] = [
        r for r in spec.get("blockDeviceRefs") or [] if (r.get("kind"), r.get("name")) not in gone
    ]


# ---- VMOP Restore ----------------------------------------------------------------------
def restore_problem(rt: Runtime, plan: Plan, it: Item, *, mode: str, strict_images_fail: bool) -> str | None:
    """Why `it` cannot be restored in place (None: valid). BestEffort ignores image and Secret problems."""
    ns, n, vm_name = plan.namespace, it.name, plan.vm.name
    best_effort = mode == "BestEffort"
    cur = rt.get(it.kind, ns, n)
    if it.kind == VM:
        missing = missing_images(rt, it)
        if missing and best_effort:
            drop_images(it, missing)
        elif missing and strict_images_fail:
            return f'{missing[0][0]} "{missing[0][1]}" not found'
        return None
    if it.kind == VD:
        return f'the virtual disk "{n}" already in use' if cur and _mounted_elsewhere(cur, vm_name) else None
    if it.kind in (VMIP, VMMAC):
        address = _spec(it.obj).get(_address_field(it.kind))
        other = _holder(rt, it.kind, ns, address, n) if address else None
        if other is not None and _status(other).get("virtualMachineName") not in (None, "", vm_name):
            if it.kind == VMIP:
                return (
                    f'the IP Address "{address}" cannot be used for restore: it is taken by '
                    f"VirtualMachineIPAddress/{meta(other).get('name')} and already in use by the different "
                    "virtual machine"
                )
            return (
                f'the MAC address "{address}" cannot be used for the restore: it is taken by '
                f'VirtualMachineMACAddress/"{meta(other).get("name")}" and already in use by the different '
                "virtual machine"
            )
        if cur is not None and _status(cur).get("virtualMachineName") not in (None, "", vm_name):
            word = "ip" if it.kind == VMIP else "MAC"
            return (
                f'the virtual machine {word} address "{n}" is already in use and cannot be used for the '
                "restored virtual machine"
            )
        return None
    if it.kind == VMBDA:
        if cur is not None and _spec(cur).get("virtualMachineName") != vm_name:
            return f'the virtual machine block device attachment "{n}" already in use'
        return None
    if it.kind == SECRET and not best_effort and _different_data(rt, it):
        return f'the provisioner secret "{n}" the secret has different data'
    return None


# ---- clones (VMOP Clone, VMSOP CreateVirtualMachine) ------------------------------------
def _too_long(name: str, limit: int) -> str | None:
    if len(name) > limit:
        return f'name "{name}" too long ({len(name)} > {limit}): resource name exceeds maximum allowed length'
    return None


def clone_problem(rt: Runtime, plan: Plan, it: Item, *, mode: str, uid: str, disk_limit: int) -> str | None:
    """Why `it` cannot be created as a copy (None: valid); objects this operation created are fine."""
    ns, n = plan.namespace, it.name
    if not it.create:
        return None
    cur = rt.get(it.kind, ns, n)
    if cur is not None and ann_of(cur).get(ANN_VMOPRESTORE) == uid:
        return None
    if it.kind == VM:
        if mode == "BestEffort":
            drop_images(it, missing_images(rt, it))
            it.obj.setdefault("spec", {}).pop("usbDevices", None)
        if problem := _too_long(n, VM_NAME_LIMIT):
            return problem
        return f"VirtualMachine with name {n} already exists" if cur is not None else None
    if it.kind == VD:
        if problem := _too_long(n, disk_limit):
            return problem
        if cur is None:
            return None
        attached = [r.get("name") for r in _status(cur).get("attachedToVirtualMachines") or [] if r.get("name")]
        if attached:
            return f"VirtualDisk with name {n} attached to VirtualMachine {attached[0]}"
        return f"VirtualDisk with name {n} already exists"
    if it.kind == VMBDA and cur is not None:
        other = _spec(cur).get("virtualMachineName")
        if other and other != _spec(it.obj).get("virtualMachineName"):
            return (
                f"VirtualMachineBlockDeviceAttachment with name {n} already exists and attached to "
                f"VirtualMachine {other}"
            )
        return f"VirtualMachineBlockDeviceAttachment with name {n} already exists"
    if it.kind == SECRET and _different_data(rt, it):
        return f"content of the secret {n} is different from that in the snapshot"
    return None


# ---- the legacy restore's snapshot gate ----------------------------------------------------
READY_TO_USE, SNAPSHOT_NOT_READY = "VirtualMachineSnapshotReadyToUse", "VirtualMachineSnapshotNotReady"


def snapshot_ready_to_use(rt: Runtime, ns: str, name: str) -> tuple[Obj | None, Obj]:
    """The `VirtualMachineSnapshotReadyToUse` condition of a VirtualMachineRestore, and the snapshot if usable."""
    snap = rt.get("VirtualMachineSnapshot", ns, name)

    def no(reason: str, message: str) -> tuple[Obj | None, Obj]:
        return None, condition(READY_TO_USE, "False", reason, message)

    if snap is None:
        return no("VirtualMachineSnapshotNotFound", f'The virtual machine snapshot "{name}" not found.')
    if meta(snap).get("deletionTimestamp"):
        return no(SNAPSHOT_NOT_READY, f'The virtual machine snapshot "{name}" is in the process if deleting.')
    ready = any(
        c.get("type") == "VirtualMachineSnapshotReady" and c.get("status") == "True"
        for c in _status(snap).get("conditions") or []
    )
    if _status(snap).get("phase") != "Ready" or not ready:
        return no(SNAPSHOT_NOT_READY, f'Waiting for the virtual machine snapshot "{name}" to be ready for use.')
    if _status(snap).get("observedGeneration", 1) != meta(snap).get("generation", 1):
        return no(
            SNAPSHOT_NOT_READY,
            f'Waiting for the virtual machine snapshot "{name}" to be observed in its latest state generation.',
        )
    return snap, condition(READY_TO_USE, "True", READY_TO_USE, "")
