"""The `:` command prompt: completion from a caller-supplied callback, history, cancel."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input

Completer = Callable[[str], Sequence[str]]
"""Given the typed text, return full candidate values (best first)."""


class _CallbackSuggester(Suggester):
    """Inline suggestion: the first candidate of the completer that extends the typed text."""

    def __init__(self, complete: Completer) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._complete = complete

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        return next((c for c in self._complete(value) if c.startswith(value) and c != value), None)


class CommandBar(Input):
    """An Input for `:` commands. Tab cycles completions, up/down walk the history."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=False, id="command.cancel"),
        Binding("tab", "complete", "Complete", show=False, id="command.complete"),
        Binding("up", "history(-1)", "Previous", show=False, id="command.history_prev"),
        Binding("down", "history(1)", "Next", show=False, id="command.history_next"),
    ]

    DEFAULT_CSS = """
    CommandBar {
        height: 1;
        border: none;
        padding: 0 1;
        background: $panel;
        &:focus { border: none; background: $panel; }
    }
    """

    class Submitted(Input.Submitted):
        """Enter was pressed: run the command in `value`."""

    class Cancelled(Message):
        """Escape was pressed: the prompt should close."""

        def __init__(self, bar: CommandBar) -> None:
            super().__init__()
            self.bar = bar

        @property
        def control(self) -> CommandBar:
            return self.bar

    def __init__(self, complete: Completer, *, history: Sequence[str] = (), placeholder: str = "",
                 name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(placeholder=placeholder, suggester=_CallbackSuggester(complete),
                         name=name, id=id, classes=classes)
        self._complete = complete
        self.history: list[str] = list(history)
        self._history_at = len(self.history)
        self._cycle: tuple[str, list[str], int] | None = None

    def action_complete(self) -> None:
        """Replace the text with the next completion of what was typed (Tab again cycles)."""
        if self._cycle is not None and self.value == self._cycle[1][self._cycle[2]]:
            typed, candidates, at = self._cycle
            at = (at + 1) % len(candidates)
        else:
            typed, candidates, at = self.value, list(self._complete(self.value)), 0
        if candidates:
            self._cycle = (typed, candidates, at)
            self.value = candidates[at]
            self.cursor_position = len(self.value)

    def action_history(self, step: int) -> None:
        """Recall the previous (-1) or next (+1) submitted command."""
        if not self.history:
            return
        self._history_at = max(0, min(len(self.history), self._history_at + step))
        self.value = self.history[self._history_at] if self._history_at < len(self.history) else ""
        self.cursor_position = len(self.value)

    def action_cancel(self) -> None:
        """Clear the prompt and tell the parent."""
        self.value = ""
        self.post_message(self.Cancelled(self))

    async def action_submit(self) -> None:
        """Remember the command in the history, then submit it."""
        if self.value and (not self.history or self.history[-1] != self.value):
            self.history.append(self.value)
        self._history_at = len(self.history)
        await super().action_submit()
