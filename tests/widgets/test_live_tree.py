"""LiveTree: expansion and cursor survive updates; only visible lines are rendered."""

from __future__ import annotations

from textual.strip import Strip

from tests.widgets.harness import Harness, screen_lines
from widgets.live_tree import LiveTree, Node


def lineage(vms: int = 3, disks: int = 2, label: str = "") -> list[Node]:
    nodes: list[Node] = []
    for v in range(vms):
        vm = f"vm{v}"
        nodes.append(Node(vm, None, f"{vm}{label}", label_collapsed=f"{vm}{label} ({disks} disks)"))
        nodes.extend(Node(f"{vm}-d{d}", vm, f"disk {d}") for d in range(disks))
    return nodes


class CountingTree(LiveTree):
    rendered = 0

    def render_line(self, y: int) -> Strip:
        self.rendered += 1
        return super().render_line(y)


def screen_row(tree: LiveTree) -> int:
    index = tree.cursor_index
    assert index is not None
    return index - round(tree.scroll_y)


async def test_collapsed_nodes_show_their_summary_and_expand_with_guides() -> None:
    tree = LiveTree()
    app = Harness(tree)
    async with app.run_test(size=(80, 24)) as pilot:
        tree.update(lineage())
        await pilot.pause()
        lines = [line.rstrip() for line in screen_lines(tree)]
        assert lines[:3] == ["▶ vm0 (2 disks)", "▶ vm1 (2 disks)", "▶ vm2 (2 disks)"]
        await pilot.press("l")
        lines = [line.rstrip() for line in screen_lines(tree)]
        assert lines[:4] == ["▼ vm0", "├─ disk 0", "└─ disk 1", "▶ vm1 (2 disks)"]
        toggled = app.of_type(LiveTree.NodeToggled)
        assert [(m.key, m.expanded) for m in toggled] == [("vm0", True)]


async def test_expansion_survives_updates_and_new_children_appear() -> None:
    tree = LiveTree()
    app = Harness(tree)
    async with app.run_test(size=(80, 24)) as pilot:
        tree.update(lineage())
        tree.expand_node("vm1")
        tree.update([*lineage(label=" Running"), Node("vm1-d9", "vm1", "disk 9")])
        await pilot.pause()
        assert tree.expanded_keys == {"vm1"}
        lines = [line.rstrip() for line in screen_lines(tree)]
        assert lines[:6] == ["▶ vm0 Running (2 disks)", "▼ vm1 Running", "├─ disk 0", "├─ disk 1",
                             "└─ disk 9", "▶ vm2 Running (2 disks)"]
        tree.update([n for n in lineage() if n.key != "vm1"])
        assert tree.expanded_keys == frozenset()


async def test_initial_expansion_hint_applies_only_to_new_keys() -> None:
    tree = LiveTree(ascii_only=True)
    app = Harness(tree)
    async with app.run_test(size=(80, 24)) as pilot:
        tree.update([Node("r", None, "root", expanded=True), Node("c", "r", "child")])
        await pilot.pause()
        assert [line.rstrip() for line in screen_lines(tree)[:2]] == ["v root", "`- child"]
        tree.collapse_node("r")
        tree.update([Node("r", None, "root", expanded=True), Node("c", "r", "child")])
        assert not tree.is_expanded("r") and tree.line_count == 1


async def test_cursor_stays_on_its_key_when_nodes_appear_and_vanish_above() -> None:
    tree = LiveTree()
    app = Harness(tree)
    async with app.run_test(size=(80, 24)) as pilot:
        tree.update(lineage(vms=60))
        tree.expand_all()
        tree.move_cursor("vm20-d1")
        await pilot.pause()
        before = screen_row(tree)
        extra = [Node(f"new{i}", None, f"new {i}") for i in range(30)]
        survivors = [n for n in lineage(vms=60) if n.key not in {"vm3", "vm3-d0", "vm3-d1", "vm5-d0"}]
        tree.update(extra + survivors)
        await pilot.pause()
        assert tree.cursor_key == "vm20-d1"
        assert tree.cursor_index == 30 + 20 * 3 + 2 - 4
        assert screen_row(tree) == before
        assert screen_lines(tree)[before].strip().endswith("disk 1")


async def test_vanished_cursor_moves_to_sibling_then_parent() -> None:
    tree = LiveTree()
    app = Harness(tree)
    async with app.run_test(size=(80, 24)) as pilot:
        nodes = lineage(disks=3)
        tree.update(nodes)
        tree.expand_node("vm1")
        tree.move_cursor("vm1-d1")
        tree.update([n for n in nodes if n.key != "vm1-d1"])
        await pilot.pause()
        assert tree.cursor_key == "vm1-d2"
        tree.update([n for n in nodes if n.key not in {"vm1-d1", "vm1-d2"}])
        assert tree.cursor_key == "vm1-d0"
        tree.update([n for n in nodes if not n.key.startswith("vm1-")])
        assert tree.cursor_key == "vm1"
        await pilot.pause()
        assert app.of_type(LiveTree.NodeHighlighted)[-1].key == "vm1"


async def test_collapsing_an_ancestor_pulls_the_cursor_up() -> None:
    tree = LiveTree()
    app = Harness(tree)
    async with app.run_test(size=(80, 24)) as pilot:
        tree.update(lineage())
        tree.expand_node("vm2")
        tree.move_cursor("vm2-d1")
        tree.collapse_node("vm2")
        await pilot.pause()
        assert tree.cursor_key == "vm2"


async def test_keys_expand_descend_ascend_collapse_and_select() -> None:
    tree = LiveTree()
    app = Harness(tree)
    async with app.run_test(size=(80, 24)) as pilot:
        tree.update(lineage())
        await pilot.pause()
        await pilot.press("j", "right")
        assert tree.is_expanded("vm1") and tree.cursor_key == "vm1"
        await pilot.press("l")
        assert tree.cursor_key == "vm1-d0"
        await pilot.press("h")
        assert tree.cursor_key == "vm1"
        await pilot.press("left")
        assert not tree.is_expanded("vm1")
        await pilot.press("G", "enter")
        await pilot.pause()
        assert [m.key for m in app.of_type(LiveTree.NodeSelected)] == ["vm2"]


async def test_label_update_in_a_big_tree_repaints_only_its_line() -> None:
    tree = CountingTree()
    app = Harness(tree)
    async with app.run_test(size=(80, 24)) as pilot:
        nodes = lineage(vms=10_000, disks=2)
        tree.update(nodes)
        tree.expand_all()
        await pilot.pause()
        assert tree.line_count == 30_000
        tree.rendered = 0
        nodes[1] = Node("vm0-d0", "vm0", "disk X")
        tree.update(nodes)
        await pilot.pause()
        assert 1 <= tree.rendered <= 2
        assert "disk X" in tree.render_line(1).text
        width = tree.virtual_size.width
        nodes[1] = Node("vm0-d0", "vm0", "disk 0 has a much longer label now")
        tree.update(nodes)
        await pilot.pause()
        assert tree.virtual_size.width > width
        tree.rendered = 0
        nodes[-1] = Node("vm9999-d1", "vm9999", "far away")
        tree.update(nodes)
        await pilot.pause()
        assert tree.rendered == 0


async def test_orphans_become_roots_and_cycles_do_not_hang() -> None:
    tree = LiveTree()
    app = Harness(tree)
    async with app.run_test(size=(80, 24)) as pilot:
        tree.update([Node("a", "missing", "orphan"), Node("b", "c", "b"), Node("c", "b", "c"),
                     Node("s", "s", "self")])
        await pilot.pause()
        assert tree.child_keys(None) == ["a", "s"]
        assert tree.line_count == 2


def test_every_binding_has_an_id() -> None:
    for binding in LiveTree.BINDINGS:
        assert getattr(binding, "id", None), binding


def _group(ns: str, vms: int, tag: str = "", expanded: bool = True) -> list[Node]:
    nodes = [Node(ns, None, f"namespace {ns}", expanded=expanded)]
    for v in range(vms):
        vm = f"{ns}/vm{v}"
        nodes.append(Node(vm, ns, f"{vm}{tag}", label_collapsed=f"{vm}{tag} (1 disk)", expanded=True))
        nodes.append(Node(f"{vm}/d", vm, f"disk of {vm}{tag}"))
    return nodes


def _script(seed: int) -> list[tuple[dict[str, list[Node]], str, str | None]]:
    """Steps: (all groups, the group that changed, a node to collapse first or None)."""
    import random

    rng = random.Random(seed)
    sizes = {ns: rng.randint(0, 4) for ns in ("a", "b", "c", "d")}
    groups = {ns: _group(ns, n) for ns, n in sizes.items()}
    steps: list[tuple[dict[str, list[Node]], str, str | None]] = [(dict(groups), "", None)]
    for step in range(40):
        ns = rng.choice(list(groups)) if step != 30 else "d"
        if step % 3 == 0:
            sizes[ns] = rng.randint(0, 4)  # rows appear and vanish
        if step == 20:  # a whole group goes, and comes back later
            ns = "d"
            del groups[ns]
        else:
            groups[ns] = _group(ns, sizes[ns], tag=f" v{step}")
        steps.append((dict(groups), ns, f"{ns}/vm0" if step % 7 == 0 and ns in groups else None))
    return steps


async def _replay(grouped: bool, steps: list[tuple[dict[str, list[Node]], str, str | None]]) -> list[object]:
    tree = LiveTree()
    seen: list[object] = []
    async with Harness(tree).run_test(size=(80, 24)) as pilot:
        for number, (groups, dirty, collapse) in enumerate(steps):
            if collapse is not None:
                tree.collapse_node(collapse)
            kept, same_groups = tree.node("a"), number and list(groups) == list(steps[number - 1][0])
            if grouped:
                tree.update_groups(list(groups.items()), None if number == 0 else {dirty})
                if same_groups and dirty != "a":
                    assert tree.node("a") is kept  # a clean group is not even looked at
            else:
                tree.update([n for nodes in groups.values() for n in nodes])
            if number == 0 and tree.index_of("c/vm0") is not None:
                tree.move_cursor("c/vm0")
            await pilot.pause()
            seen.append((screen_lines(tree), [tree.key_at(i) for i in range(tree.line_count)], tree.cursor_key,
                         tree.expanded_keys))
    return seen


async def test_group_updates_touch_only_dirty_groups_and_equal_a_full_update() -> None:
    steps = _script(7)
    assert await _replay(True, steps) == await _replay(False, steps)


class Built:
    """A lazy label that counts how often it was built."""

    calls = 0

    def __init__(self, text: str) -> None:
        self.text = text

    def __call__(self) -> str:
        Built.calls += 1
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Built) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


async def test_lazy_labels_are_built_only_for_lines_on_screen_and_widen_the_tree() -> None:
    tree = LiveTree()
    async with Harness(tree).run_test(size=(40, 10)) as pilot:
        Built.calls = 0
        nodes = [Node("root", None, "root", expanded=True)]
        nodes += [Node(f"n{i}", "root", Built(f"node {i}" + (" wide" * 20 if i == 3 else ""))) for i in range(5000)]
        tree.update(nodes)
        assert tree.render_line(1).text.startswith("├─ node 0")  # drawn in full at once, before the tree widens
        await pilot.pause()
        assert screen_lines(tree)[1].startswith("├─ node 0")
        assert 0 < Built.calls < 50  # 5,000 nodes, a screen of lines
        await until_width(pilot, tree, len("├─ node 3") + len(" wide") * 20)
        tree.update([*nodes[:-1], Node("n4999", "root", Built("node 4999 changed"))])
        await pilot.pause()
        assert Built.calls < 60  # a change off screen builds nothing


async def until_width(pilot: object, tree: LiveTree, width: int) -> None:
    for _ in range(50):
        if tree.virtual_size.width >= width:
            return
        await pilot.pause()  # type: ignore[attr-defined]
    raise AssertionError(f"the tree never widened to {width}: {tree.virtual_size.width}")
