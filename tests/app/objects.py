"""Test data for the UI tests: a small DVP namespace story written straight into the simulator's store."""

from __future__ import annotations

from typing import Any

from tui.sim.cluster import SimCluster

Obj = dict[str, Any]
D = "virtualization.deckhouse.io/v1alpha2"
STAMP = "2026-09-12T08:00:00Z"


def cond(type_: str, status: str = "True", reason: str = "", message: str = "") -> Obj:
    return {"type": type_, "status": status, "reason": reason or type_, "message": message,
            "lastTransitionTime": STAMP}


def namespace(name: str) -> Obj:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def vm(name: str, ns: str = "lab", *, disks: tuple[str, ...] = (), hotplug: tuple[tuple[str, str], ...] = (),
       phase: str = "Running", agent: bool | None = True, frozen: bool = False, labels: dict[str, str] | None = None,
       ) -> Obj:
    status_refs = [{"kind": "VirtualDisk", "name": d, "size": "10Gi", "attached": phase == "Running"}
                   for d in disks]
    status_refs += [{"kind": "VirtualDisk", "name": d, "size": "50Gi", "attached": True, "hotplugged": True,
                     "virtualMachineBlockDeviceAttachmentName": via} for d, via in hotplug]
    conditions = [cond("BlockDevicesReady")]
    if agent is not None:
        conditions.append(cond("AgentReady", "True" if agent else "False",
                               "AgentReady" if agent else "AgentNotReady"))
    if frozen:
        conditions.append(cond("FilesystemFrozen"))
    return {"apiVersion": D, "kind": "VirtualMachine",
            "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
            "spec": {"virtualMachineClassName": "generic", "runPolicy": "AlwaysOnUnlessStoppedManually",
                     "cpu": {"cores": 2, "coreFraction": "50%"}, "memory": {"size": "4Gi"},
                     "blockDeviceRefs": [{"kind": "VirtualDisk", "name": d} for d in disks]},
            "status": {"phase": phase, "nodeName": "worker-1", "ipAddress": "10.66.10.21",
                       "blockDeviceRefs": status_refs, "conditions": conditions}}


def vd(name: str, ns: str = "lab", *, vm: str = "", phase: str = "Ready", size: str = "10Gi") -> Obj:
    attached = [{"name": vm, "mounted": True}] if vm else []
    return {"apiVersion": D, "kind": "VirtualDisk", "metadata": {"name": name, "namespace": ns},
            "spec": {"persistentVolumeClaim": {"size": size, "storageClassName": "replicated"}},
            "status": {"phase": phase, "capacity": size, "storageClassName": "replicated", "progress": "100%",
                       "target": {"persistentVolumeClaimName": f"d8v-vd-{name}"},
                       "attachedToVirtualMachines": attached, "conditions": [cond("Ready")]}}


def vmbda(name: str, vm_name: str, disk: str, ns: str = "lab") -> Obj:
    return {"apiVersion": D, "kind": "VirtualMachineBlockDeviceAttachment", "metadata": {"name": name, "namespace": ns},
            "spec": {"virtualMachineName": vm_name, "blockDeviceRef": {"kind": "VirtualDisk", "name": disk}},
            "status": {"phase": "Attached", "virtualMachineName": vm_name}}


def vdsnapshot(name: str, disk: str, ns: str = "lab", *, phase: str = "Ready", consistent: bool = True,
               message: str = "", owner: Obj | None = None, annotations: dict[str, str] | None = None) -> Obj:
    meta: Obj = {"name": name, "namespace": ns, "annotations": annotations or {}}
    if owner is not None:
        meta["ownerReferences"] = [{"apiVersion": D, "kind": "VirtualMachineSnapshot",
                                    "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"]}]
    ready = phase == "Ready"
    status: Obj = {"phase": phase, "volumeSnapshotName": f"d8v-vds-{name}",
                   "conditions": [cond("VirtualDiskSnapshotReady", "True" if ready else "False",
                                       "VirtualDiskSnapshotReady" if ready else "Snapshotting", message)]}
    if consistent and ready:
        status["consistent"] = True
    return {"apiVersion": D, "kind": "VirtualDiskSnapshot", "metadata": meta,
            "spec": {"virtualDiskName": disk, "requiredConsistency": True}, "status": status}


def vmsnapshot(name: str, vm_name: str, children: tuple[str, ...], ns: str = "lab", *, phase: str = "Ready") -> Obj:
    return {"apiVersion": D, "kind": "VirtualMachineSnapshot", "metadata": {"name": name, "namespace": ns},
            "spec": {"virtualMachineName": vm_name, "requiredConsistency": True, "keepIPAddress": "Always"},
            "status": {"phase": phase, "consistent": True, "virtualDiskSnapshotNames": list(children),
                       "virtualMachineSnapshotSecretName": f"d8v-vms-{name}",
                       "conditions": [cond("VirtualMachineSnapshotReady")]}}


def event(name: str, obj: Obj, reason: str, message: str, type_: str = "Normal") -> Obj:
    meta = obj["metadata"]
    return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": meta["namespace"]},
            "involvedObject": {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": meta["name"],
                               "namespace": meta["namespace"], "uid": meta["uid"]},
            "reason": reason, "message": message, "type": type_, "count": 1,
            "firstTimestamp": STAMP, "lastTimestamp": STAMP,
            "source": {"component": "virtualization-controller"}}


def populate(sim: SimCluster) -> dict[str, Obj]:
    """Two namespaces: `lab` (two VMs, hot-plug, disk and VM snapshots, unattached disk, orphan) and `dev`."""
    out: dict[str, Obj] = {}

    def put(key: str, obj: Obj) -> Obj:
        out[key] = sim.apply(obj)
        return out[key]

    for ns in ("lab", "dev"):
        put(f"ns/{ns}", namespace(ns))
    put("web-01-root", vd("web-01-root", vm="web-01"))
    put("web-01-data", vd("web-01-data", vm="web-01", size="50Gi"))
    put("web-01-data-attach", vmbda("web-01-data-attach", "web-01", "web-01-data"))
    put("web-01", vm("web-01", disks=("web-01-root",), hotplug=(("web-01-data", "web-01-data-attach"),),
                     labels={"app": "shop", "tier": "web"}))
    put("db-01-root", vd("db-01-root", vm="db-01"))
    put("db-01", vm("db-01", disks=("db-01-root",), phase="Stopped", agent=None, labels={"app": "shop"}))
    put("scratch", vd("scratch"))
    put("web-01-root-nightly", vdsnapshot("web-01-root-nightly", "web-01-root"))
    put("db-01-root-manual", vdsnapshot("db-01-root-manual", "db-01-root", phase="InProgress",
                                        message="Waiting for the filesystem to be frozen"))
    snap = put("web-01-before-upgrade", vmsnapshot("web-01-before-upgrade", "web-01",
                                                   ("web-01-root-bu", "web-01-data-bu")))
    put("web-01-root-bu", vdsnapshot("web-01-root-bu", "web-01-root", owner=snap))
    put("web-01-data-bu", vdsnapshot("web-01-data-bu", "web-01-data", owner=snap))
    put("old-disk-snap", vdsnapshot("old-disk-snap", "old-disk", consistent=False))
    put("dev-01-root", vd("dev-01-root", "dev", vm="dev-01"))
    put("dev-01", vm("dev-01", "dev", disks=("dev-01-root",)))
    put("event/web-01", event("web-01.1", out["web-01"], "VirtualMachineStarted", "The VM was started"))
    return out
