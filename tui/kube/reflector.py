"""One thread per (kind, scope): paged list → watch from its RV → re-watch, relist on 410, back off."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tui.kube import objects
from tui.kube.client import ApiError, KubeClient, Response, TransportError
from tui.kube.kinds import Kind
from tui.kube.store import DENIED, LIVE, NOT_SERVED, RECONNECTING, STALE, STOPPED, SYNCING, Cache

log = logging.getLogger("dvpsnap.reflector")


@dataclass
class Backoff:
    """client-go's: 0.8 s doubling to 30 s, full jitter, reset after 2 min healthy."""

    base: float = 0.8
    cap: float = 30.0
    reset_after: float = 120.0
    attempt: int = 0
    healthy_since: float | None = None
    rng: random.Random = field(default_factory=random.Random)

    def next(self) -> float:
        if self.healthy_since is not None and time.monotonic() - self.healthy_since > self.reset_after:
            self.attempt = 0
        self.healthy_since = None
        delay = min(self.cap, self.base * 2**self.attempt)
        self.attempt += 1
        return float(delay * (0.5 + 0.5 * self.rng.random()))  # jitter, never below half the step

    def healthy(self) -> None:
        if self.healthy_since is None:
            self.healthy_since = time.monotonic()


@dataclass
class Tuning:
    """Timing knobs (tests shorten them)."""

    page_size: int = 500
    watch_timeout: float = 300.0  # asked of the server, ± jitter
    watch_read_timeout: float = 120.0  # a silent stream longer than this is dead (half-open)
    short_watch: float = 1.0  # a watch that ends sooner with no event counts as an error
    stale_after: float = 10.0  # reconnecting longer than this is shown as stale
    internal_error_window: float = 60.0  # 5xx on watch: re-watch without relist for this long
    max_retry_after: int = 10


class Stop(Exception):
    """The reflector was asked to stop."""


class Reflector(threading.Thread):
    """Keeps `cache` equal to the server for one kind in one scope (a namespace, or "" for all)."""

    def __init__(self, client: KubeClient, kind: Kind, cache: Cache, namespace: str = "", *,
                 tuning: Tuning | None = None, on_denied: Callable[[Reflector, ApiError], None] | None = None,
                 rng: random.Random | None = None) -> None:
        super().__init__(name=f"reflector-{kind.id}-{namespace or 'all'}", daemon=True)
        self.client, self.kind, self.cache, self.namespace = client, kind, cache, namespace
        self.t = tuning or Tuning()
        self.backoff = Backoff(rng=rng or random.Random())
        self.rng = rng or random.Random()
        self.on_denied = on_denied
        self.last_rv = ""
        self.list_rvs: list[str] = []  # every list's requested RV, in order (tests assert on it)
        self.watch_count = 0
        self.final = False  # the last link state is an answer (denied, not served), not "stopped"
        self._halt = threading.Event()
        self._resp: Response | None = None
        self._trouble_since: float | None = None
        self._error_5xx_since: float | None = None

    # ---- control -------------------------------------------------------------------------
    @property
    def path(self) -> str:
        return self.kind.path(self.namespace or None)

    def stop(self) -> None:
        self._halt.set()
        resp = self._resp
        if resp is not None:
            resp.abort()

    def _sleep(self, seconds: float) -> None:
        if self._halt.wait(seconds):
            raise Stop()

    def _link(self, state: str, reason: str = "", **kw: Any) -> None:
        self.cache.set_link(self.kind.id, self.namespace, state, reason, **kw)

    # ---- main loop -----------------------------------------------------------------------
    def run(self) -> None:
        need_list, relist_rv = True, ""
        try:
            while not self._halt.is_set():
                try:
                    if need_list:
                        self._list(relist_rv)
                        need_list = False
                    need_list = self._watch()
                    relist_rv = self.last_rv if need_list else relist_rv
                except Stop:
                    break
                except ApiError as e:
                    need_list = self._api_error(e, need_list)
                    relist_rv = self.last_rv
                except (TransportError, objects.MalformedPayload, OSError) as e:
                    self._trouble(str(e))
                    self._sleep(self.backoff.next())
        except Stop:
            pass
        except Exception as e:  # a bug must not kill the app: show it as the link's state
            log.exception("reflector %s crashed", self.name)
            self._link(STALE, f"internal error: {e}")
            return
        if not self.final:
            self._link(STOPPED)

    def _trouble(self, reason: str) -> None:
        now = time.monotonic()
        if self._trouble_since is None:
            self._trouble_since = now
        state = STALE if now - self._trouble_since >= self.t.stale_after else RECONNECTING
        self._link(state, reason)

    def _healthy(self) -> None:
        self._trouble_since = None
        self._error_5xx_since = None
        self.backoff.healthy()
        self._link(LIVE, throttled=False)

    def _api_error(self, e: ApiError, listing: bool) -> bool:
        """Handle an error answer; returns whether the next step must be a (re)list."""
        if e.status == 410:
            self._trouble(f"{e.reason or 'Expired'}: relisting")
            return True
        if e.status == 404:
            self._link(NOT_SERVED, f"{self.kind.plural} not served by this cluster")
            self.final = True
            raise Stop()
        if e.status == 403:
            self._link(DENIED, e.message)
            self.final = True
            if self.on_denied is not None:
                self.on_denied(self, e)
            raise Stop()
        if e.status == 429 or (e.status >= 500 and e.retry_after):
            wait = max(e.retry_after or 0.0, self.backoff.next())
            cur = self.cache.link(self.kind.id, self.namespace)
            flow = e.headers.get("X-Kubernetes-PF-FlowSchema-UID", "")
            self._link(cur.state if cur else RECONNECTING,
                       "throttled by API server (APF)" + (f", flow schema {flow}" if flow else ""),
                       throttled=True)
            self._sleep(wait * (1 + 0.2 * self.rng.random()))
            return listing
        if e.status >= 500:
            now = time.monotonic()
            if self._error_5xx_since is None:
                self._error_5xx_since = now
            self._trouble(f"{e.status} {e.reason}: {e.message}")
            self._sleep(self.backoff.next())
            return listing or now - self._error_5xx_since > self.t.internal_error_window
        if e.status == 401:
            self._trouble("unauthorized: credentials rejected")
            self.client.reauthenticate()
            self._sleep(self.backoff.next())
            return listing
        self._trouble(f"{e.status} {e.reason}: {e.message}")
        self._sleep(self.backoff.next())
        return listing

    # ---- list ----------------------------------------------------------------------------
    def _list(self, rv: str) -> None:
        """A full paged list; relists start from the last RV and fall back to a fresh one on 410."""
        while True:
            try:
                self._list_once(rv)
                return
            except ApiError as e:
                if e.status in (410, 504) and rv:
                    rv = ""  # expired or too large: a consistent read of the latest state
                    continue
                if e.status == 410:  # continue token expired mid-list: start over (F5)
                    continue
                raise

    def _list_once(self, rv: str) -> None:
        self.list_rvs.append(rv)
        first = not self.cache.link(self.kind.id, self.namespace)
        if first:
            self._link(SYNCING)
        seen: set[str] = set()
        token = ""
        loaded = 0
        while True:
            query: dict[str, Any] = {"limit": self.t.page_size}
            if token:
                query["continue"] = token
            elif rv:
                query["resourceVersion"] = rv
            with self.client.request("GET", self.path, query=query) as r:
                data = r.data
            page = objects.decode_list(self.kind.id, data)
            self.cache.upsert_many(self.kind.id, page.items)
            seen.update(o.metadata.uid for o in page.items)
            loaded += len(page.items)
            if page.continue_token:
                expected = loaded + (page.remaining_item_count or 0)
                if first:
                    self._link(SYNCING, loaded=loaded, expected=expected)
                token = page.continue_token
                if self._halt.is_set():
                    raise Stop()
                continue
            self.cache.retain(self.kind.id, self.namespace or None, seen)
            self.last_rv = page.resource_version
            self._healthy()
            return

    # ---- watch ---------------------------------------------------------------------------
    def _watch(self) -> bool:
        """One watch request; returns True when a relist is needed."""
        timeout = int(self.t.watch_timeout * (1 + self.rng.random()))
        query = {"resourceVersion": self.last_rv, "allowWatchBookmarks": "true", "timeoutSeconds": timeout}
        started = time.monotonic()
        events = 0
        self.watch_count += 1
        resp = self.client.request("GET", self.path, query={**query, "watch": "true"},
                                   timeout=(self.client.connect_timeout, self.t.watch_read_timeout))
        self._resp = resp
        try:
            if self._halt.is_set():
                raise Stop()
            self._healthy()
            for line in resp.lines():
                ev = objects.decode_event(self.kind.id, line)
                events += 1
                if ev.type == "ERROR":
                    return self._watch_error(ev)
                if ev.type == "BOOKMARK":
                    self.last_rv = ev.resource_version or self.last_rv
                    continue
                assert ev.obj is not None
                if ev.type == "DELETED":
                    self.cache.remove(self.kind.id, ev.obj.metadata.uid)
                else:
                    self.cache.upsert(self.kind.id, ev.obj)
                self.last_rv = ev.resource_version or self.last_rv
        finally:
            self._resp = None
            resp.close()
        if self._halt.is_set():
            raise Stop()
        if events == 0 and time.monotonic() - started < self.t.short_watch:
            self._trouble("watch closed immediately")
            self._sleep(self.backoff.next())
        return False

    def _watch_error(self, ev: objects.WatchEvent) -> bool:
        if ev.code == 410:
            self._trouble(f"{ev.reason or 'Expired'}: relisting")
            return True
        raise ApiError(ev.code or 500, b'{"reason": "%s", "message": "%s"}' % (
            ev.reason.encode(), ev.message.replace('"', "'").encode()))
