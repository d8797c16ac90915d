"""Typed confirmation, filter bar and command bar."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.message import Message
from textual.widgets import Button, Input, Label

from widgets.command_bar import CommandBar
from widgets.confirm import TypedConfirm
from widgets.filter_bar import FilterBar

COMMANDS = ["vm", "vd", "vdsnapshot", "vmsnapshot", "vmop", "quit"]


def complete(typed: str) -> list[str]:
    return [command for command in COMMANDS if command.startswith(typed)]


class ConfirmApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.results: list[bool | None] = []

    def compose(self) -> ComposeResult:
        yield Label("base")

    def ask(self) -> None:
        self.push_screen(TypedConfirm("Restore in place", "Overwrites [b]disks[/b]\x1b[2J", "vm-01"),
                         self.results.append)


async def test_typed_confirm_needs_the_exact_name() -> None:
    app = ConfirmApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.ask()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TypedConfirm)
        assert screen.query_one("#confirm", Button).disabled
        await pilot.press("v", "m", "-", "0", "enter")
        await pilot.pause()
        assert app.results == [] and app.screen is screen
        await pilot.press("2")
        await pilot.pause()
        assert screen.query_one("#confirm", Button).disabled
        await pilot.press("backspace", "1")
        await pilot.pause()
        assert not screen.query_one("#confirm", Button).disabled
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [True]


async def test_typed_confirm_escape_cancels_and_body_is_literal() -> None:
    app = ConfirmApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.ask()
        await pilot.pause()
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "[b]disks[/b]" in svg.replace("&#160;", " ")
        await pilot.press("v", "m", "-", "0", "1", "escape")
        await pilot.pause()
        assert app.results == [False]


class BarApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield FilterBar(id="filter")
        yield CommandBar(complete, history=["vm"], id="command")

    def on_filter_bar_changed(self, message: FilterBar.Changed) -> None:
        self.messages.append(message)

    def on_filter_bar_submitted(self, message: FilterBar.Submitted) -> None:
        self.messages.append(message)

    def on_filter_bar_cancelled(self, message: FilterBar.Cancelled) -> None:
        self.messages.append(message)

    def on_command_bar_submitted(self, message: CommandBar.Submitted) -> None:
        self.messages.append(message)

    def on_command_bar_cancelled(self, message: CommandBar.Cancelled) -> None:
        self.messages.append(message)


async def test_filter_bar_posts_changed_submitted_cancelled() -> None:
    app = BarApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one("#filter").focus()
        await pilot.press("r", "u", "n", "enter")
        await pilot.pause()
        kinds = [type(m).__name__ for m in app.messages]
        assert kinds == ["Changed", "Changed", "Changed", "Submitted"]
        submitted = app.messages[-1]
        assert isinstance(submitted, FilterBar.Submitted) and submitted.value == "run"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.messages[-1], FilterBar.Cancelled)
        assert app.query_one("#filter", Input).value == ""


async def test_command_bar_completes_cycles_and_remembers() -> None:
    app = BarApp()
    async with app.run_test(size=(80, 24)) as pilot:
        bar = app.query_one("#command", CommandBar)
        bar.focus()
        await pilot.press("v", "m", "tab")
        assert bar.value == "vm"
        await pilot.press("tab")
        assert bar.value == "vmsnapshot"
        await pilot.press("tab")
        assert bar.value == "vmop"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.messages[-1], CommandBar.Submitted)
        assert app.messages[-1].value == "vmop"
        assert bar.history == ["vm", "vmop"]
        bar.value = ""
        await pilot.press("up")
        assert bar.value == "vmop"
        await pilot.press("up")
        assert bar.value == "vm"
        await pilot.press("down", "down")
        assert bar.value == ""
        await pilot.press("v", "d", "s")
        await pilot.pause()
        await pilot.press("right")
        assert bar.value == "vdsnapshot"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.messages[-1], CommandBar.Cancelled) and bar.value == ""
