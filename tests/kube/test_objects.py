"""Decoding list pages and watch lines into projections."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tui.kube import kinds, objects
from tui.kube.objects import (
    MalformedPayload,
    Secret,
    VirtualDisk,
    VirtualDiskSnapshot,
    VirtualMachine,
    decode_event,
    decode_list,
    decode_object,
)

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "fixtures-example.yaml"
MANAGED = [{"manager": "virtualization-controller", "operation": "Update", "apiVersion": "v1alpha2",
            "time": "2026-09-12T09:37:10Z", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:status": {"f:phase": {}}}}]


def cond(type_: str, status: str = "True", reason: str = "", message: str = "") -> dict[str, Any]:
    return {"type": type_, "status": status, "reason": reason or type_, "message": message,
            "lastTransitionTime": "2026-09-12T09:37:10Z", "observedGeneration": 2}


def vm(name: str = "web-01", uid: str = "fe5d9963-fce8-5631-a368-06fbc9d78be5", rv: str = "1001",
       ) -> dict[str, Any]:
    return {
        "apiVersion": "virtualization.deckhouse.io/v1alpha2", "kind": "VirtualMachine",
        "metadata": {
            "name": name, "namespace": "lab", "uid": uid, "resourceVersion": rv, "generation": 2,
            "creationTimestamp": "2026-09-10T08:00:00Z", "labels": {"app": "storefront"},
            "annotations": {"virtualization.deckhouse.io/vmoprestore": "70e6f76d",
                            "kubectl.kubernetes.io/last-applied-configuration": "{" + "x" * 500 + "}",
                            "dvpsnap.io/request-id": "req-1"},
            "finalizers": ["virtualization.deckhouse.io/vm-cleanup"], "managedFields": MANAGED,
        },
        "spec": {"virtualMachineClassName": "generic", "runPolicy": "AlwaysOnUnlessStoppedManually",
                 "cpu": {"cores": 2, "coreFraction": "50%"}, "memory": {"size": "4Gi"},
                 "blockDeviceRefs": [{"kind": "VirtualDisk", "name": "web-01-root"},
                                     {"kind": "ClusterVirtualImage", "name": "ubuntu"}],
                 "virtualMachineIPAddressName": "web-01-7xk2p", "osType": "Generic",
                 "futureField": {"a": [1]}},
        "status": {
            "phase": "Running", "nodeName": "worker-2", "ipAddress": "10.66.10.21",
            "virtualMachineIPAddressName": "web-01-7xk2p",
            "blockDeviceRefs": [
                {"kind": "VirtualDisk", "name": "web-01-root", "size": "20Gi", "attached": True,
                 "target": "vda"},
                {"kind": "VirtualDisk", "name": "web-01-data", "size": "50Gi", "attached": True,
                 "target": "sda", "hotplugged": True,
                 "virtualMachineBlockDeviceAttachmentName": "web-01-data-attach"}],
            "restartAwaitingChanges": [{"op": "replace", "path": "/spec/cpu"}],
            "conditions": [cond("AgentReady"), cond("FilesystemFrozen", reason="Frozen"),
                           cond("AwaitingRestartToApplyConfiguration", "False", "NoRestartRequired")],
            "observedGeneration": 2, "stats": {"phasesTransitions": []},
        },
    }


def vds(name: str, status: dict[str, Any] | None = None, spec: dict[str, Any] | None = None,
        ) -> dict[str, Any]:
    return {"apiVersion": "virtualization.deckhouse.io/v1alpha2", "kind": "VirtualDiskSnapshot",
            "metadata": {"name": name, "namespace": "lab", "uid": f"uid-{name}", "resourceVersion": "7"},
            "spec": spec or {"virtualDiskName": "web-01-root", "requiredConsistency": True},
            "status": status if status is not None else {"phase": "Ready"}}


def page(items: list[dict[str, Any]], **meta: Any) -> bytes:
    return json.dumps({"apiVersion": "virtualization.deckhouse.io/v1alpha2", "kind": "VirtualMachineList",
                       "metadata": {"resourceVersion": "5001", **meta}, "items": items}).encode()


def line(type_: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"type": type_, "object": obj}).encode()


def test_list_page_decodes_items_and_list_metadata() -> None:
    raw = page([vm(), vm("db-01", "8c841789", "1002")], **{"continue": "tok", "remainingItemCount": 7})
    items, rv, cont, remaining = decode_list("vm", raw)
    assert (rv, cont, remaining) == ("5001", "tok", 7)
    assert [type(o) for o in items] == [VirtualMachine, VirtualMachine]
    first = items[0]
    assert isinstance(first, VirtualMachine)
    assert (first.name, first.namespace, first.uid, first.metadata.resource_version) == (
        "web-01", "lab", "fe5d9963-fce8-5631-a368-06fbc9d78be5", "1001")
    assert first.phase == "Running" and first.status.node_name == "worker-2"
    assert first.spec.cpu.cores == 2 and first.spec.memory.size == "4Gi"
    assert first.spec.virtual_machine_ip_address_name == "web-01-7xk2p"
    hot = first.status.block_device_refs[1]
    assert hot.hotplugged and hot.attached
    assert hot.virtual_machine_block_device_attachment_name == "web-01-data-attach"
    assert first.status.restart_awaiting_changes == 1
    assert first.metadata.finalizer_count == 1
    assert first.metadata.labels == {"app": "storefront"}


def test_list_of_nothing_and_null_items() -> None:
    assert decode_list("vm", b'{"metadata":{"resourceVersion":"9"},"items":null}') == ([], "9", "", None)
    assert decode_list(kinds.BY_ID["vd"], b'{"metadata":{},"items":[]}').items == []


def test_unknown_fields_are_ignored_and_annotations_filtered() -> None:
    obj = decode_object("vm", json.dumps(vm()).encode())
    assert obj.problem == ""
    ann = obj.metadata.annotations
    assert ann.get("virtualization.deckhouse.io/vmoprestore") == "70e6f76d"
    assert ann.get(objects.ANN_REQUEST_ID) == "req-1"
    assert "kubectl.kubernetes.io/last-applied-configuration" not in ann
    assert len(ann) == 2
    assert not hasattr(obj.metadata, "managed_fields")


def test_repeated_strings_are_shared_between_objects() -> None:
    a, b = decode_list("vm", page([vm(), vm("db-01", "other", "2")])).items
    assert isinstance(a, VirtualMachine) and isinstance(b, VirtualMachine)
    assert a.phase is b.phase
    assert a.status.conditions[0].type is b.status.conditions[0].type
    assert a.status.conditions[0].last_transition_time is b.status.conditions[0].last_transition_time


def test_consistent_absent_is_not_false() -> None:
    items = decode_list("vdsnapshot", page([
        vds("a", {"phase": "Ready", "consistent": True}),
        vds("b", {"phase": "Ready"}),
        vds("c", {}),
    ])).items
    a, b, c = (o for o in items if isinstance(o, VirtualDiskSnapshot))
    assert a.status.consistent is True
    assert b.status.consistent is None
    assert c.status.consistent is None and c.phase == ""


def test_defaults_and_seed_class_fields() -> None:
    plain = decode_object("vdsnapshot", json.dumps(vds("x", spec={"virtualDiskName": "d"})).encode())
    assert isinstance(plain, VirtualDiskSnapshot)
    assert plain.spec.required_consistency is True and plain.spec.volume_snapshot_class_name == ""
    seed = decode_object("vdsnapshot", json.dumps(vds("y", spec={
        "virtualDiskName": "d", "volumeSnapshotClassName": "sds-replicated-volume",
        "requiredConsistency": False})).encode())
    assert isinstance(seed, VirtualDiskSnapshot)
    assert seed.spec.volume_snapshot_class_name == "sds-replicated-volume"
    assert seed.spec.required_consistency is False


def test_int_or_string_size_both_decode() -> None:
    for size in ("10Gi", 10737418240):
        raw = {"metadata": {"name": "d", "uid": "u"}, "spec": {"persistentVolumeClaim": {"size": size}}}
        disk = decode_object("vd", json.dumps(raw).encode())
        assert isinstance(disk, VirtualDisk) and disk.spec.persistent_volume_claim.size == size


def test_shape_mismatch_keeps_metadata_and_says_why() -> None:
    bad = vm("broken", "uid-broken")
    bad["status"]["blockDeviceRefs"] = "not a list"
    items = decode_list("vm", page([vm(), bad])).items
    assert items[0].problem == ""
    assert items[1].name == "broken" and items[1].uid == "uid-broken"
    assert "blockDeviceRefs" in items[1].problem
    assert isinstance(items[1], VirtualMachine) and items[1].status.block_device_refs == ()


@pytest.mark.parametrize("raw", [
    b'{"metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"a"}}',  # truncated
    b"",
    b"[]",
    b'{"items": 5}',
    b'{"items": [{"metadata": {"name": 5}}]}',
])
def test_malformed_list_raises(raw: bytes) -> None:
    with pytest.raises(MalformedPayload):
        decode_list("vm", raw)


def test_watch_events() -> None:
    added = decode_event("vm", line("ADDED", vm(rv="1200")))
    assert added.type == "ADDED" and isinstance(added.obj, VirtualMachine)
    assert added.resource_version == "1200"
    deleted = decode_event("vm", line("DELETED", vm(rv="1201")))
    assert deleted.type == "DELETED" and deleted.obj is not None and deleted.obj.name == "web-01"
    bookmark = decode_event("vm", line("BOOKMARK", {
        "kind": "VirtualMachine", "apiVersion": "virtualization.deckhouse.io/v1alpha2",
        "metadata": {"resourceVersion": "1300", "creationTimestamp": None,
                     "annotations": {"k8s.io/initial-events-end": "true"}}, "spec": {}, "status": {}}))
    assert (bookmark.type, bookmark.obj, bookmark.resource_version) == ("BOOKMARK", None, "1300")
    error = decode_event("vm", line("ERROR", {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "too old resource version: 1 (1300)", "reason": "Expired", "code": 410}))
    assert (error.type, error.obj, error.code, error.reason) == ("ERROR", None, 410, "Expired")
    assert "too old" in error.message


@pytest.mark.parametrize("raw", [
    b'{"type":"ADDED","object":{"metadata":{"name":"web-01"',  # cut mid-object
    b"",
    b"\n",
    b'{"type":"ADDED"}',
    b'{"object":{}}',
    b'{"type":"RESYNC","object":{}}',
    b"not json",
])
def test_malformed_watch_line_raises(raw: bytes) -> None:
    with pytest.raises(MalformedPayload):
        decode_event("vm", raw)


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="no projection"):
        decode_list("pods", b'{"items":[]}')


def test_secret_keeps_metadata_and_type_never_data() -> None:
    raw = {"apiVersion": "v1", "kind": "Secret",
           "type": "virtualmachine.virtualization.deckhouse.io/snapshot",
           "metadata": {"name": "d8v-vms-x", "namespace": "lab", "uid": "s1",
                        "ownerReferences": [{"kind": "VirtualMachineSnapshot", "name": "x", "uid": "u1"}]},
           "data": {"vm": "c2VjcmV0LXBheWxvYWQ="}, "stringData": {"password": "hunter2"}}
    secret = decode_object("secret", json.dumps(raw).encode())
    assert isinstance(secret, Secret)
    assert secret.type == "virtualmachine.virtualization.deckhouse.io/snapshot"
    assert secret.owner("VirtualMachineSnapshot") is not None
    assert "data" not in Secret.__struct_fields__ and "string_data" not in Secret.__struct_fields__
    assert "hunter2" not in repr(secret) and "c2VjcmV0" not in repr(secret)


def test_projections_are_frozen_and_untracked() -> None:
    obj = decode_object("vm", json.dumps(vm()).encode())
    with pytest.raises(AttributeError):
        obj.metadata = objects.Meta()  # type: ignore[misc]
    for struct in objects.STRUCTS.values():
        assert struct.__struct_config__.frozen and not struct.__struct_config__.gc


def test_every_kind_has_a_projection() -> None:
    assert set(objects.STRUCTS) == set(kinds.BY_ID)
    for kind in kinds.KINDS:
        assert kind.id == kind.struct.KIND
        one_empty = b'{"metadata":{"resourceVersion":"1"},"items":[{}]}'
        assert decode_list(kind, one_empty).items == [kind.struct()]


def test_decoders_are_cached_per_kind() -> None:
    assert objects._codecs("vm") is objects._codecs("vm")


def test_fixture_documents_decode_without_problems() -> None:
    yaml = pytest.importorskip("yaml")
    if not FIXTURES.exists():
        pytest.skip("shared fixtures not present")
    docs = [d for d in yaml.safe_load_all(FIXTURES.read_text()) if d]
    assert len(docs) > 40
    for doc in docs:
        kind = kinds.by_kind(doc["kind"])
        assert kind is not None, doc["kind"]
        obj = decode_object(kind, msgspec.json.encode(doc, enc_hook=str))
        assert obj.problem == "", (doc["kind"], obj.name, obj.problem)
        assert obj.name == doc["metadata"]["name"] and obj.uid == doc["metadata"]["uid"]


def test_upstream_and_core_kinds() -> None:
    event = decode_object("event", json.dumps({
        "metadata": {"name": "web-01-before.17f", "namespace": "lab", "uid": "e1"},
        "involvedObject": {"kind": "VirtualMachineSnapshot", "name": "web-01-before", "namespace": "lab",
                           "uid": "u1"},
        "reason": "VirtualMachineSnapshottingCompleted", "message": "done", "type": "Normal", "count": 3,
        "firstTimestamp": "2026-09-12T08:00:00Z", "lastTimestamp": "2026-09-12T08:00:09Z",
        "eventTime": None, "source": {"component": "virtualization-controller"}}).encode())
    assert isinstance(event, objects.Event)
    assert (event.involved_object.kind, event.involved_object.uid, event.count, event.type) == (
        "VirtualMachineSnapshot", "u1", 3, "Normal")
    assert event.last_timestamp is not None and event.event_time is None
    vsc = decode_object("vsc", json.dumps({
        "metadata": {"name": "snapcontent-1", "uid": "c1"},
        "spec": {"driver": "replicated.csi", "deletionPolicy": "Delete", "volumeSnapshotClassName": "sds",
                 "volumeSnapshotRef": {"name": "vs1", "namespace": "lab", "uid": "v1"},
                 "source": {"volumeHandle": "pvc-1"}},
        "status": {"readyToUse": True, "restoreSize": 21474836480, "creationTime": 1757664009000000000,
                   "snapshotHandle": "snap-1"}}).encode())
    assert isinstance(vsc, objects.VolumeSnapshotContent) and vsc.problem == ""
    assert vsc.status.restore_size == 21474836480 and vsc.spec.volume_snapshot_ref.namespace == "lab"
    vmip = decode_object("vmip", json.dumps({
        "metadata": {"name": "ip"}, "spec": {"type": "Static", "staticIP": "10.0.0.5"},
        "status": {"phase": "Attached", "address": "10.0.0.5", "virtualMachineName": "vm"}}).encode())
    assert isinstance(vmip, objects.VirtualMachineIPAddress)
    assert (vmip.spec.type, vmip.spec.static_ip, vmip.status.virtual_machine_name) == (
        "Static", "10.0.0.5", "vm")
    pvc = decode_object("pvc", json.dumps({
        "metadata": {"name": "d8v-vd-x", "namespace": "lab", "uid": "p1"},
        "spec": {"storageClassName": None, "accessModes": ["ReadWriteMany"], "volumeMode": "Block",
                 "resources": {"requests": {"storage": "20Gi"}},
                 "dataSource": {"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot",
                                "name": "vs1"}},
        "status": {"phase": "Bound", "capacity": {"storage": "20Gi"}}}).encode())
    assert isinstance(pvc, objects.PersistentVolumeClaim) and pvc.problem == ""
    assert pvc.spec.storage_class_name == "" and pvc.spec.access_modes == ("ReadWriteMany",)
    assert pvc.spec.data_source is not None and pvc.spec.data_source.kind == "VolumeSnapshot"
    assert pvc.phase == "Bound" and pvc.status.capacity.storage == "20Gi"
    vmop = decode_object("vmop", json.dumps({
        "metadata": {"name": "clone", "uid": "o1",
                     "annotations": {"virtualization.deckhouse.io/vmop-snapshot-name": "vmop-clone-x"}},
        "spec": {"type": "Clone", "virtualMachineName": "web-01", "clone": {
            "mode": "Strict", "nameReplacement": [{"from": {"kind": "VirtualMachine", "name": "web-01"},
                                                   "to": "web-02"}],
            "customization": {"namePrefix": "copy-"}}},
        "status": {"phase": "InProgress", "progress": "33%", "resources": [
            {"apiVersion": "v1alpha2", "kind": "VirtualDisk", "name": "copy-web-01-root",
             "status": "InProgress", "message": "waiting"}]}}).encode())
    assert isinstance(vmop, objects.VirtualMachineOperation) and vmop.problem == ""
    clone = vmop.spec.clone
    assert clone is not None and clone.name_replacement[0].from_.name == "web-01"
    assert clone.name_replacement[0].to == "web-02"
    assert clone.customization is not None and clone.customization.name_prefix == "copy-"
    assert vmop.status.resources[0].api_version == "v1alpha2" and vmop.status.progress == "33%"
    assert vmop.metadata.annotations.get(objects.ANN_VMOP_SNAPSHOT) == "vmop-clone-x"
