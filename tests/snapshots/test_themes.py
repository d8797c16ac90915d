"""SVG snapshots of the main view in the high-contrast and 16-colour themes, and with NO_COLOR=1."""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot

from tests.app.helpers import make_app
from tests.snapshots.test_screens import NOW, main_view
from tui.config import Settings


@pytest.mark.parametrize("theme", ["dvpsnap-high-contrast", "dvpsnap-16"])
def test_main_view_in_theme(snap_compare: Any, frozen_sim: Any, theme: str) -> None:
    sim, data = frozen_sim
    app = make_app(sim, clock=lambda: NOW, settings=Settings(theme=theme))

    async def run_before(pilot: Pilot[Any]) -> None:
        await main_view(pilot, data)
        assert pilot.app.theme == theme

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_main_view_with_no_color(snap_compare: Any, frozen_sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    sim, data = frozen_sim
    app = make_app(sim, clock=lambda: NOW)
    assert app.no_color

    async def run_before(pilot: Pilot[Any]) -> None:
        await main_view(pilot, data)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
