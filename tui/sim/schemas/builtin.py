"""The non-DVP kinds the simulated server serves: core, storage, CSI snapshots and access reviews."""

from __future__ import annotations

from tui.sim.resources import Obj, ResourceDef, Rule
from tui.sim.schemas.cel import Cel, exactly_one, has, immutable, kept_once_set
from tui.sim.schemas.common import (
    AGE,
    QUANTITY_PATTERN,
    array,
    boolean,
    column,
    integer,
    label_selector,
    map_of,
    obj,
    quantity,
    root,
    string,
)

SNAPSHOT_GROUP = "snapshot.storage.k8s.io"
STORAGE_GROUP = "storage.k8s.io"
AUTHZ_GROUP = "authorization.k8s.io"
ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
DELETION_POLICIES = ("Delete", "Retain")
OBJECT_REFERENCE = ("apiVersion", "fieldPath", "kind", "name", "namespace", "resourceVersion", "uid")


def _open_list() -> Obj:
    """A list of objects whose fields are not checked."""
    return array(obj(preserve=True))


def _typed_local_ref(namespaced: bool = False) -> Obj:
    props: Obj = {"apiGroup": string(), "kind": string(), "name": string()}
    if namespaced:
        props["namespace"] = string()
    return obj(props, required=("kind", "name"))


def namespaces() -> ResourceDef:
    status = obj({"phase": string(enum=("Active", "Terminating")), "conditions": _open_list()}, preserve=True)
    schema = root(obj({"finalizers": array(string())}), status, required=())
    return ResourceDef("", "v1", "Namespace", "namespaces", False, schema, short_names=("ns",), custom=False,
                       columns=(column("Status", ".status.phase"), AGE))


def secrets() -> ResourceDef:
    schema = root(None, required=(), data=map_of(string(fmt="byte")), stringData=map_of(),
                  type=string(default="Opaque"), immutable=boolean())
    return ResourceDef("", "v1", "Secret", "secrets", True, schema, custom=False, status_subresource=False,
                       columns=(column("Type", ".type"), AGE))


def config_maps() -> ResourceDef:
    schema = root(None, required=(), data=map_of(), binaryData=map_of(string(fmt="byte")),
                  immutable=boolean())
    return ResourceDef("", "v1", "ConfigMap", "configmaps", True, schema, short_names=("cm",), custom=False,
                       status_subresource=False, columns=(AGE,))


def persistent_volume_claims() -> ResourceDef:
    resources = obj({"requests": map_of(quantity()), "limits": map_of(quantity())})
    spec = obj({
        "accessModes": array(string(enum=ACCESS_MODES)),
        "selector": label_selector(),
        "resources": resources,
        "volumeName": string(),
        "storageClassName": string(),
        "volumeMode": string(enum=("Block", "Filesystem"), default="Filesystem"),
        "dataSource": _typed_local_ref(),
        "dataSourceRef": _typed_local_ref(namespaced=True),
        "volumeAttributesClassName": string(),
    })
    status = obj({
        "phase": string(enum=("Pending", "Bound", "Lost")), "accessModes": array(string()),
        "capacity": map_of(quantity()), "allocatedResources": map_of(quantity()), "conditions": _open_list(),
    }, preserve=True)
    columns = (column("Status", ".status.phase"), column("Volume", ".spec.volumeName"),
               column("Capacity", ".status.capacity.storage"), column("Access Modes", ".status.accessModes"),
               column("StorageClass", ".spec.storageClassName"), AGE,
               column("VolumeMode", ".spec.volumeMode", priority=1))
    return ResourceDef("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, root(spec, status),
                       short_names=("pvc",), custom=False, columns=columns)


def events() -> ResourceDef:
    involved = obj({k: string() for k in OBJECT_REFERENCE})
    schema = root(
        None, required=("involvedObject",), involvedObject=involved, reason=string(), message=string(),
        source=obj({"component": string(), "host": string()}), firstTimestamp=string(fmt="date-time"),
        lastTimestamp=string(fmt="date-time"), count=integer(fmt="int32"), type=string(),
        eventTime=string(fmt="date-time", nullable=True), series=obj(preserve=True), action=string(),
        related=obj(preserve=True), reportingComponent=string(), reportingInstance=string(),
    )
    columns = (column("Last Seen", ".lastTimestamp", "date"), column("Type", ".type"),
               column("Reason", ".reason"), column("Object", ".involvedObject.name"),
               column("Message", ".message"))
    return ResourceDef("", "v1", "Event", "events", True, schema, short_names=("ev",), custom=False,
                       status_subresource=False, columns=columns)


def storage_classes() -> ResourceDef:
    schema = root(
        None, required=("provisioner",), provisioner=string(), parameters=map_of(),
        reclaimPolicy=string(enum=DELETION_POLICIES, default="Delete"), mountOptions=array(string()),
        volumeBindingMode=string(enum=("Immediate", "WaitForFirstConsumer"), default="Immediate"),
        allowVolumeExpansion=boolean(), allowedTopologies=_open_list(),
    )
    columns = (column("Provisioner", ".provisioner"), column("ReclaimPolicy", ".reclaimPolicy"),
               column("VolumeBindingMode", ".volumeBindingMode"),
               column("AllowVolumeExpansion", ".allowVolumeExpansion", "boolean"), AGE)
    return ResourceDef(STORAGE_GROUP, "v1", "StorageClass", "storageclasses", False, schema,
                       short_names=("sc",), custom=False, status_subresource=False, columns=columns)


def volume_snapshot_classes() -> ResourceDef:
    schema = root(None, required=("deletionPolicy", "driver"), deletionPolicy=string(enum=DELETION_POLICIES),
                  driver=string(), parameters=map_of())
    columns = (column("Driver", ".driver"), column("DeletionPolicy", ".deletionPolicy"), AGE)
    return ResourceDef(SNAPSHOT_GROUP, "v1", "VolumeSnapshotClass", "volumesnapshotclasses", False, schema,
                       short_names=("vsclass", "vsclasses"), status_subresource=False, columns=columns)


def _snapshot_error() -> Obj:
    return obj({"message": string(), "time": string(fmt="date-time")})


VS_RULES: tuple[Rule, ...] = (
    *(kept_once_set("spec.source", key, f"{key} is required once set")
      for key in ("persistentVolumeClaimName", "volumeSnapshotContentName")),
    Cel("spec.source", "exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set",
        lambda s: exactly_one(s, "volumeSnapshotContentName", "persistentVolumeClaimName")),
    immutable("spec.source.persistentVolumeClaimName", "persistentVolumeClaimName is immutable", "string"),
    immutable("spec.source.volumeSnapshotContentName", "volumeSnapshotContentName is immutable", "string"),
    Cel("spec.volumeSnapshotClassName", "volumeSnapshotClassName must not be the empty string when set",
        lambda v: len(v) > 0, node_type="string"),
)


def volume_snapshots() -> ResourceDef:
    spec = obj({"source": obj({"persistentVolumeClaimName": string(), "volumeSnapshotContentName": string()}),
                "volumeSnapshotClassName": string()}, required=("source",))
    status = obj({
        "boundVolumeSnapshotContentName": string(), "creationTime": string(fmt="date-time"),
        "error": _snapshot_error(), "readyToUse": boolean(),
        "restoreSize": {"type": "string", "pattern": QUANTITY_PATTERN, "x-kubernetes-int-or-string": True},
        "volumeGroupSnapshotName": string(),
    })
    columns = (column("ReadyToUse", ".status.readyToUse", "boolean"),
               column("SourcePVC", ".spec.source.persistentVolumeClaimName"),
               column("SourceSnapshotContent", ".spec.source.volumeSnapshotContentName"),
               column("RestoreSize", ".status.restoreSize"),
               column("SnapshotClass", ".spec.volumeSnapshotClassName"),
               column("SnapshotContent", ".status.boundVolumeSnapshotContentName"),
               column("CreationTime", ".status.creationTime", "date"), AGE)
    return ResourceDef(SNAPSHOT_GROUP, "v1", "VolumeSnapshot", "volumesnapshots", True, root(spec, status),
                       short_names=("vs",), columns=columns, rules=VS_RULES)


VSC_RULES: tuple[Rule, ...] = (
    kept_once_set("spec", "sourceVolumeMode", "sourceVolumeMode is required once set"),
    kept_once_set("spec.source", "volumeHandle", "volumeHandle is required once set"),
    kept_once_set("spec.source", "snapshotHandle", "snapshotHandle is required once set"),
    Cel("spec.source", "exactly one of volumeHandle and snapshotHandle must be set",
        lambda s: exactly_one(s, "volumeHandle", "snapshotHandle")),
    immutable("spec.source.snapshotHandle", "snapshotHandle is immutable", "string"),
    immutable("spec.source.volumeHandle", "volumeHandle is immutable", "string"),
    immutable("spec.sourceVolumeMode", "sourceVolumeMode is immutable", "string"),
    Cel("spec.volumeSnapshotRef",
        "both spec.volumeSnapshotRef.name and spec.volumeSnapshotRef.namespace must be set",
        lambda r: has(r, "name") and has(r, "namespace")),
)


def volume_snapshot_contents() -> ResourceDef:
    ref = obj({k: string() for k in OBJECT_REFERENCE})
    spec = obj({
        "deletionPolicy": string(enum=DELETION_POLICIES), "driver": string(),
        "source": obj({"snapshotHandle": string(), "volumeHandle": string()}),
        "sourceVolumeMode": string(), "volumeSnapshotClassName": string(), "volumeSnapshotRef": ref,
    }, required=("deletionPolicy", "driver", "source", "volumeSnapshotRef"))
    status = obj({
        "creationTime": integer(fmt="int64"), "error": _snapshot_error(), "readyToUse": boolean(),
        "restoreSize": integer(minimum=0, fmt="int64"), "snapshotHandle": string(),
        "volumeGroupSnapshotHandle": string(),
    })
    columns = (column("ReadyToUse", ".status.readyToUse", "boolean"),
               column("RestoreSize", ".status.restoreSize", "integer"),
               column("DeletionPolicy", ".spec.deletionPolicy"), column("Driver", ".spec.driver"),
               column("VolumeSnapshotClass", ".spec.volumeSnapshotClassName"),
               column("VolumeSnapshot", ".spec.volumeSnapshotRef.name"),
               column("VolumeSnapshotNamespace", ".spec.volumeSnapshotRef.namespace"), AGE)
    return ResourceDef(SNAPSHOT_GROUP, "v1", "VolumeSnapshotContent", "volumesnapshotcontents", False,
                       root(spec, status), short_names=("vsc", "vscs"), columns=columns, rules=VSC_RULES)


def access_reviews() -> list[ResourceDef]:
    """SelfSubjectAccessReview and SelfSubjectRulesReview: create-only, answered by the server."""
    names = ("namespace", "verb", "group", "version", "resource", "subresource", "name")
    attributes: Obj = {k: string() for k in names}
    attributes.update(fieldSelector=obj(preserve=True), labelSelector=obj(preserve=True))
    ssar = root(obj({"resourceAttributes": obj(attributes),
                     "nonResourceAttributes": obj({"path": string(), "verb": string()})}),
                obj({"allowed": boolean(), "denied": boolean(), "reason": string(),
                     "evaluationError": string()}, required=("allowed",)))
    ssrr = root(obj({"namespace": string()}),
                obj({"resourceRules": _open_list(), "nonResourceRules": _open_list(), "incomplete": boolean(),
                     "evaluationError": string()},
                    required=("resourceRules", "nonResourceRules", "incomplete")))
    return [
        ResourceDef(AUTHZ_GROUP, "v1", kind, f"{kind.lower()}s", False, schema, custom=False, virtual=True,
                    verbs=("create",), status_subresource=False)
        for kind, schema in (("SelfSubjectAccessReview", ssar), ("SelfSubjectRulesReview", ssrr))
    ]


def builtin_defs() -> list[ResourceDef]:
    """Every non-DVP kind, fresh objects each call."""
    return [namespaces(), secrets(), config_maps(), persistent_volume_claims(), events(), storage_classes(),
            volume_snapshot_classes(), volume_snapshots(), volume_snapshot_contents(), *access_reviews()]
