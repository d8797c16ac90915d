"""Restore wizards: in place (VMOP Restore, DryRun first, typed VM name) and VirtualMachineRestore (legacy).

Both pin the snapshot (and the VM) by UID when they open: a snapshot or VM replaced under the same name since
then blocks the submit. The legacy wizard edits `nameReplacements` as one row per object the snapshot records
(`status.resources`); "restore as a copy" fills every row with a free `-copy` name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.text import Text

from tui.kube import manifests
from tui.kube import restore_progress as rp
from tui.kube.contents import snapshot_items
from tui.kube.findings import Finding, blocker
from tui.kube.inplace_checks import check_inplace_restore
from tui.kube.kinds import BY_ID
from tui.kube.names import (
    SECRET,
    VD,
    VM,
    VMBDA,
    VMIP,
    VMMAC,
    Item,
    RenameRule,
    name_problem,
    non_conflicting,
    subdomain_problem,
)
from tui.kube.names import preview as rename_preview
from tui.kube.objects import (
    VirtualMachine,
    VirtualMachineOperation,
    VirtualMachineRestore,
    VirtualMachineSnapshot,
)
from tui.kube.preflight import IMAGE_KINDS
from tui.kube.relations import View
from tui.kube.restore_checks import LIVE, check_legacy_restore, copy_rules
from tui.kube.wizard_rules import rules_for
from tui.kube.writes import Outcome
from tui.live import Live
from tui.screens.restore_flow import DryRunFirst, show_progress, start_dry_run_first
from tui.screens.wizard import ChoiceOption, Draft, Field, Step, Values, Wizard, choice, text
from widgets.confirm import TypedConfirm

if TYPE_CHECKING:
    from tui.screens.nav import Nav

KIND_ORDER = (VM, VD, VMBDA, VMIP, VMMAC, SECRET)
RECORDED, COPY = "recorded", "copy"
RUNNING_OR_STOPPED = ("Running", "Stopped")


# ---- shared -------------------------------------------------------------------------------------------
def pinned_snapshot(live: Live, uid: str, name: str) -> VirtualMachineSnapshot:
    snap = live.view.by_uid(VirtualMachineSnapshot, uid)
    if snap is None:
        raise ValueError(f'snapshot "{name}" was deleted (or replaced) since the wizard opened: UID {uid} is gone')
    return snap


def vm_replaced(live: Live, namespace: str, name: str, uid: str) -> list[Finding]:
    """A blocker when the VM seen at opening time was deleted and recreated under the same name."""
    vm = live.view.get(VirtualMachine, namespace, name)
    if uid and vm is not None and vm.uid != uid:
        return [blocker("vm-replaced", f'VM "{name}" was replaced since the wizard opened (UID {uid} → {vm.uid}): '
                                       "close the wizard and look again.")]
    return []


def ordered(items: Sequence[Item], kinds: Sequence[str] = KIND_ORDER) -> list[Item]:
    """The rows of a rename editor: VM first, then disks, attachments, addresses, the provisioning Secret."""
    return sorted((it for it in items if it.kind in kinds), key=lambda it: kinds.index(it.kind))


def row_fields(items: Sequence[Item], proposal: Callable[[Values, Item], str], check: Callable[[Item, str], str],
               ) -> tuple[Field, ...]:
    """One `to` field per recorded object (empty = keep the name); kind and from name are the row's label."""
    def row(i: int, it: Item) -> Field:
        def default(values: Values) -> str:
            return proposal(values, it)

        def problem(value: str, values: Values) -> str:
            return check(it, value)

        return text(f"to-{i}", f"{it.kind} {it.name} → new name (empty: keep)", default, check=problem)

    return tuple(row(i, it) for i, it in enumerate(items))


def rules_of(items: Sequence[Item], values: Values) -> list[RenameRule]:
    return [RenameRule(it.kind, it.name, new) for i, it in enumerate(items)
            if (new := values.get(f"to-{i}", "").strip()) and new != it.name]


def confirm_inplace(live: Live, vm: VirtualMachine, snapshot: VirtualMachineSnapshot, mode: str, what: str,
                    ) -> TypedConfirm:
    """R2: the typed VM name, with both UIDs and exactly what is destroyed."""
    disks = [it.name for it in snapshot_items(live.view, snapshot)[0] if it.kind == VD]
    body = Text()
    body.append(f"VM {vm.name}", style="bold")
    body.append(f"  UID {vm.uid}, now {vm.phase or 'Pending'}\n")
    body.append(f"snapshot {snapshot.name}", style="bold")
    body.append(f"  UID {snapshot.uid}, taken {snapshot.metadata.creation_timestamp or '?'}\n\n")
    body.append(f"{what}: the VM will be stopped and its current disks ({', '.join(disks) or 'none'}) deleted and "
                f"recreated from the snapshot. Everything written after the snapshot is lost. Mode: {mode}.")
    return TypedConfirm(f"Restore VM {vm.name} in place?", body, vm.name, confirm_label="Restore")


# ---- in place: VirtualMachineOperation Restore ------------------------------------------------------------
def inplace_restore(nav: Nav, snapshot: VirtualMachineSnapshot) -> Wizard:
    """VMOP Restore of the VM the snapshot records: DryRun, verdicts, Strict/BestEffort, typed VM name."""
    live, caps, ns = nav.live, nav.live.caps, snapshot.namespace
    vm_name, snap_uid = snapshot.spec.virtual_machine_name, snapshot.uid
    vm0 = live.view.get(VirtualMachine, ns, vm_name)
    vm_uid = vm0.uid if vm0 is not None else ""
    power = vm0.phase if vm0 is not None and vm0.phase in RUNNING_OR_STOPPED else "Stopped"

    def findings(values: Values, mode: str) -> list[Finding]:
        try:
            snap = pinned_snapshot(live, snap_uid, snapshot.name)
        except ValueError as e:
            return [blocker("pinned", str(e))]
        return [*vm_replaced(live, ns, vm_name, vm_uid), *check_inplace_restore(live.view, caps, snap, mode=mode)]

    def manifest(values: Values, mode: str, request_id: str) -> manifests.Manifest:
        return manifests.vmop_restore(caps, namespace=ns, vm=vm_name, snapshot=snapshot.name, request_id=request_id,
                                      mode=mode)

    def items(values: Values) -> list[Item]:
        return snapshot_items(live.view, snapshot)[0]

    def modes(values: Values) -> list[ChoiceOption]:
        vm = live.view.get(VirtualMachine, ns, vm_name)
        images = sorted({f"{r.kind} {r.name}" for r in (vm.spec.block_device_refs if vm else ()) if r.kind in
                         IMAGE_KINDS})
        drops = f"drops {', '.join(images)} if missing" if images else "drops image block devices that no longer exist"
        return [ChoiceOption("Strict", "Strict", "restore exactly what the snapshot records; any conflict fails it"),
                ChoiceOption("BestEffort", "BestEffort", f"{drops}; keeps an existing provisioning Secret whose data "
                                                         "differs")]

    def confirm(values: Values, mode: str) -> TypedConfirm | None:
        vm = live.view.get(VirtualMachine, ns, vm_name)
        snap = live.view.by_uid(VirtualMachineSnapshot, snap_uid)
        return None if vm is None or snap is None else confirm_inplace(live, vm, snap, mode, "In-place restore")

    def follow(view: View, uid: str, values: Values) -> rp.Progress:
        op = view.by_uid(VirtualMachineOperation, uid)
        if op is None:
            return rp.Progress((), False, False, "waiting for the operation to appear…")
        return rp.inplace(view, op, power)

    def intro(values: Values) -> str:
        vm = live.view.get(VirtualMachine, ns, vm_name)
        who = f"VM {vm_name} (UID {vm.uid}, {vm.phase or 'Pending'})" if vm else f"VM {vm_name} (not found)"
        return (f"{who} from snapshot {snapshot.name} (UID {snap_uid}).\nFirst a DryRun operation checks every "
                "object: nothing is stopped or changed. Then you choose Strict or BestEffort; the real restore stops "
                "the VM and replaces its current disks with the snapshot's.")

    flow = DryRunFirst(f"Restore VM {vm_name} in place", f"snapshot {snapshot.name} in {ns}", BY_ID["vmop"],
                       [Step("What happens", (), info=intro)], findings, manifest, items, modes, follow,
                       confirm=confirm, best_effort_ignores_secret=True)
    return start_dry_run_first(nav, flow)


# ---- VirtualMachineRestore (seed, cse, v1.8) ----------------------------------------------------------------
def legacy_restore(nav: Nav, snapshot: VirtualMachineSnapshot, *, copy: bool) -> Wizard:
    """VirtualMachineRestore: Safe/Forced where the schema has it, name replacements, restore as a copy."""
    live, caps, ns = nav.live, nav.live.caps, snapshot.namespace
    view, snap_uid = live.view, snapshot.uid
    kinds = KIND_ORDER if rules_for(caps).macs_captured else tuple(k for k in KIND_ORDER if k != VMMAC)
    items = ordered(snapshot_items(view, snapshot)[0], kinds)
    copies = {(r.kind, r.name): r.to for r in copy_rules(view, caps, ns, items)}
    source_vm = next((it.name for it in items if it.kind == VM), snapshot.spec.virtual_machine_name)
    vm0 = view.get(VirtualMachine, ns, source_vm)
    disk_max = rules_for(caps).disk_name_max
    taken = {o.name for o in view.all(VirtualMachineRestore, ns)}
    default_name = non_conflicting(f"{snapshot.name}-{'copy' if copy else 'restore'}", taken)

    def name_check(value: str, values: Values) -> str:
        if problem := subdomain_problem(value):
            return problem
        return f'"{value}" already exists in {ns}' if live.view.get(VirtualMachineRestore, ns, value) else ""

    fields: list[Field] = [text("name", "metadata.name", default_name, path="metadata.name", check=name_check)]
    if caps.has_restore_mode:
        fields.append(choice("mode", "restoreMode", [
            ChoiceOption("Safe", "Safe", "fail on any conflict with existing objects (nothing is overwritten)"),
            ChoiceOption("Forced", "Forced", "only onto the existing VM: stop it, overwrite its configuration, "
                                             "delete and recreate its conflicting disks (typed VM name)")],
            "Forced" if vm0 is not None and not copy else "Safe", path="spec.restoreMode"))
    fields.append(choice("names", "Names", [
        ChoiceOption(COPY, "restore as a copy", "new free names for the VM, every disk, every attachment and the IP "
                                                "address (-copy, -copy-2…)"),
        ChoiceOption(RECORDED, "keep the recorded names", "recreate the objects under the names the snapshot "
                                                          "records")], COPY if copy else RECORDED))

    def proposal(values: Values, it: Item) -> str:
        return copies.get((it.kind, it.name), "") if values.get("names") == COPY else ""

    def row_check(it: Item, value: str) -> str:
        return name_problem(it.kind, value, disk_max) if value.strip() else ""

    def info(values: Values) -> Text:
        out = Text("Resulting names:", style="bold", end="")
        for r in rename_preview(items, rules_of(items, values), disk_name_max=disk_max):
            exists = live.view.get(LIVE[r.kind], ns, r.new) is not None
            note = r.problem or ("exists" if exists else "free")
            out.append(f"\n  {r.kind} {r.name} → {r.new}  ({note})")
        return out

    def findings(values: Values) -> list[Finding]:
        try:
            snap = pinned_snapshot(live, snap_uid, snapshot.name)
        except ValueError as e:
            return [blocker("pinned", str(e))]
        return check_legacy_restore(live.view, caps, snap, name=values["name"], mode=values.get("mode", "Safe"),
                                    rules=rules_of(items, values))

    def draft(values: Values, request_id: str) -> Draft:
        return Draft(BY_ID["vmrestore"], manifests.vm_restore(caps, namespace=ns, name=values["name"],
                                                              snapshot=snapshot.name, request_id=request_id,
                                                              mode=values.get("mode", "Safe"),
                                                              rules=rules_of(items, values)))

    def confirm(values: Values) -> TypedConfirm | None:
        if values.get("mode") != "Forced":
            return None
        target = next((r.to for r in rules_of(items, values) if r.kind == VM), source_vm)
        vm = live.view.get(VirtualMachine, ns, target)
        snap = live.view.by_uid(VirtualMachineSnapshot, snap_uid)
        return None if vm is None or snap is None else confirm_inplace(live, vm, snap, "Forced",
                                                                      "VirtualMachineRestore Forced")

    steps = [Step("Restore", tuple(fields)), Step("Names", row_fields(items, proposal, row_check), info=info)]
    what = "Restore as a copy" if copy else "Restore"
    wizard = Wizard(f"{what} with VirtualMachineRestore", steps, findings=findings, draft=draft, writes=nav.writes,
                    subtitle=f"snapshot {snapshot.name} in {ns}", confirm=confirm,
                    ascii_only=live.options.ascii_only)

    def created(out: Outcome | None) -> None:
        if out is None or not out.ok:
            return
        uid = str((out.obj or {}).get("metadata", {}).get("uid", ""))
        targets = [(r.kind, r.new) for r in rename_preview(items, rules_of(items, wizard.values),
                                                           disk_name_max=disk_max)]

        def follow(view: View) -> rp.Progress:
            restore = view.by_uid(VirtualMachineRestore, uid)
            if restore is None:
                return rp.Progress((), False, False, "waiting for the restore to appear…")
            return rp.legacy(view, restore, targets)

        show_progress(nav, f"{what}: {wizard.values['name']}", follow)

    nav.app.push_screen(wizard, created)
    return wizard
