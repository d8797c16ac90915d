"""Preflight of the clone wizards: VMOP Clone of a live VM and VMSOP CreateVirtualMachine (dvp-api §7.5)."""

from __future__ import annotations

from collections.abc import Sequence

from tui.kube.capabilities import Capabilities
from tui.kube.contents import Payload, snapshot_items, vm_items
from tui.kube.findings import Finding, blocker, ok, warning
from tui.kube.names import SECRET, VD, VM, VMBDA, VMIP, Item, RenameRule, disk_name_problem, renamed, subdomain_problem
from tui.kube.objects import (
    Secret,
    StorageClass,
    VirtualDisk,
    VirtualMachine,
    VirtualMachineBlockDeviceAttachment,
    VirtualMachineSnapshot,
)
from tui.kube.preflight import vm_readiness
from tui.kube.relations import View
from tui.kube.restore_checks import mounted_by_other
from tui.kube.snapshot_classes import disk_storage_class
from tui.kube.supersede import operation_conflict, snapshot_operation_conflict
from tui.kube.wizard_rules import K8S_NAME_MAX, RENAME_MAX, VM_NAME_MAX, rules_for


def rename_findings(rules: Sequence[RenameRule], prefix: str, suffix: str) -> list[Finding]:
    """The CEL rules of `spec.clone` / `spec.createVirtualMachine` (422 on violation)."""
    out = []
    if not (prefix or suffix or rules):
        out.append(blocker("rename-missing", "At least one of customization.namePrefix, customization.nameSuffix, or "
                                             "nameReplacement must be set"))
    for field, value in (("namePrefix", prefix), ("nameSuffix", suffix)):
        if len(value) > RENAME_MAX:
            out.append(blocker("rename-length", f"{field} length must be between 1 and {RENAME_MAX} characters if set"))
    if any(not (1 <= len(r.to) <= RENAME_MAX) for r in rules):
        out.append(blocker("rename-length", f"Each nameReplacement.to must be between 1 and {RENAME_MAX} characters"))
    if any(not r.name for r in rules):
        out.append(blocker("rename-invalid", "nameReplacement.from.name must be set"))
    return out


def clone_name_problem(kind: str, new: str, disk_name_max: int) -> str:
    """The clone validation's name limits (VM 63, disks 60 before v1.10), then DNS-1123 and DVP's `.` rule."""
    limit = {VM: VM_NAME_MAX, VD: disk_name_max}.get(kind, K8S_NAME_MAX)
    if len(new) > limit:
        return f'name "{new}" too long ({len(new)} > {limit}): resource name exceeds maximum allowed length'
    return disk_name_problem(new, disk_name_max) if kind == VD else subdomain_problem(new)


def _collision(view: View, ns: str, it: Item, new: str, from_vm: bool, payload: Payload | None) -> Finding | None:
    """The controller's ValidateClone verdict for one new object (its words, `status.resources`)."""
    if it.kind == VM and view.get(VirtualMachine, ns, new) is not None:
        return blocker("name-taken", f"VirtualMachine with name {new} already exists")
    if it.kind == VD and (d := view.get(VirtualDisk, ns, new)) is not None:
        other = mounted_by_other(d, "")
        return blocker("name-taken", f"VirtualDisk with name {new} attached to VirtualMachine {other}" if other
                       else f"VirtualDisk with name {new} already exists")
    if it.kind == VMBDA and (b := view.get(VirtualMachineBlockDeviceAttachment, ns, new)) is not None:
        owner = b.status.virtual_machine_name or b.spec.virtual_machine_name
        return blocker("name-taken", f"VirtualMachineBlockDeviceAttachment with name {new} already exists"
                                     + (f" and attached to VirtualMachine {owner}" if owner else ""))
    if it.kind == SECRET and view.get(Secret, ns, new) is not None:
        differs = payload.secret_differs.get(it.name) if payload is not None else None
        if differs:
            return blocker("secret-differs", f"content of the secret {new} is different from that in the snapshot")
        if differs is False or (from_vm and new == it.name):
            return ok("secret-reused", f'Provisioning Secret "{new}" exists with the same data: it is reused.')
        return warning("secret-exists", f'Provisioning Secret "{new}" exists: it is reused if its data equals the '
                                        "stored copy, otherwise the clone fails (content of the secret "
                                        f"{new} is different from that in the snapshot).")
    if it.kind == VMIP:
        return ok("vmip-listed", f"VirtualMachineIPAddress {new} is listed but not created: the clone gets a fresh IP.")
    return None


def _from_vm(view: View, caps: Capabilities, vm: VirtualMachine, mode: str) -> list[Finding]:
    out = []
    phase = vm.phase or "Pending"
    if phase not in ("Stopped", "Running"):
        out.append(blocker("vm-phase", f"Operation type Clone is not applicable for VirtualMachine in phase {phase}"))
    for f in vm_readiness(view, caps, vm, required_consistency=True):
        if f.code != "vm-phase":
            out.append(f if f.level == "ok" else f._replace(
                message="The clone's temporary snapshot always requires consistency: " + f.message))
    out += operation_conflict(view, caps, vm.namespace, vm.name, "Clone")
    if vm.spec.run_policy in ("AlwaysOff", "Manual"):
        wffc = [r.name for r in vm.status.block_device_refs if r.kind == "VirtualDisk"
                and (d := view.get(VirtualDisk, vm.namespace, r.name)) is not None
                and (sc := view.get(StorageClass, "", disk_storage_class(d))) is not None
                and sc.volume_binding_mode == "WaitForFirstConsumer"]
        if wffc:
            out.append(warning("wffc-stuck", f"Disks {', '.join(wffc)} are on WaitForFirstConsumer storage and the "
                                             f"clone keeps runPolicy {vm.spec.run_policy}: the operation stays "
                                             "InProgress (Waiting for the virtual disks to become ready.) until the "
                                             "new VM is started."))
    if mode == "DryRun":
        out.append(warning("dryrun-leaves-snapshot", "A DryRun clone still creates a temporary vmop-clone-* snapshot; "
                                                     "it stays until the operation is deleted (or garbage-collected)."))
    return out


def _from_snapshot(view: View, snapshot: VirtualMachineSnapshot) -> list[Finding]:
    out = snapshot_operation_conflict(view, snapshot.namespace, snapshot.name)
    if snapshot.phase != "Ready":
        out.append(blocker("snapshot-not-ready", f'Snapshot "{snapshot.name}" is {snapshot.phase or "Pending"} — the '
                                                 f'operation would fail at once: The VirtualMachineSnapshot '
                                                 f'"{snapshot.name}" is not ready yet.'))
    return out


def check_clone(view: View, caps: Capabilities, source: VirtualMachine | VirtualMachineSnapshot, *,
                mode: str = "Strict", rules: Sequence[RenameRule] = (), prefix: str = "", suffix: str = "",
                payload: Payload | None = None) -> list[Finding]:
    """§7.5: VMOP Clone (source = a VM) or VMSOP CreateVirtualMachine (source = a VM snapshot)."""
    from_vm = isinstance(source, VirtualMachine)
    if not (caps.clone if from_vm else caps.create_from_snapshot):
        return [blocker("unsupported", "Cloning is not served on this cluster: use VirtualMachineRestore with "
                                       "\"restore as copy\" from a fresh snapshot.")]
    gen = rules_for(caps)
    out = rename_findings(rules, prefix, suffix)
    if isinstance(source, VirtualMachine):
        out += _from_vm(view, caps, source, mode)
        items, complete = vm_items(view, source), True
    else:
        out += _from_snapshot(view, source)
        items, complete = snapshot_items(view, source)
        if not complete:
            out.append(warning("contents-partial", "The snapshot lists no resources: only the VM and its disks are "
                                                   "previewed."))
    for it in items:
        new = renamed(it.kind, it.name, rules, prefix, suffix)
        if problem := clone_name_problem(it.kind, new, gen.disk_name_max):
            out.append(blocker("name-invalid", f"{it.kind} {new}: {problem}"))
        elif (f := _collision(view, source.namespace, it, new, from_vm, payload)) is not None:
            out.append(f)
    out.append(warning("labels-dropped", "The new VM gets no labels: they are deliberately not copied."))
    out.append(warning("new-addresses", "The new VM gets a fresh IP address and fresh MAC addresses."))
    if mode == "BestEffort":
        out.append(warning("best-effort", "BestEffort drops missing image block devices and all USB devices; a "
                                          "provisioning Secret with different data still fails."))
    return out
