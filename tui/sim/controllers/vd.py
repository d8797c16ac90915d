"""VirtualDisk: blank/image provisioning through a PVC, attachment, InUse, Resizing, Snapshotting, Migrating."""

from __future__ import annotations

from collections.abc import Callable

from tui.sim.controllers import timing
from tui.sim.controllers.base import (
    ANN,
    MIGRATING,
    RESIZING,
    Obj,
    Reconciler,
    Status,
    ann_of,
    deleting,
    gib,
    meta,
    owner_ref,
    phase,
    quantity,
    spec,
    status,
    to_bytes,
)
from tui.sim.controllers.storage import (
    SELECTED_NODE,
    default_storage_class,
    pvc_bound,
    pvc_capacity,
    pvc_manifest,
)

CLEANUP = ANN + "vd-cleanup"
PROTECTION = ANN + "vd-protection"
PROVISIONED = ("Ready", "Resizing", "Migrating", "PVCLost")
RUNNING = ("Running", "Migrating", "Starting", "Stopping")
SNAPSHOTTING = "The virtual disk is selected for taking a snapshot."
HELD = "The virtual disk cannot be selected for resizing as it is currently snapshotting."
DEFAULT_SIZE = 10 * 2**30
# Provisioning of a disk until it is first Ready, by `spec.dataSource.objectRef.kind` ("" = blank). Another
# module may register a step for a source kind (e.g. "VirtualDiskSnapshot"); until then such disks are left
# to whoever provisions them, and this controller only keeps their common status fields.
SourceStep = Callable[["VirtualDiskController", Obj, Status], None]
SOURCES: dict[str, SourceStep] = {}


def register_source(kind: str, step: SourceStep) -> None:
    SOURCES[kind] = step


def source_kind(vd: Obj) -> str:
    ds = spec(vd).get("dataSource") or {}
    if ds.get("type") == "ObjectRef":
        return str((ds.get("objectRef") or {}).get("kind") or "")
    return str(ds.get("type") or "")


class VirtualDiskController(Reconciler):
    kind = "VirtualDisk"
    watches = ("PersistentVolumeClaim", "VirtualMachine", "VirtualMachineBlockDeviceAttachment",
               "VirtualDiskSnapshot", "StorageClass")

    def keys_for(self, change_kind: str, obj: Obj) -> list[tuple[str, str]]:
        ns = meta(obj).get("namespace", "")
        if change_kind == "PersistentVolumeClaim":
            return [(ns, r["name"]) for r in meta(obj).get("ownerReferences") or [] if r.get("kind") == self.kind]
        if change_kind == "VirtualMachine":
            vm = meta(obj)["name"]
            names = {r.get("name") for part in (spec(obj), status(obj)) for r in part.get("blockDeviceRefs") or []
                     if r.get("kind") == self.kind}
            names |= {meta(d)["name"] for d in self.scan(self.kind, ns)
                      if any(a.get("name") == vm for a in status(d).get("attachedToVirtualMachines") or [])}
            return [(ns, n) for n in sorted(n for n in names if n)]
        if change_kind == "VirtualMachineBlockDeviceAttachment":
            ref = spec(obj).get("blockDeviceRef") or {}
            return [(ns, ref["name"])] if ref.get("kind") == self.kind and ref.get("name") else []
        if change_kind == "VirtualDiskSnapshot":
            return [(ns, spec(obj)["virtualDiskName"])] if spec(obj).get("virtualDiskName") else []
        if change_kind == "StorageClass":
            return [(meta(d).get("namespace", ""), meta(d)["name"]) for d in self.scan(self.kind, None)
                    if phase(d) not in PROVISIONED]
        return super().keys_for(change_kind, obj)

    # ---- reconcile ---------------------------------------------------------------------------
    def reconcile(self, namespace: str, name: str, obj: Obj | None) -> None:
        if obj is None:
            self.forget(namespace, name)
            return
        vms = self.vms_using(obj)
        mounted = any(v.get("mounted") for v in vms)
        if deleting(obj):
            st = Status(obj)
            st.phase = "Terminating"
            self.commit(st)
            if not mounted:
                self.rt.remove_finalizer(obj, PROTECTION)
                self.rt.remove_finalizer(obj, CLEANUP)
            return
        obj = self.ensure_finalizer(obj, CLEANUP)
        obj = self._protection(obj, mounted)
        st = Status(obj)
        if st.phase not in PROVISIONED:
            kind = source_kind(obj)
            step = SOURCES.get(kind)
            if step is not None:
                step(self, obj, st)
            elif kind in ("", "ClusterVirtualImage", "VirtualImage", "HTTP", "ContainerImage", "Upload"):
                self.provision(obj, st)
        if st.phase in PROVISIONED:
            self.provisioned(obj, st)
        self.common(obj, st, vms, mounted)
        self.commit(st)

    def _protection(self, obj: Obj, mounted: bool) -> Obj:
        fins = list(meta(obj).get("finalizers") or [])
        if mounted and PROTECTION not in fins:
            return self.rt.add_finalizer(obj, PROTECTION)
        if not mounted and PROTECTION in fins:
            self.rt.remove_finalizer(obj, PROTECTION)
            return self.get(self.kind, meta(obj).get("namespace"), meta(obj)["name"]) or obj
        return obj

    def vms_using(self, vd: Obj) -> list[Obj]:
        """`status.attachedToVirtualMachines`: VMs listing the disk (spec or hot-plug); `mounted` while running."""
        name, out = meta(vd)["name"], []
        for vm in sorted(self.scan("VirtualMachine", meta(vd).get("namespace", "")), key=lambda v: meta(v)["name"]):
            refs = (status(vm).get("blockDeviceRefs") or []) + (spec(vm).get("blockDeviceRefs") or [])
            if any(r.get("kind") == self.kind and r.get("name") == name for r in refs):
                entry: Obj = {"name": meta(vm)["name"]}
                if phase(vm) in RUNNING:
                    entry["mounted"] = True
                out.append(entry)
        return out

    def storage_class(self, vd: Obj) -> Obj | None:
        name = (spec(vd).get("persistentVolumeClaim") or {}).get("storageClassName") or status(vd).get(
            "storageClassName")
        if name:
            return self.get("StorageClass", None, name)
        return default_storage_class(self.scan("StorageClass", None))

    def provision(self, vd: Obj, st: Status) -> None:
        """Blank disks and disks from images: PVC, binding (or WaitForFirstConsumer), import, Ready."""
        ns, name = meta(vd).get("namespace", ""), meta(vd)["name"]
        if not st.phase:  # written first; the write itself brings the disk back for the next step
            st.phase = "Pending"
            st.cond("Ready", "False", "ProvisioningNotStarted", "Waiting for the provisioning to start.")
            return
        sc = self.storage_class(vd)
        wanted = (spec(vd).get("persistentVolumeClaim") or {}).get("storageClassName")
        if sc is None:
            st.phase = "Pending"
            st.cond("StorageClassReady", "False", "StorageClassNotReady",
                    f'Storage class "{wanted}" not found.' if wanted else "Default storage class not found.")
            st.cond("Ready", "False", "StorageClassIsNotReady", "Waiting for the storage class to be ready.")
            return
        st.data["storageClassName"] = meta(sc)["name"]
        st.cond("StorageClassReady", "True", "StorageClassReady")
        pvc_name = (st.data.get("target") or {}).get("persistentVolumeClaimName") or self.g.pvc_name(
            name, meta(vd)["uid"])
        st.data["target"] = {"persistentVolumeClaimName": pvc_name}
        pvc = self.get("PersistentVolumeClaim", ns, pvc_name)
        size = to_bytes((spec(vd).get("persistentVolumeClaim") or {}).get("size")) or DEFAULT_SIZE
        if pvc is None:
            self.rt.create(pvc_manifest(pvc_name, ns, sc, size, owner_ref(vd, controller=True)))
            st.phase = "Provisioning"
            st.data["progress"] = "0%"
            st.cond("Ready", "False", "Provisioning", "The PersistentVolumeClaim has been created; waiting for it "
                    "to be Bound.")
            return
        if not pvc_bound(pvc):
            wffc = sc.get("volumeBindingMode") == "WaitForFirstConsumer"
            if wffc and SELECTED_NODE not in ann_of(pvc):
                st.phase = "WaitForFirstConsumer"
                st.cond("Ready", "False", "WaitingForFirstConsumer",
                        "Waiting for the virtual machine to be starting to provision the disk.")
            else:
                st.phase = "Provisioning"
                st.cond("Ready", "False", "Provisioning",
                        "The PersistentVolumeClaim has been created; waiting for it to be Bound.")
            st.data["progress"] = "0%"
            return
        if source_kind(vd) and not self.waited(ns, name, "import", timing.import_(gib(size))):
            st.phase = "Provisioning"
            st.data["progress"] = "50%"
            st.cond("Ready", "False", "Provisioning", "Import is in the process of provisioning to PVC.")
            return
        self.forget(ns, name, "import")
        st.phase = "Ready"

    def provisioned(self, vd: Obj, st: Status) -> None:
        """A provisioned disk: PVC lost, growth (held back while snapshotting), the sim's resize/migrate knobs."""
        ns = meta(vd).get("namespace", "")
        pvc_name = (st.data.get("target") or {}).get("persistentVolumeClaimName")
        pvc = self.get("PersistentVolumeClaim", ns, pvc_name)
        if pvc is None:
            st.phase = "PVCLost"
            st.cond("Ready", "False", "PVCLost", f'PVC "{pvc_name}" not found.')
            return
        st.data["progress"] = "100%"
        st.data.setdefault("storageClassName", (pvc.get("spec") or {}).get("storageClassName"))
        st.cond("Ready", "True", "Ready")
        want = to_bytes((spec(vd).get("persistentVolumeClaim") or {}).get("size"))
        requested = to_bytes(spec(pvc).get("resources", {}).get("requests", {}).get("storage"))
        have = pvc_capacity(pvc)
        st.data["capacity"] = quantity(have)
        snapshotting = self.snapshots(vd)
        if want > requested and snapshotting:
            st.phase = "Ready"
            st.cond("Resizing", "False", "NotAvailable", HELD)
        elif want > requested:
            grown = dict(pvc)
            grown["spec"] = {**spec(pvc), "resources": {"requests": {"storage": quantity(want)}}}
            self.rt.update(grown)
            self._resizing(st)
        elif requested > have or ann_of(vd).get(RESIZING) == "true":
            self._resizing(st)
        else:
            st.phase = "Ready"
            st.drop("Resizing")
        if self.g.on("migratingPhase") and ann_of(vd).get(MIGRATING) == "true":
            if st.phase == "Ready":
                st.phase = "Migrating"
            st.cond("Migrating", "True", "InProgress", "The virtual disk is in the process of migration.")
        elif self.g.on("migratingPhase"):
            st.drop("Migrating")

    def _resizing(self, st: Status) -> None:
        st.phase = "Resizing"
        st.cond("Resizing", "True", "InProgress", "The virtual disk is in the process of resizing.")

    def snapshots(self, vd: Obj) -> list[Obj]:
        """VirtualDiskSnapshots that select this disk: neither Ready nor Terminating (nor Failed, on v1.8+)."""
        holds = self.g.on("failedVDSnapshotHoldsDisk")
        return [s for s in self.scan("VirtualDiskSnapshot", meta(vd).get("namespace", ""))
                if spec(s).get("virtualDiskName") == meta(vd)["name"] and not deleting(s)
                and phase(s) not in ("Ready", "Terminating") and (holds or phase(s) != "Failed")]

    def common(self, vd: Obj, st: Status, vms: list[Obj], mounted: bool) -> None:
        if vms:
            st.data["attachedToVirtualMachines"] = vms
        else:
            st.data.pop("attachedToVirtualMachines", None)
        if mounted:
            st.cond("InUse", "True", "AttachedToVirtualMachine")
        else:
            st.cond("InUse", "False", "NotInUse")
        if not self.snapshots(vd) or st.phase not in ("Ready", "Resizing", "Migrating"):
            st.drop("Snapshotting")
        elif st.phase == "Resizing":
            st.cond("Snapshotting", "False", "NotAvailable", self.g.msg("vdSnap.resizing"))
        elif st.phase == "Migrating":
            st.cond("Snapshotting", "False", "NotAvailable", self.g.msg("vdSnap.migrating"))
        else:
            st.cond("Snapshotting", "True", "Snapshotting", SNAPSHOTTING)
