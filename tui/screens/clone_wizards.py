"""Clone wizards (v1.8+): VMOP Clone of a live VM and VMSOP CreateVirtualMachine from a snapshot.

Names come from `nameReplacement` rows (one per recreated object, proposed free `-copy` names) and/or the
`customization` prefix/suffix; the info panel previews every resulting name with the client-side limits and
collisions. Both run a domain DryRun first (tui.screens.restore_flow), then Strict or BestEffort.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text

from tui.kube import manifests
from tui.kube import restore_progress as rp
from tui.kube.clone_checks import check_clone, clone_name_problem
from tui.kube.contents import snapshot_items, vm_items
from tui.kube.findings import Finding, blocker
from tui.kube.kinds import BY_ID
from tui.kube.names import SECRET, VD, VM, VMBDA, VMIP, Item, RenameRule, renamed
from tui.kube.objects import (
    VirtualMachine,
    VirtualMachineOperation,
    VirtualMachineSnapshot,
    VirtualMachineSnapshotOperation,
)
from tui.kube.relations import View
from tui.kube.restore_checks import LIVE, copy_rules
from tui.kube.wizard_rules import RENAME_MAX, rules_for
from tui.screens.restore_flow import DryRunFirst, start_dry_run_first
from tui.screens.restore_wizards import ordered, pinned_snapshot, row_fields, rules_of, vm_replaced
from tui.screens.wizard import ChoiceOption, Step, Values, Wizard, text

if TYPE_CHECKING:
    from tui.screens.nav import Nav

RENAMED_KINDS = (VM, VD, VMBDA, SECRET)  # a clone's VMIP is listed but never created: no row for it
COPIED_KINDS = (VM, VD, VMBDA)
DRY_RUN_REPORTS = frozenset({"name-taken", "secret-differs"})  # the controller's own ValidateClone verdicts


def _limit(value: str, values: Values) -> str:
    return f"must be between 1 and {RENAME_MAX} characters if set" if len(value) > RENAME_MAX else ""


def _modes(values: Values) -> list[ChoiceOption]:
    return [ChoiceOption("Strict", "Strict", "create exactly what the source has; any conflict fails it"),
            ChoiceOption("BestEffort", "BestEffort", "drops image block devices that no longer exist and ALL USB "
                                                     "devices; a provisioning Secret with different data still fails")]


def _flow(nav: Nav, source: VirtualMachine | VirtualMachineSnapshot, items: Sequence[Item], title: str,
          ) -> DryRunFirst:
    live, caps, ns = nav.live, nav.live.caps, source.namespace
    from_vm = isinstance(source, VirtualMachine)
    rows = ordered(items, RENAMED_KINDS)
    copies = {(r.kind, r.name): r.to for r in copy_rules(live.view, caps, ns, rows, COPIED_KINDS)}
    disk_max = rules_for(caps).disk_name_max
    uid = source.uid

    def renames(values: Values) -> tuple[list[RenameRule], str, str]:
        return rules_of(rows, values), values.get("prefix", ""), values.get("suffix", "")

    def row_check(it: Item, value: str) -> str:
        if not value.strip():
            return ""
        return _limit(value, Values()) or clone_name_problem(it.kind, value, disk_max)

    def preview(values: Values) -> Text:
        rules, prefix, suffix = renames(values)
        out = Text("Resulting names (replacement, then prefix/suffix):", style="bold", end="")
        for it in ordered(items, (*RENAMED_KINDS, VMIP)):
            new = renamed(it.kind, it.name, rules, prefix, suffix)
            problem = clone_name_problem(it.kind, new, disk_max)
            taken = it.kind != VMIP and live.view.get(LIVE[it.kind], ns, new) is not None
            note = problem or ("listed only: the clone gets a fresh IP" if it.kind == VMIP else
                               "exists" if taken else "free")
            out.append(f"\n  {it.kind} {it.name} → {new}  ({note})")
        return out

    def current() -> VirtualMachine | VirtualMachineSnapshot:
        if isinstance(source, VirtualMachine):
            vm = live.view.by_uid(VirtualMachine, uid)
            if vm is None:
                raise ValueError(f'VM "{source.name}" was deleted (or replaced) since the wizard opened')
            return vm
        return pinned_snapshot(live, uid, source.name)

    def findings(values: Values, mode: str) -> list[Finding]:
        rules, prefix, suffix = renames(values)
        try:
            src = current()
        except ValueError as e:
            return [blocker("pinned", str(e))]
        extra = vm_replaced(live, ns, source.name, uid) if from_vm else []
        found = check_clone(live.view, caps, src, mode=mode, rules=rules, prefix=prefix, suffix=suffix)
        if mode == "DryRun":  # the DryRun exists to hear the controller on these: let it run
            found = [f._replace(level="warning") if f.code in DRY_RUN_REPORTS else f for f in found]
        return [*extra, *found]

    def manifest(values: Values, mode: str, request_id: str) -> manifests.Manifest:
        rules, prefix, suffix = renames(values)
        if from_vm:
            return manifests.vmop_clone(caps, namespace=ns, vm=source.name, request_id=request_id, mode=mode,
                                        rules=rules, prefix=prefix, suffix=suffix)
        return manifests.vmsop_create_vm(caps, namespace=ns, snapshot=source.name, request_id=request_id, mode=mode,
                                         rules=rules, prefix=prefix, suffix=suffix)

    def follow(view: View, op_uid: str, values: Values) -> rp.Progress:
        op = (view.by_uid(VirtualMachineOperation, op_uid) if from_vm
              else view.by_uid(VirtualMachineSnapshotOperation, op_uid))
        if op is None:
            return rp.Progress((), False, False, "waiting for the operation to appear…")
        rules, prefix, suffix = renames(values)
        targets = [(it.kind, renamed(it.kind, it.name, rules, prefix, suffix)) for it in rows]
        return rp.operation(view, op, targets)

    def proposal(values: Values, it: Item) -> str:
        return copies.get((it.kind, it.name), "")

    fields = (text("prefix", "customization.namePrefix", "", check=_limit, path="spec"),
              text("suffix", "customization.nameSuffix", "", check=_limit, path="spec"),
              *row_fields(rows, proposal, row_check))
    return DryRunFirst(title, f"{'VM' if from_vm else 'snapshot'} {source.name} in {ns}",
                       BY_ID["vmop" if from_vm else "vmsop"], [Step("Names", fields, info=preview)], findings,
                       manifest, lambda v: list(items), _modes, follow)


def clone_vm(nav: Nav, vm: VirtualMachine) -> Wizard:
    """`C` on a VM: VirtualMachineOperation Clone."""
    return start_dry_run_first(nav, _flow(nav, vm, vm_items(nav.live.view, vm), f"Clone VM {vm.name}"))


def vm_from_snapshot(nav: Nav, snapshot: VirtualMachineSnapshot) -> Wizard:
    """`C` on a VM snapshot: VirtualMachineSnapshotOperation CreateVirtualMachine."""
    items = snapshot_items(nav.live.view, snapshot)[0]
    return start_dry_run_first(nav, _flow(nav, snapshot, items, f"New VM from snapshot {snapshot.name}"))
