"""App-test fixtures: the simulator filled with a small, known namespace story."""

from __future__ import annotations

from typing import Any

import pytest

from tests.app.objects import populate
from tui.sim.cluster import SimCluster


@pytest.fixture
def data(sim: SimCluster) -> dict[str, dict[str, Any]]:
    return populate(sim)
