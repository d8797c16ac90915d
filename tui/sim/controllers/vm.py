"""VirtualMachine: power per runPolicy, block devices (incl. hot-plug), VMIP, guest agent, freeze, pending changes."""

from __future__ import annotations

import zlib
from typing import Any

from tui.sim.controllers import timing
from tui.sim.controllers.base import (
    ANN,
    FREEZE_SECONDS,
    FS_REQUEST,
    POWER,
    Obj,
    Reconciler,
    Status,
    ann_of,
    cond,
    deleting,
    is_true,
    meta,
    owner_ref,
    phase,
    spec,
    status,
)
from tui.sim.controllers.freeze import FROZEN_MESSAGE, agent_present
from tui.sim.controllers.storage import SELECTED_NODE
from tui.sim.store import now_iso

CLEANUP = ANN + "vm-cleanup"
VM_UID_LABEL = ANN + "virtual-machine-uid"
NODES = ("worker-1", "worker-2", "worker-3")
ON = ("Starting", "Running", "Migrating")
AGENT_MISSING = ("The guest agent is not responding. Make sure the guest agent is installed and running in the "
                 "guest OS.")
SNAPSHOT_WAIT = ("WaitingForTheSnapshotToStart", "The virtual machine is selected for taking a snapshot.")
SNAPSHOT_BUSY = ("SnapshottingInProgress", "The virtual machine is in the process of snapshotting.")
RESTART_MESSAGE = "VirtualMachine has pending changes that require a restart to be applied."


def node_for(name: str) -> str:
    return NODES[zlib.crc32(name.encode()) % len(NODES)]


def applied(vm: Obj) -> Obj:
    """The part of the spec that needs a restart to change, as `status.resources` records it once applied."""
    s = spec(vm)
    return {"cpu": {"cores": (s.get("cpu") or {}).get("cores"),
                    "coreFraction": (s.get("cpu") or {}).get("coreFraction", "100%")},
            "memory": {"size": (s.get("memory") or {}).get("size")}}


def pending_changes(vm: Obj, st: Status) -> list[Obj]:
    have, want = st.data.get("resources") or {}, applied(vm)
    out = []
    for group, fields in want.items():
        for key, value in fields.items():
            old = (have.get(group) or {}).get(key)
            if old is not None and old != value:
                out.append({"operation": "replace", "path": f"{group}.{key}", "currentValue": old,
                            "desiredValue": value})
    return out


def wants_running(vm: Obj) -> bool:
    policy = spec(vm).get("runPolicy") or "AlwaysOnUnlessStoppedManually"
    power = ann_of(vm).get(POWER, "")
    if is_true(vm, "Maintenance") or policy == "AlwaysOff":
        return False
    if policy == "AlwaysOn":
        return True
    if policy == "Manual":
        return power in ("on", "restart")
    return power != "off"


class VirtualMachineController(Reconciler):
    kind = "VirtualMachine"
    watches = ("VirtualDisk", "VirtualMachineBlockDeviceAttachment", "VirtualMachineIPAddress",
               "VirtualMachineSnapshot", "VirtualMachineClass")

    def keys_for(self, change_kind: str, obj: Obj) -> list[tuple[str, str]]:
        ns = meta(obj).get("namespace", "")
        name = meta(obj)["name"]
        if change_kind == "VirtualDisk":
            names = {a["name"] for a in status(obj).get("attachedToVirtualMachines") or []}
            names |= {meta(v)["name"] for v in self.scan(self.kind, ns) if any(
                r.get("kind") == "VirtualDisk" and r.get("name") == name for r in spec(v).get("blockDeviceRefs") or [])}
            return [(ns, n) for n in sorted(names)]
        if change_kind == "VirtualMachineBlockDeviceAttachment":
            names = {spec(obj).get("virtualMachineName"), status(obj).get("virtualMachineName")}
            return [(ns, n) for n in sorted(n for n in names if n)]
        if change_kind == "VirtualMachineIPAddress":
            names = {status(obj).get("virtualMachineName")}
            names |= {r.get("name") for r in meta(obj).get("ownerReferences") or [] if r.get("kind") == self.kind}
            return [(ns, n) for n in sorted(n for n in names if n)]
        if change_kind == "VirtualMachineSnapshot":
            return [(ns, spec(obj)["virtualMachineName"])] if spec(obj).get("virtualMachineName") else []
        if change_kind == "VirtualMachineClass":
            return [(meta(v).get("namespace", ""), meta(v)["name"]) for v in self.scan(self.kind, None)
                    if spec(v).get("virtualMachineClassName") == name]
        return super().keys_for(change_kind, obj)

    def reconcile(self, namespace: str, name: str, obj: Obj | None) -> None:
        if obj is None:
            self.forget(namespace, name)
            return
        if deleting(obj):
            st = Status(obj)
            st.phase = "Terminating"
            self.commit(st)
            self.rt.remove_finalizer(obj, CLEANUP)
            return
        obj = self.ensure_finalizer(obj, CLEANUP)
        st = Status(obj)
        self.ip_address(obj, st)
        devices_ok, startable = self.block_devices(obj, st)
        self.power(obj, st, devices_ok, startable)
        self.conditions(obj, st)
        request = self.filesystem(obj, st)
        self.commit(st)
        if request:
            self.annotate(obj, FS_REQUEST, None)

    # ---- parts -------------------------------------------------------------------------------
    def ip_address(self, vm: Obj, st: Status) -> None:
        ns, uid = meta(vm).get("namespace", ""), meta(vm)["uid"]
        name = spec(vm).get("virtualMachineIPAddressName") or st.data.get("virtualMachineIPAddressName")
        vmip = self.get("VirtualMachineIPAddress", ns, name)
        if vmip is None and not spec(vm).get("virtualMachineIPAddressName"):
            owned = [v for v in self.scan("VirtualMachineIPAddress", ns)
                     if (meta(v).get("labels") or {}).get(VM_UID_LABEL) == uid]
            vmip = owned[0] if owned else None
        if vmip is None and self.rt.served("VirtualMachineIPAddress"):
            m: Obj = {"namespace": ns, "labels": {VM_UID_LABEL: uid}}
            if spec(vm).get("virtualMachineIPAddressName"):
                m["name"] = spec(vm)["virtualMachineIPAddressName"]
            else:
                m.update(generateName=f"{meta(vm)['name']}-", ownerReferences=[owner_ref(vm, controller=True)])
            vmip = self.rt.create({"apiVersion": vm["apiVersion"], "kind": "VirtualMachineIPAddress",
                                   "metadata": m, "spec": {"type": "Auto"}})
        if vmip is None:
            return
        st.data["virtualMachineIPAddressName"] = meta(vmip)["name"]
        address = status(vmip).get("address")
        if address:
            st.data["ipAddress"] = address
        if status(vmip).get("phase") in ("Bound", "Attached"):
            st.cond("VirtualMachineIPAddressReady", "True", "VirtualMachineIPAddressReady")
        else:
            st.cond("VirtualMachineIPAddressReady", "False", "VirtualMachineIPAddressNotReady",
                    f'Waiting for the IP address "{meta(vmip)["name"]}" to be bound.')

    def block_devices(self, vm: Obj, st: Status) -> tuple[bool, bool]:
        """status.blockDeviceRefs (spec devices, then Attached VMBDAs); (all ready, can start)."""
        ns, running = meta(vm).get("namespace", ""), phase(vm) in ("Running", "Migrating")
        refs: list[Obj] = []
        ready = startable = total = 0
        wffc = False
        static: list[tuple[Obj, Obj | None]] = [(r, None) for r in spec(vm).get("blockDeviceRefs") or []]
        hot: list[tuple[Obj, Obj | None]] = [({**(spec(b).get("blockDeviceRef") or {})}, b)
               for b in sorted(self.scan("VirtualMachineBlockDeviceAttachment", ns), key=lambda b: meta(b)["name"])
               if spec(b).get("virtualMachineName") == meta(vm)["name"] and phase(b) == "Attached"]
        for i, (ref, vmbda) in enumerate(static + hot):
            out: Obj = {"kind": ref.get("kind"), "name": ref.get("name")}
            disk = self.get("VirtualDisk", ns, ref.get("name")) if ref.get("kind") == "VirtualDisk" else None
            if disk is not None and status(disk).get("capacity"):
                out["size"] = status(disk)["capacity"]
            out["attached"] = running
            if running:
                out["target"] = (f"sd{chr(97 + i - len(static))}" if vmbda else f"vd{chr(97 + i)}")
            if vmbda is not None:
                out.update(hotplugged=True, virtualMachineBlockDeviceAttachmentName=meta(vmbda)["name"])
            refs.append(out)
            if vmbda is not None:
                continue
            total += 1
            p = phase(disk) if ref.get("kind") == "VirtualDisk" else "Ready"
            ready += p in ("Ready", "Resizing", "Migrating")
            startable += p in ("Ready", "Resizing", "Migrating", "WaitForFirstConsumer")
            wffc |= p == "WaitForFirstConsumer"
        st.data["blockDeviceRefs"] = refs
        if ready == total:
            st.cond("BlockDevicesReady", "True", "BlockDevicesReady")
        elif startable == total and wffc:
            st.cond("BlockDevicesReady", "False", self.g.msg("reason.wffcDevices"),
                    "Waiting for the virtual disks with the WaitForFirstConsumer binding mode to be provisioned.")
        else:
            st.cond("BlockDevicesReady", "False", "BlockDevicesNotReady",
                    f"Waiting for block devices to be ready: {ready}/{total}.")
        return ready == total, startable == total

    def power(self, vm: Obj, st: Status, devices_ok: bool, startable: bool) -> None:
        ns, name = meta(vm).get("namespace", ""), meta(vm)["name"]
        cur = st.phase
        automatic = (spec(vm).get("disruptions") or {}).get("restartApprovalMode") == "Automatic"
        restart = ann_of(vm).get(POWER) == "restart" or bool(
            cur in ON and automatic and pending_changes(vm, st))
        if wants_running(vm) and not (restart and cur in ON):
            if cur in ("", "Stopped", "Pending"):
                self._phase(st, "Starting" if startable else "Pending")
                self.forget(ns, name, "start")
            elif cur == "Stopping" and self.waited(ns, name, "stop", timing.VM_STOP):
                self._phase(st, "Stopped")
            if st.phase == "Starting":
                self._select_node(vm)
                if devices_ok and self.waited(ns, name, "start", timing.VM_START):
                    self._phase(st, "Running")
                    st.data.setdefault("stats", {})["lastStartTime"] = now_iso()
                    st.data["resources"] = applied(vm)
        else:
            if cur in ON or cur == "Pending":
                self._phase(st, "Stopping")
                self.forget(ns, name, "stop")
            if (st.phase == "Stopping" and self.waited(ns, name, "stop", timing.VM_STOP)) or st.phase == "":
                self._phase(st, "Stopped")
        if st.phase == "Stopped":
            st.data["resources"] = applied(vm)
            if ann_of(vm).get(POWER) == "restart":
                self.annotate(vm, POWER, "on")
        changes = pending_changes(vm, st) if st.phase in ON else []
        if changes:
            st.data["restartAwaitingChanges"] = changes
            st.cond("AwaitingRestartToApplyConfiguration", "True", self.g.msg("reason.restartPending"),
                    RESTART_MESSAGE)
        else:
            st.data.pop("restartAwaitingChanges", None)
            st.cond("AwaitingRestartToApplyConfiguration", "False", self.g.msg("reason.noRestart"))
        st.data["nodeName"] = node_for(name) if st.phase in (*ON, "Stopping") else ""

    def _phase(self, st: Status, value: str) -> None:
        if st.phase == value:
            return
        st.phase = value
        trans = list((st.data.get("stats") or {}).get("phasesTransitions") or [])[-9:]
        trans.append({"phase": value, "timestamp": now_iso()})
        st.data.setdefault("stats", {})["phasesTransitions"] = trans

    def _select_node(self, vm: Obj) -> None:
        """WaitForFirstConsumer claims of the VM's disks get bound once the VM is scheduled."""
        ns = meta(vm).get("namespace", "")
        for ref in (status(vm).get("blockDeviceRefs") or []) + (spec(vm).get("blockDeviceRefs") or []):
            if ref.get("kind") != "VirtualDisk":
                continue
            select_node(self, ns, ref.get("name"), node_for(meta(vm)["name"]))

    def conditions(self, vm: Obj, st: Status) -> None:
        cls = spec(vm).get("virtualMachineClassName")
        if self.get("VirtualMachineClass", None, cls) is not None or not self.rt.served("VirtualMachineClass"):
            st.cond("VirtualMachineClassReady", "True", "VirtualMachineClassReady")
        else:
            st.cond("VirtualMachineClassReady", "False", "VirtualMachineClassNotReady",
                    f'VirtualMachineClass "{cls}" not found.')
        prov = spec(vm).get("provisioning") or {}
        ref = prov.get("userDataRef") or prov.get("sysprepRef") or {}
        if ref.get("name") and self.get("Secret", meta(vm).get("namespace"), ref["name"]) is None:
            st.cond("ProvisioningReady", "False", "ProvisioningNotReady",
                    f'Provisioning secret "{ref["name"]}" not found.')
        else:
            st.cond("ProvisioningReady", "True", "ProvisioningReady")
        running = st.phase in ("Running", "Migrating")
        st.cond("Running", *(("True", "Running") if running else ("False", "NotRunning")))
        if running and agent_present(vm):
            st.cond("AgentReady", "True", "AgentReady")
        elif running:
            st.cond("AgentReady", "False", "AgentNotReady", AGENT_MISSING)
        else:
            st.drop("AgentReady")
        st.cond("ConfigurationApplied", "True", "ConfigurationApplied")
        self._snapshotting(vm, st)
        if is_true(vm, "Maintenance"):
            st.data["conditions"] = [c for c in st.data.get("conditions") or [] if c.get("type") == "Maintenance"]
        elif cond(vm, "Maintenance") is not None:
            st.drop("Maintenance")

    def _snapshotting(self, vm: Obj, st: Status) -> None:
        phases = {phase(s) or "Pending" for s in self.scan("VirtualMachineSnapshot", meta(vm).get("namespace", ""))
                  if spec(s).get("virtualMachineName") == meta(vm)["name"] and not deleting(s)}
        if "InProgress" in phases:
            st.cond("Snapshotting", "True", *SNAPSHOT_BUSY)
        elif "Pending" in phases:
            st.cond("Snapshotting", "True", *SNAPSHOT_WAIT)
        else:
            st.drop("Snapshotting")

    def filesystem(self, vm: Obj, st: Status) -> bool:
        """Answer a pending freeze/unfreeze request after the agent's delay; True when the request is done."""
        ns, name = meta(vm).get("namespace", ""), meta(vm)["name"]
        running = st.phase == "Running"
        if not running:
            st.drop("FilesystemFrozen")
        request = ann_of(vm).get(FS_REQUEST)
        if not request:
            return False
        default = timing.FREEZE if request == "freeze" else timing.UNFREEZE
        delay = _float(ann_of(vm).get(FREEZE_SECONDS), default)
        if running and not self.waited(ns, name, f"fs-{request}", delay):
            return False
        self.forget(ns, name, f"fs-{request}")
        if request == "freeze" and running and agent_present(vm):
            st.cond("FilesystemFrozen", "True", "Frozen", FROZEN_MESSAGE)
        elif request == "unfreeze":
            st.drop("FilesystemFrozen")
        return True


def select_node(ctl: Reconciler, namespace: str, disk_name: str | None, node: str) -> None:
    disk = ctl.get("VirtualDisk", namespace, disk_name)
    pvc = ctl.get("PersistentVolumeClaim", namespace,
                  (status(disk).get("target") or {}).get("persistentVolumeClaimName"))
    if pvc is not None and status(pvc).get("phase") != "Bound" and SELECTED_NODE not in ann_of(pvc):
        ctl.annotate(pvc, SELECTED_NODE, node)


def _float(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default
