"""Lists of every kind: live rows, sorting, the `/` filter, `:` command mode, namespace switching."""

from __future__ import annotations

from typing import Any

from tests.app.helpers import make_app, ready, screen_text, until
from tests.app.objects import vd
from tui.screens.browser import BrowserScreen
from tui.screens.pickers import NamespacePicker
from tui.screens.tree import TreeScreen
from widgets.command_bar import CommandBar
from widgets.live_table import LiveTable

Data = dict[str, dict[str, Any]]


def names(app: Any) -> list[str]:
    table = app.screen.query_one(LiveTable)
    index = [c.key for c in table.columns].index("name")
    return [str(table.row(table.key_at(i)).cells[index]) for i in range(table.line_count)]


async def command(pilot: Any, text: str) -> None:
    await pilot.press("colon", *text, "enter")
    await pilot.pause()


async def test_command_opens_a_live_list_that_follows_the_simulator(sim: Any, data: Data) -> None:
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await command(pilot, "vd")
        assert isinstance(app.screen, BrowserScreen) and app.screen.kind.id == "vd"
        await until(pilot, lambda: "scratch" in names(app))
        assert sorted(names(app)) == ["db-01-root", "scratch", "web-01-data", "web-01-root"]
        header = screen_text(app).splitlines()[2].split()
        assert header[:3] == ["NAME", "PHASE", "CAPACITY"]
        created = sim.apply(vd("new-disk", phase="Provisioning"))
        await until(pilot, lambda: "new-disk" in names(app))
        table = app.screen.query_one(LiveTable)
        key = created["metadata"]["uid"]
        assert "Provisioning" in str(table.row(key).cells[1])  # type: ignore[union-attr]
        sim.apply(vd("new-disk"))
        await until(pilot, lambda: "Ready" in str(table.row(key).cells[1]))  # type: ignore[union-attr]
        sim.delete("VirtualDisk", "lab", "new-disk")
        await until(pilot, lambda: "new-disk" not in names(app))
        assert "VirtualDisks: 4" in screen_text(app)


async def test_sorting_and_the_cursor_keeps_its_object(sim: Any, data: Data) -> None:
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await command(pilot, "vd")
        await until(pilot, lambda: len(names(app)) == 4)
        await pilot.press("N")
        assert names(app) == ["db-01-root", "scratch", "web-01-data", "web-01-root"]
        await pilot.press("N")
        assert names(app) == ["web-01-root", "web-01-data", "scratch", "db-01-root"]
        await pilot.press("N", "g", "j")
        table = app.screen.query_one(LiveTable)
        assert table.cursor_key == data["scratch"]["metadata"]["uid"]
        sim.apply(vd("aaa-disk"))
        await until(pilot, lambda: "aaa-disk" in names(app))
        assert names(app)[0] == "aaa-disk"
        assert table.cursor_key == data["scratch"]["metadata"]["uid"]
        await pilot.press("O")
        assert table.sort_key is not None and table.sort_key[0] == "phase"


async def test_filter_text_regex_inverse_and_labels(sim: Any, data: Data) -> None:
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await command(pilot, "vd")
        await until(pilot, lambda: len(names(app)) == 4)
        await pilot.press("slash", *"web", "enter")
        assert sorted(names(app)) == ["web-01-data", "web-01-root"]
        assert "filter “web”" in screen_text(app)
        await pilot.press("slash", "ctrl+u", *"^(db|scr)", "enter")
        assert sorted(names(app)) == ["db-01-root", "scratch"]
        await pilot.press("slash", "ctrl+u", *"! web", "enter")
        assert sorted(names(app)) == ["db-01-root", "scratch"]
        await pilot.press("escape")  # clears the filter
        assert len(names(app)) == 4
        await command(pilot, "vm")
        await until(pilot, lambda: len(names(app)) == 2)
        await pilot.press("slash", *"-l tier=web", "enter")
        assert names(app) == ["web-01"]
        await pilot.press("slash", "ctrl+u", *"-l app in (shop),!tier", "enter")
        assert names(app) == ["db-01"]
        await pilot.press("slash", "ctrl+u", *"-l a b c", "enter")
        assert "filter: cannot parse" in screen_text(app)


async def test_command_mode_aliases_completion_and_errors(sim: Any, data: Data) -> None:
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await command(pilot, "vms")  # discovery: VirtualMachineSnapshot on v1.10 (VirtualMachine on seed)
        assert isinstance(app.screen, BrowserScreen) and app.screen.kind.id == "vmsnapshot"
        await until(pilot, lambda: names(app) == ["web-01-before-upgrade"])
        await pilot.press("colon", *"vdsn")
        bar = app.screen.query_one(CommandBar)
        await pilot.press("tab")
        assert bar.value == "vdsnap"  # shortest completion first; tab again cycles
        await pilot.press("tab")
        assert bar.value == "vdsnapshot"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, BrowserScreen) and app.screen.kind.id == "vdsnapshot")
        await command(pilot, "nonsense")
        assert isinstance(app.screen, BrowserScreen)  # an unknown command changes nothing
        await command(pilot, "tree")
        assert isinstance(app.screen, TreeScreen)
        await pilot.press("left_square_bracket")  # history back
        assert isinstance(app.screen, BrowserScreen) and app.screen.kind.id == "vdsnapshot"
        await pilot.press("minus")  # last view toggles
        assert isinstance(app.screen, TreeScreen)
        await command(pilot, "vmrestore")  # not served on v1.10: said so, not an empty table
        await until(pilot, lambda: "not served by this cluster" in screen_text(app))


async def test_namespace_switch_by_command_picker_and_all(sim: Any, data: Data) -> None:
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await command(pilot, "vm dev")
        await until(pilot, lambda: names(app) == ["dev-01"])
        assert "ns dev" in screen_text(app)
        await command(pilot, "ns")
        assert isinstance(app.screen, NamespacePicker)
        table = app.screen.query_one(LiveTable)
        await until(pilot, lambda: table.row("lab") is not None)
        table.move_cursor("lab")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, BrowserScreen) and sorted(names(app)) == ["db-01", "web-01"])
        await pilot.press("0")  # all namespaces: a namespace column appears
        await until(pilot, lambda: sorted(names(app)) == ["db-01", "dev-01", "web-01"])
        assert screen_text(app).splitlines()[2].split()[:2] == ["NAMESPACE", "NAME"]
        assert "ns all" in screen_text(app)
        await command(pilot, "tree")
        await until(pilot, lambda: "Namespace dev" in screen_text(app) and "Namespace lab" in screen_text(app))
        await command(pilot, "ctx")
        assert "dvpsnap-sim" in screen_text(app)
