"""The lineage tree follows the simulator live (no keypress) and keeps the cursor on its object."""

from __future__ import annotations

from typing import Any

from tests.app.helpers import make_app, ready, screen_text, until
from tests.app.objects import vd, vdsnapshot, vm
from tui.screens.tree import TreeScreen
from widgets.live_tree import LiveTree

Data = dict[str, dict[str, Any]]


def uid(obj: dict[str, Any]) -> str:
    return str(obj["metadata"]["uid"])


def label(tree: LiveTree, key: str) -> str:
    node = tree.node(key)
    assert node is not None, key
    text = node.label() if callable(node.label) else node.label
    return text if isinstance(text, str) else text.plain


async def test_tree_shows_the_lineage_with_flags_and_messages(sim: Any, data: Data) -> None:
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        tree = app.screen.query_one(LiveTree)
        await until(pilot, lambda: tree.node(uid(data["old-disk-snap"])) is not None)
        web, root, data_disk = uid(data["web-01"]), uid(data["web-01-root"]), uid(data["web-01-data"])
        assert "Running" in label(tree, web) and "agent" in label(tree, web)
        assert tree.node(root).parent == f"{web}/disks"  # type: ignore[union-attr]
        assert "spec" in label(tree, root)
        assert "hot-plugged via web-01-data-attach" in label(tree, data_disk)
        snap = uid(data["web-01-before-upgrade"])
        assert "2/2 disks ready" in label(tree, snap) and "consistent" in label(tree, snap)
        children = tree.child_keys(snap)
        assert children == [uid(data["web-01-root-bu"]), uid(data["web-01-data-bu"])]
        ref = f"{uid(data['web-01-root-bu'])}@{root}"  # the same snapshot, de-emphasised under its disk
        assert label(tree, ref).startswith("↳ DiskSnapshot web-01-root-bu")
        manual = label(tree, uid(data["db-01-root-manual"]))
        assert "InProgress" in manual and "Waiting for the filesystem to be frozen" in manual
        assert "not guaranteed" in label(tree, uid(data["old-disk-snap"]))
        text = screen_text(app)
        assert "Unattached disks" in text and "Orphaned snapshots" in text
        assert "dev-01" not in text  # namespace dev is not in scope
        tree.collapse_node(root)
        await pilot.pause()
        assert "(2 disk snapshots)" in screen_text(app)


async def test_tree_follows_creation_phase_change_and_deletion_without_a_key(sim: Any, data: Data) -> None:
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        tree = app.screen.query_one(LiveTree)
        await until(pilot, lambda: tree.node(uid(data["web-01"])) is not None)
        created = sim.apply(vdsnapshot("web-01-root-hourly", "web-01-root", phase="InProgress",
                                       message="Creating the volume snapshot"))
        key = uid(created)
        await until(pilot, lambda: tree.node(key) is not None, what="new snapshot in the tree")
        assert tree.node(key).parent == uid(data["web-01-root"])  # type: ignore[union-attr]
        assert "Creating the volume snapshot" in label(tree, key)
        await until(pilot, lambda: "web-01-root-hourly" in screen_text(app))
        sim.apply(vdsnapshot("web-01-root-hourly", "web-01-root", phase="Ready"))
        await until(pilot, lambda: "✔ Ready" in label(tree, key), what="phase change")
        assert "Creating" not in label(tree, key)
        sim.delete("VirtualDiskSnapshot", "lab", "web-01-root-hourly")
        await until(pilot, lambda: tree.node(key) is None, what="deletion")
        assert "web-01-root-hourly" not in screen_text(app)


async def test_cursor_stays_on_its_object_while_rows_above_appear_and_vanish(sim: Any, data: Data) -> None:
    app = make_app(sim)
    async with app.run_test(size=(100, 24)) as pilot:
        await ready(pilot)
        tree = app.screen.query_one(LiveTree)
        scratch = uid(data["scratch"])
        await until(pilot, lambda: tree.node(scratch) is not None)
        tree.move_cursor(scratch)
        await pilot.pause()
        row = tree.cursor_index - round(tree.scroll_y)  # type: ignore[operator]
        sim.apply(vd("aaa-root", vm="aaa"))
        above = uid(sim.apply(vm("aaa", disks=("aaa-root",))))
        await until(pilot, lambda: tree.index_of(above) is not None, what="a VM above the cursor")
        assert tree.index_of(above) < tree.cursor_index  # type: ignore[operator]
        assert tree.cursor_key == scratch
        assert tree.cursor_index - round(tree.scroll_y) == row  # type: ignore[operator]
        sim.delete("VirtualMachine", "lab", "db-01")
        gone = uid(data["db-01"])
        await until(pilot, lambda: tree.node(gone) is None, what="a VM above the cursor gone")
        assert tree.cursor_key == scratch
        on_screen = tree.cursor_index - round(tree.scroll_y)  # type: ignore[operator]
        assert "Disk scratch" in screen_text(app).splitlines()[2 + on_screen]
        await pilot.press("d")
        await until(pilot, lambda: "Name" in screen_text(app) and "scratch" in screen_text(app))
        assert not isinstance(app.screen, TreeScreen)


async def test_a_flush_rebuilds_only_the_namespaces_it_touched_and_equals_a_full_build(sim: Any, data: Data) -> None:
    from datetime import UTC, datetime

    from tui.screens import tree_nodes

    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    app = make_app(sim, namespace=None, all_namespaces=True, clock=lambda: now)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        tree = app.screen.query_one(LiveTree)
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        await until(pilot, lambda: tree.node(uid(data["web-01"])) is not None and tree.node(
            tree_nodes.ns_key("dev")) is not None)
        dev_root = tree.node(tree_nodes.ns_key("dev"))
        created = sim.apply(vdsnapshot("web-01-root-hourly", "web-01-root", phase="InProgress"))
        await until(pilot, lambda: tree.node(uid(created)) is not None, what="new snapshot in lab")
        assert tree.node(tree_nodes.ns_key("dev")) is dev_root  # namespace dev was not rebuilt
        sim.delete("VirtualDiskSnapshot", "lab", "web-01-root-hourly")
        await until(pilot, lambda: tree.node(uid(created)) is None, what="deletion in lab")
        assert tree.node(tree_nodes.ns_key("dev")) is dev_root
        full, targets = tree_nodes.build(app.live.view, screen.namespaces(app.live.snapshot), lambda: now)
        shown = [tree.node(n.key) for n in full]
        assert [n.key for n in full] == [n.key for n in shown if n is not None]
        assert [(n.parent, n.label, n.label_collapsed, n.stale) for n in full] == [
            (n.parent, n.label, n.label_collapsed, n.stale) for n in shown if n is not None]

        def text(label: object) -> object:
            return label() if callable(label) else label

        assert [(text(n.label), text(n.label_collapsed)) for n in full] == [
            (text(n.label), text(n.label_collapsed)) for n in shown if n is not None]  # what they build, too
        assert screen.objects == targets


async def test_a_minute_later_ages_move_on_without_rebuilding_the_tree(sim: Any, data: Data) -> None:
    from datetime import UTC, datetime, timedelta

    moment = [datetime.now(UTC)]
    app = make_app(sim, clock=lambda: moment[0])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        tree = app.screen.query_one(LiveTree)
        web = uid(data["web-01"])
        await until(pilot, lambda: tree.node(web) is not None)
        node = tree.node(web)
        line = next(x for x in screen_text(app).splitlines() if "VM web-01" in x)
        assert "3h" not in line
        moment[0] += timedelta(hours=3)
        screen = app.screen
        assert isinstance(screen, TreeScreen)
        screen.aged()
        await until(pilot, lambda: "3h" in next(x for x in screen_text(app).splitlines() if "VM web-01" in x),
                    what="the age on screen moved on")
        assert tree.node(web) is node  # drawn again, not rebuilt
