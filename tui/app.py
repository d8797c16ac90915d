"""DvpApp: theme, keymap, global keys; starts Live and shows the lineage tree first."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.widgets import Input

from tui.live import Live, Options
from tui.prefs import Prefs
from tui.screens.base import LiveScreen
from tui.screens.header import LiveHeader
from tui.screens.nav import Nav
from tui.screens.too_small import TooSmallScreen, too_small


class DvpApp(App[None]):
    """The live UI. Everything it needs comes in through `options` (and `live`, for tests)."""

    CSS_PATH = "app.tcss"
    TITLE = "dvpsnap"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("colon", "command", "Command", priority=True, id="app.command"),
        Binding("slash", "filter", "Filter", priority=True, id="app.filter"),
        Binding("escape,q", "go_back", "Back", id="app.back"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
        Binding("left_square_bracket", "history(-1)", "History back", show=False, id="app.history_back"),
        Binding("right_square_bracket", "history(1)", "History forward", show=False, id="app.history_forward"),
        Binding("minus", "last_view", "Last view", show=False, id="app.last_view"),
        Binding("ctrl+r", "relist", "Refresh", show=False, id="app.refresh"),
        Binding("ctrl+l", "redraw", "Redraw", show=False, id="app.redraw"),
        Binding("ctrl+e", "toggle_header", "Header", show=False, id="app.toggle_header"),
        Binding("ctrl+p", "command_palette", "Palette", show=False, id="app.palette"),
        Binding("T", "tree", "Tree", show=False, id="dvp.tree"),
        Binding("p", "operations", "Operations", id="app.operations"),
    ]

    def __init__(self, options: Options, live: Live | None = None) -> None:
        super().__init__()
        self.options = options
        self.live = live or Live(options)
        self.nav = Nav(self, self.live)
        self.prefs = Prefs(self, self.live, self.nav)
        """Theme, keymap, per-context rules from the config files; live reload when they change."""
        self.set_keymap(self.prefs.keys.keymap)

    def on_mount(self) -> None:
        self.prefs.start()
        self.live.attach(self)
        self.nav.show(("tree",))
        self._fit(self.size.width, self.size.height)

    def on_unmount(self) -> None:
        if self.options.on_exit is not None:
            self.options.on_exit()
        self.prefs.stop()
        self.live.stop()

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size.width, event.size.height)

    def _fit(self, width: int, height: int) -> None:
        """Cover a too-small terminal with the notice; take it away once it fits."""
        top = self.screen_stack[-1] if self.screen_stack else None
        if too_small(width, height):
            if isinstance(top, TooSmallScreen):
                top.resized(width, height)
            else:
                self.push_screen(TooSmallScreen(width, height))
        elif isinstance(top, TooSmallScreen):
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`:` and `/` are priority keys (so what is typed right after them lands in the prompt), except
        inside a prompt, where they are just characters."""
        return not (action in ("command", "filter") and isinstance(self.focused, Input))

    # ---- actions -----------------------------------------------------------------------------
    def action_help(self) -> None:
        self.nav.help()

    def action_command(self) -> None:
        if isinstance(self.screen, LiveScreen):
            self.screen.open_command()

    def action_filter(self) -> None:
        if isinstance(self.screen, LiveScreen):
            self.screen.open_filter()

    def action_go_back(self) -> None:
        self.nav.back()

    def action_history(self, step: int) -> None:
        self.nav.history_back() if step < 0 else self.nav.history_forward()

    def action_last_view(self) -> None:
        self.nav.last_view()

    def action_tree(self) -> None:
        self.nav.show(("tree",))

    def action_operations(self) -> None:
        self.nav.open_operations()

    def action_relist(self) -> None:
        refresh = getattr(self.screen, "refresh_data", None)
        if callable(refresh):
            refresh()
        else:
            self.live.connect(self.live.identity.context or self.options.context, keep_cache=True)

    def action_redraw(self) -> None:
        self.screen.refresh(repaint=True, layout=True)
        self.refresh(repaint=True, layout=True)

    def action_toggle_header(self) -> None:
        self.nav.header_visible = not self.nav.header_visible
        for header in self.screen.query(LiveHeader):
            header.display = self.nav.header_visible
