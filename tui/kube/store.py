"""The live cache: projections by UID, per-kind immutable snapshots, a coalesced change feed, link state."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

Obj = Any  # a projection (tui.kube.objects.KubeObject)

SYNCING, LIVE, RECONNECTING, STALE, DENIED, NOT_SERVED, STOPPED = (
    "syncing", "live", "reconnecting", "stale", "denied", "not served", "stopped",
)


@dataclass(frozen=True)
class LinkState:
    """How fresh one reflector's data is: live / syncing (n of ~N) / reconnecting since T /
    stale since T (reason) / denied / not served."""

    state: str = SYNCING
    since: float = field(default_factory=time.time)  # wall-clock seconds of the last transition
    reason: str = ""
    loaded: int = 0
    expected: int | None = None
    throttled: bool = False

    def describe(self, now: float | None = None) -> str:
        age = int((now or time.time()) - self.since)
        if self.state == LIVE:
            return "live"
        if self.state == SYNCING:
            total = f" of ~{self.expected}" if self.expected else ""
            return f"syncing {self.loaded}{total}"
        if self.state in (RECONNECTING, STALE):
            why = f": {self.reason}" if self.reason else ""
            return f"{self.state} since {age}s{why}"
        return f"{self.state}{': ' + self.reason if self.reason else ''}"


def _rv(obj: Obj) -> int:
    text = obj.metadata.resource_version
    return int(text) if text.isdigit() else -1


@dataclass(frozen=True)
class Snapshot:
    """An immutable view for readers: kind id → {uid: projection}, and link states."""

    kinds: Mapping[str, Mapping[str, Obj]]
    links: Mapping[tuple[str, str], LinkState]
    version: int
    spaces: Mapping[tuple[str, str], Mapping[str, Obj]] = field(default_factory=dict)
    """(kind id, namespace) → {uid: projection}; "" holds a cluster-scoped kind's objects."""

    def of(self, kind_id: str) -> Mapping[str, Obj]:
        return self.kinds.get(kind_id, _EMPTY)

    def in_namespace(self, kind_id: str, namespace: str) -> Mapping[str, Obj]:
        """The kind's objects in `namespace` (a cluster-scoped kind: all of them), without a scan."""
        return self.spaces.get((kind_id, namespace)) or self.spaces.get((kind_id, ""), _EMPTY)

    def namespaces(self, kind_ids: frozenset[str] | set[str]) -> set[str]:
        """Namespaces holding at least one object of these kinds."""
        return {ns for (k, ns), objs in self.spaces.items() if k in kind_ids and ns and objs}


_EMPTY: Mapping[str, Obj] = MappingProxyType({})


class Cache:
    """Written by reflector threads, read by the UI through `snapshot()` and `drain()`."""

    def __init__(self, on_wake: Callable[[], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._kinds: dict[str, dict[str, Obj]] = {}
        self._frozen: dict[str, Mapping[str, Obj]] = {}
        self._spaces: dict[tuple[str, str], dict[str, Obj]] = {}
        self._frozen_spaces: dict[tuple[str, str], Mapping[str, Obj]] = {}
        self._links: dict[tuple[str, str], LinkState] = {}
        self._feed: dict[str, tuple[str, Obj | None]] = {}
        self._version = 0
        self.on_wake = on_wake

    # ---- writers -------------------------------------------------------------------------
    def upsert(self, kind_id: str, obj: Obj) -> bool:
        """Store a newer state of an object; an older or equal resourceVersion is ignored (invariant I1)."""
        uid = obj.metadata.uid
        with self._lock:
            items = self._kinds.setdefault(kind_id, {})
            cur = items.get(uid)
            if cur is not None and 0 <= _rv(obj) <= _rv(cur):
                return False
            items[uid] = obj
            self._place(kind_id, uid, cur, obj)
        return True

    def upsert_many(self, kind_id: str, objs: list[Obj]) -> None:
        with self._lock:
            items = self._kinds.setdefault(kind_id, {})
            for obj in objs:
                uid = obj.metadata.uid
                cur = items.get(uid)
                if cur is not None and 0 <= _rv(obj) <= _rv(cur):
                    continue
                items[uid] = obj
                self._place(kind_id, uid, cur, obj)

    def remove(self, kind_id: str, uid: str) -> bool:
        with self._lock:
            cur = self._kinds.get(kind_id, {}).pop(uid, None)
            if cur is None:
                return False
            self._place(kind_id, uid, cur, None)
        return True

    def retain(self, kind_id: str, namespace: str | None, seen: set[str]) -> int:
        """After a full list: drop objects of the kind (in `namespace`, or all) not seen in it,
        as synthetic deletes. Returns how many were dropped."""
        with self._lock:
            items = self._kinds.setdefault(kind_id, {})
            gone = [uid for uid, o in items.items()
                    if uid not in seen and (namespace is None or o.metadata.namespace == namespace)]
            for uid in gone:
                self._place(kind_id, uid, items.pop(uid), None)
        return len(gone)

    def set_link(self, kind_id: str, scope: str, state: str, reason: str = "", **kw: Any) -> None:
        """Record a reflector's link state; the timestamp moves only when the state itself changes."""
        with self._lock:
            cur = self._links.get((kind_id, scope))
            if cur is not None and cur.state == state:
                new = replace(cur, reason=reason or cur.reason, **kw)
            else:
                new = LinkState(state=state, reason=reason, **kw)
            if new == cur:
                return
            self._links[(kind_id, scope)] = new
            self._version += 1
            wake = not self._feed
            self._feed.setdefault("", ("", None))  # a link-only change still wakes the UI
        if wake and self.on_wake:
            self.on_wake()

    def drop_link(self, kind_id: str, scope: str) -> None:
        with self._lock:
            self._links.pop((kind_id, scope), None)
            self._version += 1

    def _place(self, kind_id: str, uid: str, old: Obj | None, new: Obj | None) -> None:
        """Keep the per-namespace index in step (an object never changes namespace), then record the change."""
        either = new if new is not None else old
        assert either is not None
        ns = either.metadata.namespace
        key = (kind_id, ns)
        bucket = self._spaces.setdefault(key, {})
        if new is None:
            bucket.pop(uid, None)
            if not bucket:
                del self._spaces[key]
        else:
            bucket[uid] = new
        self._frozen_spaces.pop(key, None)
        self._changed(kind_id, uid, new)

    def _changed(self, kind_id: str, uid: str, obj: Obj | None) -> None:
        self._frozen.pop(kind_id, None)
        self._version += 1
        wake = not self._feed
        self._feed[uid] = (kind_id, obj)
        if wake and self.on_wake:
            # called under the lock: on_wake must only schedule work (call_from_thread), never read back
            self.on_wake()

    # ---- readers -------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        with self._lock:
            for kind_id, items in self._kinds.items():
                if kind_id not in self._frozen:
                    self._frozen[kind_id] = MappingProxyType(dict(items))
            for key, bucket in self._spaces.items():
                if key not in self._frozen_spaces:
                    self._frozen_spaces[key] = MappingProxyType(dict(bucket))
            for key in [k for k in self._frozen_spaces if k not in self._spaces]:
                del self._frozen_spaces[key]
            return Snapshot(MappingProxyType(dict(self._frozen)), MappingProxyType(dict(self._links)),
                            self._version, MappingProxyType(dict(self._frozen_spaces)))

    def drain(self) -> dict[str, tuple[str, Obj | None]]:
        """Take the coalesced changes since the last drain (uid → (kind id, latest state or None))."""
        with self._lock:
            feed, self._feed = self._feed, {}
        feed.pop("", None)
        return feed

    def pending(self) -> int:
        with self._lock:
            return len(self._feed)

    def uids(self, kind_id: str | None = None) -> dict[str, str]:
        """{uid: resourceVersion}: the cache side of the cache-equals-server invariant."""
        with self._lock:
            kinds = [kind_id] if kind_id else list(self._kinds)
            return {uid: o.metadata.resource_version for k in kinds for uid, o in self._kinds.get(k, {}).items()}

    def link(self, kind_id: str, scope: str = "") -> LinkState | None:
        with self._lock:
            return self._links.get((kind_id, scope))

    def count(self, kind_id: str) -> int:
        with self._lock:
            return len(self._kinds.get(kind_id, {}))
