"""VirtualDiskSnapshot per generation: success paths, every failure/wait path of §3.1 / §3.9.1, deletion."""

from __future__ import annotations

import json

import pytest

from tests.conftest import wait_for
from tests.sim.snapkit import (
    FAIL_FAST,
    FOREIGN,
    GENERATIONS,
    N_SC,
    R_VSC,
    W_SC,
    WAITING,
    Kit,
    cluster,
    cond,
    meta,
    phase,
    status,
    subsequence,
)
from tui.sim.controllers.flags import flags_for

READY = "VirtualDiskSnapshotReady"
ANN = "virtualization.deckhouse.io/"


def vs_name(k: Kit, name: str) -> str:
    uid = meta(k.get("VirtualDiskSnapshot", name))["uid"]
    return name if k.gen in WAITING else f"d8v-vds-{name}-{uid}"


@pytest.mark.parametrize("generation", GENERATIONS)
def test_detached_disk_snapshot(generation: str) -> None:
    with cluster(generation) as k:
        k.a.disk("data", "20Gi", labels={"backup": "daily"})
        k.wait_phase("VirtualDisk", "data", "Ready")
        k.snapshot_disk("snap", "data")
        vds = k.wait_phase("VirtualDiskSnapshot", "snap", "Ready")
        g = flags_for(generation)
        assert status(vds)["volumeSnapshotName"] == vs_name(k, "snap")
        assert status(vds)["consistent"] is True
        assert cond(vds, READY) | {"lastTransitionTime": ""} == {
            "type": READY, "status": "True", "reason": READY, "message": "", "lastTransitionTime": "",
            "observedGeneration": 1}
        assert cond(vds, "VirtualDiskReady")["status"] == "True"
        assert meta(vds)["finalizers"] == ["virtualization.deckhouse.io/vdsnapshot-cleanup"]
        states = k.rec.states(READY, "VirtualDiskSnapshot", "snap")
        expected = [("InProgress", "Snapshotting", g.msg("started")),
                    ("InProgress", "Snapshotting", g.msg("vds.vsCreated", vd="data"))]
        if generation in FAIL_FAST:
            expected.append(("InProgress", "Snapshotting", g.msg("vds.consistent")))
        assert subsequence([*expected, ("Ready", READY, "")], states), states
        if generation in WAITING:  # the disk handshake: Snapshotting=True first
            assert states[0] == ("Pending", "WaitingForTheVirtualDisk", g.msg("vds.waitDisk", vd="data"))
        vs = k.get("VolumeSnapshot", status(vds)["volumeSnapshotName"])
        owner = meta(vs)["ownerReferences"][0]
        assert (owner["kind"], owner["name"], owner.get("controller")) == ("VirtualDiskSnapshot", "snap", None)
        assert "virtualization.deckhouse.io/vdsnapshot-protection" in meta(vs)["finalizers"]
        ann = meta(vs)["annotations"]
        disk = k.get("VirtualDisk", "data")
        assert vs["spec"]["source"]["persistentVolumeClaimName"] == status(disk)["target"]["persistentVolumeClaimName"]
        if generation == "seed":
            assert ann == {"storageClass": "replicated", "volumeMode": "Block", "accessModes": "ReadWriteMany"}
            assert vs["spec"]["volumeSnapshotClassName"] == R_VSC
        else:
            assert ann[ANN + "storage-class-name"] == "replicated"
            assert (ann[ANN + "volume-mode"], ann[ANN + "access-mode"]) == ("Block", "ReadWriteMany")
            assert json.loads(ann[ANN + "vd-original-labels"]) == {"backup": "daily"}
            assert (ANN + "vd-original-size" in ann) == (generation == "v1.10")
            assert vs["spec"]["volumeSnapshotClassName"] == R_VSC  # filled in by the snapshot-controller
        assert not cond(k.get("VirtualDisk", "data"), "Snapshotting")  # released once Ready


@pytest.mark.parametrize("generation", GENERATIONS)
def test_running_vm_with_agent_is_frozen_and_thawed(generation: str) -> None:
    with cluster(generation) as k:
        k.vm("web", ["web-root"])
        k.snapshot_disk("snap", "web-root")
        vds = k.wait_phase("VirtualDiskSnapshot", "snap", "Ready")
        assert status(vds)["consistent"] is True
        g = flags_for(generation)
        states = k.rec.states(READY, "VirtualDiskSnapshot", "snap")
        assert ("InProgress", "FileSystemFreezing", g.msg("vds.freezing", vm="web", vd="web-root")) in states
        frozen = [cond(o, "FilesystemFrozen").get("status") for o in k.rec.objects("VirtualMachine", "web")]
        assert "True" in frozen
        wait_for(lambda: not cond(k.get("VirtualMachine", "web"), "FilesystemFrozen"))
        assert cond(k.get("VirtualMachine", "web"), "FilesystemFrozen") == {}


@pytest.mark.parametrize("generation", GENERATIONS)
def test_running_vm_without_agent(generation: str) -> None:
    with cluster(generation) as k:
        k.vm("db", ["db-root"], agent=False)
        k.snapshot_disk("strict", "db-root")
        g = flags_for(generation)
        if generation in FAIL_FAST:
            vds = k.wait_phase("VirtualDiskSnapshot", "strict", "Failed")
            assert cond(vds, READY)["reason"] == "PotentiallyInconsistent"
            assert cond(vds, READY)["message"] == g.msg("vds.inconsistentAgent", vd="db-root", vm="db")
            assert k.get("VolumeSnapshot", vs_name(k, "strict")) is None
        else:
            k.settle()
            vds = k.get("VirtualDiskSnapshot", "strict")
            assert phase(vds) == "Pending"
            assert cond(vds, READY)["message"] == g.msg("vds.waitInconsistentAgent", vd="db-root", vm="db",
                                                        phase="Running")
            assert cond(vds, READY)["message"].startswith('The virtual machine "db" with an attached virtual disk')
            k.a.restore_agent("db")  # seed/cse: starts by itself once the agent answers
            vds = k.wait_phase("VirtualDiskSnapshot", "strict", "Ready")
            assert status(vds)["consistent"] is True
        k.a.remove_agent("db")
        k.snapshot_disk("loose", "db-root", required_consistency=False)
        vds = k.wait_phase("VirtualDiskSnapshot", "loose", "Ready")
        assert "consistent" not in status(vds)


@pytest.mark.parametrize("generation", GENERATIONS)
def test_missing_disk(generation: str) -> None:
    with cluster(generation) as k:
        k.snapshot_disk("snap", "ghost")
        g = flags_for(generation)
        if generation in FAIL_FAST:
            vds = k.wait_phase("VirtualDiskSnapshot", "snap", "Failed")
            assert (cond(vds, READY)["reason"], cond(vds, READY)["message"]) == (
                "WaitingForTheVirtualDisk", 'Cannot take a snapshot: the virtual disk "ghost" does not exist.')
            expected = 'The virtual disk "ghost" was not found.' if generation == "v1.10" else \
                'The virtual disk "ghost" not found.'
            assert cond(vds, "VirtualDiskReady")["message"] == expected
        else:
            k.settle()
            vds = k.get("VirtualDiskSnapshot", "snap")
            assert phase(vds) == "Pending"
            assert cond(vds, READY)["message"] == 'Waiting for the virtual disk "ghost" to be ready for snapshotting.'
            assert cond(vds, "VirtualDiskReady")["message"] == g.msg("vd.notFound", vd="ghost")
            k.a.disk("ghost", "1Gi")
            k.wait_phase("VirtualDiskSnapshot", "snap", "Ready")


@pytest.mark.parametrize("generation", GENERATIONS)
def test_disk_not_ready(generation: str) -> None:
    with cluster(generation) as k:
        k.disk("lazy", "1Gi", W_SC)  # WaitForFirstConsumer
        k.snapshot_disk("snap", "lazy")
        if generation in FAIL_FAST:
            vds = k.wait_phase("VirtualDiskSnapshot", "snap", "Failed")
            assert cond(vds, READY)["message"] == 'Cannot take a snapshot: the virtual disk "lazy" is not ready.'
        else:
            k.settle()
            vds = k.get("VirtualDiskSnapshot", "snap")
            assert phase(vds) == "Pending" and cond(vds, READY)["reason"] == "WaitingForTheVirtualDisk"
        assert cond(vds, "VirtualDiskReady")["message"] == (
            'The virtual disk "lazy" is in the "WaitForFirstConsumer" phase: waiting for it to reach the Ready phase.')


@pytest.mark.parametrize("generation", GENERATIONS)
def test_resizing_disk(generation: str) -> None:
    with cluster(generation) as k:
        k.disk("d", "1Gi")
        k.a.mark_resizing("d")
        k.wait_phase("VirtualDisk", "d", "Resizing")
        k.snapshot_disk("snap", "d")
        if generation in FAIL_FAST:
            vds = k.wait_phase("VirtualDiskSnapshot", "snap", "Failed")
            assert cond(vds, READY)["reason"] == "WaitingForTheVirtualDisk"
        else:
            k.settle()
            assert phase(k.get("VirtualDiskSnapshot", "snap")) == "Pending"
            disk = k.get("VirtualDisk", "d")
            assert cond(disk, "Snapshotting")["message"] == (
                "The virtual disk cannot be selected for snapshotting as it is currently resizing.")
            k.a.mark_resizing("d", False)
            k.wait_phase("VirtualDiskSnapshot", "snap", "Ready")


@pytest.mark.parametrize("generation", GENERATIONS)
def test_default_class_missing_or_ambiguous(generation: str) -> None:
    with cluster(generation) as k:
        k.disk("nfs-disk", "1Gi", N_SC)
        k.snapshot_disk("snap", "nfs-disk", snapshot_class="typo" if generation == "seed" else None)
        vds = k.wait_phase("VirtualDiskSnapshot", "snap", "Failed")
        name = vs_name(k, "snap")
        if generation == "seed":
            error = ('Failed to get snapshot class with error volumesnapshotclass.snapshot.storage.k8s.io "typo" '
                     "not found")
        else:
            error = "Failed to set default snapshot class with error cannot find default snapshot class"
        assert cond(vds, READY)["reason"] == "VirtualDiskSnapshotFailed"
        assert cond(vds, READY)["message"] == f'VolumeSnapshot "{name}" has an error: {error}.'
        assert status(vds)["volumeSnapshotName"] == name
        if generation == "seed":
            return
        k.a.snapshot_class("nfs-a", "nfs.csi.k8s.io", default=True)
        k.a.snapshot_class("nfs-b", "nfs.csi.k8s.io", default=True)
        k.snapshot_disk("snap2", "nfs-disk")
        vds = k.wait_phase("VirtualDiskSnapshot", "snap2", "Failed")
        assert cond(vds, READY)["message"].endswith(
            "Failed to set default snapshot class with error 2 default snapshot classes were found.")


def test_seed_empty_class_and_foreign_driver() -> None:
    with cluster("seed") as k:
        k.disk("d", "1Gi")
        k.snapshot_disk("empty", "d", snapshot_class="")
        vds = k.wait_phase("VirtualDiskSnapshot", "empty", "Failed")
        assert cond(vds, READY)["message"].endswith("volumeSnapshotClassName must not be the empty string when set")
        k.a.snapshot_class("foreign", FOREIGN)
        k.snapshot_disk("stuck", "d", snapshot_class="foreign")  # no sidecar for that driver: never ready
        wait_for(lambda: k.get("VolumeSnapshot", "stuck") is not None)
        k.settle()
        vds = k.get("VirtualDiskSnapshot", "stuck")
        assert phase(vds) == "InProgress"
        assert cond(vds, READY)["message"] == 'Waiting fot the volume snapshot "stuck" to be ready to use.'


@pytest.mark.parametrize("generation", GENERATIONS)
def test_lost_volume_snapshot(generation: str) -> None:
    with cluster(generation) as k:
        k.disk("d", "1Gi")
        k.snapshot_disk("snap", "d")
        vds = k.wait_phase("VirtualDiskSnapshot", "snap", "Ready")
        k.a.lose_volume_snapshot(status(vds)["volumeSnapshotName"])
        vds = k.wait_phase("VirtualDiskSnapshot", "snap", "Failed")
        name = status(vds)["volumeSnapshotName"]
        expected = (f'The underlying VolumeSnapshot "{name}" is no longer available.' if generation == "v1.10"
                    else f'The underlying volume snapshot "{name}" is not ready to use.')
        assert (cond(vds, READY)["reason"], cond(vds, READY)["message"]) == ("Lost", expected)


@pytest.mark.parametrize("generation", GENERATIONS)
def test_disk_attached_to_two_vms(generation: str) -> None:
    with cluster(generation) as k:
        k.disk("shared", "1Gi")
        k.a.vm("a", ["shared"], run_policy="AlwaysOff")
        k.a.vm("b", ["shared"], run_policy="AlwaysOff")
        wait_for(lambda: len(status(k.get("VirtualDisk", "shared")).get("attachedToVirtualMachines") or []) == 2)
        k.snapshot_disk("snap", "shared")
        vds = k.wait_phase("VirtualDiskSnapshot", "snap", "Failed")
        text = 'The virtual disk "shared" is attached to multiple virtual machines'
        assert cond(vds, READY)["message"] == (text if generation == "seed" else text + ".")


@pytest.mark.parametrize("generation", GENERATIONS)
def test_freeze_call_fails(generation: str) -> None:
    with cluster(generation) as k:
        k.vm("web", ["web-root"])
        k.a.freeze_error("web", "virtual machine agent does not respond")
        k.snapshot_disk("snap", "web-root")
        text = "Virtual machine agent does not respond"
        if generation in WAITING:
            vds = k.wait_phase("VirtualDiskSnapshot", "snap", "Failed")
            assert (cond(vds, READY)["reason"], cond(vds, READY)["message"]) == ("VirtualDiskSnapshotFailed", text)
            return
        wait_for(lambda: cond(k.get("VirtualDiskSnapshot", "snap"), READY).get("reason") == "FileSystemFreezing")
        vds = k.get("VirtualDiskSnapshot", "snap")
        assert phase(vds) == "InProgress" and cond(vds, READY)["message"] == text + "."
        k.a.freeze_error("web", None)  # retried
        vds = k.wait_phase("VirtualDiskSnapshot", "snap", "Ready")
        assert status(vds)["consistent"] is True


@pytest.mark.parametrize("generation", GENERATIONS)
def test_failed_snapshot_and_the_disk_snapshotting_condition(generation: str) -> None:
    """seed/cse: a Failed snapshot keeps the disk's Snapshotting=True, which holds back a resize (§3.9.1.5)."""
    with cluster(generation) as k:
        k.disk("nfs-disk", "10Gi", N_SC)
        k.snapshot_disk("snap", "nfs-disk", snapshot_class="typo" if generation == "seed" else None)
        k.wait_phase("VirtualDiskSnapshot", "snap", "Failed")
        k.a.resize("nfs-disk", "20Gi")
        if generation in FAIL_FAST:
            wait_for(lambda: status(k.get("VirtualDisk", "nfs-disk")).get("capacity") == "20Gi")
            assert cond(k.get("VirtualDisk", "nfs-disk"), "Snapshotting") == {}
            return
        disk = wait_for(lambda: (d := k.get("VirtualDisk", "nfs-disk")) and cond(d, "Resizing") and d)
        assert cond(disk, "Snapshotting")["status"] == "True"
        assert cond(disk, "Resizing") | {"lastTransitionTime": ""} == {
            "type": "Resizing", "status": "False", "reason": "NotAvailable", "lastTransitionTime": "",
            "message": "The virtual disk cannot be selected for resizing as it is currently snapshotting.",
            "observedGeneration": 2}
        k.settle()
        assert status(k.get("VirtualDisk", "nfs-disk"))["capacity"] == "10Gi"
        k.a.delete("VirtualDiskSnapshot", "snap")
        wait_for(lambda: status(k.get("VirtualDisk", "nfs-disk")).get("capacity") == "20Gi")


@pytest.mark.parametrize("generation", GENERATIONS)
def test_failed_snapshot_thaws_vm_frozen_by_another(generation: str) -> None:
    """seed/cse: a Failed snapshot thaws the VM on reconcile without checking others (§0.13i)."""
    with cluster(generation) as k:
        k.vm("web", ["web-root", "web-data"])
        k.a.hold_snapshots()
        k.snapshot_disk("long", "web-root")
        wait_for(lambda: cond(k.get("VirtualMachine", "web"), "FilesystemFrozen").get("status") == "True")
        k.wait_phase("VirtualDiskSnapshot", "long", "InProgress")
        k.snapshot_disk("bad", "web-data", snapshot_class="typo" if generation == "seed" else None)
        if generation != "seed":  # make the second one fail: its VolumeSnapshot reports an error
            name = wait_for(lambda: status(k.get("VirtualDiskSnapshot", "bad")).get("volumeSnapshotName"))
            k.a.fail_volume_snapshot(name, "driver exploded")
        k.wait_phase("VirtualDiskSnapshot", "bad", "Failed")
        k.a.slow_agent("web", 0.1)  # any VM change reconciles the Failed snapshot again
        if generation in WAITING:
            wait_for(lambda: not cond(k.get("VirtualMachine", "web"), "FilesystemFrozen"))
        else:
            k.settle()
            assert cond(k.get("VirtualMachine", "web"), "FilesystemFrozen")["status"] == "True"
        assert phase(k.get("VirtualDiskSnapshot", "long")) == "InProgress"
        k.a.hold_snapshots(False)
        k.wait_phase("VirtualDiskSnapshot", "long", "Ready")


@pytest.mark.parametrize("generation", GENERATIONS)
def test_deletion(generation: str) -> None:
    with cluster(generation) as k:
        k.disk("d", "1Gi")
        k.snapshot_disk("snap", "d")
        vds = k.wait_phase("VirtualDiskSnapshot", "snap", "Ready")
        name = status(vds)["volumeSnapshotName"]
        content = status(k.get("VolumeSnapshot", name))["boundVolumeSnapshotContentName"]
        k.a.delete("VirtualDiskSnapshot", "snap")
        k.wait_gone("VirtualDiskSnapshot", "snap")
        assert k.get("VolumeSnapshot", name) is None
        assert k.get("VolumeSnapshotContent", content) is None
        terminating = [o for o in k.rec.objects("VirtualDiskSnapshot", "snap") if phase(o) == "Terminating"]
        assert terminating and cond(terminating[-1], READY)["reason"] == "Unknown"
        assert cond(terminating[-1], "VirtualDiskReady")["status"] == "Unknown"


@pytest.mark.parametrize("generation", GENERATIONS)
def test_unfreeze_call_fails(generation: str) -> None:
    with cluster(generation) as k:
        k.vm("web", ["web-root"])
        k.a.unfreeze_error("web", "unfreeze timed out")
        k.snapshot_disk("snap", "web-root")
        if generation in WAITING:  # no FileSystemUnfreezing reason: the error fails the snapshot
            vds = k.wait_phase("VirtualDiskSnapshot", "snap", "Failed")
            assert cond(vds, READY)["message"] == "Unfreeze timed out"
            assert cond(k.get("VirtualMachine", "web"), "FilesystemFrozen")["status"] == "True"
            k.a.unfreeze_error("web", None)  # the Failed snapshot thaws the VM on its next reconcile
            wait_for(lambda: not cond(k.get("VirtualMachine", "web"), "FilesystemFrozen"))
            return
        wait_for(lambda: cond(k.get("VirtualDiskSnapshot", "snap"), READY).get("reason") == "FileSystemUnfreezing")
        vds = k.get("VirtualDiskSnapshot", "snap")
        assert phase(vds) == "InProgress" and cond(vds, READY)["message"] == "Unfreeze timed out."
        k.a.unfreeze_error("web", None)
        k.wait_phase("VirtualDiskSnapshot", "snap", "Ready")
        wait_for(lambda: not cond(k.get("VirtualMachine", "web"), "FilesystemFrozen"))
