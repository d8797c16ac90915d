"""Relations and the lineage tree over immutable views, including partial data."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tui.kube import kinds
from tui.kube.objects import KubeObject, VirtualDisk, VirtualMachine, VirtualMachineSnapshot, decode_object
from tui.kube.relations import (
    Node,
    View,
    disk_snapshots,
    namespaces,
    orphan_snapshots,
    predict_snapshot_class,
    restore_operations,
    snapshot_operations,
    source_snapshot,
    tree,
    unattached_disks,
    vm_disks,
    vm_operations,
    vm_snapshots,
    vmsnapshot_children,
    vmsnapshot_progress,
    volume_snapshot,
)

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "fixtures-example.yaml"
TREE_KINDS = ("vm", "vd", "vdsnapshot", "vmsnapshot", "vmop", "vmsop", "vmrestore")
_seq = iter(range(10_000))


def mk(kind: str, name: str, spec: dict[str, Any] | None = None, status: dict[str, Any] | None = None,
       ns: str = "lab", **meta: Any) -> KubeObject:
    n = next(_seq)
    body = {"metadata": {"name": name, "namespace": ns, "uid": meta.pop("uid", f"uid-{name}"),
                         "resourceVersion": str(n), "creationTimestamp": f"2026-09-{10 + n // 1000:02d}T08:"
                         f"{n // 60 % 60:02d}:{n % 60:02d}Z", **meta}}
    body.update({k: v for k, v in (("spec", spec), ("status", status)) if v is not None})
    return decode_object(kind, json.dumps(body).encode())


def owned_by(vms_name: str) -> list[dict[str, str]]:
    return [{"apiVersion": "virtualization.deckhouse.io/v1alpha2", "kind": "VirtualMachineSnapshot",
             "name": vms_name, "uid": f"uid-{vms_name}"}]


def vd_ref(name: str) -> dict[str, str]:
    return {"kind": "VirtualDisk", "name": name}


def lab() -> list[KubeObject]:
    return [
        mk("vm", "web-01", {"blockDeviceRefs": [vd_ref("web-01-root"),
                                                {"kind": "ClusterVirtualImage", "name": "os"}]},
           {"phase": "Running", "blockDeviceRefs": [
               {**vd_ref("web-01-root"), "attached": True},
               {"kind": "ClusterVirtualImage", "name": "os", "attached": True},
               {**vd_ref("web-01-data"), "attached": True, "hotplugged": True,
                "virtualMachineBlockDeviceAttachmentName": "web-01-data-attach"}]}),
        mk("vm", "db-01", {"blockDeviceRefs": [vd_ref("db-01-root")]}),  # no status yet
        mk("vmbda", "web-01-data-attach", {"virtualMachineName": "web-01",
                                           "blockDeviceRef": vd_ref("web-01-data")}),
        mk("vmbda", "db-scratch-attach", {"virtualMachineName": "db-01",
                                          "blockDeviceRef": vd_ref("db-scratch")}),
        mk("vd", "web-01-root", status={"phase": "Ready", "attachedToVirtualMachines": [
            {"name": "web-01", "mounted": True}]}),
        mk("vd", "web-01-data", status={"phase": "Ready", "attachedToVirtualMachines": [
            {"name": "web-01", "mounted": True}]}),
        mk("vd", "db-01-root", status={"phase": "Ready"}),
        mk("vd", "db-scratch", status={"phase": "Ready"}),
        mk("vd", "scratch-blank", status={"phase": "Ready"}),
        mk("vd", "old-disk", status={"phase": "Ready", "attachedToVirtualMachines": [{"name": "gone-vm"}]}),
        mk("vd", "restored", {"dataSource": {"type": "ObjectRef", "objectRef": {
            "kind": "VirtualDiskSnapshot", "name": "web-01-root-manual"}}}, {"phase": "Ready"}),
        mk("vmsnapshot", "web-01-before", {"virtualMachineName": "web-01"}, {
            "phase": "InProgress", "virtualDiskSnapshotNames": ["web-01-root-vms1", "web-01-data-vms1"]}),
        mk("vdsnapshot", "web-01-root-vms1", {"virtualDiskName": "web-01-root"}, {"phase": "Ready"},
           ownerReferences=owned_by("web-01-before")),
        mk("vdsnapshot", "web-01-data-vms1", {"virtualDiskName": "web-01-data"}, {"phase": "InProgress"},
           ownerReferences=owned_by("web-01-before")),
        mk("vdsnapshot", "web-01-extra-vms1", {"virtualDiskName": "web-01-data"}, {"phase": "Pending"},
           ownerReferences=owned_by("web-01-before")),  # created, not yet listed in status
        mk("vdsnapshot", "web-01-root-manual", {"virtualDiskName": "web-01-root"},
           {"phase": "Ready", "consistent": True, "volumeSnapshotName": "d8v-vds-manual"}),
        mk("vs", "d8v-vds-manual", status={"readyToUse": True}),
        mk("vmsnapshot", "lost-child", {"virtualMachineName": "db-01"},
           {"phase": "Failed", "virtualDiskSnapshotNames": ["db-01-root-lost"]}),
        mk("vmsnapshot", "ghost-snap", {"virtualMachineName": "deleted-vm"},
           {"phase": "Ready", "virtualDiskSnapshotNames": ["deleted-root-ghost"]}),
        mk("vdsnapshot", "deleted-root-ghost", {"virtualDiskName": "deleted-root"}, {"phase": "Ready"},
           ownerReferences=owned_by("ghost-snap")),
        mk("vdsnapshot", "gone-disk-snap", {"virtualDiskName": "gone-disk"}, {"phase": "Ready"}),
        mk("vmop", "restore-web-01", {"type": "Restore", "virtualMachineName": "web-01", "restore": {
            "mode": "Strict", "virtualMachineSnapshotName": "web-01-before"}}, {"phase": "Completed"}),
        mk("vmop", "restart-web-01", {"type": "Restart", "virtualMachineName": "web-01"},
           {"phase": "Completed"}),
        mk("vmsop", "clone-web-01", {"type": "CreateVirtualMachine",
                                     "virtualMachineSnapshotName": "web-01-before",
                                     "createVirtualMachine": {"mode": "DryRun"}}, {"phase": "Completed"}),
        mk("vmrestore", "web-01-copy", {"virtualMachineSnapshotName": "web-01-before"},
           {"phase": "InProgress"}),
        mk("vmop", "vmrestore-stop", {"type": "Stop", "virtualMachineName": "web-01"}, {"phase": "Completed"},
           annotations={"virtualization.deckhouse.io/vmrestore": "uid-web-01-copy"}),
        mk("vmop", "stop-gone", {"type": "Stop", "virtualMachineName": "gone-vm"}, {"phase": "Failed"}),
        mk("vm", "other-ns-vm", ns="elsewhere"),
    ]


@pytest.fixture
def view() -> View:
    return View.of(lab())


def find(v: View, kind: str, name: str, ns: str = "lab") -> Any:
    found = v.get(kinds.BY_ID[kind].struct, ns, name)
    assert found is not None, (kind, name)
    return found


def homes(nodes: list[Node]) -> Counter[str]:
    return Counter(n.key for n in nodes if n.payload is not None and n.role != "ref")


def by_label(nodes: list[Node], label: str, role: str | None = None) -> list[Node]:
    return [n for n in nodes if n.label == label and (role is None or n.role == role)]


def parent_label(nodes: list[Node], node: Node) -> str:
    return next(n.label for n in nodes if n.key == node.parent)


def test_view_lookups(view: View) -> None:
    assert view.get(VirtualMachine, "lab", "web-01") is find(view, "vm", "web-01")
    assert view.get(VirtualMachine, "lab", "nope") is None
    assert view.by_uid(VirtualMachine, "uid-db-01") is find(view, "vm", "db-01")
    assert [o.name for o in view.all(VirtualMachine, "elsewhere")] == ["other-ns-vm"]
    assert [o.name for o in view.all(VirtualMachine)] == ["web-01", "db-01", "other-ns-vm"]  # oldest first
    assert view.knows("vd") and not view.knows("pvc")
    assert namespaces(view) == ["elsewhere", "lab"]


def test_vm_disks_static_and_hotplugged(view: View) -> None:
    disks = vm_disks(view, find(view, "vm", "web-01"))
    assert [(d.name, d.hotplugged, d.attachment, d.attached) for d in disks] == [
        ("web-01-root", False, "", True), ("web-01-data", True, "web-01-data-attach", True)]
    assert all(isinstance(d.disk, VirtualDisk) for d in disks)


def test_vm_disks_from_spec_and_pending_vmbda(view: View) -> None:
    disks = vm_disks(view, find(view, "vm", "db-01"))
    assert [(d.name, d.hotplugged, d.attachment, d.attached) for d in disks] == [
        ("db-01-root", False, "", None), ("db-scratch", True, "db-scratch-attach", None)]


def test_snapshots_of_disks_and_vms(view: View) -> None:
    assert [s.name for s in disk_snapshots(view, "lab", "web-01-root")] == [
        "web-01-root-vms1", "web-01-root-manual"]
    assert [s.name for s in vm_snapshots(view, find(view, "vm", "web-01"))] == ["web-01-before"]
    children = vmsnapshot_children(view, find(view, "vmsnapshot", "web-01-before"))
    assert [(c.name, c.snapshot is not None) for c in children] == [
        ("web-01-root-vms1", True), ("web-01-data-vms1", True), ("web-01-extra-vms1", True)]
    assert vmsnapshot_progress(view, find(view, "vmsnapshot", "web-01-before")) == (1, 3)
    lost = vmsnapshot_children(view, find(view, "vmsnapshot", "lost-child"))
    assert [(c.name, c.snapshot) for c in lost] == [("db-01-root-lost", None)]
    assert vmsnapshot_progress(View.of([find(view, "vmsnapshot", "lost-child")]),
                               find(view, "vmsnapshot", "lost-child")) is None  # children unknown


def test_operations(view: View) -> None:
    vms = find(view, "vmsnapshot", "web-01-before")
    assert [o.name for o in snapshot_operations(view, vms)] == [
        "restore-web-01", "clone-web-01", "web-01-copy"]
    restore = find(view, "vmrestore", "web-01-copy")
    assert [o.name for o in restore_operations(view, restore)] == ["vmrestore-stop"]
    assert [o.name for o in vm_operations(view, find(view, "vm", "web-01"))] == [
        "restore-web-01", "restart-web-01"]


def test_point_lookups(view: View) -> None:
    vs = volume_snapshot(view, find(view, "vdsnapshot", "web-01-root-manual"))
    assert vs is not None and vs.name == "d8v-vds-manual"
    assert volume_snapshot(view, find(view, "vdsnapshot", "gone-disk-snap")) is None
    src = source_snapshot(view, find(view, "vd", "restored"))
    assert src is not None and src.name == "web-01-root-manual"
    assert source_snapshot(view, find(view, "vd", "scratch-blank")) is None


def test_unattached_and_orphans(view: View) -> None:
    assert [d.name for d in unattached_disks(view, "lab")] == ["scratch-blank", "restored"]
    assert {o.name for o in orphan_snapshots(view, "lab")} == {"ghost-snap", "gone-disk-snap"}


def test_tree_places_every_object_once(view: View) -> None:
    nodes = tree(view, "lab")
    keys = [n.key for n in nodes]
    assert len(keys) == len(set(keys))
    seen: set[str] = set()
    for n in nodes:  # pre-order: a parent comes before its children
        assert n.parent is None or n.parent in seen
        seen.add(n.key)
    expected = {o.uid for o in lab() if o.KIND in TREE_KINDS and o.namespace == "lab"}
    assert set(homes(nodes)) == expected and set(homes(nodes).values()) == {1}
    assert all(n.key == n.uid for n in nodes if n.payload is not None and n.role != "ref")
    assert not any(n.payload is not None and n.payload.namespace != "lab" for n in nodes)


def test_tree_vm_branch(view: View) -> None:
    nodes = tree(view, "lab")
    assert [n.label for n in nodes if n.parent is None and n.kind == "vm"] == ["db-01", "web-01"]
    data = by_label(nodes, "web-01-data")[0]
    assert (data.kind, data.role, data.detail, parent_label(nodes, data)) == (
        "vd", "hotplug", "web-01-data-attach", "Disks")
    scratch = by_label(nodes, "db-scratch")[0]
    assert scratch.role == "hotplug" and scratch.detail == "db-scratch-attach"
    # A VM snapshot's child lives under the VM snapshot and shows again (as a ref) under its disk.
    child = by_label(nodes, "web-01-root-vms1")
    assert [n.role for n in child] == ["ref", ""]
    assert child[0].parent == "uid-web-01-root" and child[0].key == "uid-web-01-root-vms1@uid-web-01-root"
    assert child[1].parent == "uid-web-01-before"
    manual = by_label(nodes, "web-01-root-manual")
    assert [(n.role, n.parent) for n in manual] == [("", "uid-web-01-root")]
    lost = by_label(nodes, "db-01-root-lost")[0]
    assert (lost.payload, lost.presence, lost.parent) == (None, "missing", "uid-lost-child")


def test_tree_operations(view: View) -> None:
    nodes = tree(view, "lab")
    restore = by_label(nodes, "restore-web-01")
    assert [(n.role, n.parent) for n in restore] == [
        ("ref", "uid-web-01-before"), ("", "uid-web-01/operations")]
    stop = by_label(nodes, "vmrestore-stop")
    assert [n.parent for n in stop] == ["uid-web-01-copy"]
    assert [n.parent for n in by_label(nodes, "clone-web-01")] == ["uid-web-01-before"]
    assert parent_label(nodes, by_label(nodes, "stop-gone")[0]) == "Other operations"


def test_tree_leftover_groups(view: View) -> None:
    nodes = tree(view, "lab")
    groups = {n.label: n.key for n in nodes if n.kind == "group" and n.parent is None}
    assert list(groups) == ["Unattached disks", "Other disks", "Orphaned snapshots", "Other operations"]

    def under(label: str) -> list[str]:
        return [n.label for n in nodes if n.parent == groups[label]]
    assert under("Unattached disks") == ["scratch-blank", "restored"]
    assert under("Other disks") == ["old-disk"]
    assert under("Orphaned snapshots") == ["ghost-snap", "gone-disk-snap"]
    assert [n.label for n in nodes if n.parent == "uid-ghost-snap"] == ["deleted-root-ghost"]


def test_partial_data_disks_not_readable() -> None:
    objs = [o for o in lab() if o.KIND != "vd"]
    view = View.of(objs, loaded={"vm", "vdsnapshot", "vmsnapshot", "vmbda", "vmop", "vmsop", "vmrestore"})
    nodes = tree(view, "lab")
    root = by_label(nodes, "web-01-root")[0]
    assert (root.payload, root.presence, root.kind) == (None, "unknown", "vd")
    assert [n.label for n in nodes if n.parent == root.key] == ["web-01-root-vms1", "web-01-root-manual"]
    assert {o.name for o in orphan_snapshots(view, "lab")} == {"ghost-snap"}  # disks unknown: no disk orphans
    assert "gone-disk-snap" in [n.label for n in nodes if n.parent == "lab/other-snapshots"]
    assert set(homes(nodes)) == {o.uid for o in objs if o.KIND in TREE_KINDS and o.namespace == "lab"}


def test_partial_data_vms_not_readable() -> None:
    objs = [o for o in lab() if o.KIND not in ("vm", "vmbda")]
    view = View.of(objs, loaded={o.KIND for o in objs})
    nodes = tree(view, "lab")
    assert orphan_snapshots(view, "lab") == [find(view, "vdsnapshot", "gone-disk-snap")]
    top = [n.label for n in nodes if n.parent is None]
    assert top == [
        "Unattached disks", "Other disks", "Orphaned snapshots", "Other snapshots", "Other operations"]
    assert set(homes(nodes)) == {o.uid for o in objs if o.KIND in TREE_KINDS and o.namespace == "lab"}


def test_partial_data_only_vms() -> None:
    vms = [o for o in lab() if o.KIND == "vm"]
    nodes = tree(View.of(vms, loaded={"vm"}), "lab")
    assert {n.presence for n in nodes if n.kind == "vd"} == {"unknown"}
    assert [n.label for n in nodes if n.kind == "vm"] == ["db-01", "web-01"]
    assert tree(View(), "lab") == []
    assert tree(View.of(vms), "nowhere") == []


def test_disk_listed_by_two_vms_has_one_home() -> None:
    shared = [mk("vm", n, {"blockDeviceRefs": [vd_ref("shared")]}) for n in ("a-vm", "b-vm")]
    nodes = tree(View.of([*shared, mk("vd", "shared")]), "lab")
    assert [n.role for n in by_label(nodes, "shared")] == ["static", "ref"]


def test_predicted_snapshot_class() -> None:
    disk = mk("vd", "d", status={"storageClassName": "r2"})
    assert isinstance(disk, VirtualDisk)
    sc = decode_object("sc", b'{"metadata": {"name": "r2", "uid": "sc1"}, "provisioner": "replicated"}')
    default = {"annotations": {"snapshot.storage.kubernetes.io/is-default-class": "true"}}
    one = decode_object("vsclass", json.dumps({"metadata": {"name": "c1", "uid": "c1", **default},
                                               "driver": "replicated"}).encode())
    two = decode_object("vsclass", json.dumps({"metadata": {"name": "c2", "uid": "c2", **default},
                                               "driver": "replicated"}).encode())
    other = decode_object("vsclass", b'{"metadata": {"name": "c3", "uid": "c3"}, "driver": "replicated"}')
    assert predict_snapshot_class(View.of([disk, sc, one, other]), disk) == ("c1", "")
    assert predict_snapshot_class(View.of([disk, sc, one, two]), disk).reason.startswith("2 default")
    assert "no default" in predict_snapshot_class(View.of([disk, sc, other]), disk).reason
    assert predict_snapshot_class(View.of([disk]), disk) == ("", "cluster default for the disk's CSI driver")
    assert "not found" in predict_snapshot_class(View.of([disk, one, other], loaded={"sc", "vsclass"}),
                                                 disk).reason
    bare = mk("vd", "e")
    assert isinstance(bare, VirtualDisk)
    assert "no storage class" in predict_snapshot_class(View.of([]), bare).reason


def test_fixture_tree() -> None:
    yaml = pytest.importorskip("yaml")
    if not FIXTURES.exists():
        pytest.skip("shared fixtures not present")
    objs = []
    for doc in yaml.safe_load_all(FIXTURES.read_text()):
        if doc and doc["kind"] != "Secret":
            kind = kinds.by_kind(doc["kind"])
            assert kind is not None
            objs.append(decode_object(kind, msgspec.json.encode(doc, enc_hook=str)))
    view = View.of(objs)
    nodes = tree(view, "lab")
    assert set(homes(nodes)) == {o.uid for o in objs if o.KIND in TREE_KINDS and o.namespace == "lab"}
    data = next(n for n in nodes if n.label == "web-01-data")
    assert (data.role, data.detail) == ("hotplug", "web-01-data-attach")
    vms = view.get(VirtualMachineSnapshot, "lab", "build-runner-weekly")
    assert vms is not None and vmsnapshot_progress(view, vms) == (0, 1)
    assert [d.name for d in unattached_disks(view, "lab")] == ["scratch-blank"]
    seed = tree(view, "lab-seed")  # seed objects without their VMs and disks: all orphaned, none lost
    assert set(homes(seed)) == {o.uid for o in objs if o.KIND in TREE_KINDS and o.namespace == "lab-seed"}
