"""PersistentVolumeClaim provisioning per StorageClass binding mode (Immediate / WaitForFirstConsumer), resize."""

from __future__ import annotations

from typing import Any

from tui.sim.controllers import timing
from tui.sim.controllers.base import (
    Obj,
    Reconciler,
    ann_of,
    deleting,
    gib,
    meta,
    quantity,
    spec,
    status,
    to_bytes,
)

SELECTED_NODE = "volume.kubernetes.io/selected-node"
PROVISIONER_ANN = "volume.kubernetes.io/storage-provisioner"
PVC_PROTECTION = "kubernetes.io/pvc-protection"
DEFAULT_SC = "storageclass.kubernetes.io/is-default-class"
SNAPSHOT_GROUP = "snapshot.storage.k8s.io"


def default_storage_class(objs: list[Obj]) -> Obj | None:
    for sc in sorted(objs, key=lambda o: meta(o)["name"]):
        if ann_of(sc).get(DEFAULT_SC) == "true":
            return sc
    return None


def modes_for(sc: Obj | None) -> tuple[str, list[str]]:
    """(volumeMode, accessModes) the DVP disk controller asks for on a driver: file drivers get a file system."""
    provisioner = str((sc or {}).get("provisioner", ""))
    if "nfs" in provisioner:
        return "Filesystem", ["ReadWriteOnce"]
    return "Block", ["ReadWriteMany"]


def pvc_manifest(name: str, namespace: str, sc: Obj, size: int, owner: Obj | None = None,
                 data_source: Obj | None = None) -> Obj:
    mode, access = modes_for(sc)
    out: Obj = {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": namespace, "finalizers": [PVC_PROTECTION],
                     "annotations": {PROVISIONER_ANN: sc.get("provisioner", "")}},
        "spec": {"accessModes": access, "volumeMode": mode, "storageClassName": meta(sc)["name"],
                 "resources": {"requests": {"storage": quantity(size)}}},
    }
    if owner is not None:
        out["metadata"]["ownerReferences"] = [owner]
    if data_source is not None:
        out["spec"]["dataSource"] = data_source
    return out


class PersistentVolumeClaimController(Reconciler):
    """Binds claims after a size-dependent delay; WaitForFirstConsumer claims wait for a selected node (set by
    the VM or VMBDA controller when a running VM uses the disk); claims from a VolumeSnapshot wait for it."""

    kind = "PersistentVolumeClaim"
    watches = ("StorageClass", "VolumeSnapshot")

    def keys_for(self, change_kind: str, obj: Obj) -> list[tuple[str, str]]:
        if change_kind == "StorageClass":
            return [(meta(p).get("namespace", ""), meta(p)["name"]) for p in self.scan(self.kind, None)
                    if status(p).get("phase") != "Bound" and spec(p).get("storageClassName") == meta(obj)["name"]]
        if change_kind == "VolumeSnapshot":
            ns = meta(obj).get("namespace", "")
            return [(ns, meta(p)["name"]) for p in self.scan(self.kind, ns)
                    if (spec(p).get("dataSource") or {}).get("name") == meta(obj)["name"]]
        return super().keys_for(change_kind, obj)

    def storage_class(self, pvc: Obj) -> Obj | None:
        name = spec(pvc).get("storageClassName")
        if name:
            return self.get("StorageClass", None, name)
        return default_storage_class(self.scan("StorageClass", None))

    def reconcile(self, namespace: str, name: str, obj: Obj | None) -> None:
        if obj is None:
            self.forget(namespace, name)
            return
        if deleting(obj):
            self.rt.remove_finalizer(obj, PVC_PROTECTION)
            return
        sc = self.storage_class(obj)
        if status(obj).get("phase") == "Bound":
            self._resize(namespace, name, obj, sc)
            return
        if sc is None:
            return
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and SELECTED_NODE not in ann_of(obj):
            return
        size = to_bytes(spec(obj).get("resources", {}).get("requests", {}).get("storage"))
        source = spec(obj).get("dataSource") or {}
        if source.get("kind") == "VolumeSnapshot":
            vs = self.get("VolumeSnapshot", namespace, source.get("name"))
            if vs is None or status(vs).get("readyToUse") is not True:
                return
            size = max(size, to_bytes(status(vs).get("restoreSize")))
        if not self.waited(namespace, name, "bind", timing.bind(gib(size))):
            return
        self._bind(obj, size, sc)

    def _bind(self, obj: Obj, size: int, sc: Obj) -> None:
        cur: Obj = dict(obj)
        cur["spec"] = {**spec(obj), "volumeName": f"pvc-{meta(obj)['uid']}"}
        if cur["spec"] != spec(obj):
            cur = self.rt.update(cur)
        st: dict[str, Any] = {"phase": "Bound", "accessModes": list(spec(obj).get("accessModes") or []),
                              "capacity": {"storage": quantity(size)}}
        self.rt.set_status(cur, st)
        self.forget(meta(obj).get("namespace", ""), meta(obj)["name"])
        self.rt.event(cur, "Normal", "ProvisioningSucceeded",
                      f"Successfully provisioned volume pvc-{meta(obj)['uid']}")

    def _resize(self, namespace: str, name: str, obj: Obj, sc: Obj | None) -> None:
        want = to_bytes(spec(obj).get("resources", {}).get("requests", {}).get("storage"))
        have = to_bytes((status(obj).get("capacity") or {}).get("storage"))
        if want <= have or sc is None or not sc.get("allowVolumeExpansion"):
            return
        if not self.waited(namespace, name, f"resize-{want}", timing.resize(gib(want - have))):
            return
        st = dict(status(obj))
        st["capacity"] = {"storage": quantity(want)}
        self.rt.set_status(obj, st)
        self.forget(namespace, name)
        self.rt.event(obj, "Normal", "FileSystemResizeSuccessful",
                      f"MountVolume.NodeExpandVolume succeeded for volume \"pvc-{meta(obj)['uid']}\"")


def pvc_bound(pvc: Obj | None) -> bool:
    return status(pvc).get("phase") == "Bound"


def pvc_capacity(pvc: Obj | None) -> int:
    return to_bytes((status(pvc).get("capacity") or {}).get("storage"))

