"""Where keys and commands lead: top-level views with history, detail/YAML pushed on top, pickers, help."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from tui.kube import kinds
from tui.live import Live
from tui.screens import commands
from tui.screens.base import LiveScreen
from tui.screens.browser import BrowserScreen
from tui.screens.detail import DetailScreen
from tui.screens.help import HelpEntry, HelpScreen
from tui.screens.hygiene import HygieneScreen
from tui.screens.operations import OperationsScreen
from tui.screens.pickers import ContextPicker, NamespacePicker
from tui.screens.tree import TreeScreen
from tui.screens.writeflow import Writes
from tui.screens.yaml import YamlScreen
from widgets.safe_text import safe

Spec = tuple[str, ...]
"""A top-level view: ("tree",) or ("list", kind id)."""
BASE = 2
"""Screens at the bottom of the stack: Textual's default screen and the current top-level view."""


class Nav:
    """Opens screens for the app; screens get it through their constructor (attributes go down)."""

    def __init__(self, app: App[Any], live: Live) -> None:
        self.app, self.live = app, live
        self.history: list[Spec] = []
        self.position = -1
        self.previous: Spec | None = None
        self.header_visible = True
        self.command_history: list[str] = []
        self.writes = Writes(live, lambda text, severity: app.notify(text, severity=severity, markup=False),
                             refresh=app.refresh_bindings, to_ui=app.call_from_thread)
        """The single write path of the UI (Writer, permissions, operations tracker): wizards and deletes."""

    # ---- top-level views -------------------------------------------------------------------------
    def make(self, spec: Spec) -> Screen[Any]:
        if spec[0] == "list":
            return BrowserScreen(self.live, self, kinds.BY_ID[spec[1]])
        return TreeScreen(self.live, self)

    def show(self, spec: Spec, *, record: bool = True) -> None:
        """Replace the top-level view (closing detail/YAML views above it) and remember it."""
        stack = self.app.screen_stack
        while len(stack) > BASE:
            self.app.pop_screen()
            stack = self.app.screen_stack
        current = stack[-1] if len(stack) == BASE else None
        shown = getattr(current, "spec", None)
        if shown == spec:
            pass
        elif current is None:
            self.app.push_screen(self.make(spec))
        else:
            self.app.switch_screen(self.make(spec))
        if shown is not None and shown != spec:
            self.previous = shown
        if record:
            del self.history[self.position + 1 :]
            if not self.history or self.history[-1] != spec:
                self.history.append(spec)
            self.position = len(self.history) - 1

    def history_back(self) -> None:
        if self.position > 0:
            self.position -= 1
            self.show(self.history[self.position], record=False)

    def history_forward(self) -> None:
        if self.position + 1 < len(self.history):
            self.position += 1
            self.show(self.history[self.position], record=False)

    def last_view(self) -> None:
        """Toggle to the view shown before this one (like `cd -`)."""
        if self.previous is not None:
            self.show(self.previous)

    def back(self) -> None:
        """Escape: undo the screen's own state first (a filter), else close the view on top."""
        screen = self.app.screen
        if isinstance(screen, LiveScreen) and screen.back():
            return
        if len(self.app.screen_stack) > BASE:
            self.app.pop_screen()

    # ---- views pushed on top ---------------------------------------------------------------------
    def open_detail(self, kind_id: str, uid: str) -> None:
        self.app.push_screen(DetailScreen(self.live, self, kinds.BY_ID[kind_id], uid))

    def open_yaml(self, kind_id: str, uid: str) -> None:
        self.app.push_screen(YamlScreen(self.live, self, kinds.BY_ID[kind_id], uid))

    def open_operations(self) -> None:
        """The operations pane (what was created from here, followed until it ends)."""
        if not isinstance(self.app.screen, OperationsScreen):
            self.app.push_screen(OperationsScreen(self.live, self))

    def open_hygiene(self) -> None:
        if not isinstance(self.app.screen, HygieneScreen):
            self.app.push_screen(HygieneScreen(self.live, self, stuck_after=self.live.settings.stuck_after_seconds))

    def open_namespaces(self) -> None:
        self.app.push_screen(NamespacePicker(self.live, self))

    def open_contexts(self) -> None:
        self.app.push_screen(ContextPicker(self.live, self))

    def help(self) -> None:
        """The keys active on the current screen, grouped by owner (generated, never hand-written)."""
        if isinstance(self.app.screen, HelpScreen):
            return
        entries: dict[str, HelpEntry] = {}
        for key, active in self.app.screen.active_bindings.items():
            binding = active.binding
            if not binding.description and binding.id is None:
                continue
            ident = binding.id or f"~{binding.action}"  # Textual's own keys, listed last
            shown = self.app.get_key_display(Binding(key, binding.action))
            entry = entries.get(ident)
            keys = (*entry.keys, shown) if entry is not None else (shown,)
            entries[ident] = HelpEntry(ident, keys, binding.description or binding.action, active.enabled)
        self.app.push_screen(HelpScreen(sorted(entries.values(), key=lambda e: e.id)))

    # ---- namespaces, contexts, commands ----------------------------------------------------------
    def set_namespace(self, name: str | None) -> None:
        self.live.set_scope(None if name is None or name in commands.ALL else (name,))

    def switch_context(self, name: str) -> None:
        self.live.use_context(name)
        self.show(("tree",))

    def namespaces(self) -> list[str]:
        view = self.live.view
        names = {o.metadata.name for o in self.live.snapshot.of("ns").values()}
        return sorted(names | set(self.live.scope or ()) | set(_namespaces(view.objects)))

    def complete(self, text: str) -> list[str]:
        try:
            contexts = [c.name for c in self.live.contexts()[0]] if text.lower().startswith(commands.CTX) else []
        except Exception:  # an unreadable kubeconfig only means no completion
            contexts = []
        return commands.complete(text, self.live.caps, self.namespaces(), contexts)

    def run(self, text: str) -> None:
        """Run a `:` command; mistakes become a notification, never an exception."""
        if text.strip():
            self.command_history.append(text.strip())
        try:
            cmd = commands.parse(text, self.live.caps)
        except commands.CommandError as e:
            self.app.notify(str(e), severity="error", markup=False)
            return
        if cmd.verb == "quit":
            self.app.exit()
        elif cmd.verb == "help":
            self.help()
        elif cmd.verb == "ops":
            self.open_operations()
        elif cmd.verb == "hygiene":
            if cmd.arg:
                self.set_namespace(cmd.arg)
            self.open_hygiene()
        elif cmd.verb == "ns":
            self.set_namespace(cmd.arg) if cmd.arg else self.open_namespaces()
        elif cmd.verb == "ctx":
            self.switch_context(cmd.arg) if cmd.arg else self.open_contexts()
        else:
            if cmd.arg:
                self.set_namespace(cmd.arg)
            self.show(("list", cmd.kind.id) if cmd.kind is not None else ("tree",))
            if cmd.note:
                self.app.notify(cmd.note, markup=False)

    def copy(self, text: str, what: str | None = None) -> None:
        """Copy to the terminal's clipboard (OSC 52, works over SSH)."""
        self.app.copy_to_clipboard(text)
        self.app.notify(f"copied {safe(what or text)}", markup=False)


def _namespaces(objects: Any) -> set[str]:
    return {o.metadata.namespace for items in objects.values() for o in items.values() if o.metadata.namespace}
