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
