"""Helpers for the app tests: build the app on a simulator, wait for a condition with a deadline, read the screen."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from tui.app import DvpApp
from tui.kube.reflector import Tuning
from tui.live import Options
from tui.sim.cluster import SimCluster

FAST = Tuning(watch_read_timeout=3, stale_after=1.0)


def make_app(sim: SimCluster, **options: Any) -> DvpApp:
    """The real app, connected to `sim` over HTTP through a kubeconfig (no mocks)."""
    options.setdefault("namespace", "lab")
    options.setdefault("tuning", FAST)
    return DvpApp(Options(kubeconfig=sim.kubeconfig_path, **options))


async def until(pilot: Pilot[Any], cond: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    """Let the app run until `cond()` is truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        await pilot.pause()
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or cond}\n{screen_text(pilot.app)}")
        await pilot.pause(0.02)


def screen_text(app: Any) -> str:
    """The whole terminal as plain text, one line per row."""
    return "\n".join(strip.text.rstrip() for strip in app.screen._compositor.render_strips())


async def ready(pilot: Pilot[Any], *kinds: str) -> None:
    """Wait until the app is connected and the given kinds (default: vm, vd, snapshots) are live."""
    app = pilot.app
    want = kinds or ("vm", "vd", "vdsnapshot", "vmsnapshot")

    def live() -> bool:
        links = app.live.snapshot.links
        return all(any(k == kind and v.state == "live" for (k, _), v in links.items()) for kind in want)

    await until(pilot, live, what=f"{want} live")
