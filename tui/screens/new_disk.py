"""`R` on a disk snapshot: a new VirtualDisk from it (all generations), then followed to Ready.

Name: a free `<disk>-recovered` by default (disk name rules of this generation). Size: the original size
(v1.10) or the snapshot's restoreSize, never below restoreSize. StorageClass: only classes of the same CSI
driver, and only where the field is honoured (v1.8+); seed and cse use the recorded class, so the field is hidden.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.kube import manifests
from tui.kube import restore_progress as rp
from tui.kube.findings import Finding, blocker
from tui.kube.kinds import BY_ID
from tui.kube.names import disk_name_problem, non_conflicting
from tui.kube.new_disk_checks import (
    check_disk_from_snapshot,
    default_size,
    recorded_storage_class,
    restore_size,
    storage_class_choices,
)
from tui.kube.objects import StorageClass, VirtualDisk, VirtualDiskSnapshot
from tui.kube.quantity import parse_bytes
from tui.kube.relations import View
from tui.kube.wizard_rules import rules_for
from tui.kube.writes import Outcome
from tui.screens.restore_flow import show_progress
from tui.screens.wizard import ChoiceOption, Draft, Field, Step, Values, Wizard, choice, text

if TYPE_CHECKING:
    from tui.screens.nav import Nav


def new_disk(nav: Nav, snapshot: VirtualDiskSnapshot) -> Wizard:
    """The wizard, pushed; when the disk is created a progress view follows it."""
    live, caps, ns = nav.live, nav.live.caps, snapshot.namespace
    view, uid, rules = live.view, snapshot.uid, rules_for(caps)
    taken = {d.name for d in view.all(VirtualDisk, ns)}
    base = snapshot.spec.virtual_disk_name or snapshot.name
    name0 = non_conflicting(f"{base}-recovered", taken, rules.disk_name_max)
    size0, minimum = default_size(view, caps, snapshot), restore_size(view, snapshot)
    classes = storage_class_choices(view, caps, snapshot)
    recorded = recorded_storage_class(view, snapshot)

    def name_check(value: str, values: Values) -> str:
        if problem := disk_name_problem(value, rules.disk_name_max):
            return problem
        return f'"{value}" already exists in {ns}' if live.view.get(VirtualDisk, ns, value) is not None else ""

    def size_check(value: str, values: Values) -> str:
        if value and parse_bytes(value) is None:
            return f'"{value}" is not a quantity (e.g. 20Gi)'
        return ""

    size_help = (f"at least the snapshot's restoreSize {minimum or '(unknown)'}" if rules.disk_class_honoured else
                 f"the disk is created at restoreSize {minimum or '(unknown)'}; a larger size is applied afterwards "
                 "as a resize (the StorageClass must allow expansion)")
    fields: list[Field] = [text("name", "metadata.name", name0, path="metadata.name", check=name_check,
                                help="no '.'" + (f", at most {rules.disk_name_max} characters"
                                                 if rules.disk_name_max < 253 else "")),
                           text("size", "persistentVolumeClaim.size", size0, path="spec.persistentVolumeClaim.size",
                                check=size_check, help=size_help)]
    if classes:
        options = [ChoiceOption(c, c, _class_help(live.view, c, recorded)) for c in classes]
        fields.append(choice("storage_class", "persistentVolumeClaim.storageClassName", options, recorded,
                             path="spec.persistentVolumeClaim.storageClassName",
                             help="only classes of the snapshot's CSI driver"))

    def findings(values: Values) -> list[Finding]:
        snap = live.view.by_uid(VirtualDiskSnapshot, uid)
        if snap is None:
            return [blocker("pinned", f'disk snapshot "{snapshot.name}" was deleted (or replaced) since the wizard '
                                      f"opened: UID {uid} is gone")]
        return check_disk_from_snapshot(live.view, caps, snap, name=values["name"], size=values.get("size", ""),
                                        storage_class=values.get("storage_class", ""))

    def size_to_send(values: Values) -> str:
        """seed/cse create the disk at restoreSize anyway: a size equal to it is left out (the docs' shape)."""
        size = values.get("size", "").strip()
        if not rules.disk_class_honoured and minimum and parse_bytes(size) == parse_bytes(minimum):
            return ""
        return size

    def draft(values: Values, request_id: str) -> Draft:
        return Draft(BY_ID["vd"], manifests.disk_from_snapshot(caps, namespace=ns, name=values["name"],
                                                               snapshot=snapshot.name, request_id=request_id,
                                                               size=size_to_send(values),
                                                               storage_class=values.get("storage_class", "")))

    wizard = Wizard("New disk from snapshot", [Step("Disk", tuple(fields))], findings=findings, draft=draft,
                    writes=nav.writes, subtitle=f"disk snapshot {snapshot.name} in {ns}",
                    ascii_only=live.options.ascii_only)

    def created(out: Outcome | None) -> None:
        if out is not None and out.ok:
            name = str((out.obj or {}).get("metadata", {}).get("name", wizard.values["name"]))

            def follow(view: View) -> rp.Progress:
                return rp.new_disk(view, ns, name)

            show_progress(nav, f"New disk {name}", follow)

    nav.app.push_screen(wizard, created)
    return wizard


def _class_help(view: View, name: str, recorded: str) -> str:
    sc = view.get(StorageClass, "", name)
    parts = [sc.provisioner, sc.volume_binding_mode or "Immediate"] if sc is not None else []
    if name == recorded:
        parts.append("recorded in the snapshot")
    return ", ".join(p for p in parts if p)
