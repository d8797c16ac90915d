"""The simulated Kubernetes API server over HTTP (aiohttp): routing, auth, RBAC, faults, request log."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import web

from tui.sim import discovery
from tui.sim.crud import Crud, read_body, respond
from tui.sim.errors import ApiError
from tui.sim.faults import Faults
from tui.sim.rbac import Policy, forbidden_message
from tui.sim.resources import Registry, ResourceDef
from tui.sim.store import Store
from tui.sim.watch import WatchStream

Obj = dict[str, Any]
MAX_BODY = 3 * 1024 * 1024
_RES = re.compile(
    r"^/(?:api/(?P<cv>v1)|apis/(?P<g>[^/]+)/(?P<v>[^/]+))"
    r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<plural>[^/]+)(?:/(?P<name>[^/]+))?(?:/(?P<sub>status))?$"
)
USER = web.RequestKey("user", str)
FAULT: web.RequestKey[Any] = web.RequestKey("fault", object)
VERB = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


@dataclass
class Request:
    """One line of the request log (tests assert on what reached the server)."""

    at: float
    method: str
    path: str
    query: str
    user: str
    status: int
    watch: bool

    @property
    def mutating(self) -> bool:
        reviews = self.path.startswith("/apis/authorization.k8s.io/")  # SSAR/SSRR change nothing
        return self.method in ("POST", "PUT", "PATCH", "DELETE") and not self.path.startswith("/_sim") and not reviews


class SimServer:
    """An aiohttp API server bound to 127.0.0.1 on its own loop; `store`, `faults`, `policy` are shared."""

    def __init__(self, registry: Registry, store: Store, *, token: str, bookmark_interval: float = 60.0,
                 host: str = "127.0.0.1", port: int = 0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.ssl_context = ssl_context
        self.registry, self.store = registry, store
        self.faults = Faults()
        self.policy = Policy()
        self.policy.add_token(token, "admin")
        self.bookmark_interval = bookmark_interval
        self.host, self.port = host, port
        self.requests: list[Request] = []
        self.crud = Crud(self)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.faults.on_refuse = self._refuse_from_any_thread
        self.faults.on_compact = store.compact
        self.faults.on_drop_watches = store.drop_watches

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    # ---- lifecycle -----------------------------------------------------------------------
    def start_thread(self) -> None:
        """Run the server loop on a daemon thread; returns once it listens."""
        self._thread = threading.Thread(target=self._run, name="dvpsnap-sim", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("simulated API server did not start")

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.start())
        self._ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self._shutdown())
        self.loop.close()

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY, middlewares=[self._middleware])
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        await self._listen()

    async def _listen(self) -> None:
        assert self._runner is not None
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        self._site = web.SockSite(self._runner, sock, ssl_context=self.ssl_context)  # type: ignore[assignment]
        await self._site.start()  # type: ignore[union-attr]

    async def _shutdown(self) -> None:
        self.store.drop_watches()
        if self._runner is not None:
            await self._runner.cleanup()

    def stop(self) -> None:
        if self.loop is not None and self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def call(self, fn: Any, *args: Any) -> Any:
        """Run `fn(*args)` on the server loop and return its result (for code that must run there)."""
        assert self.loop is not None
        async def wrap() -> Any:
            return fn(*args)
        return asyncio.run_coroutine_threadsafe(wrap(), self.loop).result(10)

    def _refuse_from_any_thread(self, seconds: float) -> None:
        loop = self.loop
        assert loop is not None
        if threading.current_thread() is self._thread:  # from the admin endpoint: answer it first
            loop.call_later(0.05, lambda: asyncio.ensure_future(self._refuse(seconds)))
            return
        asyncio.run_coroutine_threadsafe(self._refuse(seconds), loop).result(10)

    async def _refuse(self, seconds: float) -> None:
        """An API server restart: the listener closes, every connection drops, then it listens again."""
        assert self._runner is not None and self._site is not None
        self.store.drop_watches()
        await self._site.stop()
        server = self._runner.server
        if server is not None:
            for conn in list(server.connections):
                transport = conn.transport
                if transport is not None:
                    transport.abort()
        assert self.loop is not None
        self.loop.call_later(seconds, lambda: asyncio.ensure_future(self._listen()))

    # ---- request handling ----------------------------------------------------------------
    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        watch = request.query.get("watch") in ("true", "1")
        entry = Request(time.time(), request.method, request.path, request.query_string, "-", 0, watch)
        self.requests.append(entry)  # logged when it arrives; status filled in when answered
        user = "-"
        try:
            if self.faults.latency:
                await asyncio.sleep(self.faults.latency)
            if self.faults.stalled and not request.path.startswith("/_sim/"):  # the admin stays reachable
                while not await asyncio.to_thread(self.faults.wait_unstalled, 0.5):
                    pass
            user = self.policy.authenticate(request.headers.get("Authorization")) or ""
            if not user:
                raise ApiError(401, "Unauthorized")
            fault = self.faults.take_route(request.method, request.path, watch)
            if fault is not None and not (fault.as_event and watch):
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
                raise ApiError(fault.status, "injected fault" if fault.status != 429 else
                               "Too many requests, please try again later.", headers=headers,
                               details={"retryAfterSeconds": fault.retry_after} if fault.retry_after else None)
            request[USER] = user
            request[FAULT] = fault
            resp = cast(web.StreamResponse, await handler(request))
        except ApiError as e:
            resp = respond(e.status(), e.code)
            for k, v in e.headers.items():
                resp.headers[k] = v
        except web.HTTPRequestEntityTooLarge:
            e2 = ApiError(413, f"Request entity too large: limit is {MAX_BODY}")
            resp = respond(e2.status(), 413)
        entry.user, entry.status = user, resp.status
        return resp

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        if path.startswith("/_sim/"):
            return await self._admin(request, path)
        if request.method == "GET" and path == "/openapi/v2":
            return self._openapi_v2(request)
        if request.method == "GET":
            doc = self._discovery(path)
            if doc is not None:
                return respond(doc)
        m = _RES.match(path)
        if not m:
            raise ApiError(404, "the server could not find the requested resource", reason="NotFound",
                           details={})
        group, version = (m["g"], m["v"]) if m["g"] else ("", "v1")
        d = self.registry.get(group, version, m["plural"])
        if d is None:
            raise ApiError(404, "the server could not find the requested resource", details={})
        return await self._resource(request, d, m["ns"], m["name"], m["sub"] == "status")

    @staticmethod
    def _openapi_v2(request: web.Request) -> web.Response:
        """Served kinds are described in OpenAPI v3 (with fieldValidation, so clients validate on the
        server); v2 is an empty document: as protobuf (kubectl) zero bytes, as JSON an empty swagger."""
        if "protobuf" in request.headers.get("Accept", ""):
            return web.Response(body=b"", content_type="application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
        return respond({"swagger": "2.0", "info": {"title": "Kubernetes", "version": discovery.K8S_VERSION[
            "gitVersion"]}, "paths": {}, "definitions": {}})

    def _discovery(self, path: str) -> Obj | None:
        reg = self.registry
        if path == "/version":
            return discovery.K8S_VERSION
        if path == "/api":
            return discovery.api_versions(f"{self.host}:{self.port}")
        if path == "/api/v1":
            return discovery.resource_list(reg, "", "v1")
        if path == "/apis":
            return discovery.api_groups(reg)
        if path == "/openapi/v3":
            return discovery.openapi_root(reg)
        parts = path.split("/")
        if path.startswith("/openapi/v3/api/v1"):
            return discovery.openapi_gv(reg, "", "v1")
        if path.startswith("/openapi/v3/apis/") and len(parts) == 6:
            if reg.in_group_version(parts[4], parts[5]):
                return discovery.openapi_gv(reg, parts[4], parts[5])
            return None
        if path.startswith("/apis/") and len(parts) == 3:
            return discovery.api_group(reg, parts[2])
        if path.startswith("/apis/") and len(parts) == 4:
            return discovery.resource_list(reg, parts[2], parts[3])
        return None

    def _authorize(self, request: web.Request, d: ResourceDef, verb: str, ns: str | None, name: str) -> None:
        user = request[USER]
        if not self.policy.allowed(user, verb, d.group, d.plural, ns or ""):
            raise ApiError(403, forbidden_message(user, verb, d.group, d.plural, ns or "", name),
                           details={"name": name, "group": d.group, "kind": d.plural} if name else
                           {"group": d.group, "kind": d.plural})

    async def _resource(self, request: web.Request, d: ResourceDef, ns: str | None, name: str | None,
                        status: bool) -> web.StreamResponse:
        method = request.method
        watch = request.query.get("watch") in ("true", "1")
        if d.virtual:
            if method != "POST":
                raise ApiError(405, f"{method} is not supported", reason="MethodNotAllowed")
            return respond(self._review(request[USER], d, await read_body(request)), 201)
        if method == "GET" and not name:
            verb = "watch" if watch else "list"
        elif method == "DELETE" and not name:
            verb = "deletecollection"
        else:
            verb = VERB.get(method, "")
        self._authorize(request, d, verb, ns, name or "")
        crud = self.crud
        if method == "GET":
            if name:
                return await crud.get(request, d, ns, name)
            if watch:
                fault = request.get(FAULT)
                if fault is not None:  # an in-band ERROR event (410, 429, 500) on a 200 watch
                    err = ApiError(fault.status, "injected fault", reason="Expired" if fault.status == 410
                                   else None, details={"retryAfterSeconds": fault.retry_after}
                                   if fault.retry_after else None)
                    resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json"})
                    await resp.prepare(request)
                    line = json.dumps({"type": "ERROR", "object": err.status()}).encode() + b"\n"
                    await resp.write(line)
                    return resp
                as_table = "as=Table" in request.headers.get("Accept", "")
                return await WatchStream(self, request, d, ns, as_table).run()
            return await crud.list_(request, d, ns)
        drop = method in ("POST", "PUT", "PATCH") and self.faults.take("drop_responses")
        if method == "POST" and not name:
            resp = await crud.create(request, d, ns)
        elif method == "PUT" and name:
            resp = await crud.replace(request, d, ns, name, status)
        elif method == "PATCH" and name:
            resp = await crud.patch(request, d, ns, name, status)
        elif method == "DELETE" and name:
            resp = await crud.delete(request, d, ns, name)
        elif method == "DELETE":
            resp = await crud.delete_collection(request, d, ns)
        else:
            raise ApiError(405, "the server does not allow this method on the requested resource",
                           reason="MethodNotAllowed")
        if drop and request.transport is not None:
            request.transport.abort()  # applied, but the client never hears back
        return resp

    def _review(self, user: str, d: ResourceDef, body: Any) -> Obj:
        """SelfSubjectAccessReview / SelfSubjectRulesReview answered from the policy table."""
        if not isinstance(body, dict):
            raise ApiError(400, "the object provided is unrecognized")
        spec = body.get("spec") or {}
        if d.kind == "SelfSubjectAccessReview":
            ra = spec.get("resourceAttributes") or {}
            ok = self.policy.allowed(user, ra.get("verb", ""), ra.get("group", ""), ra.get("resource", ""),
                                     ra.get("namespace", ""))
            st: Obj = {"allowed": ok}
            if not ok:
                st["reason"] = ""
            return {**body, "apiVersion": d.api_version, "kind": d.kind, "status": st}
        ns = spec.get("namespace", "")
        rules = [{"verbs": list(r.verbs), "apiGroups": [r.group], "resources": [r.resource]}
                 for r in self.policy.rules if r.allow and r.user in ("*", user) and r.namespace in ("*", ns)]
        if self.policy.default_allow:
            rules.append({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]})
        return {**body, "apiVersion": d.api_version, "kind": d.kind,
                "status": {"resourceRules": rules, "nonResourceRules": [], "incomplete": False}}

    async def _admin(self, request: web.Request, path: str) -> web.Response:
        """Fault control for a server in another process: POST /_sim/faults {"action", "args"}."""
        if path == "/_sim/faults" and request.method == "POST":
            body = await read_body(request)
            try:
                result = self.faults.apply(body["action"], body.get("args") or {})
            except (KeyError, TypeError) as e:
                raise ApiError(400, f"bad fault request: {e}") from e
            return respond({"ok": True, "result": result})
        if path == "/_sim/requests":
            return respond({"requests": [r.__dict__ for r in self.requests[-1000:]]})
        if path == "/_sim/stamp" and request.method == "POST":
            try:
                return respond({"times": await self._stamp(await read_body(request))})
            except (KeyError, TypeError, ValueError) as e:
                raise ApiError(400, f"bad stamp request: {e}") from e
        raise ApiError(404, "the server could not find the requested resource")

    async def _stamp(self, body: Obj) -> list[float]:
        """Benchmarks: merge `status` into each of `items` ([namespace, name, status]) at `rate` writes/s, as a
        controller would; returns each write's CLOCK_MONOTONIC time (the event's emission)."""
        d = self.registry.find_kind(body["kind"])
        if d is None:
            raise KeyError(body["kind"])
        start, rate = time.monotonic(), float(body.get("rate") or 1000)
        times: list[float] = []
        for i, (ns, name, status) in enumerate(body["items"]):
            await asyncio.sleep(max(0.0, start + i / rate - time.monotonic()))
            obj = self.store.get(d.key, ns, name)
            if obj is not None:
                obj["status"] = {**(obj.get("status") or {}), **status}
                self.store.update(d, obj, status=True, check_rv=False)
            times.append(time.monotonic())
        return times
