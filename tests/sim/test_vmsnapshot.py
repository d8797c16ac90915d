"""VirtualMachineSnapshot per generation: children, payload Secret, resources, failure and wait paths (§3.2, §3.9.2)."""

from __future__ import annotations

import base64
import json

import pytest

from tests.conftest import wait_for
from tests.sim.snapkit import (
    FAIL_FAST,
    GENERATIONS,
    N_SC,
    R_SC,
    R_VSC,
    WAITING,
    Kit,
    cluster,
    cond,
    meta,
    payload,
    phase,
    status,
    subsequence,
)
from tui.sim.controllers.flags import flags_for

READY = "VirtualMachineSnapshotReady"
DVP = "virtualization.deckhouse.io/v1alpha2"


def web(k: Kit, *, running: bool = True) -> None:
    """VM `web`: a static root disk, a hot-plugged data disk, a cloud-init Secret, an auto IP address."""
    k.a.secret("web-cloudinit", {"userData": "#cloud-config\n"},
               type_="provisioning.virtualization.deckhouse.io/cloud-init")
    k.disk("web-root", "10Gi")
    k.disk("web-data", "5Gi")
    k.vm("web", ["web-root"], cloud_init="web-cloudinit")
    k.a.attach("web-data-attach", "web", "web-data")
    k.wait_phase("VirtualMachineBlockDeviceAttachment", "web-data-attach", "Attached")
    wait_for(lambda: len(status(k.get("VirtualMachine", "web"))["blockDeviceRefs"]) == 2)
    if not running:
        k.a.stop("web")
        k.wait_phase("VirtualMachine", "web", "Stopped")


@pytest.mark.parametrize("generation", GENERATIONS)
def test_snapshot_of_a_running_vm(generation: str) -> None:
    with cluster(generation) as k:
        web(k)
        k.snapshot_vm("before", "web")
        vms = k.wait_phase("VirtualMachineSnapshot", "before", "Ready")
        uid = meta(vms)["uid"]
        st = status(vms)
        assert st["virtualDiskSnapshotNames"] == [f"web-root-{uid}", f"web-data-{uid}"]
        secret_name = "before" if generation in WAITING else f"d8v-vms-before-{uid}"
        assert st["virtualMachineSnapshotSecretName"] == secret_name
        assert st["consistent"] is True
        vmip = status(k.get("VirtualMachine", "web"))["virtualMachineIPAddressName"]
        assert st["resources"] == [
            {"apiVersion": DVP, "kind": "VirtualMachine", "name": "web"},
            {"apiVersion": DVP, "kind": "VirtualMachineIPAddress", "name": vmip},
            {"apiVersion": "v1", "kind": "Secret", "name": "web-cloudinit"},
            {"apiVersion": DVP, "kind": "VirtualDisk", "name": "web-root"},
            {"apiVersion": DVP, "kind": "VirtualMachineBlockDeviceAttachment", "name": "web-data-attach"},
            {"apiVersion": DVP, "kind": "VirtualDisk", "name": "web-data"},
        ]
        for child in st["virtualDiskSnapshotNames"]:
            vds = k.get("VirtualDiskSnapshot", child)
            assert phase(vds) == "Ready" and status(vds)["consistent"] is True
            owner = meta(vds)["ownerReferences"][0]
            assert (owner["kind"], owner["name"], owner["uid"]) == ("VirtualMachineSnapshot", "before", uid)
            assert vds["spec"]["requiredConsistency"] is True
            assert (vds["spec"].get("volumeSnapshotClassName") == R_VSC) == (generation == "seed")
        secret = k.get("Secret", secret_name)
        assert secret["type"] == "virtualmachine.virtualization.deckhouse.io/snapshot"
        assert meta(secret)["ownerReferences"][0]["name"] == "before"
        first = base64.b64decode(secret["data"]["vm"])
        assert first.startswith(b"{") == (generation != "seed")  # seed: base64 twice
        data = payload(secret)
        assert sorted(data) == ["provisioner", "vm", "vmbdas", "vmip"]
        assert data["vm"]["metadata"]["uid"] == meta(k.get("VirtualMachine", "web"))["uid"]
        address = status(k.get("VirtualMachine", "web"))["ipAddress"]
        assert data["vmip"]["spec"] == {"type": "Static", "staticIP": address}
        assert k.get("VirtualMachineIPAddress", vmip)["spec"] == {"type": "Auto"}  # the live one is not converted
        assert data["vmbdas"][0]["metadata"]["name"] == "web-data-attach"
        assert data["provisioner"]["metadata"]["name"] == "web-cloudinit"
        g = flags_for(generation)
        states = k.rec.states(READY, "VirtualMachineSnapshot", "before")
        assert subsequence([
            ("InProgress", "FileSystemFreezing", g.msg("started")),
            ("InProgress", "FileSystemFreezing", g.msg("vms.freezing", vm="web")),
            ("InProgress", "Snapshotting", g.msg("vms.progress", vm="web", ready=0, total=2)),
            ("Ready", "VirtualMachineReady", ""),
        ], states), states
        wait_for(lambda: cond(k.get("VirtualMachineSnapshot", "before"), READY)["reason"] == READY)
        reasons = [r for _, r, _ in k.events("before")]
        assert subsequence(["VirtualMachineSnapshottingStarted", "VirtualMachineSnapshottingFrozen",
                            "VirtualMachineSnapshottingInProgress", "VirtualMachineSnapshottingThawed",
                            "VirtualMachineSnapshottingCompleted"], reasons), reasons
        vm_states = [cond(o, "Snapshotting").get("reason") for o in k.rec.objects("VirtualMachine", "web")]
        assert "SnapshottingInProgress" in vm_states
        wait_for(lambda: not cond(k.get("VirtualMachine", "web"), "Snapshotting"))
        assert not cond(k.get("VirtualMachine", "web"), "FilesystemFrozen")


@pytest.mark.parametrize("generation", GENERATIONS)
def test_stopped_vm_keep_ip_never(generation: str) -> None:
    with cluster(generation) as k:
        web(k, running=False)
        k.snapshot_vm("cold", "web", keep_ip="Never")
        vms = k.wait_phase("VirtualMachineSnapshot", "cold", "Ready")
        data = payload(k.get("Secret", status(vms)["virtualMachineSnapshotSecretName"]))
        assert "vmip" not in data  # Never + Auto + not named by the VM spec
        assert [r["kind"] for r in status(vms)["resources"]][:2] == ["VirtualMachine", "Secret"]
        frozen = [cond(o, "FilesystemFrozen") for o in k.rec.objects("VirtualMachine", "web")]
        assert not any(frozen)


@pytest.mark.parametrize("generation", GENERATIONS)
def test_missing_vm(generation: str) -> None:
    with cluster(generation) as k:
        k.snapshot_vm("snap", "ghost")
        g = flags_for(generation)
        if generation in FAIL_FAST:
            vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Failed")
            assert (cond(vms, READY)["reason"], cond(vms, READY)["message"]) == (
                "WaitingForTheVirtualMachine", 'Cannot take a snapshot: the virtual machine "ghost" does not exist.')
            assert k.has_event("snap", ("Warning", "VirtualMachineSnapshottingFailed", cond(vms, READY)["message"]))
        else:
            k.settle()
            vms = k.get("VirtualMachineSnapshot", "snap")
            assert phase(vms) == "Pending"
            assert cond(vms, READY)["message"] == (
                'Waiting for the virtual machine "ghost" to be ready for snapshotting.')
            assert k.has_event("snap", ("Normal", "VirtualMachineSnapshottingPending", cond(vms, READY)["message"]))
            assert cond(vms, "VirtualMachineReady")["message"] == g.msg("vm.notFound", vm="ghost")
            k.vm("ghost", ["ghost-root"], running=False)
            k.wait_phase("VirtualMachineSnapshot", "snap", "Ready")


@pytest.mark.parametrize("generation", GENERATIONS)
def test_vm_not_running_or_stopped(generation: str) -> None:
    with cluster(generation) as k:
        k.a.vm("slow", ["slow-root"])  # its disk does not exist yet: the VM stays Pending
        k.wait_phase("VirtualMachine", "slow", "Pending")
        k.snapshot_vm("snap", "slow")
        if generation in FAIL_FAST:
            vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Failed")
            assert cond(vms, READY)["message"] == 'Cannot take a snapshot: the virtual machine "slow" is not ready.'
        else:
            k.settle()
            assert phase(k.get("VirtualMachineSnapshot", "snap")) == "Pending"
        vms = k.get("VirtualMachineSnapshot", "snap")
        assert cond(vms, "VirtualMachineReady")["message"] == (
            'The virtual machine "slow" is in the "Pending" phase: waiting for it to reach the Running or Stopped '
            "phase.")


@pytest.mark.parametrize("generation", GENERATIONS)
def test_disk_resizing_blocks(generation: str) -> None:
    with cluster(generation) as k:
        k.vm("vm", ["vm-root"], running=False)
        k.a.mark_resizing("vm-root")
        k.wait_phase("VirtualDisk", "vm-root", "Resizing")
        k.snapshot_vm("snap", "vm")
        if generation in FAIL_FAST:
            vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Failed")
            assert k.has_event("snap", ("Normal", "VirtualMachineSnapshottingFailed", cond(vms, READY)["message"]))
        else:
            k.settle()
            vms = k.get("VirtualMachineSnapshot", "snap")
            assert phase(vms) == "Pending"
        assert cond(vms, READY)["reason"] == "BlockDevicesNotReady"
        assert cond(vms, READY)["message"] == (
            'Virtual disk not ready: waiting for the virtual disk "vm-root" to be Ready.')


@pytest.mark.parametrize("generation", GENERATIONS)
def test_pending_restart_changes(generation: str) -> None:
    with cluster(generation) as k:
        k.vm("app", ["app-root"], cores=2)
        k.a.change_vm("app", cores=4)
        wait_for(lambda: status(k.get("VirtualMachine", "app")).get("restartAwaitingChanges"))
        k.snapshot_vm("snap", "app")
        if generation in WAITING:
            k.settle()
            vms = k.get("VirtualMachineSnapshot", "snap")
            assert phase(vms) == "Pending"
            assert (cond(vms, READY)["reason"], cond(vms, READY)["message"]) == ("RestartAwaitingChanges", (
                'Waiting for the restart and approval of changes to virtual machine "app" before taking the snapshot.'))
            k.a.stop("app")  # stopping applies the changes; the snapshot then starts by itself
        vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Ready")
        data = payload(k.get("Secret", status(vms)["virtualMachineSnapshotSecretName"]))
        assert data["vm"]["spec"]["cpu"]["cores"] == 4  # v1.8+: the pending configuration is captured


@pytest.mark.parametrize("generation", GENERATIONS)
def test_no_agent(generation: str) -> None:
    with cluster(generation) as k:
        k.vm("db", ["db-root"], agent=False)
        k.snapshot_vm("snap", "db")
        if generation in FAIL_FAST:
            vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Failed")
            assert (cond(vms, READY)["reason"], cond(vms, READY)["message"]) == ("PotentiallyInconsistent", (
                'Cannot take a consistent snapshot of virtual machine "db": virtual machine agent is not ready and '
                "the virtual machine cannot be frozen."))
            assert k.get("VirtualDiskSnapshot", f"db-root-{meta(vms)['uid']}") is None
        else:
            k.settle()
            vms = k.get("VirtualMachineSnapshot", "snap")
            assert phase(vms) == "Pending"
            assert cond(vms, READY)["message"] == (
                'The snapshotting of virtual machine "db" might result in an inconsistent snapshot: virtual machine '
                "agent is not ready and virtual machine cannot be frozen: waiting for virtual machine agent to be "
                "ready or virtual machine will stop")
            k.a.stop("db")  # …or the VM stops
            vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Ready")
            assert status(vms)["consistent"] is True
        k.snapshot_vm("loose", "db", required_consistency=False)
        k.wait_phase("VirtualMachineSnapshot", "loose", "Ready")


@pytest.mark.parametrize("generation", GENERATIONS)
def test_missing_provisioning_secret(generation: str) -> None:
    with cluster(generation) as k:
        k.vm("vm", ["vm-root"], cloud_init="gone", running=False)
        k.snapshot_vm("snap", "vm")
        vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Failed")
        assert (cond(vms, READY)["reason"], cond(vms, READY)["message"]) == (
            "VirtualMachineSnapshotFailed", 'The virtual machine provisioning secret "gone" not found.')


@pytest.mark.parametrize("generation", GENERATIONS)
def test_child_fails_on_a_driver_without_default_class(generation: str) -> None:
    with cluster(generation) as k:
        k.disk("nfs-root", "1Gi", N_SC)
        k.vm("vm", ["nfs-root"], running=False)
        if generation == "seed":  # the mapping names a class that does not exist
            k.a.snapshot_vm("snap", "vm", classes={R_SC: R_VSC, N_SC: "typo"})
        else:
            k.snapshot_vm("snap", "vm")
        vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Failed")
        child = f"nfs-root-{meta(vms)['uid']}"
        child_msg = cond(k.get("VirtualDiskSnapshot", child), "VirtualDiskSnapshotReady")["message"]
        assert cond(vms, READY)["reason"] == "VirtualMachineSnapshotFailed"
        assert cond(vms, READY)["message"] == f'The virtual disk snapshot "{child}" is failed: cannot take snapshot. ' \
            + child_msg


def test_seed_missing_class_mapping_leaves_vm_frozen() -> None:
    """§3.9.2: no mapping for the first disk's StorageClass after the freeze: Failed, VM stays frozen."""
    with cluster("seed") as k:
        k.vm("web", ["web-root"])
        k.a.snapshot_vm("snap", "web", classes={N_SC: "csi-nfs-snapshot-class"})
        vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Failed")
        text = ('The volume snapshot class not found: please define the volume snapshot class for the storage class '
                f'"{R_SC}" and recreate resource.')
        assert cond(vms, READY)["message"] == text
        assert k.has_event("snap", ("Warning", "VirtualMachineSnapshottingFailed", text.rstrip(".")))
        assert k.get("VirtualDiskSnapshot", f"web-root-{meta(vms)['uid']}") is None
        k.settle()
        assert cond(k.get("VirtualMachine", "web"), "FilesystemFrozen")["status"] == "True"
        k.a.restart("web")  # a restart thaws it
        wait_for(lambda: phase(k.get("VirtualMachine", "web")) == "Running"
                 and not cond(k.get("VirtualMachine", "web"), "FilesystemFrozen"))


@pytest.mark.parametrize("generation", GENERATIONS)
def test_lost_child_and_deletion_cascade(generation: str) -> None:
    with cluster(generation) as k:
        k.disk("a", "1Gi")
        k.disk("b", "1Gi")
        k.vm("vm", ["a", "b"], running=False)
        k.snapshot_vm("snap", "vm")
        vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Ready")
        uid = meta(vms)["uid"]
        k.a.delete("VirtualDiskSnapshot", f"a-{uid}")
        vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Failed")
        assert (cond(vms, READY)["reason"], cond(vms, READY)["message"]) == (
            "VirtualDiskSnapshotLost", f"The underlying virtual disk snapshot (a-{uid}) is lost.")
        secret = status(vms)["virtualMachineSnapshotSecretName"]
        k.a.delete("VirtualMachineSnapshot", "snap")
        k.wait_gone("VirtualMachineSnapshot", "snap")
        k.wait_gone("VirtualDiskSnapshot", f"b-{uid}")
        k.wait_gone("Secret", secret)


def test_lost_message_for_several_children() -> None:
    with cluster("v1.10") as k:
        k.vm("vm", ["a", "b"], running=False)
        k.snapshot_vm("snap", "vm")
        uid = meta(k.wait_phase("VirtualMachineSnapshot", "snap", "Ready"))["uid"]

        def drop_both() -> None:  # on the server loop: no reconcile sees only one of them gone
            for name in (f"a-{uid}", f"b-{uid}"):
                k.a.edit("VirtualDiskSnapshot", name, lambda o: o["metadata"].update(finalizers=[]))
                k.a.delete("VirtualDiskSnapshot", name)

        k.sim.server.call(drop_both)
        vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Failed")
        assert cond(vms, READY)["message"] == f"The underlying virtual disk snapshots (a-{uid}, b-{uid}) are lost."


def test_secret_payload_is_json_on_cse_and_later() -> None:
    with cluster("cse") as k:
        web(k, running=False)
        k.snapshot_vm("snap", "web")
        vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Ready")
        raw = k.get("Secret", "snap")["data"]["vm"]
        assert json.loads(base64.b64decode(raw))["kind"] == "VirtualMachine"
        assert status(vms)["virtualMachineSnapshotSecretName"] == "snap"


@pytest.mark.parametrize("generation", GENERATIONS)
def test_vm_deleted_while_in_progress(generation: str) -> None:
    with cluster(generation) as k:
        k.vm("vm", ["vm-root"], running=False)
        k.a.hold_snapshots()
        k.snapshot_vm("snap", "vm")
        k.wait_phase("VirtualMachineSnapshot", "snap", "InProgress")
        k.a.delete("VirtualMachine", "vm")
        k.wait_gone("VirtualMachine", "vm")
        if generation in FAIL_FAST:
            vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Failed")
            assert cond(vms, READY)["message"] == 'Cannot take a snapshot: the virtual machine "vm" does not exist.'
        else:
            vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Pending")
            assert cond(vms, READY)["reason"] == "WaitingForTheVirtualMachine"
        k.a.hold_snapshots(False)


@pytest.mark.parametrize("generation", GENERATIONS)
def test_unfreeze_call_fails(generation: str) -> None:
    with cluster(generation) as k:
        k.vm("web", ["web-root"])
        k.a.unfreeze_error("web", "unfreeze timed out")
        k.snapshot_vm("snap", "web")
        if generation in WAITING:
            vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Failed")
            assert (cond(vms, READY)["reason"], cond(vms, READY)["message"]) == (
                "VirtualMachineSnapshotFailed", "Unfreeze timed out.")
            return
        wait_for(lambda: cond(k.get("VirtualMachineSnapshot", "snap"), READY).get("reason") == "FileSystemUnfreezing")
        k.a.unfreeze_error("web", None)
        vms = k.wait_phase("VirtualMachineSnapshot", "snap", "Ready")
        assert status(vms)["consistent"] is True
