"""What the cluster serves: DVP API generation, kinds and fields, from discovery and OpenAPI v3."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tui.kube.client import ApiError, KubeClient, TransportError

GROUP = "virtualization.deckhouse.io"
VERSION = "v1alpha2"
GV_PATH = f"/apis/{GROUP}/{VERSION}"
SCHEMA_PREFIX = "io.deckhouse.virtualization.v1alpha2."


@dataclass(frozen=True)
class Capabilities:
    """Feature flags (dvp-api.md §1.2). Screens ask these; nothing compares version strings."""

    dvp: bool = False
    served: frozenset[str] = frozenset()  # plurals served in the DVP group
    aliases: Mapping[str, str] = field(default_factory=dict)  # short name / singular → plural
    explicit_snapshot_class: bool = False
    has_vmrestore: bool = False
    has_vmsop: bool = False
    has_vmmac: bool = False
    has_vmop_restore: bool = False
    has_vmop_clone: bool = False
    has_supersede: bool = False
    has_restore_mode: bool = False
    vmsnapshot_resources: bool = False
    source: str = "discovery"  # or "dry-run", "guess"
    problem: str = ""

    # ---- derived flags (the table in §1.2) ------------------------------------------------
    @property
    def predict_default_class(self) -> bool:
        return not self.explicit_snapshot_class

    @property
    def preconditions_wait(self) -> bool:
        return self.explicit_snapshot_class or not self.has_vmsop

    @property
    def restart_pending_blocks_vm_snapshot(self) -> bool:
        return self.explicit_snapshot_class or (self.has_vmop_restore and not self.has_vmop_clone)

    @property
    def failed_vdsnapshot_holds_disk(self) -> bool:
        return self.preconditions_wait

    @property
    def legacy_restore(self) -> bool:
        return self.has_vmrestore

    @property
    def legacy_restore_deprecated(self) -> bool:
        return self.has_vmrestore and self.has_vmop_clone

    @property
    def in_place_restore(self) -> bool:
        return self.has_vmop_restore

    @property
    def clone(self) -> bool:
        return self.has_vmop_clone

    @property
    def create_from_snapshot(self) -> bool:
        return self.has_vmsop

    @property
    def supersede(self) -> bool:
        return self.has_supersede

    @property
    def mac_in_snapshots(self) -> bool:
        return self.has_vmmac

    @property
    def payload_double_base64(self) -> bool:
        return self.explicit_snapshot_class

    @property
    def generation(self) -> str:
        """The header label; only for display."""
        if not self.dvp:
            return "no DVP"
        if self.explicit_snapshot_class:
            return "seed"
        if self.has_supersede:
            return "v1.10"
        if self.has_vmsop and self.has_vmrestore:
            return "v1.8"
        if self.has_vmop_restore and not self.has_vmop_clone:
            return "cse"
        return "DVP (other)"


def _props(schema: Mapping[str, Any], *path: str) -> Mapping[str, Any]:
    cur: Any = schema
    for p in path:
        cur = (cur.get("properties") or {}).get(p) if isinstance(cur, Mapping) else None
        if cur is None:
            return {}
    return cur if isinstance(cur, Mapping) else {}


def from_documents(resources: Mapping[str, Any] | None, openapi: Mapping[str, Any] | None) -> Capabilities:
    """Pure: flags from the DVP APIResourceList and the group's OpenAPI v3 document."""
    if not resources:
        return Capabilities(problem=f"{GROUP} is not served: this cluster has no DVP virtualization module")
    served: set[str] = set()
    aliases: dict[str, str] = {}
    for r in resources.get("resources") or []:
        name = r.get("name", "")
        if "/" in name:
            continue
        served.add(name)
        for alias in [*(r.get("shortNames") or []), r.get("singularName") or ""]:
            if alias:
                aliases[alias] = name
    schemas = ((openapi or {}).get("components") or {}).get("schemas") or {}

    def schema(kind: str) -> Mapping[str, Any]:
        return schemas.get(SCHEMA_PREFIX + kind) or {}

    vds_spec = _props(schema("VirtualDiskSnapshot"), "spec")
    vmop_type = _props(schema("VirtualMachineOperation"), "spec", "type").get("enum") or []
    vmop_phase = _props(schema("VirtualMachineOperation"), "status", "phase").get("enum") or []
    return Capabilities(
        dvp=True,
        served=frozenset(served),
        aliases=aliases,
        explicit_snapshot_class="volumeSnapshotClassName" in (vds_spec.get("required") or [])
        or bool(_props(schema("VirtualMachineSnapshot"), "spec", "volumeSnapshotClasses")),
        has_vmrestore="virtualmachinerestores" in served,
        has_vmsop="virtualmachinesnapshotoperations" in served,
        has_vmmac="virtualmachinemacaddresses" in served,
        has_vmop_restore="Restore" in vmop_type,
        has_vmop_clone="Clone" in vmop_type,
        has_supersede="Superseded" in vmop_phase,
        has_restore_mode=bool(_props(schema("VirtualMachineRestore"), "spec", "restoreMode")),
        vmsnapshot_resources=bool(_props(schema("VirtualMachineSnapshot"), "status", "resources")),
        source="discovery" if schemas else "discovery only",
    )


def detect(client: KubeClient) -> Capabilities:
    """Ask the cluster (discovery, then OpenAPI v3). Never raises for a cluster without DVP."""
    try:
        resources = client.get_json(GV_PATH)
    except ApiError as e:
        if e.status == 404:
            return from_documents(None, None)
        return Capabilities(problem=f"discovery failed: {e.status} {e.message}")
    except TransportError as e:
        return Capabilities(problem=f"cannot reach the cluster: {e}")
    openapi: Any = None
    try:
        root = client.get_json("/openapi/v3")
        url = root["paths"][f"apis/{GROUP}/{VERSION}"]["serverRelativeURL"]
        path, _, query = url.partition("?")
        openapi = client.get_json(path, query=dict(p.split("=", 1) for p in query.split("&") if "=" in p))
    except (ApiError, TransportError, KeyError, TypeError):
        openapi = None
    caps = from_documents(resources, openapi)
    if openapi is None and caps.dvp:
        caps = _probe(client, caps)
    return caps


def _probe(client: KubeClient, caps: Capabilities) -> Capabilities:
    """Fallback without OpenAPI: strict dry-run creates that store nothing (needs create rights)."""
    from dataclasses import replace

    ns = client.namespace or "default"
    body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "VirtualDiskSnapshot",
            "metadata": {"name": "dvpsnap-probe", "namespace": ns}, "spec": {"virtualDiskName": "dvpsnap-probe"}}
    query = {"dryRun": "All", "fieldValidation": "Strict"}
    path = f"{GV_PATH}/namespaces/{ns}/virtualdisksnapshots"
    try:
        client.send_json("POST", path, body, query=query)
        explicit = False
    except ApiError as e:
        explicit = e.status == 422 and "volumeSnapshotClassName" in e.message
    except TransportError:
        return replace(caps, source="guess")
    vmop = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "VirtualMachineOperation",
            "metadata": {"name": "dvpsnap-probe", "namespace": ns},
            "spec": {"type": "Restore", "virtualMachineName": "dvpsnap-probe",
                     "restore": {"mode": "DryRun", "virtualMachineSnapshotName": "dvpsnap-probe"}}}
    try:
        client.send_json("POST", f"{GV_PATH}/namespaces/{ns}/virtualmachineoperations", vmop, query=query)
        restore = True
    except ApiError as e:
        restore = not (e.status == 422 and "Unsupported value" in e.message)
    except TransportError:
        restore = caps.has_vmrestore
    return replace(caps, explicit_snapshot_class=explicit, has_vmop_restore=restore,
                   has_vmop_clone=caps.has_vmsop, has_supersede=caps.has_vmsop and not caps.has_vmrestore,
                   source="dry-run")
