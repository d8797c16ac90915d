"""Objects of the simulated cluster: one global resourceVersion, an event log with compaction, GC."""

from __future__ import annotations

import builtins
import copy
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from tui.sim import errors
from tui.sim.resources import Reader, Registry, ResourceDef

Obj = dict[str, Any]
_enc = msgspec.json.Encoder()
_dec: msgspec.json.Decoder[dict[str, Any]] = msgspec.json.Decoder(dict[str, Any])
ALPHANUM = "bcdfghjklmnpqrstvwxz2456789"


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class Entry:
    """A stored object and its encoded bytes (encoded once per write, shared by lists and watches)."""

    obj: Obj
    raw: bytes


@dataclass(slots=True)
class Change:
    """One event in a resource's log: the new state and the one before it (for selector transitions)."""

    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    key: str
    namespace: str
    new: Entry
    old: Entry | None
    at: float


@dataclass
class Subscriber:
    """A running watch: receives every change of one resource through `deliver` (thread-safe)."""

    key: str
    deliver: Callable[[Change | None], None]  # None = the store asks the watch to end


@dataclass
class Store(Reader):
    """All objects, by resource key then (namespace, name); thread-safe behind one lock."""

    registry: Registry
    window_seconds: float = 300.0
    max_log: int = 200_000
    uid_seed: str | None = None  # deterministic UIDs for scenarios
    _lock: threading.RLock = field(default_factory=threading.RLock)
    rv: int = 1
    _objects: dict[str, dict[tuple[str, str], Entry]] = field(default_factory=dict)
    _log: deque[Change] = field(default_factory=deque)
    compacted_rv: int = 1
    _subs: list[Subscriber] = field(default_factory=list)
    _owned: dict[str, set[tuple[str, str, str]]] = field(default_factory=dict)
    _by_uid: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    _uid_count: int = 0
    on_change: list[Callable[[Change], None]] = field(default_factory=list)

    # ---- reading -------------------------------------------------------------------------
    def get(self, key: str, namespace: str | None, name: str) -> Obj | None:
        with self._lock:
            e = self._objects.get(key, {}).get((namespace or "", name))
            return _dec.decode(e.raw) if e else None

    def list(self, key: str, namespace: str | None = None) -> list[Obj]:
        return [_dec.decode(e.raw) for e in self.entries(key, namespace)]

    def entries(self, key: str, namespace: str | None = None) -> builtins.list[Entry]:
        """Stored entries (do not mutate `obj`), sorted by namespace and name like the apiserver."""
        with self._lock:
            items = self._objects.get(key, {})
            keys = sorted(k for k in items if namespace is None or k[0] == namespace)
            return [items[k] for k in keys]

    def count(self, key: str | None = None) -> int:
        with self._lock:
            if key is not None:
                return len(self._objects.get(key, {}))
            return sum(len(v) for v in self._objects.values())

    def snapshot(self) -> dict[str, str]:
        """{uid: resourceVersion} of every object: the oracle for cache-equality tests."""
        with self._lock:
            return {
                e.obj["metadata"]["uid"]: e.obj["metadata"]["resourceVersion"]
                for items in self._objects.values()
                for e in items.values()
            }

    def changes_since(self, key: str, rv: int) -> builtins.list[Change]:
        """Logged changes of `key` after `rv`; raises 410 Expired if `rv` is older than the window."""
        with self._lock:
            self._trim()
            if rv < self.compacted_rv:
                raise errors.ApiError(
                    410, f"too old resource version: {rv} ({self.compacted_rv})", reason="Expired"
                )
            return [c for c in self._log if c.rv > rv and c.key == key]

    # ---- watching ------------------------------------------------------------------------
    def subscribe(self, sub: Subscriber) -> None:
        with self._lock:
            self._subs.append(sub)

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    def drop_watches(self) -> int:
        with self._lock:
            subs, self._subs = self._subs, []
        for s in subs:
            s.deliver(None)
        return len(subs)

    def watcher_count(self) -> int:
        with self._lock:
            return len(self._subs)

    def compact(self) -> int:
        """Forget the whole event log: every watch or list from an older RV now gets 410."""
        with self._lock:
            self._log.clear()
            self.compacted_rv = self.rv
            return self.rv

    def _trim(self) -> None:
        cutoff = time.monotonic() - self.window_seconds
        while self._log and (len(self._log) > self.max_log or self._log[0].at < cutoff):
            self.compacted_rv = self._log.popleft().rv

    # ---- writing -------------------------------------------------------------------------
    def new_uid(self) -> str:
        with self._lock:
            self._uid_count += 1
            if self.uid_seed is None:
                return str(uuid.uuid4())
            return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.uid_seed}/{self._uid_count}"))

    def random_suffix(self, n: int = 5) -> str:
        raw = self.new_uid().replace("-", "")
        return "".join(ALPHANUM[int(raw[i * 2 : i * 2 + 2], 16) % len(ALPHANUM)] for i in range(n))

    def create(self, d: ResourceDef, obj: Obj, *, dry_run: bool = False) -> Obj:
        """Store a new object: name from generateName, uid, timestamps, generation, resourceVersion."""
        with self._lock:
            obj = copy.deepcopy(obj)
            meta = obj.setdefault("metadata", {})
            ns = meta.get("namespace", "") if d.namespaced else ""
            if not d.namespaced:
                meta.pop("namespace", None)
            items = self._objects.setdefault(d.key, {})
            if not meta.get("name") and meta.get("generateName"):
                for _ in range(20):
                    cand = meta["generateName"] + self.random_suffix()
                    if (ns, cand) not in items:
                        meta["name"] = cand
                        break
            name = meta.get("name", "")
            if (ns, name) in items:
                raise errors.already_exists(d, name)
            obj["apiVersion"], obj["kind"] = d.api_version, d.kind
            meta["uid"] = self.new_uid()
            meta["creationTimestamp"] = now_iso()
            meta["generation"] = 1
            for k in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
                meta.pop(k, None)
            if dry_run:
                meta["resourceVersion"] = str(self.rv)
                return obj
            # a copy: the stored dict is shared with lists and watches and must never be mutated by callers
            return _dec.decode(self._commit(d, ns, name, obj, "ADDED", None).raw)

    def update(self, d: ResourceDef, obj: Obj, *, status: bool = False, dry_run: bool = False,
               check_rv: bool = True) -> Obj:
        """Replace an object (PUT semantics); `status=True` writes only the status subresource."""
        with self._lock:
            meta_in = obj.get("metadata", {})
            ns = meta_in.get("namespace", "") if d.namespaced else ""
            name = meta_in.get("name", "")
            items = self._objects.setdefault(d.key, {})
            cur = items.get((ns, name))
            if cur is None:
                raise errors.not_found(d, name)
            old = cur.obj
            want_rv = meta_in.get("resourceVersion")
            if check_rv and want_rv and want_rv != old["metadata"]["resourceVersion"]:
                raise errors.conflict(d, name, errors.STALE)
            if want_rv is None and check_rv and d.custom and not status:
                raise errors.ApiError(
                    422,
                    f'{d.kind}.{d.group} "{name}" is invalid: metadata.resourceVersion: Invalid value: '
                    '0x0: must be specified for an update',
                )
            new = merge_for_update(d, old, obj, status=status)
            if _same(new, old):
                return _dec.decode(cur.raw)
            if new.get("spec") != old.get("spec") or (not d.status_subresource and _body(new) != _body(old)):
                new["metadata"]["generation"] = old["metadata"].get("generation", 1) + 1
            if dry_run:
                return new
            if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers"):
                self._remove(d, ns, name, new)
                return new
            return _dec.decode(self._commit(d, ns, name, new, "MODIFIED", cur).raw)

    def delete(self, d: ResourceDef, namespace: str | None, name: str, *, uid: str | None = None,
               rv: str | None = None, propagation: str = "Background", dry_run: bool = False) -> Obj:
        """Delete: finalizers → deletionTimestamp; ownerReference GC (Background/Foreground/Orphan)."""
        with self._lock:
            ns = namespace or "" if d.namespaced else ""
            cur = self._objects.get(d.key, {}).get((ns, name))
            if cur is None:
                raise errors.not_found(d, name)
            meta = cur.obj["metadata"]
            if uid and uid != meta["uid"]:
                raise errors.conflict(
                    d, name,
                    f"Precondition failed: UID in precondition: {uid}, UID in object meta: {meta['uid']}",
                )
            if rv and rv != meta["resourceVersion"]:
                raise errors.conflict(
                    d, name,
                    "Precondition failed: ResourceVersion in precondition: "
                    f"{rv}, ResourceVersion in object meta: {meta['resourceVersion']}",
                )
            obj = _dec.decode(cur.raw)
            if dry_run:
                return obj
            finalizers = list(obj["metadata"].get("finalizers") or [])
            if propagation == "Foreground" and self._owned.get(meta["uid"]):
                finalizers.append("foregroundDeletion")
            if propagation == "Orphan":
                self._orphan(meta["uid"])
            if finalizers:
                if not obj["metadata"].get("deletionTimestamp"):
                    obj["metadata"]["deletionTimestamp"] = now_iso()
                    obj["metadata"]["deletionGracePeriodSeconds"] = 0
                    obj["metadata"]["finalizers"] = finalizers
                    self._commit(d, ns, name, obj, "MODIFIED", cur)
                if "foregroundDeletion" in finalizers:
                    self._collect(meta["uid"], "Foreground")
                return obj
            self._remove(d, ns, name, obj)
            return obj

    def _remove(self, d: ResourceDef, ns: str, name: str, obj: Obj) -> None:
        cur = self._objects[d.key].pop((ns, name))
        self.rv += 1
        obj = copy.deepcopy(obj)
        obj["metadata"]["resourceVersion"] = str(self.rv)
        self._index_owners(d.key, ns, name, cur.obj, None)
        self._by_uid.pop(obj["metadata"]["uid"], None)
        self._emit(Change(self.rv, "DELETED", d.key, ns, Entry(obj, _enc.encode(obj)), cur, time.monotonic()))
        self._collect(obj["metadata"]["uid"], "Background")
        for owner in obj["metadata"].get("ownerReferences") or []:
            self._finish_foreground(owner.get("uid", ""))

    def _commit(self, d: ResourceDef, ns: str, name: str, obj: Obj, kind: str, old: Entry | None) -> Entry:
        self.rv += 1
        obj["metadata"]["resourceVersion"] = str(self.rv)
        entry = Entry(obj, _enc.encode(obj))
        self._objects.setdefault(d.key, {})[(ns, name)] = entry
        self._index_owners(d.key, ns, name, old.obj if old else None, obj)
        self._by_uid[obj["metadata"]["uid"]] = (d.key, ns, name)
        self._emit(Change(self.rv, kind, d.key, ns, entry, old, time.monotonic()))
        return entry

    def _emit(self, change: Change) -> None:
        self._log.append(change)
        if len(self._log) > self.max_log:
            self._trim()
        for s in self._subs:
            if s.key == change.key:
                s.deliver(change)
        for cb in self.on_change:
            cb(change)

    # ---- garbage collection --------------------------------------------------------------
    def _index_owners(self, key: str, ns: str, name: str, old: Obj | None, new: Obj | None) -> None:
        ref = (key, ns, name)
        for o, add in ((old, False), (new, True)):
            for owner in (o or {}).get("metadata", {}).get("ownerReferences") or []:
                bucket = self._owned.setdefault(owner.get("uid", ""), set())
                if add:
                    bucket.add(ref)
                else:
                    bucket.discard(ref)

    def dependents(self, uid: str) -> Iterator[tuple[ResourceDef, str, str]]:
        with self._lock:
            for key, ns, name in sorted(self._owned.get(uid, ())):
                d = self.registry.defs.get(key)
                if d is not None and (ns, name) in self._objects.get(key, {}):
                    yield d, ns, name

    def _collect(self, uid: str, propagation: str) -> None:
        for d, ns, name in list(self.dependents(uid)):
            e = self._objects[d.key].get((ns, name))
            if e is None or e.obj["metadata"].get("deletionTimestamp"):
                continue
            self.delete(d, ns, name, propagation=propagation)
        if propagation == "Foreground":
            self._finish_foreground(uid)

    def _finish_foreground(self, uid: str) -> None:
        """Drop the foregroundDeletion finalizer of `uid` once it has no dependents left."""
        where = self._by_uid.get(uid)
        if where is None or any(True for _ in self.dependents(uid)):
            return
        key, ns, name = where
        e = self._objects[key][(ns, name)]
        if "foregroundDeletion" not in (e.obj["metadata"].get("finalizers") or []):
            return
        obj = _dec.decode(e.raw)
        fins = obj["metadata"]["finalizers"]
        obj["metadata"]["finalizers"] = [f for f in fins if f != "foregroundDeletion"]
        self.update(self.registry.defs[key], obj, check_rv=False)

    def _orphan(self, uid: str) -> None:
        for d, ns, name in list(self.dependents(uid)):
            obj = _dec.decode(self._objects[d.key][(ns, name)].raw)
            refs = [r for r in obj["metadata"].get("ownerReferences", []) if r.get("uid") != uid]
            obj["metadata"]["ownerReferences"] = refs
            self.update(d, obj, check_rv=False)


def _body(o: Obj) -> Obj:
    return {k: v for k, v in o.items() if k not in ("metadata", "status")}


def _same(a: Obj, b: Obj) -> bool:
    ma = {k: v for k, v in a["metadata"].items() if k not in ("resourceVersion", "managedFields")}
    mb = {k: v for k, v in b["metadata"].items() if k not in ("resourceVersion", "managedFields")}
    return ma == mb and _body(a) == _body(b) and a.get("status") == b.get("status")


IMMUTABLE_META = ("uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds",
                  "namespace", "name")


def merge_for_update(d: ResourceDef, old: Obj, new: Obj, *, status: bool) -> Obj:
    """The object a PUT produces: status and spec kept apart when the status subresource exists."""
    if status:
        out = copy.deepcopy(old)
        if "status" in new:
            out["status"] = copy.deepcopy(new["status"])
        else:
            out.pop("status", None)
        return out
    out = copy.deepcopy(new)
    out["apiVersion"], out["kind"] = d.api_version, d.kind
    meta = out.setdefault("metadata", {})
    for k in IMMUTABLE_META:
        if k in old["metadata"]:
            meta[k] = old["metadata"][k]
        else:
            meta.pop(k, None)
    if d.status_subresource:
        if "status" in old:
            out["status"] = copy.deepcopy(old["status"])
        else:
            out.pop("status", None)
    return out
