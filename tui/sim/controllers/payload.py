"""The VM snapshot payload Secret (dvp-api.md §2.10.5) and the VMSnapshot's `status.resources` list."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

from tui.sim.controllers.base import DVP, FS_REQUEST, Obj, Reconciler, meta, owner_ref, spec, status

SECRET_TYPE = "virtualmachine.virtualization.deckhouse.io/snapshot"


class PayloadError(Exception):
    """An object the payload needs is missing; the text is the controller's message."""


def _clean(obj: Obj) -> Obj:
    out = copy.deepcopy(obj)
    m = out.get("metadata") or {}
    m.pop("managedFields", None)
    (m.get("annotations") or {}).pop(FS_REQUEST, None)
    return out


def _ip_name(vm: Obj) -> str:
    return str(spec(vm).get("virtualMachineIPAddressName") or status(vm).get("virtualMachineIPAddressName") or "")


def _macs(ctl: Reconciler, vm: Obj) -> list[str]:
    if not ctl.g.on("macInSnapshots"):
        return []
    return [n["virtualMachineMACAddressName"] for n in spec(vm).get("networks") or []
            if n.get("type") != "Main" and n.get("virtualMachineMACAddressName")]


def _provisioning_secret(vm: Obj) -> str:
    prov = spec(vm).get("provisioning") or {}
    ref = prov.get("userDataRef") or prov.get("sysprepRef") or {}
    return str(ref.get("name") or "") if ref.get("kind", "Secret") == "Secret" else ""


def collect(ctl: Reconciler, vms: Obj, vm: Obj) -> dict[str, Any]:
    """The payload values (decoded) for `vms` of `vm`; raises PayloadError with the controller's message."""
    ns, g = meta(vm).get("namespace", ""), ctl.g
    data: dict[str, Any] = {"vm": _clean(vm)}
    ip_name = _ip_name(vm)
    if ip_name:
        vmip = ctl.get("VirtualMachineIPAddress", ns, ip_name)
        if vmip is None:
            raise PayloadError(g.msg("vms.noVMIP", name=ip_name))
        keep = spec(vms).get("keepIPAddress", "Always")
        auto = spec(vmip).get("type", "Auto") == "Auto"
        stored = _clean(vmip)
        if keep == "Always" and auto:
            stored["spec"] = {"type": "Static", "staticIP": status(vmip).get("address", "")}
        if not (keep == "Never" and auto and not spec(vm).get("virtualMachineIPAddressName")):
            data["vmip"] = stored
    macs = []
    for name in _macs(ctl, vm):
        mac = ctl.get("VirtualMachineMACAddress", ns, name)
        if mac is None:
            raise PayloadError(g.msg("vms.noMAC", name=name))
        pinned = _clean(mac)
        pinned.setdefault("spec", {})["address"] = status(mac).get("address", "")
        macs.append(pinned)
    if macs:
        data["vmmacs"] = macs
    secret_name = _provisioning_secret(vm)
    if secret_name:
        secret = ctl.get("Secret", ns, secret_name)
        if secret is None:
            raise PayloadError(g.msg("vms.noProvisioning", name=secret_name))
        data["provisioner"] = _clean(secret)
    vmbdas = []
    for ref in status(vm).get("blockDeviceRefs") or []:
        name = ref.get("virtualMachineBlockDeviceAttachmentName")
        if ref.get("hotplugged") and name:
            vmbda = ctl.get("VirtualMachineBlockDeviceAttachment", ns, name)
            if vmbda is None:
                raise PayloadError(g.msg("vms.noVMBDA", name=name))
            vmbdas.append(_clean(vmbda))
    if vmbdas:
        data["vmbdas"] = vmbdas
    return data


def encode(data: dict[str, Any], *, double: bool) -> dict[str, str]:
    """Secret `data`: base64 of the JSON values; seed stores base64 text of the JSON (base64 twice)."""
    out = {}
    for key, value in data.items():
        raw = base64.b64encode(json.dumps(value, separators=(",", ":"), sort_keys=True).encode())
        out[key] = base64.b64encode(raw).decode() if double else raw.decode()
    return out


def secret_manifest(ctl: Reconciler, vms: Obj, name: str, data: dict[str, Any]) -> Obj:
    return {"apiVersion": "v1", "kind": "Secret", "type": SECRET_TYPE,
            "metadata": {"name": name, "namespace": meta(vms).get("namespace", ""),
                         "ownerReferences": [owner_ref(vms)]},
            "data": encode(data, double=ctl.g.on("payloadDoubleBase64"))}


def resources(ctl: Reconciler, vms: Obj, vm: Obj) -> list[Obj]:
    """`status.resources`: VM; VMIP (keepIPAddress Always); MACs (cse+); provisioning Secret; per block
    device its VMBDA (hot-plugged) then the VirtualDisk."""
    out = [{"apiVersion": DVP, "kind": "VirtualMachine", "name": meta(vm)["name"]}]
    if spec(vms).get("keepIPAddress", "Always") == "Always" and _ip_name(vm):
        out.append({"apiVersion": DVP, "kind": "VirtualMachineIPAddress", "name": _ip_name(vm)})
    out += [{"apiVersion": DVP, "kind": "VirtualMachineMACAddress", "name": n} for n in _macs(ctl, vm)]
    if _provisioning_secret(vm):
        out.append({"apiVersion": "v1", "kind": "Secret", "name": _provisioning_secret(vm)})
    for ref in status(vm).get("blockDeviceRefs") or []:
        if ref.get("hotplugged") and ref.get("virtualMachineBlockDeviceAttachmentName"):
            out.append({"apiVersion": DVP, "kind": "VirtualMachineBlockDeviceAttachment",
                        "name": ref["virtualMachineBlockDeviceAttachmentName"]})
        if ref.get("kind") == "VirtualDisk":
            out.append({"apiVersion": DVP, "kind": "VirtualDisk", "name": ref["name"]})
    return out
