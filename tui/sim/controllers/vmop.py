"""VirtualMachineOperation: the common prelude, Start/Stop/Restart/Migrate/Evict, Restore/Clone dispatch."""

from __future__ import annotations

from typing import Any

from tui.sim.controllers import vm_signals as sig
from tui.sim.controllers.base import Status, cond, deleting, meta, phase, spec
from tui.sim.controllers.runtime import Controller
from tui.sim.controllers.vmop_clone import clone
from tui.sim.controllers.vmop_flags import FLAGS, NEW_POLICIES
from tui.sim.controllers.vmop_restore import restore, restore_power

Obj = dict[str, Any]
KIND, VM = "VirtualMachineOperation", "VirtualMachine"
FINALIZER = "virtualization.deckhouse.io/vmop-cleanup"
VM_UID_LABEL = "virtualization.deckhouse.io/virtual-machine-uid"
POWER_TYPES = ("Start", "Stop", "Restart")
SNAPSHOT_TYPES = ("Restore", "Clone")
MIGRATE_SECONDS = 3.0  # model seconds a Migrate/Evict takes
ANY_POLICY = ("AlwaysOn", "AlwaysOff", "Manual", "AlwaysOnUnlessStoppedManually")
STOPPABLE = ("Running", "Degraded", "Starting", "Pause", "Pending")
RUNNING_PHASES = ("Running", "Degraded", "Starting", "Pause")


def finished(op: Obj) -> bool:
    return phase(op) in ("Completed", "Failed", "Superseded")


def older(a: Obj, b: Obj) -> bool:
    ka = (meta(a).get("creationTimestamp", ""), meta(a).get("name", ""))
    return ka < (meta(b).get("creationTimestamp", ""), meta(b).get("name", ""))


def can_supersede(old: Obj, new: Obj) -> bool:
    """`supersede.CanSupersede` (v1.10): Start ← Stop; non-forced Stop/Restart ← forced Stop/Restart;
    Migrate/Evict ← Stop/Restart; nothing supersedes Restore/Clone and they supersede nothing."""
    o, n = spec(old).get("type"), spec(new).get("type")
    if o == "Start":
        return n == "Stop"
    if o in ("Stop", "Restart") and not spec(old).get("force"):
        return n in ("Stop", "Restart") and bool(spec(new).get("force"))
    return o in ("Migrate", "Evict") and n in ("Stop", "Restart")


class VMOPController(Controller):
    """All VMOP types of the generation; Restore and Clone are driven by `vmop_restore`/`vmop_clone`."""

    kind = KIND
    watches = (VM, "VirtualMachineSnapshot", "VirtualDisk")

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        self.f = FLAGS.get(rt.generation, FLAGS["v1.10"])
        self._due: dict[str, float] = {}

    def keys_for(self, change_kind: str, obj: Obj) -> list[tuple[str, str]]:
        if change_kind == KIND:
            return super().keys_for(change_kind, obj)
        ns = meta(obj).get("namespace", "")
        if change_kind == "VirtualMachineSnapshot":
            return [(ns, r["name"]) for r in meta(obj).get("ownerReferences") or [] if r.get("kind") == KIND]
        name = meta(obj).get("name")
        out = []
        for op in self.rt.scan(KIND, ns):
            active = not finished(op) or (phase(op) == "Failed" and maintenance_on(op))
            if not active:
                continue
            if (change_kind == VM and spec(op).get("virtualMachineName") == name) or (
                change_kind == "VirtualDisk" and spec(op).get("type") in SNAPSHOT_TYPES
            ):
                out.append((ns, meta(op)["name"]))
        return out

    # ---- the reconcile loop -----------------------------------------------------------------
    def reconcile(self, namespace: str, name: str, obj: Obj | None) -> None:
        if obj is None:
            return
        st = Status(obj)
        type_ = spec(obj).get("type", "")
        if deleting(obj):
            self._deleting(obj, st)
            return
        if phase(obj) == "Failed" and type_ == "Restore" and maintenance_on(obj):
            self._reexecute(obj, st)
            return
        if finished(obj):
            return
        vm = self.rt.get(VM, namespace, spec(obj).get("virtualMachineName", ""))
        if not self._prelude(obj, st, vm):
            self.commit(st)
            return
        assert vm is not None
        if type_ in POWER_TYPES:
            self._power(obj, st, vm)
        elif type_ in ("Migrate", "Evict"):
            self._migrate(obj, st)
        elif type_ == "Restore":
            restore(self, obj, st, vm)
        elif type_ == "Clone":
            clone(self, obj, st, vm)
        self.commit(st)

    def commit(self, st: Status) -> None:
        if st.changed():
            self.rt.set_status(st.obj, st.data)

    def later(self, op: Obj, model_seconds: float = 1.0) -> None:
        self.rt.requeue(self, meta(op)["namespace"], meta(op)["name"], model_seconds)

    def event(self, op: Obj, type_: str, reason: str, message: str) -> None:
        self.rt.event(op, type_, reason, message)

    def fail(self, op: Obj, st: Status, reason: str, message: str) -> None:
        st.phase = "Failed"
        st.cond("Completed", "False", reason, message)
        self.event(op, "Warning", "VirtualMachineOperationFailed", message)

    def complete(self, op: Obj, st: Status, message: str = "") -> None:
        st.phase = "Completed"
        st.cond("Completed", "True", "OperationCompleted", message)
        self.event(
            op,
            "Normal",
            "VirtualMachineOperationSucceeded",
            message or "VirtualMachineOperation is successfully completed",
        )
        self.rt.remove_finalizer(op, FINALIZER)

    # ---- prelude (all types) ----------------------------------------------------------------
    def _prelude(self, op: Obj, st: Status, vm: Obj | None) -> bool:
        """Pending, VM lookup, ordering/supersede and applicability; False when the pass ends here."""
        type_ = spec(op).get("type", "")
        if type_ not in self.f.types:
            return False
        if not st.phase:
            st.phase = "Pending"
            st.cond("Completed", "Unknown", "Unknown")
            if type_ in POWER_TYPES:
                st.cond("SignalSent", "Unknown", "Unknown")
            self.event(op, "Normal", "VirtualMachineOperationStarted", "VirtualMachineOperation started")
        if vm is None:
            self.fail(op, st, "VirtualMachineNotFound", "VirtualMachine not found")
            return False
        if (meta(op).get("labels") or {}).get(VM_UID_LABEL) != meta(vm)["uid"]:
            cur = self.rt.get(KIND, meta(op)["namespace"], meta(op)["name"])
            if cur is not None:
                cur["metadata"].setdefault("labels", {})[VM_UID_LABEL] = meta(vm)["uid"]
                self.rt.update(cur)
        if st.phase == "InProgress":
            return True
        if not self._may_execute(op, st):
            return False
        return self._applicable(op, st, vm)

    def _may_execute(self, op: Obj, st: Status) -> bool:
        ns, vm_name = meta(op)["namespace"], spec(op).get("virtualMachineName")
        blockers = sorted(
            (
                o
                for o in self.rt.scan(KIND, ns)
                if spec(o).get("virtualMachineName") == vm_name
                and not finished(o)
                and meta(o)["uid"] != meta(op)["uid"]
                and older(o, op)
            ),
            key=lambda o: (meta(o).get("creationTimestamp", ""), meta(o)["name"]),
        )
        if not blockers:
            return True
        if self.f.supersede and all(can_supersede(b, op) for b in blockers):
            for b in blockers:
                old = Status(self.rt.get(KIND, ns, meta(b)["name"]) or b)
                old.phase = "Superseded"
                old.cond(
                    "Completed",
                    "True",
                    "Superseded",
                    f"Superseded by {meta(op)['name']} with type {spec(op).get('type')}",
                )
                self.commit(old)
            return True
        st.phase = "Failed"
        st.cond(
            "Completed",
            "False",
            "NotReadyToBeExecuted",
            "VMOP cannot be executed now. Previously created operation should finish first.",
        )
        return False

    def _applicable(self, op: Obj, st: Status, vm: Obj) -> bool:
        type_, vm_phase = spec(op).get("type"), sig.vm_phase(vm)
        policy = spec(vm).get("runPolicy") or "AlwaysOnUnlessStoppedManually"
        by_type = {
            "Start": NEW_POLICIES,
            "Stop": self.f.stop_policies,
            "Restart": (*NEW_POLICIES, "AlwaysOn"),
        }
        policies = by_type.get(str(type_), ANY_POLICY)
        stopping = ("Stopping",) if self.f.stop_stopping or spec(op).get("force") else ()
        phases = {
            "Start": ("Stopped", "Stopping"),
            "Stop": (*STOPPABLE, *stopping),
            "Restart": RUNNING_PHASES,
            "Migrate": ("Running",),
            "Evict": ("Running",),
            "Restore": ("Stopped", "Running", "Pending"),
            "Clone": ("Stopped", "Running"),
        }[str(type_)]
        if policy not in policies:
            self.fail(
                op,
                st,
                "NotApplicableForVirtualMachineRunPolicy",
                f"Operation type {type_} is not applicable for VirtualMachine with runPolicy {policy}",
            )
            return False
        if vm_phase not in phases:
            self.fail(
                op,
                st,
                "NotApplicableForVirtualMachinePhase",
                f"Operation type {type_} is not applicable for VirtualMachine in phase {vm_phase}",
            )
            return False
        return True

    # ---- simple types -----------------------------------------------------------------------
    def _power(self, op: Obj, st: Status, vm: Obj) -> None:
        type_ = spec(op).get("type")
        reason = f"{type_}InProgress"
        if st.phase != "InProgress":
            sig.set_power(self.rt, vm, "on" if type_ == "Start" else "off")
            st.phase = "InProgress"
            st.cond("Completed", "False", reason, self.f.in_progress)
            st.cond("SignalSent", "True", "SignalSentSuccess")
            return
        vm_phase = sig.vm_phase(vm)
        if type_ == "Restart" and sig.power(vm) == "off":
            if vm_phase == "Stopped":
                sig.set_power(self.rt, vm, "on")
            return
        if (type_ == "Stop") == (vm_phase == "Stopped") and vm_phase in ("Stopped", "Running"):
            st.phase = "Completed"
            st.cond("Completed", "True", "OperationCompleted")
            self.event(op, "Normal", "VirtualMachineOperationSucceeded", "VirtualMachineOperation succeeded")

    def _migrate(self, op: Obj, st: Status) -> None:
        if st.phase != "InProgress":
            st.phase = "InProgress"
            st.cond("Completed", "False", "MigrationRunning", self.f.in_progress)
        if not self._elapsed(op, "migrate", MIGRATE_SECONDS):
            return
        st.phase = "Completed"
        st.cond("Completed", "True", "OperationCompleted")
        self.event(op, "Normal", "VirtualMachineOperationSucceeded", "VirtualMachineOperation succeeded")

    def _elapsed(self, op: Obj, tag: str, model_seconds: float) -> bool:
        """True once `model_seconds` have passed since the first call for (op, tag); until then the VMOP
        is requeued for the moment the wait ends."""
        key = f"{meta(op)['uid']}/{tag}"
        loop = self.rt.loop
        assert loop is not None
        due = self._due.setdefault(key, loop.time() + self.rt.seconds(model_seconds))
        left = due - loop.time()
        if left > 0:
            ns, name = meta(op)["namespace"], meta(op)["name"]
            self.rt.after(left + 0.001, lambda: self.rt.requeue(self, ns, name))
            return False
        del self._due[key]
        return True

    # ---- Restore specifics that live outside the steps -----------------------------------------
    def _reexecute(self, op: Obj, st: Status) -> None:
        """Quirk (d): a Failed restore with maintenance still on goes back to InProgress (after a pause)."""
        if self._elapsed(op, "reexecute", REEXECUTE_SECONDS):
            st.phase = "InProgress"
            st.cond("Completed", "False", "RestoreInProgress", self.f.in_progress)
            self.commit(st)

    def _deleting(self, op: Obj, st: Status) -> None:
        if spec(op).get("type") == "Restore" and cond(op, "MaintenanceMode") is not None:
            vm = self.rt.get(VM, meta(op)["namespace"], spec(op).get("virtualMachineName", ""))
            if vm is not None and sig.in_maintenance(vm):
                sig.set_maintenance(self.rt, vm, False, sig.LEFT_ON_DELETION)
                if self.f.power_state:
                    restore_power(self.rt, vm)
        st.phase = "Terminating"
        self.commit(st)
        self.rt.remove_finalizer(op, FINALIZER)


REEXECUTE_SECONDS = 5.0  # model seconds before a Failed restore still in maintenance is re-entered


def maintenance_on(op: Obj) -> bool:
    """The VMOP's own `MaintenanceMode` condition is True (its restore still holds the VM)."""
    c = cond(op, "MaintenanceMode")
    return c is not None and c.get("status") == "True"
