"""Discovery documents (/version, /api, /apis, group versions) and OpenAPI v3 built from the registry."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from tui.sim.resources import Registry, ResourceDef

Obj = dict[str, Any]
K8S_VERSION = {"major": "1", "minor": "30", "gitVersion": "v1.30.14", "gitCommit": "dvpsnap-sim",
               "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.22.12",
               "compiler": "gc", "platform": "linux/amd64"}


def api_versions(address: str) -> Obj:
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}]}


def _group(name: str, versions: list[str]) -> Obj:
    vs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": vs, "preferredVersion": vs[-1]}


def api_groups(reg: Registry) -> Obj:
    groups = sorted(reg.groups().items())
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group(n, v) for n, v in groups]}


def api_group(reg: Registry, name: str) -> Obj | None:
    versions = reg.groups().get(name)
    if versions is None:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(name, versions)}


def _resource(d: ResourceDef) -> list[Obj]:
    main: Obj = {"name": d.plural, "singularName": d.singular, "namespaced": d.namespaced, "kind": d.kind,
                 "verbs": list(d.verbs)}
    if d.short_names:
        main["shortNames"] = list(d.short_names)
    if d.categories:
        main["categories"] = list(d.categories)
    if not d.virtual:
        main["storageVersionHash"] = hashlib.sha256(d.key.encode()).hexdigest()[:12]
    out = [main]
    if d.status_subresource and not d.virtual:
        out.append({"name": f"{d.plural}/status", "singularName": "", "namespaced": d.namespaced,
                    "kind": d.kind, "verbs": ["get", "patch", "update"]})
    return out


def resource_list(reg: Registry, group: str, version: str) -> Obj | None:
    defs = [d for d in reg.defs.values() if d.group == group and d.version == version]
    if not defs:
        return None
    gv = f"{group}/{version}" if group else version
    resources = [r for d in sorted(defs, key=lambda d: d.plural) for r in _resource(d)]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": resources}


def _gv_path(group: str, version: str) -> str:
    return f"apis/{group}/{version}" if group else f"api/{version}"


def _def_name(d: ResourceDef) -> str:
    """kube-openapi's REST-friendly definition name: reversed group, version, kind."""
    group = d.group or "core"
    rev = ".".join(reversed(group.split("."))) if d.group else "io.k8s.api.core"
    return f"{rev}.{d.version}.{d.kind}"


def openapi_root(reg: Registry) -> Obj:
    paths = {}
    gvs = sorted({(d.group, d.version) for d in reg.defs.values()})
    for g, v in gvs:
        doc = json.dumps(openapi_gv(reg, g, v), sort_keys=True).encode()
        digest = hashlib.sha512(doc).hexdigest()[:64].upper()
        paths[_gv_path(g, v)] = {"serverRelativeURL": f"/openapi/v3/{_gv_path(g, v)}?hash={digest}"}
    return {"paths": paths}


_QUERY = ["dryRun", "fieldManager", "fieldValidation", "pretty"]


def _params(names: list[str]) -> list[Obj]:
    return [{"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}} for n in names]


def openapi_gv(reg: Registry, group: str, version: str) -> Obj:
    """The OpenAPI v3 document of one group/version: paths (with fieldValidation, so kubectl validates
    on the server) and components.schemas with each kind's structural schema."""
    schemas: Obj = {}
    paths: Obj = {}
    for d in sorted(reg.in_group_version(group, version) if group else
                    [x for x in reg.defs.values() if not x.group and x.version == version],
                    key=lambda d: d.plural):
        gvk = {"group": group, "version": version, "kind": d.kind}
        schema = dict(d.schema)
        schema["x-kubernetes-group-version-kind"] = [gvk]
        props = dict(schema.get("properties") or {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props["metadata"] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        schema["properties"] = props
        schemas[_def_name(d)] = schema
        ref = {"$ref": f"#/components/schemas/{_def_name(d)}"}
        body = {"content": {"application/json": {"schema": ref}}, "required": True}
        ok = {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}}
        ns = "/namespaces/{namespace}" if d.namespaced else ""
        prefix = f"/{_gv_path(group, version)}{ns}/{d.plural}"

        def op(action: str, params: list[str], with_body: bool, gvk: Obj = gvk, body: Obj = body,
               ok: Obj = ok) -> Obj:
            o: Obj = {"x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk,
                      "parameters": _params(params), "responses": ok}
            if with_body:
                o["requestBody"] = body
            return o

        paths[prefix] = {"get": op("list", [], False), "post": op("post", _QUERY, True)}
        if not d.virtual:
            paths[prefix + "/{name}"] = {
                "get": op("get", [], False), "put": op("put", _QUERY, True),
                "patch": op("patch", [*_QUERY, "force"], True), "delete": op("delete", ["dryRun"], False),
            }
            if d.status_subresource:
                paths[prefix + "/{name}/status"] = {
                    "get": op("get", [], False), "put": op("put", _QUERY, True),
                    "patch": op("patch", [*_QUERY, "force"], True),
                }
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": K8S_VERSION["gitVersion"]},
            "paths": paths, "components": {"schemas": schemas}}
