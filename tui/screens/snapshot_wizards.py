"""`t` on a VM or a disk: the VirtualDiskSnapshot / VirtualMachineSnapshot wizard, after a permission check.

On a disk row the disk snapshot wizard opens; on a VM row the first step chooses a VM snapshot or a disk
snapshot of one of its disks. Generation differences come from Capabilities (through `wizard_rules`): the
VolumeSnapshotClass picker (disk) or per-StorageClass mapping (VM) only where classes are explicit (seed),
the predicted default class elsewhere. The objects are pinned by UID when the wizard opens.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from tui.kube import manifests, preflight
from tui.kube import snapshot_classes as classes
from tui.kube.access import Verdict
from tui.kube.findings import Finding, blocker
from tui.kube.kinds import BY_ID, Kind
from tui.kube.names import subdomain_problem, suggest_snapshot_name
from tui.kube.objects import (
    KubeObject,
    VirtualDisk,
    VirtualDiskSnapshot,
    VirtualMachine,
    VirtualMachineSnapshot,
    VolumeSnapshotClass,
)
from tui.kube.relations import View
from tui.kube.wizard_rules import rules_for
from tui.live import Live
from tui.screens.wizard import Check, ChoiceOption, Draft, Field, Step, Values, Wizard, choice, flag, text
from tui.screens.writeflow import Writes

if TYPE_CHECKING:
    from tui.screens.nav import Nav

VDS, VMS = BY_ID["vdsnapshot"], BY_ID["vmsnapshot"]
VM_TARGET = "vm"
T = TypeVar("T", bound=KubeObject)
DISK = "disk:"
NAME_MAX = 63
NO_CLASS = ChoiceOption("", "none chosen", "no class could be preselected for this disk's driver: choose one")


def take_snapshot(nav: Nav, kind_id: str, uid: str) -> None:
    """The `t` key: check permissions (cached, else a SelfSubjectAccessReview off the UI thread), then open."""
    obj = nav.live.snapshot.of(kind_id).get(uid)
    if kind_id not in ("vm", "vd") or obj is None:
        nav.app.notify("t takes a snapshot of a VM or a disk: select one", markup=False)
        return
    ns, writes = obj.metadata.namespace, nav.writes
    wanted = [VMS, VDS] if kind_id == "vm" else [VDS]
    cached = {k.id: writes.verdict(k, ns) for k in wanted}
    if all(v is not None for v in cached.values()):
        _open(nav, kind_id, uid, {k: v for k, v in cached.items() if v is not None})
        return

    def ask() -> None:
        verdicts = {k.id: writes.check(k, ns) for k in wanted}
        nav.app.call_from_thread(_open, nav, kind_id, uid, verdicts)

    nav.app.run_worker(ask, thread=True, group="permissions")


def _open(nav: Nav, kind_id: str, uid: str, verdicts: dict[str, Verdict]) -> None:
    live = nav.live
    obj = live.snapshot.of(kind_id).get(uid)
    if obj is None:
        nav.app.notify("the object is gone", severity="warning", markup=False)
        return
    denied = {k: v for k, v in verdicts.items() if not v.allowed}
    if len(denied) == len(verdicts):
        what = "a VM or disk snapshot" if kind_id == "vm" else "a disk snapshot"
        reasons = "; ".join(dict.fromkeys(v.reason for v in denied.values()))
        nav.app.notify(f"Cannot take {what} here: {reasons}", severity="error", markup=False)
        return
    wizard = (vm_wizard(live, nav.writes, obj, denied) if isinstance(obj, VirtualMachine)
              else disk_wizard(live, nav.writes, obj))
    nav.app.push_screen(wizard)


# ---- shared pieces ----------------------------------------------------------------------------
def _name_check(live: Live, kind_for: Callable[[Values], Kind]) -> Check:
    def check(value: str, values: Values) -> str:
        if problem := subdomain_problem(value):
            return problem
        if len(value) > NAME_MAX:
            return f"at most {NAME_MAX} characters (a label-sized name every tool can show and select by)"
        cls = VirtualMachineSnapshot if kind_for(values) is VMS else VirtualDiskSnapshot
        ns = values["namespace"]
        if live.view.get(cls, ns, value) is not None:
            return f'"{value}" already exists in {ns}'
        return ""

    return check


def _consistency(live: Live, what: str) -> Field:
    rules = rules_for(live.caps)
    unmet = "wait in Pending until it can freeze (or the VM stops)" if rules.waits else "fail at once"
    return flag("consistency", "requiredConsistency", True, path="spec.requiredConsistency",
                yes=f"freeze the file system through the guest agent; if it cannot, the {what} will {unmet}",
                no="take it anyway if the VM cannot be frozen: crash-consistent (writes in the guest's memory are "
                   "lost, the file system may need a repair after a restore)")


def _class_options(view: View, disk: VirtualDisk) -> list[ChoiceOption]:
    out = []
    for o in classes.class_options(view, disk):
        help_ = f"driver {o.driver}, deletionPolicy {o.deletion_policy}" + (", default" if o.default else "")
        out.append(ChoiceOption(o.name, o.name, help_ + ("" if o.matches else " — another driver than the disk's")))
    return out


def _class_field(live: Live, key: str, label: str, disk_of: Callable[[Values], VirtualDisk], *, path: str,
                 where: str) -> Field:
    """seed: a picker when classes are listable, else free text with names already used in the namespace."""
    view = live.view
    if view.knows("vsclass") and view.all(VolumeSnapshotClass):
        def options(values: Values) -> list[ChoiceOption]:
            disk = disk_of(values)
            none = [] if classes.preselect(live.view, disk) else [NO_CLASS]
            return none + _class_options(live.view, disk)

        return choice(key, label, options, lambda v: classes.preselect(live.view, disk_of(v)), path=path,
                      help=f"required on this cluster: the VolumeSnapshotClass for {where}")
    ns = disk_of(Values()).namespace
    return text(key, label, lambda v: classes.preselect(live.view, disk_of(v)), path=path,
                suggestions=classes.used_class_names(view, ns),
                help=f"required on this cluster (classes cannot be listed with your permissions): {where}")


def _pinned(live: Live, cls: type[T], uid: str, what: str) -> T:
    obj = live.view.by_uid(cls, uid)
    if obj is None:
        raise ValueError(f"{what} was deleted (or replaced) since the wizard opened: UID {uid} is gone")
    return obj


# ---- the disk snapshot wizard ---------------------------------------------------------------------
def disk_wizard(live: Live, writes: Writes, disk: VirtualDisk) -> Wizard:
    """VirtualDiskSnapshot of one disk."""
    return _wizard(live, writes, None, [disk], {})


def vm_wizard(live: Live, writes: Writes, vm: VirtualMachine, denied: dict[str, Verdict]) -> Wizard:
    """VirtualMachineSnapshot of a VM, or a VirtualDiskSnapshot of one of its disks (first step chooses)."""
    disks = [r.disk for r in preflight.vm_snapshot_disks(live.view, vm) if r.disk is not None]
    return _wizard(live, writes, vm, disks, denied)


def _wizard(live: Live, writes: Writes, vm: VirtualMachine | None, disks: list[VirtualDisk],
            denied: dict[str, Verdict]) -> Wizard:
    caps, rules, now = live.caps, rules_for(live.caps), live.now()
    ns = vm.namespace if vm is not None else disks[0].namespace
    disk_uids = {d.name: d.uid for d in disks}
    no_vds, no_vms = denied.get("vdsnapshot"), denied.get("vmsnapshot")
    targets = []
    if vm is not None:
        targets.append(ChoiceOption(VM_TARGET, f"VM snapshot of {vm.name}",
                                    f"all {len(disks)} disk(s) and the VM's configuration, restorable as a whole",
                                    no_vms.reason if no_vms else ""))
    targets += [ChoiceOption(DISK + d.name, f"disk snapshot of {d.name}", "only this disk",
                             no_vds.reason if no_vds and vm is not None else "") for d in disks]

    def kind_for(values: Values) -> Kind:
        return VMS if values.get("target") == VM_TARGET else VDS

    def disk_of(values: Values) -> VirtualDisk:
        name = values.get("target", "").removeprefix(DISK)
        uid = disk_uids.get(name) or next(iter(disk_uids.values()))
        found = live.view.by_uid(VirtualDisk, uid)
        return found if found is not None else disks[0]

    def suggest(values: Values) -> str:
        base = vm.name if vm is not None and values.get("target") == VM_TARGET else disk_of(values).name
        return suggest_snapshot_name(base, now, NAME_MAX)

    def is_vm(values: Values) -> bool:
        return values.get("target") == VM_TARGET

    def is_disk(values: Values) -> bool:
        return values.get("target", "").startswith(DISK)

    steps = [Step("What", (choice("target", "What to snapshot", targets),))] if vm is not None else []
    preset = {"namespace": ns} | ({} if vm is not None else {"target": DISK + disks[0].name})
    steps.append(Step("Name", (text("name", "metadata.name", suggest, path="metadata.name",
                                    check=_name_check(live, kind_for),
                                    help=f"DNS-1123, at most {NAME_MAX} characters; suggested: "
                                         "<name>-<yyyymmdd-hhmm>"),)))
    steps.append(Step("Consistency", (_consistency(live, "snapshot"),),
                      info=lambda v: "" if rules.explicit_class else _predicted(live, vm, disk_of(v), is_vm(v))))
    if vm is not None:
        steps.append(Step("IP address", (choice("keep_ip", "keepIPAddress", [
            ChoiceOption("Always", "Always", "store the current IP as Static in the snapshot, so a restore keeps "
                                             "it (the live VirtualMachineIPAddress is not changed)"),
            ChoiceOption("Never", "Never", "store it as it is; an Auto IP the VM spec does not name is not "
                                           "stored and a restored VM gets a fresh one")], "Always",
            path="spec.keepIPAddress"),), when=is_vm))
    if rules.explicit_class:
        steps.append(Step("VolumeSnapshotClass", (_class_field(live, "class", "spec.volumeSnapshotClassName",
                                                               disk_of, path="spec.volumeSnapshotClassName",
                                                               where="this disk"),), when=is_disk))
        if vm is not None:
            rows = classes.mapping_rows(live.view, disks)
            mapping = tuple(_class_field(live, f"map:{r.storage_class}", f"StorageClass {r.storage_class} "
                                         f"(disks {', '.join(r.disks)})", _disk_named(live, disks, r.disks[0]),
                                         path="spec.volumeSnapshotClasses", where=f"StorageClass {r.storage_class}")
                            for r in rows)
            if mapping:
                steps.append(Step("VolumeSnapshotClasses", mapping, when=is_vm))

    def mapping_of(values: Values) -> dict[str, str]:
        return {k.removeprefix("map:"): v for k, v in values.items() if k.startswith("map:") and v}

    def findings(values: Values) -> list[Finding]:
        try:
            if is_vm(values) and vm is not None:
                cur_vm = _pinned(live, VirtualMachine, vm.uid, f'VM "{vm.name}"')
                return preflight.check_vm_snapshot(live.view, caps, cur_vm, name=values["name"],
                                                   required_consistency=values.flag("consistency"),
                                                   keep_ip_address=values.get("keep_ip", "Always"),
                                                   class_mapping=mapping_of(values))
            d = disk_of(values)
            cur = _pinned(live, VirtualDisk, d.uid, f'disk "{d.name}"')
            return preflight.check_disk_snapshot(live.view, caps, cur, name=values["name"],
                                                 required_consistency=values.flag("consistency"),
                                                 snapshot_class=values.get("class", ""))
        except ValueError as e:
            return [blocker("pinned", str(e))]

    def draft(values: Values, request_id: str) -> Draft:
        if is_vm(values) and vm is not None:
            return Draft(VMS, manifests.vm_snapshot(caps, namespace=ns, name=values["name"], vm=vm.name,
                                                    request_id=request_id,
                                                    required_consistency=values.flag("consistency"),
                                                    keep_ip_address=values.get("keep_ip", "Always"),
                                                    class_mapping=mapping_of(values)))
        return Draft(VDS, manifests.disk_snapshot(caps, namespace=ns, name=values["name"],
                                                  disk=disk_of(values).name, request_id=request_id,
                                                  required_consistency=values.flag("consistency"),
                                                  snapshot_class=values.get("class", "")))

    title = "Take a snapshot" if vm is not None else "Take a disk snapshot"
    subtitle = f"VM {vm.name} in {ns}" if vm is not None else f"disk {disks[0].name} in {ns}"
    return Wizard(title, steps, findings=findings, draft=draft, writes=writes, subtitle=subtitle, preset=preset,
                  ascii_only=live.options.ascii_only)


def _disk_named(live: Live, disks: list[VirtualDisk], name: str) -> Callable[[Values], VirtualDisk]:
    """A fixed disk of the VM, read live (by UID) whenever the wizard asks."""
    d = next(d for d in disks if d.name == name)

    def get(values: Values) -> VirtualDisk:
        return live.view.by_uid(VirtualDisk, d.uid) or d

    return get


def _predicted(live: Live, vm: VirtualMachine | None, disk: VirtualDisk, whole_vm: bool) -> str:
    """cse+: the class the snapshot-controller will pick, per disk (read-only)."""
    disks = [disk]
    if whole_vm and vm is not None:
        disks = [r.disk for r in preflight.vm_snapshot_disks(live.view, vm) if r.disk is not None]
    lines = [classes.predicted_class(live.view, d).message for d in disks]
    return "VolumeSnapshotClass (chosen by the cluster, not by the snapshot):\n" + "\n".join(
        f"  {line}" for line in lines)

