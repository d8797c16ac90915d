"""The external snapshot-controller and a CSI driver: VolumeSnapshot → class → VolumeSnapshotContent → ready."""

from __future__ import annotations

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
from tui.sim.controllers.storage import pvc_bound, pvc_capacity
from tui.sim.store import now_iso

DEFAULT_CLASS = "snapshot.storage.kubernetes.io/is-default-class"
AS_SOURCE = "snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection"
BOUND = "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection"
CONTENT_BOUND = "snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection"
NO_DEFAULT = "Failed to set default snapshot class with error cannot find default snapshot class"
MANY_DEFAULTS = "Failed to set default snapshot class with error {n} default snapshot classes were found"
NO_CLASS = ('Failed to get snapshot class with error volumesnapshotclass.snapshot.storage.k8s.io "{name}" '
            "not found")
NO_PVC = ('Failed to set default snapshot class with error failed to retrieve PVC {pvc} from the lister: '
          '"persistentvolumeclaim \\"{pvc}\\" not found"')
WRONG_DRIVER = ('Failed to check and update snapshot content: failed to take snapshot of the volume {handle}: '
                '"rpc error: code = NotFound desc = volume {handle} not found"')


def default_classes(classes: list[Obj], driver: str) -> list[Obj]:
    return sorted((c for c in classes if c.get("driver") == driver
                   and ann_of(c).get(DEFAULT_CLASS) == "true"), key=lambda c: meta(c)["name"])


class VolumeSnapshotController(Reconciler):
    """Class resolution as kubernetes-csi/external-snapshotter does it (default per driver when unnamed), one
    content per snapshot, readyToUse after a size-dependent delay; the first error is written to status."""

    kind = "VolumeSnapshot"
    watches = ("VolumeSnapshotClass", "PersistentVolumeClaim")

    def keys_for(self, change_kind: str, obj: Obj) -> list[tuple[str, str]]:
        if change_kind == "VolumeSnapshotClass":
            return [(meta(v).get("namespace", ""), meta(v)["name"]) for v in self.scan(self.kind, None)
                    if not status(v).get("readyToUse") and not status(v).get("error")]
        if change_kind == "PersistentVolumeClaim":
            ns = meta(obj).get("namespace", "")
            return [(ns, meta(v)["name"]) for v in self.scan(self.kind, ns)
                    if (spec(v).get("source") or {}).get("persistentVolumeClaimName") == meta(obj)["name"]]
        return super().keys_for(change_kind, obj)

    def reconcile(self, namespace: str, name: str, obj: Obj | None) -> None:
        if obj is None:
            self.forget(namespace, name)
            return
        if deleting(obj):
            self._delete(namespace, name, obj)
            return
        st = status(obj)
        if st.get("error") or st.get("readyToUse") is True:
            return
        pvc_name = (spec(obj).get("source") or {}).get("persistentVolumeClaimName")
        pvc = self.get("PersistentVolumeClaim", namespace, pvc_name)
        cls = self._class(obj, pvc, pvc_name or "")
        if cls is None:
            return
        if not pvc_bound(pvc):
            return
        assert pvc is not None
        sc = self.get("StorageClass", None, spec(pvc).get("storageClassName"))
        driver = (sc or {}).get("provisioner", "")
        handle = spec(pvc).get("volumeName", "")
        content = self._content(obj, pvc, cls)
        if cls.get("driver") != driver:
            served = {s.get("provisioner") for s in self.scan("StorageClass", None)}
            if cls.get("driver") in served:  # the other driver's sidecar rejects the foreign volume
                self._error(obj, WRONG_DRIVER.format(handle=handle), "SnapshotContentCreationFailed")
            return  # no sidecar for that driver: the snapshot never becomes ready
        if self.rt.hold_snapshots:
            return
        size = pvc_capacity(pvc)
        if not self.waited(namespace, name, "ready", timing.snapshot(gib(size))):
            return
        self.forget(namespace, name)
        cur = self.get(self.kind, namespace, name)
        if cur is None:
            return
        new = {**status(cur), "readyToUse": True, "restoreSize": quantity(size)}
        self.rt.set_status(cur, new)
        c = self.get("VolumeSnapshotContent", None, meta(content)["name"]) if content else None
        if c is not None:
            self.rt.set_status(c, {**status(c), "readyToUse": True, "restoreSize": size,
                                   "snapshotHandle": f"snap-{meta(cur)['uid']}"})
        self.rt.event(cur, "Normal", "SnapshotReady", f"Snapshot {namespace}/{name} is ready to use.")

    def _class(self, obj: Obj, pvc: Obj | None, pvc_name: str) -> Obj | None:
        """The VolumeSnapshotClass to use; writes the error and returns None when there is none."""
        classes = self.scan("VolumeSnapshotClass", None)
        named = spec(obj).get("volumeSnapshotClassName")
        if named:
            found = [c for c in classes if meta(c)["name"] == named]
            if not found:
                self._error(obj, NO_CLASS.format(name=named), "GetSnapshotClassFailed")
                return None
            return found[0]
        if pvc is None:
            self._error(obj, NO_PVC.format(pvc=pvc_name), "SetDefaultSnapshotClassFailed")
            return None
        sc = self.get("StorageClass", None, spec(pvc).get("storageClassName"))
        defaults = default_classes(classes, (sc or {}).get("provisioner", ""))
        if len(defaults) != 1:
            text = NO_DEFAULT if not defaults else MANY_DEFAULTS.format(n=len(defaults))
            self._error(obj, text, "SetDefaultSnapshotClassFailed")
            return None
        cur = dict(obj)
        cur["spec"] = {**spec(obj), "volumeSnapshotClassName": meta(defaults[0])["name"]}
        self.rt.update(cur)
        return defaults[0]

    def _error(self, obj: Obj, message: str, reason: str) -> None:
        self.rt.set_status(obj, {"error": {"message": message, "time": now_iso()}})
        self.rt.event(obj, "Warning", reason, message)

    def _content(self, obj: Obj, pvc: Obj, cls: Obj) -> Obj | None:
        """The bound VolumeSnapshotContent (created once) and the snapshot's upstream finalizers."""
        name = f"snapcontent-{meta(obj)['uid']}"
        content = self.get("VolumeSnapshotContent", None, name)
        if content is not None or not self.rt.served("VolumeSnapshotContent"):
            return content
        m = meta(obj)
        content = self.rt.create({
            "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotContent",
            "metadata": {"name": name, "finalizers": [CONTENT_BOUND]},
            "spec": {"volumeSnapshotRef": {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
                                           "name": m["name"], "namespace": m.get("namespace", ""), "uid": m["uid"]},
                     "source": {"volumeHandle": spec(pvc).get("volumeName", "")},
                     "driver": cls.get("driver", ""), "deletionPolicy": cls.get("deletionPolicy", "Delete"),
                     "volumeSnapshotClassName": meta(cls)["name"]},
            "status": {"readyToUse": False},
        })
        cur = self.get(self.kind, m.get("namespace"), m["name"]) or obj
        fins = list(meta(cur).get("finalizers") or [])
        for f in (AS_SOURCE, BOUND):
            if f not in fins:
                fins.append(f)
        if fins != meta(cur).get("finalizers"):
            cur["metadata"]["finalizers"] = fins
            cur = self.rt.update(cur)
        self.rt.set_status(cur, {"boundVolumeSnapshotContentName": name, "readyToUse": False,
                                 "creationTime": now_iso()})
        self.rt.event(cur, "Normal", "SnapshotCreated",
                      f"Snapshot {m.get('namespace')}/{m['name']} was successfully created by the CSI driver.")
        return content

    def _delete(self, namespace: str, name: str, obj: Obj) -> None:
        """Delete the content (deletionPolicy Delete) once the driver has removed the storage snapshot."""
        fins = [f for f in meta(obj).get("finalizers") or [] if f in (AS_SOURCE, BOUND)]
        if not fins or self.rt.hold_snapshots:
            return
        size = to_bytes(status(obj).get("restoreSize"))
        if not self.waited(namespace, name, "delete", timing.snapshot_delete(gib(size))):
            return
        self.forget(namespace, name)
        content_name = status(obj).get("boundVolumeSnapshotContentName")
        content = self.get("VolumeSnapshotContent", None, content_name)
        if content is not None:
            self.rt.remove_finalizer(content, CONTENT_BOUND)
            if spec(content).get("deletionPolicy", "Delete") == "Delete":
                self.rt.delete("VolumeSnapshotContent", None, meta(content)["name"])
        cur = self.get(self.kind, namespace, name)
        if cur is not None:
            cur["metadata"]["finalizers"] = [f for f in meta(cur).get("finalizers") or [] if f not in fins]
            self.rt.update(cur)
