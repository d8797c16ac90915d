"""Reads and writes of stored kinds: get, paged list, create, replace, patch, delete, dry-run."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import TYPE_CHECKING, Any

import yaml
from aiohttp import web

from tui.sim import patching, table
from tui.sim.admission import admit
from tui.sim.errors import ApiError, not_found
from tui.sim.resources import ResourceDef
from tui.sim.selectors import field_selector, label_selector

if TYPE_CHECKING:
    from tui.sim.server import SimServer

Obj = dict[str, Any]
CONTINUE_TTL = 300.0
MERGE = "application/merge-patch+json"
JSONPATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"


def respond(obj: Obj | bytes, status: int = 200, warnings: list[str] | None = None) -> web.Response:
    body = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
    headers = {"Content-Type": "application/json"}
    resp = web.Response(body=body, status=status, headers=headers)
    for w in warnings or []:
        resp.headers.add("Warning", f'299 - "{w}"')
    return resp


async def read_body(request: web.Request) -> Any:
    raw = await request.read()
    ctype = request.content_type
    try:
        if ctype in ("application/yaml", APPLY):
            return yaml.safe_load(raw)
        return json.loads(raw)
    except (ValueError, yaml.YAMLError) as e:
        msg = str(e).splitlines()[0] if str(e) else "invalid body"
        raise ApiError(400, f"couldn't get version/kind; json parse error: {msg}") from e


def _wants_table(request: web.Request) -> bool:
    return "as=Table" in request.headers.get("Accept", "")


class Crud:
    """Handlers for one server; `srv` gives the store, faults, registry and continue-token cache."""

    def __init__(self, srv: SimServer) -> None:
        self.srv = srv
        self._continues: dict[str, tuple[float, int, list[bytes], list[Obj] | None]] = {}

    # ---- reads ---------------------------------------------------------------------------
    async def get(self, request: web.Request, d: ResourceDef, ns: str | None, name: str) -> web.Response:
        obj = self.srv.store.get(d.key, ns, name)
        if obj is None:
            raise not_found(d, name)
        if _wants_table(request):
            return respond(table.table(d, [obj], {"resourceVersion": obj["metadata"]["resourceVersion"]}))
        return respond(obj)

    async def list_(self, request: web.Request, d: ResourceDef, ns: str | None) -> web.Response:
        q = request.query
        store = self.srv.store
        raws: list[bytes]
        objs: list[Obj] | None
        as_table = _wants_table(request)
        limit = int(q.get("limit") or 0)
        token = q.get("continue")
        if self.srv.faults.page_delay:
            await asyncio.sleep(self.srv.faults.page_delay)
        if token:
            rv, raws, objs, start = self._resume(token)
        else:
            rv_q, match = q.get("resourceVersion", ""), q.get("resourceVersionMatch", "")
            if limit > 0 and not match and rv_q not in ("", "0"):
                match = "Exact"  # a paged list from a specific RV is an exact read
            self._check_list_rv(rv_q, match)
            labels, fields = label_selector(q.get("labelSelector")), field_selector(q.get("fieldSelector"))
            with store._lock:
                rv = store.rv
                entries = [e for e in store.entries(d.key, ns) if labels(e.obj) and fields(e.obj)]
            raws = [e.raw for e in entries]
            objs = [e.obj for e in entries] if as_table else None
            start = 0
        end = len(raws) if limit <= 0 else min(start + limit, len(raws))
        meta: Obj = {"resourceVersion": str(rv)}
        if end < len(raws):
            meta["continue"] = self._remember(rv, raws, objs, end)
            meta["remainingItemCount"] = len(raws) - end
        if as_table:
            assert objs is not None
            return respond(table.table(d, objs[start:end], meta,
                                       include_object=q.get("includeObject", "Metadata")))
        head = json.dumps({"kind": f"{d.kind}List", "apiVersion": d.api_version, "metadata": meta})
        body = head[:-1].encode() + b',"items":[' + b",".join(raws[start:end]) + b"]}"
        return respond(body)

    def _check_list_rv(self, rv: str, match: str) -> None:
        if not rv or rv == "0":
            return
        try:
            n = int(rv)
        except ValueError as e:
            raise ApiError(400, f'invalid resource version: strconv.ParseUint: parsing "{rv}"') from e
        store = self.srv.store
        if n > store.rv:
            raise ApiError(504, f"Too large resource version: {n}, current: {store.rv}", reason="Timeout",
                           details={"causes": [{"reason": "ResourceVersionTooLarge",
                                                "message": "Too large resource version"}],
                                    "retryAfterSeconds": 1})
        if match == "Exact" and (n < store.compacted_rv or n != store.rv):
            raise ApiError(410, f"too old resource version: {n} ({store.compacted_rv})", reason="Expired")

    def _remember(self, rv: int, raws: list[bytes], objs: list[Obj] | None, offset: int) -> str:
        now = time.monotonic()
        for k in [k for k, v in self._continues.items() if now - v[0] > CONTINUE_TTL]:
            del self._continues[k]
        tid = f"{rv}-{id(raws)}"
        self._continues[tid] = (now, rv, raws, objs)
        return base64.urlsafe_b64encode(json.dumps({"rv": rv, "id": tid, "start": offset}).encode()).decode()

    def _resume(self, token: str) -> tuple[int, list[bytes], list[Obj] | None, int]:
        try:
            info = json.loads(base64.urlsafe_b64decode(token.encode()))
            tid, start = info["id"], int(info["start"])
        except (ValueError, KeyError, TypeError) as e:
            raise ApiError(400, "continue key is not valid: incorrect encoded start resourceVersion") from e
        hit = self._continues.get(tid)
        expired = hit is None or hit[1] < self.srv.store.compacted_rv or self.srv.faults.take("expire_continue")
        if expired or hit is None:
            raise ApiError(
                410,
                "The provided continue parameter is too old to display a consistent list result. You can "
                "start a new list without the continue parameter, or use the continue token in this "
                "response to retrieve the remainder of the results. Continuing with the provided token "
                "results in an inconsistent list - objects that were created, modified, or deleted "
                "between the time the first chunk was returned and now may show up in the list.",
                reason="Expired", metadata={"continue": token},
            )
        return hit[1], hit[2], hit[3], start

    # ---- writes --------------------------------------------------------------------------
    @staticmethod
    def _opts(request: web.Request) -> tuple[bool, str]:
        q = request.query
        dry = "All" in q.getall("dryRun", [])
        return dry, q.get("fieldValidation", "Warn")

    def _place(self, d: ResourceDef, body: Any, ns: str | None) -> Obj:
        if not isinstance(body, dict):
            raise ApiError(400, "the object provided is unrecognized (must be of type Object)")
        if body.get("apiVersion") not in (None, d.api_version) or body.get("kind") not in (None, d.kind):
            raise ApiError(400, f"the API version in the data ({body.get('apiVersion')}) does not match the "
                                f"expected API version ({d.api_version})")
        meta = body.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise ApiError(400, "metadata must be an object")
        if d.namespaced:
            if meta.get("namespace") and ns and meta["namespace"] != ns:
                raise ApiError(400, "the namespace of the provided object does not match the namespace sent "
                                    "on the request")
            meta["namespace"] = ns or meta.get("namespace", "")
            if meta["namespace"] and self.srv.store.get("v1/namespaces", None, meta["namespace"]) is None:
                raise ApiError(404, f'namespaces "{meta["namespace"]}" not found',
                               details={"name": meta["namespace"], "kind": "namespaces"})
        return body

    async def create(self, request: web.Request, d: ResourceDef, ns: str | None) -> web.Response:
        dry, fv = self._opts(request)
        obj = self._place(d, await read_body(request), ns)
        obj.pop("status", None) if d.status_subresource else None
        obj, warnings = admit(d, obj, None, self.srv.store, fv)
        created = self.srv.store.create(d, obj, dry_run=dry)
        return respond(created, 201, warnings)

    async def replace(self, request: web.Request, d: ResourceDef, ns: str | None, name: str,
                      status: bool) -> web.Response:
        dry, fv = self._opts(request)
        obj = self._place(d, await read_body(request), ns)
        if obj["metadata"].get("name") not in (None, name):
            raise ApiError(400, "the name of the object does not match the name on the URL")
        obj["metadata"]["name"] = name
        old = self.srv.store.get(d.key, ns, name)
        if old is None:
            raise not_found(d, name)
        return self._save(d, obj, old, status, dry, fv)

    def _save(self, d: ResourceDef, obj: Obj, old: Obj, status: bool, dry: bool, fv: str,
              check_rv: bool = True) -> web.Response:
        from tui.sim.store import merge_for_update

        merged = merge_for_update(d, old, obj, status=status)
        merged["metadata"]["resourceVersion"] = obj["metadata"].get("resourceVersion")
        merged, warnings = admit(d, merged, old, self.srv.store, fv, skip_names=True, hooks=not status)
        saved = self.srv.store.update(d, merged, status=status, dry_run=dry, check_rv=check_rv)
        return respond(saved, 200, warnings)

    async def patch(self, request: web.Request, d: ResourceDef, ns: str | None, name: str,
                    status: bool) -> web.Response:
        dry, fv = self._opts(request)
        ctype = request.content_type
        body = await read_body(request)
        old = self.srv.store.get(d.key, ns, name)
        if ctype == APPLY:
            if old is None:
                obj = self._place(d, body, ns)
                obj["metadata"]["name"] = name
                obj, warnings = admit(d, obj, None, self.srv.store, fv)
                return respond(self.srv.store.create(d, obj, dry_run=dry), 201, warnings)
            new = patching.merge_patch(old, body)
        elif old is None:
            raise not_found(d, name)
        elif ctype == MERGE:
            new = patching.merge_patch(old, body)
        elif ctype == JSONPATCH:
            if not isinstance(body, list):
                raise ApiError(400, "json patch must be a list of operations")
            new = patching.json_patch(old, body)
        elif ctype == STRATEGIC:
            if d.custom:
                raise ApiError(415, f"the body of the request was in an unknown format - accepted media types "
                                    f"include: {JSONPATCH}, {MERGE}, {APPLY}")
            new = patching.merge_patch(old, body)
        else:
            raise ApiError(415, f"the body of the request was in an unknown format - accepted media types "
                                f"include: {JSONPATCH}, {MERGE}, {STRATEGIC}, {APPLY}")
        if not isinstance(new, dict):
            raise ApiError(422, "patch produced a non-object")
        new.setdefault("metadata", {})["name"] = name
        patch_rv = body.get("metadata", {}).get("resourceVersion") if isinstance(body, dict) else None
        if not patch_rv:
            new["metadata"].pop("resourceVersion", None)
        return self._save(d, new, old, status, dry, fv, check_rv=bool(patch_rv))

    async def delete(self, request: web.Request, d: ResourceDef, ns: str | None, name: str) -> web.Response:
        q = request.query
        raw = await request.read()
        opts: Obj = json.loads(raw) if raw.strip() else {}
        pre = opts.get("preconditions") or {}
        dry = "All" in q.getall("dryRun", []) or "All" in (opts.get("dryRun") or [])
        prop = opts.get("propagationPolicy") or q.get("propagationPolicy") or "Background"
        if opts.get("orphanDependents") is True:
            prop = "Orphan"
        obj = self.srv.store.delete(d, ns, name, uid=pre.get("uid"), rv=pre.get("resourceVersion"),
                                    propagation=prop, dry_run=dry)
        return respond(obj, 200)

    async def delete_collection(self, request: web.Request, d: ResourceDef, ns: str | None) -> web.Response:
        labels = label_selector(request.query.get("labelSelector"))
        dry = "All" in request.query.getall("dryRun", [])
        gone = []
        for o in self.srv.store.list(d.key, ns):
            if labels(o):
                try:
                    gone.append(self.srv.store.delete(d, o["metadata"].get("namespace"),
                                                      o["metadata"]["name"], dry_run=dry))
                except ApiError:
                    continue
        return respond({"kind": f"{d.kind}List", "apiVersion": d.api_version,
                        "metadata": {"resourceVersion": str(self.srv.store.rv)}, "items": gone})
