"""Fault injection for the simulated API server: restarts, 410s, stalls, error answers, short watches."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RouteFault:
    """Answer matching requests with `status` (and Retry-After) `times` times."""

    status: int
    times: int
    retry_after: int | None = None
    method: str | None = None
    path: str | None = None  # regex searched in the request path
    watch: bool | None = None  # None: both; True: only watch requests; False: only non-watch
    as_event: bool = False  # for watches: HTTP 200 then an ERROR event carrying the status

    def matches(self, method: str, path: str, watch: bool) -> bool:
        return (
            (self.method is None or self.method == method)
            and (self.path is None or re.search(self.path, path) is not None)
            and (self.watch is None or self.watch == watch)
        )


@dataclass
class Faults:
    """What the server should do wrong; every method is safe to call from any thread."""

    latency: float = 0.0
    page_delay: float = 0.0  # seconds before each list page (slow list, F10)
    stalled: bool = False  # watch streams stop sending and new requests hang (half-open)
    short_watches: int = 0  # next N watches end right after the headers
    garbage: int = 0  # next N watches get a truncated JSON line and a reset
    drop_responses: int = 0  # next N writes are applied, then the connection is cut before the answer
    expire_continue: int = 0  # next N continue tokens answer 410
    routes: list[RouteFault] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _unstall: threading.Event = field(default_factory=threading.Event)
    # set by the server: (seconds) → refuse connections for that long; compact; drop watches
    on_refuse: Callable[[float], None] | None = None
    on_compact: Callable[[], int] | None = None
    on_drop_watches: Callable[[], int] | None = None

    def fail(self, status: int, times: int = 1, *, retry_after: int | None = None, method: str | None = None,
             path: str | None = None, watch: bool | None = None, as_event: bool = False) -> None:
        with self._lock:
            self.routes.append(RouteFault(status, times, retry_after, method, path, watch, as_event))

    def take_route(self, method: str, path: str, watch: bool) -> RouteFault | None:
        with self._lock:
            for r in self.routes:
                if r.times > 0 and r.matches(method, path, watch):
                    r.times -= 1
                    if r.times == 0:
                        self.routes.remove(r)
                    return r
        return None

    def take(self, name: str) -> bool:
        """Consume one of a counted fault (`short_watches`, `garbage`, `drop_responses`...)."""
        with self._lock:
            n = getattr(self, name)
            if n > 0:
                setattr(self, name, n - 1)
                return True
            return False

    def stall(self, on: bool = True) -> None:
        with self._lock:
            self.stalled = on
            if on:
                self._unstall.clear()
            else:
                self._unstall.set()

    def wait_unstalled(self, timeout: float) -> bool:
        return self._unstall.wait(timeout)

    def refuse(self, seconds: float) -> None:
        """Close the listener and every connection; listen again after `seconds` (an API restart)."""
        if self.on_refuse:
            self.on_refuse(seconds)

    def compact(self) -> int:
        return self.on_compact() if self.on_compact else 0

    def drop_watches(self) -> int:
        return self.on_drop_watches() if self.on_drop_watches else 0

    def clear(self) -> None:
        with self._lock:
            self.latency = self.page_delay = 0.0
            self.short_watches = self.garbage = self.drop_responses = self.expire_continue = 0
            self.routes.clear()
        self.stall(False)

    def apply(self, action: str, args: dict[str, object]) -> object:
        """The admin endpoint's entry: `action` is a method or attribute name, `args` its arguments."""
        if action in ("latency", "page_delay", "short_watches", "garbage", "drop_responses",
                      "expire_continue"):
            with self._lock:
                setattr(self, action, args.get("value", 0))
            return None
        fn = {"fail": self.fail, "stall": self.stall, "refuse": self.refuse, "compact": self.compact,
              "drop_watches": self.drop_watches, "clear": self.clear}.get(action)
        if fn is None:
            raise KeyError(action)
        return fn(**args)  # type: ignore[operator]
