"""The watch stream: resourceVersion semantics, selector transitions, bookmarks, timeouts and faults."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tui.sim import table
from tui.sim.errors import ApiError
from tui.sim.resources import ResourceDef
from tui.sim.selectors import field_selector, label_selector
from tui.sim.store import Change, Entry, Subscriber

if TYPE_CHECKING:
    from tui.sim.server import SimServer

Obj = dict[str, Any]


def _line(kind: str, raw: bytes) -> bytes:
    return b'{"type":"' + kind.encode() + b'","object":' + raw + b"}\n"


class WatchStream:
    """One watch request: subscribes to the store first, then replays, then follows live changes."""

    def __init__(self, srv: SimServer, request: web.Request, d: ResourceDef, ns: str | None,
                 as_table: bool) -> None:
        q = request.query
        self.srv, self.request, self.d, self.ns, self.as_table = srv, request, d, ns, as_table
        self.match_labels = label_selector(q.get("labelSelector"))
        self.match_fields = field_selector(q.get("fieldSelector"))
        self.bookmarks = q.get("allowWatchBookmarks") in ("true", "1")
        self.timeout = float(q.get("timeoutSeconds") or 1800)
        self.rv = q.get("resourceVersion", "")
        self.initial = q.get("sendInitialEvents") == "true"
        self.queue: asyncio.Queue[Change | tuple[str, int] | None] = asyncio.Queue()
        self.last_rv = 0

    def _matches(self, obj: Obj) -> bool:
        if self.ns and obj.get("metadata", {}).get("namespace") != self.ns:
            return False
        return self.match_labels(obj) and self.match_fields(obj)

    def _event_for(self, ch: Change) -> str | None:
        new_m = self._matches(ch.new.obj)
        old_m = ch.old is not None and self._matches(ch.old.obj)
        if ch.type == "ADDED":
            return "ADDED" if new_m else None
        if ch.type == "DELETED":
            return "DELETED" if (old_m or new_m) else None
        if new_m and old_m:
            return "MODIFIED"
        if new_m:
            return "ADDED"
        return "DELETED" if old_m else None

    def _encode(self, kind: str, e: Entry) -> bytes:
        if not self.as_table:
            return _line(kind, e.raw)
        t = table.table(self.d, [e.obj], {"resourceVersion": e.obj["metadata"]["resourceVersion"]},
                        with_columns=False)
        return _line(kind, json.dumps(t).encode())

    async def run(self) -> web.StreamResponse:
        loop = asyncio.get_running_loop()
        store = self.srv.store

        def deliver(ch: Change | None) -> None:
            loop.call_soon_threadsafe(self.queue.put_nowait, ch)

        sub = Subscriber(self.d.key, deliver)
        backlog: list[bytes] = []
        error: ApiError | None = None
        with store._lock:
            start_rv = store.rv
            if self.rv in ("", "0") or self.initial:
                for e in store.entries(self.d.key, self.ns):
                    if self._matches(e.obj):
                        backlog.append(self._encode("ADDED", e))
                if self.initial and self.bookmarks:
                    backlog.append(self._bookmark(start_rv, initial_end=True))
            else:
                try:
                    for ch in store.changes_since(self.d.key, int(self.rv)):
                        kind = self._event_for(ch)
                        if kind:
                            backlog.append(self._encode(kind, ch.new))
                except ApiError as e:
                    error = e
                except ValueError:
                    error = ApiError(400, f'invalid resource version: strconv.ParseUint: parsing "{self.rv}"')
            if error is None:
                store.subscribe(sub)
        resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json",
                                                       "Cache-Control": "no-cache, private"})
        resp.enable_chunked_encoding()
        await resp.prepare(self.request)
        try:
            if error is not None:
                await resp.write(_line("ERROR", json.dumps(error.status()).encode()))
                return resp
            await self._follow(resp, backlog, start_rv)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            store.unsubscribe(sub)
        return resp

    def _bookmark(self, rv: int, initial_end: bool = False) -> bytes:
        meta: Obj = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return _line("BOOKMARK", json.dumps({"kind": self.d.kind, "apiVersion": self.d.api_version,
                                             "metadata": meta}).encode())

    async def _follow(self, resp: web.StreamResponse, backlog: list[bytes], start_rv: int) -> None:
        faults = self.srv.faults
        if faults.take("short_watches"):
            return
        if faults.take("garbage"):
            await resp.write(b'{"type":"MODIFIED","object":{"kind":"Virt')
            self._abort()
            return
        if backlog:
            await resp.write(b"".join(backlog))
        deadline = time.monotonic() + self.timeout
        interval = self.srv.bookmark_interval
        next_bookmark = time.monotonic() + interval
        while True:
            now = time.monotonic()
            if now >= deadline:
                return
            wait = min(deadline, next_bookmark) - now if self.bookmarks else deadline - now
            try:
                item = await asyncio.wait_for(self.queue.get(), timeout=max(wait, 0.001))
            except TimeoutError:
                if self.bookmarks and time.monotonic() >= next_bookmark:
                    next_bookmark = time.monotonic() + interval
                    self._request_bookmark()
                continue
            while faults.stalled:
                await asyncio.to_thread(faults.wait_unstalled, 0.5)
            if item is None:
                self._abort()
                return
            if isinstance(item, tuple):
                await resp.write(self._bookmark(item[1]))
                continue
            if item.rv <= start_rv:
                continue
            kind = self._event_for(item)
            if kind:
                await resp.write(self._encode(kind, item.new))

    def _request_bookmark(self) -> None:
        """Queue a bookmark behind every change already delivered (same FIFO, under the store lock)."""
        store = self.srv.store
        loop = asyncio.get_running_loop()
        put: Callable[[Any], None] = self.queue.put_nowait
        with store._lock:
            loop.call_soon_threadsafe(put, ("BOOKMARK", store.rv))

    def _abort(self) -> None:
        transport = self.request.transport
        if transport is not None:
            transport.abort()
