"""Detail (fields, conditions, related with Enter, events) and YAML (GET on demand, redaction, search)."""

from __future__ import annotations

import base64
from typing import Any

from tests.app.helpers import make_app, ready, screen_text, until
from tests.app.objects import event, vdsnapshot
from tui.screens.detail import DetailScreen
from tui.screens.text_pane import TextPane
from tui.screens.yaml import YamlScreen
from widgets.live_table import LiveTable
from widgets.live_tree import LiveTree

Data = dict[str, dict[str, Any]]


async def open_tree_node(pilot: Any, uid: str, key: str = "d") -> None:
    tree = pilot.app.screen.query_one(LiveTree)
    await until(pilot, lambda: tree.node(uid) is not None)
    tree.move_cursor(uid)
    await pilot.press(key)
    await pilot.pause()


async def test_detail_shows_fields_conditions_related_and_events(sim: Any, data: Data) -> None:
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await open_tree_node(pilot, data["web-01"]["metadata"]["uid"])
        assert isinstance(app.screen, DetailScreen)
        await until(pilot, lambda: "VirtualMachineStarted" in screen_text(app), what="events")
        text = screen_text(app)
        for expected in ("Kind", "VirtualMachine", "web-01", "✔ Running", "AgentReady", "BlockDevicesReady",
                         "app=shop, tier=web", "hot-plugged via web-01-data-attach",
                         "web-01-before-upgrade", "The VM was started"):
            assert expected in text, expected
        related = app.screen.query_one("#related", LiveTable)
        disk = data["web-01-root"]["metadata"]["uid"]
        related.focus()
        related.move_cursor(disk)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen) and app.screen.uid == disk)
        assert "web-01-root-nightly" in screen_text(app)  # the disk's own snapshots are related too
        await pilot.press("escape")
        assert isinstance(app.screen, DetailScreen) and app.screen.uid == data["web-01"]["metadata"]["uid"]


async def test_detail_follows_the_object_and_keeps_it_when_deleted(sim: Any, data: Data) -> None:
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        manual = data["db-01-root-manual"]
        await open_tree_node(pilot, manual["metadata"]["uid"])
        await until(pilot, lambda: "Waiting for the filesystem to be frozen" in screen_text(app))
        sim.apply(vdsnapshot("db-01-root-manual", "db-01-root", phase="Failed", message="the freeze timed out"))
        await until(pilot, lambda: "the freeze timed out" in screen_text(app), what="live condition")
        sim.apply(event("db-01-root-manual.1", manual, "SnapshotFailed", "freeze timeout", "Warning"))
        sim.apply(vdsnapshot("db-01-root-manual", "db-01-root", phase="Failed", message="gave up"))
        await until(pilot, lambda: "freeze timeout" in screen_text(app), what="events refetched on change")
        sim.delete("VirtualDiskSnapshot", "lab", "db-01-root-manual")
        await until(pilot, lambda: "deleted — showing the last known state" in screen_text(app))
        assert "db-01-root-manual" in screen_text(app)


async def test_yaml_is_fetched_on_demand_with_search_and_managed_fields(sim: Any, data: Data) -> None:
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await open_tree_node(pilot, data["web-01"]["metadata"]["uid"], "y")
        assert isinstance(app.screen, YamlScreen)
        pane = app.screen.query_one(TextPane)
        await until(pilot, lambda: "kind: VirtualMachine" in pane.text, what="the GET")
        assert "managedFields" not in pane.text and "managedFields hidden" in screen_text(app)
        assert "virtualMachineClassName: generic" in pane.text  # a field the projection does not keep
        await pilot.press("slash", *"web-01", "enter")
        assert len(pane.matches) >= 3 and pane.current is not None
        first = pane.current
        await pilot.press("n")
        assert pane.current == (first + 1) % len(pane.matches)
        await pilot.press("N", "N")
        assert pane.current == (first - 1) % len(pane.matches)
        assert "matches (n/N)" in screen_text(app)
        await pilot.press("m")
        assert "managedFields shown" in screen_text(app)
        await pilot.press("escape")  # clears the search first
        assert isinstance(app.screen, YamlScreen) and not pane.matches
        await pilot.press("escape")
        assert not isinstance(app.screen, YamlScreen)


async def test_secret_data_is_never_shown(sim: Any, data: Data) -> None:
    secret = sim.apply({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                        "metadata": {"name": "cloud-init", "namespace": "lab"},
                        "data": {"password": base64.b64encode(b"hunter2").decode()}})
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("colon", *"secret", "enter")
        table = app.screen.query_one(LiveTable)
        await until(pilot, lambda: table.row(secret["metadata"]["uid"]) is not None, what="secrets listed")
        table.move_cursor(secret["metadata"]["uid"])
        await pilot.press("y")
        pane = app.screen.query_one(TextPane)
        await until(pilot, lambda: "kind: Secret" in pane.text)
        assert "password: <hidden>" in pane.text
        assert "hunter2" not in pane.text and base64.b64encode(b"hunter2").decode() not in pane.text
        assert "data values hidden" in screen_text(app)
