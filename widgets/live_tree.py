"""Virtualised keyed tree (Line API): expansion and cursor survive updates, kept by key."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip

from widgets.badge import TONES, resolve_tones, tone_class, tone_css, tone_styles
from widgets.keyed_view import KeyedView
from widgets.safe_text import safe_text
from widgets.table_model import Cell, measure

Label = Cell | Callable[[], Cell]
"""A label, or a callable that builds it when its line is first drawn (then it must compare equal exactly when
what it would build is equal): with thousands of nodes, only the lines on screen pay for their labels."""

Shape = tuple[tuple[bool, ...], bool]
"""(for each ancestor: was it the last child?, is this node the last child?)"""

_SHAPES: dict[object, Any] = {}
"""Interned shapes and trails (bounded by the tree's depth and branching, not by its size)."""

GUIDES = {False: ("   ", "│  ", "└─ ", "├─ "), True: ("   ", "|  ", "`- ", "|- ")}
ICONS = {False: ("▼ ", "▶ "), True: ("v ", "> ")}


@dataclass(frozen=True, slots=True)
class Node:
    """A keyed node. Siblings keep the order given; an unknown `parent` makes it a root.

    `label_collapsed` replaces `label` while the node is collapsed (e.g. with a child count);
    `expanded` is the initial state, used only the first time the key is seen.
    """

    key: str
    parent: str | None
    label: Label
    label_collapsed: Label | None = None
    expanded: bool | None = None
    stale: bool = False


class LiveTree(KeyedView):
    """A keyed tree that renders only the lines on screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False, id="tree.down"),
        Binding("up,k", "cursor_up", "Up", show=False, id="tree.up"),
        Binding("right,l", "expand", "Expand", id="tree.expand"),
        Binding("left,h", "collapse", "Collapse", id="tree.collapse"),
        Binding("home,g", "cursor_top", "Top", show=False, id="tree.top"),
        Binding("end,G", "cursor_bottom", "Bottom", show=False, id="tree.bottom"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="tree.page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="tree.page_up"),
        Binding("enter", "select_cursor", "Open", id="tree.open"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "live-tree--guides", "live-tree--cursor", "live-tree--cursor-blurred", "live-tree--stale",
        *(tone_class("live-tree", tone) for tone in TONES),
    }

    DEFAULT_CSS = """
    LiveTree {
        background: $surface;
        color: $foreground;
        height: 1fr;
        & > .live-tree--guides { color: $text-muted; }
        & > .live-tree--cursor {
            color: $block-cursor-foreground; background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
        & > .live-tree--cursor-blurred {
            color: $block-cursor-blurred-foreground; background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .live-tree--stale { color: $text-muted; text-style: dim; }
    }
    """ + tone_css("LiveTree", "live-tree")

    class NodeMessage(Message):
        """Base of the node messages: `key` of the node in `tree`."""

        def __init__(self, tree: LiveTree, key: str) -> None:
            super().__init__()
            self.tree, self.key = tree, key

        @property
        def control(self) -> LiveTree:
            return self.tree

    class NodeHighlighted(NodeMessage):
        """The cursor moved to the node with `key`."""

    class NodeSelected(NodeMessage):
        """Enter (or a double click) on the node with `key`."""

    class NodeToggled(NodeMessage):
        """The node with `key` was expanded or collapsed."""

        def __init__(self, tree: LiveTree, key: str, expanded: bool) -> None:
            super().__init__(tree, key)
            self.expanded = expanded

    def __init__(self, *, ascii_only: bool = False, name: str | None = None, id: str | None = None,
                 classes: str | None = None, disabled: bool = False) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.ascii_only = ascii_only
        self._tree: dict[str, Node] = {}
        self._children: dict[str | None, list[str]] = {}
        self._expanded: set[str] = set()
        self._shapes: dict[str, Shape] = {}
        self._previous: tuple[dict[str, Node], dict[str | None, list[str]]] = ({}, {})
        self._grouped = False
        """Fed by `update_groups`: each group is laid out on its own, so one can change without the others."""
        self._groups: dict[str, list[Node]] = {}
        self._gorder: dict[str, list[str]] = {}
        """group id → the keys it displays, in order (the display order is these, group after group)."""
        self._group_of: dict[str, str] = {}
        self._widths: dict[str, tuple[Label, int]] = {}
        """key → (its label as given, the width of the line's label): measured when the line is drawn."""

    # -- public API ---------------------------------------------------------------------------
    def node(self, key: str) -> Node | None:
        """The node with `key`, if any."""
        return self._tree.get(key)

    def child_keys(self, key: str | None) -> list[str]:
        """Keys of the children of `key` (None: the roots), in order."""
        return list(self._children.get(key, ()))

    def is_expanded(self, key: str) -> bool:
        """True if `key` is expanded (its children are shown)."""
        return key in self._expanded

    @property
    def expanded_keys(self) -> frozenset[str]:
        """Keys of the expanded nodes."""
        return frozenset(self._expanded)

    def update_groups(self, groups: Sequence[tuple[str, Sequence[Node]]], dirty: Collection[str] | None) -> None:
        """Replace all nodes, given as consecutive groups (e.g. one per namespace) of which only those in `dirty`
        (None: all), and groups added or removed, may have changed: the work is proportional to the changed
        groups, not to the whole tree. A node whose parent is outside its own group is a root of that group.
        Expansion and cursor are kept by key."""
        known: Collection[str] = ()
        if not self._grouped:  # from flat `update` (or nothing) to groups: start over, keeping expansion
            known, self._tree, self._children = self._tree, {}, {}
            self._groups, self._gorder, self._group_of = {}, {}, {}
            self._grouped, dirty = True, None
        incoming = dict(groups)
        relaid: set[str] = set()
        changed: list[str] = []
        before: tuple[dict[str, Node], dict[str | None, list[str]]] = ({}, {None: self._children.get(None, [])})
        for gid in [gid for gid in self._groups if gid not in incoming]:
            self._replace_group(gid, [], before, changed)
            del self._groups[gid], self._gorder[gid]
            relaid.add(gid)
        for gid, nodes in groups:
            old = self._groups.get(gid)
            if old is not None and ((dirty is not None and gid not in dirty) or old == nodes):
                continue
            if self._replace_group(gid, nodes, before, changed, known) or old is None:
                relaid.add(gid)
            self._groups[gid] = list(nodes)
        if list(self._groups) != list(incoming):
            self._groups = {gid: self._groups[gid] for gid in incoming}
            relaid.add("")
        if not relaid:
            self._repaint(changed)
            return
        self._children[None] = [key for gid in self._groups for key in self._groots(gid)]
        self._previous = before
        for gid in relaid:
            if gid in self._groups:
                self._gorder[gid] = self._flatten(self._groots(gid))
        self._assemble()

    def _replace_group(self, gid: str, nodes: Sequence[Node], before: tuple[dict[str, Node],
                       dict[str | None, list[str]]], changed: list[str], known: Collection[str] = ()) -> bool:
        """Swap one group's nodes in place; True if its structure (parents, order, members) changed. A node new
        here but in `known` (shown before) keeps its expansion."""
        fresh = {node.key: node for node in nodes}
        kids: dict[str | None, list[str]] = {}
        for node in nodes:
            parent = node.parent if node.parent in fresh and node.parent != node.key else None
            kids.setdefault(parent, []).append(node.key)
        old = {node.key: self._tree[node.key] for node in self._groups.get(gid, ())}
        old_kids = {key: self._children[key] for key in old if key in self._children}
        old_roots = [key for key, node in old.items() if node.parent not in old or node.parent == key]
        structural = kids.pop(None, []) != old_roots or kids != old_kids
        before[0].update(old)
        before[1].update(old_kids)
        for key in old.keys() - fresh.keys():
            del self._tree[key]
            self._children.pop(key, None)
            self._group_of.pop(key, None)
            self._expanded.discard(key)
        for key in old_kids.keys() - kids.keys():
            self._children.pop(key, None)
        for key, node in fresh.items():
            was = self._tree.get(key)
            if was is None:
                self._group_of[key] = gid
                if node.expanded and key not in known:
                    self._expanded.add(key)
            elif was is not node and was != node:
                changed.append(key)
            self._tree[key] = node
        self._children.update(kids)
        return structural

    def _groots(self, gid: str) -> list[str]:
        nodes = self._groups[gid]
        keys = {node.key for node in nodes} if len(nodes) > 1 else set()
        return [node.key for node in nodes if node.parent not in keys or node.parent == node.key]

    def update(self, nodes: Iterable[Node]) -> None:
        """Replace all nodes (diff by key); expansion and cursor are kept by key."""
        self._grouped, self._groups, self._gorder, self._group_of = False, {}, {}, {}
        fresh = {node.key: node for node in nodes}
        children: dict[str | None, list[str]] = {}
        for node in fresh.values():
            parent = node.parent if node.parent in fresh and node.parent != node.key else None
            children.setdefault(parent, []).append(node.key)
        old = self._tree
        changed = [key for key, node in fresh.items()
                   if key in old and old[key] is not node and old[key] != node]
        self._expanded.update(key for key, node in fresh.items() if node.expanded and key not in old)
        self._expanded.intersection_update(fresh)
        structural = children != self._children
        self._previous = (old, self._children)
        self._tree, self._children = fresh, children
        if structural:
            self._reflatten()
            return
        self._repaint(changed)

    def _repaint(self, changed: list[str]) -> None:
        shown = [key for key in changed if key in self._index]
        self._set_width(max([self._content_width, *(self._line_width(key, build=False) for key in shown)]))
        for key in shown:
            self._refresh_key(key)

    def expand_node(self, key: str) -> None:
        """Show the children of `key`."""
        self._set_expanded(key, True)

    def collapse_node(self, key: str) -> None:
        """Hide the children of `key` (a cursor inside moves up to it)."""
        self._set_expanded(key, False)

    def toggle_node(self, key: str) -> None:
        """Expand `key` if collapsed, else collapse it."""
        self._set_expanded(key, key not in self._expanded)

    def expand_all(self) -> None:
        """Expand every node that has children."""
        self._expanded = {key for key in self._tree if self._children.get(key)}
        self._reflatten()

    def collapse_all(self) -> None:
        """Collapse every node."""
        self._expanded.clear()
        self._reflatten()

    # -- structure ----------------------------------------------------------------------------
    def _set_expanded(self, key: str, expanded: bool) -> None:
        if key not in self._tree or (key in self._expanded) == expanded:
            return
        if expanded:
            self._expanded.add(key)
        else:
            self._expanded.discard(key)
        self._previous = (self._tree, self._children)
        if self._grouped:
            gid = self._group_of[key]
            self._gorder[gid] = self._flatten(self._groots(gid))
            self._assemble()
        else:
            self._reflatten()
        self.post_message(self.NodeToggled(self, key, expanded))

    def _reflatten(self) -> None:
        if self._grouped:
            self._gorder = {gid: self._flatten(self._groots(gid)) for gid in self._groups}
            self._assemble()
            return
        self._shapes = {}
        order = self._flatten(self._children.get(None, []))
        if len(self._widths) > 2 * len(self._tree) + 64:
            self._widths = {key: known for key, known in self._widths.items() if key in self._tree}
        width = max((self._line_width(key, build=False) for key in order), default=0)
        self._set_order(order, width)

    def _flatten(self, roots: list[str]) -> list[str]:
        """The displayed keys below `roots` (and their shapes, into `_shapes`), depth first."""
        order: list[str] = []
        shapes, shared = self._shapes, _SHAPES
        stack: list[tuple[str, tuple[bool, ...], bool]] = [
            (key, (), index == len(roots) - 1) for index, key in reversed(list(enumerate(roots)))
        ]
        while stack:
            key, trail, last = stack.pop()
            order.append(key)
            shape = (trail, last)
            shapes[key] = shared.setdefault(shape, shape)  # a few distinct shapes, thousands of lines
            kids = self._children.get(key)
            if kids and key in self._expanded:
                below = shared.setdefault((*trail, last), (*trail, last))
                stack.extend((kid, below, i == len(kids) - 1) for i, kid in reversed(list(enumerate(kids))))
        return order

    def _assemble(self) -> None:
        """The display order from the groups' orders; the width only grows here (lines widen it when drawn)."""
        order = [key for gid in self._groups for key in self._gorder[gid]]
        if len(self._shapes) > 2 * len(self._tree) + 64:
            self._shapes = {key: shape for key, shape in self._shapes.items() if key in self._tree}
            self._widths = {key: known for key, known in self._widths.items() if key in self._tree}
        self._set_order(order, self._content_width if order else 0)

    def _line_width(self, key: str, build: bool = True) -> int:
        """The line's width; a label not built yet counts as empty unless `build` (it widens the line when drawn)."""
        trail, _ = self._shapes.get(key, ((), False))
        icon = 2 if self._children.get(key) else 0
        given = self._given(key)
        known = self._widths.get(key)
        if known is None or known[0] is not given:
            if callable(given) and not build:
                return 3 * len(trail) + icon
            known = self._widths[key] = (given, measure(given() if callable(given) else given))
        return 3 * len(trail) + icon + known[1]

    def _given(self, key: str) -> Label:
        node = self._tree[key]
        collapsed = key not in self._expanded and bool(self._children.get(key))
        return node.label_collapsed if collapsed and node.label_collapsed is not None else node.label

    def _label(self, key: str) -> Cell:
        given = self._given(key)
        return given() if callable(given) else given

    def _fallback_cursor(self, old_order: list[str], old_index: int) -> str | None:
        """Nearest visible ancestor if the key survives; else a surviving sibling or ancestor."""
        gone = old_order[old_index]
        old_nodes, old_children = self._previous
        for key in _ancestry(gone, self._tree):
            if key in self._index:
                return key
        old = old_nodes.get(gone)
        if old is not None:
            siblings = old_children.get(old.parent if old.parent in old_nodes else None, [])
            at = siblings.index(gone) if gone in siblings else 0
            for key in [*siblings[at + 1 :], *reversed(siblings[:at]), *_ancestry(gone, old_nodes)]:
                if key in self._index:
                    return key
        return super()._fallback_cursor(old_order, old_index)

    # -- rendering ----------------------------------------------------------------------------
    def _line_state(self, key: str, cursor: bool) -> Hashable:
        has_children = bool(self._children.get(key))
        return (self._tree[key], cursor, cursor and self.has_focus, key in self._expanded,
                has_children, self._shapes.get(key), self._content_width)

    def _build_line(self, key: str, cursor: bool) -> Strip:
        node = self._tree[key]
        style = self.rich_style
        if node.stale:
            style += self.get_component_rich_style("live-tree--stale")
        if cursor:
            focus = "live-tree--cursor" if self.has_focus else "live-tree--cursor-blurred"
            style += self.get_component_rich_style(focus)
        space, vertical, terminator, cross = GUIDES[self.ascii_only]
        trail, last = self._shapes.get(key, ((), False))
        guides = "".join(space if was_last else vertical for was_last in trail[1:])
        if trail:
            guides += terminator if last else cross
        line = Text(guides, style=style, end="", no_wrap=True)
        line.stylize(self.get_component_rich_style("live-tree--guides", partial=True))
        if self._children.get(key):
            line.append(ICONS[self.ascii_only][key not in self._expanded])
        line.append_text(resolve_tones(safe_text(self._label(key)), tone_styles(self, "live-tree")))
        width = self._line_width(key)
        if width > self._content_width:  # a label built just now is wider than any before: widen after this frame
            self.call_after_refresh(self._widen, width)
        return Strip(line.render(self.app.console)).adjust_cell_length(max(width, self._content_width), style)

    def _widen(self, width: int) -> None:
        self._set_width(max(self._content_width, width))

    # -- actions ------------------------------------------------------------------------------
    def action_expand(self) -> None:
        """Expand the cursor node; if already expanded, go to its first child."""
        key = self._cursor
        if key is None or not self._children.get(key):
            return
        if key in self._expanded:
            self.move_cursor(self._children[key][0])
        else:
            self.expand_node(key)

    def action_collapse(self) -> None:
        """Collapse the cursor node; if it is collapsed (or a leaf), go to its parent."""
        key = self._cursor
        if key is None:
            return
        if key in self._expanded and self._children.get(key):
            self.collapse_node(key)
        else:
            parent = self._tree[key].parent
            if parent is not None and parent in self._index:
                self.move_cursor(parent)

    def _highlighted(self, key: str) -> None:
        self.post_message(self.NodeHighlighted(self, key))

    def _selected(self, key: str) -> None:
        self.post_message(self.NodeSelected(self, key))


def _ancestry(key: str, nodes: dict[str, Node]) -> list[str]:
    """`key` (if present) then its ancestors, nearest first; safe against parent cycles."""
    chain: list[str] = []
    current: str | None = key
    while current is not None and current in nodes and current not in chain:
        chain.append(current)
        current = nodes[current].parent
    return chain
