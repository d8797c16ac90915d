"""VMOP Clone (v1.8, v1.10): temporary snapshot, renamed copies, validation failures, DryRun leftovers (§3.5)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sim import restore_kit as k
from tests.sim.restore_kit import NS, ann, cond, meta, phase, spec, status
from tests.sim.test_vmop import failed_with, vmop
from tui.sim.cluster import SimCluster

Obj = dict[str, Any]
VMOP, VM, VD, VMBDA = "VirtualMachineOperation", "VirtualMachine", "VirtualDisk", "VirtualMachineBlockDeviceAttachment"
GENS = ("v1.8", "v1.10")
VALIDATE = "Clone is failed: fail to validate the resources: check the status"
WAIT_DISKS = {"v1.8": "Waiting for resource readiness.", "v1.10": "Waiting for the virtual disks to become ready."}
IN_PROGRESS = {"v1.8": "Wait for operation to complete", "v1.10": "Waiting for the operation to complete."}


def clone(sim: SimCluster, name: str, params: Obj, vm: str = "web-01") -> Obj:
    vmop(sim, name, "Clone", vm, clone=params)
    return k.wait_phase(sim, VMOP, name, ("Completed", "Failed"))


@pytest.mark.parametrize("gen", GENS)
def test_clone_body_of_section_8_creates_a_renamed_copy_through_a_temporary_snapshot(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01")
        source = sim.get(VM, NS, "web-01") or {}
        sim.apply({**source, "metadata": {**meta(source), "labels": {"app": "shop"}}})
        rec = k.Phases(sim)
        body = {
            "apiVersion": k.DVP,
            "kind": VMOP,
            "metadata": {"generateName": "clone-web-01-", "namespace": NS},
            "spec": {
                "type": "Clone",
                "virtualMachineName": "web-01",
                "clone": {
                    "mode": "Strict",
                    "nameReplacement": [
                        {"from": {"kind": "VirtualMachine", "name": "web-01"}, "to": "web-02"},
                        {"from": {"kind": "VirtualDisk", "name": "web-01-root"}, "to": "web-02-root"},
                    ],
                },
            },
        }
        name = k.client(sim).create_namespaced_custom_object(
            "virtualization.deckhouse.io", "v1alpha2", NS, "virtualmachineoperations", body
        )["metadata"]["name"]
        op = k.wait_phase(sim, VMOP, name, ("Completed", "Failed"))
        assert phase(op) == "Completed", status(op)
        uid = meta(op)["uid"]
        assert k.in_order(rec.of(VMOP, name), ["Pending", "InProgress", "Completed"])
        snap_name = ann(op)["virtualization.deckhouse.io/vmop-snapshot-name"]
        assert snap_name.startswith("vmop-clone-")
        assert sim.get("VirtualMachineSnapshot", NS, snap_name) is None
        created = ("Normal", "SnapshotCreated", f"Created snapshot {snap_name} for clone operation")
        assert k.has_event(sim, name, created)
        assert ("Normal", "SnapshotDeleted", f"Deleted snapshot {snap_name} after clone completion") in k.events(
            sim, name
        )
        assert (
            "Normal",
            "VirtualMachineOperationSucceeded",
            "VirtualMachineOperation is successfully completed",
        ) in k.events(sim, name)
        assert rec.reasons_of(VMOP, name, "SnapshotReady") == [
            ("SnapshotInProgress", "Snapshot creation is in progress."),
            ("SnapshotReady", "Snapshot is ready for clone operation."),
            ("SnapshotCleanedUp", "Snapshot cleanup completed."),
        ]
        assert ("CloneInProgress", IN_PROGRESS[gen]) in rec.reasons_of(VMOP, name, "Completed")
        c = cond(op, "Completed")
        assert (c["status"], c["reason"], c["message"]) == ("True", "OperationCompleted", "")
        assert [(r["apiVersion"], r["kind"], r["name"], r["status"]) for r in status(op)["resources"]] == [
            ("v1alpha2", VD, "web-02-root", "Completed"),
            ("v1", "Secret", "web-01-cloudinit", "Completed"),
            ("v1alpha2", VM, "web-02", "Completed"),
        ]
        copy = k.wait_phase(sim, VM, "web-02", ("Running",))
        assert ann(copy)["virtualization.deckhouse.io/vmoprestore"] == uid
        assert not meta(copy).get("labels")
        assert [r["name"] for r in spec(copy)["blockDeviceRefs"]] == ["web-02-root"]
        assert status(copy)["virtualMachineIPAddressName"] != status(source)["virtualMachineIPAddressName"]
        assert status(copy)["ipAddress"] != status(sim.get(VM, NS, "web-01"))["ipAddress"]
        disk = sim.get(VD, NS, "web-02-root") or {}
        assert spec(disk)["dataSource"]["objectRef"]["kind"] == "VirtualDiskSnapshot"
        assert phase(disk) == "Ready"


@pytest.mark.parametrize("gen", GENS)
def test_customization_renames_vm_disks_attachments_and_secret(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01", hotplug=("web-01-data",))
        op = clone(
            sim,
            "clone",
            {
                "mode": "Strict",
                "customization": {"namePrefix": "copy-", "nameSuffix": "-b"},
                "nameReplacement": [{"from": {"name": "web-01-data"}, "to": "data"}],
            },
        )
        assert phase(op) == "Completed", status(op)
        assert [(r["kind"], r["name"]) for r in status(op)["resources"]] == [
            (VD, "copy-web-01-root-b"),
            (VD, "copy-data-b"),
            (VMBDA, "copy-web-01-data-attach-b"),
            ("Secret", "copy-web-01-cloudinit-b"),
            (VM, "copy-web-01-b"),
        ]
        copy = sim.get(VM, NS, "copy-web-01-b") or {}
        assert spec(copy)["provisioning"]["userDataRef"]["name"] == "copy-web-01-cloudinit-b"
        vmbda = k.wait_phase(sim, VMBDA, "copy-web-01-data-attach-b", ("Attached",))
        assert spec(vmbda) == {
            "virtualMachineName": "copy-web-01-b",
            "blockDeviceRef": {"kind": "VirtualDisk", "name": "copy-data-b"},
        }
        assert (
            sim.get("Secret", NS, "copy-web-01-cloudinit-b")["data"]
            == sim.get("Secret", NS, "web-01-cloudinit")["data"]
        )


@pytest.mark.parametrize("gen", GENS)
def test_dry_run_leaves_the_temporary_snapshot_until_the_operation_is_deleted(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01")
        op = clone(sim, "dry", {"mode": "DryRun", "customization": {"namePrefix": "copy-"}})
        assert phase(op) == "Completed", status(op)
        assert [(r["name"], r["message"]) for r in status(op)["resources"]] == [
            (n, f"{n} is valid for restore") for n in ("copy-web-01-root", "copy-web-01-cloudinit", "copy-web-01")
        ]
        assert sim.get(VM, NS, "copy-web-01") is None
        snap_name = ann(op)["virtualization.deckhouse.io/vmop-snapshot-name"]
        snap = sim.get("VirtualMachineSnapshot", NS, snap_name) or {}
        assert spec(snap) == {"virtualMachineName": "web-01", "keepIPAddress": "Never", "requiredConsistency": True}
        assert ann(snap)["virtualization.deckhouse.io/vmop-uid"] == meta(op)["uid"]
        assert (
            meta(snap)["ownerReferences"][0]["kind"] == VMOP and meta(snap)["ownerReferences"][0]["blockOwnerDeletion"]
        )
        sim.delete(VMOP, NS, "dry")
        k.until(lambda: sim.get("VirtualMachineSnapshot", NS, snap_name) is None, "temporary snapshot collected")


@pytest.mark.parametrize("gen", GENS)
def test_clone_of_a_running_vm_without_agent_fails_with_the_snapshot(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01", agent=False)
        op = clone(sim, "clone", {"mode": "Strict", "customization": {"namePrefix": "copy-"}})
        c = cond(op, "Completed")
        snap_name = ann(op)["virtualization.deckhouse.io/vmop-snapshot-name"]
        assert phase(op) == "Failed" and c["reason"] == "OperationFailed"
        assert c["message"].startswith(
            f'Clone is failed: virtual machine snapshot "{snap_name}" is in failed phase: '
            'virtual machine "web-01" have invalid state: Cannot take a consistent snapshot'
        )
        assert c["message"].endswith(". Try again with new VMOP Clone operation")
        sr = cond(op, "SnapshotReady")
        assert (sr["status"], sr["reason"], sr["message"]) == (
            "False",
            "SnapshotFailed",
            {"v1.8": "Snapshot is failed.", "v1.10": "Snapshot creation failed."}[gen],
        )
        assert sim.get(VM, NS, "copy-web-01") is None


def _taken_vm(sim: SimCluster) -> tuple[Obj, str]:
    k.vm(sim, "taken", secret=False)
    return (
        {
            "nameReplacement": [
                {"from": {"kind": "VirtualMachine", "name": "web-01"}, "to": "taken"},
                {"from": {"kind": "VirtualDisk", "name": "web-01-root"}, "to": "t-root"},
                {"from": {"kind": "VirtualDisk", "name": "web-01-data"}, "to": "t-data"},
                {"from": {"name": "web-01-data-attach"}, "to": "t-attach"},
            ]
        },
        "VirtualMachine with name taken already exists",
    )


def _long_vm(sim: SimCluster) -> tuple[Obj, str]:
    name = "x" * 59 + "web-01"
    return (
        {"customization": {"namePrefix": "x" * 59}},
        f'name "{name}" too long (65 > 63): resource name exceeds maximum allowed length',
    )


def _attached_disk(sim: SimCluster) -> tuple[Obj, str]:
    return (
        {
            "nameReplacement": [
                {"from": {"kind": "VirtualMachine", "name": "web-01"}, "to": "web-02"},
                {"from": {"kind": "VirtualDisk", "name": "web-01-data"}, "to": "d2"},
                {"from": {"name": "web-01-data-attach"}, "to": "a2"},
            ]
        },
        "VirtualDisk with name web-01-root attached to VirtualMachine web-01",
    )


def _spare_disk(sim: SimCluster) -> tuple[Obj, str]:
    sim.apply(
        {
            "apiVersion": k.DVP,
            "kind": VD,
            "metadata": {"name": "spare", "namespace": NS},
            "spec": {"persistentVolumeClaim": {"size": "1Gi"}},
        }
    )
    return (
        {
            "nameReplacement": [
                {"from": {"kind": "VirtualMachine", "name": "web-01"}, "to": "web-02"},
                {"from": {"kind": "VirtualDisk", "name": "web-01-root"}, "to": "spare"},
                {"from": {"kind": "VirtualDisk", "name": "web-01-data"}, "to": "d2"},
                {"from": {"name": "web-01-data-attach"}, "to": "a2"},
            ]
        },
        "VirtualDisk with name spare already exists",
    )


def _vmbda_kept(sim: SimCluster) -> tuple[Obj, str]:
    return (
        {
            "nameReplacement": [
                {"from": {"kind": "VirtualMachine", "name": "web-01"}, "to": "web-02"},
                {"from": {"kind": "VirtualDisk", "name": "web-01-root"}, "to": "r2"},
                {"from": {"kind": "VirtualDisk", "name": "web-01-data"}, "to": "d2"},
            ]
        },
        "VirtualMachineBlockDeviceAttachment with name web-01-data-attach already exists and attached to "
        "VirtualMachine web-01",
    )


def _secret_differs(sim: SimCluster) -> tuple[Obj, str]:
    sim.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "other-secret", "namespace": NS},
            "data": {"userData": "b3RoZXI="},
        }
    )
    params, _ = _vmbda_kept(sim)
    params["nameReplacement"].append({"from": {"kind": "Secret", "name": "web-01-cloudinit"}, "to": "other-secret"})
    params["nameReplacement"].append({"from": {"name": "web-01-data-attach"}, "to": "a2"})
    return params, "content of the secret other-secret is different from that in the snapshot"


CONFLICTS = {
    "vm-exists": _taken_vm,
    "vm-too-long": _long_vm,
    "disk-attached": _attached_disk,
    "disk-exists": _spare_disk,
    "vmbda-attached": _vmbda_kept,
    "secret-differs": _secret_differs,
}


@pytest.mark.parametrize("gen", GENS)
@pytest.mark.parametrize("case", sorted(CONFLICTS))
def test_clone_validation_reports_the_conflicting_object(gen: str, case: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01", hotplug=("web-01-data",))
        params, problem = CONFLICTS[case](sim)
        op = clone(sim, "clone", {"mode": "Strict", **params})
        failed_with(op, "OperationFailed", VALIDATE)
        assert problem in [r["message"] for r in status(op)["resources"] if r["status"] == "Failed"]


@pytest.mark.parametrize("gen", GENS)
def test_disk_name_limit_is_60_on_v18_only(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01")
        suffix = "-" + "x" * 50
        op = clone(sim, "clone", {"mode": "DryRun", "customization": {"nameSuffix": suffix}})
        long_disk = f"web-01-root{suffix}"
        if gen == "v1.8":
            failed_with(op, "OperationFailed", VALIDATE)
            assert [r["message"] for r in status(op)["resources"] if r["status"] == "Failed"] == [
                f'name "{long_disk}" too long (62 > 60): resource name exceeds maximum allowed length'
            ]
        else:
            assert phase(op) == "Completed"


@pytest.mark.parametrize("gen", GENS)
def test_clone_is_refused_for_a_pending_vm_and_without_parameters(gen: str) -> None:
    with k.cluster(gen) as sim:
        sim.apply(
            {
                "apiVersion": k.DVP,
                "kind": VD,
                "metadata": {"name": "p-root", "namespace": NS},
                "spec": {"persistentVolumeClaim": {"size": "1Gi", "storageClassName": "ghost"}},
            }
        )
        sim.apply(
            {
                "apiVersion": k.DVP,
                "kind": VM,
                "metadata": {"name": "p", "namespace": NS},
                "spec": {
                    "virtualMachineClassName": "generic",
                    "cpu": {"cores": 1},
                    "memory": {"size": "1Gi"},
                    "blockDeviceRefs": [{"kind": "VirtualDisk", "name": "p-root"}],
                },
            }
        )
        k.wait_phase(sim, VM, "p", ("Pending",))
        failed_with(
            clone(sim, "pending", {"mode": "Strict", "customization": {"namePrefix": "c-"}}, vm="p"),
            "NotApplicableForVirtualMachinePhase",
            "Operation type Clone is not applicable for VirtualMachine in phase Pending",
        )
        k.vm(sim, "web-01")
        vmop(sim, "bare", "Clone")
        failed_with(
            k.wait_phase(sim, VMOP, "bare", ("Failed",)),
            "OperationFailed",
            "Clone specification is mandatory to start cloning",
        )


@pytest.mark.parametrize("gen", GENS)
def test_clone_onto_wait_for_first_consumer_storage_waits_for_the_new_vm_to_start(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01", disks=(("web-01-root", "1Gi", "local-wffc"),), run_policy="Manual", secret=False)
        vmop(sim, "start", "Start")
        k.wait_phase(sim, VM, "web-01", ("Running",))
        k.wait_phase(sim, VD, "web-01-root", ("Ready",))
        vmop(sim, "stop", "Stop")
        k.wait_phase(sim, VM, "web-01", ("Stopped",))
        rec = k.Phases(sim)
        vmop(sim, "clone", "Clone", clone={"mode": "Strict", "customization": {"namePrefix": "copy-"}})
        k.until(
            lambda: ("CloneInProgress", WAIT_DISKS[gen]) in rec.reasons_of(VMOP, "clone", "Completed"),
            "clone waits for the disks",
        )
        k.wait_phase(sim, VD, "copy-web-01-root", ("WaitForFirstConsumer",))
        assert phase(sim.get(VMOP, NS, "clone")) == "InProgress"
        vmop(sim, "start-copy", "Start", "copy-web-01")
        assert phase(k.wait_phase(sim, VMOP, "clone", ("Completed", "Failed"))) == "Completed"


@pytest.mark.parametrize("gen", GENS)
def test_best_effort_drops_usb_devices(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01", secret=False)
        vm = sim.get(VM, NS, "web-01") or {}
        vm["spec"]["usbDevices"] = [{"name": "token"}]
        sim.apply(vm)
        assert phase(clone(sim, "strict", {"mode": "Strict", "customization": {"namePrefix": "s-"}})) == "Completed"
        assert spec(sim.get(VM, NS, "s-web-01"))["usbDevices"] == [{"name": "token"}]
        assert phase(clone(sim, "best", {"mode": "BestEffort", "customization": {"namePrefix": "b-"}})) == "Completed"
        assert "usbDevices" not in spec(sim.get(VM, NS, "b-web-01"))
