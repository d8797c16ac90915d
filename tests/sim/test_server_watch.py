"""Watches over HTTP: RV semantics, replay, 410 after compaction, bookmarks, timeouts, faults."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.sim.http import call
from tests.sim.test_server_basics import VS, vs
from tui.sim.cluster import SimCluster


class Stream:
    """A watch request read line by line on a background thread."""

    def __init__(self, sim: SimCluster, query: str, accept: str = "application/json") -> None:
        req = urllib.request.Request(f"{sim.url}{VS}?watch=true&{query}")
        req.add_header("Authorization", f"Bearer {sim.token}")
        req.add_header("Accept", accept)
        self.events: list[dict[str, Any]] = []
        self.done = threading.Event()
        self.error: Exception | None = None
        self._sim = sim
        self._resp = urllib.request.urlopen(req, timeout=10, context=sim.client_ssl())
        self.status = self._resp.status
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for line in self._resp:
                self.events.append(json.loads(line))
        except Exception as e:
            self.error = e
        finally:
            self.done.set()

    def types(self) -> list[tuple[str, str]]:
        return [(e["type"], e["object"].get("metadata", {}).get("name", "")) for e in self.events]

    def close(self) -> None:
        self._sim.faults.drop_watches()  # ends the server side, so the reader thread lets go
        self.done.wait(5)
        self._resp.close()


@pytest.fixture
def streams() -> Iterator[list[Stream]]:
    opened: list[Stream] = []
    yield opened
    for s in opened:
        s.close()


def open_stream(streams: list[Stream], sim: SimCluster, query: str, **kw: Any) -> Stream:
    s = Stream(sim, query, **kw)
    streams.append(s)
    return s


def test_watch_from_rv_replays_later_changes_then_follows(sim: SimCluster, streams: list[Stream]) -> None:
    call(sim, "POST", VS, vs("a"))
    rv = sim.store.rv
    call(sim, "POST", VS, vs("b"))
    call(sim, "PATCH", f"{VS}/a", {"metadata": {"labels": {"x": "1"}}}, ctype="application/merge-patch+json")
    s = open_stream(streams, sim, f"resourceVersion={rv}")
    wait_for(lambda: len(s.events) == 2)
    call(sim, "DELETE", f"{VS}/b")
    wait_for(lambda: len(s.events) == 3)
    assert s.types() == [("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "b")]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in s.events]
    assert rvs == sorted(rvs) and rvs[0] > rv


def test_watch_without_rv_starts_with_the_current_state(sim: SimCluster, streams: list[Stream]) -> None:
    call(sim, "POST", VS, vs("a"))
    s = open_stream(streams, sim, "resourceVersion=0")
    wait_for(lambda: s.types() == [("ADDED", "a")])


def test_watch_from_a_compacted_rv_gets_an_in_band_410(sim: SimCluster, streams: list[Stream]) -> None:
    call(sim, "POST", VS, vs("a"))
    rv = sim.store.rv
    call(sim, "POST", VS, vs("b"))
    sim.faults.compact()
    s = open_stream(streams, sim, f"resourceVersion={rv}")
    assert s.status == 200
    wait_for(s.done.is_set)
    assert len(s.events) == 1 and s.events[0]["type"] == "ERROR"
    assert s.events[0]["object"]["code"] == 410 and s.events[0]["object"]["reason"] == "Expired"


def test_bookmarks_carry_the_latest_rv(sim: SimCluster, streams: list[Stream]) -> None:
    call(sim, "POST", VS, vs("a"))
    s = open_stream(streams, sim, f"resourceVersion={sim.store.rv}&allowWatchBookmarks=true")
    call(sim, "POST", VS, vs("b"))
    marks = wait_for(lambda: [e for e in s.events if e["type"] == "BOOKMARK"], timeout=5)
    assert int(marks[0]["object"]["metadata"]["resourceVersion"]) >= sim.store.rv
    assert s.events[0]["type"] == "ADDED"


def test_send_initial_events_ends_with_the_marked_bookmark(sim: SimCluster, streams: list[Stream]) -> None:
    call(sim, "POST", VS, vs("a"))
    s = open_stream(streams, sim, "sendInitialEvents=true&allowWatchBookmarks=true&"
                                  "resourceVersionMatch=NotOlderThan")
    wait_for(lambda: len(s.events) >= 2)
    assert s.events[0]["type"] == "ADDED"
    assert s.events[1]["type"] == "BOOKMARK"
    assert s.events[1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_timeout_seconds_ends_the_watch(sim: SimCluster, streams: list[Stream]) -> None:
    s = open_stream(streams, sim, f"resourceVersion={sim.store.rv}&timeoutSeconds=1")
    t0 = time.monotonic()
    assert s.done.wait(5)
    assert 0.8 < time.monotonic() - t0 < 3 and s.error is None


def test_label_selector_transitions_become_added_and_deleted(sim: SimCluster, streams: list[Stream]) -> None:
    call(sim, "POST", VS, vs("a"))
    s = open_stream(streams, sim, f"resourceVersion={sim.store.rv}&labelSelector=team%3Dx")
    for labels in ({"team": "x"}, {"team": "x", "more": "1"}, {"team": "y"}):
        call(sim, "PATCH", f"{VS}/a", {"metadata": {"labels": labels}}, ctype="application/merge-patch+json")
    wait_for(lambda: len(s.events) == 3)
    assert [t for t, _ in s.types()] == ["ADDED", "MODIFIED", "DELETED"]


def test_dropped_watches_end_and_can_resume_without_loss(sim: SimCluster, streams: list[Stream]) -> None:
    s = open_stream(streams, sim, f"resourceVersion={sim.store.rv}")
    call(sim, "POST", VS, vs("a"))
    wait_for(lambda: len(s.events) == 1)
    last = s.events[-1]["object"]["metadata"]["resourceVersion"]
    assert sim.faults.drop_watches() == 1
    assert s.done.wait(5)
    call(sim, "POST", VS, vs("b"))
    s2 = open_stream(streams, sim, f"resourceVersion={last}")
    wait_for(lambda: s2.types() == [("ADDED", "b")])


@pytest.mark.parametrize("code", [429, 500])
def test_injected_errors_on_watch_and_list(sim: SimCluster, code: int) -> None:
    sim.faults.fail(code, times=2, retry_after=3 if code == 429 else None, watch=True)
    for _ in range(2):
        status, body, headers = call(sim, "GET", f"{VS}?watch=true&resourceVersion=0&timeoutSeconds=1")
        assert status == code and body["code"] == code
        if code == 429:
            assert headers["Retry-After"] == "3"
    status, _, _ = call(sim, "GET", f"{VS}?watch=true&resourceVersion=0&timeoutSeconds=1")
    assert status == 200
    sim.faults.fail(code, times=1, method="GET", watch=False)
    assert call(sim, "GET", VS)[0] == code
    assert call(sim, "GET", VS)[0] == 200


def test_error_as_an_in_band_watch_event(sim: SimCluster, streams: list[Stream]) -> None:
    sim.faults.fail(410, times=1, watch=True, as_event=True)
    s = open_stream(streams, sim, "resourceVersion=5")
    wait_for(s.done.is_set)
    assert s.events[0]["type"] == "ERROR" and s.events[0]["object"]["code"] == 410


def test_short_watches_and_garbage(sim: SimCluster, streams: list[Stream]) -> None:
    sim.faults.short_watches = 1
    s = open_stream(streams, sim, f"resourceVersion={sim.store.rv}")
    assert s.done.wait(5) and s.events == []
    sim.faults.garbage = 1
    g = open_stream(streams, sim, f"resourceVersion={sim.store.rv}")
    assert g.done.wait(5) and g.events == []


def test_stall_holds_events_until_released(sim: SimCluster, streams: list[Stream]) -> None:
    s = open_stream(streams, sim, f"resourceVersion={sim.store.rv}")
    sim.faults.stall(True)
    sim.store.create(sim.registry.defs["snapshot.storage.k8s.io/v1/volumesnapshots"],
                     vs("held", namespace="default"))
    assert not s.done.wait(0.5) and s.events == []
    sim.faults.stall(False)
    wait_for(lambda: s.types() == [("ADDED", "held")])


def test_refuse_connections_then_come_back_with_the_same_history(sim: SimCluster) -> None:
    call(sim, "POST", VS, vs("a"))
    rv = sim.store.rv
    sim.faults.refuse(1.0)
    with pytest.raises(OSError):
        urllib.request.urlopen(sim.url + "/version", timeout=2, context=sim.client_ssl())
    wait_for(lambda: _up(sim), timeout=5)
    assert call(sim, "GET", f"{VS}/a")[0] == 200
    assert sim.store.changes_since(sim.registry.defs[
        "snapshot.storage.k8s.io/v1/volumesnapshots"].key, rv - 1)


def _up(sim: SimCluster) -> bool:
    try:
        return call(sim, "GET", "/version")[0] == 200
    except OSError:
        return False


def test_admin_endpoint_drives_faults_from_another_process(sim: SimCluster) -> None:
    status, _, _ = call(sim, "POST", "/_sim/faults", {"action": "fail", "args": {"status": 503, "times": 1,
                                                                                  "path": "volumesnapshots"}})
    assert status == 200
    assert call(sim, "GET", VS)[0] == 503
    assert call(sim, "POST", "/_sim/faults", {"action": "compact"})[0] == 200
    assert call(sim, "POST", "/_sim/faults", {"action": "nonsense"})[0] == 400
