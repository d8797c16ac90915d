"""Base of the live screens: header, body, a status line, the `:` and `/` prompts, the footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer

from tui.kube.store import DENIED, NOT_SERVED, RECONNECTING, STALE, SYNCING, Snapshot
from tui.live import Changes, Live
from tui.screens import filtering
from tui.screens.header import LiveHeader, clock_time, short_reason
from widgets.badge import TONES, Tone, badge_text, resolve_tones, tone_class, tone_css, tone_styles
from widgets.command_bar import CommandBar
from widgets.filter_bar import FilterBar
from widgets.safe_text import safe_text

if TYPE_CHECKING:
    from tui.screens.nav import Nav

FILTER_HINT = "filter: text or regex · ! inverse · -l label=value · -f fuzzy"


class StatusLine(Widget):
    """One line under the body: counts, filter, stale or error notices (glyph + words + tone)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {tone_class("status-line", t) for t in TONES}
    DEFAULT_CSS = """
    StatusLine {
        height: 1; padding: 0 1; background: $surface; color: $foreground;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    """ + tone_css("StatusLine", "status-line")

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = Text()

    def show(self, text: Text | str) -> None:
        line = text if isinstance(text, Text) else Text(text)
        if line != self.text:
            self.text = line
            self.refresh()

    def render(self) -> Text:
        line = safe_text(self.text)
        line.no_wrap, line.overflow = True, "ellipsis"
        return resolve_tones(line, tone_styles(self, "status-line"))


class LiveScreen(Screen[None]):
    """A screen fed by Live: `update_body` gets every flush while the screen is active."""

    BINDINGS: ClassVar[list[BindingType]] = []
    FILTERABLE: ClassVar[bool] = True

    def __init__(self, live: Live, nav: Nav) -> None:
        super().__init__()
        self.live, self.nav = live, nav
        self.filter: filtering.Filter | None = None
        self.ascii_only = live.options.ascii_only

    # ---- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield LiveHeader(self.live, ascii_only=self.ascii_only, id="header")
        yield from self.compose_body()
        yield StatusLine(id="status")
        yield CommandBar(self.nav.complete, history=self.nav.command_history, placeholder=":command",
                         id="command")
        yield FilterBar(placeholder=FILTER_HINT, id="filter")
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def body(self) -> Widget | None:
        """The widget that gets focus back when a prompt closes."""
        return None

    # ---- live updates ------------------------------------------------------------------------
    def live_update(self, snapshot: Snapshot, changes: Changes | None) -> None:
        if not self.is_mounted:
            return
        self.query_one(LiveHeader).sync()
        self.update_body(snapshot, changes)

    def update_body(self, snapshot: Snapshot, changes: Changes | None) -> None:
        """Show `changes` (None: rebuild everything from `snapshot`)."""

    def on_mount(self) -> None:
        self.query_one("#command").display = False
        self.query_one("#filter").display = False

    def on_screen_resume(self) -> None:
        self.query_one(LiveHeader).display = self.nav.header_visible
        self.live_update(self.live.snapshot, None)

    def set_status(self, text: Text | str) -> None:
        self.query_one(StatusLine).show(text)

    def badge(self, tone: Tone, word: str) -> Text:
        return badge_text(tone, word, ascii_only=self.ascii_only)

    def link_status(self, kind_id: str, title: str) -> Text | None:
        """A status line for a kind that is not simply live, or None."""
        link = self.live.link(kind_id)
        if self.live.identity.error:
            return self.badge("error", self.live.identity.error)
        if link is None:
            return self.badge("progress", "connecting…" if self.live.identity.connecting else f"waiting for {title}")
        since = clock_time(link.since)
        why = f": {short_reason(link.reason)}" if link.reason else ""
        if link.state in (STALE, RECONNECTING):
            return self.badge("warning", f"showing the last known data — {link.state} since {since}{why}")
        if link.state == NOT_SERVED:
            return self.badge("muted", f"{title} not served by this cluster{why}")
        if link.state == DENIED:
            return self.badge("error", f"no access to {title}{why}")
        if link.state == SYNCING:
            return self.badge("progress", f"loading {title}… {link.loaded or ''}".rstrip())
        return None

    # ---- prompts -----------------------------------------------------------------------------
    def open_command(self) -> None:
        bar = self.query_one("#command", CommandBar)
        self.query_one("#filter").display = False
        bar.value = ""
        bar.display = True
        self.set_focus(bar)  # now, not later: keys typed right after `:` must land in the prompt

    def open_filter(self) -> None:
        if not self.FILTERABLE:
            return
        bar = self.query_one("#filter", FilterBar)
        self.query_one("#command").display = False
        bar.value = self.prompt_value()
        bar.display = True
        self.set_focus(bar)

    def prompt_value(self) -> str:
        """What the `/` prompt starts with."""
        return self.filter.text if self.filter else ""

    def _close_prompts(self) -> None:
        self.query_one("#command").display = False
        self.query_one("#filter").display = False
        body = self.body()
        if body is not None:
            self.set_focus(body)

    @on(CommandBar.Submitted, "#command")
    def _command(self, event: CommandBar.Submitted) -> None:
        event.stop()
        self._close_prompts()
        self.nav.run(event.value)

    @on(CommandBar.Cancelled, "#command")
    def _command_cancelled(self, event: CommandBar.Cancelled) -> None:
        event.stop()
        self._close_prompts()

    @on(FilterBar.Changed, "#filter")
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        event.stop()
        self.set_filter(event.value)

    @on(FilterBar.Submitted, "#filter")
    def _filter_submitted(self, event: FilterBar.Submitted) -> None:
        event.stop()
        self._close_prompts()

    @on(FilterBar.Cancelled, "#filter")
    def _filter_cancelled(self, event: FilterBar.Cancelled) -> None:
        event.stop()
        self.set_filter("")
        self._close_prompts()

    def set_filter(self, text: str) -> None:
        try:
            self.filter = filtering.parse(text)
        except ValueError as e:
            self.set_status(self.badge("error", f"filter: {e}"))
            return
        self.live_update(self.live.snapshot, None)

    def back(self) -> bool:
        """Escape on this screen: clear the filter first (True when something was undone)."""
        if self.filter is not None:
            self.set_filter("")
            return True
        return False
