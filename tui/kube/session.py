"""One kube context, live: client, capabilities, access checks, the cache and its reflectors."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable

from tui.kube.access import Access
from tui.kube.capabilities import GROUP, Capabilities, detect
from tui.kube.client import ApiError, KubeClient, TransportError
from tui.kube.kinds import Kind
from tui.kube.reflector import Reflector, Tuning
from tui.kube.store import DENIED, NOT_SERVED, Cache

log = logging.getLogger("dvpsnap.session")


class Session:
    """Watches `kinds` in all namespaces (`namespaces` None) or in the listed ones. When a cluster-wide
    list is forbidden it falls back to the namespaces the user may list, and says so (F11)."""

    def __init__(self, client: KubeClient, kinds: Iterable[Kind], *, cache: Cache | None = None,
                 namespaces: list[str] | None = None, allowed_namespaces: list[str] | None = None,
                 tuning: Tuning | None = None) -> None:
        self.client = client
        self.kinds = list(kinds)
        self.cache = cache or Cache()
        self.namespaces = namespaces
        self.allowed_namespaces = allowed_namespaces
        self.tuning = tuning or Tuning()
        self.access = Access(client)
        self.caps = Capabilities()
        self.reflectors: list[Reflector] = []
        self.notices: list[str] = []
        self._lock = threading.Lock()
        self._stopped = False

    def start(self) -> Capabilities:
        """Detect capabilities, then start one reflector per kind and scope (returns at once after)."""
        self.caps = detect(self.client)
        for kind in self.kinds:
            if kind.group == GROUP and self.caps.dvp and kind.plural not in self.caps.served:
                self.cache.set_link(kind.id, "", NOT_SERVED, f"{kind.plural} not served by this cluster")
                continue
            if kind.group == GROUP and not self.caps.dvp:
                self.cache.set_link(kind.id, "", NOT_SERVED, self.caps.problem)
                continue
            scopes = [""] if self.namespaces is None or not kind.namespaced else self.namespaces
            for ns in scopes:
                self._start(kind, ns)
        return self.caps

    def _start(self, kind: Kind, namespace: str) -> None:
        with self._lock:
            if self._stopped:
                return
            r = Reflector(self.client, kind, self.cache, namespace, tuning=self.tuning,
                          on_denied=self._denied)
            self.reflectors.append(r)
        r.start()

    def _denied(self, r: Reflector, err: ApiError) -> None:
        """A 403: cluster-wide → per-namespace fallback; a namespace → stays denied (re-checked later)."""
        if r.namespace or not r.kind.namespaced:
            return
        threading.Thread(target=self._fallback, args=(r.kind, err), daemon=True).start()

    def _fallback(self, kind: Kind, err: ApiError) -> None:
        candidates = self.allowed_namespaces or ([self.client.namespace] if self.client.namespace else [])
        if not candidates and self.access.can("list", "", "namespaces").allowed:
            try:
                body = self.client.get_json("/api/v1/namespaces")
                candidates = [n["metadata"]["name"] for n in body.get("items") or []]
            except (ApiError, TransportError, json.JSONDecodeError):
                candidates = []
        allowed = [ns for ns in candidates
                   if self.access.can("list", kind.group, kind.plural, ns).allowed
                   and self.access.can("watch", kind.group, kind.plural, ns).allowed]
        what = f"{kind.kind}s"
        if allowed:
            note = f"no access to {what} cluster-wide; watching ns {', '.join(allowed)}"
        else:
            note = f"no access to {what}: {err.message}"
        self.notices.append(note)
        self.cache.set_link(kind.id, "", DENIED, note)
        for ns in allowed:
            self._start(kind, ns)

    def stop(self, deadline: float = 1.0) -> None:
        """Stop every reflector; returns within `deadline` seconds (threads are daemons)."""
        with self._lock:
            self._stopped = True
            refs = list(self.reflectors)
        for r in refs:
            r.stop()
        end = time.monotonic() + deadline
        for r in refs:
            r.join(max(0.0, end - time.monotonic()))
        self.client.close()
