"""Help: the keys active where `?` was pressed, generated from the bindings (remapped keys included)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static

from widgets.live_table import Column, LiveTable, Row

COLUMNS = [Column("scope", "SCOPE", max_width=10), Column("keys", "KEYS", max_width=24),
           Column("action", "ACTION", max_width=30), Column("id", "BINDING ID", max_width=32)]
COMMANDS = (":vm :vd :vdsnapshot :vmsnapshot :vmop … any kind, short name or plural [namespace|all] · "
            ":tree · :ns [name] · :ctx [name] · :help · :q")


class HelpEntry(NamedTuple):
    """One action: its binding id, every key bound to it, what it does, and whether it is enabled now."""

    id: str
    keys: tuple[str, ...]
    description: str
    enabled: bool = True


class HelpScreen(Screen[None]):
    """A table of the active bindings; Esc or q closes it (app.back)."""

    AUTO_FOCUS = "#help"

    def __init__(self, entries: Sequence[HelpEntry]) -> None:
        super().__init__()
        self.entries = list(entries)

    def compose(self) -> ComposeResult:
        yield Static(Text("Keys here (remap any binding id in keymap.toml)", style="bold"), id="help-title")
        yield LiveTable(COLUMNS, id="help")
        yield Static(Text(COMMANDS), id="help-commands")
        yield Footer()

    def on_mount(self) -> None:
        rows = []
        for e in self.entries:
            own = not e.id.startswith("~")
            scope = e.id.partition(".")[0] if own else "textual"
            action = e.description if e.enabled else f"{e.description} (not available here)"
            rows.append(Row(e.id, (scope, " ".join(e.keys), action, e.id if own else "")))
        self.query_one(LiveTable).update(rows)
