"""Scenarios: the demo cluster and generated large clusters, loaded into the store before start."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.sim.cluster import SimCluster


def load(cluster: SimCluster, name: str, *, objects: int = 0) -> None:
    """Fill `cluster` with the named scenario ("demo" or "big")."""
    if name not in ("demo", "big"):
        raise ValueError(f"unknown scenario {name!r}")
