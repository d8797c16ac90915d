"""The header: context, cluster, user, namespaces, DVP generation and the link state of every watched kind."""

from __future__ import annotations

import re
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

from tui.kube.store import DENIED, LIVE, NOT_SERVED, RECONNECTING, STALE, STOPPED, SYNCING, LinkState
from tui.live import Live
from widgets.badge import TONES, Tone, badge_text, resolve_tones, tone_class, tone_css, tone_styles
from widgets.safe_text import safe

_ORDER = (STALE, RECONNECTING, DENIED, SYNCING, LIVE, NOT_SERVED, STOPPED)
_TONE: dict[str, Tone] = {STALE: "warning", RECONNECTING: "progress", DENIED: "error", SYNCING: "progress",
                          LIVE: "ok", NOT_SERVED: "muted", STOPPED: "muted"}


def clock_time(since: float) -> str:
    """A wall-clock instant as local HH:MM:SS."""
    return datetime.fromtimestamp(since).strftime("%H:%M:%S")


def short_reason(reason: str) -> str:
    """A transport error as a person reads it: "connection refused" rather than a urllib3 repr."""
    errno = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", reason)
    if errno:
        return errno.group(1).strip().lower()
    return re.sub(r"<[^>]*>:?\s*", "", reason).strip()[:160]


def scope_text(scope: tuple[str, ...] | None) -> str:
    return "all" if scope is None else ",".join(scope) or "all"


def describe(state: str, links: list[tuple[str, LinkState]]) -> str:
    """One group of kinds sharing a state, e.g. `stale since 14:02:11: connection refused: vm vd`."""
    kinds = " ".join(k for k, _ in links)
    first = min((link for _, link in links), key=lambda link: link.since)
    reason = f": {short_reason(first.reason)}" if first.reason else ""
    if state == LIVE:
        return f"live: {len(links)} kind{'s' if len(links) != 1 else ''}"
    if state in (STALE, RECONNECTING):
        return f"{state} since {clock_time(first.since)}{reason} [{kinds}]"
    if state == SYNCING:
        loaded = sum(link.loaded for _, link in links)
        return f"syncing {kinds}" + (f" ({loaded} loaded)" if loaded else "")
    if state == DENIED:
        return f"denied [{kinds}]{reason}"
    return f"{state}: {kinds}"


class LiveHeader(Widget):
    """Two lines: where we are, and how fresh the data is (never by colour alone)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {tone_class("live-header", t) for t in TONES}
    DEFAULT_CSS = """
    LiveHeader {
        height: 2; background: $panel; color: $foreground; padding: 0 1;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    LiveHeader.-readonly { border-left: outer $warning; padding-left: 0; }
    """ + tone_css("LiveHeader", "live-header")

    def __init__(self, live: Live, *, ascii_only: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.live = live
        self.ascii_only = ascii_only
        self._shown = Text()

    def where(self) -> Text:
        live, ident = self.live, self.live.identity
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        readonly = live.readonly_reason
        if readonly:  # first, so that it survives any terminal width
            text.append(" READ-ONLY ", style="bold reverse")
            text.append(f" {safe(readonly)}  ", style="bold")
        text.append("ctx ", style="dim")
        text.append(safe(ident.context) or "(current)", style="bold")
        if ident.error:
            text.append("  ")
            text.append_text(badge_text("error", ident.error, ascii_only=self.ascii_only))
            return text
        text.append("  ns ", style="dim")
        text.append(safe(scope_text(live.scope)), style="bold")
        text.append("  DVP ", style="dim")
        text.append(live.caps.generation if live.detected and not ident.connecting else "…", style="bold")
        for label, value in (("cluster", ident.cluster), ("user", ident.user)):
            text.append(f"  {label} ", style="dim")
            text.append(safe(value) or "?")
        return text

    def links(self) -> Text:
        live = self.live
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        if live.identity.connecting:
            text.append_text(badge_text("progress", "connecting…", ascii_only=self.ascii_only))
            return text
        if live.caps.problem and not live.caps.dvp:
            text.append_text(badge_text("error", live.caps.problem, ascii_only=self.ascii_only))
            text.append("  ")
        groups: dict[str, list[tuple[str, LinkState]]] = {}
        for kind_id in sorted({k for k, _ in live.snapshot.links}):
            link = live.link(kind_id)
            if link is not None:
                groups.setdefault(link.state, []).append((kind_id, link))
        parts = [(state, groups[state]) for state in _ORDER if state in groups]
        for index, (state, links) in enumerate(parts):
            if index:
                text.append("  ")
            text.append_text(badge_text(_TONE.get(state, "unknown"), describe(state, links),
                                        ascii_only=self.ascii_only))
        return text

    def sync(self) -> None:
        """Repaint when the words changed (every flush calls this: an unchanged header sends no bytes); a
        read-only context also gets the banner's edge (the words say it too)."""
        self.set_class(self.live.readonly, "-readonly")
        text = self.compose_text()
        if text != self._shown:
            self._shown = text
            self.refresh()

    def compose_text(self) -> Text:
        text = self.where()
        text.append("\n")
        text.append_text(self.links())
        return text

    def render(self) -> Text:
        self._shown = self.compose_text()
        return resolve_tones(self._shown.copy(), tone_styles(self, "live-header"))
