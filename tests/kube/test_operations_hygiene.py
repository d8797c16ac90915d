"""Pure models behind the operations pane, the hygiene view and the delete confirmation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.kube.preflight_kit import cond, disk, mk, view, vm
from tui.kube.deletion import Target, goes_with, target, typed_confirmation
from tui.kube.hygiene import per_vm, problems
from tui.kube.operations import Operation, Started, Tracker, assess
from tui.kube.store import LIVE, RECONNECTING

NOW = datetime(2026, 9, 10, 9, 0, tzinfo=UTC)
T0 = NOW - timedelta(minutes=1)
LIVE_LINK = (LIVE, "")


def vmsnap(phase: str, message: str = "", reason: str = "Snapshotting", consistent: bool | None = None,
           **meta: object) -> object:
    status: dict[str, object] = {"phase": phase, "conditions": [
        cond("VirtualMachineSnapshotReady", phase == "Ready", reason, message)]} if phase else {}
    if consistent:
        status["consistent"] = True
    return mk("vmsnapshot", "snap", {"virtualMachineName": "web"}, status or None, uid="u1", **meta)


def started() -> Operation:
    return Operation(Started("vmsnapshot", "VirtualMachineSnapshot", "lab", "snap", "u1", T0))


def test_stages_from_accepted_to_ready() -> None:
    op = started()
    assert assess(op, None, LIVE_LINK, NOW).stage == "accepted"  # created, not delivered yet
    op = assess(op, vmsnap(""), LIVE_LINK, NOW)  # type: ignore[arg-type]
    assert op.stage == "accepted" and op.seen
    op = assess(op, vmsnap("InProgress", "Waiting for the virtual disk snapshots to be taken for the block "  # type: ignore[arg-type]
                           'devices of the virtual machine "web" (1/3).'), LIVE_LINK, NOW)
    assert op.stage == "in progress" and op.progress == "(1/3)" and "(1/3)" in op.message
    assert op.elapsed(NOW) == 60.0
    op = assess(op, vmsnap("Ready", reason="VirtualMachineSnapshotReady", consistent=True), LIVE_LINK,  # type: ignore[arg-type]
                NOW + timedelta(seconds=30))
    assert op.stage == "done" and op.terminal and op.consistent is True and op.elapsed(NOW + timedelta(hours=1)) == 90
    assert op.summary() == "VirtualMachineSnapshot snap: Ready (consistent)"


def test_failed_keeps_reason_and_message_and_lost_watch_is_uncertain() -> None:
    op = assess(started(), vmsnap("InProgress", "x"), (RECONNECTING, "connection refused"), NOW)  # type: ignore[arg-type]
    assert op.stage == "uncertain" and "reconnecting: connection refused" in op.link_reason
    op = assess(op, vmsnap("Failed", "The virtual disk snapshot \"d\" is failed.", "VirtualMachineSnapshotFailed"),  # type: ignore[arg-type]
                LIVE_LINK, NOW)
    assert op.stage == "failed" and op.reason == "VirtualMachineSnapshotFailed" and "is failed" in op.message
    assert "VirtualMachineSnapshotFailed" in op.summary()


def test_deleted_before_the_end_and_the_tracker_reports_each_end_once() -> None:
    tracker = Tracker()
    tracker.start(started().started)
    obj = vmsnap("InProgress", "x")
    links = {"vmsnapshot": LIVE_LINK}
    assert tracker.update(view(obj), links.get, NOW) == []  # type: ignore[arg-type]
    assert tracker.active == 1
    ended = tracker.update(view(), links.get, NOW)
    assert [o.stage for o in ended] == ["deleted"]
    assert tracker.update(view(), links.get, NOW) == [] and tracker.active == 0


def test_hygiene_finds_stuck_failed_orphan_recreated_and_inconsistent() -> None:
    old = "2026-09-10T07:00:00Z"
    objs = [
        vm("web", disks=("web-root",), created="2026-09-10T08:30:00Z"),  # recreated after its snapshot
        disk("web-root", vms=("web",)),
        mk("vdsnapshot", "stuck", {"virtualDiskName": "web-root"}, {"phase": "Pending"}, created=old),
        mk("vdsnapshot", "broken", {"virtualDiskName": "web-root"},
           {"phase": "Failed", "conditions": [cond("VirtualDiskSnapshotReady", False, "PotentiallyInconsistent",
                                                   "Cannot take a consistent snapshot")]}),
        mk("vdsnapshot", "orphan", {"virtualDiskName": "gone"}, {"phase": "Ready", "consistent": True}),
        mk("vdsnapshot", "fine", {"virtualDiskName": "web-root"}, {"phase": "Ready", "consistent": True}),
        mk("vmsnapshot", "before", {"virtualMachineName": "web"}, {"phase": "Ready"}, created=old),
    ]
    found = {p.name: p for p in problems(view(*objs), "lab", NOW)}
    assert set(found) == {"stuck", "broken", "orphan", "before"}
    assert found["stuck"].issues == ("stuck",) and "Pending for 120 min" in found["stuck"].detail
    assert found["broken"].issues == ("failed",) and "PotentiallyInconsistent" in found["broken"].detail
    assert found["orphan"].issues == ("orphan",)
    assert found["before"].issues == ("recreated", "inconsistent") and found["before"].vm == "web"
    counts = {c.vm: c for c in per_vm(view(*objs), "lab", NOW)}
    assert counts["web"].vm_snapshots == 1 and counts["web"].disk_snapshots == 3
    assert counts["web"].oldest == 7200.0


def test_what_goes_with_a_snapshot_and_how_to_confirm() -> None:
    snap = mk("vmsnapshot", "before", {"virtualMachineName": "web"},
              {"phase": "Ready", "virtualDiskSnapshotNames": ["web-root-u1"],
               "virtualMachineSnapshotSecretName": "d8v-vms-before-u1"}, uid="u1")
    child = mk("vdsnapshot", "web-root-u1", {"virtualDiskName": "web-root"},
               {"phase": "Ready", "volumeSnapshotName": "d8v-vds-web-root-u1"},
               ownerReferences=[{"kind": "VirtualMachineSnapshot", "name": "before", "uid": "u1"}])
    v = view(snap, child)
    lines = goes_with(v, snap)
    assert any("VirtualDiskSnapshot web-root-u1 (Ready)" in line for line in lines)
    assert any("VolumeSnapshot d8v-vds-web-root-u1" in line for line in lines)
    assert any("Secret d8v-vms-before-u1" in line for line in lines)
    assert any("before owns it: turns Failed (VirtualDiskSnapshotLost)" in line for line in goes_with(v, child))
    assert typed_confirmation([target(snap)]) == "before"
    assert typed_confirmation([target(child)]) == ""
    assert typed_confirmation([target(child), Target("vdsnapshot", "lab", "x", "u2")]) == "delete 2"
