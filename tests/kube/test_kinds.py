"""The kind registry: ids, REST paths, alias resolution per API generation, list columns."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tui.kube import kinds
from tui.kube.kinds import BY_ID, KINDS, by_kind, resolve_alias
from tui.kube.objects import decode_object

NOW = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)
IDS = ("vm", "vd", "vdsnapshot", "vmsnapshot", "vmrestore", "vmop", "vmsop", "vmbda", "vmip", "vmmac", "vs",
       "vsclass", "vsc", "sc", "pvc", "ns", "event", "secret")

# Discovery short names as the API server serves them (dvp-api.md §1.1).
SEED = {
    "virtualmachines": ["vm", "vms"], "virtualdisks": ["vd", "vds"],
    "virtualdisksnapshots": ["vdsnapshot", "vdsnapshots"],
    "virtualmachinesnapshots": ["vmsnapshot", "vmsnapshots"],
    "virtualmachineoperations": ["vmop", "vmops"], "virtualmachinerestores": ["vmrestore", "vmrestores"],
}
CSE_AND_LATER = {
    "virtualmachines": ["vm"], "virtualdisks": ["vd"], "virtualdisksnapshots": ["vdsnapshot", "vds"],
    "virtualmachinesnapshots": ["vmsnapshot", "vms"], "virtualmachineoperations": ["vmop"],
    "volumesnapshotclasses": ["vsclass", "vsclasses"],
}


def test_registry_holds_every_kind_once() -> None:
    assert tuple(k.id for k in KINDS) == IDS
    assert len({k.plural for k in KINDS}) == len(KINDS)
    assert len({n for k in KINDS for n in k.names}) == sum(len(set(k.names)) for k in KINDS)


def test_scope_group_and_paths() -> None:
    vm, sc, pvc, vs = BY_ID["vm"], BY_ID["sc"], BY_ID["pvc"], BY_ID["vs"]
    assert vm.api_version == "virtualization.deckhouse.io/v1alpha2" and vm.namespaced
    assert vm.path("lab") == "/apis/virtualization.deckhouse.io/v1alpha2/namespaces/lab/virtualmachines"
    assert vm.path() == "/apis/virtualization.deckhouse.io/v1alpha2/virtualmachines"
    assert vm.path("lab", "web-01").endswith("/namespaces/lab/virtualmachines/web-01")
    assert not sc.namespaced and sc.path("lab") == "/apis/storage.k8s.io/v1/storageclasses"
    assert pvc.api_version == "v1" and pvc.path("lab") == "/api/v1/namespaces/lab/persistentvolumeclaims"
    assert vs.api_version == "snapshot.storage.k8s.io/v1" and vs.namespaced
    assert not BY_ID["vsclass"].namespaced and not BY_ID["vsc"].namespaced and not BY_ID["ns"].namespaced


def test_by_kind() -> None:
    assert by_kind("VirtualMachineSnapshot") is BY_ID["vmsnapshot"]
    assert by_kind("Secret", "") is BY_ID["secret"]
    assert by_kind("VolumeSnapshot", "snapshot.storage.k8s.io") is BY_ID["vs"]
    assert by_kind("VolumeSnapshot", "virtualization.deckhouse.io") is None
    assert by_kind("Pod") is None


@pytest.mark.parametrize(("text", "kind_id"), [
    ("vm", "vm"), ("VM", "vm"), (" vd ", "vd"), ("virtualmachines", "vm"), ("virtualmachine", "vm"),
    ("VirtualMachineSnapshot", "vmsnapshot"), ("vdsnap", "vdsnapshot"), ("vmsnap", "vmsnapshot"),
    ("vdsnapshots", "vdsnapshot"), ("vmsnapshots", "vmsnapshot"), ("vmsop", "vmsop"), ("pvc", "pvc"),
    ("virtualdisksnapshots.virtualization.deckhouse.io", "vdsnapshot"), ("secrets", "secret"), ("ns", "ns"),
])
def test_static_names_resolve_without_discovery(text: str, kind_id: str) -> None:
    assert resolve_alias(text) is BY_ID[kind_id]
    assert resolve_alias(text, SEED) is BY_ID[kind_id]
    assert resolve_alias(text, CSE_AND_LATER) is BY_ID[kind_id]


def test_ambiguous_short_names_need_discovery() -> None:
    for text in ("vms", "vds", "vmops", "vsclasses"):
        assert resolve_alias(text) is None
        assert text not in {n for k in KINDS for n in k.names}


def test_seed_short_names_mean_vms_and_disks() -> None:
    assert resolve_alias("vms", SEED) is BY_ID["vm"]
    assert resolve_alias("vds", SEED) is BY_ID["vd"]
    assert resolve_alias("vmops", SEED) is BY_ID["vmop"]


def test_later_short_names_mean_snapshots() -> None:
    assert resolve_alias("vms", CSE_AND_LATER) is BY_ID["vmsnapshot"]
    assert resolve_alias("VDS", CSE_AND_LATER) is BY_ID["vdsnapshot"]
    assert resolve_alias("vmops", CSE_AND_LATER) is None
    assert resolve_alias("vsclasses", CSE_AND_LATER) is BY_ID["vsclass"]


def test_unknown_and_empty() -> None:
    assert resolve_alias("", SEED) is None
    assert resolve_alias("pods", SEED) is None
    assert resolve_alias("x", {"pods": ["x"]}) is None  # a discovered resource dvpsnap does not know


def test_static_names_win_over_discovery() -> None:
    assert resolve_alias("vm", {"virtualmachinesnapshots": ["vm"]}) is BY_ID["vm"]


def test_columns_start_with_name_and_work_on_empty_objects() -> None:
    for kind in KINDS:
        ids = [c.id for c in kind.columns]
        assert len(set(ids)) == len(ids), kind.id
        if kind.id != "event":
            assert kind.columns[0] is kinds.NAME and kind.columns[-1] is kinds.AGE
        for column in kind.columns:
            assert isinstance(column.get(kind.struct(), NOW), str), (kind.id, column.id)


def test_printer_columns() -> None:
    vds = decode_object("vdsnapshot", b'''{"metadata": {"name": "a",
        "creationTimestamp": "2026-09-15T07:00:00Z",
        "ownerReferences": [{"kind": "VirtualMachineSnapshot", "name": "web-01-before-upgrade", "uid": "u"}]},
        "spec": {"virtualDiskName": "web-01-root"}, "status": {"phase": "Ready"}}''')
    row = {c.id: c.get(vds, NOW) for c in BY_ID["vdsnapshot"].columns}
    assert row == {"name": "a", "disk": "web-01-root", "phase": "Ready", "consistent": "not guaranteed",
                   "required": "yes", "class": "", "vmsnapshot": "web-01-before-upgrade", "age": "3h"}
    assert {c.id for c in BY_ID["vdsnapshot"].columns if c.wide} == {"required", "class", "vmsnapshot"}
    vd = decode_object("vd", b'''{"metadata": {"name": "d"}, "status": {"phase": "Ready", "capacity": "20Gi",
        "progress": "100%", "storageClassName": "nfs", "target": {"persistentVolumeClaimName": "pvc-1"},
        "attachedToVirtualMachines": [{"name": "web-01", "mounted": true}, {"name": "old"}],
        "conditions": [{"type": "InUse", "status": "True", "reason": "AttachedToVirtualMachine"}]}}''')
    row = {c.id: c.get(vd, NOW) for c in BY_ID["vd"].columns}
    assert row["vm"] == "web-01" and row["in_use"] == "yes" and row["pvc"] == "pvc-1" and row["age"] == ""
    restore = decode_object("vmrestore", b'''{"metadata": {"name": "r"}, "spec": {
        "virtualMachineSnapshotName": "s", "nameReplacements": [
        {"from": {"kind": "VirtualDisk", "name": "d"}, "to": "d2"},
        {"from": {"kind": "VirtualMachine", "name": "web-01"}, "to": "web-01-copy"}]}}''')
    row = {c.id: c.get(restore, NOW) for c in BY_ID["vmrestore"].columns}
    assert row["mode"] == "Safe" and row["renamed"] == "web-01→web-01-copy" and row["phase"] == "Pending"
    sc = decode_object("sc", b'''{"metadata": {"name": "r2", "annotations":
        {"storageclass.kubernetes.io/is-default-class": "true"}}, "provisioner": "replicated.csi",
        "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": true}''')
    assert [c.get(sc, NOW) for c in BY_ID["sc"].columns] == [
        "r2", "replicated.csi", "", "WaitForFirstConsumer", "yes", "yes", ""]
