"""Write safety of the UI: read-only reaches no server, RBAC disables with the reason, a forced 403 is shown
verbatim, and a create whose answer is lost is recovered by its request id (one object, reported success)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from tests.app.helpers import screen_text, until
from tests.app.snapwiz import (
    GENERATIONS,
    NS,
    create,
    creates,
    demo,
    notifications,
    open_wizard,
    running,
    select,
    to_review,
    uid,
)
from tui.kube.objects import VirtualDisk
from tui.kube.writes import REQUEST_ID
from tui.screens.snapshot_wizards import disk_wizard
from tui.screens.wizard import Wizard
from tui.sim.cluster import SimCluster
from widgets.choice import Choice

SKIP = {"quit", "command_palette", "help_quit"}


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))


def mutating(sim: SimCluster) -> list[Any]:
    return [r for r in sim.requests if r.mutating]


async def try_every_action(pilot: Any) -> list[str]:
    """Run every action bound on the current screen (keys and, for write keys, the action itself)."""
    app, screen, tried = pilot.app, pilot.app.screen, []
    for _key, active in list(screen.active_bindings.items()):
        action = active.binding.action
        navigates = active.node is app and action not in ("operations", "help", "redraw", "toggle_header")
        if action in SKIP or action.startswith("app.") or navigates or isinstance(active.node, Input):
            continue
        tried.append(action)
        await app.run_action(action, active.node)
        await pilot.pause()
        while app.screen is not screen and len(app.screen_stack) > 2:
            app.pop_screen()
            await pilot.pause()
        if app.focused is not None and isinstance(app.focused, Input):  # a prompt opened: close it
            await pilot.press("escape")
    await pilot.pause(0.3)  # let a remount (wide columns) finish
    for write in ("take_snapshot", "delete"):
        method = getattr(screen, f"action_{write}", None)
        if method is not None:  # the key is hidden in read-only mode: call it anyway
            tried.append(write)
            method()
            await pilot.pause(0.2)
            while app.screen is not screen and len(app.screen_stack) > 2:
                app.pop_screen()
                await pilot.pause()
    return tried


async def test_read_only_every_action_is_tried_and_none_reaches_the_server() -> None:
    with demo("v1.10") as sim:
        async with running(sim, readonly=True) as (app, pilot):
            tried: list[str] = []
            await select(pilot, sim, "VirtualMachine", "web-01")
            shown = {a.binding.action for a in app.screen.active_bindings.values()}
            assert "take_snapshot" not in shown and "delete" not in shown  # read-only hides write keys
            tried += await try_every_action(pilot)
            await select(pilot, sim, "VirtualMachineSnapshot", "web-01-before-upgrade")
            tried += await try_every_action(pilot)
            for command in ("vm", "vd", "vdsnapshot", "vmsnapshot", "hygiene", "ops"):
                app.nav.run(command)
                await pilot.pause(0.2)
                tried += await try_every_action(pilot)
            assert {"take_snapshot", "delete", "describe", "yaml"} <= set(tried)
            assert any("read-only mode" in n for n in notifications(app))
            # even a wizard opened behind the permission check cannot send anything
            disk = app.live.view.by_uid(VirtualDisk, uid(sim, "VirtualDisk", "web-01-root"))
            assert disk is not None
            wizard = disk_wizard(app.live, app.nav.writes, disk)
            app.push_screen(wizard)
            await to_review(pilot, wizard)
            assert wizard.dry is not None and wizard.dry.reason == "ReadOnlyViolation"
            assert "read-only mode" in screen_text(app)
            await pilot.press("enter")
            await pilot.pause()
            assert mutating(sim) == []


async def test_rbac_forbidding_disk_snapshots_disables_them_with_the_reason() -> None:
    with demo("v1.10") as sim:
        sim.policy.forbid(verbs=("create",), resource="virtualdisksnapshots")
        async with running(sim) as (app, pilot):
            reason = "not allowed to create virtualdisksnapshots.virtualization.deckhouse.io"
            await until(pilot, lambda: any("Disabled here by RBAC" in n and reason in n for n in notifications(app)),
                        what="the RBAC notice")
            await select(pilot, sim, "VirtualDisk", "web-01-root")
            await pilot.press("t")
            await until(pilot, lambda: any(n.startswith("Cannot take a disk snapshot here") and reason in n
                                           for n in notifications(app)), what="the refusal with its reason")
            assert not isinstance(app.screen, Wizard)
            wizard = await open_wizard(pilot, sim, "VirtualMachine", "web-01")  # VM snapshots stay allowed
            options = {o.value: o for o in wizard.query_one(Choice).options}
            assert options["vm"].disabled == ""
            assert reason in options["disk:web-01-root"].disabled
            await pilot.press("down")  # disabled options cannot be chosen
            assert wizard.values["target"] == "vm"
            assert mutating(sim) == []


async def test_rbac_forbidding_every_snapshot_shows_the_key_disabled() -> None:
    with demo("v1.10") as sim:
        sim.policy.forbid(verbs=("create", "delete"), resource="virtualdisksnapshots")
        sim.policy.forbid(verbs=("create", "delete"), resource="virtualmachinesnapshots")
        async with running(sim) as (app, pilot):
            await until(pilot, lambda: any("Disabled here by RBAC" in n for n in notifications(app)),
                        what="the RBAC notice")
            await select(pilot, sim, "VirtualMachine", "web-01")
            bindings = {a.binding.action: a for a in app.screen.active_bindings.values()}
            assert bindings["take_snapshot"].enabled is False
            assert bindings["delete"].enabled is False
            await pilot.press("t")
            assert not isinstance(app.screen, Wizard)


async def test_a_forced_403_from_the_server_is_shown_verbatim() -> None:
    with demo("v1.10") as sim:
        async with running(sim) as (app, pilot):
            wizard = await open_wizard(pilot, sim, "VirtualDisk", "web-01-root")  # SSAR said yes
            sim.policy.forbid(verbs=("create",), resource="virtualdisksnapshots")  # the server now says no
            await to_review(pilot, wizard)
            assert wizard.dry is not None and wizard.dry.code == 403
            assert ('Error from server (Forbidden): virtualdisksnapshots.virtualization.deckhouse.io is forbidden: '
                    'User "') in screen_text(app)
            await pilot.press("enter")
            await pilot.pause()
            assert creates(sim, "virtualdisksnapshots") == []


@pytest.mark.parametrize("generation", GENERATIONS)
async def test_a_lost_answer_to_the_create_is_recovered_by_its_request_id(generation: str) -> None:
    with demo(generation) as sim:
        async with running(sim) as (app, pilot):
            wizard = await open_wizard(pilot, sim, "VirtualMachine", "web-01")
            await to_review(pilot, wizard)
            sim.faults.drop_responses = 1  # the create is stored, then the connection is cut before the answer
            out = await create(pilot, wizard)
            assert out.ok and out.recovered
            ours = [o for o in sim.list("VirtualMachineSnapshot", NS)
                    if (o["metadata"].get("annotations") or {}).get(REQUEST_ID) == wizard.request_id]
            assert len(ours) == 1
            assert any("accepted by the server" in n for n in notifications(app))
            assert app.nav.writes.tracker.get(ours[0]["metadata"]["uid"]) is not None
