"""What a VM snapshot restores: the payload Secret decoded into objects, name replacement, customisation."""

from __future__ import annotations

import base64
import binascii
import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.sim.controllers.runtime import Runtime

Obj = dict[str, Any]
DVP = "virtualization.deckhouse.io/v1alpha2"
ANN = "virtualization.deckhouse.io/"
ANN_VMRESTORE = ANN + "vmrestore"
ANN_VMOPRESTORE = ANN + "vmoprestore"
ANN_VMOPRESTORE_DELETED = ANN + "vmoprestoredeleted"
ANN_ORIGINAL_LABELS = ANN + "vd-original-labels"
ANN_ORIGINAL_ANNOTATIONS = ANN + "vd-original-annotations"
ANN_HAD_OWNER = ANN + "vd-had-owner-reference"
VM, VD, VMBDA = "VirtualMachine", "VirtualDisk", "VirtualMachineBlockDeviceAttachment"
VMIP, VMMAC, SECRET = "VirtualMachineIPAddress", "VirtualMachineMACAddress", "Secret"
VDSNAPSHOT, VMSNAPSHOT = "VirtualDiskSnapshot", "VirtualMachineSnapshot"
IMAGE_KINDS = ("VirtualImage", "ClusterVirtualImage")
_KEEP_META = ("name", "namespace", "labels", "annotations")
RUNTIME_ANNOTATIONS = ("sim.dvpsnap.io/power", ANN + "restore-power-state")
# The three users of a plan: legacy VirtualMachineRestore, VMOP Restore, and clones (VMOP Clone, VMSOP).
VMRESTORE, RESTORE, CLONE = "vmrestore", "restore", "clone"


class PlanError(Exception):
    """The snapshot cannot be turned into objects; the text is the controller's (lower-case) error."""


class MissingChild(PlanError):
    """A child VirtualDiskSnapshot named by the VM snapshot does not exist."""


def capitalized(text: str) -> str:
    """`service.CapitalizeFirstLetter(err) + "."`, as DVP writes errors into conditions."""
    return (text[:1].upper() + text[1:]).rstrip(".") + "."


@dataclass
class Item:
    """One object to restore: `obj` carries the final name; `original` is the name in the snapshot."""

    kind: str
    obj: Obj
    original: str
    create: bool = True  # clones list the VMIP but never create it

    @property
    def name(self) -> str:
        return str(self.obj["metadata"]["name"])

    @property
    def version(self) -> str:
        """The version part only: VMOP/VMSOP `status.resources[].apiVersion` quirk."""
        return str(self.obj.get("apiVersion", "")).rsplit("/", 1)[-1]


@dataclass
class Plan:
    """Objects in handler order: VMMACs, VMIP, disks, VMBDAs, provisioning Secret, then the VM."""

    namespace: str
    snapshot: Obj
    items: list[Item] = field(default_factory=list)

    def of(self, kind: str) -> list[Item]:
        return [i for i in self.items if i.kind == kind]

    def one(self, kind: str) -> Item | None:
        found = self.of(kind)
        return found[0] if found else None

    @property
    def vm(self) -> Item:
        vm = self.one(VM)
        assert vm is not None
        return vm


def meta(obj: Obj | None) -> Obj:
    return (obj or {}).get("metadata") or {}


def ann_of(obj: Obj | None) -> dict[str, str]:
    return meta(obj).get("annotations") or {}


def annotate(obj: Obj, key: str, value: str) -> Obj:
    obj.setdefault("metadata", {}).setdefault("annotations", {})[key] = value
    return obj


def decode_value(raw: str) -> Any:
    """One payload value: base64 JSON (cse+) or, on seed, base64 of base64 JSON."""
    try:
        text = base64.b64decode(raw).strip()
        if not text.startswith((b"{", b"[")):
            text = base64.b64decode(text).strip()
        return json.loads(text)
    except (binascii.Error, ValueError) as e:
        raise PlanError(f"cannot decode the snapshot secret: {e}") from e


def payload(secret: Obj) -> dict[str, Any]:
    """The payload Secret's keys (vm, vmip, vmmacs, provisioner, vmbdas) decoded."""
    return {k: decode_value(v) for k, v in (secret.get("data") or {}).items() if v}


def encode_value(value: Any, *, double: bool = False) -> str:
    """The inverse of `decode_value` (for tests and scenarios that write payloads directly)."""
    raw = base64.b64encode(json.dumps(value, separators=(",", ":")).encode())
    return base64.b64encode(raw).decode() if double else raw.decode()


def clean(obj: Obj, namespace: str) -> Obj:
    """A stored manifest as a fresh object: no status, no server-set metadata, no recorded power state
    (a manual start/stop belongs to the running instance, not to the VM's manifest)."""
    out = {k: copy.deepcopy(v) for k, v in obj.items() if k not in ("metadata", "status")}
    m = meta(obj)
    out["metadata"] = {k: copy.deepcopy(m[k]) for k in _KEEP_META if m.get(k)}
    out["metadata"]["namespace"] = namespace
    for key in RUNTIME_ANNOTATIONS:
        out["metadata"].get("annotations", {}).pop(key, None)
    return out


def _disk(rt: Runtime, snapshot: Obj, child: str, original_meta: bool) -> Item:
    ns = meta(snapshot).get("namespace", "")
    vds = rt.get(VDSNAPSHOT, ns, child)
    if vds is None:
        raise MissingChild(f'the virtual disk snapshot "{child}" not found')
    name = (vds.get("spec") or {}).get("virtualDiskName", "")
    disk: Obj = {
        "apiVersion": DVP,
        "kind": VD,
        "metadata": {"name": name, "namespace": ns},
        "spec": {"dataSource": {"type": "ObjectRef", "objectRef": {"kind": VDSNAPSHOT, "name": child}}},
    }
    if original_meta:
        copy_original_metadata(rt, disk, vds)
    return Item(VD, disk, name)


def copy_original_metadata(rt: Runtime, disk: Obj, vds: Obj) -> bool:
    """Labels/annotations recorded on the VolumeSnapshot, added where the disk lacks them."""
    vs_name = (vds.get("status") or {}).get("volumeSnapshotName")
    vs = rt.get("VolumeSnapshot", meta(vds).get("namespace"), vs_name) if vs_name else None
    changed = False
    for ann_key, meta_key in ((ANN_ORIGINAL_LABELS, "labels"), (ANN_ORIGINAL_ANNOTATIONS, "annotations")):
        raw = ann_of(vs).get(ann_key)
        if not raw:
            continue
        try:
            recorded = json.loads(raw)
        except ValueError:
            continue
        target = disk.setdefault("metadata", {}).setdefault(meta_key, {})
        for k, v in (recorded or {}).items():
            if k not in target:
                target[k] = v
                changed = True
    return changed


def build(rt: Runtime, snapshot: Obj, secret: Obj, *, op: str, macs: bool, original_meta: bool) -> Plan:
    """Turn a Ready VM snapshot and its payload Secret into the objects `op` would write."""
    ns = meta(snapshot).get("namespace", "")
    data = payload(secret)
    if not isinstance(data.get("vm"), dict):
        raise PlanError("the virtual machine is missing in the snapshot secret")
    plan = Plan(ns, snapshot)
    vm = clean(data["vm"], ns)
    spec = vm.setdefault("spec", {})
    if macs and op != CLONE:
        for mac in data.get("vmmacs") or []:
            plan.items.append(Item(VMMAC, clean(mac, ns), meta(mac).get("name", "")))
    else:
        for net in spec.get("networks") or []:
            if net.get("virtualMachineMACAddressName"):
                net["virtualMachineMACAddressName"] = ""
    vmip = data.get("vmip")
    if isinstance(vmip, dict):
        plan.items.append(Item(VMIP, clean(vmip, ns), meta(vmip).get("name", ""), create=op != CLONE))
        spec["virtualMachineIPAddressName"] = meta(vmip).get("name", "") if op != CLONE else ""
    elif op != VMRESTORE:
        spec["virtualMachineIPAddressName"] = ""
    for child in (snapshot.get("status") or {}).get("virtualDiskSnapshotNames") or []:
        plan.items.append(_disk(rt, snapshot, child, original_meta))
    for vmbda in data.get("vmbdas") or []:
        plan.items.append(Item(VMBDA, clean(vmbda, ns), meta(vmbda).get("name", "")))
    prov = data.get("provisioner")
    if isinstance(prov, dict):
        plan.items.append(Item(SECRET, clean(prov, ns), meta(prov).get("name", "")))
    plan.items.append(Item(VM, vm, meta(vm).get("name", "")))
    return plan


# ---- names ------------------------------------------------------------------------------
Renamer = Callable[[str, str], str]


def rename(plan: Plan, fn: Renamer) -> None:
    """Rename every object with `fn(kind, name)` and rewrite the references between them."""
    for it in plan.items:
        it.obj["metadata"]["name"] = fn(it.kind, it.name)
        spec = it.obj.get("spec") or {}
        if it.kind == VM:
            for ref in spec.get("blockDeviceRefs") or []:
                if ref.get("kind") == VD and ref.get("name"):
                    ref["name"] = fn(VD, ref["name"])
            if spec.get("virtualMachineIPAddressName"):
                spec["virtualMachineIPAddressName"] = fn(VMIP, spec["virtualMachineIPAddressName"])
            user_data = (spec.get("provisioning") or {}).get("userDataRef") or {}
            if user_data.get("name"):
                user_data["name"] = fn(SECRET, user_data["name"])
            for net in spec.get("networks") or []:
                if net.get("virtualMachineMACAddressName"):
                    net["virtualMachineMACAddressName"] = fn(VMMAC, net["virtualMachineMACAddressName"])
        elif it.kind == VMBDA:
            if spec.get("virtualMachineName"):
                spec["virtualMachineName"] = fn(VM, spec["virtualMachineName"])
            ref = spec.get("blockDeviceRef") or {}
            if ref.get("name"):
                ref["name"] = fn(ref.get("kind") or VD, ref["name"])


def replacer(rules: list[Obj] | None) -> Renamer:
    """`nameReplacement(s)`: the first rule whose `from.name` matches and `from.kind` is empty or equal."""

    def fn(kind: str, name: str) -> str:
        for rule in rules or []:
            src = rule.get("from") or {}
            if src.get("name") == name and (not src.get("kind") or src.get("kind") == kind):
                to = rule.get("to")
                return to if isinstance(to, str) and to else name
        return name

    return fn


def customizer(prefix: str, suffix: str) -> Renamer:
    """`customization`: `<prefix><name><suffix>` for everything but images and MAC addresses."""

    def fn(kind: str, name: str) -> str:
        if kind in IMAGE_KINDS or kind == VMMAC:
            return name
        return f"{prefix}{name}{suffix}"

    return fn


def entry(it: Item, status: str, message: str) -> Obj:
    """One `status.resources[]` item of a VMOP/VMSOP."""
    return {"apiVersion": it.version, "kind": it.kind, "name": it.name, "status": status, "message": message}
