"""VMOP Restore failure paths: conflicts per mode, quirk (d) re-execution, deletion, images, failed disks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sim import restore_kit as k
from tests.sim import snapshot_kit as sk
from tests.sim.restore_kit import NS, cond, meta, phase, spec, status
from tests.sim.test_vmop import RESTORE_GENS, failed_with, restore, settled_vm, vmop
from tui.sim.cluster import SimCluster

Obj = dict[str, Any]
VMOP, VM, VD, VMBDA = "VirtualMachineOperation", "VirtualMachine", "VirtualDisk", "VirtualMachineBlockDeviceAttachment"
VALIDATE = "Restore is failed: fail to validate the resources: check the status"


def _vmbda_taken(sim: SimCluster) -> str:
    """The snapshot's VMBDA name now attaches a disk to another VM."""
    sim.delete(VMBDA, NS, "web-01-data-attach")
    k.until(lambda: sim.get(VMBDA, NS, "web-01-data-attach") is None, "old VMBDA gone")
    k.vm(sim, "other", secret=False)
    sim.apply(
        {
            "apiVersion": k.DVP,
            "kind": "VirtualDisk",
            "metadata": {"name": "other-extra", "namespace": NS},
            "spec": {"persistentVolumeClaim": {"size": "1Gi"}},
        }
    )
    sim.apply(
        {
            "apiVersion": k.DVP,
            "kind": VMBDA,
            "metadata": {"name": "web-01-data-attach", "namespace": NS},
            "spec": {"virtualMachineName": "other", "blockDeviceRef": {"kind": "VirtualDisk", "name": "other-extra"}},
        }
    )
    return 'the virtual machine block device attachment "web-01-data-attach" already in use'


def _disk_taken(sim: SimCluster) -> str:
    """Another running VM mounts one of the snapshot's disks."""
    k.vm(sim, "other", disks=(("other-root", "1Gi", "replicated"),), secret=False)
    other = sim.get(VM, NS, "other") or {}
    other["spec"]["blockDeviceRefs"].append({"kind": "VirtualDisk", "name": "web-01-data"})
    sim.apply(other)
    k.until(
        lambda: (
            "other"
            in [
                a["name"]
                for a in status(sim.get(VD, NS, "web-01-data")).get("attachedToVirtualMachines") or []
                if a.get("mounted")
            ]
        ),
        "web-01-data mounted by other",
    )
    return 'the virtual disk "web-01-data" already in use'


def _secret_changed(sim: SimCluster) -> str:
    secret = sim.get("Secret", NS, "web-01-cloudinit") or {}
    sim.apply({**secret, "data": {"userData": "Y2hhbmdlZA=="}})
    return 'the provisioner secret "web-01-cloudinit" the secret has different data'


def _ip_taken(sim: SimCluster) -> str:
    """The static IP stored in the snapshot now belongs to another VMIP of another VM."""
    vm = sim.get(VM, NS, "web-01") or {}
    own = status(vm)["virtualMachineIPAddressName"]
    address = status(sim.get("VirtualMachineIPAddress", NS, own))["address"]
    sim.apply(
        {
            "apiVersion": k.DVP,
            "kind": "VirtualMachineIPAddress",
            "metadata": {"name": "squatter", "namespace": NS},
            "spec": {"type": "Static", "staticIP": address},
        }
    )
    k.vm(sim, "other", secret=False, vmip="squatter")
    k.until(lambda: status(sim.get("VirtualMachineIPAddress", NS, "squatter")).get("virtualMachineName") == "other")
    sim.delete("VirtualMachineIPAddress", NS, own)
    k.until(lambda: sim.get("VirtualMachineIPAddress", NS, own) is None, "old VMIP gone")
    return (
        f'the IP Address "{address}" cannot be used for restore: it is taken by VirtualMachineIPAddress/squatter '
        "and already in use by the different virtual machine"
    )


CONFLICTS = {"vmbda": _vmbda_taken, "disk": _disk_taken, "secret": _secret_changed, "ip": _ip_taken}


@pytest.mark.parametrize("gen", RESTORE_GENS)
@pytest.mark.parametrize("case", sorted(CONFLICTS))
def test_dry_run_lists_every_object_and_fails_on_a_conflict(gen: str, case: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01", hotplug=("web-01-data",))
        sk.snapshot(sim, "web-01", "web-01-snap", keep_ip="Always" if case == "ip" else "Never")
        problem = CONFLICTS[case](sim)
        op = restore(sim, "dry", mode="DryRun")
        failed_with(op, "OperationFailed", VALIDATE)
        failed = [(r["name"], r["message"]) for r in status(op)["resources"] if r["status"] == "Failed"]
        assert [m for _, m in failed] == [problem]
        assert all(
            r["message"] == f"{r['name']} is valid for restore"
            for r in status(op)["resources"]
            if r["status"] == "Completed"
        )
        assert cond(op, "MaintenanceMode") == {}
        assert phase(sim.get(VM, NS, "web-01")) == "Running"


@pytest.mark.parametrize("gen", RESTORE_GENS)
def test_best_effort_keeps_a_provisioning_secret_with_different_data(gen: str) -> None:
    with k.cluster(gen) as sim:
        settled_vm(sim)
        _secret_changed(sim)
        assert phase(restore(sim, "dry", mode="DryRun")) == "Failed"
        op = restore(sim, "best", mode="BestEffort")
        assert phase(op) == "Completed", status(op)
        assert (sim.get("Secret", NS, "web-01-cloudinit") or {})["data"] == {"userData": "Y2hhbmdlZA=="}


@pytest.mark.parametrize("gen", RESTORE_GENS)
def test_a_failed_restore_in_maintenance_is_re_executed_until_it_succeeds(gen: str) -> None:
    with k.cluster(gen) as sim:
        settled_vm(sim)
        problem = _vmbda_taken(sim)
        rec = k.Phases(sim)
        vmop(sim, "restore", "Restore", restore={"mode": "Strict", "virtualMachineSnapshotName": "web-01-snap"})
        k.until(
            lambda: (
                "InProgress" in rec.of(VMOP, "restore")[rec.of(VMOP, "restore").index("Failed") :]
                if "Failed" in rec.of(VMOP, "restore")
                else False
            ),
            "Failed, then InProgress again",
        )
        assert ("OperationFailed", VALIDATE) in rec.reasons_of(VMOP, "restore", "Completed")
        op = sim.get(VMOP, NS, "restore") or {}
        assert cond(op, "MaintenanceMode")["status"] == "True"
        assert problem in [r["message"] for r in status(op).get("resources") or []]
        assert cond(sim.get(VM, NS, "web-01"), "Maintenance")["status"] == "True"
        assert phase(sim.get(VM, NS, "web-01")) == "Stopped"
        sim.delete(VMBDA, NS, "web-01-data-attach")
        done = k.wait_phase(sim, VMOP, "restore", ("Completed",))
        assert cond(done, "MaintenanceMode")["reason"] == "MaintenanceModeDisabled"
        k.wait_phase(sim, VM, "web-01", ("Running",))


@pytest.mark.parametrize("gen", RESTORE_GENS)
def test_deleting_a_restore_that_holds_the_vm_in_maintenance_releases_it(gen: str) -> None:
    with k.cluster(gen) as sim:
        settled_vm(sim)
        _vmbda_taken(sim)
        rec = k.Phases(sim)
        vmop(sim, "restore", "Restore", restore={"mode": "Strict", "virtualMachineSnapshotName": "web-01-snap"})
        k.wait_phase(sim, VMOP, "restore", ("Failed",))
        assert "virtualization.deckhouse.io/vmop-cleanup" in meta(sim.get(VMOP, NS, "restore"))["finalizers"]
        sim.delete(VMOP, NS, "restore")
        k.until(lambda: sim.get(VMOP, NS, "restore") is None, "VMOP gone")
        assert ("RestoreInProgress", "VM exited maintenance mode due to vmop deletion.") in rec.reasons_of(
            VM, "web-01", "Maintenance"
        )
        k.wait_phase(sim, VM, "web-01", ("Running",))


def _vm_with_image(sim: SimCluster) -> None:
    k.vm(sim, "web-01")
    vm = sim.get(VM, NS, "web-01") or {}
    vm["spec"]["blockDeviceRefs"].append({"kind": "VirtualImage", "name": "ubuntu"})
    sim.apply(vm)
    k.until(
        lambda: any(
            r.get("kind") == "VirtualImage" for r in status(sim.get(VM, NS, "web-01")).get("blockDeviceRefs") or []
        ),
        "image attached",
    )
    sk.snapshot(sim, "web-01", "web-01-snap")


@pytest.mark.parametrize("gen", RESTORE_GENS)
def test_missing_images_fail_strict_on_cse_and_are_dropped_by_best_effort(gen: str) -> None:
    with k.cluster(gen) as sim:
        _vm_with_image(sim)
        strict = restore(sim, "strict-dry", mode="DryRun")
        if gen == "cse":
            failed_with(strict, "OperationFailed", VALIDATE)
            assert [r["message"] for r in status(strict)["resources"] if r["status"] == "Failed"] == [
                'VirtualImage "ubuntu" not found'
            ]
        else:
            assert phase(strict) == "Completed"
        op = restore(sim, "best", mode="BestEffort")
        assert phase(op) == "Completed", status(op)
        kinds = [r["kind"] for r in spec(sim.get(VM, NS, "web-01"))["blockDeviceRefs"]]
        assert kinds == ["VirtualDisk"]


@pytest.mark.parametrize("gen", ["v1.8", "v1.10"])
def test_a_restored_disk_that_fails_fails_the_restore(gen: str) -> None:
    with k.cluster(gen) as sim:
        settled_vm(sim, hotplug=())
        snap = sim.get("VirtualMachineSnapshot", NS, "web-01-snap") or {}
        child = sim.get("VirtualDiskSnapshot", NS, status(snap)["virtualDiskSnapshotNames"][0]) or {}
        vs = sim.get("VolumeSnapshot", NS, status(child)["volumeSnapshotName"]) or {}
        key, value = (
            ("virtualization.deckhouse.io/vd-original-size", "1Mi")
            if gen == "v1.10"
            else ("virtualization.deckhouse.io/storage-class-name", "nfs")
        )
        vs["metadata"]["annotations"][key] = value
        sim.apply(vs)
        rec = k.Phases(sim)
        vmop(sim, "restore", "Restore", restore={"mode": "Strict", "virtualMachineSnapshotName": "web-01-snap"})
        text = 'Restore is failed: virtual disk "web-01-root" is in failed phase'
        k.until(lambda: ("OperationFailed", text) in rec.reasons_of(VMOP, "restore", "Completed"), text)
        assert phase(sim.get(VD, NS, "web-01-root")) == "Failed"
