"""Helpers for the storage/VM/snapshot controller tests: a cluster with two CSI drivers, a change recorder."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.conftest import wait_for
from tui.sim.actors import Actor
from tui.sim.cluster import SimCluster
from tui.sim.store import Change

Obj = dict[str, Any]
NS = "lab"
GENERATIONS = ("seed", "cse", "v1.8", "v1.10")
WAITING = ("seed", "cse")  # preconditionsWait
FAIL_FAST = ("v1.8", "v1.10")
REPLICATED, NFS, FOREIGN = "replicated.csi.storage.deckhouse.io", "nfs.csi.k8s.io", "foreign.csi.example.com"
R_SC, N_SC, W_SC = "replicated", "nfs", "replicated-wffc"
R_VSC, N_VSC = "sds-replicated-volume", "csi-nfs-snapshot-class"
SPEED = 100.0


def meta(o: Obj | None) -> Obj:
    return (o or {}).get("metadata") or {}


def status(o: Obj | None) -> Obj:
    return (o or {}).get("status") or {}


def phase(o: Obj | None) -> str:
    return str(status(o).get("phase") or "")


def cond(o: Obj | None, type_: str) -> Obj:
    return next((c for c in status(o).get("conditions") or [] if c.get("type") == type_), {})


def payload(secret: Obj) -> dict[str, Any]:
    """Decode a snapshot Secret (base64 JSON; seed: base64 of base64 JSON)."""
    out = {}
    for k, v in (secret.get("data") or {}).items():
        raw = base64.b64decode(v)
        if not raw.startswith((b"{", b"[")):
            raw = base64.b64decode(raw)
        out[k] = json.loads(raw)
    return out


class Recorder:
    """Every committed state of matching objects, from the store's change hook (nothing is missed)."""

    def __init__(self, sim: SimCluster, kind: str | None = None, name: str | None = None) -> None:
        self.kind, self.name = kind, name
        self.changes: list[tuple[str, str, str, Obj]] = []  # (type, kind, name, obj)
        self._lock = threading.Lock()
        sim.store.on_change.append(self._on)

    def _on(self, ch: Change) -> None:
        o = ch.new.obj
        if (self.kind is None or o.get("kind") == self.kind) and (self.name is None or meta(o)["name"] == self.name):
            with self._lock:
                self.changes.append((ch.type, o.get("kind", ""), meta(o)["name"], o))

    def objects(self, kind: str | None = None, name: str | None = None) -> list[Obj]:
        with self._lock:
            return [o for _, k, n, o in self.changes if (kind is None or k == kind) and (name is None or n == name)]

    def states(self, ready: str, kind: str | None = None, name: str | None = None) -> list[tuple[str, str, str]]:
        """Distinct consecutive (phase, reason, message) of condition `ready`."""
        out: list[tuple[str, str, str]] = []
        for o in self.objects(kind, name):
            c = cond(o, ready)
            if not phase(o):
                continue
            s = (phase(o), str(c.get("reason", "")), str(c.get("message", "")))
            if not out or out[-1] != s:
                out.append(s)
        return out

    def phases(self, kind: str | None = None, name: str | None = None) -> list[str]:
        out: list[str] = []
        for o in self.objects(kind, name):
            if phase(o) and (not out or out[-1] != phase(o)):
                out.append(phase(o))
        return out


def subsequence(expected: list[Any], actual: list[Any]) -> bool:
    it = iter(actual)
    return all(any(e == a for a in it) for e in expected)


class Kit:
    """One running cluster, its Actor and waits."""

    def __init__(self, sim: SimCluster) -> None:
        self.sim, self.a = sim, Actor(sim, NS)
        self.gen = sim.generation
        self.seed = self.gen == "seed"
        self.rec = Recorder(sim)

    def get(self, kind: str, name: str, ns: str = NS) -> Obj | None:
        return self.sim.get(kind, None if kind in ("VolumeSnapshotContent", "StorageClass") else ns, name)

    def wait_phase(self, kind: str, name: str, *phases: str, timeout: float = 10.0) -> Obj:
        found: Obj = wait_for(lambda: (o := self.get(kind, name)) is not None and phase(o) in phases and o,
                              timeout, what=f"{kind} {name} in {phases} (now {phase(self.get(kind, name))})")
        return found

    def wait_gone(self, kind: str, name: str, timeout: float = 10.0) -> None:
        wait_for(lambda: self.get(kind, name) is None, timeout, what=f"{kind} {name} gone")

    def settle(self, polls: int = 10, timeout: float = 10.0) -> None:
        """Wait until the cluster is quiet: work queue empty and no write for `polls` consecutive polls."""
        rt, seen = self.sim.controllers, {"rv": -1, "same": 0}

        def quiet() -> bool:
            rv = self.sim.store.rv
            busy = self.sim.server.call(lambda: bool(rt._queue))
            seen["same"] = seen["same"] + 1 if rv == seen["rv"] and not busy else 0
            seen["rv"] = rv
            return seen["same"] >= polls

        wait_for(quiet, timeout, what="a quiet cluster")

    # ---- fixtures as one call --------------------------------------------------------------------
    def disk(self, name: str, size: str = "10Gi", sc: str = R_SC, **kw: Any) -> Obj:
        self.a.disk(name, size, sc, **kw)
        return self.wait_phase("VirtualDisk", name, "Ready", "WaitForFirstConsumer")

    def vm(self, name: str, disks: list[str], *, running: bool = True, **kw: Any) -> Obj:
        for d in disks:
            if self.get("VirtualDisk", d) is None:
                self.a.disk(d, "10Gi", R_SC)
        self.a.vm(name, disks, run_policy="AlwaysOnUnlessStoppedManually" if running else "AlwaysOff", **kw)
        self.wait_phase("VirtualMachine", name, "Running" if running else "Stopped")
        for d in disks:
            self.wait_phase("VirtualDisk", d, "Ready", "WaitForFirstConsumer")
        return wait_for(lambda: (v := self.get("VirtualMachine", name)) and cond(v, "BlockDevicesReady") and
                        len(status(v).get("blockDeviceRefs") or []) >= len(disks) and v)

    def snapshot_disk(self, name: str, disk: str, **kw: Any) -> Obj:
        if self.seed:
            kw.setdefault("snapshot_class", R_VSC)
        return self.a.snapshot_disk(name, disk, **kw)

    def snapshot_vm(self, name: str, vm: str, **kw: Any) -> Obj:
        if self.seed:
            kw.setdefault("classes", {R_SC: R_VSC, N_SC: N_VSC})
        return self.a.snapshot_vm(name, vm, **kw)

    def events(self, obj_name: str) -> list[tuple[str, str, str]]:
        found = sorted(self.sim.list("Event", NS), key=lambda e: int(e["metadata"]["resourceVersion"]))
        return [(e["type"], e["reason"], e["message"]) for e in found if e["involvedObject"]["name"] == obj_name]

    def has_event(self, obj_name: str, event: tuple[str, str, str], timeout: float = 10.0) -> bool:
        """Wait for the event (a controller records it after the status it explains, as real ones may)."""
        return bool(wait_for(lambda: event in self.events(obj_name), timeout, what=f"event {event} of {obj_name}"))


@contextmanager
def cluster(generation: str, speed: float = SPEED) -> Iterator[Kit]:
    """A running cluster with namespace `lab`, an Immediate replicated class (default), a WaitForFirstConsumer
    replicated class, an NFS class; a default VolumeSnapshotClass for the replicated driver, a non-default one
    for NFS."""
    with SimCluster(generation=generation, speed=speed) as sim:
        kit = Kit(sim)
        a = kit.a
        a.create_namespace(NS)
        a.storage_class(R_SC, REPLICATED, default=True)
        a.storage_class(W_SC, REPLICATED, wait_for_consumer=True)
        a.storage_class(N_SC, NFS)
        a.snapshot_class(R_VSC, REPLICATED, default=True)
        a.snapshot_class(N_VSC, NFS)
        yield kit
        assert sim.controllers.errors == []
