"""A keyboard choice list: one option chosen, each with a one-line explanation; disabled options say why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget

from widgets.safe_text import safe


class ChoiceOption(NamedTuple):
    """`value` is what the choice yields; `help` explains it in one line; `disabled` says why it cannot be chosen."""

    value: str
    label: str
    help: str = ""
    disabled: str = ""


class Choice(Widget, can_focus=True):
    """Options one per line, `(•)` marks the chosen one; ↑/↓ (or ←/→) change it and post `Changed`.

    Enter is deliberately not bound: it bubbles to the hosting screen (a wizard accepts the step with it).
    Disabled options are skipped by the keys and shown with their reason.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,right", "move(1)", "Next option", show=False, id="choice.next"),
        Binding("up,left", "move(-1)", "Previous option", show=False, id="choice.previous"),
    ]

    DEFAULT_CSS = """
    Choice { height: auto; width: 1fr; padding: 0 1; }
    Choice:focus { background: $boost; }
    Choice > .choice--chosen { text-style: bold; }
    Choice > .choice--help { color: $text-muted; }
    Choice > .choice--disabled { color: $text-disabled; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"choice--chosen", "choice--help", "choice--disabled"}

    class Changed(Message):
        """The chosen value changed."""

        def __init__(self, choice: Choice, value: str) -> None:
            super().__init__()
            self.choice = choice
            self.value = value

        @property
        def control(self) -> Choice:
            return self.choice

    def __init__(self, options: Sequence[ChoiceOption], value: str = "", *, ascii_only: bool = False,
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.options = list(options)
        self.ascii_only = ascii_only
        enabled = [o.value for o in self.options if not o.disabled]
        self.value = value if value in enabled else (enabled[0] if enabled else "")

    def set_options(self, options: Sequence[ChoiceOption], value: str | None = None) -> None:
        """Replace the options, keeping the chosen value when it is still offered."""
        self.options = list(options)
        enabled = [o.value for o in self.options if not o.disabled]
        want = self.value if value is None else value
        new = want if want in enabled else (enabled[0] if enabled else "")
        changed = new != self.value
        self.value = new
        self.refresh(layout=True)
        if changed:
            self.post_message(self.Changed(self, new))

    def choose(self, value: str) -> None:
        """Choose `value` (ignored when not offered or disabled)."""
        if any(o.value == value and not o.disabled for o in self.options) and value != self.value:
            self.value = value
            self.refresh()
            self.post_message(self.Changed(self, value))

    def action_move(self, step: int) -> None:
        enabled = [o.value for o in self.options if not o.disabled]
        if not enabled:
            return
        at = enabled.index(self.value) if self.value in enabled else -1
        self.choose(enabled[(at + step) % len(enabled)])

    def render(self) -> Text:
        chosen_style = self.get_component_rich_style("choice--chosen", partial=True)
        help_style = self.get_component_rich_style("choice--help", partial=True)
        off_style = self.get_component_rich_style("choice--disabled", partial=True)
        on_mark, off_mark = ("(*)", "( )") if self.ascii_only else ("(•)", "( )")
        out = Text(end="")
        for i, o in enumerate(self.options):
            if i:
                out.append("\n")
            if o.disabled:
                out.append(f"{off_mark} {safe(o.label)} — not available: {safe(o.disabled)}", style=off_style)
                continue
            chosen = o.value == self.value
            out.append(f"{on_mark if chosen else off_mark} ", style=chosen_style if chosen else "")
            out.append(safe(o.label), style=chosen_style if chosen else "")
            if o.help:
                out.append(f" — {safe(o.help)}", style=help_style)
        return out
