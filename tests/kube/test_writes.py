"""The single write path against the simulator: read-only, dry run, idempotency, RBAC, journal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.kube import kinds
from tui.kube.client import KubeClient
from tui.kube.writes import REQUEST_ID, Journal, ReadOnlyViolation, Writer
from tui.sim.cluster import SimCluster

VDS = kinds.BY_ID["vdsnapshot"]


def snap(name: str = "disk-snap", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "virtualization.deckhouse.io/v1alpha2", "kind": "VirtualDiskSnapshot",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"virtualDiskName": "disk", "requiredConsistency": True, **spec}}


@pytest.fixture
def client(sim: SimCluster) -> Iterator[KubeClient]:
    c = KubeClient([sim.kubeconfig_path])
    yield c
    c.close()


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.jsonl")


def lines(journal: Journal) -> list[dict[str, Any]]:
    return [json.loads(x) for x in journal.path.read_text().splitlines()]


def test_read_only_blocks_every_write_before_anything_is_sent(sim: SimCluster, client: KubeClient,
                                                              journal: Journal) -> None:
    w = Writer(client, readonly=True, journal=journal)
    before = len(sim.requests)
    for attempt in (lambda: w.dry_run(VDS, snap()), lambda: w.create(VDS, snap()),
                    lambda: w.delete(VDS, "default", "x", "uid")):
        with pytest.raises(ReadOnlyViolation):
            attempt()
    assert not w.permitted(VDS, "default").allowed
    assert [r for r in sim.requests[before:] if r.mutating] == []


def test_dry_run_then_create_with_request_id_and_journal(sim: SimCluster, client: KubeClient,
                                                          journal: Journal) -> None:
    w = Writer(client, journal=journal)
    dry = w.dry_run(VDS, snap())
    assert dry.ok and dry.dry_run and sim.get("VirtualDiskSnapshot", "default", "disk-snap") is None
    made = w.create(VDS, snap())
    assert made.ok and not made.recovered
    stored = sim.get("VirtualDiskSnapshot", "default", "disk-snap")
    assert stored["metadata"]["annotations"][REQUEST_ID] == made.request_id
    posts = [r for r in sim.requests if r.method == "POST" and "virtualdisksnapshots" in r.path]
    assert "dryRun=All" in posts[0].query and "fieldValidation=Strict" in posts[0].query
    assert "dryRun" not in posts[1].query and "fieldValidation=Strict" in posts[1].query
    rows = lines(journal)
    assert [(r["dry_run"], r["ok"]) for r in rows] == [(True, True), (False, True)]
    assert all("spec" not in r and sim.token not in json.dumps(r) for r in rows)


def test_a_lost_answer_is_resolved_by_request_id_with_one_object(sim: SimCluster, client: KubeClient,
                                                                  journal: Journal) -> None:
    w = Writer(client, journal=journal)
    sim.faults.drop_responses = 1
    made = w.create(VDS, snap())
    assert made.ok and made.recovered
    assert [o["metadata"]["name"] for o in sim.list("VirtualDiskSnapshot")] == ["disk-snap"]


def test_an_existing_object_of_someone_else_is_not_taken_for_ours(sim: SimCluster, client: KubeClient,
                                                                   journal: Journal) -> None:
    w = Writer(client, journal=journal)
    assert w.create(VDS, snap()).ok
    again = w.create(VDS, snap())
    assert not again.ok and again.reason == "AlreadyExists"


def test_schema_errors_read_like_kubectl(sim: SimCluster, client: KubeClient, journal: Journal) -> None:
    w = Writer(client, journal=journal)
    bad = snap("Bad_Name")
    out = w.dry_run(VDS, bad)
    assert not out.ok and out.code == 422
    text = out.kubectl_text("VirtualDiskSnapshot", "Bad_Name")
    assert text.startswith("Error from server (Invalid): ")
    assert "\n  metadata.name: Invalid value" in text
    unknown = w.dry_run(VDS, snap(volumeSnapshotClassName="x"))
    assert unknown.code == 400 and 'unknown field "spec.volumeSnapshotClassName"' in unknown.message


def test_rbac_disables_and_a_forced_403_is_shown_verbatim(sim: SimCluster, client: KubeClient,
                                                            journal: Journal) -> None:
    sim.policy.forbid(verbs=("create",), resource="virtualdisksnapshots")
    w = Writer(client, journal=journal)
    verdict = w.permitted(VDS, "default")
    assert not verdict.allowed and "create virtualdisksnapshots" in verdict.reason
    out = w.create(VDS, snap())
    assert not out.ok and out.code == 403
    assert out.message.startswith('virtualdisksnapshots.virtualization.deckhouse.io "disk-snap" is forbidden: '
                                  'User "admin" cannot create') or "is forbidden" in out.message


def test_delete_carries_the_uid_precondition(sim: SimCluster, client: KubeClient, journal: Journal) -> None:
    w = Writer(client, journal=journal)
    first = w.create(VDS, snap()).obj
    assert first is not None
    sim.delete("VirtualDiskSnapshot", "default", "disk-snap")
    assert w.create(VDS, snap()).ok  # recreated under the same name
    stale = w.delete(VDS, "default", "disk-snap", first["metadata"]["uid"])
    assert not stale.ok and stale.code == 409 and "Precondition failed" in stale.message
    assert sim.get("VirtualDiskSnapshot", "default", "disk-snap") is not None
