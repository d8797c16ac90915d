"""Test kit for preflight and manifest tests: per-generation Capabilities and projections built from JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tui.kube.capabilities import Capabilities
from tui.kube.findings import Finding
from tui.kube.objects import KubeObject, decode_object
from tui.kube.relations import View

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SEED_DOC = SHARED / "reference" / "seed-snapshots.ru.md"
API_DOC = SHARED / "spec" / "dvp-api.md"

# dvp-api.md §1.2: the flags each generation's discovery and OpenAPI documents yield.
CAPS: dict[str, Capabilities] = {
    "seed": Capabilities(dvp=True, explicit_snapshot_class=True, has_vmrestore=True, has_restore_mode=True,
                         vmsnapshot_resources=True),
    "cse": Capabilities(dvp=True, has_vmrestore=True, has_vmmac=True, has_vmop_restore=True, has_restore_mode=True,
                        vmsnapshot_resources=True),
    "v1.8": Capabilities(dvp=True, has_vmrestore=True, has_vmsop=True, has_vmmac=True, has_vmop_restore=True,
                         has_vmop_clone=True, has_restore_mode=True, vmsnapshot_resources=True),
    "v1.10": Capabilities(dvp=True, has_vmsop=True, has_vmmac=True, has_vmop_restore=True, has_vmop_clone=True,
                          has_supersede=True, vmsnapshot_resources=True),
}
GENS = list(CAPS)
WAITS = ("seed", "cse")
_seq = iter(range(100_000))
D = "virtualization.deckhouse.io/v1alpha2"


def caps_of(generation: str) -> Capabilities:
    caps = CAPS[generation]
    assert caps.generation == generation  # the flags really describe that generation
    return caps


def mk(kind: str, name: str, spec: dict[str, Any] | None = None, status: dict[str, Any] | None = None,
       ns: str = "lab", **meta: Any) -> KubeObject:
    """A projection decoded from JSON, as the reflector would store it."""
    n = next(_seq)
    top = meta.pop("top", None)
    body: dict[str, Any] = {"metadata": {"name": name, "uid": meta.pop("uid", f"uid-{name}"),
                                         "resourceVersion": str(n),
                                         "creationTimestamp": meta.pop("created", "2026-09-10T08:00:00Z"), **meta}}
    if ns:
        body["metadata"]["namespace"] = ns
    body.update({k: v for k, v in (("spec", spec), ("status", status)) if v is not None})
    if top:
        body.update(top)
    return decode_object(kind, json.dumps(body).encode())


def cond(type_: str, status: bool | str = True, reason: str = "", message: str = "") -> dict[str, str]:
    st = status if isinstance(status, str) else ("True" if status else "False")
    return {"type": type_, "status": st, "reason": reason or type_, "message": message}


def disk(name: str, phase: str = "Ready", sc: str = "replicated", vms: tuple[str, ...] = (), *,
         conditions: tuple[dict[str, str], ...] = (), pvc: str = "", **meta: Any) -> KubeObject:
    ready = [cond("Ready", phase == "Ready")]
    status: dict[str, Any] = {"phase": phase, "storageClassName": sc, "conditions": ready + list(conditions),
                              "attachedToVirtualMachines": [{"name": v, "mounted": True} for v in vms]}
    if pvc:
        status["target"] = {"persistentVolumeClaimName": pvc}
    return mk("vd", name, {"persistentVolumeClaim": {"size": "10Gi"}}, status, **meta)


def vm(name: str, phase: str = "Running", agent: bool | None = True, disks: tuple[str, ...] = (), *,
       hotplug: dict[str, str] | None = None, images: tuple[str, ...] = (), restart: int = 0,
       conditions: tuple[dict[str, str], ...] = (), block_ready: bool = True, spec: dict[str, Any] | None = None,
       ip: str = "", **meta: Any) -> KubeObject:
    """A VM; `hotplug` maps disk → VMBDA name; `agent=None` means no AgentReady condition (not running)."""
    refs = [{"kind": "VirtualDisk", "name": d} for d in disks]
    refs += [{"kind": "ClusterVirtualImage", "name": i} for i in images]
    status_refs = [{**r, "attached": True} for r in refs]
    status_refs += [{"kind": "VirtualDisk", "name": d, "attached": True, "hotplugged": True,
                     "virtualMachineBlockDeviceAttachmentName": b} for d, b in (hotplug or {}).items()]
    conds = [cond("BlockDevicesReady", block_ready), *conditions]
    if agent is not None:
        conds.append(cond("AgentReady", agent))
    status: dict[str, Any] = {"phase": phase, "blockDeviceRefs": status_refs, "conditions": conds,
                              "restartAwaitingChanges": [{"op": "replace"}] * restart}
    if ip:
        status["virtualMachineIPAddressName"] = ip
    return mk("vm", name, {"blockDeviceRefs": refs, "runPolicy": "AlwaysOnUnlessStoppedManually", **(spec or {})},
              status, **meta)


def storage_class(name: str, driver: str, wffc: bool = False, expand: bool = True) -> KubeObject:
    return mk("sc", name, ns="", top={"provisioner": driver, "allowVolumeExpansion": expand,
                                      "volumeBindingMode": "WaitForFirstConsumer" if wffc else "Immediate"})


def vsclass(name: str, driver: str, default: bool = False, policy: str = "Delete") -> KubeObject:
    ann = {"snapshot.storage.kubernetes.io/is-default-class": "true"} if default else {}
    return mk("vsclass", name, ns="", annotations=ann, top={"driver": driver, "deletionPolicy": policy})


def storage() -> list[KubeObject]:
    """replicated (driver with one default class), nfs (no class at all), local (two defaults)."""
    return [storage_class("replicated", "replicated.csi", wffc=True), storage_class("nfs", "nfs.csi"),
            storage_class("local", "local.csi", expand=False),
            vsclass("sds-replicated-volume", "replicated.csi", default=True), vsclass("sds-extra", "replicated.csi"),
            vsclass("local-a", "local.csi", default=True), vsclass("local-b", "local.csi", default=True),
            vsclass("keeper", "replicated.csi", policy="Retain")]


def view(*objs: KubeObject, loaded: tuple[str, ...] | None = None) -> View:
    base = ("vm", "vd", "vdsnapshot", "vmsnapshot", "vmop", "vmsop", "vmrestore", "vmbda", "vmip", "vmmac", "sc",
            "vsclass", "secret", "vs", "pvc")
    return View.of(objs, loaded=base if loaded is None else loaded)


def res(kind: str, name: str) -> dict[str, str]:
    return {"kind": kind, "apiVersion": "v1" if kind == "Secret" else D, "name": name}


def snapshot(keep: str = "Always", resources: bool = True, phase: str = "Ready", macs: bool = False,
             **meta: Any) -> KubeObject:
    items = [res("VirtualMachine", "web"), res("VirtualMachineIPAddress", "web-7xk2p"),
             *([res("VirtualMachineMACAddress", "web-mac-1")] if macs else []),
             res("Secret", "web-cloudinit"), res("VirtualDisk", "web-root"),
             res("VirtualMachineBlockDeviceAttachment", "web-data-attach"), res("VirtualDisk", "web-data")]
    return mk("vmsnapshot", "web-before", {"virtualMachineName": "web", "keepIPAddress": keep},
              {"phase": phase, "virtualDiskSnapshotNames": ["web-root-uid-web-before", "web-data-uid-web-before"],
               "resources": items if resources else []}, **meta)


def cluster(*extra: KubeObject, with_vm: bool = True, **vm_kw: Any) -> list[KubeObject]:
    live = [disk("web-root", vms=("web",)), disk("web-data", vms=("web",)),
            mk("vmbda", "web-data-attach", {"virtualMachineName": "web", "blockDeviceRef": {
                "kind": "VirtualDisk", "name": "web-data"}}, {"phase": "Attached", "virtualMachineName": "web"}),
            mk("vmip", "web-7xk2p", {"type": "Auto"}, {"phase": "Attached", "address": "10.0.0.5",
                                                      "virtualMachineName": "web"}),
            mk("secret", "web-cloudinit", top={"type": "provisioning.virtualization.deckhouse.io/cloud-init"}),
            mk("vdsnapshot", "web-root-uid-web-before", {"virtualDiskName": "web-root"}, {"phase": "Ready"}),
            mk("vdsnapshot", "web-data-uid-web-before", {"virtualDiskName": "web-data"}, {"phase": "Ready"})]
    if with_vm:
        vm_kw.setdefault("spec", {"provisioning": {"type": "UserDataRef", "userDataRef": {
            "kind": "Secret", "name": "web-cloudinit"}}})
        live.append(vm("web", disks=("web-root",), hotplug={"web-data": "web-data-attach"}, ip="web-7xk2p", **vm_kw))
    return [*live, *extra]


def by_code(findings: list[Finding], code: str) -> Finding:
    found = [f for f in findings if f.code == code]
    assert found, f"no finding {code!r} in {[(f.level, f.code) for f in findings]}"
    return found[0]


def levels(findings: list[Finding]) -> dict[str, str]:
    return {f.code: f.level for f in findings}


def yaml_blocks(path: Path) -> list[dict[str, Any]]:
    """Every manifest in the ```yaml blocks of a Markdown page (heredoc lines of `d8 k apply` dropped)."""
    if not path.exists():
        pytest.skip(f"{path} is not available")
    text = path.read_text(encoding="utf-8")
    out = []
    for block in re.findall(r"```yaml\n(.*?)```", text, flags=re.S):
        lines = [ln for ln in block.splitlines() if not ln.startswith(("d8 k apply", "EOF"))]
        for doc in yaml.safe_load_all("\n".join(lines)):
            if isinstance(doc, dict) and "kind" in doc:
                out.append(doc)
    return out
