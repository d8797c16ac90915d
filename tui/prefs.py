"""The operator's settings in the running app: theme, keymap, per-context rules; re-applied when files change."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.notifications import SeverityLevel
from textual.theme import Theme

from tui import config, keymap
from tui.config import Problem, Settings, line_of, source_text
from tui.kube.client import fingerprint, kubeconfig_paths, list_contexts
from tui.live import Live
from tui.reload import CONFIG, KEYMAP, KUBECONFIG, THEMES, FileWatcher
from tui.screens.hygiene import HygieneScreen
from tui.screens.pickers import ContextPicker
from tui.themes import DEFAULT, MONO, OWN, known_names, load_user

if TYPE_CHECKING:
    from tui.screens.nav import Nav

Files = tuple[list[Theme] | None, list[Problem], Settings | None, list[Problem], keymap.Keys]
"""What the watcher thread read: user themes (None: unchanged), their problems, settings (None: unchanged),
their problems, the keymap resolved from them."""


class Prefs:
    """Applies the settings, the keymap and the themes to the app; with `options.watch`, follows the files:
    a file with problems keeps the last good settings in effect and says why (file:line)."""

    def __init__(self, app: App[Any], live: Live, nav: Nav) -> None:
        self.app, self.live, self.nav = app, live, nav
        self.config_file = config.config_path()
        self.keymap_file = keymap.user_file()
        self.keys = keymap.resolve(live.settings, self.keymap_file)
        self.user_themes: list[Theme] = []
        self.watcher: FileWatcher | None = None
        self.reloads = 0
        """How many file changes were applied (or refused): tests wait on it."""
        self._keymap_text = source_text(str(self.keymap_file))
        """keymap.toml as last read: a file that is gone (mid-save, or deleted) keeps its keys until restart."""
        self._loop: asyncio.AbstractEventLoop | None = None

    # ---- start and stop (UI loop) ------------------------------------------------------------------
    def start(self) -> None:
        """On mount: register the themes, apply the theme, show what is wrong, start watching."""
        self._loop = asyncio.get_running_loop()
        for theme in OWN:
            self.app.register_theme(theme)
        self.user_themes, theme_problems = load_user()
        for theme in self.user_themes:
            self.app.register_theme(theme)
        problems = [*self.live.options.problems, *theme_problems, *self.keys.problems,
                    *self._apply_theme(self.live.settings)]
        self.show(problems, "config problems (defaults used for these)")
        self.show(self.keys.conflict_problems(), "key conflicts (see dvpsnap keys)", "warning")
        if self.live.options.watch:
            self.watcher = FileWatcher(self.config_file, kubeconfig_paths(self.live.options.kubeconfig),
                                       self._changed)
            self.watcher.start()

    def stop(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()

    def show(self, problems: Sequence[Problem], title: str, severity: SeverityLevel = "error") -> None:
        if problems:
            lines = [str(p) for p in problems[:8]]
            if len(problems) > 8:
                lines.append(f"… and {len(problems) - 8} more: dvpsnap config check")
            self.app.notify("\n".join(lines), title=title, severity=severity, timeout=15, markup=False)

    def _apply_theme(self, settings: Settings, *, redraw: bool = False) -> list[Problem]:
        name = settings.theme
        if self.app.no_color and name == DEFAULT.name:  # NO_COLOR greys the default; a chosen theme stays
            name = MONO.name
        if name not in self.app.available_themes:
            known = ", ".join(known_names(self.user_themes))
            line = line_of(source_text(settings.source), "theme")
            if self.app.theme not in self.app.available_themes or self.app.theme == "textual-dark":
                self.app.theme = DEFAULT.name
            return [Problem(settings.source or "config.toml", line, f'unknown theme "{name}"; known: {known}')]
        if self.app.theme != name:
            self.app.theme = name
        elif redraw:  # the same name, a new definition (its file changed)
            self.app.refresh_css(animate=False)
        return []

    # ---- the watcher thread --------------------------------------------------------------------------
    def _post(self, fn: Callable[..., None], *args: Any) -> None:
        if self._loop is not None:
            try:
                self._loop.call_soon_threadsafe(fn, *args)
            except RuntimeError:  # the app is exiting
                pass

    def _changed(self, kinds: set[str]) -> None:
        """Watcher thread: read and check the files here, apply on the UI loop."""
        if kinds & {CONFIG, KEYMAP, THEMES}:
            self._post(self._apply_files, self._read(kinds))
        if KUBECONFIG in kinds:
            self._kubeconfig()

    def _read(self, kinds: set[str]) -> Files:
        """A file that is gone (an editor's rename-then-write save, or deleted) changes nothing: what it said
        stays in effect until it is back (or until restart), so that read-only rules never lapse mid-save."""
        themes, theme_problems = load_user() if THEMES in kinds else (None, [])
        known = known_names(themes if themes is not None else self.user_themes)
        settings, problems = config.load(self.config_file, known) if self.config_file.exists() else (None, [])
        if self.keymap_file.exists():
            self._keymap_text = source_text(str(self.keymap_file))
        keys = keymap.resolve(settings if settings is not None and not problems else self.live.settings,
                              self.keymap_file, self._keymap_text)
        return themes, theme_problems, settings, problems, keys

    # ---- applying (UI loop) -------------------------------------------------------------------------
    def _apply_files(self, files: Files) -> None:
        themes, theme_problems, settings, problems, keys = files
        old, done = self.live.settings, []
        redraw = False
        if themes is not None:
            for theme in themes:
                redraw |= theme.name == self.app.theme and self.app.get_theme(theme.name) != theme
                self.app.register_theme(theme)
            self.user_themes = themes
        if settings is not None and not problems and settings != old:
            self.live.settings = settings
            done.append("settings")
        if not keys.problems and keys.keymap != self.keys.keymap:
            fresh = set(keys.conflicts) - set(self.keys.conflicts)
            self.keys = keys
            self.app.set_keymap(keys.keymap)
            done.append("keys")
            self.show([p for p in keys.conflict_problems() if any(str(c) in p.message for c in fresh)],
                      "key conflicts (see dvpsnap keys)", "warning")
        bad = [*theme_problems, *problems, *keys.problems, *self._apply_theme(self.live.settings, redraw=redraw)]
        if redraw:
            done.append("theme")
        self._apply_rules(old)
        self.reloads += 1
        self.show(bad, "config not applied: the last good settings stay")
        if done and not bad:
            self.app.notify(f"reloaded {', '.join(done)} (theme {self.app.theme})", timeout=3, markup=False)

    def _apply_rules(self, old: Settings) -> None:
        """Read-only rules (header, write keys), the hygiene threshold; namespaces apply at the next connect."""
        new = self.live.settings
        for screen in self.app.screen_stack:
            if isinstance(screen, HygieneScreen):
                screen.stuck_after = new.stuck_after_seconds
        if new != old:
            self.live.publish()
            self.app.refresh_bindings()

    # ---- kubeconfig ----------------------------------------------------------------------------------
    def _kubeconfig(self) -> None:
        """Watcher thread: new contexts for the picker; a changed current context or changed credentials
        reconnect; a rotated token (same server and user) is picked up by the clients in place."""
        live, client = self.live, self.live.client
        paths = kubeconfig_paths(live.options.kubeconfig)
        try:
            _, current = list_contexts(paths)
            now = fingerprint(paths, client.context) if client is not None else None
        except Exception as e:  # a kubeconfig mid-edit: keep the connection, say why
            self._post(self._say, f"cannot read the kubeconfig ({e}); the connection stays as it is", "error")
            return
        if client is not None and live.follows_current and current and current != client.context:
            self._post(self._reconnect, client.context, current, False, f"current context is now {current}")
        elif client is not None and now is None:
            self._post(self._say, f"context {client.context} is no longer in the kubeconfig; still connected",
                       "warning")
        elif client is not None and now is not None and client.fingerprint is not None:
            if now.where != client.fingerprint.where:
                self._post(self._reconnect, client.context, client.context, now.server == client.fingerprint.server,
                           f"the kubeconfig changed for {client.context}: reconnecting")
            elif now.token != client.fingerprint.token:
                live.reauthenticate()
                self._post(self._say, f"new token for {client.context} picked up; the watches go on")
        self._post(self._contexts_changed)

    def _reconnect(self, was: str, context: str, keep_cache: bool, why: str) -> None:
        if self.live.identity.context != was:
            return  # the operator switched meanwhile
        self._say(why)
        self.live.connect(context, keep_cache=keep_cache)
        if context != was:
            self.nav.show(("tree",))

    def _say(self, text: str, severity: SeverityLevel = "information") -> None:
        self.app.notify(text, title="kubeconfig", severity=severity, timeout=4 if severity == "information" else 10,
                        markup=False)

    def _contexts_changed(self) -> None:
        for screen in self.app.screen_stack:
            if isinstance(screen, ContextPicker):
                screen.reload()
        self.reloads += 1

