"""Request bodies of every wizard (dvp-api §8), per generation, driven by Capabilities flags."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tui.kube.capabilities import Capabilities
from tui.kube.names import RenameRule
from tui.kube.objects import ANN_REQUEST_ID
from tui.kube.wizard_rules import rules_for

API_VERSION = "virtualization.deckhouse.io/v1alpha2"
MODES = ("DryRun", "Strict", "BestEffort")
RESTORE_MODES = ("Safe", "Forced")
KEEP_IP = ("Always", "Never")

Manifest = dict[str, Any]


def _object(kind: str, namespace: str, request_id: str, spec: Manifest, *, name: str = "",
            generate_name: str = "") -> Manifest:
    if not request_id:
        raise ValueError("a request id is required (idempotent retries)")
    meta: Manifest = {"name": name} if name else {"generateName": generate_name}
    meta |= {"namespace": namespace, "annotations": {ANN_REQUEST_ID: request_id}}
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": meta, "spec": spec}


def _choice(value: str, allowed: Sequence[str], field: str) -> str:
    if value not in allowed:
        raise ValueError(f"{field} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _replacements(rules: Sequence[RenameRule]) -> list[Manifest]:
    """`from: {kind, name}` (kind omitted = any kind); `to` is a string in both the legacy plural field and the
    clone's singular `nameReplacement` (not the `to: {name}` of the v1.10 guide, §0.5)."""
    out = []
    for r in rules:
        if not r.name or not r.to:
            raise ValueError(f"a name replacement needs from.name and to: {r}")
        src: Manifest = {"kind": r.kind, "name": r.name} if r.kind else {"name": r.name}
        out.append({"from": src, "to": r.to})
    return out


def disk_snapshot(caps: Capabilities, *, namespace: str, name: str, disk: str, request_id: str,
                  required_consistency: bool = True, snapshot_class: str = "") -> Manifest:
    """VirtualDiskSnapshot; seed adds the required `volumeSnapshotClassName` (other generations reject it)."""
    spec: Manifest = {"virtualDiskName": disk}
    if caps.explicit_snapshot_class:
        if not snapshot_class:
            raise ValueError("spec.volumeSnapshotClassName is required on this cluster")
        spec["volumeSnapshotClassName"] = snapshot_class
    spec["requiredConsistency"] = required_consistency
    return _object("VirtualDiskSnapshot", namespace, request_id, spec, name=name)


def vm_snapshot(caps: Capabilities, *, namespace: str, name: str, vm: str, request_id: str,
                required_consistency: bool = True, keep_ip_address: str = "Always",
                class_mapping: Mapping[str, str] | None = None) -> Manifest:
    """VirtualMachineSnapshot; seed adds `volumeSnapshotClasses` (one entry per StorageClass, no duplicates)."""
    spec: Manifest = {"virtualMachineName": vm, "requiredConsistency": required_consistency,
                      "keepIPAddress": _choice(keep_ip_address, KEEP_IP, "keepIPAddress")}
    if caps.explicit_snapshot_class and class_mapping:
        spec["volumeSnapshotClasses"] = [{"storageClassName": sc, "volumeSnapshotClassName": cls}
                                         for sc, cls in class_mapping.items()]
    return _object("VirtualMachineSnapshot", namespace, request_id, spec, name=name)


def vm_restore(caps: Capabilities, *, namespace: str, name: str, snapshot: str, request_id: str,
               mode: str = "Safe", rules: Sequence[RenameRule] = ()) -> Manifest:
    """VirtualMachineRestore (seed, cse, v1.8): `restoreMode` only where the schema has it; `nameReplacements`
    is plural here."""
    if not caps.legacy_restore:
        raise ValueError("VirtualMachineRestore is not served on this cluster")
    spec: Manifest = {"virtualMachineSnapshotName": snapshot}
    if caps.has_restore_mode:
        spec["restoreMode"] = _choice(mode, RESTORE_MODES, "restoreMode")
    elif mode != "Safe":
        raise ValueError("this cluster has no restoreMode: only Safe restores exist")
    if rules:
        spec["nameReplacements"] = _replacements(rules)
    return _object("VirtualMachineRestore", namespace, request_id, spec, name=name)


def vmop_restore(caps: Capabilities, *, namespace: str, vm: str, snapshot: str, request_id: str,
                 mode: str = "DryRun", generate_name: str = "") -> Manifest:
    """VirtualMachineOperation Restore (cse+): in place, no renaming; `vm` is the VM recorded in the snapshot."""
    if not caps.in_place_restore:
        raise ValueError("VirtualMachineOperation Restore is not served on this cluster")
    spec: Manifest = {"type": "Restore", "virtualMachineName": vm,
                      "restore": {"mode": _choice(mode, MODES, "restore.mode"), "virtualMachineSnapshotName": snapshot}}
    return _object("VirtualMachineOperation", namespace, request_id, spec,
                   generate_name=generate_name or f"restore-{vm}-")


def _clone_spec(mode: str, rules: Sequence[RenameRule], prefix: str, suffix: str) -> Manifest:
    """The clone block shared by VMOP `spec.clone` and VMSOP `spec.createVirtualMachine`."""
    spec: Manifest = {"mode": _choice(mode, MODES, "mode")}
    if rules:
        spec["nameReplacement"] = _replacements(rules)
    custom = {k: v for k, v in (("namePrefix", prefix), ("nameSuffix", suffix)) if v}
    if custom:
        spec["customization"] = custom
    if not rules and not custom:
        raise ValueError("At least one of customization.namePrefix, customization.nameSuffix, or nameReplacement "
                         "must be set")
    return spec


def vmop_clone(caps: Capabilities, *, namespace: str, vm: str, request_id: str, mode: str = "Strict",
               rules: Sequence[RenameRule] = (), prefix: str = "", suffix: str = "", generate_name: str = "",
               ) -> Manifest:
    """VirtualMachineOperation Clone (v1.8+)."""
    if not caps.clone:
        raise ValueError("VirtualMachineOperation Clone is not served on this cluster")
    spec: Manifest = {"type": "Clone", "virtualMachineName": vm, "clone": _clone_spec(mode, rules, prefix, suffix)}
    return _object("VirtualMachineOperation", namespace, request_id, spec,
                   generate_name=generate_name or f"clone-{vm}-")


def vmsop_create_vm(caps: Capabilities, *, namespace: str, snapshot: str, request_id: str, mode: str = "Strict",
                    rules: Sequence[RenameRule] = (), prefix: str = "", suffix: str = "",
                    generate_name: str = "from-snap-") -> Manifest:
    """VirtualMachineSnapshotOperation CreateVirtualMachine (v1.8+): a new VM from a snapshot."""
    if not caps.create_from_snapshot:
        raise ValueError("VirtualMachineSnapshotOperation is not served on this cluster")
    spec: Manifest = {"type": "CreateVirtualMachine", "virtualMachineSnapshotName": snapshot,
                      "createVirtualMachine": _clone_spec(mode, rules, prefix, suffix)}
    return _object("VirtualMachineSnapshotOperation", namespace, request_id, spec, generate_name=generate_name)


def disk_from_snapshot(caps: Capabilities, *, namespace: str, name: str, snapshot: str, request_id: str,
                       size: str = "", storage_class: str = "") -> Manifest:
    """VirtualDisk from a VirtualDiskSnapshot. `storageClassName` only where it is honoured (v1.8+: seed and cse
    ignore it and use the recorded class); a size is sent everywhere (seed/cse apply it as a resize)."""
    spec: Manifest = {"dataSource": {"type": "ObjectRef",
                                     "objectRef": {"kind": "VirtualDiskSnapshot", "name": snapshot}}}
    pvc: Manifest = {"size": size} if size else {}
    if storage_class and rules_for(caps).disk_class_honoured:
        pvc["storageClassName"] = storage_class
    if pvc:
        spec["persistentVolumeClaim"] = pvc
    return _object("VirtualDisk", namespace, request_id, spec, name=name)
