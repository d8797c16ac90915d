"""VirtualMachineOperation: the prelude, Start/Stop/Restart, v1.10 supersede, and in-place Restore (§3.4)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sim import restore_kit as k
from tests.sim import snapshot_kit as sk
from tests.sim.restore_kit import NS, ann, cond, meta, phase, spec, status
from tui.sim.cluster import SimCluster

Obj = dict[str, Any]
VMOP, VM, VD = "VirtualMachineOperation", "VirtualMachine", "VirtualDisk"
RESTORE_GENS = ("cse", "v1.8", "v1.10")
PERIOD = {"cse": "", "v1.8": ".", "v1.10": "."}
SUCCEEDED = {"cse": "VirtualMachineOperation succeeded", "v1.8": "", "v1.10": ""}
FINALIZER = "virtualization.deckhouse.io/vmop-cleanup"


def vmop(sim: SimCluster, name: str, type_: str, vm: str = "web-01", **extra: Any) -> Obj:
    return sim.apply(
        {
            "apiVersion": k.DVP,
            "kind": VMOP,
            "metadata": {"name": name, "namespace": NS},
            "spec": {"type": type_, "virtualMachineName": vm, **extra},
        }
    )


def restore(sim: SimCluster, name: str, snap: str = "web-01-snap", mode: str = "Strict", vm: str = "web-01") -> Obj:
    vmop(sim, name, "Restore", vm, restore={"mode": mode, "virtualMachineSnapshotName": snap})
    return k.wait_phase(sim, VMOP, name, ("Completed", "Failed"))


def failed_with(op: Obj, reason: str, message: str) -> None:
    assert phase(op) == "Failed", status(op)
    c = cond(op, "Completed")
    assert (c["status"], c["reason"], c["message"]) == ("False", reason, message)


def settled_vm(sim: SimCluster, name: str = "web-01", hotplug: tuple[str, ...] = ("web-01-data",), **kw: Any) -> Obj:
    vm = k.vm(sim, name, hotplug=hotplug, **kw)
    sk.snapshot(sim, name, f"{name}-snap")
    return vm


# ---- simple types ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("gen", ["seed", "cse", "v1.8", "v1.10"])
def test_stop_start_restart_change_the_power_state(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01")
        rec = k.Phases(sim)
        vmop(sim, "stop", "Stop")
        done = k.wait_phase(sim, VMOP, "stop", ("Completed", "Failed"))
        assert phase(done) == "Completed" and cond(done, "Completed")["reason"] == "OperationCompleted"
        assert (cond(done, "SignalSent")["status"], cond(done, "SignalSent")["reason"]) == ("True", "SignalSentSuccess")
        assert "StopInProgress" in [r for r, _ in rec.reasons_of(VMOP, "stop", "Completed")]
        assert phase(sim.get(VM, NS, "web-01")) == "Stopped"
        assert (
            meta(done)["labels"]["virtualization.deckhouse.io/virtual-machine-uid"]
            == meta(sim.get(VM, NS, "web-01"))["uid"]
        )
        vmop(sim, "start", "Start")
        assert phase(k.wait_phase(sim, VMOP, "start", ("Completed", "Failed"))) == "Completed"
        assert phase(sim.get(VM, NS, "web-01")) == "Running"
        vmop(sim, "restart", "Restart")
        assert phase(k.wait_phase(sim, VMOP, "restart", ("Completed", "Failed"))) == "Completed"
        assert k.in_order(
            rec.of(VM, "web-01"),
            ["Running", "Stopping", "Stopped", "Starting", "Running", "Stopping", "Stopped", "Starting", "Running"],
        )
        assert rec.of(VM, "web-01")[-1] == "Running"
        reasons = [r for _, r, _ in k.events(sim, "stop")]
        assert "VirtualMachineOperationStarted" in reasons and "VirtualMachineOperationSucceeded" in reasons


@pytest.mark.parametrize("gen", ["seed", "v1.10"])
def test_simple_types_fail_when_not_applicable(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01")
        k.vm(sim, "always", run_policy="AlwaysOn", secret=False)
        vmop(sim, "start", "Start")
        failed_with(
            k.wait_phase(sim, VMOP, "start", ("Completed", "Failed")),
            "NotApplicableForVirtualMachinePhase",
            "Operation type Start is not applicable for VirtualMachine in phase Running",
        )
        vmop(sim, "stop", "Stop", "always")
        failed_with(
            k.wait_phase(sim, VMOP, "stop", ("Completed", "Failed")),
            "NotApplicableForVirtualMachineRunPolicy",
            "Operation type Stop is not applicable for VirtualMachine with runPolicy AlwaysOn",
        )
        vmop(sim, "ghost", "Stop", "nope")
        failed_with(
            k.wait_phase(sim, VMOP, "ghost", ("Completed", "Failed")),
            "VirtualMachineNotFound",
            "VirtualMachine not found",
        )
        assert k.has_event(sim, "ghost", ("Warning", "VirtualMachineOperationFailed", "VirtualMachine not found"))


def _hanging_start(sim: SimCluster) -> None:
    """An older Start that never finishes: its signal was sent, but the Manual VM is not told to run."""
    k.vm(sim, "web-01", run_policy="Manual")
    sim.apply(
        {
            "apiVersion": k.DVP,
            "kind": VMOP,
            "metadata": {"name": "a-start", "namespace": NS},
            "spec": {"type": "Start", "virtualMachineName": "web-01"},
            "status": {
                "phase": "InProgress",
                "conditions": [
                    {
                        "type": "Completed",
                        "status": "False",
                        "reason": "StartInProgress",
                        "message": "",
                        "lastTransitionTime": "2026-01-01T00:00:00Z",
                    },
                    {
                        "type": "SignalSent",
                        "status": "True",
                        "reason": "SignalSentSuccess",
                        "message": "",
                        "lastTransitionTime": "2026-01-01T00:00:00Z",
                    },
                ],
            },
        }
    )


@pytest.mark.parametrize("gen", ["cse", "v1.8", "v1.10"])
def test_a_younger_operation_waits_for_the_older_one_or_supersedes_it(gen: str) -> None:
    with k.cluster(gen) as sim:
        _hanging_start(sim)
        sk.snapshot(sim, "web-01", "web-01-snap")
        failed_with(
            restore(sim, "restore"),
            "NotReadyToBeExecuted",
            "VMOP cannot be executed now. Previously created operation should finish first.",
        )
        vmop(sim, "stop", "Stop")
        stop = k.wait_phase(sim, VMOP, "stop", ("Completed", "Failed"))
        old = sim.get(VMOP, NS, "a-start")
        if gen == "v1.10":  # Stop supersedes Start; the Stop itself then meets a Stopped VM
            assert phase(old) == "Superseded"
            c = cond(old, "Completed")
            assert (c["status"], c["reason"], c["message"]) == (
                "True",
                "Superseded",
                "Superseded by stop with type Stop",
            )
            failed_with(
                stop,
                "NotApplicableForVirtualMachinePhase",
                "Operation type Stop is not applicable for VirtualMachine in phase Stopped",
            )
        else:
            assert phase(old) == "InProgress"
            failed_with(
                stop,
                "NotReadyToBeExecuted",
                "VMOP cannot be executed now. Previously created operation should finish first.",
            )


# ---- Restore ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("gen", RESTORE_GENS)
def test_restore_recreates_disks_from_the_snapshot_and_brings_the_vm_back(gen: str) -> None:
    with k.cluster(gen) as sim:
        settled_vm(sim)
        before = {d: meta(sim.get(VD, NS, d))["uid"] for d in ("web-01-root", "web-01-data")}
        k.vm(sim, "web-01", hotplug=("web-01-data", "scratch"))  # a hot-plug added after the snapshot
        children = status(sim.get("VirtualMachineSnapshot", NS, "web-01-snap"))["virtualDiskSnapshotNames"]
        rec = k.Phases(sim)
        op = restore(sim, "restore-web-01")
        assert phase(op) == "Completed", status(op)
        uid = meta(op)["uid"]
        assert k.in_order(rec.of(VMOP, "restore-web-01"), ["Pending", "InProgress", "Completed"])
        c = cond(op, "Completed")
        assert (c["status"], c["reason"], c["message"]) == ("True", "OperationCompleted", SUCCEEDED[gen])
        mm = cond(op, "MaintenanceMode")
        assert (mm["status"], mm["reason"], mm["message"]) == (
            "False",
            "MaintenanceModeDisabled",
            "VMOP has disabled maintenance mode on VM" + PERIOD[gen],
        )
        assert rec.reasons_of(VMOP, "restore-web-01", "MaintenanceMode")[0] == (
            "MaintenanceModeEnabled",
            "VMOP has enabled maintenance mode on VM for restore operation" + PERIOD[gen],
        )
        assert [
            (r["apiVersion"], r["kind"], r["name"], r["status"], r["message"]) for r in status(op)["resources"]
        ] == [
            ("v1alpha2", VD, "web-01-root", "Completed", "Successfully processed"),
            ("v1alpha2", VD, "web-01-data", "Completed", "Successfully processed"),
            (
                "v1alpha2",
                "VirtualMachineBlockDeviceAttachment",
                "web-01-data-attach",
                "Completed",
                "Successfully processed",
            ),
            ("v1", "Secret", "web-01-cloudinit", "Completed", "Successfully processed"),
            ("v1alpha2", VM, "web-01", "Completed", "Successfully processed"),
        ]
        if gen == "cse":
            rc = cond(op, "RestoreCompleted")
            assert (rc["status"], rc["reason"], rc["message"]) == (
                "True",
                "RestoreCompleted",
                "The virtual machine has been restored from the snapshot successfully",
            )
        evs = k.events(sim, "restore-web-01")
        assert ("Normal", "VirtualMachineOperationStarted", "VirtualMachineOperation started") in evs
        assert ("Normal", "MaintenanceMode", "VM entered maintenance mode for restore operation") in evs
        assert (
            "Normal",
            "VirtualMachineOperationSucceeded",
            SUCCEEDED[gen] or "VirtualMachineOperation is successfully completed",
        ) in evs
        for disk, child in zip(("web-01-root", "web-01-data"), children, strict=True):
            new = sim.get(VD, NS, disk)
            assert meta(new)["uid"] != before[disk]
            assert ann(new)["virtualization.deckhouse.io/vmoprestore"] == uid
            assert spec(new)["dataSource"] == {
                "type": "ObjectRef",
                "objectRef": {"kind": "VirtualDiskSnapshot", "name": child},
            }
            k.wait_phase(sim, VD, disk, ("Ready",))
        assert sim.get("VirtualMachineBlockDeviceAttachment", NS, "scratch-attach") is None
        assert (
            ann(sim.get("VirtualMachineBlockDeviceAttachment", NS, "web-01-data-attach"))[
                "virtualization.deckhouse.io/vmoprestore"
            ]
            == uid
        )
        assert FINALIZER not in (meta(op).get("finalizers") or [])
        vm_maintenance = rec.reasons_of(VM, "web-01", "Maintenance")
        assert vm_maintenance[0] == ("RestoreInProgress", "VM is in maintenance mode for restore operation.")
        assert ("RestoreInProgress", "VM exited maintenance mode after restore completion.") in vm_maintenance
        assert "Stopped" in rec.of(VM, "web-01")
        vm = k.wait_phase(sim, VM, "web-01", ("Running",))
        assert ann(vm)["virtualization.deckhouse.io/vmoprestore"] == uid
        assert "virtualization.deckhouse.io/restore-power-state" not in ann(vm)


@pytest.mark.parametrize("gen", RESTORE_GENS)
def test_restore_dry_run_only_validates(gen: str) -> None:
    with k.cluster(gen) as sim:
        settled_vm(sim)
        disks = {d: meta(sim.get(VD, NS, d))["uid"] for d in ("web-01-root", "web-01-data")}
        rec = k.Phases(sim)
        body = {  # the request body of dvp-api.md §8
            "apiVersion": k.DVP,
            "kind": VMOP,
            "metadata": {"generateName": "restore-web-01-", "namespace": NS},
            "spec": {
                "type": "Restore",
                "virtualMachineName": "web-01",
                "restore": {"mode": "DryRun", "virtualMachineSnapshotName": "web-01-snap"},
            },
        }
        name = k.client(sim).create_namespaced_custom_object(
            "virtualization.deckhouse.io", "v1alpha2", NS, "virtualmachineoperations", body
        )["metadata"]["name"]
        op = k.wait_phase(sim, VMOP, name, ("Completed", "Failed"))
        assert phase(op) == "Completed", status(op)
        assert cond(op, "MaintenanceMode") == {}
        if gen == "cse":
            assert not status(op).get("resources")
            rc = cond(op, "RestoreCompleted")
            assert (rc["reason"], rc["message"]) == (
                "RestoreDryRunCompleted",
                "The virtual machine can be restored from the snapshot.",
            )
        else:
            assert [(r["name"], r["status"], r["message"]) for r in status(op)["resources"]] == [
                (n, "Completed", f"{n} is valid for restore")
                for n in ("web-01-root", "web-01-data", "web-01-data-attach", "web-01-cloudinit", "web-01")
            ]
        assert rec.of(VM, "web-01") in ([], ["Running"])
        assert {d: meta(sim.get(VD, NS, d))["uid"] for d in disks} == disks


@pytest.mark.parametrize("gen", RESTORE_GENS)
def test_restore_of_a_stopped_vm_leaves_it_stopped(gen: str) -> None:
    with k.cluster(gen) as sim:
        settled_vm(sim, hotplug=(), run_policy="Manual")
        rec = k.Phases(sim)
        op = restore(sim, "restore")
        assert phase(op) == "Completed", status(op)
        k.wait_phase(sim, VD, "web-01-root", ("Ready",))
        assert rec.of(VM, "web-01") in ([], ["Stopped"])
        assert phase(sim.get(VM, NS, "web-01")) == "Stopped"


@pytest.mark.parametrize("gen", RESTORE_GENS)
def test_restore_accepts_wait_for_first_consumer_disks(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01", disks=(("web-01-root", "1Gi", "local-wffc"),))
        sk.snapshot(sim, "web-01", "web-01-snap")
        vmop(sim, "stop", "Stop")
        k.wait_phase(sim, VMOP, "stop", ("Completed",))
        op = restore(sim, "restore")
        assert phase(op) == "Completed", status(op)
        assert phase(k.wait_phase(sim, VD, "web-01-root", ("WaitForFirstConsumer",))) == "WaitForFirstConsumer"
        assert phase(sim.get(VM, NS, "web-01")) == "Stopped"


SNAPSHOT_FAILURES = {
    "missing": 'virtual machine snapshot "nope" is not found',
    "not-ready": 'virtual machine snapshot "nope" is not ready to use',
    "no-secret-name": "snapshot secret name is empty",
    "secret-gone": "restorer secret is not found",
}


def _broken_snapshot(sim: SimCluster, case: str) -> str:
    if case == "not-ready":
        sim.apply(
            {
                "apiVersion": k.DVP,
                "kind": "VirtualMachineSnapshot",
                "metadata": {"name": "nope", "namespace": NS},
                "spec": {"virtualMachineName": "ghost", "requiredConsistency": True, "keepIPAddress": "Never"},
            }
        )
    if case == "no-secret-name":
        snap = sim.get("VirtualMachineSnapshot", NS, "web-01-snap") or {}
        sim.apply({**snap, "status": {**status(snap), "virtualMachineSnapshotSecretName": ""}})
        return "web-01-snap"
    if case == "secret-gone":
        snap = sim.get("VirtualMachineSnapshot", NS, "web-01-snap") or {}
        sim.delete("Secret", NS, status(snap)["virtualMachineSnapshotSecretName"])
        return "web-01-snap"
    return "nope"


@pytest.mark.parametrize("gen", RESTORE_GENS)
@pytest.mark.parametrize("case", sorted(SNAPSHOT_FAILURES))
def test_restore_fails_at_once_without_a_usable_snapshot(gen: str, case: str) -> None:
    with k.cluster(gen, without=("VirtualMachineSnapshot",)) as sim:
        settled_vm(sim, hotplug=())
        snap = _broken_snapshot(sim, case)
        op = restore(sim, "restore", snap=snap, mode="DryRun")
        text = "Restore is failed: " + SNAPSHOT_FAILURES[case]
        failed_with(op, "OperationFailed", text)
        assert k.has_event(sim, "restore", ("Warning", "VirtualMachineOperationFailed", text))
        assert cond(op, "MaintenanceMode") == {}
        if gen == "cse":
            rc = cond(op, "RestoreCompleted")
            expected = SNAPSHOT_FAILURES[case][:1].upper() + SNAPSHOT_FAILURES[case][1:] + "."
            assert (rc["status"], rc["reason"], rc["message"]) == ("False", "RestoreFailed", expected)
