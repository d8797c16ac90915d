"""The simulated API server: discovery, auth, CRUD semantics and bad input, over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sim.http import call
from tui.sim.cluster import SimCluster

VSCLASSES = "/apis/snapshot.storage.k8s.io/v1/volumesnapshotclasses"
VS = "/apis/snapshot.storage.k8s.io/v1/namespaces/default/volumesnapshots"


def vsclass(name: str, driver: str = "csi.example.com", **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotClass",
            "metadata": {"name": name, **extra}, "driver": driver, "deletionPolicy": "Delete"}


def vs(name: str, **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
            "metadata": {"name": name, **meta},
            "spec": {"source": {"persistentVolumeClaimName": "pvc-1"}}}


def test_requests_without_the_token_get_401(sim: SimCluster) -> None:
    status, body, _ = call(sim, "GET", "/api/v1/namespaces", token=None)
    assert status == 401 and body["reason"] == "Unauthorized"
    status, _, _ = call(sim, "GET", "/api/v1/namespaces", token="wrong")
    assert status == 401


def test_discovery_documents(sim: SimCluster) -> None:
    assert call(sim, "GET", "/version")[1]["major"] == "1"
    assert call(sim, "GET", "/api")[1]["versions"] == ["v1"]
    groups = {g["name"] for g in call(sim, "GET", "/apis")[1]["groups"]}
    assert {"virtualization.deckhouse.io", "snapshot.storage.k8s.io", "storage.k8s.io",
            "authorization.k8s.io"} <= groups
    res = call(sim, "GET", "/apis/snapshot.storage.k8s.io/v1")[1]["resources"]
    by_name = {r["name"]: r for r in res}
    assert by_name["volumesnapshots"]["namespaced"] is True
    assert by_name["volumesnapshotclasses"]["namespaced"] is False
    assert "vsclass" in by_name["volumesnapshotclasses"]["shortNames"]
    assert "watch" in by_name["volumesnapshots"]["verbs"]
    assert "volumesnapshots/status" in by_name
    core = {r["name"] for r in call(sim, "GET", "/api/v1")[1]["resources"]}
    assert {"namespaces", "secrets", "persistentvolumeclaims", "events"} <= core


def test_openapi_v3_lists_group_versions_and_schemas(sim: SimCluster) -> None:
    root = call(sim, "GET", "/openapi/v3")[1]["paths"]
    url = root["apis/virtualization.deckhouse.io/v1alpha2"]["serverRelativeURL"]
    doc = call(sim, "GET", url)[1]
    schemas = doc["components"]["schemas"]
    assert "io.deckhouse.virtualization.v1alpha2.VirtualDiskSnapshot" in schemas
    patch = doc["paths"]["/apis/virtualization.deckhouse.io/v1alpha2/namespaces/{namespace}/"
                         "virtualdisksnapshots/{name}"]["patch"]
    assert any(p["name"] == "fieldValidation" for p in patch["parameters"])


def test_create_assigns_identity_and_conflicts_on_duplicates(sim: SimCluster) -> None:
    status, obj, _ = call(sim, "POST", VSCLASSES, vsclass("a"))
    assert status == 201
    meta = obj["metadata"]
    assert meta["uid"] and meta["creationTimestamp"] and meta["generation"] == 1
    assert int(meta["resourceVersion"]) > 0
    status, body, _ = call(sim, "POST", VSCLASSES, vsclass("a"))
    assert status == 409 and body["reason"] == "AlreadyExists"
    assert body["message"] == 'volumesnapshotclasses.snapshot.storage.k8s.io "a" already exists'


def test_generate_name(sim: SimCluster) -> None:
    status, obj, _ = call(sim, "POST", VS, vs("", generateName="snap-"))
    assert status == 201
    assert obj["metadata"]["name"].startswith("snap-") and len(obj["metadata"]["name"]) == 10


def test_invalid_names_and_schema_violations_give_422_with_causes(sim: SimCluster) -> None:
    status, body, _ = call(sim, "POST", VSCLASSES, vsclass("Bad_Name"))
    assert status == 422 and body["reason"] == "Invalid"
    assert body["details"]["causes"][0]["field"] == "metadata.name"
    bad = vsclass("x")
    bad["deletionPolicy"] = "Sometimes"
    status, body, _ = call(sim, "POST", VSCLASSES, bad)
    assert status == 422
    assert any(c["field"] == "deletionPolicy" for c in body["details"]["causes"])


def test_put_with_stale_resource_version_is_a_conflict(sim: SimCluster) -> None:
    _, obj, _ = call(sim, "POST", VSCLASSES, vsclass("a"))
    fresh = dict(obj, parameters={"x": "1"})
    status, updated, _ = call(sim, "PUT", f"{VSCLASSES}/a", fresh)
    assert status == 200 and updated["parameters"] == {"x": "1"}
    stale = dict(obj, parameters={"x": "2"})
    status, body, _ = call(sim, "PUT", f"{VSCLASSES}/a", stale)
    assert status == 409 and body["reason"] == "Conflict"
    assert "the object has been modified" in body["message"]
    assert call(sim, "GET", f"{VSCLASSES}/a")[1]["parameters"] == {"x": "1"}


def test_patch_kinds(sim: SimCluster) -> None:
    call(sim, "POST", VSCLASSES, vsclass("a"))
    status, obj, _ = call(sim, "PATCH", f"{VSCLASSES}/a", {"metadata": {"labels": {"k": "v"}}},
                          ctype="application/merge-patch+json")
    assert status == 200 and obj["metadata"]["labels"] == {"k": "v"}
    status, obj, _ = call(sim, "PATCH", f"{VSCLASSES}/a", [{"op": "add", "path": "/parameters",
                                                            "value": {"a": "b"}}],
                          ctype="application/json-patch+json")
    assert status == 200 and obj["parameters"] == {"a": "b"}
    status, body, _ = call(sim, "PATCH", f"{VSCLASSES}/a", {"parameters": {"c": "d"}},
                           ctype="application/strategic-merge-patch+json")
    assert status == 415 and body["reason"] == "UnsupportedMediaType"
    status, _, _ = call(sim, "PATCH", "/api/v1/namespaces/default", {"metadata": {"labels": {"a": "b"}}},
                        ctype="application/strategic-merge-patch+json")
    assert status == 200


def test_no_op_writes_keep_the_resource_version(sim: SimCluster) -> None:
    _, obj, _ = call(sim, "POST", VSCLASSES, vsclass("a"))
    status, same, _ = call(sim, "PUT", f"{VSCLASSES}/a", obj)
    assert status == 200 and same["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]


def test_status_subresource_is_kept_apart_and_generation_counts_spec_changes(sim: SimCluster) -> None:
    _, obj, _ = call(sim, "POST", VS, dict(vs("s1"), status={"readyToUse": True}))
    assert "status" not in obj
    obj["status"] = {"readyToUse": True}
    _, after_status, _ = call(sim, "PUT", f"{VS}/s1/status", obj)
    assert after_status["status"] == {"readyToUse": True}
    assert after_status["metadata"]["generation"] == 1
    after_status["status"] = {"readyToUse": False}
    after_status["spec"]["volumeSnapshotClassName"] = "other"
    _, after_main, _ = call(sim, "PUT", f"{VS}/s1", after_status)
    assert after_main["status"] == {"readyToUse": True}
    assert after_main["metadata"]["generation"] == 2
    _, labelled, _ = call(sim, "PATCH", f"{VS}/s1", {"metadata": {"labels": {"a": "b"}}},
                          ctype="application/merge-patch+json")
    assert labelled["metadata"]["generation"] == 2


def test_dry_run_validates_without_storing(sim: SimCluster) -> None:
    before = sim.store.rv
    status, obj, _ = call(sim, "POST", VSCLASSES + "?dryRun=All", vsclass("dry"))
    assert status == 201 and obj["metadata"]["name"] == "dry"
    assert call(sim, "GET", f"{VSCLASSES}/dry")[0] == 404
    assert sim.store.rv == before
    status, _, _ = call(sim, "POST", VSCLASSES + "?dryRun=All", vsclass("Bad_Name"))
    assert status == 422


def test_field_validation_strict_warn_ignore(sim: SimCluster) -> None:
    body = vsclass("a")
    body["surprise"] = 1
    status, err, _ = call(sim, "POST", VSCLASSES + "?fieldValidation=Strict", body)
    assert status == 400 and 'unknown field "surprise"' in err["message"]
    status, obj, headers = call(sim, "POST", VSCLASSES + "?fieldValidation=Warn", body)
    assert status == 201 and "surprise" not in obj
    assert 'unknown field \\"surprise\\"' in headers["Warning"] or 'unknown field "surprise"' in headers["Warning"]
    body["metadata"]["name"] = "b"
    status, obj, headers = call(sim, "POST", VSCLASSES + "?fieldValidation=Ignore", body)
    assert status == 201 and "surprise" not in obj and headers.get("Warning") is None


def test_delete_with_finalizers_and_preconditions(sim: SimCluster) -> None:
    _, obj, _ = call(sim, "POST", VSCLASSES, vsclass("a", finalizers=["example.com/hold"]))
    status, body, _ = call(sim, "DELETE", f"{VSCLASSES}/a", {"preconditions": {"uid": "not-it"}})
    assert status == 409 and "Precondition failed" in body["message"]
    status, body, _ = call(sim, "DELETE", f"{VSCLASSES}/a", {"preconditions": {"uid": obj["metadata"]["uid"]}})
    assert status == 200 and body["metadata"]["deletionTimestamp"]
    still = call(sim, "GET", f"{VSCLASSES}/a")[1]
    still["metadata"]["finalizers"] = []
    assert call(sim, "PUT", f"{VSCLASSES}/a", still)[0] == 200
    assert call(sim, "GET", f"{VSCLASSES}/a")[0] == 404


@pytest.mark.parametrize("policy", ["Background", "Foreground"])
def test_owner_reference_garbage_collection(sim: SimCluster, policy: str) -> None:
    _, owner, _ = call(sim, "POST", VS, vs("owner"))
    ref = {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot", "name": "owner",
           "uid": owner["metadata"]["uid"], "controller": True}
    call(sim, "POST", VS, vs("child", ownerReferences=[ref]))
    status, _, _ = call(sim, "DELETE", f"{VS}/owner", {"propagationPolicy": policy})
    assert status == 200
    assert call(sim, "GET", f"{VS}/child")[0] == 404
    assert call(sim, "GET", f"{VS}/owner")[0] == 404


def test_orphan_propagation_keeps_dependents(sim: SimCluster) -> None:
    _, owner, _ = call(sim, "POST", VS, vs("owner"))
    ref = {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot", "name": "owner",
           "uid": owner["metadata"]["uid"]}
    call(sim, "POST", VS, vs("child", ownerReferences=[ref]))
    call(sim, "DELETE", f"{VS}/owner", {"propagationPolicy": "Orphan"})
    status, child, _ = call(sim, "GET", f"{VS}/child")
    assert status == 200 and not child["metadata"].get("ownerReferences")


@pytest.mark.parametrize(
    ("method", "path", "raw", "ctype", "code"),
    [
        ("POST", VSCLASSES, b"{not json", "application/json", 400),
        ("POST", VSCLASSES, b'{"apiVersion":"v9","kind":"Nope","metadata":{"name":"x"}}', "application/json", 400),
        ("POST", VSCLASSES, b"[1,2,3]", "application/json", 400),
        ("GET", "/apis/nope.example.com/v1/things", None, "application/json", 404),
        ("GET", "/definitely/not/a/path", None, "application/json", 404),
        ("POST", VSCLASSES, b"x" * (4 * 1024 * 1024), "application/json", 413),
    ],
)
def test_bad_input_gets_a_status_not_a_crash(sim: SimCluster, method: str, path: str, raw: bytes | None,
                                              ctype: str, code: int) -> None:
    status, body, _ = call(sim, method, path, raw=raw, ctype=ctype)
    assert status == code
    assert body["kind"] == "Status" and body["code"] == code
    assert call(sim, "GET", "/version")[0] == 200


def test_namespace_must_exist(sim: SimCluster) -> None:
    status, body, _ = call(sim, "POST", "/apis/snapshot.storage.k8s.io/v1/namespaces/nope/volumesnapshots",
                           vs("x"))
    assert status == 404 and body["message"] == 'namespaces "nope" not found'
