"""VMOP `Restore` (cse, v1.8, v1.10): in-place restore of a VM from its snapshot, step by step (§3.4)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.sim.controllers import restore_plan as rp
from tui.sim.controllers import vm_signals as sig
from tui.sim.controllers.base import POWER, Status, cond, meta, phase, spec, status
from tui.sim.controllers.restore_apply import ANN_POWER_STATE, BUSY, DONE, FAILED, PROCESSED, process_restore
from tui.sim.controllers.restore_checks import drop_images, missing_images, restore_problem

if TYPE_CHECKING:
    from tui.sim.controllers.runtime import Runtime
    from tui.sim.controllers.vmop import VMOPController

Obj = dict[str, Any]
FINALIZER = "virtualization.deckhouse.io/vmop-cleanup"
RUNNING = ("Running", "Degraded", "Starting", "Pause", "Migrating")
MANUAL_POLICIES = ("Manual", "AlwaysOnUnlessStoppedManually")
WAIT = 1.0  # model seconds between passes that wait for the VM or the disks


def _maintenance(st: Status) -> bool:
    return any(
        c.get("type") == "MaintenanceMode" and c.get("status") == "True" for c in st.data.get("conditions") or []
    )


def _processing_started(st: Status) -> bool:
    return any(r.get("message") == PROCESSED or r.get("status") == BUSY for r in st.data.get("resources") or [])


def _fail(ctl: VMOPController, op: Obj, st: Status, err: str) -> None:
    if ctl.f.restore_completed:
        st.cond("RestoreCompleted", "False", "RestoreFailed", rp.capitalized(err))
    ctl.fail(op, st, "OperationFailed", f"Restore is failed: {err}")
    if not _maintenance(st):
        ctl.rt.remove_finalizer(op, FINALIZER)


def _complete(ctl: VMOPController, op: Obj, st: Status, *, dry: bool) -> None:
    if ctl.f.restore_completed:
        if dry:
            st.cond(
                "RestoreCompleted",
                "True",
                "RestoreDryRunCompleted",
                "The virtual machine can be restored from the snapshot.",
            )
        else:
            st.cond(
                "RestoreCompleted",
                "True",
                "RestoreCompleted",
                "The virtual machine has been restored from the snapshot successfully",
            )
    ctl.complete(op, st, ctl.f.succeeded)


def _start(ctl: VMOPController, op: Obj, st: Status) -> None:
    st.phase = "InProgress"
    st.cond("Completed", "False", "RestoreInProgress", ctl.f.in_progress)
    if ctl.f.restore_completed and st.reason("RestoreCompleted")[0] != "RestoreInProgress":
        st.cond("RestoreCompleted", "False", "RestoreInProgress")
    cur = ctl.rt.get(op["kind"], meta(op)["namespace"], meta(op)["name"])
    if cur is not None:
        ctl.rt.add_finalizer(cur, FINALIZER)


def _enter_maintenance(ctl: VMOPController, op: Obj, st: Status, vm: Obj) -> None:
    if ctl.f.power_state:
        state = "Running" if sig.vm_phase(vm) in RUNNING else "Stopped"
        cur = ctl.rt.get(sig.VM, meta(vm)["namespace"], meta(vm)["name"])
        if cur is not None and rp.ann_of(cur).get(ANN_POWER_STATE) is None:
            rp.annotate(cur, ANN_POWER_STATE, state)
            vm = ctl.rt.update(cur)
    sig.set_maintenance(ctl.rt, vm, True, sig.IN_MAINTENANCE)
    st.cond(
        "MaintenanceMode",
        "True",
        "MaintenanceModeEnabled",
        "VMOP has enabled maintenance mode on VM for restore operation" + ctl.f.period,
    )
    ctl.event(op, "Normal", "MaintenanceMode", "VM entered maintenance mode for restore operation")


def exit_maintenance(ctl: VMOPController, st: Status, vm: Obj) -> None:
    sig.set_maintenance(ctl.rt, vm, False, sig.LEFT_AFTER_RESTORE)
    st.cond(
        "MaintenanceMode",
        "False",
        "MaintenanceModeDisabled",
        "VMOP has disabled maintenance mode on VM" + ctl.f.period,
    )
    if ctl.f.power_state:
        restore_power(ctl.rt, vm)


def restore_power(rt: Runtime, vm: Obj) -> None:
    """v1.10: bring the VM back to the power state recorded when maintenance began."""
    cur = rt.get(sig.VM, meta(vm)["namespace"], meta(vm)["name"])
    state = rp.ann_of(cur).get(ANN_POWER_STATE)
    if cur is None or state is None:
        return
    if spec(cur).get("runPolicy") in MANUAL_POLICIES:
        cur = sig.set_power(rt, cur, "on" if state == "Running" else "off")
    cur["metadata"]["annotations"].pop(ANN_POWER_STATE, None)
    rt.update(cur)


def restore(ctl: VMOPController, op: Obj, st: Status, vm: Obj) -> None:
    """One pass of VMSnapshotReady → EnterMaintenance → ProcessRestore → WaitingDisks → ExitMaintenance."""
    rt, f = ctl.rt, ctl.f
    rs = spec(op).get("restore") or {}
    mode, snap_name = rs.get("mode", "Strict"), rs.get("virtualMachineSnapshotName", "")
    ns, uid, dry = meta(op)["namespace"], meta(op)["uid"], rs.get("mode") == "DryRun"
    if st.phase != "InProgress":
        _start(ctl, op, st)
    snap = rt.get("VirtualMachineSnapshot", ns, snap_name)
    if snap is None:
        return _fail(ctl, op, st, f'virtual machine snapshot "{snap_name}" is not found')
    if (cond(snap, "VirtualMachineSnapshotReady") or {}).get("status") != "True":
        return _fail(ctl, op, st, f'virtual machine snapshot "{snap_name}" is not ready to use')
    secret_name = status(snap).get("virtualMachineSnapshotSecretName")
    if not secret_name:
        return _fail(ctl, op, st, "snapshot secret name is empty")
    if not dry and not st.data.get("resources") and not _maintenance(st):
        _enter_maintenance(ctl, op, st, vm)
    if not dry and sig.vm_phase(vm) not in ("Stopped", "Pending"):
        return ctl.later(op, WAIT)  # the VM controller stops a VM in maintenance
    secret = rt.get("Secret", ns, secret_name)
    if secret is None:
        return _fail(ctl, op, st, "restorer secret is not found")
    try:
        plan = rp.build(rt, snap, secret, op=rp.RESTORE, macs=rt.served(rp.VMMAC), original_meta=f.original_meta)
    except rp.PlanError as e:
        return _fail(ctl, op, st, str(e))
    if mode == "BestEffort":
        drop_images(plan.vm, missing_images(rt, plan.vm))
    if not _processing_started(st):
        entries = []
        for it in plan.items:
            problem = restore_problem(rt, plan, it, mode=mode, strict_images_fail=f.restore_completed)
            entries.append(
                rp.entry(it, FAILED, problem) if problem else rp.entry(it, DONE, f"{it.name} is valid for restore")
            )
        if any(e["status"] == FAILED for e in entries):
            st.data["resources"] = entries
            return _fail(ctl, op, st, "fail to validate the resources: check the status")
        if dry:
            if not f.restore_completed:
                st.data["resources"] = entries
            return _complete(ctl, op, st, dry=True)
    out = process_restore(
        rt,
        plan,
        uid,
        mode=mode,
        keep=(ANN_POWER_STATE, POWER),
        need_maintenance=f.restore_completed,
        owner_refs=f.owner_refs,
    )
    st.data["resources"] = out.resources
    if out.failed:
        return _fail(ctl, op, st, "fail to process the resources: check the status")
    if out.busy:
        return ctl.later(op, WAIT)
    if not f.restore_completed:
        for it in plan.of(rp.VD):
            disk_phase = phase(rt.get(rp.VD, ns, it.name))
            if disk_phase == "Failed":
                return _fail(ctl, op, st, f'virtual disk "{it.name}" is in failed phase')
            if disk_phase not in ("Ready", "WaitForFirstConsumer"):
                st.cond("Completed", "False", "RestoreInProgress", f.wait_disks)
                return ctl.later(op, WAIT)
        st.cond("Completed", "False", "RestoreInProgress", "Resources are ready. Waiting for cleanup.")
    exit_maintenance(ctl, st, vm)
    return _complete(ctl, op, st, dry=False)
