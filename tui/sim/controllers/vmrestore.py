"""VirtualMachineRestore (seed, cse, v1.8): a VM snapshot restored into named objects, Safe or Forced."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from tui.sim.controllers import restore_plan as rp
from tui.sim.controllers.base import POWER
from tui.sim.controllers.restore_apply import (
    create_annotated,
    delete_foreign_vmbdas,
    overwrite_vm,
    pvc_missing,
    set_run_policy,
)
from tui.sim.controllers.restore_checks import forced_conflict, legacy_conflict, snapshot_ready_to_use
from tui.sim.controllers.runtime import Controller, condition, set_condition
from tui.sim.errors import ApiError

Obj = dict[str, Any]
KIND, VMOP = "VirtualMachineRestore", "VirtualMachineOperation"
READY_TO_USE, RESTORE_READY = "VirtualMachineSnapshotReadyToUse", "VirtualMachineRestoreReady"
CONFLICT, FAILED = "VirtualMachineRestoreConflict", "VirtualMachineRestoreFailed"
NOT_STOPPED, NOT_READY = "VirtualMachineIsNotStopped", "VirtualMachineResourcesAreNotReady"
SNAPSHOT_NOT_READY = "VirtualMachineSnapshotNotReady"
TERMINAL = ("Ready", "Failed", "Terminating")
RETRY = 2.0  # model seconds before a waiting pass is retried
AUTO_START = "AlwaysOnUnlessStoppedManually"


@dataclass(frozen=True)
class Flags:
    """How one generation's vmrestore-controller differs (§3.3, §3.9.3)."""

    own_is_conflict: bool  # seed quirk (g): Safe validation does not recognise objects it created
    macs: bool  # VirtualMachineMACAddresses are restored (cse+)
    vmop_annotation: str  # annotation on the Stop/Start VMOPs the restore creates
    stop_original_name: bool  # seed: Forced stops the VM with the un-renamed name
    run_policy_off: bool  # cse, v1.8: Forced sets runPolicy AlwaysOff while it stops and rewrites the VM
    start_any_policy: bool  # seed: Start VMOP for a Stopped restored VM whatever its runPolicy
    drop_renamed_labels: bool  # v1.8: a renamed VM loses its labels
    original_meta: bool  # v1.8: the restorer copies the disks' original labels/annotations
    kubevirt_check_in_safe: bool  # seed: the KubeVirt VM of the original name is checked in Safe mode too


# field → (seed, cse, v1.8)
TABLE: dict[str, tuple[Any, Any, Any]] = {
    "own_is_conflict": (True, False, False),
    "macs": (False, True, True),
    "vmop_annotation": (rp.ANN_VMRESTORE, rp.ANN_VMOPRESTORE, rp.ANN_VMOPRESTORE),
    "stop_original_name": (True, False, False),
    "run_policy_off": (False, True, True),
    "start_any_policy": (True, False, False),
    "drop_renamed_labels": (False, False, True),
    "original_meta": (False, False, True),
    "kubevirt_check_in_safe": (True, False, False),
}
FLAGS = {g: Flags(**{k: v[i] for k, v in TABLE.items()}) for i, g in enumerate(("seed", "cse", "v1.8"))}


@dataclass
class Step:
    """The outcome of one pass: phase, the VirtualMachineRestoreReady reason (None: keep) and message."""

    phase: str
    reason: str | None = None
    message: str = ""
    requeue: float = 0.0


def _spec(obj: Obj | None) -> Obj:
    return (obj or {}).get("spec") or {}


def _status(obj: Obj | None) -> Obj:
    return (obj or {}).get("status") or {}


def _cond(obj: Obj | None, type_: str) -> Obj:
    return next((c for c in _status(obj).get("conditions") or [] if c.get("type") == type_), {})


class VMRestoreController(Controller):
    """Pending → InProgress → Ready (or Failed); the snapshot condition is refreshed on every pass."""

    kind = KIND
    watches = ("VirtualMachineSnapshot", "VirtualMachine", VMOP, "VirtualDisk")

    def keys_for(self, change_kind: str, obj: Obj) -> list[tuple[str, str]]:
        if change_kind == KIND:
            return super().keys_for(change_kind, obj)
        ns = rp.meta(obj).get("namespace", "")
        out = []
        for r in self.rt.scan(KIND, ns):
            if change_kind == "VirtualMachineSnapshot":
                if _spec(r).get("virtualMachineSnapshotName") == rp.meta(obj).get("name"):
                    out.append((ns, rp.meta(r)["name"]))
            elif _status(r).get("phase") not in TERMINAL:
                out.append((ns, rp.meta(r)["name"]))
        return out

    def reconcile(self, namespace: str, name: str, obj: Obj | None) -> None:
        flags = FLAGS.get(self.rt.generation)
        if obj is None or flags is None:
            return
        gen = obj["metadata"].get("generation", 1)
        status = copy.deepcopy(_status(obj))
        snap, ready_to_use = snapshot_ready_to_use(self.rt, namespace, _spec(obj).get("virtualMachineSnapshotName", ""))
        conds = set_condition(list(status.get("conditions") or []), {**ready_to_use, "observedGeneration": gen})
        phase = status.get("phase") or "Pending"
        if obj["metadata"].get("deletionTimestamp"):
            step = Step("Terminating", "Unknown")
        elif phase in TERMINAL:
            step = Step(phase)
        else:
            if not any(c.get("type") == RESTORE_READY for c in conds):
                conds = set_condition(conds, condition(RESTORE_READY, "Unknown", "Unknown", "", gen))
            step = self._lifecycle(obj, phase, snap, ready_to_use, flags)
        if step.reason is not None:
            state = {"VirtualMachineRestoreReady": "True", "Unknown": "Unknown"}.get(step.reason, "False")
            conds = set_condition(conds, condition(RESTORE_READY, state, step.reason, step.message, gen))
        status.update(phase=step.phase, conditions=conds)
        self.rt.set_status(obj, status)
        if step.requeue:
            self.rt.requeue(self, namespace, name, step.requeue)

    # ---- one pass -------------------------------------------------------------------------
    def _lifecycle(self, vmr: Obj, phase: str, snap: Obj | None, ready_to_use: Obj, flags: Flags) -> Step:
        if phase == "InProgress":
            self._start_vm(vmr, flags)
            return Step("Ready", RESTORE_READY)
        snap_name = _spec(vmr).get("virtualMachineSnapshotName", "")
        if snap is None or ready_to_use.get("status") != "True":
            return Step(
                "Pending",
                "VirtualMachineSnapshotNotReadyToUse",
                f'Waiting for the virtual machine snapshot "{snap_name}" to be ready to use.',
            )
        ns, uid = rp.meta(vmr)["namespace"], rp.meta(vmr)["uid"]
        secret_name = _status(snap).get("virtualMachineSnapshotSecretName", "")
        secret = self.rt.get("Secret", ns, secret_name) if secret_name else None
        if secret is None:
            return Step(
                "Failed",
                FAILED,
                rp.capitalized(f'the virtual machine snapshot secret "{secret_name}" not found'),
            )
        try:
            plan = rp.build(self.rt, snap, secret, op=rp.VMRESTORE, macs=flags.macs, original_meta=flags.original_meta)
        except rp.MissingChild as e:
            return Step("Pending", SNAPSHOT_NOT_READY, rp.capitalized(str(e)), RETRY)
        except rp.PlanError as e:
            return Step("Failed", FAILED, rp.capitalized(str(e)))
        original = plan.vm.original
        rp.rename(plan, rp.replacer(_spec(vmr).get("nameReplacements")))
        if flags.drop_renamed_labels and plan.vm.name != original:
            plan.vm.obj["metadata"].pop("labels", None)
        kubevirt_vm = self.rt.get(rp.VM, ns, original) is not None  # the KubeVirt VM of the original name
        forced = _spec(vmr).get("restoreMode") == "Forced"
        if forced:
            if (step := self._forced(vmr, plan, flags)) is not None:
                return step
        elif msg := legacy_conflict(self.rt, plan, uid=uid, own_is_conflict=flags.own_is_conflict):
            return Step("Failed", CONFLICT, msg)
        delete_foreign_vmbdas(self.rt, ns, original, rp.ANN_VMRESTORE, uid)
        for it in plan.items:
            try:
                create_annotated(self.rt, it, rp.ANN_VMRESTORE, uid)
            except ApiError as e:
                return Step("Failed", FAILED, rp.capitalized(f'failed to create {it.kind} "{it.name}": {e.message}'))
        if forced or flags.kubevirt_check_in_safe:
            if not kubevirt_vm:
                return Step("Pending", None, "", RETRY)  # the pass ends with an error and is retried
            if pvc_missing(self.rt, ns, original):
                return Step("Pending", NOT_READY, "Waiting for the `VirtualDisks` will be restored.", RETRY)
        if forced and flags.run_policy_off:
            set_run_policy(self.rt, ns, plan.vm.name, _spec(plan.vm.obj).get("runPolicy", AUTO_START))
        return Step(
            "InProgress",
            SNAPSHOT_NOT_READY,
            f'The virtual machine "{_spec(snap).get("virtualMachineName", original)}" is in the process of restore.',
        )

    def _forced(self, vmr: Obj, plan: rp.Plan, flags: Flags) -> Step | None:
        """Forced mode up to the point where objects are created; a Step when the pass ends early."""
        ns, uid = plan.namespace, rp.meta(vmr)["uid"]
        if msg := forced_conflict(self.rt, plan, uid=uid):
            return Step("Failed", CONFLICT, msg)
        vm = self.rt.get(rp.VM, ns, plan.vm.name)
        ours = vm is not None and rp.ann_of(vm).get(rp.ANN_VMRESTORE) == uid
        if vm is None:
            return Step(
                "Failed",
                FAILED,
                "Restoration with `Forced` mode can be applied only to an existing "
                "virtual machine; you can restore the virtual machine with `Safe` mode.",
            )
        if _status(vm).get("phase") == "Pending" and not ours:
            return Step(
                "Failed",
                FAILED,
                "A virtual machine cannot be restored from the pending phase with "
                "`Forced` mode; you can delete the virtual machine and restore it with "
                "`Safe` mode.",
            )
        if _status(vm).get("phase") != "Stopped" and (step := self._stop(vmr, vm, plan, flags)) is not None:
            return step
        for it in plan.items:
            cur = self.rt.get(it.kind, ns, it.name)
            if cur is None or (rp.ann_of(cur).get(rp.ANN_VMRESTORE) == uid and it.kind != rp.VM):
                continue
            if it.kind in (rp.VD, rp.VMBDA):
                if not rp.meta(cur).get("deletionTimestamp"):
                    self.rt.delete(it.kind, ns, it.name)
                return Step("Pending", NOT_READY, f"Waiting for the `{it.kind}` {it.name} will be restored.", RETRY)
            if it.kind == rp.VM:
                if flags.run_policy_off and _spec(cur).get("runPolicy") == "AlwaysOff":
                    it = rp.Item(it.kind, copy.deepcopy(it.obj), it.original)
                    it.obj.setdefault("spec", {})["runPolicy"] = "AlwaysOff"
                overwrite_vm(self.rt, cur, it, rp.ANN_VMRESTORE, uid, keep=(POWER,))
        return None

    def _stop(self, vmr: Obj, vm: Obj, plan: rp.Plan, flags: Flags) -> Step | None:
        if flags.run_policy_off and _spec(vm).get("runPolicy") != "AlwaysOff":
            set_run_policy(self.rt, plan.namespace, plan.vm.name, "AlwaysOff")
            return Step("Pending", NOT_STOPPED, "Waiting for the virtual machine run policy will be updated.", RETRY)
        uid = rp.meta(vmr)["uid"]
        stop = next(
            (
                op
                for op in self.rt.list(VMOP, plan.namespace)
                if rp.ann_of(op).get(flags.vmop_annotation) == uid and _spec(op).get("type") == "Stop"
            ),
            None,
        )
        if stop is None:
            target = plan.vm.original if flags.stop_original_name else plan.vm.name
            self._vmop(vmr, flags, "Stop", target)
            return Step("Pending", NOT_STOPPED, "Waiting for the virtual machine will be stopped.", RETRY)
        if _status(stop).get("phase") == "Failed":
            msg = _cond(stop, "Completed").get("message", "")
            return Step("Failed", FAILED, rp.capitalized(f"failed to stop the `VirtualMachine`: {msg}"))
        if _status(stop).get("phase") != "Completed":
            return Step("Pending", NOT_STOPPED, "Waiting for the virtual machine will be stopped.", RETRY)
        return None

    # ---- helpers ------------------------------------------------------------------------
    def _vmop(self, vmr: Obj, flags: Flags, type_: str, vm_name: str) -> Obj:
        return self.rt.create(
            {
                "apiVersion": rp.DVP,
                "kind": VMOP,
                "metadata": {
                    "generateName": "vmrestore-",
                    "namespace": rp.meta(vmr)["namespace"],
                    "annotations": {flags.vmop_annotation: rp.meta(vmr)["uid"]},
                },
                "spec": {"type": type_, "virtualMachineName": vm_name},
            }
        )

    def _start_vm(self, vmr: Obj, flags: Flags) -> None:
        ns, uid = rp.meta(vmr)["namespace"], rp.meta(vmr)["uid"]
        vm = next((v for v in self.rt.list(rp.VM, ns) if rp.ann_of(v).get(rp.ANN_VMRESTORE) == uid), None)
        if vm is None or _status(vm).get("phase") != "Stopped":
            return
        if not flags.start_any_policy and _spec(vm).get("runPolicy") != AUTO_START:
            return
        try:
            self._vmop(vmr, flags, "Start", rp.meta(vm)["name"])
        except ApiError as e:
            self.rt.event(vmr, "Warning", "Failed", f"failed to start the `VirtualMachine`: {e.message}")
