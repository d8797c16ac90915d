"""VirtualDisk and VirtualDiskSnapshot: schemas, printer columns, CEL rules and the disk webhook."""

from __future__ import annotations

from tui.sim.resources import Admission, AdmissionHook, Obj, Reader, ResourceDef
from tui.sim.schemas.admission import (
    KEYS,
    OK,
    deny,
    dig,
    idempotent_spec,
    name_of,
    namespace_of,
    parse_quantity,
    webhook,
)
from tui.sim.schemas.cel import Cel, has
from tui.sim.schemas.common import (
    AGE,
    PHASE,
    array,
    boolean,
    column,
    condition_status,
    conditions,
    integer,
    name_ref,
    obj,
    quantity,
    root,
    string,
)
from tui.sim.schemas.gen import Gen

GROUP, VERSION = "virtualization.deckhouse.io", "v1alpha2"
_DOMAIN = r"(?:(?:localhost|[\w-]+(?:\.[\w-]+)+)(?::\d+)?)|[\w]+:\d+"
_REPOSITORY = rf"(?P<name>(?:(?P<domain>{_DOMAIN})/)?(?P<image>[a-z0-9_.-]+(?:/[a-z0-9_.-]+)*))"
_DIGEST = r"(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[+.-_][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})"
IMAGE_PATTERN = rf"^{_REPOSITORY}(?::(?P<tag>[\w][\w.-]{{0,127}}))?(?:@{_DIGEST})?$"
_URL_CHAR = r"(?:[a-zA-Z]|[0-9]|[$-_@.&+]|[!*\(\),]|(?:%[0-9a-fA-F][0-9a-fA-F]))"
URL_PATTERN = rf"^http[s]?:\/\/{_URL_CHAR}+$"
SOURCE_TYPES = ("HTTP", "ContainerImage", "ObjectRef")
_SOURCE_FIELDS = {"HTTP": "http", "ContainerImage": "containerImage", "ObjectRef": "objectRef"}
VD_PHASES = ("Pending", "Provisioning", "WaitForUserUpload", "WaitForFirstConsumer", "Ready", "Resizing",
             "Failed", "PVCLost")
SNAPSHOT_PHASES = ("Pending", "InProgress", "Ready", "Failed", "Terminating")
NOT_PROVISIONED = ("", "Pending", "Provisioning", "WaitForUserUpload", "Failed")
STORAGE_CLASS_ANNOTATION = "virtualization.deckhouse.io/storage-class-name"


def _source_rule(kind: str) -> Cel:
    """`type == X` requires the X block and forbids the other two."""
    own = _SOURCE_FIELDS[kind]
    others = [k for k in SOURCE_TYPES if k != kind]
    text = f"{kind} requires {own} and cannot have {others[0]} or {others[1]}."

    def ok(source: Obj) -> bool:
        if source.get("type") != kind:
            return True
        return has(source, own) and not any(has(source, _SOURCE_FIELDS[k]) for k in others)

    return Cel("spec.dataSource", text, ok)


def _disk_schema(gen: Gen) -> Obj:
    strict = gen.has("min_length_names")
    data_source = obj({
        "containerImage": obj({
            "caBundle": string(fmt="byte"),
            "image": string(pattern=IMAGE_PATTERN),
            "imagePullSecret": obj({"name": string()}),
        }, required=("image",)),
        "http": obj({
            "caBundle": string(fmt="byte"),
            "checksum": obj({
                "md5": string(min_length=32, max_length=32, pattern="^[0-9a-fA-F]{32}$"),
                "sha256": string(min_length=64, max_length=64, pattern="^[0-9a-fA-F]{64}$"),
            }),
            "url": string(pattern=URL_PATTERN),
        }, required=("url",)),
        "objectRef": obj({
            "kind": string(enum=("ClusterVirtualImage", "VirtualImage", "VirtualDiskSnapshot")),
            "name": name_ref(strict),
        }, required=("kind", "name")),
        "type": string(enum=(*SOURCE_TYPES, "Upload")),
    }, desc="Where the disk's data comes from; absent for a blank disk.")
    spec = obj({
        "dataSource": data_source,
        "persistentVolumeClaim": obj({"size": quantity(), "storageClassName": string()}),
    })
    phases = (*VD_PHASES, *("Exporting",) * gen.has("vd_exporting"), "Terminating",
              *("Migrating",) * gen.has("vd_migrating"))
    nullable = string(nullable=True)
    durations = {k: nullable for k in ("dvcrProvisioning", "totalProvisioning", "waitingForDependencies")}
    if gen.has("vd_wait_first_consumer_stat"):
        durations["waitingForFirstConsumer"] = nullable
    speed = {k: string() for k in ("avg", "avgBytes", "current", "currentBytes")}
    status: Obj = {
        "attachedToVirtualMachines": array(obj({"mounted": boolean(), "name": string()})),
        "capacity": string(),
        "conditions": conditions(),
        "downloadSpeed": obj(speed),
        "imageUploadURLs": obj({"external": string(), "inCluster": string()}),
        "observedGeneration": integer(fmt="int64"),
        "phase": string(enum=phases),
        "progress": string(),
        "sourceUID": string(),
        "stats": obj({"creationDuration": obj(durations)}),
        "storageClassName": string(),
        "target": obj({"persistentVolumeClaimName": string()}),
        "uploadCommand": string(),
    }
    if gen.has("vd_migrating"):
        status["migrationState"] = obj({
            "endTimestamp": string(fmt="date-time"), "message": string(),
            "result": string(enum=("Succeeded", "Failed")), "sourcePVC": string(),
            "startTimestamp": string(fmt="date-time"), "targetPVC": string(),
        })
    return root(spec, obj(status), desc="A disk of a virtual machine, backed by a PVC.")


def virtual_disk(gen: Gen) -> ResourceDef:
    attached = column("VirtualMachine", ".status.attachedToVirtualMachines[?(@.mounted==true)].name")
    columns = (
        PHASE, column("Capacity", ".status.capacity"), condition_status("InUse", "InUse", priority=1),
        *(attached,) * gen.has("vd_migrating"),
        column("Progress", ".status.progress", priority=1),
        column("StorageClass", ".status.storageClassName", priority=1),
        column("TargetPVC", ".status.target.persistentVolumeClaimName", priority=1), AGE,
    )
    seed = gen.has("seed_names")
    return ResourceDef(
        GROUP, VERSION, "VirtualDisk", "virtualdisks", True, _disk_schema(gen),
        short_names=("vd", "vds") if seed else ("vd",),
        categories=("virtualization", "all") if seed else ("virtualization",),
        columns=columns, rules=tuple(_source_rule(k) for k in SOURCE_TYPES),
        admission=(disk_webhook(gen),),
    )


def disk_webhook(gen: Gen) -> AdmissionHook:
    """`vd.virtualization-controller...`: names, sizes, data source changes, snapshot sources."""
    hook = webhook("vd")

    def admit(new: Obj, old: Obj | None, reader: Reader) -> Admission:
        name = name_of(new)
        if "." in name:
            return deny(hook, f'the VirtualDisk name "{name}" is invalid: '
                              "'.' is forbidden, allowed name symbols are [0-9a-zA-Z-]")
        if gen.has("vd_name_limit") and len(name) > 60:
            return deny(hook, f'the VirtualDisk name "{name}" is too long: '
                              "it must be no more than 60 characters")
        spec: Obj = new.get("spec") or {}
        size = dig(spec, "persistentVolumeClaim", "size")
        if old is None and not spec.get("dataSource") and size is None:
            return deny(hook, "if the data source is not specified, it's necessary to set "
                              "spec.PersistentVolumeClaim.size to create blank virtual disk")
        if size is not None and parse_quantity(size) == 0:
            return deny(hook, "virtual disk size must be greater than 0")
        if old is not None:
            return _update(hook, spec, old)
        return _from_snapshot(gen, hook, new, reader)

    return admit


def _update(hook: str, spec: Obj, old: Obj) -> Admission:
    old_spec: Obj = old.get("spec") or {}
    if dig(old, "metadata", "deletionTimestamp") and spec != old_spec:
        return deny(hook, "spec cannot be changed if the VirtualDisk is the process of termination")
    new_size = dig(spec, "persistentVolumeClaim", "size")
    old_size = dig(old_spec, "persistentVolumeClaim", "size")
    if old_size is not None and new_size is None:
        return deny(hook, "spec.persistentVolumeClaim.size cannot be omitted once set")
    new_q, old_q = parse_quantity(new_size), parse_quantity(old_size)
    if new_q is not None and old_q is not None and new_q < old_q:
        return deny(hook, f"spec.persistentVolumeClaim.size value ({new_size}) should be greater than or "
                          f"equal to the current value ({old_size})")
    phase = dig(old, "status", "phase") or ""
    if spec.get("dataSource") != old_spec.get("dataSource") and phase not in NOT_PROVISIONED:
        return deny(hook, "data source cannot be changed if the VirtualDisk has already been provisioned")
    return OK


def _from_snapshot(gen: Gen, hook: str, disk: Obj, reader: Reader) -> Admission:
    """Disk from a VirtualDiskSnapshot: CSI driver match (v1.10) and a size warning."""
    ref = dig(disk, "spec", "dataSource", "objectRef")
    if not isinstance(ref, dict) or ref.get("kind") != "VirtualDiskSnapshot" or not ref.get("name"):
        return OK
    ns = namespace_of(disk)
    vds = reader.get(KEYS["VirtualDiskSnapshot"], ns, str(ref["name"]))
    vs_name = dig(vds, "status", "volumeSnapshotName")
    vs = reader.get(KEYS["VolumeSnapshot"], ns, str(vs_name)) if vs_name else None
    if vs is None:
        return OK
    wanted = dig(disk, "spec", "persistentVolumeClaim", "storageClassName")
    if gen.has("vd_provisioner_check") and wanted:
        source = dig(vs, "metadata", "annotations", STORAGE_CLASS_ANNOTATION)
        p1, p2 = _provisioner(reader, str(wanted)), _provisioner(reader, str(source)) if source else None
        if p1 and p2 and p1 != p2:
            source_name = ref["name"]
            return deny(hook, f'virtual disk storage class "{wanted}" provisioner "{p1}" does not match '
                              f'the source VirtualDiskSnapshot "{source_name}" provisioner "{p2}": creating '
                              "a disk from a snapshot on a different CSI driver is not supported")
    size = dig(disk, "spec", "persistentVolumeClaim", "size")
    requested, needed = parse_quantity(size), parse_quantity(dig(vs, "status", "restoreSize"))
    if requested is not None and needed is not None and requested < needed:
        return Admission(warnings=(
            f"The specified pvc size is insufficient: {int(requested)} ({size}) < {int(needed)}",))
    return OK


def _provisioner(reader: Reader, storage_class: str) -> str | None:
    sc = reader.get(KEYS["StorageClass"], None, storage_class)
    value = sc.get("provisioner") if sc else None
    return str(value) if value else None


def virtual_disk_snapshot(gen: Gen) -> ResourceDef:
    seed = gen.has("explicit_snapshot_class")
    props: Obj = {"virtualDiskName": name_ref(gen.has("min_length_names"), desc="The disk to snapshot.")}
    if seed:
        props["volumeSnapshotClassName"] = string(desc="The VolumeSnapshotClass to use.")
    props["requiredConsistency"] = boolean(default=True, desc="Fail rather than take an unfrozen snapshot.")
    spec = obj(props, required=("virtualDiskName", *("volumeSnapshotClassName",) * seed))
    status = obj({
        "conditions": conditions(), "volumeSnapshotName": string(), "consistent": boolean(),
        "phase": string(enum=SNAPSHOT_PHASES), "observedGeneration": integer(),
    })
    return ResourceDef(
        GROUP, VERSION, "VirtualDiskSnapshot", "virtualdisksnapshots", True,
        root(spec, status, desc="A snapshot of one virtual disk (a VolumeSnapshot underneath)."),
        short_names=("vdsnapshot", "vdsnapshots") if gen.has("seed_names") else ("vdsnapshot", "vds"),
        categories=("all", "virtualization") if gen.has("seed_names") else ("virtualization",),
        columns=(PHASE, column("Consistent", ".status.consistent", "boolean"), AGE),
        admission=(idempotent_spec("vdsnapshot", "VirtualDiskSnapshot"),),
    )
