"""On-demand reads for the UI: one object's full manifest (redacted) and the recent events of an object."""

from __future__ import annotations

import copy
from typing import Any

from tui.kube.client import KubeClient
from tui.kube.kinds import Kind
from tui.kube.objects import Event, decode_list

HIDDEN = "<hidden>"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
EVENT_LIMIT = 50


def get_manifest(client: KubeClient, kind: Kind, namespace: str, name: str) -> dict[str, Any]:
    """GET one object as the server has it now (raises ApiError / TransportError)."""
    body = client.get_json(kind.path(namespace or None, name))
    if not isinstance(body, dict):
        raise ValueError(f"unexpected answer for {kind.kind} {name}: {type(body).__name__}")
    return redact(body)


def redact(obj: dict[str, Any]) -> dict[str, Any]:
    """Pure: a copy without secret values. Secret `data`/`stringData` values become their sizes; the
    last-applied annotation of a Secret and inline cloud-init (`spec.provisioning.userData`) are hidden."""
    out = copy.deepcopy(obj)
    if out.get("kind") == "Secret":
        for field in ("data", "stringData"):
            values = out.get(field)
            if isinstance(values, dict):
                out[field] = {k: f"{HIDDEN} {len(str(v))} bytes" for k, v in values.items()}
        annotations = (out.get("metadata") or {}).get("annotations")
        if isinstance(annotations, dict) and LAST_APPLIED in annotations:
            annotations[LAST_APPLIED] = HIDDEN
    provisioning = (out.get("spec") or {}).get("provisioning")
    if isinstance(provisioning, dict) and "userData" in provisioning:
        provisioning["userData"] = f"{HIDDEN} (inline cloud-init)"
    return out


def without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """Pure: a shallow copy whose metadata lacks `managedFields`."""
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or "managedFields" not in meta:
        return obj
    return {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}


def object_events(client: KubeClient, namespace: str, uid: str, limit: int = EVENT_LIMIT) -> list[Event]:
    """Events whose involvedObject is the object with `uid`, newest first (at most `limit`)."""
    path = f"/api/v1/namespaces/{namespace}/events" if namespace else "/api/v1/events"
    with client.request("GET", path, query={"fieldSelector": f"involvedObject.uid={uid}"}) as r:
        data = r.data
    items = [o for o in decode_list("event", data).items if isinstance(o, Event)]
    items.sort(key=_event_time, reverse=True)
    return items[:limit]


def _event_time(e: Event) -> str:
    when = e.last_timestamp or e.event_time or e.first_timestamp or e.metadata.creation_timestamp
    return when.isoformat() if when is not None else ""

