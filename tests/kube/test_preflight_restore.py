"""Restore preflight: legacy VirtualMachineRestore conflicts (§7.4), in-place VMOP Restore (§7.3), supersede."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, cast

import pytest

from tests.kube.preflight_kit import GENS, by_code, caps_of, cluster, disk, mk, snapshot, view, vm
from tui.kube.contents import Payload
from tui.kube.findings import Finding, blocked, codes
from tui.kube.inplace_checks import check_inplace_restore
from tui.kube.names import RenameRule
from tui.kube.objects import KubeObject, VirtualMachineOperation, VirtualMachineSnapshot
from tui.kube.relations import View
from tui.kube.restore_checks import check_legacy_restore, restore_as_copy_rules
from tui.kube.supersede import can_supersede, operation_conflict

LEGACY = ["seed", "cse", "v1.8"]
IN_PLACE = ["cse", "v1.8", "v1.10"]


def snap_of(v: View) -> VirtualMachineSnapshot:
    return cast(VirtualMachineSnapshot, v.get(VirtualMachineSnapshot, "lab", "web-before"))


def legacy(g: str, objs: list[KubeObject], **kw: Any) -> list[Finding]:
    v = view(*objs)
    return check_legacy_restore(v, kw.pop("caps", caps_of(g)), snap_of(v), name=kw.pop("name", "web-restore"), **kw)


def messages(found: list[Finding], code: str) -> list[str]:
    return [f.message for f in found if f.code == code]


# ---- legacy VirtualMachineRestore --------------------------------------------------------

@pytest.mark.parametrize("g", LEGACY)
def test_safe_restore_lists_every_conflict_in_controller_order(g: str) -> None:
    found = legacy(g, cluster(snapshot()))
    assert messages(found, "conflict") == [
        'The virtual machine ip address "web-7xk2p" is already in use and cannot be used for the restored virtual '
        "machine.",
        'The virtual machine "web" already exists.',
        'The virtual disk "web-root" already exists.',
        'The virtual disk "web-data" already exists.',
        'The virtual machine block device attachment "web-data-attach" already exists.']
    assert by_code(found, "secret-exists").level == "warning"
    assert ("deprecated" in codes(found)) == (g == "v1.8")


@pytest.mark.parametrize("g", LEGACY)
def test_restore_as_copy_still_conflicts_on_a_pinned_static_ip(g: str) -> None:
    objs = cluster(snapshot())
    v = view(*objs)
    rules = restore_as_copy_rules(v, caps_of(g), snap_of(v))
    assert rules == [RenameRule("VirtualMachine", "web", "web-copy"),
                     RenameRule("VirtualMachineIPAddress", "web-7xk2p", "web-7xk2p-copy"),
                     RenameRule("VirtualDisk", "web-root", "web-root-copy"),
                     RenameRule("VirtualMachineBlockDeviceAttachment", "web-data-attach", "web-data-attach-copy"),
                     RenameRule("VirtualDisk", "web-data", "web-data-copy")]
    found = legacy(g, objs, rules=rules)
    assert messages(found, "conflict") == [
        'The set address "10.0.0.5" is already in use by the different virtual machine ip address "web-7xk2p" and '
        "cannot be used for the restored virtual machine. (A snapshot taken with keepIPAddress: Never does not pin "
        "the address.)"]
    deleted = by_code(found, "vmbdas-deleted").message
    assert "web-data-attach" in deleted and "detaches hot-plugged disks from the original VM" in deleted
    never = legacy(g, cluster(snapshot(keep="Never")), rules=rules, payload=Payload(secret_differs={
        "web-cloudinit": False}))
    assert not blocked(never), never
    assert "secret-exists" not in codes(never)


@pytest.mark.parametrize("g", LEGACY)
def test_payload_tells_what_inference_cannot(g: str) -> None:
    rules = [RenameRule("", "web", "web-2"), RenameRule("VirtualDisk", "web-root", "web-root-2"),
             RenameRule("VirtualDisk", "web-data", "web-data-2"),
             RenameRule("VirtualMachineBlockDeviceAttachment", "web-data-attach", "a2"),
             RenameRule("VirtualMachineIPAddress", "web-7xk2p", "ip2")]
    payload = Payload(addresses={("VirtualMachineIPAddress", "web-7xk2p"): ""},
                      secret_differs={"web-cloudinit": True})
    found = legacy(g, cluster(snapshot()), rules=rules, payload=payload)
    assert messages(found, "conflict") == ['The provisioner secret "web-cloudinit" already exists and does not have '
                                           "the same data content."]


@pytest.mark.parametrize("g", LEGACY)
def test_forced_mode(g: str) -> None:
    same = legacy(g, cluster(snapshot()), mode="Forced")
    overwrite = by_code(same, "forced-overwrites")
    assert overwrite.level == "warning" and ("AlwaysOff" in overwrite.message) == (g != "seed")
    assert "conflict" not in codes(same)  # the VM's own disks and VMIP are overwritten, not conflicts
    renamed = legacy(g, cluster(snapshot()), mode="Forced", rules=[RenameRule("VirtualMachine", "web", "web-2")])
    assert "Restoration with `Forced` mode can be applied only to an existing virtual machine" in by_code(
        renamed, "forced-needs-vm").message
    both = cluster(snapshot(), vm("web-2", "Running"))
    assert ("forced-renamed" in codes(legacy(g, both, mode="Forced", rules=[
        RenameRule("VirtualMachine", "web", "web-2")]))) == (g == "seed")
    pending = legacy(g, cluster(snapshot(), phase="Pending"), mode="Forced")
    assert "cannot be restored from the pending phase" in by_code(pending, "forced-pending").message
    stolen = cluster(snapshot())
    stolen[1] = disk("web-data", vms=("other",))
    assert 'The virtual disk "web-data" already in use.' in messages(legacy(g, stolen, mode="Forced"), "conflict")
    old = replace(caps_of(g), has_restore_mode=False)
    assert by_code(legacy(g, cluster(snapshot()), mode="Forced", caps=old), "restore-mode-unsupported")


@pytest.mark.parametrize("g", LEGACY)
def test_rename_rules_are_checked(g: str) -> None:
    rules = [RenameRule("VirtualMachine", "web", "w" * 64), RenameRule("VirtualDisk", "web-root", "root.v2"),
             RenameRule("VirtualDisk", "web-data", "d" * 61), RenameRule("VirtualDisk", "nothing", "x")]
    found = legacy(g, cluster(snapshot()), rules=rules)
    invalid = messages(found, "name-invalid")
    assert any("it must be no more than 63 characters" in m for m in invalid)
    assert any("'.' is forbidden, allowed name symbols are [0-9a-zA-Z-]" in m for m in invalid)
    assert any("it must be no more than 60 characters" in m for m in invalid)
    assert "nothing" in by_code(found, "rule-unused").message


@pytest.mark.parametrize("g", ["cse", "v1.8"])
def test_mac_conflicts(g: str) -> None:
    mac = mk("vmmac", "web-mac-1", {"address": "02:00:00:00:00:01"}, {"phase": "Attached",
                                                                      "address": "02:00:00:00:00:01",
                                                                      "virtualMachineName": "web"})
    found = legacy(g, cluster(snapshot(macs=True), mac))
    assert 'The virtual machine mac address "web-mac-1" is already in use and cannot be used for the restored ' \
           "virtual machine." in messages(found, "conflict")
    moved = legacy(g, cluster(snapshot(macs=True), mac), rules=[RenameRule("", "web-mac-1", "mac-2")])
    assert any('The set address "02:00:00:00:00:01" is already in use by the different virtual machine mac address '
               '"web-mac-1"' in m for m in messages(moved, "conflict"))


def test_seed_recreating_a_deleted_vm_warns_about_its_own_objects() -> None:
    objs = [o for o in cluster(snapshot(), with_vm=False) if o.KIND not in ("vd", "vmbda", "vmip")]
    found = legacy("seed", objs)
    assert "usually ends Failed" in by_code(found, "seed-own-conflict").message
    assert "whatever its runPolicy" in by_code(found, "start-after-restore").message
    assert "seed-own-conflict" not in codes(legacy("cse", objs))


@pytest.mark.parametrize("g", GENS)
def test_legacy_restore_availability_and_readiness(g: str) -> None:
    found = legacy(g, cluster(snapshot(phase="InProgress")))
    if g == "v1.10":
        assert [f.code for f in found] == ["unsupported"]
        return
    assert "Waiting for the virtual machine snapshot" in by_code(found, "snapshot-not-ready").message
    partial = legacy(g, cluster(snapshot(resources=False)))
    assert by_code(partial, "contents-partial").level == "warning"
    assert 'The virtual disk "web-data" already exists.' in messages(partial, "conflict")


# ---- in-place VMOP Restore ---------------------------------------------------------------

def inplace(g: str, objs: list[KubeObject], mode: str = "Strict", **kw: Any) -> list[Finding]:
    v = view(*objs)
    return check_inplace_restore(v, caps_of(g), snap_of(v), mode=mode, **kw)


@pytest.mark.parametrize("g", IN_PLACE)
def test_inplace_restore_modes(g: str) -> None:
    dry = inplace(g, cluster(snapshot()), "DryRun")
    assert not blocked(dry) and ("only failures are listed" in by_code(dry, "dry-run").message) == (g == "cse")
    strict = inplace(g, cluster(snapshot()))
    destructive = by_code(strict, "destructive").message
    assert "web-root, web-data" in destructive and "data written after the snapshot is lost" in destructive
    assert not blocked(strict), strict
    assert by_code(inplace(g, cluster(snapshot()), "BestEffort"), "best-effort").level == "warning"


def test_inplace_restore_is_hidden_on_seed() -> None:
    assert [f.code for f in inplace("seed", cluster(snapshot()))] == ["unsupported"]


@pytest.mark.parametrize("g", IN_PLACE)
def test_inplace_restore_target_checks(g: str) -> None:
    gone = by_code(inplace(g, cluster(snapshot(), with_vm=False)), "vm-missing").message
    assert ("VirtualMachineSnapshotOperation" in gone) == (g != "cse")
    assert "is not applicable for VirtualMachine in phase Migrating" in by_code(
        inplace(g, cluster(snapshot(), phase="Migrating")), "vm-phase").message
    newer = inplace(g, cluster(snapshot(), created="2026-09-11T08:00:00Z"))
    assert by_code(newer, "vm-newer-than-snapshot").level == "blocker"
    extra = mk("vmbda", "web-scratch", {"virtualMachineName": "web", "blockDeviceRef": {"kind": "VirtualDisk",
                                                                                      "name": "s"}})
    assert "web-scratch" in by_code(inplace(g, cluster(snapshot(), extra)), "vmbdas-removed").message
    assert "Restore is failed" in by_code(inplace(g, cluster(snapshot(phase="InProgress"))),
                                          "snapshot-not-ready").message


@pytest.mark.parametrize("g", IN_PLACE)
def test_inplace_restore_conflicts(g: str) -> None:
    objs = cluster(snapshot(keep="Never"))
    objs[0] = disk("web-root", vms=("intruder",))
    objs[3] = mk("vmip", "web-7xk2p", {"type": "Static", "staticIP": "10.0.0.9"}, {"phase": "Bound"})
    objs.append(mk("vmip", "thief", {"type": "Static", "staticIP": "10.0.0.9"},
                   {"phase": "Attached", "address": "10.0.0.9", "virtualMachineName": "db"}))
    strict = [f for f in inplace(g, objs) if f.code == "conflict"]
    assert [f.level for f in strict] == ["blocker", "blocker"]
    assert 'the IP Address "10.0.0.9" cannot be used for restore: it is taken by VirtualMachineIPAddress/thief and ' \
           "already in use by the different virtual machine" in strict[0].message
    assert 'the virtual disk "web-root" already in use' in strict[1].message
    assert {f.level for f in inplace(g, objs, "DryRun") if f.code == "conflict"} == {"warning"}
    differs = inplace(g, cluster(snapshot()), payload=Payload(secret_differs={"web-cloudinit": True}))
    assert 'the provisioner secret "web-cloudinit" the secret has different data' in messages(differs, "conflict")[0]
    assert "conflict" not in codes(inplace(g, cluster(snapshot()), "BestEffort", payload=Payload(
        secret_differs={"web-cloudinit": True})))


# ---- another unfinished operation --------------------------------------------------------

def op(name: str, type_: str, phase: str = "InProgress", force: bool = False) -> VirtualMachineOperation:
    spec: dict[str, Any] = {"type": type_, "virtualMachineName": "web"}
    if force:
        spec["force"] = True
    return cast(VirtualMachineOperation, mk("vmop", name, spec, {"phase": phase} if phase else None))


@pytest.mark.parametrize("g", IN_PLACE)
def test_unfinished_operation_blocks_restore(g: str) -> None:
    found = inplace(g, cluster(snapshot(), op("start-web", "Start", phase="")))
    f = by_code(found, "operation-in-progress")
    if g == "v1.10":
        assert 'Previously created operation "start-web" should finish first' in f.message
    else:
        assert "NotReadyToBeExecuted" in f.message
    assert "operation-in-progress" not in codes(inplace(g, cluster(snapshot(), op("done", "Start", "Completed"))))


def test_supersede_matrix() -> None:
    assert can_supersede(op("a", "Start"), "Stop", False)
    assert not can_supersede(op("a", "Start"), "Restart", False)
    assert can_supersede(op("a", "Stop"), "Restart", True) and not can_supersede(op("a", "Stop"), "Stop", False)
    assert not can_supersede(op("a", "Stop", force=True), "Stop", True)
    assert can_supersede(op("a", "Evict"), "Stop", False) and can_supersede(op("a", "Migrate"), "Restart", False)
    assert not can_supersede(op("a", "Restore"), "Stop", True) and not can_supersede(op("a", "Start"), "Restore", False)
    v = view(op("start-web", "Start"))
    assert by_code(operation_conflict(v, caps_of("v1.10"), "lab", "web", "Stop"), "supersedes").level == "warning"
    assert by_code(operation_conflict(v, caps_of("v1.8"), "lab", "web", "Stop"), "operation-in-progress")
    maintenance = mk("vmop", "r", {"type": "Restore", "virtualMachineName": "web"}, {"phase": "Failed", "conditions": [
        {"type": "MaintenanceMode", "status": "True", "reason": "MaintenanceModeEnabled"}]})
    assert operation_conflict(view(maintenance), caps_of("v1.10"), "lab", "web", "Restore")  # still running


@pytest.mark.parametrize("g", LEGACY)
def test_ready_means_created(g: str) -> None:
    assert by_code(legacy(g, cluster(snapshot())), "ready-means-created").level == "ok"


@pytest.mark.parametrize("g", IN_PLACE)
def test_strict_wording_per_generation(g: str) -> None:
    text = by_code(inplace(g, cluster(snapshot())), "strict").message
    assert ("fails if an image" in text) == (g == "cse") and ("may then stay Pending" in text) == (g != "cse")
