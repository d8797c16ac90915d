"""VirtualDiskSnapshot lifecycle (dvp-api.md §3.1, cse differences, seed §3.9.1), generation flags as data."""

from __future__ import annotations

import json

from tui.sim.controllers import timing
from tui.sim.controllers.base import (
    ANN,
    Obj,
    Reconciler,
    Status,
    ann_of,
    cond,
    deleting,
    meta,
    owner_ref,
    phase,
    spec,
    status,
)
from tui.sim.controllers.freeze import (
    agent_ready,
    can_freeze,
    capitalize,
    disks_of,
    frozen,
    fs_pending,
    others_in_progress,
    request,
)

CLEANUP = ANN + "vdsnapshot-cleanup"
PROTECTION = ANN + "vdsnapshot-protection"
READY = "VirtualDiskSnapshotReady"
DISK_READY = "VirtualDiskReady"


class VirtualDiskSnapshotController(Reconciler):
    kind = "VirtualDiskSnapshot"
    watches = ("VirtualDisk", "VirtualMachine", "VolumeSnapshot", "PersistentVolumeClaim")

    def keys_for(self, change_kind: str, obj: Obj) -> list[tuple[str, str]]:
        ns = meta(obj).get("namespace", "")
        if change_kind == "VirtualDisk":
            disks = {meta(obj)["name"]}
        elif change_kind == "VirtualMachine":
            disks = set(disks_of(obj))
        elif change_kind == "PersistentVolumeClaim":
            disks = {r["name"] for r in meta(obj).get("ownerReferences") or [] if r.get("kind") == "VirtualDisk"}
        elif change_kind == "VolumeSnapshot":
            return [(ns, r["name"]) for r in meta(obj).get("ownerReferences") or [] if r.get("kind") == self.kind]
        else:
            return super().keys_for(change_kind, obj)
        return [(ns, meta(s)["name"]) for s in self.scan(self.kind, ns)
                if spec(s).get("virtualDiskName") in disks and (phase(s) != "Ready" or change_kind != "VirtualMachine")]

    def reconcile(self, namespace: str, name: str, obj: Obj | None) -> None:
        if obj is None:
            self.forget(namespace, name)
            return
        disk = self.get("VirtualDisk", namespace, spec(obj).get("virtualDiskName"))
        attached = status(disk).get("attachedToVirtualMachines") or []
        vm = self.get("VirtualMachine", namespace, attached[0]["name"]) if len(attached) == 1 else None
        if deleting(obj):
            self.terminate(obj, vm)
            return
        obj = self.ensure_finalizer(obj, CLEANUP)
        st = Status(obj)
        self.disk_ready(st, obj, disk)
        self.lifecycle(st, obj, disk, vm, len(attached))
        self.commit(st)

    # ---- conditions --------------------------------------------------------------------------
    def disk_ready(self, st: Status, obj: Obj, disk: Obj | None) -> None:
        vd = spec(obj).get("virtualDiskName", "")
        if st.phase == "Ready":
            st.cond(DISK_READY, "True", DISK_READY)
            return
        if disk is None:
            text = self.g.msg("vd.notFound", vd=vd)
        elif deleting(disk):
            text = self.g.msg("vd.deleting", vd=vd)
        elif phase(disk) != "Ready":
            text = self.g.msg("vd.phase", vd=vd, phase=phase(disk) or "Pending")
        else:
            snap = cond(disk, "Snapshotting")
            if (snap or {}).get("status") == "True" or (snap is None and not self.g.on("snapshotHandshake")):
                st.cond(DISK_READY, "True", DISK_READY)
                return
            text = str((snap or {}).get("message", ""))
        st.cond(DISK_READY, "False", "VirtualDiskNotReadyForSnapshotting", text)

    def fail(self, st: Status, reason: str, message: str) -> None:
        st.phase = "Failed"
        st.cond(READY, "False", reason, message)

    def progress(self, st: Status, phase_: str, reason: str, message: str) -> None:
        st.phase = phase_
        st.cond(READY, "False", reason, message)

    # ---- lifecycle ---------------------------------------------------------------------------
    def lifecycle(self, st: Status, obj: Obj, disk: Obj | None, vm: Obj | None, attached: int) -> None:
        ns, name, g = meta(obj).get("namespace", ""), meta(obj)["name"], self.g
        vd = spec(obj).get("virtualDiskName", "")
        required = spec(obj).get("requiredConsistency", True) is not False
        st.phase = st.phase or "Pending"
        if st.phase == "Failed":
            error = self.thaw_failed(obj, vm)
            reason, message = st.reason(READY)
            if error and g.on("unfreezingReason") and not message.startswith(error):
                st.cond(READY, "False", reason, f"{error}, {message}")
            return
        if st.phase == "Ready":
            vs = self.get("VolumeSnapshot", ns, st.data.get("volumeSnapshotName"))
            if vs is None or status(vs).get("readyToUse") is not True:
                self.fail(st, "Lost", g.msg("vds.lost", vs=st.data.get("volumeSnapshotName", "")))
            return
        if attached > 1:
            self.fail(st, "VirtualDiskSnapshotFailed", g.vds_multiple(vd))
            return
        wait = g.on("preconditionsWait")
        pvc_name = (status(disk).get("target") or {}).get("persistentVolumeClaimName")
        pvc = self.get("PersistentVolumeClaim", ns, pvc_name)
        if disk is None or st.reason(DISK_READY)[0] != DISK_READY:
            if wait:
                self.progress(st, "Pending", "WaitingForTheVirtualDisk", g.msg("vds.waitDisk", vd=vd))
            else:
                self.fail(st, "WaitingForTheVirtualDisk",
                          g.msg("vds.diskMissing" if disk is None else "vds.diskNotReady", vd=vd))
            return
        if pvc is None or status(pvc).get("phase") != "Bound":
            if wait:
                self.progress(st, "Pending", "WaitingForTheVirtualDisk", g.msg("vds.waitPVC"))
            else:
                self.fail(st, "WaitingForTheVirtualDisk", g.msg("vds.pvcMissing", vd=vd) if pvc is None
                          else g.msg("vds.pvcNotBound", vd=vd, pvc=pvc_name))
            return
        if vm is not None and fs_pending(vm):
            st.cond(READY, "False", "Snapshotting", g.msg("sync"))
            return
        vs_name = st.data.get("volumeSnapshotName") or g.volume_snapshot_name(name, meta(obj)["uid"])
        vs = self.get("VolumeSnapshot", ns, vs_name) if st.data.get("volumeSnapshotName") else None
        if vs is None:
            self.before_volume_snapshot(st, obj, vm, required, pvc, vs_name)
            return
        error = (status(vs).get("error") or {}).get("message")
        if error:
            self.fail(st, "VirtualDiskSnapshotFailed", g.msg("vds.vsError", vs=vs_name, error=error))
            return
        if status(vs).get("readyToUse") is not True:
            self.progress(st, "InProgress", "Snapshotting", g.msg("vds.waitVS", vd=vd, name=name))
            return
        if "consistent" not in st.data:
            if vm is None or phase(vm) == "Stopped" or frozen(vm):
                st.data["consistent"] = True
                if g.on("consistencyPass"):
                    self.progress(st, "InProgress", "Snapshotting", g.msg("vds.consistent"))
                    self.later(ns, name, 2.0)
                    return
            elif required and g.on("consistencyPass"):
                self.fail(st, "VirtualDiskSnapshotFailed", g.msg("vds.notConsistent", vm=meta(vm)["name"]))
                return
        if vm is not None and frozen(vm) and not others_in_progress(self, vm, vds=name):
            error = request(self, vm, "unfreeze")
            if error and g.on("unfreezingReason"):
                self.progress(st, "InProgress", "FileSystemUnfreezing", capitalize(error) + ".")
                self.later(ns, name, timing.RETRY)
            elif error:
                self.fail(st, "VirtualDiskSnapshotFailed", capitalize(error))
            else:
                self.progress(st, "InProgress", "Snapshotting", g.msg("sync"))
            return
        st.phase = "Ready"
        st.cond(READY, "True", READY)

    def before_volume_snapshot(self, st: Status, obj: Obj, vm: Obj | None, required: bool, pvc: Obj,
                               vs_name: str) -> None:
        """Freeze when possible, refuse or wait when consistency cannot be had, then create the VolumeSnapshot."""
        ns, name, g = meta(obj).get("namespace", ""), meta(obj)["name"], self.g
        vd = spec(obj).get("virtualDiskName", "")
        if vm is not None and phase(vm) != "Stopped" and not frozen(vm):
            vm_name = meta(vm)["name"]
            if can_freeze(vm):
                if st.phase == "Pending":
                    self.progress(st, "InProgress", "Snapshotting", g.msg("started"))
                    self.later(ns, name, timing.STEP)
                    return
                error = request(self, vm, "freeze")
                if error and g.on("freezeErrorFails"):
                    self.fail(st, "VirtualDiskSnapshotFailed", capitalize(error))
                elif error:
                    st.cond(READY, "False", "FileSystemFreezing", capitalize(error) + ".")
                    self.later(ns, name, timing.RETRY)
                else:
                    self.progress(st, "InProgress", "FileSystemFreezing", g.msg("vds.freezing", vm=vm_name, vd=vd))
                return
            if required:
                agent = not agent_ready(vm)
                if g.on("preconditionsWait"):
                    key = "vds.waitInconsistentAgent" if agent else "vds.waitInconsistent"
                    self.progress(st, "Pending", "PotentiallyInconsistent",
                                  g.msg(key, vm=vm_name, vd=vd, phase=phase(vm) or "Pending"))
                else:
                    key = "vds.inconsistentAgent" if agent else "vds.inconsistent"
                    self.fail(st, "PotentiallyInconsistent", g.msg(key, vm=vm_name, vd=vd))
                return
        if st.phase == "Pending":
            self.progress(st, "InProgress", "Snapshotting", g.msg("started"))
            self.later(ns, name, timing.STEP)
            return
        cls = spec(obj).get("volumeSnapshotClassName")
        if g.on("explicitSnapshotClass") and cls == "":
            self.fail(st, "VirtualDiskSnapshotFailed", g.msg("vds.emptyClass", vs=vs_name))
            return
        self.rt.create(self.volume_snapshot(obj, pvc, vs_name, cls))
        st.data["volumeSnapshotName"] = vs_name
        self.progress(st, "InProgress", "Snapshotting", g.msg("vds.vsCreated", vd=vd))

    def volume_snapshot(self, obj: Obj, pvc: Obj, vs_name: str, cls: str | None) -> Obj:
        """The VolumeSnapshot DVP creates, with the generation's annotations (§2.10.3)."""
        g = self.g
        disk = self.get("VirtualDisk", meta(obj).get("namespace"), spec(obj).get("virtualDiskName")) or {}
        sc_key, mode_key, access_key = g.get("vsAnnotationKeys")
        ann = {sc_key: spec(pvc).get("storageClassName", ""), mode_key: spec(pvc).get("volumeMode", ""),
               access_key: ",".join(status(pvc).get("accessModes") or spec(pvc).get("accessModes") or [])}
        if g.on("vsOriginalMetadata"):
            for key, value in (("vd-original-annotations", ann_of(disk)), ("vd-original-labels",
                                                                                 meta(disk).get("labels"))):
                if value:
                    ann[ANN + key] = json.dumps(value, sort_keys=True, separators=(",", ":"))
        if g.on("vsHadOwnerReference") and any(
                r.get("kind") == "VirtualMachine" for r in meta(disk).get("ownerReferences") or []):
            ann[ANN + "vd-had-owner-reference"] = "true"
        if g.on("vsOriginalSize"):
            ann[ANN + "vd-original-size"] = str((spec(disk).get("persistentVolumeClaim") or {}).get("size") or (
                spec(pvc).get("resources", {}).get("requests", {}).get("storage", "")))
        vs_spec: Obj = {"source": {"persistentVolumeClaimName": meta(pvc)["name"]}}
        if g.on("explicitSnapshotClass") and cls:
            vs_spec["volumeSnapshotClassName"] = cls
        return {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
                "metadata": {"name": vs_name, "namespace": meta(obj).get("namespace", ""), "annotations": ann,
                             "ownerReferences": [owner_ref(obj)], "finalizers": [PROTECTION]},
                "spec": vs_spec}

    # ---- failure and deletion ----------------------------------------------------------------
    def thaw_failed(self, obj: Obj, vm: Obj | None) -> str | None:
        """seed/cse thaw a frozen VM whenever a Failed snapshot is reconciled; v1.8+ first check other snapshots.
        Returns the unfreeze call's error."""
        if vm is None or not frozen(vm) or fs_pending(vm):
            return None
        if self.g.on("failedVDSnapshotHoldsDisk") or not others_in_progress(self, vm, vds=meta(obj)["name"]):
            return request(self, vm, "unfreeze")
        return None

    def terminate(self, obj: Obj, vm: Obj | None) -> None:
        ns, name = meta(obj).get("namespace", ""), meta(obj)["name"]
        st = Status(obj)
        st.phase = "Terminating"
        st.cond(DISK_READY, "Unknown", "Unknown")
        st.cond(READY, "Unknown", "Unknown")
        self.commit(st)
        vs = self.get("VolumeSnapshot", ns, st.data.get("volumeSnapshotName"))
        if vs is not None:
            self.rt.remove_finalizer(vs, PROTECTION)
            if not deleting(vs):
                self.rt.delete("VolumeSnapshot", ns, meta(vs)["name"])
            if self.get("VolumeSnapshot", ns, meta(vs)["name"]) is not None:
                return
        if vm is not None and frozen(vm) and not fs_pending(vm) and phase(vm) == "Running" \
                and not others_in_progress(self, vm, vds=name):
            request(self, vm, "unfreeze")
        self.rt.remove_finalizer(obj, CLEANUP)
