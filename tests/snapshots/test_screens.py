"""SVG snapshots of the main views at 80×24 and 120×40: frozen clock, deterministic data, keys only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.app.helpers import make_app, ready, until
from tui.screens.detail import DetailScreen
from tui.screens.help import HelpScreen
from tui.screens.text_pane import TextPane
from tui.screens.yaml import YamlScreen
from widgets.live_table import LiveTable
from widgets.live_tree import LiveTree

NOW = datetime(2026, 9, 15, 12, 0, tzinfo=UTC)
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
Steps = Callable[[Pilot[Any], dict[str, Any]], Awaitable[None]]


async def settled(pilot: Pilot[Any]) -> None:
    """Everything live, the tree built; then the flushes of the initial sync are over."""
    await ready(pilot, "vm", "vd", "vdsnapshot", "vmsnapshot", "vmop", "vmsop", "vmbda", "vmip", "vmmac", "vs",
                "vsclass", "sc", "ns")
    tree = pilot.app.screen.query_one(LiveTree)
    await until(pilot, lambda: tree.line_count >= 20)
    await pilot.pause()


async def on_vm(pilot: Pilot[Any], data: dict[str, Any]) -> None:
    await settled(pilot)
    pilot.app.screen.query_one(LiveTree).move_cursor(data["web-01"]["metadata"]["uid"])
    await pilot.pause()


async def main_view(pilot: Pilot[Any], data: dict[str, Any]) -> None:
    await on_vm(pilot, data)


async def vm_list(pilot: Pilot[Any], data: dict[str, Any]) -> None:
    await settled(pilot)
    await pilot.press("colon", *"vdsnapshot", "enter", "N", "j")
    table = pilot.app.screen.query_one(LiveTable)
    await until(pilot, lambda: table.row_count == 5)


async def detail(pilot: Pilot[Any], data: dict[str, Any]) -> None:
    await on_vm(pilot, data)
    await pilot.press("d")
    await until(pilot, lambda: isinstance(pilot.app.screen, DetailScreen) and pilot.app.screen.events is not None)
    await pilot.pause()


async def yaml_view(pilot: Pilot[Any], data: dict[str, Any]) -> None:
    await on_vm(pilot, data)
    await pilot.press("y")
    await until(pilot, lambda: isinstance(pilot.app.screen, YamlScreen) and pilot.app.screen.manifest is not None)
    await pilot.press("slash", *"web-01", "enter")
    assert pilot.app.screen.query_one(TextPane).matches


async def help_view(pilot: Pilot[Any], data: dict[str, Any]) -> None:
    await settled(pilot)
    await pilot.press("question_mark")
    assert isinstance(pilot.app.screen, HelpScreen)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("steps", [main_view, vm_list, detail, yaml_view, help_view],
                         ids=["tree", "list", "detail", "yaml", "help"])
def test_screen(snap_compare: Any, frozen_sim: Any, size: tuple[int, int], steps: Steps) -> None:
    sim, data = frozen_sim
    app = make_app(sim, clock=lambda: NOW)

    async def run_before(pilot: Pilot[Any]) -> None:
        await steps(pilot, data)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
