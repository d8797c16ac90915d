"""Run the controllers on a cluster that is not started yet, with zero delays, until nothing changes."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.sim.controllers.runtime import Runtime

if TYPE_CHECKING:
    from tui.sim.cluster import SimCluster

log = logging.getLogger("dvpsnap.sim")


class SettleRuntime(Runtime):
    """Logical time: every delay is zero and timers run in call order, so the outcome is deterministic."""

    def seconds(self, real: float) -> float:
        return 0.0

    def after(self, delay: float, fn: Callable[[], None]) -> None:
        assert self.loop is not None
        self.loop.call_soon(self._guard, fn)


def settle(cluster: SimCluster, *, hold_snapshots: bool = False, timeout: float = 60.0) -> list[str]:
    """Reconcile everything in `cluster.store` to a fixed point on a private loop (own thread, so it also
    works from inside a running event loop); returns the controllers' errors."""
    from tui.sim.controllers import all_controllers
    from tui.sim.controllers.vmclass import ensure_generic

    errors: list[str] = []

    async def run() -> None:
        rt = SettleRuntime(cluster, speed=cluster.speed)
        rt.hold_snapshots = hold_snapshots
        ensure_generic(rt)
        rt.start(all_controllers(rt))
        deadline, idle = time.monotonic() + timeout, 0
        while idle < 8:
            await asyncio.sleep(0)
            idle = 0 if rt._queue else idle + 1
            if time.monotonic() > deadline:
                log.warning("settle: controllers still busy after %.0f s", timeout)
                break
        rt.stop()
        errors.extend(rt.errors)

    thread = threading.Thread(target=lambda: asyncio.run(run()), name="dvpsnap-settle")
    thread.start()
    thread.join()
    return errors
