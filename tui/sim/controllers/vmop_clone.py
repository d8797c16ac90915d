"""VMOP `Clone` (v1.8, v1.10): a temporary snapshot of the VM, then copies under new names (§3.5)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.sim.controllers import restore_plan as rp
from tui.sim.controllers.base import Status, cond, meta, phase, spec, status
from tui.sim.controllers.restore_apply import DONE, FAILED, PROCESSED, Outcome, process_clone
from tui.sim.controllers.restore_checks import clone_problem

if TYPE_CHECKING:
    from tui.sim.controllers.runtime import Runtime
    from tui.sim.controllers.vmop import VMOPController

Obj = dict[str, Any]
FINALIZER = "virtualization.deckhouse.io/vmop-cleanup"
ANN_SNAPSHOT_NAME = "virtualization.deckhouse.io/vmop-snapshot-name"
ANN_VMOP_UID = "virtualization.deckhouse.io/vmop-uid"
WAIT = 1.0


def plan_copy(rt: Runtime, snap: Obj, secret: Obj, params: Obj) -> rp.Plan:
    """The objects a clone creates: nameReplacement first, then the prefix/suffix customisation."""
    plan = rp.build(rt, snap, secret, op=rp.CLONE, macs=False, original_meta=True)
    rp.rename(plan, rp.replacer(params.get("nameReplacement")))
    custom = params.get("customization") or {}
    if custom.get("namePrefix") or custom.get("nameSuffix"):
        rp.rename(plan, rp.customizer(custom.get("namePrefix") or "", custom.get("nameSuffix") or ""))
    return plan


def validate_copy(rt: Runtime, plan: rp.Plan, *, mode: str, uid: str, disk_limit: int) -> list[Obj]:
    out = []
    for it in plan.items:
        problem = clone_problem(rt, plan, it, mode=mode, uid=uid, disk_limit=disk_limit)
        out.append(rp.entry(it, FAILED, problem) if problem else rp.entry(it, DONE, f"{it.name} is valid for restore"))
    return out


def copy_once(rt: Runtime, plan: rp.Plan, st: Status, *, mode: str, uid: str, disk_limit: int) -> str | None:
    """Validate and create the copies unless an earlier pass did; returns the failure or None.
    A DryRun stops after validation (`status.resources` lists the verdicts)."""
    done = st.data.get("resources") or []
    if done and all(r.get("message") == PROCESSED for r in done):
        return None
    entries = validate_copy(rt, plan, mode=mode, uid=uid, disk_limit=disk_limit)
    st.data["resources"] = entries
    if any(e["status"] == FAILED for e in entries):
        return "fail to validate the resources: check the status"
    if mode == "DryRun":
        return None
    out: Outcome = process_clone(rt, plan, uid)
    st.data["resources"] = out.resources
    return "fail to process the resources: check the status" if out.failed else None


def _fail(ctl: VMOPController, op: Obj, st: Status, message: str) -> None:
    ctl.fail(op, st, "OperationFailed", message)
    ctl.rt.remove_finalizer(op, FINALIZER)


def _snapshot(ctl: VMOPController, op: Obj, st: Status, vm_name: str) -> Obj | None:
    """Create the temporary `vmop-clone-*` snapshot once; the snapshot while it is Ready, else None."""
    rt, ns = ctl.rt, meta(op)["namespace"]
    name = rp.ann_of(op).get(ANN_SNAPSHOT_NAME)
    if not name:
        snap = rt.create(
            {
                "apiVersion": rp.DVP,
                "kind": rp.VMSNAPSHOT,
                "metadata": {
                    "generateName": "vmop-clone-",
                    "namespace": ns,
                    "annotations": {ANN_VMOP_UID: meta(op)["uid"]},
                    "ownerReferences": [
                        {
                            "apiVersion": rp.DVP,
                            "kind": op["kind"],
                            "name": meta(op)["name"],
                            "uid": meta(op)["uid"],
                            "blockOwnerDeletion": True,
                        }
                    ],
                },
                "spec": {
                    "virtualMachineName": vm_name,
                    "keepIPAddress": "Never",
                    "requiredConsistency": True,
                },
            }
        )
        cur = rt.get(op["kind"], ns, meta(op)["name"])
        if cur is not None:
            rp.annotate(cur, ANN_SNAPSHOT_NAME, meta(snap)["name"])
            rt.update(cur)
        st.cond("SnapshotReady", "False", "SnapshotInProgress", "Snapshot creation is in progress.")
        ctl.event(op, "Normal", "SnapshotCreated", f"Created snapshot {meta(snap)['name']} for clone operation")
        return None
    found = rt.get(rp.VMSNAPSHOT, ns, name)
    if found is None:
        _fail(ctl, op, st, f'Clone is failed: virtual machine snapshot "{name}" is not found')
        return None
    snap = found
    if phase(snap) == "Failed":
        st.cond("SnapshotReady", "False", "SnapshotFailed", ctl.f.snapshot_failed)
        why = (cond(snap, "VirtualMachineSnapshotReady") or {}).get("message", "")
        _fail(
            ctl,
            op,
            st,
            f'Clone is failed: virtual machine snapshot "{name}" is in failed phase: virtual machine '
            f'"{vm_name}" have invalid state: {why}. Try again with new VMOP Clone operation',
        )
        return None
    if phase(snap) != "Ready":
        st.cond("SnapshotReady", "False", "SnapshotInProgress", "Snapshot creation is in progress.")
        return None
    st.cond("SnapshotReady", "True", "SnapshotReady", "Snapshot is ready for clone operation.")
    return snap


def clone(ctl: VMOPController, op: Obj, st: Status, vm: Obj) -> None:
    """One pass of CreateSnapshot → VMSnapshotReady → ProcessClone → WaitingDisks → CleanupSnapshot."""
    rt, f, ns, uid = ctl.rt, ctl.f, meta(op)["namespace"], meta(op)["uid"]
    params = spec(op).get("clone")
    if st.phase != "InProgress":
        st.phase = "InProgress"
        st.cond("Completed", "False", "CloneInProgress", f.in_progress)
        cur = rt.get(op["kind"], ns, meta(op)["name"])
        if cur is not None:
            rt.add_finalizer(cur, FINALIZER)
    if not params:
        return _fail(ctl, op, st, "Clone specification is mandatory to start cloning")
    if st.reason("SnapshotReady")[0] == "SnapshotCleanedUp":
        return ctl.complete(op, st)
    snap = _snapshot(ctl, op, st, meta(vm)["name"])
    if snap is None:
        return None
    secret_name = status(snap).get("virtualMachineSnapshotSecretName")
    secret = rt.get("Secret", ns, secret_name) if secret_name else None
    if not secret_name:
        return _fail(ctl, op, st, "Clone is failed: snapshot secret name is empty")
    if secret is None:
        return _fail(ctl, op, st, "Clone is failed: restorer secret is not found")
    mode = params.get("mode", "Strict")
    try:
        plan = plan_copy(rt, snap, secret, params)
    except rp.PlanError as e:
        return _fail(ctl, op, st, f"Clone is failed: {e}")
    if problem := copy_once(rt, plan, st, mode=mode, uid=uid, disk_limit=f.disk_limit):
        return _fail(ctl, op, st, f"Clone is failed: {problem}")
    if mode == "DryRun":
        return ctl.complete(op, st)  # the temporary snapshot is left behind (quirk c)
    for it in plan.of(rp.VD):
        disk_phase = phase(rt.get(rp.VD, ns, it.name))
        if disk_phase == "Failed":
            return _fail(ctl, op, st, f'Clone is failed: virtual disk "{it.name}" is in failed phase')
        if disk_phase != "Ready":
            st.cond("Completed", "False", "CloneInProgress", f.wait_disks)
            return ctl.later(op, WAIT)
    rt.delete(rp.VMSNAPSHOT, ns, meta(snap)["name"])
    ctl.event(op, "Normal", "SnapshotDeleted", f"Deleted snapshot {meta(snap)['name']} after clone completion")
    st.cond("SnapshotReady", "False", "SnapshotCleanedUp", "Snapshot cleanup completed.")
    return ctl.complete(op, st)
