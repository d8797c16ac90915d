"""Our DVP kinds per generation: names, schemas, CEL rules and webhooks, with the served messages."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tui.sim import validation
from tui.sim.resources import Admission, Obj, Reader, ResourceDef
from tui.sim.schemas import GENERATIONS, Gen, registry_for

DVP = "virtualization.deckhouse.io/v1alpha2"
HOOK = 'admission webhook "{}.virtualization-controller.validate.d8-virtualization" denied the request: {}'
OLD = ("seed", "cse", "v1.8")
AT_LEAST_ONE = ("At least one of customization.namePrefix, customization.nameSuffix, or nameReplacement "
                "must be set")


class FakeReader(Reader):
    """Objects by resource key (short DVP plurals are expanded), for admission hooks."""

    def __init__(self, **objects: list[Obj]) -> None:
        self.objects = {k if "/" in k else f"{DVP}/{k}": v for k, v in objects.items()}

    def get(self, key: str, namespace: str | None, name: str) -> Obj | None:
        return next((o for o in self.list(key, namespace) if o["metadata"]["name"] == name), None)

    def list(self, key: str, namespace: str | None = None) -> list[Obj]:
        return [o for o in self.objects.get(key, []) if namespace in (None, o["metadata"].get("namespace"))]


def kind(gen: str, name: str, version: str = "v1alpha2") -> ResourceDef:
    d = registry_for(gen).by_kind(f"virtualization.deckhouse.io/{version}", name)
    assert d is not None, f"{name} not served on {gen}"
    return d


def make(name: str, spec: Obj, ns: str = "lab", **extra: Any) -> Obj:
    return {"apiVersion": DVP, "metadata": {"name": name, "namespace": ns}, "spec": spec, **extra}


def admit(d: ResourceDef, new: Obj, old: Obj | None = None, reader: Reader | None = None) -> Admission:
    """All hooks in order, as the server runs them: the first denial wins, warnings add up."""
    warnings: list[str] = []
    for hook in d.admission:
        verdict = hook(new, old, reader or FakeReader())
        warnings += verdict.warnings
        if verdict.denial:
            return Admission(verdict.denial, tuple(warnings))
    return Admission(None, tuple(warnings))


def denied(verdict: Admission) -> str:
    assert verdict.denial is not None, "expected a denial"
    assert (verdict.denial.code, verdict.denial.reason) == (403, "Forbidden")
    return verdict.denial.message


def rules(d: ResourceDef, new: Obj, old: Obj | None = None) -> list[str]:
    return [f"{c.field}: {c.message}" for rule in d.rules for c in rule(new, old)]


def checked(d: ResourceDef, obj: Obj) -> tuple[list[str], list[str]]:
    subject = copy.deepcopy(obj)
    validation.apply_defaults(d.schema, subject)
    causes, unknown = validation.check(d.schema, subject)
    return [f"{c.field}: {c.message}" for c in causes], unknown


# ------------------------------------------------------------------------------------ served kinds


def test_generations() -> None:
    assert GENERATIONS == ("seed", "cse", "v1.8", "v1.10")
    with pytest.raises(ValueError, match="unknown generation"):
        registry_for("v2")
    assert Gen("cse").has("vmop_restore") and not Gen("seed").has("vmop_restore")


@pytest.mark.parametrize(("gen", "served"), [
    ("seed", (True, False, False, False)), ("cse", (True, False, True, False)),
    ("v1.8", (True, True, True, True)), ("v1.10", (False, True, True, True)),
])
def test_which_kinds_are_served(gen: str, served: tuple[bool, ...]) -> None:
    kinds = {(d.kind, d.version) for d in registry_for(gen).defs.values()}
    asked = [("VirtualMachineRestore", "v1alpha2"), ("VirtualMachineSnapshotOperation", "v1alpha2"),
             ("VirtualMachineMACAddress", "v1alpha2"), ("VirtualMachineClass", "v1alpha3")]
    assert tuple(k in kinds for k in asked) == served
    assert ("VirtualMachineClass", "v1alpha2") in kinds


def test_short_names_clash_across_generations() -> None:
    def short(gen: str, alias: str) -> str:
        found = [d.kind for d in registry_for(gen).defs.values() if alias in d.short_names]
        assert len(found) == 1, found
        return found[0]

    assert (short("seed", "vms"), short("seed", "vds")) == ("VirtualMachine", "VirtualDisk")
    for gen in ("cse", "v1.8", "v1.10"):
        assert (short(gen, "vms"), short(gen, "vds")) == ("VirtualMachineSnapshot", "VirtualDiskSnapshot")
    assert (short("seed", "vdsnapshots"), short("v1.10", "vmsop")) == (
        "VirtualDiskSnapshot", "VirtualMachineSnapshotOperation")


def test_categories_scope_and_deprecations() -> None:
    assert "all" in kind("seed", "VirtualDisk").categories
    assert "all" in kind("v1.10", "VirtualMachine").categories
    assert kind("cse", "VirtualDisk").categories == ("virtualization",)
    vmc = kind("v1.10", "VirtualMachineClass", "v1alpha3")
    assert not vmc.namespaced and vmc.categories == ("virtualization-cluster",)
    assert kind("v1.8", "VirtualMachineRestore").deprecation_warning == (
        "The VirtualMachineRestore resource is deprecated, consider using VirtualMachineOperation with type "
        "Restore/Clone")
    assert kind("cse", "VirtualMachineRestore").deprecation_warning is None
    assert kind("v1.8", "VirtualMachineClass").deprecation_warning == (
        "v1alpha2.VirtualMachineClass is deprecated; use v1alpha3.VirtualMachineClass")
    assert kind("v1.8", "VirtualMachineClass", "v1alpha3").deprecation_warning is None


def test_printer_columns_per_generation() -> None:
    def names(gen: str, name: str) -> list[str]:
        return [c["name"] for c in kind(gen, name).columns]

    assert names("seed", "VirtualMachineOperation") == ["Phase", "Type", "VirtualMachine", "Age"]
    assert names("v1.8", "VirtualMachineOperation") == ["Phase", "Progress", "Type", "VirtualMachine", "Age"]
    assert "VirtualMachine" not in names("cse", "VirtualDisk")
    assert "VirtualMachine" in names("v1.8", "VirtualDisk")
    assert (names("v1.8", "VirtualMachine")[1], names("v1.10", "VirtualMachine")[1]) == ("PhaseAge", "Uptime")
    assert names("cse", "VirtualMachineBlockDeviceAttachment")[3] == "VIRTUAL MACHINE NAME"
    assert names("v1.10", "VirtualMachineBlockDeviceAttachment")[3] == "VIRTUALMACHINE"
    assert names("seed", "VirtualDiskSnapshot") == ["Phase", "Consistent", "Age"]


# ------------------------------------------------------------------------------ schemas and defaults

RESTORE = {"type": "Restore", "virtualMachineName": "vm",
           "restore": {"mode": "Strict", "virtualMachineSnapshotName": "s"}}
CLONE = {"type": "Clone", "virtualMachineName": "vm",
         "clone": {"mode": "DryRun", "customization": {"nameSuffix": "-c"}}}
REQUIRED_CLASS = ["spec.volumeSnapshotClassName: Required value"]
EMPTY_DISK = 'spec.virtualDiskName: Invalid value: "": spec.virtualDiskName in body should be at least 1 chars long'
SEED_TYPES = 'supported values: "Restart", "Start", "Stop", "Migrate", "Evict"' 


@pytest.mark.parametrize(("gen", "kind_name", "spec", "causes", "unknown"), [
    ("seed", "VirtualDiskSnapshot", {"virtualDiskName": "d"}, REQUIRED_CLASS, []),
    ("cse", "VirtualDiskSnapshot", {"virtualDiskName": "d"}, [], []),
    ("v1.10", "VirtualDiskSnapshot", {"virtualDiskName": "d", "volumeSnapshotClassName": "x"}, [],
     ["spec.volumeSnapshotClassName"]),
    ("cse", "VirtualDiskSnapshot", {"virtualDiskName": ""}, [], []),
    ("v1.8", "VirtualDiskSnapshot", {"virtualDiskName": ""},
     [EMPTY_DISK], []),
    ("v1.10", "VirtualMachineSnapshot", {"virtualMachineName": "vm", "keepIPAddress": "Sometimes"},
     ['spec.keepIPAddress: Unsupported value: "Sometimes": supported values: "Always", "Never"'], []),
    ("cse", "VirtualMachineSnapshot", {"virtualMachineName": "vm", "volumeSnapshotClasses": []}, [],
     ["spec.volumeSnapshotClasses"]),
    ("seed", "VirtualMachineSnapshot", {"virtualMachineName": "vm", "volumeSnapshotClasses": []}, [], []),
    ("seed", "VirtualMachineOperation", RESTORE, [f'spec.type: Unsupported value: "Restore": {SEED_TYPES}'],
     ["spec.restore"]),
    ("cse", "VirtualMachineOperation", RESTORE, [], []),
    ("cse", "VirtualMachineOperation", CLONE, [f'spec.type: Unsupported value: "Clone": {SEED_TYPES}, "Restore"'],
     ["spec.clone"]),
    ("v1.8", "VirtualMachineOperation", CLONE, [], []),
])
def test_schema_verdicts(gen: str, kind_name: str, spec: Obj, causes: list[str], unknown: list[str]) -> None:
    assert checked(kind(gen, kind_name), make("x", spec)) == (causes, unknown)


def test_defaults() -> None:
    vms = make("s", {"virtualMachineName": "vm"})
    validation.apply_defaults(kind("v1.10", "VirtualMachineSnapshot").schema, vms)
    assert vms["spec"] == {"virtualMachineName": "vm", "keepIPAddress": "Always", "requiredConsistency": True}
    vds = make("s", {"virtualDiskName": "d"})
    validation.apply_defaults(kind("cse", "VirtualDiskSnapshot").schema, vds)
    assert vds["spec"]["requiredConsistency"] is True
    vm = make("vm", {"cpu": {"cores": 1}})
    validation.apply_defaults(kind("seed", "VirtualMachine").schema, vm)
    assert vm["spec"]["cpu"]["coreFraction"] == "100%"
    assert vm["spec"]["disruptions"] == {"restartApprovalMode": "Manual"}
    assert (vm["spec"]["runPolicy"], vm["spec"]["osType"]) == ("AlwaysOnUnlessStoppedManually", "Generic")
    later = make("vm", {"cpu": {"cores": 1}})
    validation.apply_defaults(kind("v1.10", "VirtualMachine").schema, later)
    assert "coreFraction" not in later["spec"]["cpu"]


def test_superseded_phase_only_on_v1_10() -> None:
    def phases(gen: str) -> list[str]:
        status = kind(gen, "VirtualMachineOperation").schema["properties"]["status"]
        return list(status["properties"]["phase"]["enum"])

    assert "Superseded" in phases("v1.10") and "Superseded" not in phases("v1.8")


def test_doc_style_clone_is_pruned_then_refused_by_cel() -> None:
    d = kind("v1.10", "VirtualMachineOperation")
    plural = [{"from": {"name": "a"}, "to": {"name": "b"}}]
    doc = make("op", {"type": "Clone", "virtualMachineName": "vm",
                      "clone": {"mode": "Strict", "nameReplacements": plural}})
    assert validation.prune(d.schema, doc) == ["spec.clone.nameReplacements"]
    assert rules(d, doc) == [f'spec.clone: Invalid value: "object": {AT_LEAST_ONE}']


# ------------------------------------------------------------------------------------------ CEL


def op(type_: str, **spec: Any) -> Obj:
    return make("op", {"type": type_, "virtualMachineName": "vm", **spec})


def sop(**spec: Any) -> Obj:
    return make("op", {"type": "CreateVirtualMachine", "virtualMachineSnapshotName": "s", **spec})


def clone(**block: Any) -> Obj:
    return op("Clone", clone={"mode": "Strict", **block})


def obj_rule(field: str, message: str, node: str = "object") -> str:
    return f'{field}: Invalid value: "{node}": {message}'


HTTP = {"type": "HTTP", "http": {"url": "https://x"}}
FORCED_MIGRATE = obj_rule("spec", "The `Migrate` operation cannot be performed forcibly.")
CEL_CASES: list[tuple[tuple[str, ...], str, Obj, Obj | None, list[str]]] = [
    (GENERATIONS, "VirtualMachineOperation", op("Stop", force=True), op("Stop"),
     [obj_rule("spec", ".spec is immutable")]),
    (GENERATIONS, "VirtualMachineOperation", op("Stop", force=True), None, []),
    (GENERATIONS, "VirtualMachineOperation", op("Start", force=True), None,
     [obj_rule("spec", "The `Start` operation cannot be performed forcibly.")]),
    (("seed", "cse"), "VirtualMachineOperation", op("Migrate", force=True), None, [FORCED_MIGRATE]),
    (("v1.8", "v1.10"), "VirtualMachineOperation", op("Migrate", force=True), None, []),
    (("cse", "v1.8", "v1.10"), "VirtualMachineOperation", op("Restore"), None,
     [obj_rule("spec", "Restore requires restore field.")]),
    (("v1.8", "v1.10"), "VirtualMachineOperation", op("Clone"), None,
     [obj_rule("spec", "Clone requires clone field.")]),
    (("v1.8", "v1.10"), "VirtualMachineOperation", op("Stop", migrate={}), None,
     [obj_rule("spec", "spec.migrate can only be set when spec.type is 'Migrate'")]),
    (("v1.8", "v1.10"), "VirtualMachineOperation", op("Migrate", migrate={}), None, []),
    (("v1.8",), "VirtualMachineOperation", clone(customization={"namePrefix": "copy-"}), None, []),
    (("v1.8",), "VirtualMachineOperation", clone(nameReplacement=[{"from": {"name": "a"}, "to": "b"}]), None,
     []),
    (("v1.8",), "VirtualMachineOperation", clone(), None, [obj_rule("spec.clone", AT_LEAST_ONE)]),
    (("v1.10",), "VirtualMachineOperation", clone(customization={"namePrefix": "p", "nameSuffix": "s" * 60}),
     None,
     [obj_rule("spec.clone.customization", "nameSuffix length must be between 1 and 59 characters if set")]),
    (("v1.10",), "VirtualMachineSnapshotOperation",
     sop(createVirtualMachine={"mode": "Strict", "customization": {"namePrefix": ""},
                               "nameReplacement": [{"from": {"name": "a"}, "to": "x" * 60}]}), None,
     [obj_rule("spec.createVirtualMachine.customization",
               "namePrefix length must be between 1 and 59 characters if set"),
      obj_rule("spec.createVirtualMachine.nameReplacement",
               "Each nameReplacement.to must be between 1 and 59 characters", "array")]),
    # the served "CreateVirtualMachineName requires clone field." never fires
    (("v1.8", "v1.10"), "VirtualMachineSnapshotOperation", sop(), None, []),
    (("v1.8",), "VirtualMachineSnapshotOperation", sop(virtualMachineSnapshotName="t"), sop(),
     [obj_rule("spec", ".spec is immutable")]),
    (("seed", "cse"), "VirtualMachine",
     make("vm", {"virtualMachineClassName": "", "cpu": {"cores": 1, "coreFraction": "0%"}}), None,
     [obj_rule("spec", "Core fraction must be between 1% and 100%."),
      obj_rule("spec.virtualMachineClassName", "The virtualMachineClassName field must not be an empty string.",
               "string")]),
    (("v1.8", "v1.10"), "VirtualMachine",
     make("vm", {"cpu": {"cores": 1}, "provisioning": {"type": "UserData", "userData": "x" * 2049}}), None,
     [obj_rule("spec.provisioning.userData",
               "`userData` exceeds 2048 byte limit; should use `userDataRef` for larger data.", "string")]),
    (GENERATIONS, "VirtualDisk", make("d", {"dataSource": HTTP}), None, []),
    (GENERATIONS, "VirtualDisk", make("d", {"dataSource": {**HTTP, "type": "ObjectRef"}}), None,
     [obj_rule("spec.dataSource", "ObjectRef requires objectRef and cannot have HTTP or ContainerImage.")]),
    (("cse",), "VirtualMachineClass",
     make("c", {"cpu": {"type": "Model"},
                "sizingPolicies": [{"cores": {"min": 1, "max": 4}}, {"cores": {"min": 4, "max": 4, "step": 8}}]}),
     None,
     [obj_rule("spec.cpu", "Model requires model and cannot have features or discovery"),
      obj_rule("spec.sizingPolicies[1].cores", "The maximum must be greater than the minimum"),
      obj_rule("spec.sizingPolicies[1].cores", "The maximum must be greater than the step")]),
    (("seed",), "VirtualMachineClass", make("c", {"cpu": {"type": "Discovery"}}),
     make("c", {"cpu": {"type": "Host"}}),
     [obj_rule("spec.cpu", ".spec.cpu is immutable")]),
]


@pytest.mark.parametrize(("gens", "kind_name", "new", "old", "expected"), CEL_CASES)
def test_cel_rules(gens: tuple[str, ...], kind_name: str, new: Obj, old: Obj | None,
                   expected: list[str]) -> None:
    for gen in gens:
        assert rules(kind(gen, kind_name), new, old) == expected, gen


def test_volume_snapshot_rules() -> None:
    vs = registry_for("cse").defs["snapshot.storage.k8s.io/v1/volumesnapshots"]
    both = {"spec": {"source": {"persistentVolumeClaimName": "p", "volumeSnapshotContentName": "c"},
                     "volumeSnapshotClassName": ""}}
    assert rules(vs, both) == [
        obj_rule("spec.source",
                 "exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set"),
        obj_rule("spec.volumeSnapshotClassName",
                 "volumeSnapshotClassName must not be the empty string when set", "string")]
    old, new = ({"spec": {"source": {"persistentVolumeClaimName": n}}} for n in "pq")
    assert rules(vs, new, old) == [obj_rule("spec.source.persistentVolumeClaimName",
                                            "persistentVolumeClaimName is immutable", "string")]


# ------------------------------------------------------------------------------------- webhooks

BDA = {"virtualMachineName": "vm", "blockDeviceRef": {"kind": "VirtualDisk", "name": "d"}}


@pytest.mark.parametrize(("kind_name", "hook", "spec", "changed"), [
    ("VirtualDiskSnapshot", "vdsnapshot", {"virtualDiskName": "d"}, {"virtualDiskName": "e"}),
    ("VirtualMachineSnapshot", "vmsnapshot", {"virtualMachineName": "vm"}, {"virtualMachineName": "x"}),
    ("VirtualMachineRestore", "vmrestore", {"virtualMachineSnapshotName": "s"},
     {"virtualMachineSnapshotName": "t"}),
    ("VirtualMachineBlockDeviceAttachment", "vmbda", BDA, {**BDA, "virtualMachineName": "other"}),
])
@pytest.mark.parametrize("gen", OLD)
def test_idempotent_specs(gen: str, kind_name: str, hook: str, spec: Obj, changed: Obj) -> None:
    d, old = kind(gen, kind_name), make("x", spec)
    assert admit(d, copy.deepcopy(old)).denial is None
    relabelled = make("x", spec)
    relabelled["metadata"]["labels"] = {"a": "b"}
    assert admit(d, relabelled, old).denial is None
    text = f"{kind_name} is an idempotent resource: specification changes are not available"
    assert denied(admit(d, make("x", changed), old)) == HOOK.format(hook, text)


@pytest.mark.parametrize("gen", GENERATIONS)
def test_disk_names_and_vm_names(gen: str) -> None:
    disk, sized = kind(gen, "VirtualDisk"), {"persistentVolumeClaim": {"size": "1Gi"}}
    assert denied(admit(disk, make("a.b", sized))) == HOOK.format(
        "vd", "the VirtualDisk name \"a.b\" is invalid: '.' is forbidden, "
              "allowed name symbols are [0-9a-zA-Z-]")
    verdict, long_name = admit(disk, make("d" * 61, sized)), "d" * 61
    if gen == "v1.10":
        assert verdict.denial is None
    else:
        assert denied(verdict) == HOOK.format(
            "vd", f'the VirtualDisk name "{long_name}" is too long: it must be no more than 60 characters')
    assert admit(disk, make("d" * 60, sized)).denial is None
    vm = kind(gen, "VirtualMachine")
    assert admit(vm, make("v" * 63, {})).denial is None
    assert denied(admit(vm, make("v" * 64, {}))) == HOOK.format(
        "vm", f'the VirtualMachine name "{"v" * 64}" is too long: it must be no more than 63 characters')


def size(value: str | None = None, **spec: Any) -> Obj:
    return {"persistentVolumeClaim": {} if value is None else {"size": value}, **spec}


DISK_UPDATES: list[tuple[Obj, Obj | None, str | None]] = [
    (make("blank", {}), None, "if the data source is not specified, it's necessary to set "
                              "spec.PersistentVolumeClaim.size to create blank virtual disk"),
    (make("zero", size("0")), None, "virtual disk size must be greater than 0"),
    (make("d", size("20Gi")), make("d", size("10Gi")), None),
    (make("d", size("5Gi")), make("d", size("10Gi")),
     "spec.persistentVolumeClaim.size value (5Gi) should be greater than or equal to the current value "
     "(10Gi)"),
    (make("d", size()), make("d", size("10Gi")),
     "spec.persistentVolumeClaim.size cannot be omitted once set"),
    (make("d", size("1Gi", dataSource=HTTP)), make("d", size("1Gi"), status={"phase": "Ready"}),
     "data source cannot be changed if the VirtualDisk has already been provisioned"),
    (make("d", size("1Gi", dataSource=HTTP)), make("d", size("1Gi"), status={"phase": "Pending"}), None),
    (make("d", size("2Gi")),
     {**make("d", size("1Gi")), "metadata": {"name": "d", "deletionTimestamp": "2025"}},
     "spec cannot be changed if the VirtualDisk is the process of termination"),
]


@pytest.mark.parametrize(("new", "old", "message"), DISK_UPDATES)
def test_disk_webhook(new: Obj, old: Obj | None, message: str | None) -> None:
    verdict = admit(kind("v1.8", "VirtualDisk"), new, old)
    assert (verdict.denial and verdict.denial.message) == (message and HOOK.format("vd", message))


def snapshot_world() -> FakeReader:
    annotations = {"virtualization.deckhouse.io/storage-class-name": "fast"}
    others: dict[str, list[Obj]] = {
        "snapshot.storage.k8s.io/v1/volumesnapshots": [
            {"metadata": {"name": "vs-1", "namespace": "lab", "annotations": annotations},
             "status": {"restoreSize": "10Gi"}}],
        "storage.k8s.io/v1/storageclasses": [
            {"metadata": {"name": "fast"}, "provisioner": "replicated.csi"},
            {"metadata": {"name": "nfs"}, "provisioner": "nfs.csi"}]}
    return FakeReader(
        virtualdisksnapshots=[{"metadata": {"name": "snap", "namespace": "lab"},
                               "status": {"volumeSnapshotName": "vs-1"}}],
        **others)


@pytest.mark.parametrize("gen", GENERATIONS)
def test_disk_from_snapshot(gen: str) -> None:
    d, world = kind(gen, "VirtualDisk"), snapshot_world()
    source = {"type": "ObjectRef", "objectRef": {"kind": "VirtualDiskSnapshot", "name": "snap"}}
    small = admit(d, make("d", size("5Gi", dataSource=source)), reader=world)
    insufficient = "The specified pvc size is insufficient: 5368709120 (5Gi) < 10737418240"
    assert small == Admission(warnings=(insufficient,))
    other = admit(d, make("d", {"dataSource": source, "persistentVolumeClaim": {"storageClassName": "nfs"}}),
                  reader=world)
    if gen == "v1.10":
        assert denied(other) == HOOK.format(
            "vd", 'virtual disk storage class "nfs" provisioner "nfs.csi" does not match the source '
                  'VirtualDiskSnapshot "snap" provisioner "replicated.csi": creating a disk from a snapshot '
                  "on a different CSI driver is not supported")
    else:
        assert other.denial is None
    same = {"dataSource": source, "persistentVolumeClaim": {"storageClassName": "fast", "size": "10Gi"}}
    assert admit(d, make("d", same), reader=world) == Admission()


def vmop(name: str, type_: str, phase: str | None = None, force: bool = False, vm: str = "vm") -> Obj:
    spec: Obj = {"type": type_, "virtualMachineName": vm, **({"force": True} if force else {})}
    out = make(name, spec)
    if phase:
        out["status"] = {"phase": phase}
    return out


@pytest.mark.parametrize(("pending", "new", "blocked"), [
    (vmop("old", "Start", "InProgress"), vmop("new", "Stop"), False),
    (vmop("old", "Start"), vmop("new", "Restart"), True),
    (vmop("old", "Restart", "Pending"), vmop("new", "Stop", force=True), False),
    (vmop("old", "Restart", "Pending"), vmop("new", "Stop"), True),
    (vmop("old", "Stop", "Pending", force=True), vmop("new", "Stop", force=True), True),
    (vmop("old", "Evict", "InProgress"), vmop("new", "Restart"), False),
    (vmop("old", "Restore", "InProgress"), vmop("new", "Stop", force=True), True),
    (vmop("old", "Start", "Pending"), vmop("new", "Restore"), True),
    (vmop("old", "Start", "Completed"), vmop("new", "Restart"), False),
    (vmop("old", "Start", "Superseded"), vmop("new", "Restart"), False),
    (vmop("old", "Start", vm="other"), vmop("new", "Restart"), False),
])
def test_supersede_on_v1_10(pending: Obj, new: Obj, blocked: bool) -> None:
    world = FakeReader(virtualmachineoperations=[pending])
    verdict = admit(kind("v1.10", "VirtualMachineOperation"), new, reader=world)
    text = 'VMOP cannot be executed now. Previously created operation "old" should finish first'
    assert (verdict.denial and verdict.denial.message) == (HOOK.format("vmop", text) if blocked else None)
    assert admit(kind("v1.8", "VirtualMachineOperation"), new, reader=world) == Admission()


def test_migrate_warning_on_seed_and_cse() -> None:
    for gen in ("seed", "cse"):
        assert admit(kind(gen, "VirtualMachineOperation"), vmop("m", "Migrate")) == Admission(
            warnings=("The Migrate type is deprecated, consider using Evict operation",))
    assert admit(kind("v1.8", "VirtualMachineOperation"), vmop("m", "Migrate")) == Admission()


TAKEN = FakeReader(virtualmachineipaddresses=[make("other", {"type": "Auto"},
                                                  status={"address": "10.0.0.5"})])
CANNOT = "the VirtualMachineIPAddress cannot be created: "
IP_OLD = make("ip", {"type": "Auto"}, status={"address": "10.0.0.7"})


@pytest.mark.parametrize(("spec", "old", "message"), [
    ({"type": "Static"}, None,
     "the 'Static IP' field should be set for the IP address with the 'Static' type"),
    ({"type": "Auto", "staticIP": "10.0.0.5"}, None,
     CANNOT + "The 'Static IP' field is set for the ip IP address with the 'Auto' type"),
    ({"type": "Static", "staticIP": "8.8.8.8"}, None, "the requested address 8.8.8.8 is out of the valid range"),
    ({"type": "Static", "staticIP": "10.0.0.5"}, None,
     CANNOT + "the specified IP address 10.0.0.5 has already been allocated and has not been released"),
    ({"type": "Static", "staticIP": "10.0.0.6"}, None, None),
    ({"type": "Static", "staticIP": "10.0.0.7"}, IP_OLD, None),
    ({"type": "Static", "staticIP": "10.0.0.8"}, IP_OLD,
     "only type change Auto->Static is allowed: can't change current IP 10.0.0.7 to the specified 10.0.0.8"),
])
def test_ip_address_webhook(spec: Obj, old: Obj | None, message: str | None) -> None:
    verdict = admit(kind("cse", "VirtualMachineIPAddress"), make("ip", spec), old, TAKEN)
    assert (verdict.denial and verdict.denial.message) == (message and HOOK.format("vmip", message))


def test_block_device_limit() -> None:
    d = kind("v1.10", "VirtualMachineBlockDeviceAttachment")
    vm = make("vm", {"blockDeviceRefs": [{"kind": "VirtualDisk", "name": f"d{i}"} for i in range(10)]})
    attachments = [make(f"a{i}", {"virtualMachineName": "vm"}) for i in range(6)]
    world = FakeReader(virtualmachines=[vm], virtualmachineblockdeviceattachments=attachments)
    new = make("a9", BDA)
    assert denied(admit(d, new, reader=world)) == HOOK.format(
        "vmbda", 'block device attached to VirtualMachine "vm" limit reached: '
                 "16 devices found, 16 is maximum")
    world.objects[f"{DVP}/virtualmachineblockdeviceattachments"] = attachments[:5]
    assert admit(d, new, reader=world) == Admission()


# -------------------------------------------------------------------------------------- built-ins


def test_builtin_kinds() -> None:
    defs = registry_for("v1.10").defs
    snapshots = [f"snapshot.storage.k8s.io/v1/{p}"
                 for p in ("volumesnapshotclasses", "volumesnapshots", "volumesnapshotcontents")]
    for key in ("v1/namespaces", "v1/secrets", "v1/persistentvolumeclaims", "v1/events", "v1/configmaps",
                "storage.k8s.io/v1/storageclasses", *snapshots):
        assert key in defs, key
    sc = defs["storage.k8s.io/v1/storageclasses"]
    assert (sc.short_names, sc.namespaced, sc.custom) == (("sc",), False, False)
    assert [c["name"] for c in sc.columns] == [
        "Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion", "Age"]
    pvc = defs["v1/persistentvolumeclaims"]
    assert [c["name"] for c in pvc.columns][:5] == [
        "Status", "Volume", "Capacity", "Access Modes", "StorageClass"]
    assert defs["snapshot.storage.k8s.io/v1/volumesnapshotclasses"].custom and not defs["v1/secrets"].custom
    for review in ("selfsubjectaccessreviews", "selfsubjectrulesreviews"):
        d = defs[f"authorization.k8s.io/v1/{review}"]
        assert (d.virtual, d.verbs, d.namespaced) == (True, ("create",), False)


def test_builtin_schemas_are_typed_but_permissive_where_it_matters() -> None:
    defs = registry_for("seed").defs
    secret: Obj = {"metadata": {"name": "s"}, "data": {"k": "aGk="}, "stringData": {"x": "y"}}
    validation.apply_defaults(defs["v1/secrets"].schema, secret)
    assert secret["type"] == "Opaque" and validation.check(defs["v1/secrets"].schema, secret) == ([], [])
    pvc = defs["v1/persistentvolumeclaims"].schema
    claim: Obj = {"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                           "dataSource": {"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot",
                                          "name": "vs"}},
                  "status": {"phase": "Bound", "anything": 1}}
    validation.apply_defaults(pvc, claim)
    assert claim["spec"]["volumeMode"] == "Filesystem" and validation.check(pvc, claim) == ([], [])
    assert validation.check(pvc, {"spec": {"storageClass": "x"}})[1] == ["spec.storageClass"]
    sc: Obj = {"provisioner": "p"}
    validation.apply_defaults(defs["storage.k8s.io/v1/storageclasses"].schema, sc)
    assert (sc["reclaimPolicy"], sc["volumeBindingMode"]) == ("Delete", "Immediate")
