"""Ready snapshots for the restore/clone tests: taken by the snapshot controllers, or written in final state."""

from __future__ import annotations

from typing import Any

from tests.conftest import wait_for
from tests.sim.restore_kit import DVP, NS, TIMEOUT, meta, phase, running, spec, status
from tui.sim.cluster import SimCluster
from tui.sim.controllers.flags import flags_for
from tui.sim.controllers.restore_plan import encode_value

Obj = dict[str, Any]


def disk_snapshot_names(sim: SimCluster, vm_obj: Obj) -> list[str]:
    refs = status(vm_obj).get("blockDeviceRefs") or spec(vm_obj).get("blockDeviceRefs") or []
    return [r["name"] for r in refs if r.get("kind") == "VirtualDisk"]


def snapshot(sim: SimCluster, vm_name: str, name: str, *, keep_ip: str = "Never") -> Obj:
    """A Ready VirtualMachineSnapshot of `vm_name`: taken by the snapshot controllers when they run, else
    written in its final state (children, VolumeSnapshots, payload Secret) directly."""
    body: Obj = {
        "apiVersion": DVP,
        "kind": "VirtualMachineSnapshot",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"virtualMachineName": vm_name, "requiredConsistency": True, "keepIPAddress": keep_ip},
    }
    if sim.generation == "seed":
        body["spec"]["volumeSnapshotClasses"] = [
            {"storageClassName": sc, "volumeSnapshotClassName": vsc}
            for sc, vsc in (("replicated", "sds-replicated-volume"), ("local-wffc", "local-snap"), ("nfs", "nfs-snap"))
        ]
    if running(sim, "VirtualMachineSnapshot"):
        sim.apply(body)
        wait_for(
            lambda: phase(sim.get("VirtualMachineSnapshot", NS, name)) in ("Ready", "Failed"),
            TIMEOUT,
            what=f"VM snapshot {name}",
        )
        snap = sim.get("VirtualMachineSnapshot", NS, name) or {}
        assert phase(snap) == "Ready", status(snap)
        return snap
    return _final_snapshot(sim, vm_name, body, keep_ip)


def _final_snapshot(sim: SimCluster, vm_name: str, body: Obj, keep_ip: str) -> Obj:
    g = flags_for(sim.generation)
    snap = sim.apply(body)
    uid = meta(snap)["uid"]
    vm_obj = sim.get("VirtualMachine", NS, vm_name) or {}
    owner = {"apiVersion": DVP, "kind": "VirtualMachineSnapshot", "name": body["metadata"]["name"], "uid": uid}
    children = []
    for disk in disk_snapshot_names(sim, vm_obj):
        children.append(disk_snapshot(sim, disk, f"{disk}-{uid}", owner=owner))
    payload: Obj = {"vm": vm_obj}
    vmip_name = status(vm_obj).get("virtualMachineIPAddressName")
    vmip = sim.get("VirtualMachineIPAddress", NS, vmip_name) if vmip_name else None
    if vmip is not None and (keep_ip == "Always" or spec(vm_obj).get("virtualMachineIPAddressName")):
        if keep_ip == "Always":
            vmip = {**vmip, "spec": {"type": "Static", "staticIP": status(vmip).get("address")}}
        payload["vmip"] = vmip
    user_data = (spec(vm_obj).get("provisioning") or {}).get("userDataRef") or {}
    if user_data.get("name"):
        payload["provisioner"] = sim.get("Secret", NS, user_data["name"])
    vmbdas = [
        sim.get("VirtualMachineBlockDeviceAttachment", NS, r["virtualMachineBlockDeviceAttachmentName"])
        for r in status(vm_obj).get("blockDeviceRefs") or []
        if r.get("virtualMachineBlockDeviceAttachmentName")
    ]
    if vmbdas:
        payload["vmbdas"] = vmbdas
    double = sim.generation == "seed"
    secret_name = g.secret_name(body["metadata"]["name"], uid)
    sim.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "virtualmachine.virtualization.deckhouse.io/snapshot",
            "metadata": {"name": secret_name, "namespace": NS, "ownerReferences": [owner]},
            "data": {k: encode_value(v, double=double) for k, v in payload.items()},
        }
    )
    ready = {
        "type": "VirtualMachineSnapshotReady",
        "status": "True",
        "reason": "VirtualMachineSnapshotReady",
        "message": "",
        "lastTransitionTime": "2026-01-01T00:00:00Z",
        "observedGeneration": 1,
    }
    return sim.apply(
        {
            **snap,
            "status": {
                "phase": "Ready",
                "consistent": True,
                "observedGeneration": 1,
                "virtualMachineSnapshotSecretName": secret_name,
                "virtualDiskSnapshotNames": children,
                "conditions": [ready],
            },
        }
    )


def disk_snapshot(sim: SimCluster, disk: str, name: str, *, owner: Obj | None = None) -> str:
    """A Ready VirtualDiskSnapshot `name` of `disk`: by the controller when it runs, else written directly."""
    body: Obj = {
        "apiVersion": DVP,
        "kind": "VirtualDiskSnapshot",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"virtualDiskName": disk, "requiredConsistency": False},
    }
    if owner:
        body["metadata"]["ownerReferences"] = [owner]
    vd = sim.get("VirtualDisk", NS, disk) or {}
    sc_name = status(vd).get("storageClassName") or "replicated"
    if sim.generation == "seed":
        body["spec"]["volumeSnapshotClassName"] = {
            "replicated": "sds-replicated-volume",
            "nfs": "nfs-snap",
            "local-wffc": "local-snap",
        }[sc_name]
    if running(sim, "VirtualDiskSnapshot"):
        sim.apply(body)
        wait_for(
            lambda: phase(sim.get("VirtualDiskSnapshot", NS, name)) in ("Ready", "Failed"),
            TIMEOUT,
            what=f"disk snapshot {name}",
        )
        assert phase(sim.get("VirtualDiskSnapshot", NS, name)) == "Ready"
        return name
    g = flags_for(sim.generation)
    vds = sim.apply(body)
    vs_name = g.volume_snapshot_name(name, meta(vds)["uid"])
    keys = g.get("vsAnnotationKeys")
    size = spec(vd).get("persistentVolumeClaim", {}).get("size", "1Gi")
    annotations = {keys[0]: sc_name, keys[1]: "Block", keys[2]: "ReadWriteMany"}
    if g.on("vsOriginalSize"):
        annotations["virtualization.deckhouse.io/vd-original-size"] = size
    sim.apply(
        {
            "apiVersion": "snapshot.storage.k8s.io/v1",
            "kind": "VolumeSnapshot",
            "metadata": {
                "name": vs_name,
                "namespace": NS,
                "annotations": annotations,
                "ownerReferences": [
                    {"apiVersion": DVP, "kind": "VirtualDiskSnapshot", "name": name, "uid": meta(vds)["uid"]}
                ],
            },
            "spec": {
                "source": {
                    "persistentVolumeClaimName": (status(vd).get("target") or {}).get("persistentVolumeClaimName", "")
                }
            },
            "status": {"readyToUse": True, "restoreSize": size},
        }
    )
    sim.apply(
        {
            **vds,
            "status": {"phase": "Ready", "consistent": True, "volumeSnapshotName": vs_name, "observedGeneration": 1},
        }
    )
    return name
