"""Markup and terminal-escape injection through names, labels, annotations, condition messages and events."""

from __future__ import annotations

from typing import Any

from tests.app.helpers import make_app, ready, screen_text, until
from tests.app.objects import cond, event, vdsnapshot, vm
from tui.screens.detail import DetailScreen
from tui.screens.text_pane import TextPane
from widgets.live_table import LiveTable
from widgets.live_tree import LiveTree

PAYLOAD = ("A[/]B[link=http://e]y[/link]C\x1b[2JD\x1b]0;T\x07E\x1b]52;c;ZXZpbA==\x07F\x9b31mG\u202eH"
           "[bold]x[/]\x1b]0;T\x1b\\")
RAW = ("\x1b", "\x9b", "\u202e", "\x07")
LITERAL = ("[/]", "[link=http://e]y[/link]", "␛[2J", "␛]52;c;ZXZpbA==", "\\x9b31m", "\\u202e", "[bold]x[/]")


def assert_inert(app: Any) -> str:
    """Nothing raw reaches the screen, and no span became a hyperlink; returns the screen text."""
    strips = app.screen._compositor.render_strips()
    for strip in strips:
        for segment in strip:
            assert not any(ch in segment.text for ch in RAW), repr(segment.text)
            assert segment.style is None or not segment.style.link, segment
    return screen_text(app)


async def test_foreign_strings_are_shown_literally_and_never_interpreted(sim: Any) -> None:
    sim.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "lab"}})
    bad = vm("evil" + PAYLOAD.replace("/", "|"), labels={"note": PAYLOAD}, agent=None)
    bad["status"]["conditions"].append(cond("AgentReady", "False", "AgentNotReady", PAYLOAD))
    bad["status"]["phase"] = "Pending"
    bad["metadata"]["annotations"] = {"note": PAYLOAD}
    target = sim.apply(bad)
    snap = sim.apply(vdsnapshot("snap", "missing-disk", phase="InProgress", message=PAYLOAD,
                                annotations={"note": PAYLOAD}))
    sim.apply(event("evil.1", target, "Reason" + PAYLOAD, PAYLOAD, "Warning"))
    app = make_app(sim, ascii_only=False)
    async with app.run_test(size=(250, 50)) as pilot:
        await ready(pilot)
        tree = app.screen.query_one(LiveTree)
        await until(pilot, lambda: tree.node(target["metadata"]["uid"]) is not None)
        await until(pilot, lambda: "InProgress" in screen_text(app))
        text = assert_inert(app)
        assert "[link=http:||e]y[|link]" in text and "␛[2J" in text  # the VM name, shown literally
        assert "A[/]B[link=http://e]y[/link]C␛[2J" in text  # the snapshot's condition message
        tree.move_cursor(target["metadata"]["uid"])
        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen) and "Warning" in screen_text(app))
        text = assert_inert(app)
        for literal in LITERAL:
            assert literal in text, literal
        await pilot.press("escape", "colon", *"vdsnapshot", "enter")
        table = app.screen.query_one(LiveTable)
        await until(pilot, lambda: table.row(snap["metadata"]["uid"]) is not None)
        assert_inert(app)
        table.move_cursor(snap["metadata"]["uid"])
        await pilot.press("y")
        pane = app.screen.query_one(TextPane)
        await until(pilot, lambda: "note:" in pane.text, what="YAML with the annotation")
        text = assert_inert(app)
        assert "\\e]0;T" in pane.text and "\\u202e" in pane.text  # YAML's own escapes: inert text
        await pilot.press("slash", *"[/]", "enter")  # searching for markup is plain text too
        assert pane.matches
        assert_inert(app)
        assert app.is_running
