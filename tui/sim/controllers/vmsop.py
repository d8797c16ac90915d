"""VirtualMachineSnapshotOperation `CreateVirtualMachine` (v1.8, v1.10): a VM from a snapshot in one pass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.sim.controllers import restore_plan as rp
from tui.sim.controllers.base import Status, cond, deleting, meta, phase, spec, status
from tui.sim.controllers.runtime import Controller
from tui.sim.controllers.vmop_clone import copy_once, plan_copy

Obj = dict[str, Any]
KIND = "VirtualMachineSnapshotOperation"
RETRY = 1.0  # model seconds before a transient failure is retried


@dataclass(frozen=True)
class SopFlags:
    """Messages of one generation (v1.8 wording is older and lower-case, capitalised on write)."""

    no_params: str
    not_found: str
    not_ready: str
    no_secret: str
    busy: str
    disk_limit: int


FLAGS: dict[str, SopFlags] = {
    "v1.8": SopFlags(
        "Clone specification is mandatory to start creating virtual machine",
        "Virtual machine snapshot not found",
        "Virtual machine snapshot is not ready",
        "Virtual machine snapshot secret not found",
        "VMSOP cannot be executed now. Previously created operation should finish first",
        60,
    ),
    "v1.10": SopFlags(
        "Cannot start the clone: no parameters for the new virtual machine are specified.",
        'The VirtualMachineSnapshot "{name}" was not found.',
        'The VirtualMachineSnapshot "{name}" is not ready yet.',
        "The VirtualMachineSnapshot is not ready to be used yet.",
        "The operation cannot start yet: another operation must finish first.",
        253,
    ),
}
COMPLETED = "VirtualMachineSnapshotOperation completed"
DRY_RUN_COMPLETED = COMPLETED + ". The virtual machine can be cloned from the snapshot"


def _older(a: Obj, b: Obj) -> bool:
    return (meta(a).get("creationTimestamp", ""), meta(a)["name"]) < (
        meta(b).get("creationTimestamp", ""),
        meta(b)["name"],
    )


class VMSOPController(Controller):
    """Pending → Completed | Failed; `InProgress` is never written (as in the DVP code)."""

    kind = KIND

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        self.f = FLAGS.get(rt.generation, FLAGS["v1.10"])

    def reconcile(self, namespace: str, name: str, obj: Obj | None) -> None:
        if obj is None or not self.rt.served(KIND):
            return
        st = Status(obj)
        if deleting(obj):
            st.phase = "Terminating"
        elif st.reason("Completed")[0] in ("OperationCompleted", "OperationFailed"):
            return
        else:
            self._run(obj, st)
        if st.changed():
            self.rt.set_status(obj, st.data)

    def _fail(self, op: Obj, st: Status, reason: str, message: str) -> None:
        st.phase = "Failed"
        st.cond("Completed", "False", reason, message)
        self.rt.event(op, "Warning", "VirtualMachineSnapshotOperationFailed", message)

    def _run(self, op: Obj, st: Status) -> None:
        f, ns = self.f, meta(op)["namespace"]
        params = spec(op).get("createVirtualMachine")
        if not params:
            return self._fail(op, st, "OperationFailed", f.no_params)
        if not st.phase:
            st.phase = "Pending"
            st.cond("Completed", "Unknown", "Unknown")
            self.rt.event(
                op,
                "Normal",
                "VirtualMachineSnaphotOperationStarted",
                "VirtualMachineSnapshotOperation started",
            )
        snap_name = spec(op).get("virtualMachineSnapshotName", "")
        snap = self.rt.get(rp.VMSNAPSHOT, ns, snap_name)
        if snap is None:
            return self._fail(op, st, "VirtualMachineSnapshotNotFound", f.not_found.format(name=snap_name))
        if phase(snap) != "Ready" or (cond(snap, "VirtualMachineSnapshotReady") or {}).get("status") != "True":
            return self._fail(op, st, "NotReadyToBeExecuted", f.not_ready.format(name=snap_name))
        secret_name = status(snap).get("virtualMachineSnapshotSecretName")
        secret = self.rt.get("Secret", ns, secret_name) if secret_name else None
        if secret is None:
            return self._fail(op, st, "NotReadyToBeExecuted", f.no_secret)
        if any(
            spec(o).get("virtualMachineSnapshotName") == snap_name
            and _older(o, op)
            and phase(o) not in ("Completed", "Failed")
            for o in self.rt.scan(KIND, ns)
        ):
            return self._fail(op, st, "NotReadyToBeExecuted", f.busy)
        mode = params.get("mode", "Strict")
        try:
            plan = plan_copy(self.rt, snap, secret, params)
        except rp.PlanError as e:
            return self._fail(op, st, "OperationFailed", rp.capitalized(str(e)))
        if problem := copy_once(self.rt, plan, st, mode=mode, uid=meta(op)["uid"], disk_limit=f.disk_limit):
            return self._fail(op, st, "OperationFailed", f"CreateVirtualMachine is failed: {problem}")
        if any(r.get("status") == "InProgress" for r in st.data.get("resources") or []):
            self.rt.requeue(self, ns, meta(op)["name"], RETRY)
            return None
        st.phase = "Completed"
        st.cond("Completed", "True", "OperationCompleted", DRY_RUN_COMPLETED if mode == "DryRun" else COMPLETED)
        self.rt.event(op, "Warning", "VirtualMachineOperationSucceeded", st.reason("Completed")[1])
        return None
