"""Clone preflight (§7.5: VMOP Clone, VMSOP) and the "new disk from snapshot" preflight (§7.6)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from tests.kube.preflight_kit import GENS, by_code, caps_of, cluster, disk, mk, snapshot, storage, view, vm
from tui.kube.findings import Finding, blocked, codes
from tui.kube.names import RenameRule
from tui.kube.new_disk_checks import check_disk_from_snapshot, default_size, storage_class_choices
from tui.kube.objects import KubeObject, VirtualDiskSnapshot, VirtualMachine, VirtualMachineSnapshot
from tui.kube.relations import View

CLONING = ["v1.8", "v1.10"]


def clone(g: str, objs: list[KubeObject], from_vm: bool = True, **kw: Any) -> list[Finding]:
    from tui.kube.clone_checks import check_clone

    v = view(*objs, *storage())
    source: VirtualMachine | VirtualMachineSnapshot = cast(VirtualMachine, v.get(VirtualMachine, "lab", "web")) \
        if from_vm else cast(VirtualMachineSnapshot, v.get(VirtualMachineSnapshot, "lab", "web-before"))
    return check_clone(v, caps_of(g), source, **kw)


@pytest.mark.parametrize("g", GENS)
@pytest.mark.parametrize("from_vm", [True, False])
def test_clone_availability(g: str, from_vm: bool) -> None:
    found = clone(g, cluster(snapshot()), from_vm, prefix="copy-")
    assert (codes(found) == {"unsupported"}) == (g in ("seed", "cse"))


@pytest.mark.parametrize("g", CLONING)
@pytest.mark.parametrize("from_vm", [True, False])
def test_clone_with_prefix_is_clean_and_warns_what_changes(g: str, from_vm: bool) -> None:
    found = clone(g, cluster(snapshot()), from_vm, prefix="copy-")
    assert not blocked(found), found
    assert {"labels-dropped", "new-addresses", "vmip-listed"} <= codes(found)
    assert "copy-web-7xk2p" in by_code(found, "vmip-listed").message


@pytest.mark.parametrize("g", CLONING)
def test_clone_rename_rules_and_limits(g: str) -> None:
    found = clone(g, cluster(snapshot()))
    assert "At least one of customization.namePrefix, customization.nameSuffix, or nameReplacement must be set" in \
        by_code(found, "rename-missing").message
    long = clone(g, cluster(snapshot()), prefix="p" * 60, rules=[RenameRule("VirtualMachine", "web", "")])
    texts = [f.message for f in long if f.code == "rename-length"]
    assert "namePrefix length must be between 1 and 59 characters if set" in texts
    assert "Each nameReplacement.to must be between 1 and 59 characters" in texts
    vm_long = clone(g, cluster(snapshot()), rules=[RenameRule("VirtualMachine", "web", "w" * 59)], suffix="-clone")
    assert f'name "{"w" * 59}-clone" too long (65 > 63): resource name exceeds maximum allowed length' in \
        by_code(vm_long, "name-invalid").message
    disk_long = clone(g, cluster(snapshot()), rules=[RenameRule("VirtualDisk", "web-root", "r" * 59)], suffix="-x")
    assert ("name-invalid" in codes(disk_long)) == (g == "v1.8")  # 60 chars max on v1.8, 253 on v1.10
    dotted = clone(g, cluster(snapshot()), rules=[RenameRule("VirtualDisk", "web-root", "root.2")])
    assert "'.' is forbidden" in by_code(dotted, "name-invalid").message


@pytest.mark.parametrize("g", CLONING)
def test_clone_collisions_with_live_objects(g: str) -> None:
    objs = cluster(snapshot(), disk("web-root-2", vms=("db",)), disk("web-data-2"), vm("web-2", "Stopped", None),
                   mk("vmbda", "web-data-attach-2", {"virtualMachineName": "db", "blockDeviceRef": {
                       "kind": "VirtualDisk", "name": "z"}}))
    found = clone(g, objs, suffix="-2")
    taken = [f.message for f in found if f.code == "name-taken"]
    assert taken == ["VirtualMachine with name web-2 already exists",
                     "VirtualDisk with name web-root-2 attached to VirtualMachine db",
                     "VirtualMachineBlockDeviceAttachment with name web-data-attach-2 already exists and attached to "
                     "VirtualMachine db",
                     "VirtualDisk with name web-data-2 already exists"]
    same_secret = clone(g, cluster(snapshot()), rules=[RenameRule("VirtualMachine", "web", "web-2")])
    assert by_code(same_secret, "secret-reused").level == "ok"
    from_snap = clone(g, cluster(snapshot()), False, rules=[RenameRule("VirtualMachine", "web", "web-2")])
    assert by_code(from_snap, "secret-exists").level == "warning"


@pytest.mark.parametrize("g", CLONING)
def test_clone_of_a_live_vm(g: str) -> None:
    no_agent = clone(g, cluster(snapshot(), agent=False), prefix="c-")
    f = by_code(no_agent, "agent-not-ready")
    assert f.level == "blocker" and f.message.startswith("The clone's temporary snapshot always requires consistency")
    assert "is not applicable for VirtualMachine in phase Pause" in by_code(
        clone(g, cluster(snapshot(), phase="Pause"), prefix="c-"), "vm-phase").message
    dry = clone(g, cluster(snapshot()), prefix="c-", mode="DryRun")
    assert "vmop-clone-*" in by_code(dry, "dryrun-leaves-snapshot").message
    stuck = clone(g, cluster(snapshot(), phase="Stopped", agent=None, spec={"runPolicy": "AlwaysOff"}), prefix="c-")
    assert "stays InProgress" in by_code(stuck, "wffc-stuck").message  # "replicated" binds on first consumer
    busy = clone(g, cluster(snapshot(), mk("vmop", "m", {"type": "Migrate", "virtualMachineName": "web"},
                                           {"phase": "InProgress"})), prefix="c-")
    assert by_code(busy, "operation-in-progress").level == "blocker"  # Clone supersedes nothing
    assert "USB devices" in by_code(clone(g, cluster(snapshot()), prefix="c-", mode="BestEffort"),
                                    "best-effort").message


@pytest.mark.parametrize("g", CLONING)
def test_clone_from_snapshot(g: str) -> None:
    waiting = clone(g, cluster(snapshot(phase="InProgress")), False, prefix="c-")
    assert 'The VirtualMachineSnapshot "web-before" is not ready yet.' in by_code(waiting, "snapshot-not-ready").message
    other = mk("vmsop", "first", {"type": "CreateVirtualMachine", "virtualMachineSnapshotName": "web-before"},
               {"phase": "Pending"})
    assert "another operation must finish first" in by_code(clone(g, cluster(snapshot(), other), False, prefix="c-"),
                                                            "operation-in-progress").message
    partial = clone(g, cluster(snapshot(resources=False)), False, prefix="c-")
    assert by_code(partial, "contents-partial").level == "warning"


# ---- new disk from snapshot ---------------------------------------------------------------

def vds_world(restore_size: str = "10Gi", original: str = "", sc_ann: str = "replicated") -> list[KubeObject]:
    ann = {"virtualization.deckhouse.io/storage-class-name": sc_ann, "storageClass": sc_ann}
    if original:
        ann["virtualization.deckhouse.io/vd-original-size"] = original
    return [disk("web-root"), *storage(), storage_class("replicated-2", "replicated.csi"),
            mk("vdsnapshot", "root-snap", {"virtualDiskName": "web-root"}, {"phase": "Ready",
                                                                           "volumeSnapshotName": "vs-root"}),
            mk("vs", "vs-root", annotations=ann, status={"readyToUse": True, "restoreSize": restore_size})]


def storage_class(name: str, driver: str) -> KubeObject:
    from tests.kube.preflight_kit import storage_class as sc

    return sc(name, driver)


def new_disk(g: str, objs: list[KubeObject], name: str = "root-recovered", **kw: Any) -> list[Finding]:
    v = view(*objs)
    return check_disk_from_snapshot(v, caps_of(g), snap(v), name=name, **kw)


def snap(v: View) -> VirtualDiskSnapshot:
    return cast(VirtualDiskSnapshot, v.get(VirtualDiskSnapshot, "lab", "root-snap"))


@pytest.mark.parametrize("g", GENS)
def test_new_disk_size_never_below_restore_size(g: str) -> None:
    small = by_code(new_disk(g, vds_world(), size="5Gi"), "size-too-small")
    assert small.level == "blocker" and "The specified pvc size is insufficient: 5368709120 (5Gi) < 10737418240" in \
        small.message
    same = new_disk(g, vds_world(), size="10Gi")
    assert not blocked(same) and by_code(same, "size").level == "ok"
    bigger = new_disk(g, vds_world(), size="20Gi")
    assert ("resize-after" in codes(bigger)) == (g in ("seed", "cse"))
    assert not blocked(bigger)
    assert by_code(new_disk(g, vds_world(), size="lots"), "size-invalid").level == "blocker"
    unknown = [o for o in vds_world() if o.KIND != "vs"]
    assert by_code(new_disk(g, unknown, size="1Gi"), "restore-size-unknown").level == "warning"


@pytest.mark.parametrize("g", ["seed", "cse"])
def test_new_disk_resize_needs_an_expandable_class(g: str) -> None:
    found = new_disk(g, vds_world(sc_ann="local"), size="20Gi")
    assert "does not allow volume expansion" in by_code(found, "no-expansion").message


@pytest.mark.parametrize("g", GENS)
def test_new_disk_storage_class_per_generation(g: str) -> None:
    v = view(*vds_world(original="12Gi"))
    choices = storage_class_choices(v, caps_of(g), snap(v))
    assert choices == ([] if g in ("seed", "cse") else ["replicated", "replicated-2"])
    assert default_size(v, caps_of(g), snap(v)) == ("12Gi" if g == "v1.10" else "10Gi")
    other = new_disk(g, vds_world(), storage_class="nfs")
    if g in ("seed", "cse"):
        assert by_code(other, "storage-class-ignored").level == "warning" and not blocked(other)
    else:
        f = by_code(other, "storage-class-driver")
        assert f.level == "blocker"
        assert ("does not match the source VirtualDiskSnapshot" in f.message) == (g == "v1.10")
        assert ("Cross-provider snapshot restore is not supported" in f.message) == (g == "v1.8")
        assert by_code(new_disk(g, vds_world(), storage_class="replicated-2"), "storage-class").level == "ok"


@pytest.mark.parametrize("g", GENS)
def test_new_disk_name_rules(g: str) -> None:
    assert "'.' is forbidden" in by_code(new_disk(g, vds_world(), name="root.v2"), "name-invalid").message
    long = new_disk(g, vds_world(), name="d" * 61)
    assert ("name-invalid" in codes(long)) == (g != "v1.10")
    taken = by_code(new_disk(g, vds_world(), name="web-root"), "name-taken")
    assert 'virtualdisks.virtualization.deckhouse.io "web-root" already exists' in taken.message
    pending = [o if o.name != "root-snap" else mk("vdsnapshot", "root-snap", {"virtualDiskName": "web-root"},
                                                  {"phase": "InProgress"}) for o in vds_world()]
    assert by_code(new_disk(g, pending), "snapshot-not-ready").level == "blocker"


@pytest.mark.parametrize("g", CLONING)
def test_remaining_clone_and_disk_outcomes(g: str) -> None:
    from tui.kube.contents import Payload

    assert by_code(clone(g, cluster(snapshot()), rules=[RenameRule("VirtualMachine", "", "x")]),
                   "rename-invalid").level == "blocker"
    differs = clone(g, cluster(snapshot()), False, rules=[RenameRule("VirtualMachine", "web", "web-2")],
                    payload=Payload(secret_differs={"web-cloudinit": True}))
    assert by_code(differs, "secret-differs").message == ("content of the secret web-cloudinit is different from "
                                                          "that in the snapshot")
    plain = new_disk(g, vds_world())
    assert {"size-default", "storage-class-recorded"} <= codes(plain) and not blocked(plain)
    assert by_code(new_disk(g, vds_world(), storage_class="gone"), "storage-class-missing").level == "blocker"
    assert by_code(new_disk(g, vds_world(), storage_class="replicated"), "wffc").level == "ok"
    blind = [o for o in vds_world() if o.KIND != "sc"]
    v = view(*blind, loaded=("vd", "vdsnapshot", "vs"))
    found = check_disk_from_snapshot(v, caps_of(g), snap(v), name="x", storage_class="any")
    assert by_code(found, "storage-class-unverified").level == "ok"
