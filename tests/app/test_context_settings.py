"""Per-context settings in the app: read-only on start and on context switch (banner, Writer, nothing sent),
default namespaces per context, the keymap preset with overrides and the conflict report, journal and threshold."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.app.context_kit import header, merged_kubeconfig
from tests.app.helpers import FAST, ready, screen_text, until
from tests.app.objects import populate
from tests.app.snapwiz import notifications, select
from tui.app import DvpApp
from tui.config import ContextRule, Settings
from tui.kube.kinds import BY_ID
from tui.kube.writes import ReadOnlyViolation
from tui.live import Options
from tui.screens.header import LiveHeader
from tui.screens.hygiene import HygieneScreen
from tui.screens.pickers import ContextPicker
from tui.screens.wizard import Wizard
from tui.sim.cluster import SimCluster
from widgets.live_table import LiveTable

RULES = (ContextRule("prod-*", read_only=True), ContextRule("*", namespaces=("lab",)))


@pytest.fixture(autouse=True)
def private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No real ~/.config or journal: every test gets its own."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("DVPSNAP_CONFIG", raising=False)


@pytest.fixture
def prod() -> Iterator[SimCluster]:
    with SimCluster("v1.10", bookmark_interval=0.5, controllers=False, seed="prod") as cluster:
        populate(cluster)
        yield cluster


def mutating(sim: SimCluster) -> list[Any]:
    return [r for r in sim.requests if r.mutating]


async def switch(pilot: Any, name: str) -> None:
    await pilot.press("colon", *"ctx", "space", *name, "enter")
    await until(pilot, lambda: pilot.app.live.identity.context == name and not pilot.app.live.identity.connecting,
                what=f"connected to {name}")
    await ready(pilot)


async def try_a_snapshot(pilot: Any, sim: SimCluster) -> None:
    """The key (hidden in read-only), the action behind it, and the Writer itself."""
    app = pilot.app
    await select(pilot, sim, "VirtualMachine", "web-01")
    await pilot.press("t")
    await pilot.pause()
    assert not isinstance(app.screen, Wizard)
    app.screen.action_take_snapshot()
    await pilot.pause(0.2)
    if isinstance(app.screen, Wizard):
        app.pop_screen()
    manifest = {"apiVersion": "virtualization.deckhouse.io/v1alpha2", "kind": "VirtualMachineSnapshot",
                "metadata": {"name": "x", "namespace": "lab"}, "spec": {"virtualMachineName": "web-01"}}
    with pytest.raises(ReadOnlyViolation):
        app.nav.writes.writer.create(BY_ID["vmsnapshot"], manifest)


async def test_read_only_context_on_start_and_on_every_switch(sim: SimCluster, data: Any, prod: SimCluster,
                                                              tmp_path: Path) -> None:
    kubeconfig = merged_kubeconfig(tmp_path / "kubeconfig", (sim, "dev"), (prod, "prod-eu"))
    journal = tmp_path / "journal.jsonl"
    options = Options(kubeconfig=kubeconfig, context="prod-eu", tuning=FAST,
                      settings=Settings(contexts=RULES, journal=str(journal)))
    app = DvpApp(options)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        # on start: the banner, the Writer, per-context namespaces
        await until(pilot, lambda: "READ-ONLY" in header(app), what="the banner")
        assert 'config: context "prod-*"' in header(app)
        assert app.screen.query_one(LiveHeader).has_class("-readonly")
        assert app.live.scope == ("lab",)
        assert app.nav.writes.writer.readonly and app.nav.writes.writer.journal.path == journal
        await try_a_snapshot(pilot, prod)
        assert any("read-only" in n for n in notifications(app))
        # switch to a writable context: no banner, a writable Writer on the other cluster
        await switch(pilot, "dev")
        await until(pilot, lambda: "READ-ONLY" not in header(app), what="the banner gone")
        assert not app.screen.query_one(LiveHeader).has_class("-readonly")
        assert app.live.client is not None and app.live.client.server == sim.url
        assert not app.nav.writes.writer.readonly
        # and back, through the context picker this time
        await pilot.press("colon", *"ctx", "enter")
        await until(pilot, lambda: isinstance(app.screen, ContextPicker), what="the context picker")
        table = app.screen.query_one(LiveTable)
        await until(pilot, lambda: table.row("prod-eu") is not None)
        table.move_cursor("prod-eu")
        await pilot.press("enter")
        await until(pilot, lambda: app.live.identity.context == "prod-eu" and not app.live.identity.connecting)
        await ready(pilot)
        await until(pilot, lambda: "READ-ONLY" in header(app), what="the banner again")
        assert app.nav.writes.writer.readonly and app.live.client is not None
        assert app.live.client.server == prod.url
        await try_a_snapshot(pilot, prod)
    assert mutating(prod) == []
    assert not journal.exists()  # nothing was even tried on the wire


async def test_keymap_preset_overrides_and_conflicts_at_start(sim: SimCluster, data: Any, tmp_path: Path) -> None:
    keymap = tmp_path / "config" / "dvpsnap" / "keymap.toml"
    keymap.parent.mkdir(parents=True)
    keymap.write_text('[view]\ncopy = ["C"]\n')
    settings = Settings(keymap="k9s", keys={"resource.describe": ("y",), "app.help": ("f1", "question_mark")},
                        stuck_after_seconds=7200)
    app = DvpApp(Options(kubeconfig=sim.kubeconfig_path, namespace="lab", tuning=FAST, settings=settings))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        keymap_now = app._keymap
        assert keymap_now["table.page_up"] == "pageup,ctrl+b"  # from the k9s preset
        assert keymap_now["view.copy"] == "C"  # keymap.toml
        assert keymap_now["app.help"] == "f1,question_mark"  # [keys] of config.toml
        conflict = 'key "y" is bound to resource.describe and resource.yaml (both in [resource])'
        assert any(conflict in n for n in notifications(app)), notifications(app)
        assert [str(c) for c in app.prefs.keys.conflicts] == [conflict]
        await pilot.press("f1")
        await until(pilot, lambda: type(app.screen).__name__ == "HelpScreen", what="help on f1")
        await pilot.press("escape")
        await pilot.press("colon", *"hygiene", "enter")
        await until(pilot, lambda: isinstance(app.screen, HygieneScreen))
        assert isinstance(app.screen, HygieneScreen) and app.screen.stuck_after == 7200
        await until(pilot, lambda: "over 120 min" in screen_text(app))
