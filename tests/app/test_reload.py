"""Live reload in the running app: config.toml, keymap.toml and themes/*.toml edited in place, replaced
atomically and saved vim-style take effect within 1 s; a broken file keeps the last good settings and says
where; kubeconfig changes add contexts, follow a new current context and pick up a rotated token in place."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.app.context_kit import header, merged_kubeconfig
from tests.app.helpers import FAST, ready, until
from tests.app.objects import populate
from tests.app.snapwiz import notifications, select
from tui.app import DvpApp
from tui.config import ContextRule, Settings, load
from tui.live import Options
from tui.screens.detail import DetailScreen
from tui.screens.pickers import ContextPicker
from tui.sim.cluster import SimCluster
from widgets.live_table import LiveTable

SOON = 1.0  # the promise: an edit is applied within a second


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The config dir (not created yet: the watcher must cope) and a private state dir."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("DVPSNAP_CONFIG", raising=False)
    return tmp_path / "config" / "dvpsnap"


@pytest.fixture
def other() -> Iterator[SimCluster]:
    with SimCluster("v1.10", bookmark_interval=0.5, controllers=False, seed="other") as cluster:
        populate(cluster)
        yield cluster


def replace_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def save_like_vim(path: Path, text: str) -> None:
    """Rename the old file to a backup, write a new one (vim's default with `backupcopy=no`)."""
    path.rename(path.with_name(path.name + "~"))
    path.write_text(text)


def watching(app: DvpApp) -> bool:
    return app.prefs.watcher is not None and app.prefs.watcher.armed.is_set()


def start(sim: SimCluster, **options: Any) -> DvpApp:
    """The app as `dvpsnap` starts it: settings from the config file (unless given), watching the files."""
    settings, problems = load()
    options.setdefault("kubeconfig", sim.kubeconfig_path)
    options.setdefault("namespace", "lab")
    options.setdefault("settings", settings)
    options.setdefault("problems", tuple(problems))
    return DvpApp(Options(tuning=FAST, watch=True, **options))


@pytest.mark.parametrize("write", [Path.write_text, replace_atomically, save_like_vim],
                         ids=["in-place", "atomic-replace", "vim-rename"])
async def test_theme_and_keys_follow_the_files(sim: SimCluster, data: Any, cfg: Path, write: Any) -> None:
    cfg.mkdir(parents=True)
    (cfg / "config.toml").write_text('theme = "dvpsnap"\n')
    (cfg / "keymap.toml").write_text("[resource]\ndescribe = [\"d\"]\n")
    app = start(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: watching(app), what="the watcher armed")
        assert app.theme == "dvpsnap"
        write(cfg / "config.toml", 'theme = "dvpsnap-high-contrast"\n')
        await until(pilot, lambda: app.theme == "dvpsnap-high-contrast", timeout=SOON, what="the new theme")
        write(cfg / "keymap.toml", "[resource]\ndescribe = [\"i\"]\n")
        await until(pilot, lambda: app._keymap.get("resource.describe") == "i", timeout=SOON, what="the new key")
        await select(pilot, sim, "VirtualMachine", "web-01")
        await pilot.press("i")
        await until(pilot, lambda: isinstance(app.screen, DetailScreen), what="describe on the new key")
        await pilot.press("escape")
        write(cfg / "config.toml", 'theme = "dvpsnap-16"\nkeymap = "k9s"\n')
        await until(pilot, lambda: app.theme == "dvpsnap-16" and app._keymap.get("table.page_up") == "pageup,ctrl+b",
                    timeout=SOON, what="theme and preset together")


async def test_a_broken_file_keeps_the_last_good_settings_and_says_where(sim: SimCluster, data: Any,
                                                                        cfg: Path) -> None:
    cfg.mkdir(parents=True)
    config = cfg / "config.toml"
    config.write_text('theme = "dvpsnap-16"\n')
    app = start(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: watching(app), what="the watcher armed")
        assert app.theme == "dvpsnap-16"
        seen = app.prefs.reloads
        config.write_text('theme = "dvpsnap-high-contrast"\nkeymap = \n')  # mid-edit: not TOML yet
        await until(pilot, lambda: any(f"{config}:2: not valid TOML" in n for n in notifications(app)),
                    timeout=SOON, what="the problem with file:line")
        assert app.prefs.reloads > seen and app.theme == "dvpsnap-16"
        config.write_text('theme = "dvpsnap-high-contrast"\nkeymap = "vim"\nstuck_after = "soon"\n')
        await until(pilot, lambda: any(f"{config}:3: stuck_after" in n for n in notifications(app)), timeout=SOON)
        assert app.theme == "dvpsnap-16" and app.live.settings.keymap == "default"
        config.write_text('theme = "dvpsnap-high-contrast"\nkeymap = "vim"\n')
        await until(pilot, lambda: app.theme == "dvpsnap-high-contrast", timeout=SOON)
        assert app._keymap["table.page_up"] == "pageup,ctrl+b,ctrl+u"
        # a user theme: created after start (the themes dir did not exist), then chosen, then edited
        (cfg / "themes").mkdir()
        (cfg / "themes" / "ocean.toml").write_text('primary = "#0087af"\nbackground = "#001020"\n')
        await until(pilot, lambda: "ocean" in app.available_themes, timeout=SOON, what="the new theme file")
        config.write_text('theme = "ocean"\n')
        await until(pilot, lambda: app.theme == "ocean", timeout=SOON)
        replace_atomically(cfg / "themes" / "ocean.toml", 'primary = "#0087af"\nbackground = "#002030"\n')
        await until(pilot, lambda: app.current_theme.background == "#002030", timeout=SOON)
        (cfg / "themes" / "ocean.toml").write_text('primary = "#0087af"\nbackground = "deep"\n')
        await until(pilot, lambda: any("ocean.toml:2: background" in n for n in notifications(app)), timeout=SOON)


async def test_read_only_rule_added_while_running(sim: SimCluster, data: Any, cfg: Path) -> None:
    cfg.mkdir(parents=True)
    app = start(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: watching(app), what="the watcher armed")
        assert not app.live.readonly and "READ-ONLY" not in header(app)
        (cfg / "config.toml").write_text('[[context]]\nmatch = "dvpsnap-*"\nread_only = true\n')
        await until(pilot, lambda: "READ-ONLY" in header(app), timeout=SOON, what="the banner")
        assert app.nav.writes.writer.readonly
        seen = app.prefs.reloads
        (cfg / "config.toml").unlink()  # gone (deleted, or mid-save): the rule does not lapse
        await until(pilot, lambda: app.prefs.reloads > seen, timeout=SOON, what="the deletion seen")
        assert app.live.readonly and "READ-ONLY" in header(app)
    assert [r for r in sim.requests if r.mutating] == []


async def test_kubeconfig_changes(sim: SimCluster, data: Any, other: SimCluster, cfg: Path, tmp_path: Path) -> None:
    kubeconfig = merged_kubeconfig(tmp_path / "kubeconfig", (sim, "dev"))
    app = start(sim, kubeconfig=kubeconfig, namespace=None,
                settings=Settings(contexts=(ContextRule("*", namespaces=("lab",)),)))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: watching(app), what="the watcher armed")
        await pilot.press("colon", *"ctx", "enter")
        await until(pilot, lambda: isinstance(app.screen, ContextPicker))
        table = app.screen.query_one(LiveTable)
        # a new context appears in the open picker; choosing it connects to the other cluster
        merged_kubeconfig(tmp_path / "kubeconfig.new", (sim, "dev"), (other, "staging")).replace(kubeconfig)
        await until(pilot, lambda: table.row("staging") is not None, timeout=SOON, what="the new context")
        table.move_cursor("staging")
        await pilot.press("enter")
        await until(pilot, lambda: app.live.client is not None and app.live.client.server == other.url)
        await ready(pilot)
        assert app.live.identity.context == "staging" and not app.live.follows_current
        # a rotated token (same server and user): picked up in place, nothing relisted
        client = app.live.client
        assert client is not None and client.fingerprint is not None
        old = client.fingerprint
        lists = len(relists(other))
        other.policy.add_token("rotated-token", "admin")
        doc = yaml.safe_load(kubeconfig.read_text())
        for user in doc["users"]:
            if user["name"] == "staging-admin":
                user["user"]["token"] = "rotated-token"
        replace_atomically(kubeconfig, yaml.safe_dump(doc))
        await until(pilot, lambda: client.fingerprint is not None and client.fingerprint.token != old.token,
                    timeout=SOON, what="the new token")
        assert client.fingerprint.where == old.where and app.live.client is client
        del other.policy.tokens[other.token]  # the old token stops working
        assert client.get_json("/api/v1/namespaces")["items"]  # the new one is in use
        assert len(relists(other)) == lists
        assert any("new token for staging" in n for n in notifications(app))


async def test_following_the_current_context(sim: SimCluster, data: Any, other: SimCluster, cfg: Path,
                                             tmp_path: Path) -> None:
    kubeconfig = merged_kubeconfig(tmp_path / "kubeconfig", (sim, "dev"), (other, "staging"))
    app = start(sim, kubeconfig=kubeconfig)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: watching(app), what="the watcher armed")
        assert app.live.identity.context == "dev" and app.live.follows_current
        doc = yaml.safe_load(kubeconfig.read_text())
        doc["current-context"] = "staging"
        replace_atomically(kubeconfig, yaml.safe_dump(doc))
        await until(pilot, lambda: app.live.client is not None and app.live.client.server == other.url,
                    timeout=SOON + 1, what="connected to the new current context")
        await until(pilot, lambda: "ctx staging" in header(app))


def relists(sim: SimCluster) -> list[Any]:
    return [r for r in sim.requests if r.method == "GET" and not r.watch and "/virtualmachines" in r.path]


async def test_problems_at_start_are_shown_and_defaults_stand_in(sim: SimCluster, data: Any, cfg: Path) -> None:
    cfg.mkdir(parents=True)
    (cfg / "config.toml").write_text('theme = "nope"\nmouse = "x"\n')
    (cfg / "keymap.toml").write_text('[resource]\ndescribe = ["y"]\n')
    app = start(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        shown = "\n".join(notifications(app))
        assert f'{cfg / "config.toml"}:1: unknown theme "nope"' in shown
        assert f'{cfg / "config.toml"}:2: mouse must be true or false' in shown
        assert f'{cfg / "keymap.toml"}:2: key "y" is bound to resource.describe and resource.yaml' in shown
        assert app.theme == "dvpsnap"
