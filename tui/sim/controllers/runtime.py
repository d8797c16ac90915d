"""What every simulated controller runs on: store access, a de-duplicating work queue, timers, Events."""

from __future__ import annotations

import asyncio
import builtins
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tui.sim.controllers.index import Index
from tui.sim.store import Change, now_iso

if TYPE_CHECKING:
    from tui.sim.cluster import SimCluster

Obj = dict[str, Any]
log = logging.getLogger("dvpsnap.sim")
DVP = "virtualization.deckhouse.io/v1alpha2"


class Controller:
    """A reconciler: `watches` names the kinds whose changes enqueue it; `reconcile` is called on the
    server loop with (namespace, name) of the object of `kind`, which may be gone (None)."""

    kind: str = ""
    watches: tuple[str, ...] = ()

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def keys_for(self, change_kind: str, obj: Obj) -> list[tuple[str, str]]:
        """Which objects of `self.kind` to reconcile when an object of `change_kind` changes.
        Default: the object itself when it is of our kind."""
        if change_kind == self.kind:
            m = obj.get("metadata", {})
            return [(m.get("namespace", ""), m.get("name", ""))]
        return []

    def reconcile(self, namespace: str, name: str, obj: Obj | None) -> None:
        raise NotImplementedError


@dataclass
class Runtime:
    """Shared by all controllers of one simulated cluster; all methods run on the server loop."""

    cluster: SimCluster
    speed: float = 1.0
    controllers: list[Controller] = field(default_factory=list)
    _queue: dict[tuple[int, str, str], None] = field(default_factory=dict)
    _wake: asyncio.Event | None = None
    _task: asyncio.Task[None] | None = None
    _timers: list[asyncio.TimerHandle] = field(default_factory=list)
    loop: asyncio.AbstractEventLoop | None = None
    errors: list[str] = field(default_factory=list)
    index: Index | None = None
    hold_snapshots: bool = False  # stall the simulated CSI driver (scenarios, tests)

    @property
    def generation(self) -> str:
        return self.cluster.generation

    # ---- store access (controllers are trusted: no admission) -----------------------------
    def served(self, kind: str) -> bool:
        return self.cluster.registry.find_kind(kind) is not None

    def get(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        if not self.served(kind):
            return None
        return self.cluster.get(kind, namespace, name)

    def list(self, kind: str, namespace: str | None = None) -> list[Obj]:
        if not self.served(kind):
            return []
        return self.cluster.list(kind, namespace)

    def scan(self, kind: str, namespace: str | None = None) -> builtins.list[Obj]:
        """Stored objects of `kind` (one namespace or all) WITHOUT copying: read them, never mutate them."""
        d = self.cluster.registry.find_kind(kind)
        if d is None:
            return []
        if self.index is None:
            return [e.obj for e in self.cluster.store.entries(d.key, namespace)]
        return self.index.objects(d.key, namespace if d.namespaced else "")

    def create(self, obj: Obj) -> Obj:
        d = self.cluster.registry.find_kind(obj["kind"])
        assert d is not None, obj["kind"]
        obj.setdefault("apiVersion", d.api_version)
        status = obj.pop("status", None)
        out = self.cluster.store.create(d, obj)
        if status is not None:
            out["status"] = status
            out = self.cluster.store.update(d, out, status=True, check_rv=False)
        return out

    def update(self, obj: Obj) -> Obj:
        """Write metadata/spec (not status) unconditionally."""
        d = self.cluster.registry.find_kind(obj["kind"])
        assert d is not None
        return self.cluster.store.update(d, obj, check_rv=False)

    def set_status(self, obj: Obj, status: Obj) -> Obj:
        """Write `status` of `obj` (sets observedGeneration); a no-op write changes nothing."""
        d = self.cluster.registry.find_kind(obj["kind"])
        assert d is not None
        cur = self.cluster.store.get(d.key, obj["metadata"].get("namespace"), obj["metadata"]["name"])
        if cur is None:
            return obj
        status = dict(status)
        status.setdefault("observedGeneration", cur["metadata"].get("generation", 1))
        cur["status"] = status
        return self.cluster.store.update(d, cur, status=True, check_rv=False)

    def delete(self, kind: str, namespace: str | None, name: str, propagation: str = "Background") -> None:
        d = self.cluster.registry.find_kind(kind)
        if d is None:
            return
        try:
            self.cluster.store.delete(d, namespace, name, propagation=propagation)
        except Exception as e:  # already gone
            log.debug("delete %s %s/%s: %s", kind, namespace, name, e)

    def add_finalizer(self, obj: Obj, finalizer: str) -> Obj:
        fins = obj["metadata"].setdefault("finalizers", [])
        if finalizer not in fins:
            fins.append(finalizer)
            return self.update(obj)
        return obj

    def remove_finalizer(self, obj: Obj, finalizer: str) -> None:
        cur = self.get(obj["kind"], obj["metadata"].get("namespace"), obj["metadata"]["name"])
        if cur and finalizer in (cur["metadata"].get("finalizers") or []):
            cur["metadata"]["finalizers"] = [f for f in cur["metadata"]["finalizers"] if f != finalizer]
            self.update(cur)

    def event(self, obj: Obj, type_: str, reason: str, message: str) -> None:
        """A core/v1 Event about `obj`, as the DVP controllers record them."""
        meta = obj["metadata"]
        ns = meta.get("namespace") or "default"
        now = now_iso()
        self.create({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"generateName": f"{meta['name']}.", "namespace": ns},
            "involvedObject": {"apiVersion": obj.get("apiVersion", ""), "kind": obj.get("kind", ""),
                               "name": meta["name"], "namespace": ns, "uid": meta.get("uid", ""),
                               "resourceVersion": meta.get("resourceVersion", "")},
            "reason": reason,
            "message": message,
            "type": type_,
            "source": {"component": "virtualization-controller"},
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "reportingComponent": "virtualization-controller",
        })

    # ---- scheduling ----------------------------------------------------------------------
    def seconds(self, real: float) -> float:
        """A controller delay scaled by the speed factor."""
        return real / max(self.speed, 1e-6)

    def after(self, delay: float, fn: Callable[[], None]) -> None:
        """Run `fn` on the loop after `delay` (already-scaled seconds: use `seconds()` for model time)."""
        assert self.loop is not None
        self._timers = [t for t in self._timers if not t.cancelled()]
        self._timers.append(self.loop.call_later(delay, self._guard, fn))

    def requeue(self, ctrl: Controller, namespace: str, name: str, delay: float = 0.0) -> None:
        """Reconcile (namespace, name) of `ctrl.kind` again, after `delay` model seconds."""
        if delay <= 0:
            self._enqueue(ctrl, namespace, name)
        else:
            self.after(self.seconds(delay), lambda: self._enqueue(ctrl, namespace, name))

    def _enqueue(self, ctrl: Controller, namespace: str, name: str) -> None:
        self._queue[(self.controllers.index(ctrl), namespace, name)] = None
        if self._wake is not None:
            self._wake.set()

    def _guard(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception as e:
            log.exception("controller timer failed")
            self.errors.append(repr(e))

    def on_change(self, ch: Change) -> None:
        """Called by the store (any thread, under its lock): hand the change to the loop."""
        if self.loop is None:
            return
        kind = ch.new.obj.get("kind", "")
        obj = ch.new.obj
        self.loop.call_soon_threadsafe(self._route, kind, obj)

    def _route(self, kind: str, obj: Obj) -> None:
        for ctrl in self.controllers:
            if kind == ctrl.kind or kind in ctrl.watches:
                try:
                    keys = ctrl.keys_for(kind, obj)
                except Exception as e:
                    log.exception("keys_for failed")
                    self.errors.append(repr(e))
                    continue
                for ns, name in keys:
                    self._enqueue(ctrl, ns, name)

    async def _work(self) -> None:
        assert self._wake is not None
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                (idx, ns, name) = next(iter(self._queue))
                del self._queue[(idx, ns, name)]
                ctrl = self.controllers[idx]
                try:
                    ctrl.reconcile(ns, name, self.get(ctrl.kind, ns or None, name))
                except Exception as e:
                    log.exception("reconcile %s %s/%s failed", ctrl.kind, ns, name)
                    self.errors.append(f"{ctrl.kind} {ns}/{name}: {e!r}")
                await asyncio.sleep(0)

    def start(self, controllers: builtins.list[Controller]) -> None:
        """Register controllers, hook the store, and reconcile everything that exists."""
        self.loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self.controllers = controllers
        self.index = Index.attach(self.cluster.store)
        self.cluster.store.on_change.append(self.on_change)
        self._task = self.loop.create_task(self._work())
        for ctrl in controllers:
            for obj in self.list(ctrl.kind):
                m = obj["metadata"]
                self._enqueue(ctrl, m.get("namespace", ""), m["name"])

    def stop(self) -> None:
        if self.on_change in self.cluster.store.on_change:
            self.cluster.store.on_change.remove(self.on_change)
        if self.index is not None:
            self.index.detach()
        for t in self._timers:
            t.cancel()
        if self._task is not None:
            self._task.cancel()


def condition(type_: str, status: str, reason: str, message: str = "", generation: int = 1,
              since: str | None = None) -> Obj:
    return {"type": type_, "status": status, "reason": reason, "message": message,
            "lastTransitionTime": since or now_iso(), "observedGeneration": generation}


def set_condition(conds: list[Obj], new: Obj) -> list[Obj]:
    """Replace the condition of the same type, keeping lastTransitionTime when the status is unchanged."""
    out = []
    found = False
    for c in conds:
        if c.get("type") == new["type"]:
            found = True
            if c.get("status") == new["status"]:
                new = {**new, "lastTransitionTime": c.get("lastTransitionTime", new["lastTransitionTime"])}
            out.append(new)
        else:
            out.append(c)
    if not found:
        out.append(new)
    return out


def remove_condition(conds: list[Obj], type_: str) -> list[Obj]:
    return [c for c in conds if c.get("type") != type_]


def utc_now() -> datetime:
    return datetime.now(UTC)
