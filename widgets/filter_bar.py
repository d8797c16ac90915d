"""A one-line filter prompt: posts Changed while typing, Submitted on Enter, Cancelled on Escape."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class FilterBar(Input):
    """An Input for the `/` filter. Escape clears it and posts `Cancelled`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", show=False, id="filter.cancel"),
    ]

    DEFAULT_CSS = """
    FilterBar {
        height: 1;
        border: none;
        padding: 0 1;
        background: $panel;
        &:focus { border: none; background: $panel; }
    }
    """

    class Changed(Input.Changed):
        """The filter text changed (every keystroke)."""

    class Submitted(Input.Submitted):
        """Enter was pressed: apply the filter."""

    class Cancelled(Message):
        """Escape was pressed: the filter was cleared."""

        def __init__(self, bar: FilterBar) -> None:
            super().__init__()
            self.bar = bar

        @property
        def control(self) -> FilterBar:
            return self.bar

    def action_cancel(self) -> None:
        """Clear the filter and tell the parent."""
        self.value = ""
        self.post_message(self.Cancelled(self))
