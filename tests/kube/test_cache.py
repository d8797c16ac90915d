"""The live cache: never an older state (I1), synthetic deletes on relist, a coalesced feed, one wake."""

from __future__ import annotations

import json

from tui.kube import objects
from tui.kube.store import LIVE, STALE, Cache


def vm(name: str, uid: str, rv: int, phase: str = "Running") -> objects.KubeObject:
    doc = {"metadata": {"name": name, "namespace": "ns", "uid": uid, "resourceVersion": str(rv)},
           "status": {"phase": phase}}
    return objects.decode_object("vm", json.dumps(doc).encode())


def test_an_older_resource_version_never_replaces_a_newer_one() -> None:
    cache = Cache()
    assert cache.upsert("vm", vm("a", "u1", 10, "Running"))
    assert not cache.upsert("vm", vm("a", "u1", 9, "Stopped"))
    assert not cache.upsert("vm", vm("a", "u1", 10, "Stopped"))
    assert cache.snapshot().of("vm")["u1"].phase == "Running"


def test_retain_emits_synthetic_deletes_only_in_scope() -> None:
    cache = Cache()
    cache.upsert_many("vm", [vm("a", "u1", 1), vm("b", "u2", 2)])
    other = objects.decode_object("vm", json.dumps({"metadata": {"name": "c", "namespace": "other", "uid": "u3",
                                                                 "resourceVersion": "3"}}).encode())
    cache.upsert("vm", other)
    cache.drain()
    assert cache.retain("vm", "ns", {"u1"}) == 1
    assert cache.drain() == {"u2": ("vm", None)}
    assert set(cache.uids("vm")) == {"u1", "u3"}


def test_feed_is_coalesced_and_wakes_once_per_batch() -> None:
    wakes: list[int] = []
    cache = Cache(on_wake=lambda: wakes.append(1))
    for rv in range(1, 50):
        cache.upsert("vm", vm("a", "u1", rv))
    assert len(wakes) == 1 and cache.pending() == 1
    assert cache.drain()["u1"][1].metadata.resource_version == "49"
    cache.set_link("vm", "", LIVE)
    assert len(wakes) == 2  # a link change alone wakes the UI too
    assert cache.drain() == {}


def test_snapshots_are_immutable_views() -> None:
    cache = Cache()
    cache.upsert("vm", vm("a", "u1", 1))
    snap = cache.snapshot()
    cache.upsert("vm", vm("b", "u2", 2))
    assert set(snap.of("vm")) == {"u1"} and set(cache.snapshot().of("vm")) == {"u1", "u2"}
    cache.set_link("vm", "", STALE, "connection refused")
    link = cache.link("vm")
    assert link is not None and link.describe().startswith("stale since") and "connection refused" in link.describe()


def _in(ns: str, name: str, uid: str, rv: int) -> objects.KubeObject:
    doc = {"metadata": {"name": name, "namespace": ns, "uid": uid, "resourceVersion": str(rv)}}
    return objects.decode_object("vm", json.dumps(doc).encode())


def test_the_namespace_index_follows_upserts_deletes_and_relists() -> None:
    cache = Cache()
    cache.upsert_many("vm", [_in("a", "x", "u1", 1), _in("a", "y", "u2", 2), _in("b", "z", "u3", 3)])
    before = cache.snapshot()
    assert set(before.in_namespace("vm", "a")) == {"u1", "u2"} and set(before.in_namespace("vm", "b")) == {"u3"}
    assert before.namespaces({"vm"}) == {"a", "b"} and before.namespaces({"vd"}) == set()
    cache.remove("vm", "u3")
    cache.upsert("vm", _in("a", "x", "u1", 4))
    cache.retain("vm", "a", {"u1"})
    after = cache.snapshot()
    assert dict(after.in_namespace("vm", "a")) == {"u1": after.of("vm")["u1"]}
    assert after.in_namespace("vm", "a")["u1"].metadata.resource_version == "4"
    assert after.namespaces({"vm"}) == {"a"} and not after.in_namespace("vm", "b")
    assert set(before.in_namespace("vm", "a")) == {"u1", "u2"}  # an older snapshot never changes
    assert before.in_namespace("vm", "a")["u1"].metadata.resource_version == "1"


def test_a_cluster_scoped_kind_is_seen_from_every_namespace() -> None:
    cache = Cache()
    sc = objects.decode_object("sc", json.dumps({"metadata": {"name": "fast", "uid": "s1",
                                                              "resourceVersion": "1"}}).encode())
    cache.upsert("sc", sc)
    snap = cache.snapshot()
    assert set(snap.in_namespace("sc", "any")) == {"s1"} and snap.namespaces({"sc"}) == set()
