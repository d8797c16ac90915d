"""Shown instead of a broken layout when the terminal is smaller than 80×24; gone again on resize."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Middle
from textual.screen import ModalScreen
from textual.widgets import Static

MIN_WIDTH, MIN_HEIGHT = 80, 24


def too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


class TooSmallScreen(ModalScreen[None]):
    """Blocks every key but quit until the terminal is large enough."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "app.quit", "Quit", id="app.quit"),
    ]

    def __init__(self, width: int, height: int) -> None:
        super().__init__()
        self.width, self.height = width, height

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Static(self.message(), id="too-small")

    def message(self) -> str:
        return (f"terminal too small ({self.width}×{self.height}), need {MIN_WIDTH}×{MIN_HEIGHT}\n"
                "resize the window, or ctrl+q to quit")

    def resized(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.query_one("#too-small", Static).update(self.message())
