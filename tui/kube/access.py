"""What this user may do here: SelfSubjectAccessReview per (verb, group, resource, namespace), cached 5 min."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from tui.kube.client import ApiError, KubeClient, TransportError

TTL = 300.0
SSAR_PATH = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str = ""  # why not, in words a user can act on
    known: bool = True  # False when the check itself failed (then `allowed` is a guess)


class Access:
    """SSAR answers cached per key for `ttl` seconds; thread-safe; `reviews` counts real requests."""

    def __init__(self, client: KubeClient, ttl: float = TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.client, self.ttl, self.clock = client, ttl, clock
        self._cache: dict[tuple[str, str, str, str], tuple[float, Verdict]] = {}
        self._lock = threading.Lock()
        self.reviews = 0

    def can(self, verb: str, group: str, resource: str, namespace: str = "") -> Verdict:
        key = (verb, group, resource, namespace)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and self.clock() - hit[0] < self.ttl:
                return hit[1]
        verdict = self._review(*key)
        if verdict.known:
            with self._lock:
                self._cache[key] = (self.clock(), verdict)
        return verdict

    def _review(self, verb: str, group: str, resource: str, namespace: str) -> Verdict:
        body = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
                "spec": {"resourceAttributes": {"verb": verb, "group": group, "resource": resource,
                                                "namespace": namespace}}}
        self.reviews += 1
        try:
            out, _ = self.client.send_json("POST", SSAR_PATH, body)
        except (ApiError, TransportError) as e:
            return Verdict(True, f"permission check failed ({e}); the server will decide", known=False)
        status = out.get("status") or {}
        if status.get("allowed"):
            return Verdict(True)
        what = f"{resource}.{group}" if group else resource
        where = f' in namespace "{namespace}"' if namespace else " cluster-wide"
        extra = status.get("reason") or status.get("evaluationError") or ""
        return Verdict(False, f"not allowed to {verb} {what}{where}" + (f": {extra}" if extra else ""))

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()
