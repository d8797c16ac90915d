"""A VirtualDisk made from a VirtualDiskSnapshot: storage class, size and PVC rules per generation (§3.7)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.sim.controllers.base import (
    ANN,
    Status,
    meta,
    owner_ref,
    phase,
    spec,
    status,
    to_bytes,
)
from tui.sim.controllers.restore_plan import ann_of
from tui.sim.controllers.runtime import Controller
from tui.sim.controllers.storage import SELECTED_NODE, pvc_bound, pvc_manifest
from tui.sim.controllers.vd import PROVISIONED, register_source, source_kind

if TYPE_CHECKING:
    from tui.sim.controllers.vd import VirtualDiskController

Obj = dict[str, Any]
SOURCE = "VirtualDiskSnapshot"
SEED_KEYS = ("storageClass", "volumeMode", "accessModes")
DVP_KEYS = (ANN + "storage-class-name", ANN + "volume-mode", ANN + "access-mode")
ORIGINAL_SIZE = ANN + "vd-original-size"
ORIGINAL = ((ANN + "vd-original-labels", "labels"), (ANN + "vd-original-annotations", "annotations"))
CREATED = "The PersistentVolumeClaim has been created; waiting for it to be Bound."
WFFC = "Waiting for the virtual machine to be starting to provision the disk."


@dataclass(frozen=True)
class SourceFlags:
    """How one generation provisions a disk from a disk snapshot."""

    honour_request: bool  # v1.8+: `spec.persistentVolumeClaim.{size,storageClassName}` are used at creation
    original_size: bool  # v1.10: default size from the VolumeSnapshot's `vd-original-size`
    provider_check: str  # "controller" (v1.8 fails the disk) / "admission" (v1.10 webhook; kept as a backstop)
    copy_original_meta: bool  # cse: the disk controller re-applies the original labels/annotations
    created: str  # progress message once the PVC exists


FLAGS: dict[str, SourceFlags] = {
    "seed": SourceFlags(False, False, "", False, "PVC has created: waiting to be Bound."),
    "cse": SourceFlags(False, False, "", True, CREATED),
    "v1.8": SourceFlags(True, False, "controller", False, CREATED),
    "v1.10": SourceFlags(True, True, "admission", False, CREATED),
}


def _recorded(vs: Obj, index: int) -> str | None:
    ann = ann_of(vs)
    return ann.get(DVP_KEYS[index]) or ann.get(SEED_KEYS[index])


def _not_started(st: Status, message: str) -> None:
    st.phase = "Pending"
    st.cond("DatasourceReady", "False", "VirtualDiskSnapshot", message)
    st.cond("Ready", "False", "ProvisioningNotStarted", message)


def _failed(st: Status, reason: str, message: str) -> None:
    st.phase = "Failed"
    st.cond("Ready", "False", reason, message)


def _provider_problem(ctl: VirtualDiskController, f: SourceFlags, sc: Obj, vs: Obj, vds_name: str) -> str | None:
    cls = ctl.get("VolumeSnapshotClass", None, spec(vs).get("volumeSnapshotClassName"))
    original = (cls or {}).get("driver")
    if not original:
        original = (ctl.get("StorageClass", None, _recorded(vs, 0)) or {}).get("provisioner")
    target = sc.get("provisioner", "")
    if not original or original == target:
        return None
    if f.provider_check == "controller":
        return (
            f'cannot restore snapshot to storage class "{meta(sc)["name"]}": incompatible storage providers. '
            f'Original snapshot was created by "{original}", target storage class uses "{target}". '
            "Cross-provider snapshot restore is not supported"
        )
    return (
        f'virtual disk storage class "{meta(sc)["name"]}" provisioner "{target}" does not match the source '
        f'VirtualDiskSnapshot "{vds_name}" provisioner "{original}": creating a disk from a snapshot on a '
        "different CSI driver is not supported"
    )


def _size(f: SourceFlags, vd: Obj, vs: Obj) -> tuple[int, str]:
    """(bytes, as written) of the new PVC: the request (v1.8+), the original size (v1.10), or restoreSize."""
    restore = str(status(vs).get("restoreSize") or "0")
    if f.honour_request:
        for raw in (
            (spec(vd).get("persistentVolumeClaim") or {}).get("size"),
            ann_of(vs).get(ORIGINAL_SIZE) if f.original_size else None,
        ):
            if raw not in (None, ""):
                return to_bytes(raw), str(raw)
    return to_bytes(restore), restore


def _copy_original_metadata(ctl: VirtualDiskController, vd: Obj, vs: Obj) -> None:
    cur = ctl.get("VirtualDisk", meta(vd).get("namespace"), meta(vd)["name"])
    if cur is None:
        return
    changed = False
    for key, field in ORIGINAL:
        try:
            recorded = json.loads(ann_of(vs).get(key) or "{}")
        except ValueError:
            continue
        target = cur["metadata"].setdefault(field, {})
        for k, v in recorded.items():
            if k not in target:
                target[k], changed = v, True
    if changed:
        ctl.rt.update(cur)


def provision(ctl: VirtualDiskController, vd: Obj, st: Status) -> None:
    """The disk controller's provisioning step for `dataSource.objectRef.kind: VirtualDiskSnapshot`."""
    f = FLAGS.get(ctl.rt.generation, FLAGS["v1.10"])
    ns, name = meta(vd).get("namespace", ""), meta(vd)["name"]
    vds_name = ((spec(vd).get("dataSource") or {}).get("objectRef") or {}).get("name", "")
    vds = ctl.get(SOURCE, ns, vds_name)
    if vds is None:
        return _not_started(st, f'VirtualDiskSnapshot "{vds_name}" not found.')
    vs = ctl.get("VolumeSnapshot", ns, status(vds).get("volumeSnapshotName"))
    if phase(vds) != "Ready" or vs is None or status(vs).get("readyToUse") is not True:
        return _not_started(st, f'VirtualDiskSnapshot "{vds_name}" is not ready to use.')
    st.data["sourceUID"] = meta(vds)["uid"]
    requested = (spec(vd).get("persistentVolumeClaim") or {}).get("storageClassName")
    sc_name = requested if f.honour_request and requested else _recorded(vs, 0)
    sc = ctl.get("StorageClass", None, sc_name)
    if sc is None:
        st.phase = "Pending"
        st.cond("StorageClassReady", "False", "StorageClassNotReady", f'Storage class "{sc_name}" not found.')
        st.cond("Ready", "False", "StorageClassIsNotReady", "Waiting for the storage class to be ready.")
        return None
    st.data["storageClassName"] = meta(sc)["name"]
    st.cond("StorageClassReady", "True", "StorageClassReady")
    if f.provider_check and (problem := _provider_problem(ctl, f, sc, vs, vds_name)):
        reason = "ProvisioningFailed" if f.provider_check == "controller" else "StorageClassProvisionerMismatch"
        return _failed(st, reason, problem)
    size, written = _size(f, vd, vs)
    restore = to_bytes(status(vs).get("restoreSize"))
    if size < restore:
        return _failed(
            st,
            "ProvisioningFailed",
            f"The specified pvc size is insufficient: {size} ({written}) < {restore}.",
        )
    st.cond("DatasourceReady", "True", "DatasourceReady")
    pvc_name = (st.data.get("target") or {}).get("persistentVolumeClaimName") or ctl.g.pvc_name(name, meta(vd)["uid"])
    st.data["target"] = {"persistentVolumeClaimName": pvc_name}
    pvc = ctl.get("PersistentVolumeClaim", ns, pvc_name)
    if pvc is None:
        manifest = pvc_manifest(
            pvc_name,
            ns,
            sc,
            size,
            owner_ref(vd, controller=True),
            {"apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot", "name": meta(vs)["name"]},
        )
        if mode := _recorded(vs, 1):
            manifest["spec"]["volumeMode"] = mode
        if access := _recorded(vs, 2):
            manifest["spec"]["accessModes"] = [a for a in access.split(",") if a]
        ctl.rt.create(manifest)
        if f.copy_original_meta:
            _copy_original_metadata(ctl, vd, vs)
    elif pvc_bound(pvc):
        st.phase = "Ready"  # the disk controller's `provisioned` takes it from here
        st.drop("DatasourceReady")
        return None
    st.data["progress"] = "0%"
    if pvc is not None and sc.get("volumeBindingMode") == "WaitForFirstConsumer" and SELECTED_NODE not in ann_of(pvc):
        st.phase = "WaitForFirstConsumer"
        st.cond("Ready", "False", "WaitingForFirstConsumer", WFFC)
        return None
    st.phase = "Provisioning"
    st.cond("Ready", "False", "Provisioning", f.created)
    return None


register_source(SOURCE, provision)


class SnapshotSourceWaker(Controller):
    """Wakes the disk controller for disks waiting on a VirtualDiskSnapshot when it (or its VolumeSnapshot)
    changes: the disk controller itself only watches snapshots *of* a disk."""

    kind = SOURCE
    watches = ("VolumeSnapshot",)

    def keys_for(self, change_kind: str, obj: Obj) -> list[tuple[str, str]]:
        if change_kind == "VolumeSnapshot":
            ns = meta(obj).get("namespace", "")
            return [(ns, r["name"]) for r in meta(obj).get("ownerReferences") or [] if r.get("kind") == SOURCE]
        return super().keys_for(change_kind, obj)

    def reconcile(self, namespace: str, name: str, obj: Obj | None) -> None:
        disks = next((c for c in self.rt.controllers if c.kind == "VirtualDisk"), None)
        if disks is None:
            return
        for vd in self.rt.scan("VirtualDisk", namespace):
            ref = (spec(vd).get("dataSource") or {}).get("objectRef") or {}
            if source_kind(vd) == SOURCE and ref.get("name") == name and phase(vd) not in PROVISIONED:
                self.rt.requeue(disks, namespace, meta(vd)["name"])
