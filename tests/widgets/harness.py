"""A tiny app hosting one widget and recording the messages it posts."""

from __future__ import annotations

from typing import TypeVar

from textual.app import App, ComposeResult
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from widgets.live_table import LiveTable
from widgets.live_tree import LiveTree

M = TypeVar("M", bound=Message)


class Harness(App[None]):
    """Hosts `widget` (focused) and keeps every table/tree message in `messages`."""

    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_mount(self) -> None:
        self.widget.focus()

    def on_live_table_row_highlighted(self, message: LiveTable.RowHighlighted) -> None:
        self.messages.append(message)

    def on_live_table_row_selected(self, message: LiveTable.RowSelected) -> None:
        self.messages.append(message)

    def on_live_table_marks_changed(self, message: LiveTable.MarksChanged) -> None:
        self.messages.append(message)

    def on_live_tree_node_highlighted(self, message: LiveTree.NodeHighlighted) -> None:
        self.messages.append(message)

    def on_live_tree_node_selected(self, message: LiveTree.NodeSelected) -> None:
        self.messages.append(message)

    def on_live_tree_node_toggled(self, message: LiveTree.NodeToggled) -> None:
        self.messages.append(message)

    def of_type(self, kind: type[M]) -> list[M]:
        return [message for message in self.messages if type(message) is kind and isinstance(message, kind)]


def screen_lines(widget: Widget) -> list[str]:
    """The text of every line the widget would paint now."""
    return [widget.render_line(y).text for y in range(widget.size.height)]


def terminal_bytes(strip: Strip, app: App[None]) -> str:
    """What the terminal would receive for one line."""
    return strip.render(app.console)
