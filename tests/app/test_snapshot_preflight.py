"""Every preflight outcome of the snapshot wizards, per generation, on the live simulator (wording and level
come from Capabilities: seed/cse wait in Pending = warning, v1.8/v1.10 fail at once = blocker)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from tests.app.helpers import screen_text, until
from tests.app.snapwiz import (
    GENERATIONS,
    N_VSC,
    R_VSC,
    actor,
    by_code,
    creates,
    demo,
    open_wizard,
    panel_text,
    running,
    to_review,
)
from tui.kube.objects import VolumeSnapshotClass
from tui.screens.wizard import Wizard

pytestmark = pytest.mark.parametrize("generation", GENERATIONS)


def fails_fast(generation: str) -> bool:
    return generation in ("v1.8", "v1.10")


@pytest.fixture(autouse=True)
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))


async def test_agent_missing(generation: str) -> None:
    with demo(generation) as sim:
        async with running(sim) as (app, pilot):
            wizard = await open_wizard(pilot, sim, "VirtualMachine", "db-01")
            found = by_code(wizard.findings, "agent-not-ready")
            assert found.level == ("blocker" if fails_fast(generation) else "warning")
            assert ("fail at once" if fails_fast(generation) else "wait in Pending") in found.message
            assert "turn requiredConsistency off" in found.message
            if fails_fast(generation):  # blocked: Enter on the review creates nothing, the wizard stays
                await to_review(pilot, wizard)
                await pilot.press("enter")
                await pilot.pause()
                assert isinstance(app.screen, Wizard) and creates(sim, "virtualmachinesnapshots") == []
                assert "blocked by the preflight" in screen_text(app)
                while wizard.on_review or wizard.steps[wizard.index].title != "Consistency":
                    await pilot.press("escape")
            else:
                await pilot.press("enter", "enter")  # What, Name → Consistency
            assert wizard.steps[wizard.index].title == "Consistency"
            await pilot.press("down")  # requiredConsistency: false
            assert wizard.values["consistency"] == "false"
            assert by_code(wizard.findings, "crash-consistent").level == "warning"
            assert not any(f.level == "blocker" for f in wizard.findings)

            while isinstance(app.screen, Wizard):
                await pilot.press("escape")
            disk = await open_wizard(pilot, sim, "VirtualDisk", "db-01-root")
            assert by_code(disk.findings, "agent-not-ready").level == ("blocker" if fails_fast(generation)
                                                                        else "warning")


async def test_vm_stopped_is_consistent(generation: str) -> None:
    with demo(generation) as sim:
        async with running(sim) as (_app, pilot):
            wizard = await open_wizard(pilot, sim, "VirtualMachine", "build-runner")
            assert by_code(wizard.findings, "vm-stopped").level == "ok"
            assert not any(f.level == "blocker" for f in wizard.findings)
            await pilot.press("escape")
            disk = await open_wizard(pilot, sim, "VirtualDisk", "build-runner-root")
            assert by_code(disk.findings, "vm-stopped").level == "ok"


async def test_disk_resizing_is_rechecked_live(generation: str) -> None:
    with demo(generation) as sim:
        async with running(sim) as (_app, pilot):
            wizard = await open_wizard(pilot, sim, "VirtualDisk", "web-01-root")
            assert by_code(wizard.findings, "disk-ready").level == "ok"
            actor(sim).mark_resizing("web-01-root")  # while the wizard is open
            found = await until(pilot, lambda: [f for f in wizard.findings if f.code == "disk-resizing"],
                                timeout=20, what="the resize to show up in the open wizard")
            assert found[0].level == ("blocker" if fails_fast(generation) else "warning")
            await pilot.press("escape")
            vm = await open_wizard(pilot, sim, "VirtualMachine", "web-01")
            assert by_code(vm.findings, "disk-resizing").level == found[0].level


async def test_driver_without_a_default_class(generation: str) -> None:
    with demo(generation) as sim:
        async with running(sim) as (app, pilot):
            wizard = await open_wizard(pilot, sim, "VirtualDisk", "scratch-blank")  # NFS: no default class
            if generation != "seed":
                found = by_code(wizard.findings, "class-no-default")
                assert found.level == "blocker" and "cannot find default snapshot class" in found.message
                return
            # seed: the picker preselects the driver's only class ...
            assert wizard.values["class"] == N_VSC
            assert by_code(wizard.findings, "class-chosen").level == "ok"
            await pilot.press("escape")
            actor(sim).snapshot_class("nfs-second", "nfs.csi.k8s.io")  # ... and nothing once there are two
            await until(pilot, lambda: app.live.view.get(VolumeSnapshotClass, "", "nfs-second"),
                        what="the second class")
            wizard = await open_wizard(pilot, sim, "VirtualDisk", "scratch-blank")
            assert wizard.values["class"] == ""
            assert by_code(wizard.findings, "class-required").level == "blocker"
            await pilot.press("enter", "enter")  # Name, Consistency → the class step
            assert wizard.steps[wizard.index].title == "VolumeSnapshotClass"
            await pilot.press("down")
            assert wizard.values["class"] in (N_VSC, "nfs-second")
            assert not any(f.level == "blocker" for f in wizard.findings)


async def test_name_taken_is_checked_live_and_blocks_the_step(generation: str) -> None:
    with demo(generation) as sim:
        async with running(sim) as (app, pilot):
            wizard = await open_wizard(pilot, sim, "VirtualDisk", "web-01-root")
            name = wizard.values["name"]
            actor(sim).snapshot_disk(name, "web-01-root", snapshot_class=R_VSC if generation == "seed" else None)
            found = await until(pilot, lambda: [f for f in wizard.findings if f.code == "name-taken"],
                                what="the collision")
            assert found[0].level == "blocker" and f"{name}-copy is free" in found[0].message
            await until(pilot, lambda: "already exists" in screen_text(app), what="the problem under the field")
            await pilot.press("enter")
            assert wizard.steps[wizard.index].title == "Name"  # the step is not accepted
            await pilot.press("end", "minus", "2")
            assert wizard.values["name"] == f"{name}-2"
            assert not [f for f in wizard.findings if f.code == "name-taken"]
            await pilot.press("enter")
            assert wizard.steps[wizard.index].title == "Consistency"


async def test_dry_run_failure_is_shown_like_kubectl_with_causes_next_to_fields(generation: str) -> None:
    """A cluster misdetected the other way round: the server's strict validation is the last word."""
    with demo(generation) as sim:
        async with running(sim) as (app, pilot):
            caps = app.live.caps
            app.live.caps = dataclasses.replace(caps, explicit_snapshot_class=not caps.explicit_snapshot_class)
            wizard = await open_wizard(pilot, sim, "VirtualDisk", "web-01-root")
            await to_review(pilot, wizard)
            assert wizard.dry is not None and not wizard.dry.ok
            text = screen_text(app)
            assert "Error from server (" in text and "refused" in text
            if generation == "seed":  # 422 Invalid: the required class is missing
                assert wizard.dry.code == 422
                assert "spec.volumeSnapshotClassName: Required value" in text
            else:  # 400 strict decoding error: the class field does not exist here
                assert wizard.dry.code == 400
                assert 'unknown field "spec.volumeSnapshotClassName"' in text
                values = panel_text(app.screen, "#review-values")  # the cause next to its field
                assert "spec.volumeSnapshotClassName: sds-replicated-volume" in values
                assert "unknown field: this cluster's schema does not have it" in values
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, Wizard)
            assert creates(sim, "virtualdisksnapshots") == []
