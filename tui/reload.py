"""Live reload: one daemon thread on watchfiles (inotify) for the config dir and the kubeconfig files."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger("dvpsnap.reload")
CONFIG, KEYMAP, THEMES, KUBECONFIG = "config", "keymap", "themes", "kubeconfig"
STEP_MS = 100
"""How often watchfiles' loop looks at what inotify queued: a change is reported within about two steps."""
DEBOUNCE_MS = 400
"""A burst of writes (an editor's save) is reported once, at most this long after it started."""


class _Stop:
    """The stop event handed to watchfiles; its first `is_set()` call means inotify is armed."""

    def __init__(self, stop: threading.Event, armed: threading.Event) -> None:
        self.stop, self.armed = stop, armed

    def is_set(self) -> bool:
        self.armed.set()
        return self.stop.is_set()


def _abs(path: Path) -> str:
    return os.path.abspath(os.path.expanduser(str(path)))


class FileWatcher:
    """Watches the directories (never recursively) holding config.toml, keymap.toml, themes/*.toml and the
    kubeconfig files, with a name filter: editors replace files (write + rename, or rename + write), so the
    files themselves cannot be watched. `changed(kinds)` runs on the watcher thread with the kinds of files
    that changed ("config", "keymap", "themes", "kubeconfig"). A directory that does not exist yet is
    watched through its nearest existing parent and picked up when it appears."""

    def __init__(self, config_file: Path, kubeconfigs: Iterable[Path],
                 changed: Callable[[set[str]], None]) -> None:
        self.config_file = _abs(config_file)
        self.config_dir = os.path.dirname(self.config_file)
        self.themes_dir = os.path.join(self.config_dir, "themes")
        self.keymap_file = os.path.join(self.config_dir, "keymap.toml")
        self.kubeconfigs = set()
        for p in kubeconfigs:  # the name, and the file a symlink points at
            self.kubeconfigs |= {_abs(p), os.path.realpath(_abs(p))}
        self.changed = changed
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.armed = threading.Event()
        """Set once inotify watches are in place (tests wait for it before they edit files)."""

    # ---- what is watched -----------------------------------------------------------------------
    def wanted(self) -> dict[str, set[str]]:
        """Directory → the kinds of files in it."""
        out: dict[str, set[str]] = {}
        out.setdefault(self.config_dir, set()).update((CONFIG, KEYMAP, THEMES))
        out.setdefault(self.themes_dir, set()).add(THEMES)
        for p in self.kubeconfigs:
            out.setdefault(os.path.dirname(p), set()).add(KUBECONFIG)
        return out

    def roots(self) -> list[str]:
        """The wanted directories that exist, or else their nearest existing parent (to see them appear)."""
        found = set()
        for d in self.wanted():
            while not os.path.isdir(d) and os.path.dirname(d) != d:
                d = os.path.dirname(d)
            found.add(d)
        return sorted(found)

    def classify(self, path: str) -> str | None:
        """The kind of a changed file, or None when it is none of ours."""
        if path == self.config_file:
            return CONFIG
        if path == self.keymap_file:
            return KEYMAP
        if path == self.themes_dir or (os.path.dirname(path) == self.themes_dir and path.endswith(".toml")):
            return THEMES
        if path in self.kubeconfigs:
            return KUBECONFIG
        return None

    def _interesting(self, change: Any, path: str) -> bool:
        return self.classify(path) is not None or any(d == path or d.startswith(path + os.sep)
                                                      for d in self.wanted())

    # ---- the thread ----------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True, name="dvpsnap-reload")
        self._thread.start()

    def stop(self) -> None:
        """Returns within about one step (watchfiles checks the stop event every STEP_MS)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)

    def _run(self) -> None:
        import watchfiles

        first = True
        while not self._stop.is_set():
            roots = self.roots()
            try:
                watcher = watchfiles.watch(*roots, watch_filter=self._interesting, debounce=DEBOUNCE_MS,
                                           step=STEP_MS, stop_event=_Stop(self._stop, self.armed), recursive=False,
                                           rust_timeout=0, raise_interrupt=False)
                if not first:  # a directory appeared: what is in it now counts as changed
                    self._report({k for d in roots for k in self.wanted().get(d, ())})
                first = False
                for changes in watcher:
                    self._report({k for _, p in changes if (k := self.classify(p)) is not None})
                    if self.roots() != roots:
                        break  # re-arm on the directories as they are now
            except Exception:  # never let the watcher take the app down; retry in a second
                log.exception("file watcher failed")
                self._stop.wait(1.0)

    def _report(self, kinds: set[str]) -> None:
        if kinds:
            try:
                self.changed(kinds)
            except Exception:
                log.exception("reload failed")
