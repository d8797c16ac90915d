"""Terminal behaviour: too-small screen, keyboard-only navigation, coalesced flushes, idle silence, help."""

from __future__ import annotations

from typing import Any

from tests.app.helpers import make_app, ready, screen_text, until
from tests.app.objects import vd
from tui.screens.browser import BrowserScreen
from tui.screens.detail import DetailScreen
from tui.screens.help import HelpScreen
from tui.screens.pickers import ContextPicker, NamespacePicker
from tui.screens.too_small import TooSmallScreen
from tui.screens.tree import TreeScreen
from tui.screens.yaml import YamlScreen
from widgets.live_table import LiveTable

Data = dict[str, dict[str, Any]]


async def test_too_small_screen_and_restore_on_resize(sim: Any, data: Data) -> None:
    app = make_app(sim)
    async with app.run_test(size=(79, 23)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, TooSmallScreen))
        assert "terminal too small (79×23), need 80×24" in screen_text(app)
        await pilot.press("j", "colon", "question_mark")  # every key but quit is blocked
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(100, 20)
        await until(pilot, lambda: "terminal too small (100×20)" in screen_text(app))
        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: isinstance(app.screen, TreeScreen))
        await ready(pilot)
        await until(pilot, lambda: "VM web-01" in screen_text(app))


async def test_every_view_is_reachable_with_the_keyboard_alone(sim: Any, data: Data) -> None:
    app = make_app(sim, mouse=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: "VM db-01" in screen_text(app))
        await pilot.press("j", "d")  # the first VM
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("y")
        assert isinstance(app.screen, YamlScreen)
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, TreeScreen)
        for command, screen in (("vmsnapshot", BrowserScreen), ("ns", NamespacePicker), ("ctx", ContextPicker)):
            await pilot.press("colon", *command, "enter")
            assert isinstance(app.screen, screen), command
            await pilot.press("escape")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("q")
        assert isinstance(app.screen, BrowserScreen)
        await pilot.press("T")
        assert isinstance(app.screen, TreeScreen)
        await pilot.press("ctrl+e")  # header off and on
        assert "ctx dvpsnap-sim" not in screen_text(app)
        await pilot.press("ctrl+e", "ctrl+l")
        assert "ctx dvpsnap-sim" in screen_text(app)


async def test_help_lists_the_keys_of_the_current_view(sim: Any, data: Data) -> None:
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("colon", *"vd", "enter", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(LiveTable)
        for binding_id, keys in (("table.sort_name", "N"), ("app.back", "esc q"), ("resource.yaml", "y"),
                                 ("table.down", "↓ j"), ("app.command", ":")):
            row = table.row(binding_id)
            assert row is not None and row.cells[1] == keys, binding_id
        assert table.row("view.search_next") is None  # not active on a list


async def test_bursts_are_coalesced_and_an_idle_app_does_not_flush(sim: Any, data: Data) -> None:
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("colon", *"vd", "enter")
        table = app.screen.query_one(LiveTable)
        await until(pilot, lambda: table.row_count == 4)
        before = app.live.flushes
        for i in range(150):
            sim.apply(vd(f"burst-{i:03d}"))
        await until(pilot, lambda: table.row_count == 154, what="the burst")
        assert app.live.flushes - before < 40  # ≤ 20 Hz, far fewer flushes than changes
        settled = app.live.flushes
        await pilot.pause(1.5)  # idle: bookmarks arrive, nothing changes, nothing is flushed
        assert app.live.flushes == settled
