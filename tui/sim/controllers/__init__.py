"""Simulated DVP controllers (one module each), started on the server loop by `start`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.sim.controllers.runtime import Controller, Runtime

if TYPE_CHECKING:
    from tui.sim.cluster import SimCluster


def all_controllers(rt: Runtime) -> list[Controller]:
    """Every controller of the generation the cluster serves (each checks what is served itself)."""
    return []


def start(cluster: SimCluster) -> Runtime:
    rt = Runtime(cluster, speed=cluster.speed)
    rt.start(all_controllers(rt))
    return rt
