"""The data layer against the simulator over HTTP, through every fault it must survive (F1–F16)."""

from __future__ import annotations

import itertools
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import wait_for
from tui.kube import kinds
from tui.kube.client import KubeClient
from tui.kube.reflector import Reflector, Tuning
from tui.kube.store import DENIED, LIVE, NOT_SERVED, RECONNECTING, STALE, Cache
from tui.sim.cluster import SimCluster

VS = kinds.BY_ID["vs"]
FAST = Tuning(page_size=50, watch_timeout=30, watch_read_timeout=3, stale_after=1.0)


def vs(name: str, ns: str = "default", **labels: str) -> dict[str, Any]:
    return {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
            "metadata": {"name": name, "namespace": ns, "labels": labels},
            "spec": {"source": {"persistentVolumeClaimName": "pvc"}}}


def server_uids(sim: SimCluster) -> dict[str, str]:
    return {o["metadata"]["uid"]: o["metadata"]["resourceVersion"] for o in sim.list("VolumeSnapshot")}


@pytest.fixture
def client(sim: SimCluster) -> Iterator[KubeClient]:
    c = KubeClient([sim.kubeconfig_path], watch_read_timeout=3)
    yield c
    c.close()


def start(client: KubeClient, cache: Cache, ns: str = "", tuning: Tuning = FAST) -> Reflector:
    r = Reflector(client, VS, cache, ns, tuning=tuning, rng=random.Random(1))
    r.start()
    return r


@pytest.fixture
def reflectors() -> Iterator[list[Reflector]]:
    rs: list[Reflector] = []
    yield rs
    for r in rs:
        r.stop()
        r.join(2)


def converged(sim: SimCluster, cache: Cache) -> bool:
    return cache.uids("vs") == server_uids(sim)


def test_initial_sync_is_one_paged_list_and_one_watch_from_its_rv(sim: SimCluster, client: KubeClient,
                                                                   reflectors: list[Reflector]) -> None:
    for i in range(120):
        sim.apply(vs(f"s{i:03d}"))
    cache = Cache()
    r = start(client, cache)
    reflectors.append(r)
    wait_for(lambda: converged(sim, cache) and cache.link("vs").state == LIVE)
    lists = [q for q in sim.requests if q.path.endswith("/volumesnapshots") and not q.watch]
    assert len(lists) == 3  # 120 objects in pages of 50
    wait_for(lambda: r.watch_count == 1)
    sim.apply(vs("late"))
    wait_for(lambda: converged(sim, cache))


def test_no_event_lost_between_list_and_watch(sim: SimCluster, client: KubeClient,
                                             reflectors: list[Reflector]) -> None:
    for i in range(200):
        sim.apply(vs(f"s{i:03d}"))
    sim.faults.page_delay = 0.05
    cache = Cache()
    reflectors.append(start(client, cache))
    for i in range(50):
        sim.apply({**vs(f"s{i:03d}"), "metadata": {"name": f"s{i:03d}", "namespace": "default",
                                                   "labels": {"m": str(i)}}})
    wait_for(lambda: converged(sim, cache))


def test_f1_restart_resumes_the_watch_without_relisting(sim: SimCluster, client: KubeClient,
                                                        reflectors: list[Reflector]) -> None:
    sim.apply(vs("a"))
    cache = Cache()
    r = start(client, cache)
    reflectors.append(r)
    wait_for(lambda: cache.link("vs").state == LIVE and r.watch_count == 1)
    sim.faults.refuse(3.0)
    wait_for(lambda: cache.link("vs").state in (RECONNECTING, STALE), timeout=3)
    assert cache.uids("vs")  # last data kept while the link is down
    sim.apply(vs("b"))
    wait_for(lambda: converged(sim, cache), timeout=20)
    assert r.list_rvs == [""]  # exactly one list in total
    unhealthy = [q for q in sim.requests if q.path.endswith("volumesnapshots")]
    assert len(unhealthy) <= 8


def test_f2_f4_compaction_relists_once_with_synthetic_deletes(sim: SimCluster, client: KubeClient,
                                                               reflectors: list[Reflector]) -> None:
    for n in "abc":
        sim.apply(vs(n))
    cache = Cache()
    r = start(client, cache)
    reflectors.append(r)
    wait_for(lambda: converged(sim, cache) and r.watch_count == 1)
    sim.faults.refuse(1.5)  # an API server restart ...
    sim.delete("VolumeSnapshot", "default", "a")
    sim.apply(vs("d"))
    sim.faults.compact()  # ... that comes back with the client's last RV compacted away
    wait_for(lambda: converged(sim, cache), timeout=20)
    assert "a" not in {o.metadata.name for o in cache.snapshot().of("vs").values()}  # a synthetic delete
    # one relist sequence: first from the last RV (too old now), then a fresh consistent list
    assert r.list_rvs[0] == "" and r.list_rvs[1] != "" and r.list_rvs[2:] == [""]


def test_f4_in_band_410_gives_exactly_one_relist(sim: SimCluster, client: KubeClient,
                                                 reflectors: list[Reflector]) -> None:
    sim.apply(vs("a"))
    cache = Cache()
    r = start(client, cache)
    reflectors.append(r)
    wait_for(lambda: r.watch_count == 1)
    sim.faults.fail(410, times=1, watch=True, as_event=True)
    sim.faults.drop_watches()
    wait_for(lambda: len(r.list_rvs) == 2 and cache.link("vs").state == LIVE)
    time.sleep(0)  # no further relist expected; checked below after more traffic
    sim.apply(vs("b"))
    wait_for(lambda: converged(sim, cache))
    assert len(r.list_rvs) == 2


def test_f5_expired_continue_restarts_the_list(sim: SimCluster, client: KubeClient,
                                               reflectors: list[Reflector]) -> None:
    for i in range(150):
        sim.apply(vs(f"s{i:03d}"))
    sim.faults.expire_continue = 1
    cache = Cache()
    r = start(client, cache)
    reflectors.append(r)
    wait_for(lambda: converged(sim, cache) and cache.link("vs").state == LIVE)
    assert r.list_rvs == ["", ""]


def test_f6_429_retry_after_is_honoured_without_relist(sim: SimCluster, client: KubeClient,
                                                       reflectors: list[Reflector]) -> None:
    sim.apply(vs("a"))
    cache = Cache()
    r = start(client, cache)
    reflectors.append(r)
    wait_for(lambda: r.watch_count == 1)
    sim.faults.fail(429, times=1, retry_after=2, watch=True)
    t0 = time.monotonic()
    sim.faults.drop_watches()
    wait_for(lambda: cache.link("vs").throttled, timeout=3)
    wait_for(lambda: r.watch_count == 3, timeout=10)
    watches = [q for q in sim.requests if q.watch]
    throttled = next(i for i, q in enumerate(watches) if q.status == 429)
    assert watches[throttled + 1].at - watches[throttled].at >= 2.0
    assert r.list_rvs == [""] and time.monotonic() - t0 >= 2.0


def test_f7_500s_back_off_without_relist(sim: SimCluster, client: KubeClient, reflectors: list[Reflector]) -> None:
    sim.apply(vs("a"))
    cache = Cache()
    r = start(client, cache)
    reflectors.append(r)
    wait_for(lambda: r.watch_count == 1)
    sim.faults.fail(500, times=4, watch=True)
    sim.faults.drop_watches()
    sim.apply(vs("b"))
    wait_for(lambda: converged(sim, cache), timeout=30)
    assert r.list_rvs == [""]
    watches = [q for q in sim.requests if q.watch]
    gaps = [b.at - a.at for a, b in itertools.pairwise(watches)]
    assert gaps and min(gaps) >= 0.35  # backoff from 0.8 s with jitter, never a hot loop


def test_f8_very_short_watches_count_as_errors(sim: SimCluster, client: KubeClient,
                                               reflectors: list[Reflector]) -> None:
    sim.apply(vs("a"))
    sim.faults.short_watches = 50
    cache = Cache()
    t0 = time.time()
    reflectors.append(start(client, cache))
    time.sleep(5)  # a rate measurement over a fixed window, not a synchronisation
    watches = [q for q in sim.requests if q.watch and q.at >= t0]
    assert len(watches) <= 6


def test_f3_half_open_stream_detected_within_the_read_timeout(sim: SimCluster, client: KubeClient,
                                                              reflectors: list[Reflector]) -> None:
    sim.apply(vs("a"))
    cache = Cache()
    r = start(client, cache)
    reflectors.append(r)
    wait_for(lambda: r.watch_count == 1 and cache.link("vs").state == LIVE)
    sim.faults.stall(True)
    t0 = time.monotonic()
    wait_for(lambda: cache.link("vs").state in (RECONNECTING, STALE), timeout=6)
    assert time.monotonic() - t0 <= 5
    sim.faults.stall(False)
    sim.apply(vs("b"))
    wait_for(lambda: converged(sim, cache) and cache.link("vs").state == LIVE, timeout=15)
    assert r.list_rvs == [""]


def test_f13_garbage_line_is_dropped_and_the_watch_resumes(sim: SimCluster, client: KubeClient,
                                                           reflectors: list[Reflector]) -> None:
    sim.apply(vs("a"))
    cache = Cache()
    r = start(client, cache)
    reflectors.append(r)
    wait_for(lambda: r.watch_count == 1)
    sim.faults.garbage = 1
    sim.faults.drop_watches()
    sim.apply(vs("b"))
    wait_for(lambda: converged(sim, cache), timeout=15)
    assert r.list_rvs == [""]


def test_f14_kind_not_served_is_reported_once(sim: SimCluster, client: KubeClient,
                                              reflectors: list[Reflector]) -> None:
    cache = Cache()
    r = Reflector(client, kinds.BY_ID["vmrestore"], cache, tuning=FAST)  # removed on v1.10
    r.start()
    reflectors.append(r)
    r.join(5)
    assert cache.link("vmrestore").state == NOT_SERVED
    assert len([q for q in sim.requests if "virtualmachinerestores" in q.path]) == 1


def test_f11_forbidden_cluster_wide_list_reports_denied(sim: SimCluster, client: KubeClient,
                                                         reflectors: list[Reflector]) -> None:
    sim.policy.forbid(verbs=("list", "watch"), resource="volumesnapshots", namespace="")
    cache = Cache()
    denied: list[str] = []
    r = Reflector(client, VS, cache, tuning=FAST, on_denied=lambda ref, e: denied.append(e.message))
    r.start()
    reflectors.append(r)
    r.join(5)
    assert cache.link("vs").state == DENIED
    assert denied and "cannot list resource" in denied[0]
    before = len(sim.requests)
    time.sleep(1)  # nothing may retry a 403 in a loop; measured over a window
    assert len(sim.requests) == before


def test_f15_event_storm_final_state_exact_and_memory_flat(sim: SimCluster, client: KubeClient,
                                                           reflectors: list[Reflector]) -> None:
    import tracemalloc

    for i in range(100):
        sim.apply(vs(f"s{i:03d}"))
    cache = Cache()
    r = start(client, cache)
    reflectors.append(r)
    wait_for(lambda: r.watch_count == 1 and converged(sim, cache))
    cache.drain()

    def storm(round_: int) -> None:
        for i in range(100):
            sim.apply({**vs(f"s{i:03d}"), "metadata": {"name": f"s{i:03d}", "namespace": "default",
                                                       "labels": {"round": str(round_)}}})

    storm(0)
    wait_for(lambda: converged(sim, cache), timeout=30)
    cache.drain()
    tracemalloc.start()
    only_client = [tracemalloc.Filter(True, "*/tui/kube/*")]  # the simulator shares this process
    before = tracemalloc.take_snapshot().filter_traces(only_client)
    for round_ in range(1, 20):
        storm(round_)
    wait_for(lambda: converged(sim, cache), timeout=30)
    assert cache.pending() <= 100  # the feed is coalesced by UID: never more than one entry per object
    cache.drain()
    after = tracemalloc.take_snapshot().filter_traces(only_client)
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    tracemalloc.stop()
    assert cache.count("vs") == 100
    assert 0 < grown < 1_000_000, f"{grown} bytes retained after 1,900 events on 100 objects"


def test_f16_stop_with_an_open_watch_returns_quickly(sim: SimCluster, client: KubeClient) -> None:
    cache = Cache()
    r = start(client, cache)
    wait_for(lambda: r.watch_count == 1)
    t0 = time.monotonic()
    r.stop()
    r.join(2)
    assert not r.is_alive() and time.monotonic() - t0 < 1.0


def test_kube_package_never_loads_textual() -> None:
    code = "import sys, tui.kube.session, tui.kube.reflector; print('textual' in sys.modules, 'rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2], env={**os.environ})
    assert out.stdout.strip() == "False False"
