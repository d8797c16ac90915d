"""A VirtualDisk from a VirtualDiskSnapshot: class and size rules per generation, waiting, WFFC (§3.7, §3.9.4)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.sim import restore_kit as k
from tests.sim import snapshot_kit as sk
from tests.sim.restore_kit import NS, cond, meta, phase, spec, status
from tui.sim.cluster import SimCluster

Obj = dict[str, Any]
VD, PVC = "VirtualDisk", "PersistentVolumeClaim"
GENS = ("seed", "cse", "v1.8", "v1.10")
HONOURED = ("v1.8", "v1.10")  # the requested size and class are used at creation
CREATED = {"seed": "PVC has created: waiting to be Bound."}
CREATED_DEFAULT = "The PersistentVolumeClaim has been created; waiting for it to be Bound."
GIB = 2**30


def source(sim: SimCluster, disk: str = "data", sc: str = "replicated") -> Obj:
    sim.apply(
        {
            "apiVersion": k.DVP,
            "kind": VD,
            "metadata": {"name": disk, "namespace": NS, "labels": {"tier": "db"}},
            "spec": {"persistentVolumeClaim": {"size": "1Gi", "storageClassName": sc}},
        }
    )
    k.wait_phase(sim, VD, disk, ("Ready",))
    sk.disk_snapshot(sim, disk, f"{disk}-snap")
    return sim.get("VirtualDiskSnapshot", NS, f"{disk}-snap") or {}


def from_snapshot(
    sim: SimCluster,
    name: str,
    vds: str = "data-snap",
    size: str | None = None,
    sc: str | None = None,
    http: bool = False,
) -> Obj:
    pvc: Obj = {}
    if size:
        pvc["size"] = size
    if sc:
        pvc["storageClassName"] = sc
    body: Obj = {
        "apiVersion": k.DVP,
        "kind": VD,
        "metadata": {"name": name, "namespace": NS},
        "spec": {"dataSource": {"type": "ObjectRef", "objectRef": {"kind": "VirtualDiskSnapshot", "name": vds}}},
    }
    if pvc:
        body["spec"]["persistentVolumeClaim"] = pvc
    if http:
        return dict(
            k.client(sim).create_namespaced_custom_object(
                "virtualization.deckhouse.io", "v1alpha2", NS, "virtualdisks", body
            )
        )
    return sim.apply(body)


def pvc_of(sim: SimCluster, disk: Obj) -> Obj:
    return sim.get(PVC, NS, status(disk)["target"]["persistentVolumeClaimName"]) or {}


@pytest.mark.parametrize("gen", GENS)
def test_the_section_8_body_restores_the_disk(gen: str) -> None:
    with k.cluster(gen) as sim:
        sim.apply(
            {
                "apiVersion": "storage.k8s.io/v1",
                "kind": "StorageClass",
                "metadata": {"name": "replicated-r2"},
                "provisioner": k.REPLICATED,
                "volumeBindingMode": "Immediate",
                "allowVolumeExpansion": True,
            }
        )
        vds = source(sim)
        rec = k.Phases(sim)
        from_snapshot(sim, "recovered", size="2Gi", sc="replicated-r2", http=True)
        disk = k.wait_phase(sim, VD, "recovered", ("Ready", "Failed"))
        assert phase(disk) == "Ready", status(disk)
        assert k.in_order(rec.of(VD, "recovered"), ["Pending", "Provisioning", "Resizing", "Ready"])
        assert ("Provisioning", CREATED.get(gen, CREATED_DEFAULT)) in rec.reasons_of(VD, "recovered", "Ready")
        assert status(disk)["sourceUID"] == meta(vds)["uid"]
        assert status(disk)["progress"] == "100%" and cond(disk, "DatasourceReady") == {}
        pvc = pvc_of(sim, disk)
        prefix = "d8v-vd-" if gen in HONOURED else "vd-"
        assert meta(pvc)["name"] == f"{prefix}recovered-{meta(disk)['uid']}"
        assert spec(pvc)["dataSource"] == {
            "apiGroup": "snapshot.storage.k8s.io",
            "kind": "VolumeSnapshot",
            "name": status(vds)["volumeSnapshotName"],
        }
        if gen in HONOURED:
            assert status(disk)["storageClassName"] == "replicated-r2"
            assert spec(pvc)["resources"]["requests"]["storage"] == "2Gi"
        else:  # the recorded class, created at restoreSize, then grown by the resize handler
            assert status(disk)["storageClassName"] == "replicated"
            assert "Resizing" in rec.of(VD, "recovered")
        k.until(lambda: status(sim.get(VD, NS, "recovered")).get("capacity") == "2Gi", "capacity 2Gi")


@pytest.mark.parametrize("gen", GENS)
def test_a_size_below_the_snapshot_fails_where_the_size_is_honoured(gen: str) -> None:
    with k.cluster(gen) as sim:
        source(sim)
        from_snapshot(sim, "small", size="512Mi")
        disk = k.wait_phase(sim, VD, "small", ("Ready", "Failed"))
        if gen in HONOURED:
            assert phase(disk) == "Failed"
            c = cond(disk, "Ready")
            assert (c["status"], c["reason"], c["message"]) == (
                "False",
                "ProvisioningFailed",
                f"The specified pvc size is insufficient: {GIB // 2} (512Mi) < {GIB}.",
            )
        else:
            assert phase(disk) == "Ready" and status(disk)["capacity"] == "1Gi"


@pytest.mark.parametrize("gen", GENS)
def test_a_class_of_another_csi_driver(gen: str) -> None:
    with k.cluster(gen) as sim:
        source(sim)
        if gen == "v1.10":
            from kubernetes.client.rest import ApiException

            with pytest.raises(ApiException) as err:
                from_snapshot(sim, "moved", sc="nfs", http=True)
            text = (
                'virtual disk storage class "nfs" provisioner "nfs.csi.k8s.io" does not match the source '
                f'VirtualDiskSnapshot "data-snap" provisioner "{k.REPLICATED}": creating a disk from a snapshot '
                "on a different CSI driver is not supported"
            )
            assert err.value.status == 403 and json.loads(err.value.body)["message"].endswith(text)
            from_snapshot(sim, "moved", sc="nfs")  # past admission, the controller refuses it too
            disk = k.wait_phase(sim, VD, "moved", ("Ready", "Failed"))
            c = cond(disk, "Ready")
            assert (phase(disk), c["reason"], c["message"]) == ("Failed", "StorageClassProvisionerMismatch", text)
            return
        from_snapshot(sim, "moved", sc="nfs")
        disk = k.wait_phase(sim, VD, "moved", ("Ready", "Failed"))
        if gen == "v1.8":
            c = cond(disk, "Ready")
            assert (phase(disk), c["reason"], c["message"]) == (
                "Failed",
                "ProvisioningFailed",
                f'cannot restore snapshot to storage class "nfs": incompatible storage providers. Original snapshot '
                f'was created by "{k.REPLICATED}", target storage class uses "{k.NFS}". Cross-provider snapshot '
                "restore is not supported",
            )
        else:
            assert phase(disk) == "Ready" and status(disk)["storageClassName"] == "replicated"


@pytest.mark.parametrize("gen", GENS)
def test_the_disk_waits_for_its_snapshot(gen: str) -> None:
    with k.cluster(gen) as sim:
        from_snapshot(sim, "early", vds="data-snap")
        k.until(lambda: cond(sim.get(VD, NS, "early"), "Ready").get("reason") == "ProvisioningNotStarted")
        disk = sim.get(VD, NS, "early") or {}
        assert phase(disk) == "Pending"
        assert cond(disk, "Ready")["message"] == 'VirtualDiskSnapshot "data-snap" not found.'
        sim.apply(
            {
                "apiVersion": k.DVP,
                "kind": "VirtualDiskSnapshot",
                "metadata": {"name": "ghost-snap", "namespace": NS},
                "spec": {
                    "virtualDiskName": "ghost",
                    "requiredConsistency": True,
                    **({"volumeSnapshotClassName": "sds-replicated-volume"} if gen == "seed" else {}),
                },
            }
        )
        from_snapshot(sim, "never", vds="ghost-snap")
        k.until(
            lambda: (
                cond(sim.get(VD, NS, "never"), "Ready").get("message")
                == 'VirtualDiskSnapshot "ghost-snap" is not ready to use.'
            ),
            "not ready to use",
        )
        assert cond(sim.get(VD, NS, "never"), "Ready")["reason"] == "ProvisioningNotStarted"
        source(sim)
        assert phase(k.wait_phase(sim, VD, "early", ("Ready", "Failed"))) == "Ready"


@pytest.mark.parametrize("gen", GENS)
def test_wait_for_first_consumer_until_a_vm_runs(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01", disks=(("web-01-root", "1Gi", "local-wffc"),), secret=False)
        k.wait_phase(sim, VD, "web-01-root", ("Ready",))
        sk.disk_snapshot(sim, "web-01-root", "root-snap")
        from_snapshot(sim, "copy", vds="root-snap")
        disk = k.wait_phase(sim, VD, "copy", ("WaitForFirstConsumer", "Ready", "Failed"))
        assert phase(disk) == "WaitForFirstConsumer"
        assert cond(disk, "Ready")["reason"] == "WaitingForFirstConsumer"
        sim.apply(
            {
                "apiVersion": k.DVP,
                "kind": "VirtualMachine",
                "metadata": {"name": "user", "namespace": NS},
                "spec": {
                    "virtualMachineClassName": "generic",
                    "cpu": {"cores": 1},
                    "memory": {"size": "1Gi"},
                    "runPolicy": "AlwaysOn",
                    "blockDeviceRefs": [{"kind": "VirtualDisk", "name": "copy"}],
                },
            }
        )
        assert phase(k.wait_phase(sim, VD, "copy", ("Ready", "Failed"))) == "Ready"


@pytest.mark.parametrize("gen", GENS)
def test_original_labels_are_copied_by_the_cse_disk_controller_only(gen: str) -> None:
    with k.cluster(gen) as sim:
        source(sim)
        from_snapshot(sim, "copy")
        disk = k.wait_phase(sim, VD, "copy", ("Ready",))
        assert (meta(disk).get("labels") or {}).get("tier") == ("db" if gen == "cse" else None)
