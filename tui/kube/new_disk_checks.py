"""Preflight of the "new disk from snapshot" wizard: size, StorageClass and name rules per generation (§7.6)."""

from __future__ import annotations

from tui.kube.capabilities import Capabilities
from tui.kube.findings import Finding, blocker, name_findings, ok, warning
from tui.kube.names import disk_name_problem
from tui.kube.objects import (
    ANN_VS_STORAGE_CLASS,
    ANN_VS_STORAGE_CLASS_SEED,
    StorageClass,
    VirtualDisk,
    VirtualDiskSnapshot,
)
from tui.kube.quantity import parse_bytes
from tui.kube.relations import View, volume_snapshot
from tui.kube.snapshot_classes import disk_storage_class, storage_driver
from tui.kube.wizard_rules import Rules, rules_for

ANN_ORIGINAL_SIZE = "virtualization.deckhouse.io/vd-original-size"


def recorded_storage_class(view: View, snapshot: VirtualDiskSnapshot) -> str:
    """The StorageClass the snapshot records (VolumeSnapshot annotation), else that of its source disk."""
    vs = volume_snapshot(view, snapshot)
    if vs is not None:
        ann = vs.metadata.annotations
        if found := ann.get(ANN_VS_STORAGE_CLASS) or ann.get(ANN_VS_STORAGE_CLASS_SEED):
            return found
    disk = view.get(VirtualDisk, snapshot.namespace, snapshot.spec.virtual_disk_name)
    return disk_storage_class(disk) if disk is not None else ""


def restore_size(view: View, snapshot: VirtualDiskSnapshot) -> str:
    vs = volume_snapshot(view, snapshot)
    return vs.status.restore_size if vs is not None else ""


def default_size(view: View, caps: Capabilities, snapshot: VirtualDiskSnapshot) -> str:
    """The size field's default: v1.10 the original disk size (annotation), else the VolumeSnapshot's
    restoreSize; "" when unknown (VolumeSnapshots are often not readable)."""
    vs = volume_snapshot(view, snapshot)
    original = vs.metadata.annotations.get(ANN_ORIGINAL_SIZE) if vs is not None else None
    if original and rules_for(caps).original_size_default:
        return original
    return restore_size(view, snapshot)


def storage_class_choices(view: View, caps: Capabilities, snapshot: VirtualDiskSnapshot) -> list[str]:
    """Classes of the same CSI driver as the snapshot's (v1.8+); [] where the field is ignored (seed, cse)."""
    if not rules_for(caps).disk_class_honoured:
        return []
    recorded = recorded_storage_class(view, snapshot)
    driver = storage_driver(view, recorded)
    if driver is None:
        return [recorded] if recorded else []
    return sorted(sc.name for sc in view.all(StorageClass) if sc.provisioner == driver)


def _size(view: View, rules: Rules, snapshot: VirtualDiskSnapshot, size: str, recorded: str) -> list[Finding]:
    if not size:
        return [ok("size-default", "Size: the snapshot's size (never below restoreSize).")]
    want = parse_bytes(size)
    if want is None:
        return [blocker("size-invalid", f'spec.persistentVolumeClaim.size: "{size}" is not a quantity (e.g. 20Gi).')]
    if want <= 0:
        return [blocker("size-invalid", "virtual disk size must be greater than 0")]
    have_text = restore_size(view, snapshot)
    have = parse_bytes(have_text)
    if have is None:
        return [warning("restore-size-unknown", "The snapshot's restoreSize cannot be read: a size below it makes the "
                                                "disk fail (The specified pvc size is insufficient).")]
    if want < have:
        return [blocker("size-too-small", f"The specified pvc size is insufficient: {want} ({size}) < {have} — the "
                                          f"size must be at least the snapshot's restoreSize {have_text}.")]
    if want > have and not rules.disk_class_honoured:
        sc = view.get(StorageClass, "", recorded) if recorded else None
        if sc is not None and sc.allow_volume_expansion is not True:
            return [blocker("no-expansion", f"The disk is created at restoreSize {have_text} and then resized to "
                                            f'{size}, but StorageClass "{recorded}" does not allow volume expansion.')]
        return [warning("resize-after", f"The disk is created at restoreSize {have_text}; {size} is applied afterwards "
                                        "as a resize (the StorageClass must allow volume expansion).")]
    return [ok("size", f"Size {size} (restoreSize {have_text}).")]


def _storage_class(view: View, rules: Rules, snapshot: VirtualDiskSnapshot, chosen: str, recorded: str,
                   ) -> list[Finding]:
    if not rules.disk_class_honoured:
        if chosen and chosen != recorded:
            return [warning("storage-class-ignored", f"StorageClass {chosen} is ignored on this cluster: the disk "
                                                     "is created on the recorded StorageClass "
                                                     f"{recorded or '(unknown)'}.")]
        return [ok("storage-class-recorded", f"StorageClass: the recorded one ({recorded or 'unknown'}).")]
    if not chosen:
        return [ok("storage-class-recorded", f"StorageClass: the recorded one ({recorded or 'unknown'}).")]
    if not view.knows("sc"):
        return [ok("storage-class-unverified", f"StorageClass {chosen} (classes cannot be listed: not checked).")]
    target = view.get(StorageClass, "", chosen)
    if target is None:
        return [blocker("storage-class-missing", f'StorageClass "{chosen}" does not exist.')]
    source = storage_driver(view, recorded)
    if source is not None and target.provisioner != source:
        msg = (f'virtual disk storage class "{chosen}" provisioner "{target.provisioner}" does not match the source '
               f'VirtualDiskSnapshot "{snapshot.name}" provisioner "{source}": creating a disk from a snapshot on a '
               "different CSI driver is not supported" if rules.cross_driver_denied else
               f'the disk will fail: cannot restore snapshot to storage class "{chosen}": incompatible storage '
               f'providers. Original snapshot was created by "{source}", target storage class uses '
               f'"{target.provisioner}". Cross-provider snapshot restore is not supported')
        return [blocker("storage-class-driver", msg)]
    out = [ok("storage-class", f"StorageClass {chosen} ({target.provisioner}).")]
    if target.volume_binding_mode == "WaitForFirstConsumer":
        out.append(ok("wffc", f"StorageClass {chosen} binds on first use: the disk stays WaitForFirstConsumer until a "
                              "VM uses it."))
    return out


def check_disk_from_snapshot(view: View, caps: Capabilities, snapshot: VirtualDiskSnapshot, *, name: str,
                             size: str = "", storage_class: str = "") -> list[Finding]:
    """§7.6: a VirtualDisk with `dataSource` → the VirtualDiskSnapshot."""
    rules = rules_for(caps)
    out = name_findings(view, VirtualDisk, "virtualdisks", snapshot.namespace, name)
    if not any(f.code == "name-invalid" for f in out) and (problem := disk_name_problem(name, rules.disk_name_max)):
        out.append(blocker("name-invalid", problem))
    if snapshot.phase != "Ready":
        out.append(blocker("snapshot-not-ready", f'Snapshot "{snapshot.name}" is {snapshot.phase or "Pending"} — the '
                                                 f'disk would wait in Pending (VirtualDiskSnapshot "{snapshot.name}" '
                                                 "is not ready to use.)"))
    recorded = recorded_storage_class(view, snapshot)
    out += _size(view, rules, snapshot, size, recorded)
    out += _storage_class(view, rules, snapshot, storage_class, recorded)
    return out
