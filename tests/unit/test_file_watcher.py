"""The file watcher: names it cares about, directories that appear later, editors' save styles, a quick stop;
and kubeconfig fingerprints (a rotated token changes only the token digest)."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tui.kube.client import Fingerprint, fingerprint
from tui.reload import CONFIG, KEYMAP, KUBECONFIG, THEMES, FileWatcher

SOON = 1.0


class Events:
    def __init__(self) -> None:
        self.q: queue.Queue[set[str]] = queue.Queue()

    def __call__(self, kinds: set[str]) -> None:
        self.q.put(kinds)

    def next(self, timeout: float = SOON) -> set[str]:
        """The kinds reported within `timeout` seconds (merged, as a burst may come in two reports)."""
        got = self.q.get(timeout=timeout)
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            try:
                got |= self.q.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
        return got

    def quiet(self, seconds: float = 0.6) -> bool:
        try:
            self.q.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "kube").mkdir()
    (tmp_path / "kube" / "config").write_text("apiVersion: v1\n")
    return tmp_path / "config" / "dvpsnap", tmp_path / "kube" / "config"


@pytest.fixture
def watched(dirs: tuple[Path, Path]) -> Iterator[tuple[FileWatcher, Events]]:
    config_dir, kubeconfig = dirs
    events = Events()
    watcher = FileWatcher(config_dir / "config.toml", [kubeconfig], events)
    watcher.start()
    assert watcher.armed.wait(SOON)
    yield watcher, events
    started = time.monotonic()
    watcher.stop()
    assert time.monotonic() - started < 1.0
    assert watcher._thread is not None and not watcher._thread.is_alive()


def test_names_and_roots(tmp_path: Path) -> None:
    real = tmp_path / "elsewhere" / "kubeconfig"
    real.parent.mkdir()
    real.write_text("")
    link = tmp_path / "kube" / "config"
    link.parent.mkdir()
    link.symlink_to(real)
    w = FileWatcher(tmp_path / "cfg" / "dvpsnap" / "config.toml", [link], lambda kinds: None)
    base = str(tmp_path / "cfg" / "dvpsnap")
    assert w.classify(f"{base}/config.toml") == CONFIG and w.classify(f"{base}/keymap.toml") == KEYMAP
    assert w.classify(f"{base}/themes/sea.toml") == THEMES and w.classify(f"{base}/themes") == THEMES
    assert w.classify(f"{base}/themes/notes.txt") is None and w.classify(f"{base}/config.toml~") is None
    assert w.classify(str(link)) == KUBECONFIG and w.classify(str(real)) == KUBECONFIG
    # nothing of the config dir exists yet: its nearest existing parent is watched (never recursively)
    assert w.roots() == sorted([str(tmp_path), str(real.parent), str(link.parent)])


def test_every_save_style_is_seen_once_and_quickly(watched: tuple[FileWatcher, Events],
                                                   dirs: tuple[Path, Path]) -> None:
    watcher, events = watched
    config_dir, kubeconfig = dirs
    config_dir.mkdir(parents=True)  # the config dir appears: watched from now on
    assert events.next() >= {CONFIG}
    assert watcher.armed.wait(SOON)
    config = config_dir / "config.toml"
    config.write_text('theme = "a"\n')  # in place
    assert events.next() == {CONFIG}
    tmp = config_dir / ".config.toml.tmp"
    tmp.write_text('theme = "b"\n')
    os.replace(tmp, config)  # atomic replace
    assert events.next() == {CONFIG}
    config.rename(config_dir / "config.toml~")  # vim: rename to a backup, write anew
    config.write_text('theme = "c"\n')
    assert events.next() == {CONFIG}
    (config_dir / "keymap.toml").write_text("")
    assert events.next() == {KEYMAP}
    (config_dir / "themes").mkdir()
    assert THEMES in events.next()
    (config_dir / "themes" / "sea.toml").write_text('primary = "#0087af"\n')
    assert events.next() == {THEMES}
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    assert events.next() == {KUBECONFIG}
    (config_dir / "notes.txt").write_text("x")  # none of ours: nothing
    (kubeconfig.parent / "cache").mkdir()
    assert events.quiet()


def test_a_failing_callback_does_not_stop_the_watcher(tmp_path: Path) -> None:
    calls: list[set[str]] = []
    first, second = threading.Event(), threading.Event()

    def changed(kinds: set[str]) -> None:
        calls.append(kinds)
        (second if first.is_set() else first).set()
        raise RuntimeError("boom")

    tmp_path.joinpath("c").mkdir()
    w = FileWatcher(tmp_path / "c" / "config.toml", [], changed)
    w.start()
    try:
        assert w.armed.wait(SOON)
        (tmp_path / "c" / "config.toml").write_text("a = 1\n")
        assert first.wait(SOON)
        (tmp_path / "c" / "config.toml").write_text("a = 2\n")
        assert second.wait(SOON)
    finally:
        w.stop()


def test_fingerprint_separates_a_token_rotation_from_other_changes(tmp_path: Path) -> None:
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "a",
           "clusters": [{"name": "c", "cluster": {"server": "https://one:6443"}}],
           "users": [{"name": "u", "user": {"token": "t1"}}],
           "contexts": [{"name": "a", "context": {"cluster": "c", "user": "u"}}]}
    path = tmp_path / "kubeconfig"

    def fp() -> Fingerprint:
        path.write_text(yaml.safe_dump(doc))
        found = fingerprint([path], "a")
        assert found is not None
        return found

    first = fp()
    doc["users"][0]["user"]["token"] = "t2"  # type: ignore[index]
    rotated = fp()
    assert rotated.where == first.where and rotated.token != first.token
    doc["clusters"][0]["cluster"]["server"] = "https://two:6443"  # type: ignore[index]
    moved = fp()
    assert moved.where != rotated.where and moved.server == "https://two:6443"
    assert "t2" not in repr(moved)
    assert fingerprint([path], "missing") is None
