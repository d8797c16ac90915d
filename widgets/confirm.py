"""A typed confirmation dialog: it confirms only when the typed text equals the expected string."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from widgets.safe_text import PANE_LIMIT, safe, safe_content, safe_text


class TypedConfirm(ModalScreen[bool]):
    """Dismisses with True only after `expected` was typed exactly and confirmed.

    Enter in the field, or the Confirm button, confirms only on an exact match; Escape or Cancel
    dismiss with False. The field starts focused: nothing can be confirmed without typing.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    DEFAULT_CSS = """
    TypedConfirm {
        align: center middle;
        background: $background 60%;
        & > Vertical {
            width: 72;
            max-width: 100%;
            height: auto;
            border: thick $error;
            background: $surface;
            padding: 1 2;
        }
        & #title { text-style: bold; color: $text-error; margin-bottom: 1; }
        & #body { margin-bottom: 1; }
        & #prompt { color: $text-muted; }
        & Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
        & Button { margin-left: 2; }
    }
    """

    def __init__(self, title: str, body: str | Text, expected: str, *, confirm_label: str = "Confirm",
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.title_text = title
        self.body = body
        self.expected = expected
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe_content(self.title_text), id="title")
            yield Static(safe_text(self.body, multiline=True, limit=PANE_LIMIT), id="body")
            prompt = Text("Type ")
            prompt.append_text(safe_text(self.expected, style="bold"))
            prompt.append(" to confirm:")
            yield Label(prompt, id="prompt")
            yield Input(placeholder=safe(self.expected), id="typed")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button(safe_content(self.confirm_label), id="confirm", variant="error", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#typed", Input).focus()

    @property
    def matches(self) -> bool:
        """True when the typed text equals the expected string exactly."""
        return self.query_one("#typed", Input).value == self.expected

    @on(Input.Changed, "#typed")
    def _typed(self) -> None:
        self.query_one("#confirm", Button).disabled = not self.matches

    @on(Input.Submitted, "#typed")
    def _submitted(self) -> None:
        if self.matches:
            self.dismiss(True)

    @on(Button.Pressed, "#confirm")
    def _confirmed(self) -> None:
        if self.matches:
            self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancelled(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        """Close without confirming."""
        self.dismiss(False)
