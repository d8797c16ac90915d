"""Small scenarios for the restore/clone controller tests: storage, a VM with disks, a Ready VM snapshot."""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from tests.conftest import wait_for
from tui.sim.cluster import SimCluster
from tui.sim.store import Change

Obj = dict[str, Any]
NS = "lab"
DVP = "virtualization.deckhouse.io/v1alpha2"
REPLICATED = "replicated.csi.storage.deckhouse.io"
LOCAL = "local.csi.storage.deckhouse.io"
NFS = "nfs.csi.k8s.io"
SPEED = float(os.environ.get("DVPSNAP_SIM_SPEED", "200"))  # model seconds per real second
TIMEOUT = 20.0
USER_DATA = base64.b64encode(b"#cloud-config\nssh_pwauth: false\n").decode()


def meta(o: Obj | None) -> Obj:
    return (o or {}).get("metadata") or {}


def status(o: Obj | None) -> Obj:
    return (o or {}).get("status") or {}


def spec(o: Obj | None) -> Obj:
    return (o or {}).get("spec") or {}


def phase(o: Obj | None) -> str:
    return str(status(o).get("phase") or "")


def cond(o: Obj | None, type_: str) -> Obj:
    return next((c for c in status(o).get("conditions") or [] if c.get("type") == type_), {})


def ann(o: Obj | None) -> dict[str, str]:
    return meta(o).get("annotations") or {}


@contextmanager
def cluster(generation: str, speed: float = SPEED, without: tuple[str, ...] = ()) -> Iterator[SimCluster]:
    """A simulated cluster of `generation` with storage set up; `without` leaves out the controllers of
    those kinds (their objects are then written in final state by the helpers below)."""
    from tui.sim import controllers

    saved = controllers.CONTROLLERS
    controllers.CONTROLLERS = [c for c in saved if c.kind not in without]
    try:
        sim = SimCluster(generation, speed=speed, bookmark_interval=0.5).start()
    finally:
        controllers.CONTROLLERS = saved
    try:
        storage(sim)
        yield sim
    finally:
        sim.stop()


def running(sim: SimCluster, kind: str) -> bool:
    """Whether a controller for `kind` runs in this simulated cluster."""
    rt = sim.controllers
    return rt is not None and any(c.kind == kind for c in rt.controllers)


def storage(sim: SimCluster) -> None:
    """Namespace `lab`; StorageClasses `replicated` (default, expandable), `local-wffc`, `nfs`; a default
    VolumeSnapshotClass per driver."""
    sim.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    for name, driver, mode, default in (
        ("replicated", REPLICATED, "Immediate", True),
        ("local-wffc", LOCAL, "WaitForFirstConsumer", False),
        ("nfs", NFS, "Immediate", False),
    ):
        annotations = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
        sim.apply(
            {
                "apiVersion": "storage.k8s.io/v1",
                "kind": "StorageClass",
                "metadata": {"name": name, "annotations": annotations},
                "provisioner": driver,
                "volumeBindingMode": mode,
                "allowVolumeExpansion": True,
                "reclaimPolicy": "Delete",
            }
        )
    for name, driver in (("sds-replicated-volume", REPLICATED), ("local-snap", LOCAL), ("nfs-snap", NFS)):
        sim.apply(
            {
                "apiVersion": "snapshot.storage.k8s.io/v1",
                "kind": "VolumeSnapshotClass",
                "metadata": {"name": name, "annotations": {"snapshot.storage.kubernetes.io/is-default-class": "true"}},
                "driver": driver,
                "deletionPolicy": "Delete",
            }
        )


def vm(
    sim: SimCluster,
    name: str,
    *,
    disks: tuple[tuple[str, str, str], ...] = (),
    hotplug: tuple[str, ...] = (),
    run_policy: str = "AlwaysOnUnlessStoppedManually",
    secret: bool = True,
    vmip: str | None = None,
    agent: bool = True,
) -> Obj:
    """A VM with disks `(name, size, storageClass)` (default: `<name>-root`), hot-plugged disks through VMBDAs
    `<disk>-attach`, a cloud-init Secret `<name>-cloudinit`; waits until it settles."""
    disks = disks or ((f"{name}-root", "1Gi", "replicated"),)
    for disk, size, sc in (*disks, *((h, "1Gi", "replicated") for h in hotplug)):
        sim.apply(
            {
                "apiVersion": DVP,
                "kind": "VirtualDisk",
                "metadata": {"name": disk, "namespace": NS},
                "spec": {"persistentVolumeClaim": {"size": size, "storageClassName": sc}},
            }
        )
    body: Obj = {
        "virtualMachineClassName": "generic",
        "runPolicy": run_policy,
        "cpu": {"cores": 1},
        "memory": {"size": "1Gi"},
        "blockDeviceRefs": [{"kind": "VirtualDisk", "name": d[0]} for d in disks],
    }
    if secret:
        sim.apply(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "type": "provisioning.virtualization.deckhouse.io/cloud-init",
                "metadata": {"name": f"{name}-cloudinit", "namespace": NS},
                "data": {"userData": USER_DATA},
            }
        )
        body["provisioning"] = {"type": "UserDataRef", "userDataRef": {"kind": "Secret", "name": f"{name}-cloudinit"}}
    if vmip:
        body["virtualMachineIPAddressName"] = vmip
    annotations = {} if agent else {"sim.dvpsnap.io/agent": "false"}
    sim.apply(
        {
            "apiVersion": DVP,
            "kind": "VirtualMachine",
            "metadata": {"name": name, "namespace": NS, "annotations": annotations},
            "spec": body,
        }
    )
    for disk in hotplug:
        sim.apply(
            {
                "apiVersion": DVP,
                "kind": "VirtualMachineBlockDeviceAttachment",
                "metadata": {"name": f"{disk}-attach", "namespace": NS},
                "spec": {"virtualMachineName": name, "blockDeviceRef": {"kind": "VirtualDisk", "name": disk}},
            }
        )
    for disk, _, sc in (*disks, *((h, "", "") for h in hotplug)):
        if sc != "local-wffc":
            wait_for(lambda d=disk: phase(sim.get("VirtualDisk", NS, d)) == "Ready", TIMEOUT, what=f"disk {disk} Ready")
    want = "Stopped" if run_policy in ("AlwaysOff", "Manual") else "Running"
    wait_for(lambda: phase(sim.get("VirtualMachine", NS, name)) == want, TIMEOUT, what=f"VM {name} {want}")
    for disk in hotplug if want == "Running" else ():
        wait_for(
            lambda d=disk: phase(sim.get("VirtualMachineBlockDeviceAttachment", NS, f"{d}-attach")) == "Attached",
            TIMEOUT,
            what=f"VMBDA {disk}-attach Attached",
        )
    wait_for(
        lambda: status(sim.get("VirtualMachine", NS, name)).get("virtualMachineIPAddressName"),
        TIMEOUT,
        what=f"VM {name} has an IP address",
    )
    return sim.get("VirtualMachine", NS, name) or {}


class Phases:
    """Every phase an object went through, recorded from the store's change hook (no polling gaps)."""

    def __init__(self, sim: SimCluster) -> None:
        self.sim = sim
        self._lock = threading.Lock()
        self.seen: dict[tuple[str, str], list[str]] = {}
        self.reasons: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
        sim.store.on_change.append(self._on_change)

    def _on_change(self, ch: Change) -> None:
        obj = ch.new.obj
        key = (obj.get("kind", ""), meta(obj).get("name", ""))
        p = phase(obj)
        with self._lock:
            log = self.seen.setdefault(key, [])
            if p and (not log or log[-1] != p):
                log.append(p)
            for c in status(obj).get("conditions") or []:
                seen = self.reasons.setdefault((*key, c.get("type", "")), [])
                entry = (c.get("reason", ""), c.get("message", ""))
                if not seen or seen[-1] != entry:
                    seen.append(entry)

    def of(self, kind: str, name: str) -> list[str]:
        with self._lock:
            return list(self.seen.get((kind, name), []))

    def reasons_of(self, kind: str, name: str, type_: str) -> list[tuple[str, str]]:
        """Every (reason, message) the condition `type_` of the object had, in order."""
        with self._lock:
            return list(self.reasons.get((kind, name, type_), []))


def in_order(seen: list[str], allowed: list[str]) -> bool:
    """`seen` visits phases of `allowed` in that order (skipping any)."""
    it = iter(allowed)
    return all(any(p == a for a in it) for p in seen)


def wait_phase(sim: SimCluster, kind: str, name: str, phases: tuple[str, ...], timeout: float = TIMEOUT) -> Obj:
    wait_for(lambda: phase(sim.get(kind, NS, name)) in phases, timeout, what=f"{kind} {name} in {phases}")
    return sim.get(kind, NS, name) or {}


def has_event(sim: SimCluster, name: str, event: tuple[str, str, str], timeout: float = 10.0) -> bool:
    """Wait for the event (a controller records it after the status it explains, as real ones may)."""
    return bool(wait_for(lambda: event in events(sim, name), timeout, what=f"event {event} of {name}"))


def events(sim: SimCluster, name: str) -> list[tuple[str, str, str]]:
    """(type, reason, message) of the Events about object `name`."""
    return [
        (e.get("type", ""), e.get("reason", ""), e.get("message", ""))
        for e in sim.list("Event", NS)
        if (e.get("involvedObject") or {}).get("name") == name
    ]


def until(fn: Callable[[], Any], what: str = "", timeout: float = TIMEOUT) -> Any:
    return wait_for(fn, timeout, what=what)


def client(sim: SimCluster) -> Any:
    """The official kubernetes client's CustomObjectsApi against the simulator (requests pass admission)."""
    from kubernetes import client as kc
    from kubernetes import config

    return kc.CustomObjectsApi(config.new_client_from_config(config_file=str(sim.kubeconfig_path)))
