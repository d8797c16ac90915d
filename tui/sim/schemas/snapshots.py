"""VirtualMachineSnapshot and the legacy VirtualMachineRestore (seed, cse, v1.8)."""

from __future__ import annotations

from tui.sim.resources import Obj, ResourceDef
from tui.sim.schemas.admission import idempotent_spec
from tui.sim.schemas.common import (
    AGE,
    PHASE,
    array,
    boolean,
    column,
    conditions,
    integer,
    obj,
    root,
    string,
)
from tui.sim.schemas.disks import GROUP, SNAPSHOT_PHASES, VERSION
from tui.sim.schemas.gen import Gen

RESTORE_DEPRECATION = (
    "The VirtualMachineRestore resource is deprecated, consider using VirtualMachineOperation with type "
    "Restore/Clone"
)


def virtual_machine_snapshot(gen: Gen) -> ResourceDef:
    props: Obj = {
        "keepIPAddress": string(enum=("Always", "Never"), default="Always",
                                desc="Always: store the VM's current address as a static one."),
        "requiredConsistency": boolean(default=True, desc="Freeze the guest or fail."),
        "virtualMachineName": string(min_length=1, desc="The VM to snapshot."),
    }
    if gen.has("explicit_snapshot_class"):
        props["volumeSnapshotClasses"] = array(
            obj({"storageClassName": string(), "volumeSnapshotClassName": string()},
                required=("storageClassName", "volumeSnapshotClassName")),
            desc="VolumeSnapshotClass per StorageClass of the VM's disks.")
    spec = obj(props, required=("keepIPAddress", "requiredConsistency", "virtualMachineName"))
    status = obj({
        "conditions": conditions(),
        "consistent": boolean(),
        "observedGeneration": integer(fmt="int64"),
        "phase": string(enum=SNAPSHOT_PHASES),
        "resources": array(obj({"apiVersion": string(), "kind": string(), "name": string()})),
        "virtualDiskSnapshotNames": array(string()),
        "virtualMachineSnapshotSecretName": string(),
    }, required=("phase",))
    seed = gen.has("seed_names")
    return ResourceDef(
        GROUP, VERSION, "VirtualMachineSnapshot", "virtualmachinesnapshots", True,
        root(spec, status, desc="A snapshot of a VM: its disks' snapshots plus its configuration."),
        short_names=("vmsnapshot", "vmsnapshots") if seed else ("vmsnapshot", "vms"),
        categories=("all", "virtualization") if seed else ("virtualization",),
        columns=(PHASE, column("Consistent", ".status.consistent", "boolean"), AGE),
        admission=(idempotent_spec("vmsnapshot", "VirtualMachineSnapshot"),),
    )


def virtual_machine_restore(gen: Gen) -> ResourceDef:
    strict = gen.has("min_length_names")
    text = string(min_length=1 if strict else None)
    replacement = obj({"from": obj({"kind": text, "name": text}, required=("name",)), "to": text},
                      required=("from", "to"))
    spec = obj({
        "nameReplacements": array(replacement, desc="Rename restored objects."),
        "restoreMode": string(enum=("Safe", "Forced"), default="Safe"),
        "virtualMachineSnapshotName": string(min_length=1),
    }, required=("virtualMachineSnapshotName",))
    status = obj({
        "conditions": conditions(),
        "observedGeneration": integer(fmt="int64"),
        "phase": string(enum=SNAPSHOT_PHASES),
    }, required=("phase",))
    return ResourceDef(
        GROUP, VERSION, "VirtualMachineRestore", "virtualmachinerestores", True,
        root(spec, status, desc="Restores a VM and its resources from a VirtualMachineSnapshot."),
        short_names=("vmrestore", "vmrestores") if gen.has("seed_names") else ("vmrestore",),
        categories=("virtualization",),
        columns=(PHASE, AGE),
        deprecation_warning=RESTORE_DEPRECATION if gen.has("vm_restore_deprecated") else None,
        admission=(idempotent_spec("vmrestore", "VirtualMachineRestore"),),
    )
