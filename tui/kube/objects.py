"""Typed projections (frozen msgspec Structs) of every kind dvpsnap reads, and their list/watch decoders."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, NamedTuple, TypeVar, cast

import msgspec

if TYPE_CHECKING:
    from tui.kube.kinds import Kind

_D = "virtualization.deckhouse.io/"
ANN_REQUEST_ID = "dvpsnap.io/request-id"
ANN_VMRESTORE = _D + "vmrestore"  # VMRestore UID on objects a VirtualMachineRestore created
ANN_VMOPRESTORE = _D + "vmoprestore"  # VMOP/VMSOP UID (cse/v1.8: also a VMRestore UID on its own VMOPs)
ANN_VMOPRESTORE_DELETED = _D + "vmoprestoredeleted"
ANN_VMOP_SNAPSHOT = _D + "vmop-snapshot-name"  # on a Clone VMOP: its temporary VMSnapshot
ANN_VMOP_UID = _D + "vmop-uid"  # on a temporary VMSnapshot: the Clone VMOP's UID
ANN_RESTORE_POWER_STATE = _D + "restore-power-state"
ANN_SC_DEFAULT = "storageclass.kubernetes.io/is-default-class"
ANN_VSCLASS_DEFAULT = "snapshot.storage.kubernetes.io/is-default-class"
ANN_VS_STORAGE_CLASS = _D + "storage-class-name"
ANN_VS_STORAGE_CLASS_SEED = "storageClass"
LABEL_VM_UID = _D + "virtual-machine-uid"
# Annotations are dropped at decode time except these keys (and any `dvpsnap.io/` key): memory matters.
KEPT_ANNOTATIONS = frozenset({
    ANN_VMRESTORE, ANN_VMOPRESTORE, ANN_VMOPRESTORE_DELETED, ANN_VMOP_SNAPSHOT, ANN_VMOP_UID,
    ANN_RESTORE_POWER_STATE, ANN_SC_DEFAULT, "storageclass.beta.kubernetes.io/is-default-class",
    ANN_VSCLASS_DEFAULT, ANN_VS_STORAGE_CLASS, _D + "volume-mode", _D + "access-mode",
    _D + "vd-original-size", _D + "vd-had-owner-reference",
    ANN_VS_STORAGE_CLASS_SEED, "volumeMode", "accessModes",
})


class MalformedPayload(ValueError):
    """Bytes from the API server that are not a valid list, watch line or object (never a partial object)."""


class Interned(str):
    """A short string repeated across objects (phase, condition type/reason, class name): one shared copy."""

    __slots__ = ()


class Count(int):
    """The number of entries of a JSON list or map whose contents dvpsnap does not keep (e.g. finalizers)."""

    __slots__ = ()


class Annotations:
    """The annotations dvpsnap reads; every other key is dropped while decoding."""

    __slots__ = ("_pairs",)

    def __init__(self, pairs: tuple[tuple[str, str], ...] = ()) -> None:
        self._pairs = pairs

    def get(self, key: str, default: str | None = None) -> str | None:
        return next((v for k, v in self._pairs if k == key), default)

    def items(self) -> tuple[tuple[str, str], ...]:
        return self._pairs

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Annotations) and sorted(self._pairs) == sorted(other._pairs)

    def __hash__(self) -> int:
        return hash(frozenset(self._pairs))

    def __repr__(self) -> str:
        return f"Annotations({dict(self._pairs)!r})"


_E = Interned("")
NO_ANNOTATIONS = Annotations()
_INTERNED: dict[str, Interned] = {"": _E}
_COUNTS = tuple(Count(i) for i in range(64))


def _intern(value: str) -> Interned:
    found = _INTERNED.get(value)
    if found is None:
        if len(_INTERNED) > 65536:  # bounded: a clear only costs sharing, never correctness
            _INTERNED.clear()
        found = _INTERNED[value] = Interned(value)
    return found


def _dec_hook(tp: type, obj: Any) -> Any:
    if tp is Interned and (obj is None or isinstance(obj, str)):
        return _intern(obj or "")
    if tp is Count and (obj is None or isinstance(obj, list | dict)):
        n = len(obj or ())
        return _COUNTS[n] if n < len(_COUNTS) else Count(n)
    if tp is Annotations and (obj is None or isinstance(obj, dict)):
        kept = tuple((_intern(k), _intern(v)) for k, v in (obj or {}).items()
                     if (k in KEPT_ANNOTATIONS or k.startswith("dvpsnap.io/")) and isinstance(v, str))
        return Annotations(kept) if kept else NO_ANNOTATIONS
    raise ValueError(f"unexpected {type(obj).__name__} for {tp.__name__}")


class _S(msgspec.Struct, frozen=True, gc=False, omit_defaults=True, rename="camel", kw_only=True):
    """Common Struct configuration: immutable, untracked by the GC, camelCase JSON names."""


Quantity = str | int


class OwnerRef(_S, frozen=True):
    kind: Interned = _E
    name: str = ""
    uid: str = ""
    controller: bool | None = None


class Meta(_S, frozen=True):
    name: str = ""
    namespace: Interned = _E
    uid: str = ""
    resource_version: str = ""
    generation: int = 0
    creation_timestamp: datetime | None = None
    deletion_timestamp: datetime | None = None
    labels: dict[str, Interned] | None = None
    annotations: Annotations = NO_ANNOTATIONS
    owner_references: tuple[OwnerRef, ...] = ()
    finalizer_count: Count = msgspec.field(default=_COUNTS[0], name="finalizers")  # only how many


class Condition(_S, frozen=True):
    type: Interned = _E
    status: Interned = _E  # "True" | "False" | "Unknown"
    reason: Interned = _E
    message: str = ""
    last_transition_time: Interned = _E  # RFC 3339 text, shared between conditions written together


class PhaseStatus(_S, frozen=True):
    phase: Interned = _E
    conditions: tuple[Condition, ...] = ()
    observed_generation: int = 0


class ObjectRef(_S, frozen=True):
    kind: Interned = _E
    name: str = ""


class KubeObject(_S, frozen=True):
    """Base of every projection: metadata plus `problem`, set when only metadata could be decoded."""

    KIND: ClassVar[str] = ""
    metadata: Meta = Meta()
    problem: str = msgspec.field(default="", name="x-dvpsnap-problem")

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def namespace(self) -> str:
        return self.metadata.namespace

    @property
    def uid(self) -> str:
        return self.metadata.uid

    @property
    def deleting(self) -> bool:
        return self.metadata.deletion_timestamp is not None

    @property
    def phase(self) -> str:
        return cast(str, getattr(getattr(self, "status", None), "phase", ""))

    @property
    def conditions(self) -> tuple[Condition, ...]:
        return cast(tuple[Condition, ...], getattr(getattr(self, "status", None), "conditions", ()))

    def condition(self, type_: str) -> Condition | None:
        return next((c for c in self.conditions if c.type == type_), None)

    def owner(self, kind: str) -> OwnerRef | None:
        return next((o for o in self.metadata.owner_references if o.kind == kind), None)


# ---- virtualization.deckhouse.io/v1alpha2 ----

class BlockDeviceRef(_S, frozen=True):
    kind: Interned = _E
    name: str = ""


class CPU(_S, frozen=True):
    cores: int = 0
    core_fraction: Interned = _E


class Memory(_S, frozen=True):
    size: Interned = _E


class Provisioning(_S, frozen=True):
    """`spec.provisioning`: only the Secret references (inline user data is never decoded)."""

    type: Interned = _E
    user_data_ref: ObjectRef | None = None
    sysprep_ref: ObjectRef | None = None


class VMSpec(_S, frozen=True):
    run_policy: Interned = _E
    block_device_refs: tuple[BlockDeviceRef, ...] = ()
    virtual_machine_ip_address_name: str = msgspec.field(default="", name="virtualMachineIPAddressName")
    cpu: CPU = CPU()
    memory: Memory = Memory()
    provisioning: Provisioning | None = None


class VMBlockDevice(_S, frozen=True):
    kind: Interned = _E
    name: str = ""
    size: Interned = _E
    attached: bool = False
    hotplugged: bool = False
    virtual_machine_block_device_attachment_name: str = ""


class VMStatus(PhaseStatus, frozen=True):
    node_name: Interned = _E
    ip_address: str = ""
    virtual_machine_ip_address_name: str = msgspec.field(default="", name="virtualMachineIPAddressName")
    block_device_refs: tuple[VMBlockDevice, ...] = ()
    restart_awaiting_changes: Count = _COUNTS[0]  # only how many changes wait for a restart


class VirtualMachine(KubeObject, frozen=True):
    KIND: ClassVar[str] = "vm"
    spec: VMSpec = VMSpec()
    status: VMStatus = VMStatus()


class DataSource(_S, frozen=True):
    type: Interned = _E
    object_ref: ObjectRef | None = None


class PVCRequest(_S, frozen=True):
    size: Quantity = ""
    storage_class_name: Interned = _E


class VDSpec(_S, frozen=True):
    data_source: DataSource | None = None
    persistent_volume_claim: PVCRequest = PVCRequest()


class AttachedVM(_S, frozen=True):
    name: str = ""
    mounted: bool = False


class VDTarget(_S, frozen=True):
    persistent_volume_claim_name: str = ""


class VDStatus(PhaseStatus, frozen=True):
    capacity: Interned = _E
    progress: Interned = _E
    storage_class_name: Interned = _E
    target: VDTarget = VDTarget()
    attached_to_virtual_machines: tuple[AttachedVM, ...] = ()
    source_uid: str = msgspec.field(default="", name="sourceUID")


class VirtualDisk(KubeObject, frozen=True):
    KIND: ClassVar[str] = "vd"
    spec: VDSpec = VDSpec()
    status: VDStatus = VDStatus()


class VDSnapshotSpec(_S, frozen=True):
    virtual_disk_name: str = ""
    volume_snapshot_class_name: Interned = _E  # seed only
    required_consistency: bool = True


class VDSnapshotStatus(PhaseStatus, frozen=True):
    consistent: bool | None = None  # true or absent, never false: absent = not guaranteed
    volume_snapshot_name: str = ""


class VirtualDiskSnapshot(KubeObject, frozen=True):
    KIND: ClassVar[str] = "vdsnapshot"
    spec: VDSnapshotSpec = VDSnapshotSpec()
    status: VDSnapshotStatus = VDSnapshotStatus()


class ClassMapping(_S, frozen=True):
    storage_class_name: Interned = _E
    volume_snapshot_class_name: Interned = _E


class VMSnapshotSpec(_S, frozen=True):
    virtual_machine_name: str = ""
    required_consistency: bool = True
    keep_ip_address: Interned = msgspec.field(default=_E, name="keepIPAddress")
    volume_snapshot_classes: tuple[ClassMapping, ...] = ()  # seed only


class ResourceRef(_S, frozen=True):
    kind: Interned = _E
    api_version: Interned = _E
    name: str = ""


class VMSnapshotStatus(PhaseStatus, frozen=True):
    consistent: bool | None = None
    virtual_machine_snapshot_secret_name: str = ""
    virtual_disk_snapshot_names: tuple[str, ...] = ()
    resources: tuple[ResourceRef, ...] = ()


class VirtualMachineSnapshot(KubeObject, frozen=True):
    KIND: ClassVar[str] = "vmsnapshot"
    spec: VMSnapshotSpec = VMSnapshotSpec()
    status: VMSnapshotStatus = VMSnapshotStatus()


class NameReplacement(_S, frozen=True):
    from_: ObjectRef = msgspec.field(default=ObjectRef(), name="from")
    to: str = ""


class VMRestoreSpec(_S, frozen=True):
    virtual_machine_snapshot_name: str = ""
    restore_mode: Interned = _E  # absent = Safe
    name_replacements: tuple[NameReplacement, ...] = ()


class VirtualMachineRestore(KubeObject, frozen=True):
    KIND: ClassVar[str] = "vmrestore"
    spec: VMRestoreSpec = VMRestoreSpec()
    status: PhaseStatus = PhaseStatus()


class Customization(_S, frozen=True):
    name_prefix: str = ""
    name_suffix: str = ""


class RestoreSpec(_S, frozen=True):
    mode: Interned = _E
    virtual_machine_snapshot_name: str = ""


class CloneSpec(_S, frozen=True):
    """VMOP `spec.clone` and VMSOP `spec.createVirtualMachine` (same shape)."""

    mode: Interned = _E
    name_replacement: tuple[NameReplacement, ...] = ()
    customization: Customization | None = None


class VMOPSpec(_S, frozen=True):
    type: Interned = _E
    virtual_machine_name: str = ""
    force: bool | None = None
    restore: RestoreSpec | None = None
    clone: CloneSpec | None = None


class OperationResource(_S, frozen=True):
    api_version: Interned = _E  # the version only ("v1alpha2", "v1"), a DVP quirk
    kind: Interned = _E
    name: str = ""
    status: Interned = _E
    message: Interned = _E  # mostly "Successfully processed"


class VMOPStatus(PhaseStatus, frozen=True):
    progress: Interned = _E
    resources: tuple[OperationResource, ...] = ()


class VirtualMachineOperation(KubeObject, frozen=True):
    KIND: ClassVar[str] = "vmop"
    spec: VMOPSpec = VMOPSpec()
    status: VMOPStatus = VMOPStatus()


class VMSOPSpec(_S, frozen=True):
    type: Interned = _E
    virtual_machine_snapshot_name: str = ""
    create_virtual_machine: CloneSpec | None = None


class VMSOPStatus(PhaseStatus, frozen=True):
    resources: tuple[OperationResource, ...] = ()


class VirtualMachineSnapshotOperation(KubeObject, frozen=True):
    KIND: ClassVar[str] = "vmsop"
    spec: VMSOPSpec = VMSOPSpec()
    status: VMSOPStatus = VMSOPStatus()


class VMBDASpec(_S, frozen=True):
    virtual_machine_name: str = ""
    block_device_ref: ObjectRef = ObjectRef()


class VMBDAStatus(PhaseStatus, frozen=True):
    virtual_machine_name: str = ""


class VirtualMachineBlockDeviceAttachment(KubeObject, frozen=True):
    KIND: ClassVar[str] = "vmbda"
    spec: VMBDASpec = VMBDASpec()
    status: VMBDAStatus = VMBDAStatus()


class AddressSpec(_S, frozen=True):
    type: Interned = _E  # VMIP: Auto | Static
    static_ip: str = msgspec.field(default="", name="staticIP")
    address: str = ""  # VMMAC


class AddressStatus(PhaseStatus, frozen=True):
    address: str = ""
    virtual_machine_name: str = ""


class VirtualMachineIPAddress(KubeObject, frozen=True):
    KIND: ClassVar[str] = "vmip"
    spec: AddressSpec = AddressSpec()
    status: AddressStatus = AddressStatus()


class VirtualMachineMACAddress(KubeObject, frozen=True):
    KIND: ClassVar[str] = "vmmac"
    spec: AddressSpec = AddressSpec()
    status: AddressStatus = AddressStatus()


# ---- snapshot.storage.k8s.io/v1, storage.k8s.io/v1, v1 ----

class SnapshotError(_S, frozen=True):
    message: str = ""
    time: datetime | None = None


class VSSource(_S, frozen=True):
    persistent_volume_claim_name: str = ""
    volume_snapshot_content_name: str = ""


class VSSpec(_S, frozen=True):
    source: VSSource = VSSource()
    volume_snapshot_class_name: Interned = _E


class VSStatus(_S, frozen=True):
    ready_to_use: bool | None = None
    restore_size: Interned = _E
    creation_time: datetime | None = None
    bound_volume_snapshot_content_name: str = ""
    error: SnapshotError | None = None


class VolumeSnapshot(KubeObject, frozen=True):
    KIND: ClassVar[str] = "vs"
    spec: VSSpec = VSSpec()
    status: VSStatus = VSStatus()


class VolumeSnapshotClass(KubeObject, frozen=True):
    KIND: ClassVar[str] = "vsclass"
    driver: Interned = _E
    deletion_policy: Interned = _E


class VSCRef(_S, frozen=True):
    name: str = ""
    namespace: Interned = _E
    uid: str = ""


class VSCSpec(_S, frozen=True):
    driver: Interned = _E
    deletion_policy: Interned = _E
    volume_snapshot_class_name: Interned = _E
    volume_snapshot_ref: VSCRef = VSCRef()


class VSCStatus(_S, frozen=True):
    ready_to_use: bool | None = None
    restore_size: int | None = None  # bytes
    snapshot_handle: str = ""
    error: SnapshotError | None = None


class VolumeSnapshotContent(KubeObject, frozen=True):
    KIND: ClassVar[str] = "vsc"
    spec: VSCSpec = VSCSpec()
    status: VSCStatus = VSCStatus()


class StorageClass(KubeObject, frozen=True):
    KIND: ClassVar[str] = "sc"
    provisioner: Interned = _E
    reclaim_policy: Interned = _E
    volume_binding_mode: Interned = _E
    allow_volume_expansion: bool | None = None


class Storage(_S, frozen=True):
    storage: Interned = _E


class PVCResources(_S, frozen=True):
    requests: Storage = Storage()


class TypedRef(_S, frozen=True):
    api_group: Interned = _E
    kind: Interned = _E
    name: str = ""


class PVCSpec(_S, frozen=True):
    storage_class_name: Interned = _E
    volume_name: str = ""
    volume_mode: Interned = _E
    access_modes: tuple[Interned, ...] = ()
    resources: PVCResources = PVCResources()
    data_source: TypedRef | None = None


class PVCStatus(_S, frozen=True):
    phase: Interned = _E
    capacity: Storage = Storage()


class PersistentVolumeClaim(KubeObject, frozen=True):
    KIND: ClassVar[str] = "pvc"
    spec: PVCSpec = PVCSpec()
    status: PVCStatus = PVCStatus()


class NSStatus(_S, frozen=True):
    phase: Interned = _E


class Namespace(KubeObject, frozen=True):
    KIND: ClassVar[str] = "ns"
    status: NSStatus = NSStatus()


class InvolvedObject(_S, frozen=True):
    kind: Interned = _E
    name: str = ""
    namespace: Interned = _E
    uid: str = ""


class Event(KubeObject, frozen=True):
    KIND: ClassVar[str] = "event"
    involved_object: InvolvedObject = InvolvedObject()
    type: Interned = _E  # Normal | Warning
    reason: Interned = _E
    message: str = ""
    count: int | None = None
    first_timestamp: datetime | None = None
    last_timestamp: datetime | None = None
    event_time: datetime | None = None


class Secret(KubeObject, frozen=True):
    """Metadata and type only: `data` and `stringData` are never decoded."""

    KIND: ClassVar[str] = "secret"
    type: Interned = _E


STRUCTS: dict[str, type[KubeObject]] = {cls.KIND: cls for cls in (
    VirtualMachine, VirtualDisk, VirtualDiskSnapshot, VirtualMachineSnapshot, VirtualMachineRestore,
    VirtualMachineOperation, VirtualMachineSnapshotOperation, VirtualMachineBlockDeviceAttachment,
    VirtualMachineIPAddress, VirtualMachineMACAddress, VolumeSnapshot, VolumeSnapshotClass,
    VolumeSnapshotContent, StorageClass, PersistentVolumeClaim, Namespace, Event, Secret,
)}


# ---- decoding ----

T = TypeVar("T", bound=KubeObject)


class _ListMeta(_S, frozen=True):
    resource_version: str = ""
    continue_: str = msgspec.field(default="", name="continue")
    remaining_item_count: int | None = None


class _List(_S, Generic[T], frozen=True):
    metadata: _ListMeta = _ListMeta()
    items: list[T] | None = None


class _RawList(_S, frozen=True):
    metadata: _ListMeta = _ListMeta()
    items: list[msgspec.Raw] | None = None


class _MetaOnly(_S, frozen=True):
    metadata: Meta = Meta()


class _RVMeta(_S, frozen=True):
    resource_version: str = ""


class _Bookmark(_S, frozen=True):
    metadata: _RVMeta = _RVMeta()


class _Status(_S, frozen=True):
    code: int = 0
    reason: str = ""
    message: str = ""


class _Envelope(msgspec.Struct, frozen=True):
    type: str
    object: msgspec.Raw


class ListPage(NamedTuple):
    """One page of a list response."""

    items: list[KubeObject]
    resource_version: str
    continue_token: str
    remaining_item_count: int | None


class WatchEvent(msgspec.Struct, frozen=True, gc=False):
    """One watch line: ADDED/MODIFIED/DELETED carry `obj`, BOOKMARK only an RV, ERROR a status."""

    type: str
    obj: KubeObject | None = None
    resource_version: str = ""
    code: int = 0  # ERROR only (e.g. 410)
    reason: str = ""  # ERROR only (e.g. "Expired")
    message: str = ""


class _Codecs(NamedTuple):
    struct: type[KubeObject]
    list: msgspec.json.Decoder[Any]
    item: msgspec.json.Decoder[Any]


def _decoder(tp: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(tp, dec_hook=_dec_hook)


_RAW_LIST = _decoder(_RawList)
_META_ONLY = _decoder(_MetaOnly)
_ENVELOPE = msgspec.json.Decoder(_Envelope)
_BOOKMARK = _decoder(_Bookmark)
_STATUS = _decoder(_Status)


@functools.cache
def _codecs(kind_id: str) -> _Codecs:
    try:
        struct = STRUCTS[kind_id]
    except KeyError:
        raise ValueError(f"no projection for kind {kind_id!r}") from None
    return _Codecs(struct, _decoder(cast(Any, _List)[struct]), _decoder(struct))


def _kind_id(kind: Kind | str) -> str:
    return kind if isinstance(kind, str) else kind.id


def _decode_item(codecs: _Codecs, raw: bytes | msgspec.Raw) -> KubeObject:
    """Decode one object; if its shape does not match, keep its metadata and say why in `problem`."""
    try:
        return cast(KubeObject, codecs.item.decode(raw))
    except msgspec.ValidationError as err:
        try:
            meta = _META_ONLY.decode(raw).metadata
        except msgspec.DecodeError as err2:
            raise MalformedPayload(f"{codecs.struct.__name__}: {err2}") from err
        return codecs.struct(metadata=meta, problem=f"unexpected shape: {err}")
    except msgspec.DecodeError as err:
        raise MalformedPayload(f"{codecs.struct.__name__}: {err}") from err


def decode_object(kind: Kind | str, raw: bytes) -> KubeObject:
    """Decode a single object (a GET response)."""
    return _decode_item(_codecs(_kind_id(kind)), raw)


def decode_list(kind: Kind | str, raw: bytes) -> ListPage:
    """Decode a list response page; raises MalformedPayload when it is not a list of objects."""
    codecs = _codecs(_kind_id(kind))
    try:
        page = codecs.list.decode(raw)
        items: list[KubeObject] = page.items or []
    except msgspec.ValidationError:
        try:
            page = _RAW_LIST.decode(raw)
        except msgspec.DecodeError as err:
            raise MalformedPayload(f"{codecs.struct.__name__} list: {err}") from err
        items = [_decode_item(codecs, r) for r in page.items or ()]
    except msgspec.DecodeError as err:
        raise MalformedPayload(f"{codecs.struct.__name__} list: {err}") from err
    meta = page.metadata
    return ListPage(items, meta.resource_version, meta.continue_, meta.remaining_item_count)


def decode_event(kind: Kind | str, raw_line: bytes) -> WatchEvent:
    """Decode one watch line; raises MalformedPayload for anything that is not a complete watch event."""
    codecs = _codecs(_kind_id(kind))
    try:
        env = _ENVELOPE.decode(raw_line)
        if env.type in ("ADDED", "MODIFIED", "DELETED"):
            obj = _decode_item(codecs, env.object)
            return WatchEvent(env.type, obj, obj.metadata.resource_version)
        if env.type == "BOOKMARK":
            return WatchEvent(env.type, None, _BOOKMARK.decode(env.object).metadata.resource_version)
        if env.type == "ERROR":
            st = _STATUS.decode(env.object)
            return WatchEvent(env.type, None, "", st.code, st.reason, st.message)
    except msgspec.DecodeError as err:
        raise MalformedPayload(f"{codecs.struct.__name__} watch event: {err}") from err
    raise MalformedPayload(f"{codecs.struct.__name__} watch event: unknown type {env.type!r}")
