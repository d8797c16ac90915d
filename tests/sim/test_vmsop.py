"""VirtualMachineSnapshotOperation CreateVirtualMachine (v1.8, v1.10): one pass to Completed or Failed (§3.6)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sim import restore_kit as k
from tests.sim import snapshot_kit as sk
from tests.sim.restore_kit import NS, ann, cond, meta, phase, spec, status
from tui.sim.cluster import SimCluster

Obj = dict[str, Any]
KIND, VM, VD = "VirtualMachineSnapshotOperation", "VirtualMachine", "VirtualDisk"
GENS = ("v1.8", "v1.10")
MESSAGES = {
    "v1.8": {
        "no-params": "Clone specification is mandatory to start creating virtual machine",
        "missing": "Virtual machine snapshot not found",
        "not-ready": "Virtual machine snapshot is not ready",
        "no-secret": "Virtual machine snapshot secret not found",
        "busy": "VMSOP cannot be executed now. Previously created operation should finish first",
    },
    "v1.10": {
        "no-params": "Cannot start the clone: no parameters for the new virtual machine are specified.",
        "missing": 'The VirtualMachineSnapshot "nope" was not found.',
        "not-ready": 'The VirtualMachineSnapshot "nope" is not ready yet.',
        "no-secret": "The VirtualMachineSnapshot is not ready to be used yet.",
        "busy": "The operation cannot start yet: another operation must finish first.",
    },
}


def vmsop(sim: SimCluster, name: str, params: Obj | None, snap: str = "web-01-snap") -> Obj:
    body: Obj = {
        "apiVersion": k.DVP,
        "kind": KIND,
        "metadata": {"name": name, "namespace": NS},
        "spec": {"type": "CreateVirtualMachine", "virtualMachineSnapshotName": snap},
    }
    if params is not None:
        body["spec"]["createVirtualMachine"] = params
    sim.apply(body)
    return k.wait_phase(sim, KIND, name, ("Completed", "Failed"))


def failed_with(op: Obj, reason: str, message: str) -> None:
    assert phase(op) == "Failed", status(op)
    c = cond(op, "Completed")
    assert (c["status"], c["reason"], c["message"]) == ("False", reason, message)


@pytest.mark.parametrize("gen", GENS)
def test_the_section_8_body_creates_a_prefixed_copy_in_one_pass(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01", hotplug=("web-01-data",))
        sk.snapshot(sim, "web-01", "web-01-snap")
        rec = k.Phases(sim)
        body = {
            "apiVersion": k.DVP,
            "kind": KIND,
            "metadata": {"generateName": "from-snap-", "namespace": NS},
            "spec": {
                "type": "CreateVirtualMachine",
                "virtualMachineSnapshotName": "web-01-snap",
                "createVirtualMachine": {"mode": "Strict", "customization": {"namePrefix": "copy-"}},
            },
        }
        name = k.client(sim).create_namespaced_custom_object(
            "virtualization.deckhouse.io", "v1alpha2", NS, "virtualmachinesnapshotoperations", body
        )["metadata"]["name"]
        op = k.wait_phase(sim, KIND, name, ("Completed", "Failed"))
        assert phase(op) == "Completed", status(op)
        assert rec.of(KIND, name) == ["Completed"]  # Pending and Completed are written in the same pass
        c = cond(op, "Completed")
        assert (c["status"], c["reason"], c["message"]) == (
            "True",
            "OperationCompleted",
            "VirtualMachineSnapshotOperation completed",
        )
        assert [
            (r["apiVersion"], r["kind"], r["name"], r["status"], r["message"]) for r in status(op)["resources"]
        ] == [
            ("v1alpha2", VD, "copy-web-01-root", "Completed", "Successfully processed"),
            ("v1alpha2", VD, "copy-web-01-data", "Completed", "Successfully processed"),
            (
                "v1alpha2",
                "VirtualMachineBlockDeviceAttachment",
                "copy-web-01-data-attach",
                "Completed",
                "Successfully processed",
            ),
            ("v1", "Secret", "copy-web-01-cloudinit", "Completed", "Successfully processed"),
            ("v1alpha2", VM, "copy-web-01", "Completed", "Successfully processed"),
        ]
        evs = k.events(sim, name)
        assert ("Normal", "VirtualMachineSnaphotOperationStarted", "VirtualMachineSnapshotOperation started") in evs
        assert ("Warning", "VirtualMachineOperationSucceeded", "VirtualMachineSnapshotOperation completed") in evs
        copy = sim.get(VM, NS, "copy-web-01") or {}
        assert ann(copy)["virtualization.deckhouse.io/vmoprestore"] == meta(op)["uid"]
        assert not meta(copy).get("labels") and not spec(copy).get("virtualMachineIPAddressName")
        assert sim.get("VirtualMachineSnapshot", NS, "web-01-snap") is not None
        k.wait_phase(sim, VM, "copy-web-01", ("Running",))


@pytest.mark.parametrize("gen", GENS)
def test_dry_run_creates_nothing(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01")
        sk.snapshot(sim, "web-01", "web-01-snap")
        op = vmsop(sim, "dry", {"mode": "DryRun", "customization": {"nameSuffix": "-2"}})
        assert cond(op, "Completed")["message"] == (
            "VirtualMachineSnapshotOperation completed. The virtual machine can be cloned from the snapshot"
        )
        assert [(r["name"], r["message"]) for r in status(op)["resources"]] == [
            (n, f"{n} is valid for restore") for n in ("web-01-root-2", "web-01-cloudinit-2", "web-01-2")
        ]
        assert sim.get(VM, NS, "web-01-2") is None and sim.get(VD, NS, "web-01-root-2") is None


@pytest.mark.parametrize("gen", GENS)
def test_failures_without_usable_parameters_or_snapshot(gen: str) -> None:
    msg = MESSAGES[gen]
    with k.cluster(gen, without=("VirtualMachineSnapshot",)) as sim:
        k.vm(sim, "web-01")
        sk.snapshot(sim, "web-01", "web-01-snap")
        failed_with(vmsop(sim, "bare", None), "OperationFailed", msg["no-params"])
        params = {"mode": "Strict", "customization": {"namePrefix": "c-"}}
        failed_with(vmsop(sim, "missing", params, snap="nope"), "VirtualMachineSnapshotNotFound", msg["missing"])
        assert k.has_event(sim, "missing", ("Warning", "VirtualMachineSnapshotOperationFailed", msg["missing"]))
        sim.apply(
            {
                "apiVersion": k.DVP,
                "kind": "VirtualMachineSnapshot",
                "metadata": {"name": "nope", "namespace": NS},
                "spec": {"virtualMachineName": "ghost", "requiredConsistency": True, "keepIPAddress": "Never"},
            }
        )
        failed_with(vmsop(sim, "not-ready", params, snap="nope"), "NotReadyToBeExecuted", msg["not-ready"])
        snap = sim.get("VirtualMachineSnapshot", NS, "web-01-snap") or {}
        sim.delete("Secret", NS, status(snap)["virtualMachineSnapshotSecretName"])
        failed_with(vmsop(sim, "no-secret", params), "NotReadyToBeExecuted", msg["no-secret"])


@pytest.mark.parametrize("gen", GENS)
def test_an_unfinished_older_operation_on_the_same_snapshot_blocks(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01")
        sk.snapshot(sim, "web-01", "web-01-snap")
        sim.apply(
            {
                "apiVersion": k.DVP,
                "kind": KIND,
                "metadata": {"name": "a-old", "namespace": NS, "finalizers": ["test.dvpsnap.io/hold"]},
                "spec": {
                    "type": "CreateVirtualMachine",
                    "virtualMachineSnapshotName": "web-01-snap",
                    "createVirtualMachine": {"mode": "DryRun", "customization": {"namePrefix": "o-"}},
                },
            }
        )
        sim.delete(KIND, NS, "a-old")
        k.wait_phase(sim, KIND, "a-old", ("Terminating",))
        failed_with(
            vmsop(sim, "b-new", {"mode": "Strict", "customization": {"namePrefix": "n-"}}),
            "NotReadyToBeExecuted",
            MESSAGES[gen]["busy"],
        )


@pytest.mark.parametrize("gen", GENS)
def test_validation_failure_and_secret_reuse(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01")
        k.vm(sim, "copy-web-01", secret=False)
        sk.snapshot(sim, "web-01", "web-01-snap")
        op = vmsop(sim, "clash", {"mode": "Strict", "customization": {"namePrefix": "copy-"}})
        failed_with(
            op, "OperationFailed", "CreateVirtualMachine is failed: fail to validate the resources: check the status"
        )
        assert [(r["name"], r["message"]) for r in status(op)["resources"] if r["status"] == "Failed"] == [
            ("copy-web-01-root", "VirtualDisk with name copy-web-01-root attached to VirtualMachine copy-web-01"),
            ("copy-web-01", "VirtualMachine with name copy-web-01 already exists"),
        ]
        ok = vmsop(
            sim,
            "same-secret",
            {
                "mode": "Strict",
                "nameReplacement": [
                    {"from": {"kind": "VirtualMachine", "name": "web-01"}, "to": "web-03"},
                    {"from": {"kind": "VirtualDisk", "name": "web-01-root"}, "to": "web-03-root"},
                ],
            },
        )
        assert phase(ok) == "Completed", status(ok)
        assert spec(sim.get(VM, NS, "web-03"))["provisioning"]["userDataRef"]["name"] == "web-01-cloudinit"
