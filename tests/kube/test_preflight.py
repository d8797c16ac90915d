"""Snapshot preflight (§7.1, §7.2): each outcome, worded per generation (wait in Pending vs fail at once)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from tests.kube.preflight_kit import GENS, WAITS, by_code, caps_of, cond, disk, mk, storage, view, vm
from tui.kube import snapshot_classes as classes
from tui.kube.findings import Finding, blocked, codes, worst
from tui.kube.objects import KubeObject, VirtualDisk, VirtualMachine
from tui.kube.preflight import check_disk_snapshot, check_vm_snapshot, vm_snapshot_disks
from tui.kube.relations import View

SEED_CLASS = "sds-replicated-volume"


def disk_check(objs: list[KubeObject], g: str, name: str = "web-root", **kw: Any) -> list[Finding]:
    v = view(*objs, *storage())
    d = cast(VirtualDisk, v.get(VirtualDisk, "lab", name))
    kw.setdefault("snapshot_class", SEED_CLASS if g == "seed" else "")
    return check_disk_snapshot(v, caps_of(g), d, name=kw.pop("snap", "web-root-20260915-0800"), **kw)


def vm_check(objs: list[KubeObject], g: str, name: str = "web", **kw: Any) -> list[Finding]:
    v = view(*objs, *storage())
    machine = cast(VirtualMachine, v.get(VirtualMachine, "lab", name))
    if g == "seed":
        kw.setdefault("class_mapping", {"replicated": SEED_CLASS})
    return check_vm_snapshot(v, caps_of(g), machine, name=kw.pop("snap", "web-20260915-0800"), **kw)


def expect_precondition(f: Finding, g: str, wait: str, fail: str) -> None:
    """seed/cse wait in Pending (warning, with the controller's Pending message); v1.8+ fail at once (blocker)."""
    if g in WAITS:
        assert f.level == "warning" and "wait in Pending" in f.message and wait in f.message, f
    else:
        assert f.level == "blocker" and "fail at once" in f.message and fail in f.message, f


# ---- disk snapshot ------------------------------------------------------------------------

@pytest.mark.parametrize("g", GENS)
def test_detached_ready_disk_is_clean(g: str) -> None:
    found = disk_check([disk("web-root")], g)
    assert not blocked(found) and worst(found) == "ok"
    assert {"disk-ready", "disk-detached"} <= codes(found)
    cls = by_code(found, "class-chosen" if g == "seed" else "class-predicted")
    assert SEED_CLASS in cls.message and (g == "seed" or "default for driver replicated.csi" in cls.message)


@pytest.mark.parametrize("g", GENS)
def test_agent_missing_waits_or_fails_and_offers_alternatives(g: str) -> None:
    objs = [disk("web-root", vms=("web",)), vm("web", agent=False, disks=("web-root",))]
    f = by_code(disk_check(objs, g), "agent-not-ready")
    expect_precondition(f, g, wait='The virtual machine "web" with an attached virtual disk "web-root" is Running: the '
                                   "snapshotting of virtual disk might result in an inconsistent snapshot: virtual "
                                   "machine agent is not ready and virtual machine cannot be frozen",
                        fail='Cannot take a consistent snapshot of virtual disk "web-root" attached to virtual machine '
                             '"web": virtual machine agent is not ready and the virtual machine cannot be frozen.')
    assert "requiredConsistency off" in f.message and "stop the VM" in f.message
    relaxed = disk_check(objs, g, required_consistency=False)
    assert by_code(relaxed, "crash-consistent").level == "warning" and "agent-not-ready" not in codes(relaxed)


@pytest.mark.parametrize("g", GENS)
def test_vm_power_state_decides_consistency(g: str) -> None:
    stopped = disk_check([disk("web-root", vms=("web",)), vm("web", "Stopped", None, ("web-root",))], g)
    assert by_code(stopped, "vm-stopped").level == "ok" and not blocked(stopped)
    starting = disk_check([disk("web-root", vms=("web",)), vm("web", "Starting", True, ("web-root",))], g)
    expect_precondition(by_code(starting, "vm-not-freezable"), g,
                        wait="waiting for the virtual machine to be Stopped or the disk to be detached",
                        fail='Cannot take a consistent snapshot of virtual disk "web-root" attached to virtual '
                             'machine "web".')
    running = disk_check([disk("web-root", vms=("web",)), vm("web", disks=("web-root",))], g,
                         required_consistency=False)
    assert {"agent-ready", "freeze-anyway"} <= codes(running) and not blocked(running)


@pytest.mark.parametrize("g", GENS)
@pytest.mark.parametrize(("case", "code", "text"), [
    ("resizing", "disk-resizing", "as it is currently resizing."),
    ("migrating", "disk-migrating", "as it is currently being migrated."),
    ("provisioning", "disk-not-ready", 'Disk "web-root" is Provisioning, not Ready'),
    ("deleting", "disk-deleting", 'Disk "web-root" is being deleted'),
])
def test_disk_state(g: str, case: str, code: str, text: str) -> None:
    d = {"resizing": disk("web-root", conditions=(cond("Resizing", True, "InProgress"),)),
         "migrating": disk("web-root", "Migrating"),
         "provisioning": disk("web-root", "Provisioning"),
         "deleting": disk("web-root", deletionTimestamp="2026-09-15T08:00:00Z")}[case]
    f = by_code(disk_check([d], g), code)
    assert text in f.message
    expect_precondition(f, g, wait='Waiting for the virtual disk "web-root" to be ready for snapshotting.',
                        fail='Cannot take a snapshot: the virtual disk "web-root" is not ready.')


@pytest.mark.parametrize("g", GENS)
def test_pvc_must_be_bound_when_readable(g: str) -> None:
    pvc = mk("pvc", "vd-web-root-1", status={"phase": "Pending"})
    f = by_code(disk_check([disk("web-root", pvc="vd-web-root-1"), pvc], g), "pvc-not-bound")
    expect_precondition(f, g, wait="Waiting for the virtual disk's pvc to be in phase Bound.",
                        fail='the persistent volume claim "vd-web-root-1" for virtual disk "web-root" is not in phase '
                             "Bound.")


@pytest.mark.parametrize("g", GENS)
def test_disk_on_two_vms_fails_everywhere(g: str) -> None:
    f = by_code(disk_check([disk("web-root", vms=("a", "b"))], g), "disk-multiple-vms")
    end = "" if g == "seed" else "."
    assert f.level == "blocker" and f'"web-root" is attached to multiple virtual machines{end} (a, b)' in f.message


@pytest.mark.parametrize("g", GENS)
def test_name_taken_and_invalid(g: str) -> None:
    taken = mk("vdsnapshot", "web-root-snap", {"virtualDiskName": "web-root"}, {"phase": "Ready"})
    f = by_code(disk_check([disk("web-root"), taken], g, snap="web-root-snap"), "name-taken")
    assert f.level == "blocker" and 'virtualdisksnapshots.virtualization.deckhouse.io "web-root-snap" already exists' \
        in f.message and "web-root-snap-copy is free" in f.message
    bad = by_code(disk_check([disk("web-root")], g, snap="Web_Root"), "name-invalid")
    assert bad.level == "blocker" and "RFC 1123 subdomain" in bad.message


@pytest.mark.parametrize("g", GENS)
def test_failed_snapshots_interfere_only_where_they_thaw(g: str) -> None:
    objs = [disk("web-root", vms=("web",)), disk("web-data", vms=("web",)),
            vm("web", disks=("web-root",), hotplug={"web-data": "web-data-attach"}),
            mk("vdsnapshot", "old-data", {"virtualDiskName": "web-data"}, {"phase": "Failed"}),
            mk("vdsnapshot", "old-root", {"virtualDiskName": "web-root"}, {"phase": "Failed"})]
    found = codes(disk_check(objs, g))
    assert ({"failed-snapshots-thaw", "failed-snapshot-holds-disk"} <= found) == (g in WAITS)
    assert not ({"failed-snapshots-thaw", "failed-snapshot-holds-disk"} & found) or g in WAITS


# ---- VolumeSnapshotClass ------------------------------------------------------------------

@pytest.mark.parametrize("g", [g for g in GENS if g != "seed"])
def test_default_class_prediction(g: str) -> None:
    none = by_code(disk_check([disk("web-root", sc="nfs")], g), "class-no-default")
    assert none.level == "blocker" and "Failed to set default snapshot class with error cannot find default " \
        "snapshot class" in none.message
    many = by_code(disk_check([disk("web-root", sc="local")], g), "class-many-defaults")
    assert many.level == "blocker" and "with error 2 default snapshot classes were found" in many.message
    v = view(disk("web-root"), loaded=("vd", "vdsnapshot", "vm"))
    hidden = check_disk_snapshot(v, caps_of(g), cast(VirtualDisk, v.get(VirtualDisk, "lab", "web-root")), name="x")
    assert by_code(hidden, "class-default-hidden").level == "ok"


def test_seed_class_is_required_and_checked() -> None:
    assert by_code(disk_check([disk("web-root")], "seed", snapshot_class=""), "class-required").level == "blocker"
    missing = by_code(disk_check([disk("web-root")], "seed", snapshot_class="nope"), "class-not-found")
    assert 'volumesnapshotclass.snapshot.storage.k8s.io "nope" not found' in missing.message
    other = by_code(disk_check([disk("web-root", sc="nfs")], "seed"), "class-driver-mismatch")
    assert other.level == "warning" and "stay InProgress with the VM frozen" in other.message
    retain = by_code(disk_check([disk("web-root")], "seed", snapshot_class="keeper"), "class-retain")
    assert retain.level == "warning"
    v = view(disk("web-root"), loaded=("vd",))
    blind = check_disk_snapshot(v, caps_of("seed"), cast(VirtualDisk, v.get(VirtualDisk, "lab", "web-root")),
                                name="x", snapshot_class="typed")
    assert by_code(blind, "class-unverified").level == "ok"


def test_seed_picker_options_and_preselection() -> None:
    v = view(disk("web-root"), disk("scratch", sc="nfs"), disk("other-nfs", sc="nfs"), *storage(),
             mk("vdsnapshot", "nfs-old", {"virtualDiskName": "other-nfs", "volumeSnapshotClassName": "csi-nfs"},
                {"phase": "Ready"}),
             mk("vmsnapshot", "m", {"virtualMachineName": "x", "volumeSnapshotClasses": [
                 {"storageClassName": "nfs", "volumeSnapshotClassName": "typed-by-hand"}]}))
    root = cast(VirtualDisk, v.get(VirtualDisk, "lab", "web-root"))
    opts = classes.class_options(v, root)
    assert opts[0].name == SEED_CLASS and opts[0].default and opts[0].matches
    assert [o.name for o in opts if o.matches] == [SEED_CLASS, "keeper", "sds-extra"]
    assert classes.preselect(v, root) == SEED_CLASS
    assert classes.preselect(v, cast(VirtualDisk, v.get(VirtualDisk, "lab", "scratch"))) == "csi-nfs"
    assert classes.used_class_names(v, "lab") == ["csi-nfs", "typed-by-hand"]
    disks = [cast(VirtualDisk, v.get(VirtualDisk, "lab", n)) for n in ("web-root", "scratch", "other-nfs")]
    assert classes.mapping_rows(v, disks) == [classes.MappingRow("replicated", ("web-root",), SEED_CLASS),
                                              classes.MappingRow("nfs", ("scratch", "other-nfs"), "csi-nfs")]


# ---- VM snapshot --------------------------------------------------------------------------

def web(**kw: Any) -> list[KubeObject]:
    return [disk("web-root", vms=("web",)), disk("web-data", vms=("web",)),
            vm("web", disks=("web-root",), hotplug={"web-data": "web-data-attach"}, **kw)]


@pytest.mark.parametrize("g", GENS)
def test_vm_snapshot_lists_every_disk_including_hotplugged(g: str) -> None:
    found = vm_check(web(), g)
    assert not blocked(found), found
    included = [f.message for f in found if f.code == "disk-included"]
    assert len(included) == 2 and "hot-plugged via web-data-attach" in included[1] and "static" in included[0]
    v = view(*web())
    refs = vm_snapshot_disks(v, cast(VirtualMachine, v.get(VirtualMachine, "lab", "web")))
    assert [(r.name, r.hotplugged) for r in refs] == [("web-root", False), ("web-data", True)]
    assert ("mac-not-captured" in codes(found)) == (g == "seed")


@pytest.mark.parametrize("g", GENS)
def test_restart_pending_per_generation(g: str) -> None:
    found = vm_check(web(restart=2), g)
    if g in WAITS:
        f = by_code(found, "restart-pending")
        assert 'Waiting for the restart and approval of changes to virtual machine "web"' in f.message
        assert "restart-pending-captured" not in codes(found)
    else:
        assert "captures the pending" in by_code(found, "restart-pending-captured").message
    assert not blocked(found)


@pytest.mark.parametrize("g", GENS)
def test_vm_snapshot_preconditions(g: str) -> None:
    agent = by_code(vm_check(web(agent=False), g), "agent-not-ready")
    expect_precondition(agent, g, wait="waiting for virtual machine agent to be ready or virtual machine will stop",
                        fail='Cannot take a consistent snapshot of virtual machine "web": virtual machine agent is '
                             "not ready")
    phase = by_code(vm_check(web(phase="Migrating"), g), "vm-phase")
    expect_precondition(phase, g, wait='is in the "Migrating" phase: waiting for it to reach the Running or Stopped',
                        fail='Cannot take a snapshot: the virtual machine "web" is not ready.')
    devices = by_code(vm_check(web(block_ready=False), g), "block-devices-not-ready")
    assert 'waiting for the block devices of the virtual machine "web" to be ready.' in devices.message
    resizing = [disk("web-root", vms=("web",), conditions=(cond("Resizing", True, "InProgress"),)),
                vm("web", disks=("web-root",))]
    r = by_code(vm_check(resizing, g), "disk-resizing")
    expect_precondition(r, g, wait='waiting for the virtual disk "web-root" to be resized.',
                        fail='waiting for the virtual disk "web-root" to be resized.')
    stopped = vm_check(web(phase="Stopped", agent=None), g)
    assert by_code(stopped, "vm-stopped").level == "ok" and not blocked(stopped)


@pytest.mark.parametrize("g", GENS)
def test_images_and_unreported_disks(g: str) -> None:
    objs = [disk("web-root", vms=("web",)), disk("late"), vm("web", disks=("web-root",), images=("ubuntu",)),
            mk("vmbda", "late-attach", {"virtualMachineName": "web", "blockDeviceRef": {"kind": "VirtualDisk",
                                                                                     "name": "late"}})]
    found = vm_check(objs, g)
    assert "ClusterVirtualImage ubuntu" in by_code(found, "images-attached").message
    assert "late" in by_code(found, "disk-not-reported").message


@pytest.mark.parametrize("g", [g for g in GENS if g != "seed"])
def test_vm_snapshot_needs_a_default_class_per_disk(g: str) -> None:
    objs = [disk("web-root", vms=("web",)), disk("web-nfs", sc="nfs", vms=("web",)),
            vm("web", disks=("web-root", "web-nfs"))]
    found = vm_check(objs, g)
    assert 'disk "web-nfs"' in by_code(found, "class-no-default").message and blocked(found)


def test_seed_mapping_needs_one_class_per_storage_class() -> None:
    objs = [disk("web-root", vms=("web",)), disk("web-nfs", sc="nfs", vms=("web",)),
            vm("web", disks=("web-root", "web-nfs"))]
    found = vm_check(objs, "seed", class_mapping={})
    missing = [f for f in found if f.code == "class-mapping-missing"]
    assert len(missing) == 2 and all(f.level == "blocker" for f in missing)
    assert 'please define the volume snapshot class for the storage class "replicated" and recreate resource.' \
        in missing[0].message and "nothing in DVP thaws it" in missing[0].message
    assert "thaws" not in missing[1].message
    ok_map = vm_check(objs, "seed", class_mapping={"replicated": SEED_CLASS, "nfs": "sds-extra"})
    assert "class-mapping-missing" not in codes(ok_map)
    assert by_code(ok_map, "class-driver-mismatch").level == "warning"  # sds-extra is a replicated.csi class
    unknown = vm_check([disk("web-root", sc="", vms=("web",)), vm("web", disks=("web-root",))], "seed")
    assert by_code(unknown, "storage-class-unknown").level == "blocker"


def test_findings_helpers() -> None:
    assert worst([]) == "ok" and not blocked([])
    assert isinstance(View.of([]), View)


@pytest.mark.parametrize("g", GENS)
def test_remaining_snapshot_outcomes(g: str) -> None:
    frozen = vm("web", conditions=(cond("FilesystemFrozen", True, "Frozen"),), agent=False, disks=("web-root",))
    assert by_code(disk_check([disk("web-root", vms=("web",)), frozen], g), "vm-frozen").level == "ok"
    unknown = disk_check([disk("web-root", vms=("gone",))], g)
    assert by_code(unknown, "vm-unknown").level == "warning"
    deleting = by_code(vm_check(web(deletionTimestamp="2026-09-15T08:00:00Z"), g), "vm-deleting")
    expect_precondition(deleting, g, wait='Waiting for the virtual machine "web" to be ready for snapshotting.',
                        fail='Cannot take a snapshot: the virtual machine "web" is not ready.')
    only_images = vm_check([vm("web", images=("ubuntu",))], g, keep_ip_address="Never")
    assert {"no-disks", "keep-ip"} <= codes(only_images) and not blocked(only_images)
    assert "fresh IP" in by_code(only_images, "keep-ip").message
    if g != "seed":
        assert by_code(disk_check([disk("web-root", sc="")], g), "class-unknown").level == "warning"
        assert by_code(disk_check([disk("web-root", sc="gone")], g), "storage-class-missing").level == "warning"
