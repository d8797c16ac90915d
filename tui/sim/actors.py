"""The cluster's other users for tests and scenarios: create objects, start/stop VMs, break agents and disks."""

from __future__ import annotations

import asyncio
import base64
import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui.sim.controllers.base import (
    AGENT,
    FREEZE_ERROR,
    FREEZE_SECONDS,
    MIGRATING,
    POWER,
    RESIZING,
    UNFREEZE_ERROR,
)

if TYPE_CHECKING:
    from tui.sim.cluster import SimCluster

Obj = dict[str, Any]
DVP = "virtualization.deckhouse.io/v1alpha2"
DEFAULT_SC = "storageclass.kubernetes.io/is-default-class"
DEFAULT_VSC = "snapshot.storage.kubernetes.io/is-default-class"


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Actor:
    """Writes straight to the store (no admission), on the server loop once the cluster runs, so a write
    never interleaves with a controller's read-modify-write. `namespace` is the default for every call."""

    def __init__(self, cluster: SimCluster, namespace: str = "default") -> None:
        self.cluster = cluster
        self.namespace = namespace

    # ---- plumbing ------------------------------------------------------------------------------
    def _run(self, fn: Callable[[], Obj]) -> Obj:
        loop = self.cluster.server.loop
        if loop is None or not loop.is_running() or _running_loop() is loop:
            return fn()
        result: Obj = self.cluster.server.call(fn)
        return result

    def apply(self, obj: Obj) -> Obj:
        """Create or replace (status included when given)."""
        return self._run(lambda: self.cluster.apply(copy.deepcopy(obj)))

    def get(self, kind: str, name: str, namespace: str | None = None) -> Obj | None:
        return self.cluster.get(kind, self._ns(kind, namespace), name)

    def edit(self, kind: str, name: str, fn: Callable[[Obj], None], namespace: str | None = None) -> Obj:
        """Read-modify-write of metadata/spec (status is kept as the controllers wrote it)."""
        ns = self._ns(kind, namespace)

        def do() -> Obj:
            d = self.cluster.registry.find_kind(kind)
            assert d is not None, kind
            cur = self.cluster.store.get(d.key, ns, name)
            if cur is None:
                raise KeyError(f"{kind} {ns}/{name} not found")
            fn(cur)
            if d.status_subresource:
                cur.pop("status", None)
            return self.cluster.store.update(d, cur, check_rv=False)

        return self._run(do)

    def delete(self, kind: str, name: str, namespace: str | None = None) -> Obj:
        ns = self._ns(kind, namespace)
        return self._run(lambda: self.cluster.delete(kind, ns, name))

    def set_status(self, kind: str, name: str, fn: Callable[[Obj], None], namespace: str | None = None) -> Obj:
        """Change an object's status as another controller would (e.g. break a VolumeSnapshot)."""
        ns = self._ns(kind, namespace)

        def do() -> Obj:
            d = self.cluster.registry.find_kind(kind)
            assert d is not None, kind
            cur = self.cluster.store.get(d.key, ns, name)
            if cur is None:
                raise KeyError(f"{kind} {ns}/{name} not found")
            cur.setdefault("status", {})
            fn(cur["status"])
            return self.cluster.store.update(d, cur, status=True, check_rv=False)

        return self._run(do)

    def _ns(self, kind: str, namespace: str | None) -> str | None:
        d = self.cluster.registry.find_kind(kind)
        if d is not None and not d.namespaced:
            return None
        return namespace or self.namespace

    def annotate(self, kind: str, name: str, key: str, value: str | None, namespace: str | None = None) -> Obj:
        def fn(obj: Obj) -> None:
            ann = obj["metadata"].setdefault("annotations", {})
            if value is None:
                ann.pop(key, None)
            else:
                ann[key] = value

        return self.edit(kind, name, fn, namespace)

    # ---- cluster-wide objects ------------------------------------------------------------------
    def create_namespace(self, name: str) -> Obj:
        return self.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    def storage_class(self, name: str, provisioner: str, *, wait_for_consumer: bool = False,
                      default: bool = False, expansion: bool = True) -> Obj:
        return self.apply({
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": name, "annotations": {DEFAULT_SC: "true"} if default else {}},
            "provisioner": provisioner, "reclaimPolicy": "Delete", "allowVolumeExpansion": expansion,
            "volumeBindingMode": "WaitForFirstConsumer" if wait_for_consumer else "Immediate",
        })

    def snapshot_class(self, name: str, driver: str, *, default: bool = False, deletion_policy: str = "Delete") -> Obj:
        return self.apply({
            "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotClass",
            "metadata": {"name": name, "annotations": {DEFAULT_VSC: "true"} if default else {}},
            "driver": driver, "deletionPolicy": deletion_policy,
        })

    # ---- namespaced objects --------------------------------------------------------------------
    def secret(self, name: str, data: dict[str, str], *, type_: str = "Opaque",
               namespace: str | None = None) -> Obj:
        encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
        return self.apply({"apiVersion": "v1", "kind": "Secret", "type": type_, "data": encoded,
                           "metadata": {"name": name, "namespace": namespace or self.namespace}})

    def disk(self, name: str, size: str = "10Gi", storage_class: str | None = None, *, image: str | None = None,
             namespace: str | None = None, labels: dict[str, str] | None = None) -> Obj:
        pvc: Obj = {"size": size}
        if storage_class:
            pvc["storageClassName"] = storage_class
        spec: Obj = {"persistentVolumeClaim": pvc}
        if image:
            spec["dataSource"] = {"type": "ObjectRef", "objectRef": {"kind": "ClusterVirtualImage", "name": image}}
        meta: Obj = {"name": name, "namespace": namespace or self.namespace}
        if labels:
            meta["labels"] = labels
        return self.apply({"apiVersion": DVP, "kind": "VirtualDisk", "metadata": meta, "spec": spec})

    def vm(self, name: str, disks: list[str], *, run_policy: str = "AlwaysOnUnlessStoppedManually",
           agent: bool = True, cores: int = 1, memory: str = "1Gi", cloud_init: str | None = None,
           ip_address: str | None = None, approval: str = "Manual", namespace: str | None = None,
           labels: dict[str, str] | None = None) -> Obj:
        spec: Obj = {"virtualMachineClassName": "generic", "runPolicy": run_policy,
                     "cpu": {"cores": cores, "coreFraction": "100%"}, "memory": {"size": memory},
                     "blockDeviceRefs": [{"kind": "VirtualDisk", "name": d} for d in disks],
                     "disruptions": {"restartApprovalMode": approval}}
        if cloud_init:
            spec["provisioning"] = {"type": "UserDataRef", "userDataRef": {"kind": "Secret", "name": cloud_init}}
        if ip_address:
            spec["virtualMachineIPAddressName"] = ip_address
        meta: Obj = {"name": name, "namespace": namespace or self.namespace,
                     "annotations": {} if agent else {AGENT: "false"}}
        if labels:
            meta["labels"] = labels
        return self.apply({"apiVersion": DVP, "kind": "VirtualMachine", "metadata": meta, "spec": spec})

    def ip_address(self, name: str, static_ip: str | None = None, namespace: str | None = None) -> Obj:
        spec: Obj = {"type": "Static", "staticIP": static_ip} if static_ip else {"type": "Auto"}
        return self.apply({"apiVersion": DVP, "kind": "VirtualMachineIPAddress", "spec": spec,
                           "metadata": {"name": name, "namespace": namespace or self.namespace}})

    def attach(self, name: str, vm: str, disk: str, namespace: str | None = None) -> Obj:
        """Hot-plug `disk` into `vm` with a VirtualMachineBlockDeviceAttachment."""
        return self.apply({"apiVersion": DVP, "kind": "VirtualMachineBlockDeviceAttachment",
                           "metadata": {"name": name, "namespace": namespace or self.namespace},
                           "spec": {"virtualMachineName": vm, "blockDeviceRef": {"kind": "VirtualDisk", "name": disk}}})

    def snapshot_disk(self, name: str, disk: str, *, required_consistency: bool = True,
                      snapshot_class: str | None = None, namespace: str | None = None) -> Obj:
        spec: Obj = {"virtualDiskName": disk, "requiredConsistency": required_consistency}
        if snapshot_class is not None:
            spec["volumeSnapshotClassName"] = snapshot_class
        return self.apply({"apiVersion": DVP, "kind": "VirtualDiskSnapshot", "spec": spec,
                           "metadata": {"name": name, "namespace": namespace or self.namespace}})

    def snapshot_vm(self, name: str, vm: str, *, required_consistency: bool = True, keep_ip: str = "Always",
                    classes: dict[str, str] | None = None, namespace: str | None = None) -> Obj:
        """A VirtualMachineSnapshot; `classes` (seed) maps StorageClass → VolumeSnapshotClass."""
        spec: Obj = {"virtualMachineName": vm, "requiredConsistency": required_consistency, "keepIPAddress": keep_ip}
        if classes is not None:
            spec["volumeSnapshotClasses"] = [{"storageClassName": sc, "volumeSnapshotClassName": vsc}
                                             for sc, vsc in classes.items()]
        return self.apply({"apiVersion": DVP, "kind": "VirtualMachineSnapshot", "spec": spec,
                           "metadata": {"name": name, "namespace": namespace or self.namespace}})

    # ---- behaviour -----------------------------------------------------------------------------
    def start(self, vm: str, namespace: str | None = None) -> Obj:
        return self.annotate("VirtualMachine", vm, POWER, "on", namespace)

    def stop(self, vm: str, namespace: str | None = None) -> Obj:
        return self.annotate("VirtualMachine", vm, POWER, "off", namespace)

    def restart(self, vm: str, namespace: str | None = None) -> Obj:
        """Stop and start again; pending configuration changes are applied on the way."""
        return self.annotate("VirtualMachine", vm, POWER, "restart", namespace)

    def remove_agent(self, vm: str, namespace: str | None = None) -> Obj:
        return self.annotate("VirtualMachine", vm, AGENT, "false", namespace)

    def restore_agent(self, vm: str, namespace: str | None = None) -> Obj:
        return self.annotate("VirtualMachine", vm, AGENT, None, namespace)

    def freeze_error(self, vm: str, text: str | None, namespace: str | None = None) -> Obj:
        """Make the freeze subresource call fail with `text` (None: works again)."""
        return self.annotate("VirtualMachine", vm, FREEZE_ERROR, text, namespace)

    def unfreeze_error(self, vm: str, text: str | None, namespace: str | None = None) -> Obj:
        """Make the unfreeze subresource call fail with `text` (None: works again)."""
        return self.annotate("VirtualMachine", vm, UNFREEZE_ERROR, text, namespace)

    def slow_agent(self, vm: str, seconds: float | None, namespace: str | None = None) -> Obj:
        """Model seconds the guest agent takes to freeze or thaw (None: the default)."""
        return self.annotate("VirtualMachine", vm, FREEZE_SECONDS, None if seconds is None else str(seconds),
                             namespace)

    def change_vm(self, vm: str, *, cores: int | None = None, memory: str | None = None,
                  namespace: str | None = None) -> Obj:
        """Edit CPU/memory: a running VM then has restartAwaitingChanges until it is restarted."""
        def fn(obj: Obj) -> None:
            if cores is not None:
                obj["spec"].setdefault("cpu", {})["cores"] = cores
            if memory is not None:
                obj["spec"].setdefault("memory", {})["size"] = memory

        return self.edit("VirtualMachine", vm, fn, namespace)

    def resize(self, disk: str, size: str, namespace: str | None = None) -> Obj:
        return self.edit("VirtualDisk", disk,
                         lambda o: o["spec"].setdefault("persistentVolumeClaim", {}).update(size=size), namespace)

    def mark_resizing(self, disk: str, on: bool = True, namespace: str | None = None) -> Obj:
        """Hold the disk in `Resizing` (as a slow volume expansion would) until called with on=False."""
        return self.annotate("VirtualDisk", disk, RESIZING, "true" if on else None, namespace)

    def mark_migrating(self, disk: str, on: bool = True, namespace: str | None = None) -> Obj:
        """Hold the disk in `Migrating` (v1.8+) until called with on=False."""
        return self.annotate("VirtualDisk", disk, MIGRATING, "true" if on else None, namespace)

    def lose_volume_snapshot(self, name: str, namespace: str | None = None) -> Obj:
        """Delete a VolumeSnapshot behind DVP's back (its protection finalizer ignored)."""
        self.edit("VolumeSnapshot", name, lambda o: o["metadata"].update(finalizers=[]), namespace)
        return self.delete("VolumeSnapshot", name, namespace)

    def hold_snapshots(self, on: bool = True) -> None:
        """Stall the CSI driver: no VolumeSnapshot becomes ready (or is deleted) until released."""
        rt = self.cluster.controllers
        if rt is None:
            return

        def do() -> Obj:
            rt.hold_snapshots = on
            for ctrl in rt.controllers:
                if ctrl.kind == "VolumeSnapshot" and not on:
                    for vs in rt.scan("VolumeSnapshot"):
                        rt.requeue(ctrl, vs["metadata"].get("namespace", ""), vs["metadata"]["name"])
            return {}

        self._run(do)

    def fail_volume_snapshot(self, name: str, message: str, namespace: str | None = None) -> Obj:
        """Report an error on a VolumeSnapshot as the CSI sidecar would."""
        return self.set_status("VolumeSnapshot", name, lambda st: st.update(error={"message": message}), namespace)
