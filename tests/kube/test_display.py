"""Display helpers: tones and words, consistency, the why line, VM and disk flags, ages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tui.kube.display import (
    Badge,
    consistency,
    disk_flags,
    human_age,
    is_terminal,
    parse_time,
    phase_badge,
    progress_fraction,
    status_badge,
    vm_flags,
    why_line,
)
from tui.kube.objects import (
    KubeObject,
    VirtualDisk,
    VirtualDiskSnapshot,
    VirtualMachine,
    VirtualMachineSnapshot,
    decode_object,
)

NOW = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)


def obj(kind: str, **body: Any) -> KubeObject:
    body.setdefault("metadata", {"name": "x", "namespace": "lab", "uid": "u",
                                 "creationTimestamp": "2026-09-15T09:00:00Z"})
    return decode_object(kind, json.dumps(body).encode())


def cond(type_: str, status: str, reason: str, message: str = "", at: str = "2026-09-15T09:58:00Z",
         ) -> dict[str, str]:
    return {"type": type_, "status": status, "reason": reason, "message": message, "lastTransitionTime": at}


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "0s"), (59, "59s"), (60, "1m"), (3599, "59m"), (3600, "1h"), (47 * 3600, "47h"), (48 * 3600, "2d"),
    (5 * 86400 + 7, "5d"), (729 * 86400, "729d"), (800 * 86400, "2y"), (-30, "0s"),
])
def test_human_age(seconds: int, text: str) -> None:
    assert human_age(NOW - timedelta(seconds=seconds), NOW) == text


def test_human_age_from_text_and_unknown() -> None:
    assert human_age("2026-09-15T09:57:00Z", NOW) == "3m"
    assert human_age(None, NOW) == "" and human_age("", NOW) == "" and human_age("garbage", NOW) == ""
    assert parse_time("2026-09-15T09:57:00Z") == datetime(2026, 9, 15, 9, 57, tzinfo=UTC)


@pytest.mark.parametrize(("phase", "tone"), [
    ("Ready", "ok"), ("Completed", "ok"), ("Attached", "ok"), ("Running", "ok"), ("Bound", "ok"),
    ("Pending", "progress"), ("InProgress", "progress"), ("Provisioning", "progress"),
    ("WaitForFirstConsumer", "progress"), ("Failed", "error"), ("Lost", "error"), ("PVCLost", "error"),
    ("Terminating", "muted"), ("Superseded", "muted"), ("Stopped", "muted"), ("Pause", "warning"),
    ("SomethingNew", "unknown"),
])
def test_phase_tones(phase: str, tone: str) -> None:
    assert phase_badge(phase) == Badge(tone, phase)  # type: ignore[arg-type]


def test_no_status_yet_reads_pending() -> None:
    assert phase_badge("") == Badge("progress", "Pending")
    assert status_badge(obj("vdsnapshot")) == Badge("progress", "Pending")
    assert status_badge(obj("sc")) == Badge("unknown", "")


def test_status_badge_special_cases() -> None:
    deleting = obj("vdsnapshot", metadata={"name": "x", "deletionTimestamp": "2026-09-15T09:00:00Z"},
                   status={"phase": "Ready"})
    assert status_badge(deleting) == Badge("muted", "Terminating")
    failed_in_maintenance = obj("vmop", status={"phase": "Failed", "conditions": [
        cond("MaintenanceMode", "True", "MaintenanceModeEnabled")]})
    assert status_badge(failed_in_maintenance) == Badge("warning", "Failed")
    assert not is_terminal(failed_in_maintenance)
    assert is_terminal(obj("vmop", status={"phase": "Failed"}))
    assert is_terminal(obj("vmop", status={"phase": "Superseded"}))
    assert not is_terminal(obj("vmsnapshot", status={"phase": "InProgress"}))
    vs_error = obj("vs", status={"error": {"message": "cannot find default snapshot class"}})
    assert status_badge(vs_error) == Badge("error", "Error")
    assert status_badge(obj("vs", status={"readyToUse": True})) == Badge("ok", "Ready")
    assert status_badge(obj("vs", status={"readyToUse": False})) == Badge("progress", "Pending")
    assert status_badge(obj("pvc", status={"phase": "Lost"})).tone == "error"
    assert status_badge(obj("ns", status={"phase": "Active"})) == Badge("ok", "Active")


def test_long_pending_reads_waiting_only_when_asked() -> None:
    waiting = obj("vdsnapshot", status={"phase": "Pending", "conditions": [
        cond("VirtualDiskSnapshotReady", "False", "PotentiallyInconsistent", "waiting for agent",
             at="2026-09-15T09:00:00Z")]})
    assert status_badge(waiting, NOW) == Badge("progress", "Pending")
    assert status_badge(waiting, NOW, waiting_after=300) == Badge("warning", "Waiting")
    assert status_badge(waiting, NOW, waiting_after=7200) == Badge("progress", "Pending")


def test_unreadable_object() -> None:
    broken = decode_object("vm", b'{"metadata": {"name": "b"}, "status": {"phase": 5}}')
    assert broken.problem and status_badge(broken) == Badge("unknown", "Unreadable")


def test_consistency_words() -> None:
    def snap(kind: str, **status: Any) -> VirtualDiskSnapshot | VirtualMachineSnapshot:
        o = obj(kind, status=status)
        assert isinstance(o, VirtualDiskSnapshot | VirtualMachineSnapshot)
        return o
    assert consistency(snap("vdsnapshot", phase="Ready", consistent=True)) == Badge("ok", "consistent")
    assert consistency(snap("vmsnapshot", phase="Ready")) == Badge("warning", "not guaranteed")
    assert consistency(snap("vdsnapshot", phase="InProgress")).word == "—"
    assert consistency(snap("vdsnapshot", phase="Failed")).word == "—"


def test_why_line_and_progress() -> None:
    msg = ("Waiting for the virtual disk snapshots to be taken for the block devices of the virtual"
           ' machine "b" (1/3).')
    vms = obj("vmsnapshot", status={"phase": "InProgress", "conditions": [
        cond("VirtualMachineReady", "True", "VirtualMachineReady"),
        cond("VirtualMachineSnapshotReady", "False", "Snapshotting", msg)]})
    why = why_line(vms)
    assert why is not None and why.type == "VirtualMachineSnapshotReady" and why.reason == "Snapshotting"
    assert why.text == msg and why.since == "2026-09-15T09:58:00Z"
    assert progress_fraction(why.text) == (1, 3)
    assert progress_fraction("no counter") is None
    ready = obj("vmsnapshot", status={"phase": "Ready", "conditions": [
        cond("VirtualMachineSnapshotReady", "True", "VirtualMachineReady")]})
    assert why_line(ready) is None
    terminating = obj("vdsnapshot", status={"phase": "Terminating", "conditions": [
        cond("VirtualDiskSnapshotReady", "Unknown", "Unknown")]})
    assert why_line(terminating) is None
    disk_gone = obj("vdsnapshot", status={"phase": "Pending", "conditions": [
        cond("VirtualDiskReady", "False", "VirtualDiskNotReadyForSnapshotting",
             'The virtual disk "d" not found.'),
        cond("VirtualDiskSnapshotReady", "False", "WaitingForTheVirtualDisk", "")]})
    why = why_line(disk_gone)  # the first condition has only a reason: the message of the second says more
    assert why is not None and why.text == 'The virtual disk "d" not found.'
    bare = obj("vdsnapshot", status={"phase": "Pending", "conditions": [
        cond("VirtualDiskSnapshotReady", "False", "WaitingForTheVirtualDisk", "")]})
    why = why_line(bare)
    assert why is not None and why.text == "WaitingForTheVirtualDisk"
    in_maintenance = obj("vm", status={"phase": "Stopped", "conditions": [
        cond("Maintenance", "True", "RestoreInProgress",
             "VM is in maintenance mode for restore operation.")]})
    why = why_line(in_maintenance)
    assert why is not None and why.type == "Maintenance"
    vs = obj("vs", status={"error": {"message": "boom", "time": "2026-09-15T09:00:00Z"}})
    why = why_line(vs)
    assert why is not None and why.text == "boom" and why.since.startswith("2026-09-15T09:00:00")


def test_vm_flags() -> None:
    running = obj("vm", status={"phase": "Running", "conditions": [
        cond("AgentReady", "True", "AgentReady"), cond("FilesystemFrozen", "True", "Frozen"),
        cond("Snapshotting", "True", "SnapshottingInProgress"),
        cond("AwaitingRestartToApplyConfiguration", "False", "NoRestartRequired")]})
    assert isinstance(running, VirtualMachine)
    flags = vm_flags(running)
    assert flags.agent is True and flags.frozen and flags.snapshotting
    assert not flags.maintenance and not flags.restart_pending and flags.migratable is None
    no_agent = obj("vm", status={"phase": "Running", "restartAwaitingChanges": [{"op": "replace"}],
                                 "conditions": [cond("AgentReady", "False", "AgentNotReady")]})
    assert isinstance(no_agent, VirtualMachine)
    assert vm_flags(no_agent).agent is False and vm_flags(no_agent).restart_pending
    stopped = obj("vm", status={"phase": "Stopped"})
    assert isinstance(stopped, VirtualMachine) and vm_flags(stopped).agent is None
    assert not vm_flags(stopped).frozen


def test_disk_flags() -> None:
    disk = obj("vd", status={"phase": "Ready", "attachedToVirtualMachines": [
        {"name": "web-01", "mounted": True}, {"name": "stopped-vm"}], "conditions": [
        cond("Snapshotting", "True", "Snapshotting"), cond("InUse", "True", "AttachedToVirtualMachine")]})
    assert isinstance(disk, VirtualDisk)
    flags = disk_flags(disk)
    assert flags.snapshotting and not flags.resizing and flags.in_use is True
    assert flags.mounted_by == ("web-01",)
