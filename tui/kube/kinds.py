"""Registry of the kinds dvpsnap knows: group/version/plural, scope, stable UI id, list columns, aliases."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tui.kube.display import consistency, disk_flags, human_age, status_badge, vm_flags, yes_no
from tui.kube.objects import (
    ANN_SC_DEFAULT,
    ANN_VSCLASS_DEFAULT,
    STRUCTS,
    KubeObject,
)

Getter = Callable[[Any, datetime], str]
"""A column getter: (projection of the column's kind, now) → cell text (raw: the UI sanitizes it)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One list column: stable id, header, getter; `wide` columns (printer priority 1) only in wide view."""

    id: str
    header: str
    get: Getter
    wide: bool = False


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind dvpsnap reads. `aliases` holds only names that mean this kind on every API generation."""

    id: str  # stable short id used in the UI and keymaps ("vm", "vdsnapshot", ...)
    kind: str
    group: str  # "" for the core group
    version: str
    plural: str
    singular: str
    namespaced: bool
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()

    @property
    def struct(self) -> type[KubeObject]:
        return STRUCTS[self.id]

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def names(self) -> tuple[str, ...]:
        """Every static name of the kind (lower case): id, plural, singular, kind, `plural.group`, aliases."""
        full = (f"{self.plural}.{self.group}",) if self.group else ()
        return (self.id, self.plural, self.singular, self.kind.lower(), *full, *self.aliases)

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        """The REST path of the collection (in `namespace` when namespaced and given) or of one object."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        return f"{base}/{self.plural}/{name}" if name else f"{base}/{self.plural}"


def _c(id_: str, header: str, get: Getter, wide: bool = False) -> Column:
    return Column(id_, header, get, wide)


NAME = _c("name", "Name", lambda o, now: o.metadata.name)
NAMESPACE = _c("namespace", "Namespace", lambda o, now: o.metadata.namespace)
"""Not in any kind's columns: the UI adds it in front when listing all namespaces."""
AGE = _c("age", "Age", lambda o, now: human_age(o.metadata.creation_timestamp, now))
PHASE = _c("phase", "Phase", lambda o, now: status_badge(o).word)
CONSISTENT = _c("consistent", "Consistent", lambda o, now: consistency(o).word)


def _mode(o: Any) -> str:
    block = o.spec.restore or o.spec.clone
    return str(block.mode) if block is not None else ""


def _renamed_vm(o: Any) -> str:
    return next((f"{r.from_.name}→{r.to}" for r in o.spec.name_replacements
                 if r.from_.kind == "VirtualMachine"), "")


def _default(key: str) -> Getter:
    return lambda o, now: "yes" if o.metadata.annotations.get(key) == "true" else ""


def _owner(kind: str) -> Getter:
    return lambda o, now: o.owner(kind).name if o.owner(kind) is not None else ""


_D, _D_V = "virtualization.deckhouse.io", "v1alpha2"
_S = "snapshot.storage.k8s.io"
KINDS: tuple[Kind, ...] = (
    Kind("vm", "VirtualMachine", _D, _D_V, "virtualmachines", "virtualmachine", True, (
        NAME, PHASE,
        _c("cores", "Cores", lambda o, now: str(o.spec.cpu.cores or ""), wide=True),
        _c("core_fraction", "CoreFraction", lambda o, now: o.spec.cpu.core_fraction, wide=True),
        _c("memory", "Memory", lambda o, now: o.spec.memory.size, wide=True),
        _c("need_restart", "Need restart", lambda o, now: yes_no(vm_flags(o).restart_pending), wide=True),
        _c("agent", "Agent", lambda o, now: yes_no(vm_flags(o).agent), wide=True),
        _c("migratable", "Migratable", lambda o, now: yes_no(vm_flags(o).migratable), wide=True),
        _c("node", "Node", lambda o, now: o.status.node_name),
        _c("ip", "IPAddress", lambda o, now: o.status.ip_address), AGE)),
    Kind("vd", "VirtualDisk", _D, _D_V, "virtualdisks", "virtualdisk", True, (
        NAME, PHASE, _c("capacity", "Capacity", lambda o, now: o.status.capacity),
        _c("in_use", "InUse", lambda o, now: yes_no(disk_flags(o).in_use), wide=True),
        _c("vm", "VirtualMachine", lambda o, now: ",".join(disk_flags(o).mounted_by)),
        _c("progress", "Progress", lambda o, now: o.status.progress),
        _c("storage_class", "StorageClass", lambda o, now: o.status.storage_class_name),
        _c("pvc", "TargetPVC", lambda o, now: o.status.target.persistent_volume_claim_name, wide=True), AGE)),
    Kind("vdsnapshot", "VirtualDiskSnapshot", _D, _D_V, "virtualdisksnapshots", "virtualdisksnapshot", True, (
        NAME, _c("disk", "Disk", lambda o, now: o.spec.virtual_disk_name), PHASE, CONSISTENT,
        _c("required", "RequiredConsistency", lambda o, now: yes_no(o.spec.required_consistency), wide=True),
        _c("class", "SnapshotClass", lambda o, now: o.spec.volume_snapshot_class_name, wide=True),
        _c("vmsnapshot", "VMSnapshot", _owner("VirtualMachineSnapshot"), wide=True), AGE),
        aliases=("vdsnap", "vdsnapshots")),
    Kind("vmsnapshot", "VirtualMachineSnapshot", _D, _D_V, "virtualmachinesnapshots",
         "virtualmachinesnapshot", True, (
        NAME, _c("vm", "VirtualMachine", lambda o, now: o.spec.virtual_machine_name), PHASE, CONSISTENT,
        _c("keep_ip", "KeepIPAddress", lambda o, now: o.spec.keep_ip_address, wide=True),
        _c("disks", "Disks", lambda o, now: str(len(o.status.virtual_disk_snapshot_names) or "")), AGE),
         aliases=("vmsnap", "vmsnapshots")),
    Kind("vmrestore", "VirtualMachineRestore", _D, _D_V, "virtualmachinerestores", "virtualmachinerestore",
         True, (
        NAME, _c("snapshot", "Snapshot", lambda o, now: o.spec.virtual_machine_snapshot_name),
        _c("mode", "Mode", lambda o, now: o.spec.restore_mode or "Safe"),
        _c("renamed", "RenamedVM", lambda o, now: _renamed_vm(o)), PHASE, AGE)),
    Kind("vmop", "VirtualMachineOperation", _D, _D_V, "virtualmachineoperations", "virtualmachineoperation",
         True, (
        NAME, PHASE, _c("progress", "Progress", lambda o, now: str(o.status.progress)),
        _c("type", "Type", lambda o, now: o.spec.type), _c("mode", "Mode", lambda o, now: _mode(o)),
        _c("vm", "VirtualMachine", lambda o, now: o.spec.virtual_machine_name),
        _c("snapshot", "Snapshot", lambda o, now: o.spec.restore.virtual_machine_snapshot_name
           if o.spec.restore else "", wide=True), AGE)),
    Kind("vmsop", "VirtualMachineSnapshotOperation", _D, _D_V, "virtualmachinesnapshotoperations",
         "virtualmachinesnapshotoperation", True, (
        NAME, PHASE, _c("type", "Type", lambda o, now: o.spec.type),
        _c("snapshot", "VirtualMachineSnapshot", lambda o, now: o.spec.virtual_machine_snapshot_name),
        _c("mode", "Mode", lambda o, now: o.spec.create_virtual_machine.mode
           if o.spec.create_virtual_machine else ""), AGE)),
    Kind("vmbda", "VirtualMachineBlockDeviceAttachment", _D, _D_V, "virtualmachineblockdeviceattachments",
         "virtualmachineblockdeviceattachment", True, (
        NAME, PHASE,
        _c("bd_kind", "BlockDevice Kind", lambda o, now: o.spec.block_device_ref.kind, wide=True),
        _c("bd_name", "BlockDevice Name", lambda o, now: o.spec.block_device_ref.name, wide=True),
        _c("vm", "VirtualMachine",
           lambda o, now: o.status.virtual_machine_name or o.spec.virtual_machine_name), AGE)),
    Kind("vmip", "VirtualMachineIPAddress", _D, _D_V, "virtualmachineipaddresses", "virtualmachineipaddress",
         True, (
        NAME, _c("address", "Address", lambda o, now: o.status.address), PHASE,
        _c("vm", "VirtualMachine", lambda o, now: o.status.virtual_machine_name), AGE)),
    Kind("vmmac", "VirtualMachineMACAddress", _D, _D_V, "virtualmachinemacaddresses",
         "virtualmachinemacaddress", True, (
        NAME, _c("address", "Address", lambda o, now: o.status.address or o.spec.address), PHASE,
        _c("vm", "VirtualMachine", lambda o, now: o.status.virtual_machine_name), AGE)),
    Kind("vs", "VolumeSnapshot", _S, "v1", "volumesnapshots", "volumesnapshot", True, (
        NAME, _c("ready", "ReadyToUse", lambda o, now: yes_no(o.status.ready_to_use)),
        _c("source_pvc", "SourcePVC", lambda o, now: o.spec.source.persistent_volume_claim_name),
        _c("source_content", "SourceSnapshotContent",
           lambda o, now: o.spec.source.volume_snapshot_content_name, wide=True),
        _c("restore_size", "RestoreSize", lambda o, now: o.status.restore_size),
        _c("class", "SnapshotClass", lambda o, now: o.spec.volume_snapshot_class_name),
        _c("content", "SnapshotContent", lambda o, now: o.status.bound_volume_snapshot_content_name),
        _c("created", "CreationTime", lambda o, now: human_age(o.status.creation_time, now), wide=True),
        AGE)),
    Kind("vsclass", "VolumeSnapshotClass", _S, "v1", "volumesnapshotclasses", "volumesnapshotclass", False, (
        NAME, _c("driver", "Driver", lambda o, now: o.driver),
        _c("deletion_policy", "DeletionPolicy", lambda o, now: o.deletion_policy),
        _c("default", "Default", _default(ANN_VSCLASS_DEFAULT)), AGE)),
    Kind("vsc", "VolumeSnapshotContent", _S, "v1", "volumesnapshotcontents", "volumesnapshotcontent", False, (
        NAME, _c("ready", "ReadyToUse", lambda o, now: yes_no(o.status.ready_to_use)),
        _c("restore_size", "RestoreSize", lambda o, now: str(o.status.restore_size or "")),
        _c("deletion_policy", "DeletionPolicy", lambda o, now: o.spec.deletion_policy),
        _c("driver", "Driver", lambda o, now: o.spec.driver),
        _c("class", "VolumeSnapshotClass", lambda o, now: o.spec.volume_snapshot_class_name),
        _c("vs", "VolumeSnapshot", lambda o, now: o.spec.volume_snapshot_ref.name),
        _c("vs_namespace", "VolumeSnapshotNamespace", lambda o, now: o.spec.volume_snapshot_ref.namespace,
           wide=True), AGE)),
    Kind("sc", "StorageClass", "storage.k8s.io", "v1", "storageclasses", "storageclass", False, (
        NAME, _c("provisioner", "Provisioner", lambda o, now: o.provisioner),
        _c("reclaim_policy", "ReclaimPolicy", lambda o, now: o.reclaim_policy),
        _c("binding_mode", "VolumeBindingMode", lambda o, now: o.volume_binding_mode),
        _c("expansion", "AllowVolumeExpansion", lambda o, now: yes_no(o.allow_volume_expansion)),
        _c("default", "Default", _default(ANN_SC_DEFAULT)), AGE)),
    Kind("pvc", "PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", "persistentvolumeclaim", True, (
        NAME, _c("phase", "Status", lambda o, now: o.status.phase),
        _c("volume", "Volume", lambda o, now: o.spec.volume_name),
        _c("capacity", "Capacity", lambda o, now: o.status.capacity.storage),
        _c("access_modes", "AccessModes", lambda o, now: ",".join(o.spec.access_modes)),
        _c("storage_class", "StorageClass", lambda o, now: o.spec.storage_class_name), AGE)),
    Kind("ns", "Namespace", "", "v1", "namespaces", "namespace", False, (
        NAME, _c("phase", "Status", lambda o, now: o.status.phase), AGE)),
    Kind("event", "Event", "", "v1", "events", "event", True, (
        _c("last_seen", "LastSeen", lambda o, now: human_age(
            o.last_timestamp or o.event_time or o.metadata.creation_timestamp, now)),
        _c("type", "Type", lambda o, now: o.type), _c("reason", "Reason", lambda o, now: o.reason),
        _c("object", "Object", lambda o, now: f"{o.involved_object.kind}/{o.involved_object.name}"),
        _c("message", "Message", lambda o, now: o.message))),
    Kind("secret", "Secret", "", "v1", "secrets", "secret", True, (
        NAME, _c("type", "Type", lambda o, now: o.type), AGE)),
)

BY_ID: Mapping[str, Kind] = {k.id: k for k in KINDS}
_STATIC: Mapping[str, Kind] = {name: k for k in KINDS for name in k.names}
_BY_KIND: Mapping[tuple[str, str], Kind] = {(k.kind, k.group): k for k in KINDS}
_BY_PLURAL: Mapping[str, Kind] = {k.plural: k for k in KINDS}


def by_kind(kind: str, group: str | None = None) -> Kind | None:
    """The Kind of an ownerReference/resources entry (`kind`, optionally the group of its apiVersion)."""
    if group is not None:
        return _BY_KIND.get((kind, group))
    return next((k for k in KINDS if k.kind == kind), None)


def resolve_alias(text: str, discovered_short_names: Mapping[str, Iterable[str]] | None = None,
                  ) -> Kind | None:
    """Resolve what the user typed (`:vm`, `vdsnapshots`, `vms`) to a Kind.

    Static names (ids, plurals, singulars, kind names, `plural.group`, dvpsnap's own aliases) win. Short
    names such as `vms`/`vds` mean VMs/disks on the seed generation and snapshots on later ones, so they
    resolve only through `discovered_short_names`: the connected cluster's discovery, plural → shortNames.
    """
    name = text.strip().lower()
    if not name:
        return None
    static = _STATIC.get(name)
    if static is not None:
        return static
    for plural, shorts in (discovered_short_names or {}).items():
        if name in (s.lower() for s in shorts):
            return _BY_PLURAL.get(plural.split(".", 1)[0])
    return None
