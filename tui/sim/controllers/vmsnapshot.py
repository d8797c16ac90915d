"""VirtualMachineSnapshot lifecycle (dvp-api.md §3.2, cse differences, seed §3.9.2), generation flags as data."""

from __future__ import annotations

from tui.sim.controllers import timing
from tui.sim.controllers.base import Obj, Reconciler, Status, cond, deleting, meta, owner_ref, phase, spec, status
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
from tui.sim.controllers.payload import PayloadError, collect, resources, secret_manifest
from tui.sim.controllers.runtime import Runtime

READY = "VirtualMachineSnapshotReady"
VM_READY = "VirtualMachineReady"
Problem = tuple[str, str]


class VirtualMachineSnapshotController(Reconciler):
    kind = "VirtualMachineSnapshot"
    watches = ("VirtualMachine", "VirtualDiskSnapshot", "VirtualDisk")

    def __init__(self, rt: Runtime) -> None:
        super().__init__(rt)
        self._events: list[tuple[str, str, str]] = []

    def keys_for(self, change_kind: str, obj: Obj) -> list[tuple[str, str]]:
        ns = meta(obj).get("namespace", "")
        if change_kind == "VirtualDiskSnapshot":
            return [(ns, r["name"]) for r in meta(obj).get("ownerReferences") or [] if r.get("kind") == self.kind]
        if change_kind == "VirtualMachine":
            return [(ns, meta(s)["name"]) for s in self.scan(self.kind, ns)
                    if spec(s).get("virtualMachineName") == meta(obj)["name"] and phase(s) != "Ready"]
        if change_kind == "VirtualDisk":
            vms = {a["name"] for a in status(obj).get("attachedToVirtualMachines") or []}
            return [(ns, meta(s)["name"]) for s in self.scan(self.kind, ns)
                    if spec(s).get("virtualMachineName") in vms and phase(s) in ("", "Pending")]
        return super().keys_for(change_kind, obj)

    def reconcile(self, namespace: str, name: str, obj: Obj | None) -> None:
        if obj is None:
            self.forget(namespace, name)
            return
        vm = self.get("VirtualMachine", namespace, spec(obj).get("virtualMachineName"))
        st = Status(obj)
        self._events = []
        self.vm_ready(st, obj, vm)
        self.lifecycle(st, obj, vm)
        if st.changed():
            self.rt.set_status(obj, st.data)
            for type_, reason, message in self._events:
                self.rt.event(obj, type_, reason, message)

    def note(self, type_: str, reason: str, message: str) -> None:
        self._events.append((type_, reason, message))

    def vm_ready(self, st: Status, obj: Obj, vm: Obj | None) -> None:
        g, name = self.g, spec(obj).get("virtualMachineName", "")
        if st.phase == "Ready":
            return
        snap = cond(vm, "Snapshotting")
        if vm is None:
            text = g.msg("vm.notFound", vm=name)
        elif deleting(vm):
            text = g.msg("vm.deleting", vm=name)
        elif phase(vm) not in ("Running", "Stopped"):
            text = g.msg("vm.phase", vm=name, phase=phase(vm) or "Pending")
        elif (snap or {}).get("status") == "True" or (snap is None and not g.on("snapshotHandshake")):
            st.cond(VM_READY, "True", VM_READY)
            return
        else:
            text = g.msg("vm.notDetected")
        st.cond(VM_READY, "False", "VirtualMachineNotReadyForSnapshotting", text)

    def set(self, st: Status, phase_: str, reason: str, message: str) -> None:
        st.phase = phase_
        st.cond(READY, "False", reason, message)

    def fail(self, st: Status, reason: str, message: str, type_: str = "Warning") -> None:
        self.set(st, "Failed", reason, message)
        self.note(type_, "VirtualMachineSnapshottingFailed", message)

    # ---- lifecycle ---------------------------------------------------------------------------
    def lifecycle(self, st: Status, obj: Obj, vm: Obj | None) -> None:
        ns, name, g = meta(obj).get("namespace", ""), meta(obj)["name"], self.g
        if vm is not None and fs_pending(vm) and st.phase not in ("Ready", "Failed"):
            self.set(st, st.phase or "Pending", "Snapshotting", g.msg("sync"))
            return
        if deleting(obj):
            st.phase = "Terminating"
            st.cond(READY, "Unknown", "Unknown")
            if vm is not None and frozen(vm) and not others_in_progress(self, vm, vms=name):
                request(self, vm, "unfreeze")
            return
        st.phase = st.phase or "Pending"
        if st.phase == "Ready":
            self.revalidate(st)
            return
        if st.phase == "Failed":
            if g.on("failedVMSnapshotThaws") and vm is not None and frozen(vm) \
                    and not others_in_progress(self, vm, vms=name):
                request(self, vm, "unfreeze")
            return
        if st.phase == "Pending" or vm is None:
            self.pending(st, obj, vm)
            return
        required = spec(obj).get("requiredConsistency", True) is not False
        names = st.data.get("virtualDiskSnapshotNames") or [f"{d}-{meta(obj)['uid']}" for d in disks_of(vm)]
        children = [self.get("VirtualDiskSnapshot", ns, n) for n in names]
        done = all(phase(c) == "Ready" for c in children) and all(c is not None for c in children)
        if required and not done and not st.data.get("consistent") and phase(vm) != "Stopped" \
                and not frozen(vm):
            self.freeze(st, obj, vm)
            return
        if not st.data.get("virtualMachineSnapshotSecretName") and not self.secret(st, obj, vm):
            return
        st.data["virtualDiskSnapshotNames"] = names
        if not self.children(st, obj, vm, names):
            return
        self.finish(st, obj, vm, names)

    def pending(self, st: Status, obj: Obj, vm: Obj | None) -> None:
        g, ns, name = self.g, meta(obj).get("namespace", ""), meta(obj)["name"]
        problem = self.precondition(st, obj, vm)
        if problem is not None:
            reason, message = problem
            if g.on("preconditionsWait"):
                if (reason, message) != st.reason(READY):
                    self.note("Normal", "VirtualMachineSnapshottingPending", message)
                self.set(st, "Pending", reason, message)
            else:
                self.fail(st, reason, message, "Normal" if reason == "BlockDevicesNotReady" else "Warning")
            return
        self.set(st, "InProgress", "FileSystemFreezing", g.msg("started"))
        self.note("Normal", "VirtualMachineSnapshottingStarted", "Virtual machine snapshotting process is started.")
        self.later(ns, name, timing.STEP)

    def precondition(self, st: Status, obj: Obj, vm: Obj | None) -> Problem | None:
        g, vm_name = self.g, spec(obj).get("virtualMachineName", "")
        wait = g.on("preconditionsWait")
        if vm is None or st.reason(VM_READY)[0] != VM_READY:
            if wait:
                return "WaitingForTheVirtualMachine", g.msg("vms.waitVM", vm=vm_name)
            return "WaitingForTheVirtualMachine", g.msg("vms.vmMissing" if vm is None else "vms.vmNotReady",
                                                        vm=vm_name)
        if (cond(vm, "BlockDevicesReady") or {}).get("status") != "True":
            return "BlockDevicesNotReady", g.msg("vms.devices", vm=vm_name)
        for disk_name in disks_of(vm):
            disk = self.get("VirtualDisk", meta(vm).get("namespace"), disk_name)
            if phase(disk) != "Ready":
                return "BlockDevicesNotReady", g.msg("vms.diskPhase", vd=disk_name)
            if (cond(disk, "Ready") or {}).get("status") != "True":
                return "BlockDevicesNotReady", g.msg("vms.diskCondition", vd=disk_name)
            if (cond(disk, "Resizing") or {}).get("status") == "True":
                return "BlockDevicesNotReady", g.msg("vms.diskResizing", vd=disk_name)
        if g.on("restartPendingBlocksVMSnapshot") and status(vm).get("restartAwaitingChanges"):
            return "RestartAwaitingChanges", g.msg("vms.restart", vm=vm_name)
        required = spec(obj).get("requiredConsistency", True) is not False
        if required and phase(vm) != "Stopped" and not frozen(vm) and not can_freeze(vm):
            agent = not agent_ready(vm)
            if wait:
                return "PotentiallyInconsistent", g.msg("vms.waitAgent" if agent else "vms.waitStopped", vm=vm_name)
            return "PotentiallyInconsistent", g.msg("vms.inconsistentAgent" if agent else "vms.inconsistent",
                                                    vm=vm_name)
        return None

    def freeze(self, st: Status, obj: Obj, vm: Obj) -> None:
        g, vm_name = self.g, meta(vm)["name"]
        if phase(vm) != "Running":
            self.fail(st, "VirtualMachineSnapshotFailed",
                      g.msg("vms.notRunning", ns=meta(vm).get("namespace", ""), vm=vm_name))
            return
        error = request(self, vm, "freeze")
        if error:
            self.fail(st, "VirtualMachineSnapshotFailed", capitalize(error) + ".")
            return
        self.set(st, "InProgress", "FileSystemFreezing", g.msg("vms.freezing", vm=vm_name))
        self.note("Normal", "VirtualMachineSnapshottingFrozen", f'The file system of the virtual machine "{vm_name}" '
                  "is frozen.")

    def secret(self, st: Status, obj: Obj, vm: Obj) -> bool:
        name = self.g.secret_name(meta(obj)["name"], meta(obj)["uid"])
        if self.get("Secret", meta(obj).get("namespace"), name) is None:
            try:
                data = collect(self, obj, vm)
            except PayloadError as e:
                self.fail(st, "VirtualMachineSnapshotFailed", str(e))
                return False
            self.rt.create(secret_manifest(self, obj, name, data))
        st.data["virtualMachineSnapshotSecretName"] = name
        return True

    def children(self, st: Status, obj: Obj, vm: Obj, names: list[str]) -> bool:
        """Create missing child VirtualDiskSnapshots (seed: class from the mapping); False when Failed."""
        g, ns = self.g, meta(obj).get("namespace", "")
        required = spec(obj).get("requiredConsistency", True) is not False
        for child, disk_name in zip(names, [n[: -len(meta(obj)["uid"]) - 1] for n in names], strict=True):
            existing = self.get("VirtualDiskSnapshot", ns, child)
            if existing is not None:
                if phase(existing) == "Failed":
                    msg = (cond(existing, "VirtualDiskSnapshotReady") or {}).get("message", "")
                    text = g.msg("vms.childFailed", child=child, message=msg)
                    self.fail(st, "VirtualMachineSnapshotFailed", text if text.endswith(".") else text + ".")
                    return False
                continue
            disk = self.get("VirtualDisk", ns, disk_name)
            pvc_name = (status(disk).get("target") or {}).get("persistentVolumeClaimName", "")
            pvc = self.get("PersistentVolumeClaim", ns, pvc_name)
            sc = spec(pvc).get("storageClassName", "")
            if disk is None or pvc is None or not sc:
                key = "vms.diskGone" if disk is None else "vms.pvcGone" if pvc is None else "vms.pvcNoClass"
                self.fail(st, "VirtualMachineSnapshotFailed", g.msg(key, vd=disk_name, pvc=pvc_name))
                return False
            child_spec: Obj = {"virtualDiskName": disk_name, "requiredConsistency": required}
            if g.on("explicitSnapshotClass"):
                mapped = [m for m in spec(obj).get("volumeSnapshotClasses") or [] if m.get("storageClassName") == sc]
                if not mapped:
                    text = g.msg("vms.noClass", sc=sc)
                    self.fail(st, "VirtualMachineSnapshotFailed", text)
                    self._events[-1] = ("Warning", "VirtualMachineSnapshottingFailed", text.rstrip("."))
                    return False
                child_spec["volumeSnapshotClassName"] = mapped[0].get("volumeSnapshotClassName", "")
            self.rt.create({"apiVersion": obj["apiVersion"], "kind": "VirtualDiskSnapshot", "spec": child_spec,
                            "metadata": {"name": child, "namespace": ns, "ownerReferences": [owner_ref(obj)]}})
        return True

    def finish(self, st: Status, obj: Obj, vm: Obj, names: list[str]) -> None:
        g, ns, vm_name = self.g, meta(obj).get("namespace", ""), meta(vm)["name"]
        children = [self.get("VirtualDiskSnapshot", ns, n) for n in names]
        ready = sum(phase(c) == "Ready" for c in children)
        if ready < len(names):
            text = g.msg("vms.progress", vm=vm_name, ready=ready, total=len(names))
            if st.reason(READY)[1] != text:
                self.note("Normal", "VirtualMachineSnapshottingInProgress", text)
            self.set(st, "InProgress", "Snapshotting", text)
            return
        if all(status(c).get("consistent") is True for c in children):
            st.data["consistent"] = True
        else:
            st.data.pop("consistent", None)
        st.data["resources"] = resources(self, obj, vm)
        if frozen(vm) and not others_in_progress(self, vm, vms=meta(obj)["name"]):
            error = request(self, vm, "unfreeze")
            if error and g.on("unfreezingReason"):
                self.set(st, "InProgress", "FileSystemUnfreezing", capitalize(error) + ".")
                self.later(ns, meta(obj)["name"], timing.RETRY)
                return
            if error:
                self.fail(st, "VirtualMachineSnapshotFailed", capitalize(error) + ".")
                return
            self.note("Normal", "VirtualMachineSnapshottingThawed",
                      f'The file system of the virtual machine "{vm_name}" is thawed.')
            self.set(st, "InProgress", "Snapshotting", g.msg("sync"))
            return
        st.phase = "Ready"
        st.cond(READY, "True", VM_READY)
        self.note("Normal", "VirtualMachineSnapshottingCompleted", "Virtual machine snapshotting process is completed.")

    def revalidate(self, st: Status) -> None:
        ns = meta(st.obj).get("namespace", "")
        names = st.data.get("virtualDiskSnapshotNames") or []
        lost = [n for n in names if self.get("VirtualDiskSnapshot", ns, n) is None]
        if lost:
            key = "vms.lostOne" if len(lost) == 1 else "vms.lostMany"
            self.fail(st, "VirtualDiskSnapshotLost", self.g.msg(key, names=", ".join(lost)))
        elif st.reason(READY)[0] == VM_READY:
            st.cond(READY, "True", READY)
