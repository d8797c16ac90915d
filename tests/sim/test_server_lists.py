"""Lists over HTTP: paging with continue tokens, selectors, Table responses, RBAC and SSAR."""

from __future__ import annotations

import json
from typing import Any

from tests.sim.http import call
from tests.sim.test_server_basics import VS, vs
from tui.sim.cluster import SimCluster


def make(sim: SimCluster, n: int, **labels: str) -> None:
    for i in range(n):
        assert call(sim, "POST", VS, vs(f"s{i:03d}", labels={"i": str(i % 3), **labels}))[0] == 201


def test_paged_list_is_one_consistent_snapshot(sim: SimCluster) -> None:
    make(sim, 25)
    status, page, _ = call(sim, "GET", VS + "?limit=10")
    assert status == 200 and len(page["items"]) == 10
    rv = page["metadata"]["resourceVersion"]
    assert page["metadata"]["remainingItemCount"] == 15
    call(sim, "POST", VS, vs("zzz-added-later"))
    names = [i["metadata"]["name"] for i in page["items"]]
    token = page["metadata"]["continue"]
    while token:
        status, page, _ = call(sim, "GET", f"{VS}?limit=10&continue={token}")
        assert status == 200 and page["metadata"]["resourceVersion"] == rv
        names += [i["metadata"]["name"] for i in page["items"]]
        token = page["metadata"].get("continue")
    assert names == [f"s{i:03d}" for i in range(25)]


def test_expired_continue_token_is_410(sim: SimCluster) -> None:
    make(sim, 5)
    page = call(sim, "GET", VS + "?limit=2")[1]
    sim.faults.expire_continue = 1
    status, body, _ = call(sim, "GET", f"{VS}?limit=2&continue={page['metadata']['continue']}")
    assert status == 410 and body["reason"] == "Expired"
    assert "continue parameter is too old" in body["message"]


def test_compaction_also_expires_continue_tokens(sim: SimCluster) -> None:
    make(sim, 5)
    page = call(sim, "GET", VS + "?limit=2")[1]
    call(sim, "POST", VS, vs("newer"))
    sim.faults.compact()
    assert call(sim, "GET", f"{VS}?limit=2&continue={page['metadata']['continue']}")[0] == 410


def names(sim: SimCluster, query: str) -> list[str]:
    status, body, _ = call(sim, "GET", f"{VS}?{query}")
    assert status == 200, body
    return [i["metadata"]["name"] for i in body["items"]]


def test_label_and_field_selectors(sim: SimCluster) -> None:
    make(sim, 6)
    call(sim, "POST", VS, vs("plain"))
    assert names(sim, "labelSelector=i%3D1") == ["s001", "s004"]
    assert names(sim, "labelSelector=i!%3D1") == ["plain", "s000", "s002", "s003", "s005"]
    assert names(sim, "labelSelector=i+in+(0,2)") == ["s000", "s002", "s003", "s005"]
    assert names(sim, "labelSelector=i+notin+(0,2)") == ["plain", "s001", "s004"]
    assert names(sim, "labelSelector=i") == [f"s{i:03d}" for i in range(6)]
    assert names(sim, "labelSelector=!i") == ["plain"]
    assert names(sim, "fieldSelector=metadata.name%3Ds003") == ["s003"]
    assert names(sim, "fieldSelector=metadata.namespace%3Ddefault,metadata.name!%3Ds003")[:2] == ["plain", "s000"]
    status, _body, _ = call(sim, "GET", f"{VS}?fieldSelector=spec.x%3D1")
    assert status == 400


def test_list_resource_version_semantics(sim: SimCluster) -> None:
    make(sim, 1)
    rv = sim.store.rv
    assert call(sim, "GET", f"{VS}?resourceVersion={rv + 100}")[0] == 504
    assert call(sim, "GET", f"{VS}?resourceVersion={rv}")[0] == 200
    call(sim, "POST", VS, vs("more"))
    sim.faults.compact()
    status, body, _ = call(sim, "GET", f"{VS}?resourceVersion={rv}&resourceVersionMatch=Exact")
    assert status == 410 and body["reason"] == "Expired"


def test_table_response_uses_printer_columns(sim: SimCluster) -> None:
    make(sim, 2)
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    status, table, _ = call(sim, "GET", VS, accept=accept)
    assert status == 200 and table["kind"] == "Table"
    cols = [c["name"] for c in table["columnDefinitions"]]
    assert cols[0] == "Name" and "Age" in cols
    assert table["rows"][0]["cells"][0] == "s000"
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"


def test_rbac_denies_with_the_apiserver_message_and_ssar_agrees(sim: SimCluster) -> None:
    sim.policy.add_token("alice-token", "alice")
    sim.policy.forbid(user="alice", verbs=("list",), group="snapshot.storage.k8s.io",
                      resource="volumesnapshots", namespace="")
    status, body, _ = call(sim, "GET", "/apis/snapshot.storage.k8s.io/v1/volumesnapshots", token="alice-token")
    assert status == 403 and body["reason"] == "Forbidden"
    assert body["message"] == ('volumesnapshots.snapshot.storage.k8s.io is forbidden: User "alice" cannot list '
                               'resource "volumesnapshots" in API group "snapshot.storage.k8s.io" at the '
                               "cluster scope")
    assert call(sim, "GET", VS, token="alice-token")[0] == 200

    def review(ns: str) -> Any:
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": {"verb": "list", "group": "snapshot.storage.k8s.io",
                                                "resource": "volumesnapshots", "namespace": ns}}}
        status, out, _ = call(sim, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", body,
                              token="alice-token")
        assert status == 201
        return out["status"]["allowed"]

    assert review("") is False
    assert review("default") is True


def test_request_log_records_every_request(sim: SimCluster) -> None:
    call(sim, "GET", VS)
    call(sim, "POST", VS, vs("x"))
    last = sim.requests[-2:]
    assert [(r.method, r.status) for r in last] == [("GET", 200), ("POST", 201)]
    assert last[1].mutating and not last[0].mutating
    status, body, _ = call(sim, "GET", "/_sim/requests")
    assert status == 200 and json.dumps(body).count('"POST"') >= 1
