"""Preflight of the restore wizards: in-place VMOP Restore (§7.3) and legacy VirtualMachineRestore (§7.4)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from tui.kube.capabilities import Capabilities
from tui.kube.contents import Payload, snapshot_items, stored_address
from tui.kube.findings import Finding, blocker, name_findings, ok, warning
from tui.kube.names import SECRET, VD, VM, VMBDA, VMIP, VMMAC, Item, RenameRule, non_conflicting, preview, renamed
from tui.kube.objects import (
    KubeObject,
    Secret,
    VirtualDisk,
    VirtualMachine,
    VirtualMachineBlockDeviceAttachment,
    VirtualMachineIPAddress,
    VirtualMachineMACAddress,
    VirtualMachineRestore,
    VirtualMachineSnapshot,
)
from tui.kube.relations import View
from tui.kube.wizard_rules import VM_NAME_MAX, rules_for

LIVE: dict[str, type[KubeObject]] = {VM: VirtualMachine, VD: VirtualDisk, VMBDA: VirtualMachineBlockDeviceAttachment,
                                     VMIP: VirtualMachineIPAddress, VMMAC: VirtualMachineMACAddress, SECRET: Secret}
_WORD = {VMIP: "ip", VMMAC: "mac"}
LEGACY_ORDER = (VMIP, VMMAC, VM, VD, VMBDA, SECRET)  # the controller validates in this order


def mounted_by_other(disk: VirtualDisk, vm: str) -> str:
    """The VM (other than `vm`) that has the disk mounted now; "" if none."""
    return next((a.name for a in disk.status.attached_to_virtual_machines if a.mounted and a.name != vm), "")


def address_user(obj: VirtualMachineIPAddress | VirtualMachineMACAddress) -> str | None:
    """The VM a VMIP/VMMAC is attached to ("" when attached without a name); None when it is free."""
    if obj.status.virtual_machine_name:
        return obj.status.virtual_machine_name
    return "" if obj.phase == "Attached" else None


def address_holder(view: View, kind: str, namespace: str, address: str, own: str,
                   ) -> VirtualMachineIPAddress | VirtualMachineMACAddress | None:
    """Another VMIP/VMMAC (not named `own`) that holds `address`."""
    found: list[VirtualMachineIPAddress | VirtualMachineMACAddress] = []
    found += view.all(VirtualMachineIPAddress, namespace) if kind == VMIP else view.all(VirtualMachineMACAddress,
                                                                                         namespace)
    for o in found:
        if o.name != own and address in (o.spec.static_ip or o.spec.address, o.status.address):
            return o
    return None


def _safe_conflict(view: View, snap: VirtualMachineSnapshot, it: Item, new: str, payload: Payload | None) -> str:
    """The Safe-mode conflict message of one restored object (the controller's words); "" when free."""
    ns = snap.namespace
    cur = view.get(LIVE[it.kind], ns, new)
    if it.kind in (VMIP, VMMAC):
        word = _WORD[it.kind]
        if cur is not None:
            assert isinstance(cur, VirtualMachineIPAddress | VirtualMachineMACAddress)
            return "" if address_user(cur) is None else (
                f'The virtual machine {word} address "{new}" is already in use and cannot be used for the restored '
                "virtual machine.")
        address = stored_address(view, snap, it, payload)
        other = address_holder(view, it.kind, ns, address, new) if address else None
        return "" if other is None else (
            f'The set address "{address}" is already in use by the different virtual machine {word} address '
            f'"{other.name}" and cannot be used for the restored virtual machine. (A snapshot taken with '
            "keepIPAddress: Never does not pin the address.)")
    if cur is None:
        return ""
    if it.kind == SECRET:
        differs = payload.secret_differs.get(it.name) if payload is not None else None
        return "" if not differs else (
            f'The provisioner secret "{new}" already exists and does not have the same data content.')
    noun = {VM: "virtual machine", VD: "virtual disk", VMBDA: "virtual machine block device attachment"}[it.kind]
    return f'The {noun} "{new}" already exists.'


def _forced(view: View, caps: Capabilities, snap: VirtualMachineSnapshot, source_vm: str, target_vm: str,
            targets: list[tuple[Item, str]], payload: Payload | None) -> list[Finding]:
    vm = view.get(VirtualMachine, snap.namespace, target_vm)
    if vm is None:
        return [blocker("forced-needs-vm", "Restoration with `Forced` mode can be applied only to an existing virtual "
                                           "machine; you can restore the virtual machine with `Safe` mode.")]
    out = []
    if (vm.phase or "Pending") == "Pending":
        out.append(blocker("forced-pending", "A virtual machine cannot be restored from the pending phase with "
                                             "`Forced` mode; you can delete the virtual machine and restore it with "
                                             "`Safe` mode."))
    if rules_for(caps).seed_restore and target_vm != source_vm:
        out.append(blocker("forced-renamed", f'Forced together with a renamed VM stops the VM with the original name '
                                             f'"{source_vm}", not "{target_vm}": not allowed.'))
    always_off = " (runPolicy AlwaysOff meanwhile)" if rules_for(caps).forced_sets_always_off else ""
    out.append(warning("forced-overwrites", f'VM "{target_vm}" will be stopped{always_off}, its configuration '
                                            "overwritten and its conflicting disks and VMBDAs deleted and recreated "
                                            "from the snapshot: data written since is lost."))
    for it, new in targets:
        cur = view.get(LIVE[it.kind], snap.namespace, new)
        if isinstance(cur, VirtualDisk) and mounted_by_other(cur, target_vm):
            out.append(blocker("conflict", f'The virtual disk "{new}" already in use.'))
        elif isinstance(cur, VirtualMachineIPAddress | VirtualMachineMACAddress):
            if address_user(cur) not in (None, "", target_vm):
                out.append(blocker("conflict", _safe_conflict(view, snap, it, new, payload)))
        elif it.kind in (VMIP, VMMAC, SECRET) and (msg := _safe_conflict(view, snap, it, new, payload)):
            out.append(blocker("conflict", msg))
    return out


def check_legacy_restore(view: View, caps: Capabilities, snapshot: VirtualMachineSnapshot, *, name: str,
                         mode: str = "Safe", rules: Sequence[RenameRule] = (), payload: Payload | None = None,
                         ) -> list[Finding]:
    """§7.4: VirtualMachineRestore — every conflict at once (the controller reports only the first)."""
    if not caps.legacy_restore:
        return [blocker("unsupported", "VirtualMachineRestore is not served on this cluster (removed in v1.9): use "
                                       "VirtualMachineOperation Restore or Clone, or a "
                                       "VirtualMachineSnapshotOperation.")]
    gen = rules_for(caps)
    out = name_findings(view, VirtualMachineRestore, "virtualmachinerestores", snapshot.namespace, name)
    if gen.legacy_deprecated:
        out.append(warning("deprecated", "The VirtualMachineRestore resource is deprecated, consider using "
                                         "VirtualMachineOperation with type Restore/Clone"))
    if mode == "Forced" and not caps.has_restore_mode:
        out.append(blocker("restore-mode-unsupported", "This cluster has no restoreMode: only Safe restores exist."))
    if snapshot.phase != "Ready":
        out.append(blocker("snapshot-not-ready", f'Snapshot "{snapshot.name}" is {snapshot.phase or "Pending"} — the '
                                                 "restore would wait in Pending (Waiting for the virtual machine "
                                                 f'snapshot "{snapshot.name}" to be ready to use.)'))
    items, complete = snapshot_items(view, snapshot)
    if not complete:
        out.append(warning("contents-partial", "The snapshot lists no resources: only the VM and its disks are "
                                               "checked (not its VMIP, VMBDAs or provisioning Secret)."))
    for r in rules:
        if not any(it.name == r.name and r.kind in ("", it.kind) for it in items):
            out.append(warning("rule-unused", f"No restored object is named {r.name}"
                                              f"{' of kind ' + r.kind if r.kind else ''}: the rule does nothing."))
    renames = preview(items, rules, disk_name_max=gen.disk_name_max)
    out += [blocker("name-invalid", f"{r.kind} {r.new}: {r.problem}") for r in renames if r.problem]
    targets = [(Item(r.kind, r.name), r.new) for r in renames]
    source_vm = next((it.name for it in items if it.kind == VM), snapshot.spec.virtual_machine_name)
    target_vm = renamed(VM, source_vm, rules)
    if mode == "Forced":
        out += _forced(view, caps, snapshot, source_vm, target_vm, targets, payload)
    else:
        for kind in LEGACY_ORDER:
            out += [blocker("conflict", msg) for it, new in targets
                    if it.kind == kind and (msg := _safe_conflict(view, snapshot, it, new, payload))]
        out += _secret_unknown(view, snapshot, targets, payload)
        if gen.seed_restore and target_vm == source_vm and view.get(VirtualMachine, snapshot.namespace,
                                                                    target_vm) is None:
            out.append(warning("seed-own-conflict", f'Recreating VM "{target_vm}" under its own name usually ends '
                                                    f'Failed with "The virtual machine "{target_vm}" already exists." '
                                                    "although every object was created: the seed controller trips "
                                                    "over its own objects on the second pass."))
    out += _side_effects(view, caps, snapshot, source_vm, target_vm, mode)
    return out


def _secret_unknown(view: View, snap: VirtualMachineSnapshot, targets: list[tuple[Item, str]],
                    payload: Payload | None) -> list[Finding]:
    return [warning("secret-exists", f'Provisioning Secret "{new}" exists: it is reused only if its data equals the '
                                     "stored copy, otherwise the restore fails (The provisioner secret "
                                     f'"{new}" already exists and does not have the same data content.)')
            for it, new in targets if it.kind == SECRET and view.get(Secret, snap.namespace, new) is not None
            and (payload is None or it.name not in payload.secret_differs)]


def _side_effects(view: View, caps: Capabilities, snap: VirtualMachineSnapshot, source_vm: str, target_vm: str,
                  mode: str) -> list[Finding]:
    out = []
    vmbdas = [b.name for b in view.all(VirtualMachineBlockDeviceAttachment, snap.namespace)
              if b.spec.virtual_machine_name == source_vm]
    if vmbdas:
        copy = " — restoring a copy detaches hot-plugged disks from the original VM" if target_vm != source_vm else ""
        out.append(warning("vmbdas-deleted", f'The VMBDAs of the original VM "{source_vm}" ({", ".join(vmbdas)}) '
                                             f"will be deleted{copy}."))
    gen = rules_for(caps)
    if gen.seed_restore:
        out.append(warning("start-after-restore", "When the restore turns Ready, a Start operation is created for the "
                                                  "restored VM if it is Stopped, whatever its runPolicy."))
    elif mode == "Forced":
        out.append(ok("start-after-restore", "A Start operation follows only for runPolicy "
                                             "AlwaysOnUnlessStoppedManually."))
    out.append(ok("ready-means-created", "Ready means the objects were created, not that the VM runs or its disks "
                                         "are provisioned: follow the new disks."))
    return out


def restore_as_copy_rules(view: View, caps: Capabilities, snapshot: VirtualMachineSnapshot) -> list[RenameRule]:
    """"Restore as copy": free `-copy` names for the VM, every disk, every VMBDA and the stored VMIP."""
    return copy_rules(view, caps, snapshot.namespace, snapshot_items(view, snapshot)[0])


def copy_rules(view: View, caps: Capabilities, namespace: str, items: Sequence[Item],
               kinds: Collection[str] = (VM, VD, VMBDA, VMIP)) -> list[RenameRule]:
    """Free `-copy`, `-copy-2`, … names (within the kind's name limit) for the items of `kinds`."""
    limit = {VM: VM_NAME_MAX, VD: rules_for(caps).disk_name_max}
    out = []
    for it in items:
        if it.kind in kinds:
            taken = {o.name for o in view.all(LIVE[it.kind], namespace)} | {it.name}
            out.append(RenameRule(it.kind, it.name, non_conflicting(it.name, taken, limit.get(it.kind, 253))))
    return out
