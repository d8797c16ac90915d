"""Writing a restore plan: in-place restore (VMOP Restore), copies (Clone, VMSOP) and the legacy restore."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.sim.controllers.restore_plan import (
    ANN_HAD_OWNER,
    ANN_VMOPRESTORE,
    ANN_VMOPRESTORE_DELETED,
    DVP,
    SECRET,
    VD,
    VM,
    VMBDA,
    Item,
    Plan,
    ann_of,
    annotate,
    entry,
    meta,
)
from tui.sim.controllers.vm_signals import in_maintenance
from tui.sim.errors import ApiError

if TYPE_CHECKING:
    from tui.sim.controllers.runtime import Runtime

Obj = dict[str, Any]
DONE, BUSY, FAILED = "Completed", "InProgress", "Failed"
PROCESSED = "Successfully processed"
ANN_POWER_STATE = "virtualization.deckhouse.io/restore-power-state"


@dataclass
class Outcome:
    """`status.resources` of one processing pass and whether it finished, failed or must be retried."""

    resources: list[Obj] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(r["status"] == FAILED for r in self.resources)

    @property
    def busy(self) -> bool:
        return any(r["status"] == BUSY for r in self.resources)


def create_annotated(rt: Runtime, it: Item, key: str, uid: str, *, clear_labels: bool = False) -> Obj | None:
    """Create `it` carrying `key: uid`; None if an object of that name already exists."""
    obj = copy.deepcopy(it.obj)
    annotate(obj, key, uid)
    if clear_labels:
        obj["metadata"].pop("labels", None)
    try:
        return rt.create(obj)
    except ApiError as e:
        if e.code == 409:
            return None
        raise


def _deleting(obj: Obj) -> bool:
    return bool(meta(obj).get("deletionTimestamp"))


def _replace_by_deletion(rt: Runtime, it: Item, cur: Obj, uid: str) -> Obj:
    if not _deleting(cur):
        annotate(cur, ANN_VMOPRESTORE_DELETED, uid)
        rt.update(cur)
        rt.delete(it.kind, it.obj["metadata"].get("namespace"), it.name)
    return entry(it, BUSY, f"waiting for deletion of {it.kind} {it.name} waiting for deletion to complete")


def overwrite_vm(rt: Runtime, cur: Obj, it: Item, key: str, uid: str, keep: tuple[str, ...] = ()) -> Obj:
    """The VM's spec, labels and annotations from the snapshot; the annotations in `keep` stay as they are."""
    new = copy.deepcopy(cur)
    old_ann = ann_of(cur)
    new["spec"] = copy.deepcopy(it.obj.get("spec") or {})
    new["metadata"]["labels"] = copy.deepcopy(meta(it.obj).get("labels") or {})
    ann = copy.deepcopy(meta(it.obj).get("annotations") or {})
    for k in keep:
        if k in old_ann:
            ann[k] = old_ann[k]
        else:
            ann.pop(k, None)
    ann[key] = uid
    new["metadata"]["annotations"] = ann
    return rt.update(new)


def delete_foreign_vmbdas(rt: Runtime, ns: str, vm_name: str, key: str, uid: str) -> list[str]:
    """Delete the VMBDAs of `vm_name` that this restore did not create; returns their names."""
    gone = []
    for vmbda in rt.list(VMBDA, ns):
        if (vmbda.get("spec") or {}).get("virtualMachineName") == vm_name and ann_of(vmbda).get(key) != uid:
            rt.delete(VMBDA, ns, meta(vmbda)["name"])
            gone.append(meta(vmbda)["name"])
    return gone


def process_restore(
    rt: Runtime,
    plan: Plan,
    uid: str,
    *,
    mode: str,
    keep: tuple[str, ...],
    need_maintenance: bool,
    owner_refs: bool,
) -> Outcome:
    """One ProcessRestore pass (Strict/BestEffort): create what is missing, replace disks, rewrite the VM."""
    out = Outcome()
    ns = plan.namespace
    for it in plan.items:
        cur = rt.get(it.kind, ns, it.name)
        ours = cur is not None and ann_of(cur).get(ANN_VMOPRESTORE) == uid and not _deleting(cur)
        if it.kind in (VD, VMBDA) and cur is not None and not ours:
            out.resources.append(_replace_by_deletion(rt, it, cur, uid))
            continue
        if it.kind == VM:
            if cur is None:
                create_annotated(rt, it, ANN_VMOPRESTORE, uid)
            elif need_maintenance and not in_maintenance(cur):
                out.resources.append(entry(it, FAILED, "the virtual machine is not in maintenance mode"))
                continue
            else:
                overwrite_vm(rt, cur, it, ANN_VMOPRESTORE, uid, keep)
            delete_foreign_vmbdas(rt, ns, it.name, ANN_VMOPRESTORE, uid)
        elif cur is None:
            create_annotated(rt, it, ANN_VMOPRESTORE, uid)
        out.resources.append(entry(it, DONE, PROCESSED))
    if owner_refs and not out.busy and not out.failed:
        _own_disks(rt, plan, uid)
    return out


def _own_disks(rt: Runtime, plan: Plan, uid: str) -> None:
    """Disks whose VolumeSnapshot says the original had a VM owner get an ownerReference to the VM."""
    vm = rt.get(VM, plan.namespace, plan.vm.name)
    if vm is None:
        return
    for it in plan.of(VD):
        disk = rt.get(VD, plan.namespace, it.name)
        if disk is None or ann_of(disk).get(ANN_VMOPRESTORE) != uid or meta(disk).get("ownerReferences"):
            continue
        child = ((disk.get("spec") or {}).get("dataSource") or {}).get("objectRef", {}).get("name", "")
        vds = rt.get("VirtualDiskSnapshot", plan.namespace, child)
        vs_name = ((vds or {}).get("status") or {}).get("volumeSnapshotName")
        vs = rt.get("VolumeSnapshot", plan.namespace, vs_name) if vs_name else None
        if vs is not None and ANN_HAD_OWNER in ann_of(vs):
            disk["metadata"]["ownerReferences"] = [
                {"apiVersion": DVP, "kind": VM, "name": meta(vm)["name"], "uid": meta(vm)["uid"]}
            ]
            rt.update(disk)


def process_clone(rt: Runtime, plan: Plan, uid: str) -> Outcome:
    """Create the copies (the VMIP is only listed); objects this operation created already count as done."""
    out = Outcome()
    for it in plan.items:
        if not it.create:
            out.resources.append(entry(it, DONE, PROCESSED))
            continue
        cur = rt.get(it.kind, plan.namespace, it.name)
        if cur is not None and (ann_of(cur).get(ANN_VMOPRESTORE) == uid or it.kind == SECRET):
            out.resources.append(entry(it, DONE, PROCESSED))
            continue
        try:
            made = create_annotated(rt, it, ANN_VMOPRESTORE, uid, clear_labels=it.kind == VM)
        except ApiError as e:
            out.resources.append(entry(it, FAILED, e.message))
            continue
        if made is None:
            out.resources.append(entry(it, FAILED, f'{it.kind} "{it.name}" already exists'))
        else:
            out.resources.append(entry(it, DONE, PROCESSED))
    return out


def set_run_policy(rt: Runtime, ns: str, vm_name: str, policy: str) -> None:
    vm = rt.get(VM, ns, vm_name)
    if vm is not None and (vm.get("spec") or {}).get("runPolicy") != policy:
        vm.setdefault("spec", {})["runPolicy"] = policy
        rt.update(vm)


def pvc_missing(rt: Runtime, ns: str, vm_name: str) -> bool:
    """What the KubeVirt VM of `vm_name` reports as `PVC not found` for its `vd-*` volumes."""
    vm = rt.get(VM, ns, vm_name)
    for ref in ((vm or {}).get("spec") or {}).get("blockDeviceRefs") or []:
        if ref.get("kind") != VD:
            continue
        disk = rt.get(VD, ns, ref.get("name", ""))
        pvc = (((disk or {}).get("status") or {}).get("target") or {}).get("persistentVolumeClaimName")
        if not pvc or rt.get("PersistentVolumeClaim", ns, pvc) is None:
            return True
    return False
