"""VirtualMachineOperation and VirtualMachineSnapshotOperation: schemas, CEL rules, the VMOP webhook."""

from __future__ import annotations

from typing import Any

from tui.sim.resources import Admission, AdmissionHook, Obj, Reader, ResourceDef, Rule
from tui.sim.schemas.admission import KEYS, OK, deny, dig, name_of, namespace_of, webhook
from tui.sim.schemas.cel import Cel, has, immutable, size_between
from tui.sim.schemas.common import (
    AGE,
    PHASE,
    array,
    boolean,
    column,
    conditions,
    integer,
    map_of,
    name_ref,
    obj,
    root,
    string,
)
from tui.sim.schemas.disks import GROUP, VERSION
from tui.sim.schemas.gen import Gen

MODES = ("DryRun", "Strict", "BestEffort")
POWER_TYPES = ("Restart", "Start", "Stop", "Migrate", "Evict")
OPERATION_PHASES = ("Pending", "InProgress", "Completed", "Failed", "Terminating")
FINISHED = ("Completed", "Failed", "Superseded")
MIGRATE_DEPRECATED = "The Migrate type is deprecated, consider using Evict operation"
AT_LEAST_ONE = ("At least one of customization.namePrefix, customization.nameSuffix, or nameReplacement "
                "must be set")


def vmop_types(gen: Gen) -> tuple[str, ...]:
    return (*POWER_TYPES, *("Restore",) * gen.has("vmop_restore"), *("Clone",) * gen.has("vmop_clone"))


def _clone_block(strict: bool) -> Obj:
    """`spec.clone` (VMOP) / `spec.createVirtualMachine` (VMSOP): how the new VM's objects are named."""
    text = name_ref(strict)
    replacement = obj({"from": obj({"kind": text, "name": text}, required=("name",)), "to": text},
                      required=("from", "to"))
    return obj({
        "customization": obj({"namePrefix": string(), "nameSuffix": string()}),
        "mode": string(enum=MODES),
        "nameReplacement": array(replacement, desc="Singular on purpose: that is the served field name."),
    }, required=("mode",))


def _filled(node: Any, key: str) -> bool:
    return has(node, key) and len(node[key]) > 0


def clone_rules(path: str) -> tuple[Rule, ...]:
    """The three rules on a clone block at `path` (v1.8+)."""
    def some_name(block: Obj) -> bool:
        custom = block.get("customization")
        affixed = _filled(custom, "namePrefix") or _filled(custom, "nameSuffix")
        return (has(block, "customization") and affixed) or _filled(block, "nameReplacement")

    def affix(key: str) -> Cel:
        return Cel(f"{path}.customization", f"{key} length must be between 1 and 59 characters if set",
                   lambda c: not has(c, key) or size_between(c[key], 1, 59))

    each_to = Cel(f"{path}.nameReplacement", "Each nameReplacement.to must be between 1 and 59 characters",
                  lambda items: all(has(r, "to") and size_between(r["to"], 1, 59) for r in items),
                  node_type="array")
    return Cel(path, AT_LEAST_ONE, some_name), affix("namePrefix"), affix("nameSuffix"), each_to


def _not_forced(kind: str) -> Cel:
    return Cel("spec", f"The `{kind}` operation cannot be performed forcibly.",
               lambda s: s.get("type") != kind or not s.get("force"))


def _requires(kind: str, key: str, text: str) -> Cel:
    return Cel("spec", text, lambda s: s.get("type") != kind or has(s, key))


def virtual_machine_operation(gen: Gen) -> ResourceDef:
    strict = gen.has("min_length_names")
    props: Obj = {"force": boolean(), "type": string(enum=vmop_types(gen)),
                  "virtualMachineName": name_ref(strict)}
    rules: list[Rule] = [immutable("spec", ".spec is immutable"), _not_forced("Start")]
    if gen.has("vmop_migrate_force_rule"):
        rules.append(_not_forced("Migrate"))
    if gen.has("vmop_restore"):
        props["restore"] = obj({"mode": string(enum=MODES), "virtualMachineSnapshotName": name_ref(strict)},
                               required=("mode", "virtualMachineSnapshotName"))
        rules.append(_requires("Restore", "restore", "Restore requires restore field."))
    if gen.has("vmop_clone"):
        props["clone"] = _clone_block(strict)
        props["migrate"] = obj({"nodeSelector": map_of()})
        rules += [_requires("Clone", "clone", "Clone requires clone field."),
                  Cel("spec", "spec.migrate can only be set when spec.type is 'Migrate'",
                      lambda s: not has(s, "migrate") or s.get("type") == "Migrate"),
                  *clone_rules("spec.clone")]
    status: Obj = {
        "conditions": conditions(), "observedGeneration": integer(fmt="int64"),
        "phase": string(enum=(*OPERATION_PHASES, *("Superseded",) * gen.has("supersede"))),
    }
    if gen.has("vmop_progress"):
        status["progress"] = string()
    if gen.has("vmop_restore"):
        status["resources"] = _resources(gen)
    seed = gen.has("seed_names")
    return ResourceDef(
        GROUP, VERSION, "VirtualMachineOperation", "virtualmachineoperations", True,
        root(obj(props, required=("type", "virtualMachineName")), obj(status, required=("phase",)),
             desc="A one-shot action on a VM: power, migration, restore or clone."),
        short_names=("vmop", "vmops") if seed else ("vmop",),
        categories=("virtualization", "all") if seed else ("virtualization",),
        columns=(PHASE, *(column("Progress", ".status.progress"),) * gen.has("vmop_progress"),
                 column("Type", ".spec.type"), column("VirtualMachine", ".spec.virtualMachineName"), AGE),
        rules=tuple(rules), admission=(vmop_webhook(gen),),
    )


def _resources(gen: Gen) -> Obj:
    states = ("InProgress", "Completed", "Failed") if gen.has("min_length_names") else None
    fields = {"apiVersion": string(), "kind": string(), "message": string(), "name": string(),
              "status": string(enum=states)}
    return array(obj(fields, required=sorted(fields)))


def can_supersede(old: Obj, new: Obj) -> bool:
    """v1.10 `supersede.CanSupersede`: may `new` replace the unfinished `old` operation of the same VM?"""
    old_type, new_type = str(dig(old, "spec", "type")), str(dig(new, "spec", "type"))
    old_force, new_force = bool(dig(old, "spec", "force")), bool(dig(new, "spec", "force"))
    if old_type == "Start":
        return new_type == "Stop"
    if old_type in ("Stop", "Restart") and not old_force:
        return new_force and new_type in ("Stop", "Restart")
    return old_type in ("Migrate", "Evict") and new_type in ("Stop", "Restart")


def vmop_webhook(gen: Gen) -> AdmissionHook:
    """`vmop.virtualization-controller...` (CREATE only)."""
    hook = webhook("vmop")

    def admit(new: Obj, old: Obj | None, reader: Reader) -> Admission:
        if old is not None:
            return OK
        if gen.has("vmop_migrate_deprecated") and dig(new, "spec", "type") == "Migrate":
            return Admission(warnings=(MIGRATE_DEPRECATED,))
        if not gen.has("supersede"):
            return OK
        vm = dig(new, "spec", "virtualMachineName")
        others = [op for op in reader.list(KEYS["VirtualMachineOperation"], namespace_of(new))
                  if dig(op, "spec", "virtualMachineName") == vm and name_of(op) != name_of(new)
                  and dig(op, "status", "phase") not in FINISHED]
        others.sort(key=lambda op: (str(dig(op, "metadata", "creationTimestamp") or ""), name_of(op)))
        for other in others:
            if not can_supersede(other, new):
                return deny(hook, "VMOP cannot be executed now. Previously created operation "
                                  f'"{name_of(other)}" should finish first')
        return OK

    return admit


def virtual_machine_snapshot_operation(gen: Gen) -> ResourceDef:
    spec = obj({
        "createVirtualMachine": _clone_block(True),
        "type": string(enum=("CreateVirtualMachine",)),
        "virtualMachineSnapshotName": string(min_length=1),
    }, required=("type", "virtualMachineSnapshotName"))
    status = obj({
        "conditions": conditions(), "observedGeneration": integer(fmt="int64"),
        "phase": string(enum=OPERATION_PHASES), "resources": _resources(gen),
    }, required=("phase",))
    rules: tuple[Rule, ...] = (
        immutable("spec", ".spec is immutable"),
        # As served: compares against a type that does not exist, so it never fires.
        _requires("CreateVirtualMachineName", "createVirtualMachine",
                  "CreateVirtualMachineName requires clone field."),
        *clone_rules("spec.createVirtualMachine"),
    )
    return ResourceDef(
        GROUP, VERSION, "VirtualMachineSnapshotOperation", "virtualmachinesnapshotoperations", True,
        root(spec, status, desc="Creates a new VM from a VirtualMachineSnapshot."),
        short_names=("vmsop",), categories=("virtualization",),
        columns=(PHASE, column("Type", ".spec.type"),
                 column("VirtualMachineSnapshot", ".spec.virtualMachineSnapshotName"), AGE),
        rules=rules,
    )
