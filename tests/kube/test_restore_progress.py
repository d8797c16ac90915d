"""Which restore/clone path each generation offers, and how a restore's progress is read from live objects."""

from __future__ import annotations

import pytest

from tests.kube.preflight_kit import GENS, caps_of, cond, mk
from tui.kube import restore_progress as rp
from tui.kube.capabilities import Capabilities
from tui.kube.objects import ANN_RESTORE_POWER_STATE, ANN_VMRESTORE, VirtualMachineOperation, VirtualMachineRestore
from tui.kube.relations import View
from tui.screens.restore_paths import (
    CLONE,
    FROM_SNAPSHOT,
    INPLACE,
    LEGACY,
    LEGACY_COPY,
    NEW_DISK,
    clone_paths,
    restore_paths,
    unavailable,
)

RESTORE = {"seed": [LEGACY], "cse": [INPLACE, LEGACY], "v1.8": [INPLACE, LEGACY], "v1.10": [INPLACE]}
NEW_VM = {"seed": [LEGACY_COPY], "cse": [LEGACY_COPY], "v1.8": [FROM_SNAPSHOT, LEGACY_COPY], "v1.10": [FROM_SNAPSHOT]}


@pytest.mark.parametrize("gen", GENS)
def test_paths_per_generation_come_from_capabilities(gen: str) -> None:
    caps = caps_of(gen)
    assert [p.id for p in restore_paths(caps, "vmsnapshot")] == RESTORE[gen]
    assert [p.id for p in clone_paths(caps, "vmsnapshot")] == NEW_VM[gen]
    assert [p.id for p in clone_paths(caps, "vm")] == ([CLONE] if gen in ("v1.8", "v1.10") else [])
    assert [p.id for p in restore_paths(caps, "vdsnapshot")] == [NEW_DISK]
    assert restore_paths(caps, "vm") == [] and clone_paths(caps, "vd") == []
    deprecated = [p for p in restore_paths(caps, "vmsnapshot") + clone_paths(caps, "vmsnapshot") if p.note]
    assert bool(deprecated) == (gen == "v1.8")
    assert all("deprecated" in p.note for p in deprecated)


def test_nothing_is_offered_before_the_cluster_is_known() -> None:
    assert restore_paths(Capabilities(), "vmsnapshot") == [] == clone_paths(Capabilities(), "vm")
    assert "DVP" in unavailable(Capabilities(), "restore", "vmsnapshot")
    assert "snapshot" in unavailable(caps_of("cse"), "clone", "vm")


def _vmop(phase: str, *conds: dict[str, str], resources: tuple[tuple[str, str, str, str], ...] = (),
          ) -> VirtualMachineOperation:
    status = {"phase": phase, "conditions": list(conds),
              "resources": [{"kind": k, "name": n, "status": s, "message": m, "apiVersion": "v1alpha2"}
                            for k, n, s, m in resources]}
    op = mk("vmop", "restore-web-01-x", {"type": "Restore", "virtualMachineName": "web-01",
                                          "restore": {"mode": "Strict", "virtualMachineSnapshotName": "s"}}, status)
    assert isinstance(op, VirtualMachineOperation)
    return op


def test_inplace_progress_failed_in_maintenance_is_still_running_and_power_state_is_followed() -> None:
    on = cond("MaintenanceMode", True, "MaintenanceModeEnabled", "VMOP has enabled maintenance mode")
    failed = _vmop("Failed", on, cond("Completed", False, "OperationFailed", "Restore is failed: x"))
    vm = mk("vm", "web-01", {}, {"phase": "Stopped"})
    p = rp.inplace(View.of([failed, vm]), failed, "Running")
    assert not p.finished and "still running" in p.summary
    assert ("Maintenance mode", "on") in [(line.label, line.badge.word) for line in p.lines]
    off = cond("MaintenanceMode", False, "MaintenanceModeDisabled", "VMOP has disabled maintenance mode on VM.")
    done = _vmop("Completed", off, cond("Completed", True, "OperationCompleted"),
                 resources=(("VirtualDisk", "web-01-root", "Completed", "Successfully processed"),))
    disk = mk("vd", "web-01-root", {}, {"phase": "Ready"})
    stopped = rp.inplace(View.of([done, vm, disk]), done, "Running")
    assert stopped.finished and stopped.succeeded and not stopped.settled  # the VM has not started yet
    running = mk("vm", "web-01", {}, {"phase": "Running"}, annotations={ANN_RESTORE_POWER_STATE: "Running"})
    back = rp.inplace(View.of([done, running, disk]), done, "Stopped")  # the annotation wins over the guess
    assert back.settled
    assert [line.badge.word for line in back.lines if line.label == "VirtualDisk web-01-root"] == ["Completed", "Ready"]


def test_seed_conflict_on_an_object_the_restore_created_is_reported_as_unreliable() -> None:
    restore = mk("vmrestore", "r", {"virtualMachineSnapshotName": "s"},
                 {"phase": "Failed", "conditions": [cond("VirtualMachineRestoreReady", False,
                                                         "VirtualMachineRestoreConflict",
                                                         'The virtual machine "web-01" already exists.')]}, uid="u-r")
    assert isinstance(restore, VirtualMachineRestore)
    own = mk("vm", "web-01", {}, {"phase": "Starting"}, annotations={ANN_VMRESTORE: "u-r"})
    p = rp.legacy(View.of([restore, own]), restore, [("VirtualMachine", "web-01"), ("VirtualDisk", "web-01-root")])
    assert p.finished and "unreliable" in p.summary and p.lines[0].badge.word == "objects created"
    theirs = mk("vm", "web-01", {}, {"phase": "Running"})
    q = rp.legacy(View.of([restore, theirs]), restore, [("VirtualMachine", "web-01")])
    assert q.finished and not q.succeeded and q.summary.startswith("Restore failed: The virtual machine")


def test_new_disk_is_done_when_ready_or_waiting_for_its_first_consumer() -> None:
    for phase, done in (("Provisioning", False), ("Ready", True), ("WaitForFirstConsumer", True), ("Failed", True)):
        disk = mk("vd", "d", {}, {"phase": phase})
        p = rp.new_disk(View.of([disk]), "lab", "d")
        assert p.finished == done, phase
        assert p.succeeded == (phase != "Failed" and done)
    assert not rp.new_disk(View.of([]), "lab", "d").finished
