"""Snapshot fixtures: a simulator whose clock is frozen, filled with the same story every run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.app.objects import populate
from tui.sim.cluster import SimCluster

CREATED = "2026-09-14T10:00:00Z"


@pytest.fixture
def frozen_sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SimCluster, dict[str, Any]]]:
    """Every object is created at CREATED; UIDs and resourceVersions follow from the fixed order."""
    monkeypatch.setattr("tui.sim.store.now_iso", lambda: CREATED)
    with SimCluster("v1.10", controllers=False, bookmark_interval=0.5, seed="snapshots") as sim:
        yield sim, populate(sim)
