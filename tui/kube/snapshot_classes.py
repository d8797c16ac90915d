"""VolumeSnapshotClass per disk: the seed picker (options, preselection, checks) and the default class later."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

from tui.kube.findings import Finding, blocker, ok, warning
from tui.kube.objects import (
    ANN_VSCLASS_DEFAULT,
    StorageClass,
    VirtualDisk,
    VirtualDiskSnapshot,
    VirtualMachineSnapshot,
    VolumeSnapshotClass,
)
from tui.kube.relations import View
from tui.kube.wizard_rules import Rules


class ClassOption(NamedTuple):
    """A VolumeSnapshotClass as the seed picker lists it."""

    name: str
    driver: str
    deletion_policy: str
    default: bool
    matches: bool  # same driver as the disk's StorageClass provisioner


def is_default(c: VolumeSnapshotClass) -> bool:
    return c.metadata.annotations.get(ANN_VSCLASS_DEFAULT) == "true"


def disk_storage_class(disk: VirtualDisk) -> str:
    return disk.status.storage_class_name or disk.spec.persistent_volume_claim.storage_class_name


def storage_driver(view: View, sc_name: str) -> str | None:
    """The CSI driver (provisioner) of a StorageClass; None when unknown (not readable, or not found)."""
    sc = view.get(StorageClass, "", sc_name) if sc_name else None
    return sc.provisioner if sc is not None else None


def class_options(view: View, disk: VirtualDisk) -> list[ClassOption]:
    """Every readable class: those of the disk's driver first, the default of that driver first of all."""
    driver = storage_driver(view, disk_storage_class(disk))
    opts = [ClassOption(c.name, c.driver, c.deletion_policy, is_default(c), c.driver == driver)
            for c in view.all(VolumeSnapshotClass)]
    return sorted(opts, key=lambda o: (not o.matches, not (o.matches and o.default), o.name))


def used_class_names(view: View, namespace: str) -> list[str]:
    """Class names already used in the namespace: suggestions when classes cannot be listed (seed)."""
    names = [s.spec.volume_snapshot_class_name for s in view.all(VirtualDiskSnapshot, namespace)]
    names += [m.volume_snapshot_class_name for s in view.all(VirtualMachineSnapshot, namespace)
              for m in s.spec.volume_snapshot_classes]
    return sorted({n for n in names if n})


def preselect(view: View, disk: VirtualDisk) -> str:
    """The seed picker's preselection (§7.1): the driver's default class, else its only class, else the class
    of the newest Ready disk snapshot of a disk on the same StorageClass in the namespace, else ""."""
    matching = [o for o in class_options(view, disk) if o.matches]
    if matching and (matching[0].default or len(matching) == 1):
        return matching[0].name
    sc_name = disk_storage_class(disk)
    for s in reversed(view.all(VirtualDiskSnapshot, disk.namespace)):
        other = view.get(VirtualDisk, disk.namespace, s.spec.virtual_disk_name)
        if (s.phase == "Ready" and s.spec.volume_snapshot_class_name and other is not None
                and disk_storage_class(other) == sc_name):
            return s.spec.volume_snapshot_class_name
    return ""


class MappingRow(NamedTuple):
    """One row of the seed VM snapshot's class table: a StorageClass, its disks and the preselected class."""

    storage_class: str
    disks: tuple[str, ...]
    preselected: str


def mapping_rows(view: View, disks: Sequence[VirtualDisk]) -> list[MappingRow]:
    """One row per distinct StorageClass among the VM's disks, in disk order (never duplicates); disks whose
    StorageClass is unknown get no row (the preflight blocks them)."""
    rows: dict[str, list[VirtualDisk]] = {}
    for d in disks:
        if sc := disk_storage_class(d):
            rows.setdefault(sc, []).append(d)
    return [MappingRow(sc, tuple(d.name for d in ds), preselect(view, ds[0])) for sc, ds in rows.items()]


def chosen_class(view: View, chosen: str, driver: str | None, where: str) -> list[Finding]:
    """seed: checks of a class the user named for disks whose CSI driver is `driver` (None: unknown)."""
    if not chosen:
        return [blocker("class-required", f"Choose a VolumeSnapshotClass for {where}: the field is required on "
                                          "this cluster (spec.volumeSnapshotClassName: Required value).")]
    if not view.knows("vsclass"):
        return [ok("class-unverified", f"VolumeSnapshotClass {chosen} for {where} (classes cannot be listed "
                                       "with your permissions: the name is not checked).")]
    cls = view.get(VolumeSnapshotClass, "", chosen)
    if cls is None:
        return [blocker("class-not-found", f"VolumeSnapshotClass {chosen} does not exist — the snapshot will fail "
                                           "at once: Failed to get snapshot class with error "
                                           f'volumesnapshotclass.snapshot.storage.k8s.io "{chosen}" not found.')]
    out = []
    if driver is not None and cls.driver != driver:
        out.append(warning("class-driver-mismatch", f"VolumeSnapshotClass {chosen} belongs to driver {cls.driver}, "
                                                    f"but {where} is provisioned by {driver}: the snapshot will "
                                                    "fail, or stay InProgress with the VM frozen."))
    if cls.deletion_policy == "Retain":
        out.append(warning("class-retain", f"VolumeSnapshotClass {chosen} has deletionPolicy Retain: the storage "
                                           "snapshot outlives the VirtualDiskSnapshot when it is deleted."))
    if not out:
        default = ", default" if is_default(cls) else ""
        out.append(ok("class-chosen", f"VolumeSnapshotClass {chosen} (driver {cls.driver}{default}) for {where}."))
    return out


def predicted_class(view: View, disk: VirtualDisk) -> Finding:
    """cse+: the class the snapshot-controller will pick (the default of the disk's driver), or why none."""
    sc_name, where = disk_storage_class(disk), f'disk "{disk.name}"'
    if not sc_name:
        return warning("class-unknown", f"{where} has no StorageClass yet: the VolumeSnapshotClass cannot be "
                                        "predicted.")
    if not (view.knows("sc") and view.knows("vsclass")):
        return ok("class-default-hidden", f"VolumeSnapshotClass for {where}: cluster default for the disk's CSI "
                                          "driver (not visible with your permissions).")
    driver = storage_driver(view, sc_name)
    if driver is None:
        return warning("storage-class-missing", f'StorageClass "{sc_name}" of {where} does not exist: the '
                                                "VolumeSnapshotClass cannot be predicted.")
    defaults = [c.name for c in view.all(VolumeSnapshotClass) if c.driver == driver and is_default(c)]
    if len(defaults) == 1:
        return ok("class-predicted", f"VolumeSnapshotClass {defaults[0]} (default for driver {driver}) for {where}.")
    if not defaults:
        return blocker("class-no-default", f"Driver {driver} of {where} has no default VolumeSnapshotClass — the "
                                           "snapshot will fail: Failed to set default snapshot class with error "
                                           "cannot find default snapshot class.")
    return blocker("class-many-defaults", f"Driver {driver} of {where} has {len(defaults)} default "
                                          f"VolumeSnapshotClasses ({', '.join(defaults)}) — the snapshot will fail: "
                                          "Failed to set default snapshot class with error "
                                          f"{len(defaults)} default snapshot classes were found.")


def disk_class(view: View, rules: Rules, disk: VirtualDisk, chosen: str = "") -> list[Finding]:
    """The VolumeSnapshotClass situation of a disk snapshot on this generation."""
    if rules.explicit_class:
        driver = storage_driver(view, disk_storage_class(disk))
        return chosen_class(view, chosen, driver, f'disk "{disk.name}"')
    return [predicted_class(view, disk)]


def mapping(view: View, disks: Sequence[VirtualDisk], chosen: Mapping[str, str], *, first_freezes: bool,
            ) -> list[Finding]:
    """seed: `spec.volumeSnapshotClasses` needs one class per distinct StorageClass of the VM's disks."""
    out: list[Finding] = []
    seen: set[str] = set()
    for i, disk in enumerate(disks):
        sc_name = disk_storage_class(disk)
        if not sc_name:
            out.append(blocker("storage-class-unknown", f'The StorageClass of disk "{disk.name}" cannot be '
                                                        "determined: no VolumeSnapshotClass can be mapped for it."))
            continue
        if sc_name in seen:
            continue
        seen.add(sc_name)
        if not chosen.get(sc_name):
            stake = (" The VM is frozen before this is noticed and, as it is the first disk, nothing in DVP thaws it."
                     if i == 0 and first_freezes else "")
            out.append(blocker("class-mapping-missing", f'No VolumeSnapshotClass for StorageClass "{sc_name}" '
                                                        f'(disk "{disk.name}") — the snapshot will fail: The volume '
                                                        "snapshot class not found: please define the volume snapshot "
                                                        f'class for the storage class "{sc_name}" and recreate '
                                                        f"resource.{stake}"))
            continue
        out += chosen_class(view, chosen[sc_name], storage_driver(view, sc_name), f'StorageClass "{sc_name}"')
    return out
