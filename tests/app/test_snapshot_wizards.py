"""Both snapshot wizards end to end against the simulator, per generation: keys only, the exact object on the
server, and its progress in the operations pane to Ready or Failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.helpers import screen_text, until
from tests.app.snapwiz import (
    GENERATIONS,
    NS,
    actor,
    create,
    creates,
    demo,
    expected_disk_spec,
    expected_vm_spec,
    notifications,
    open_wizard,
    running,
    to_review,
)
from tui.kube.writes import REQUEST_ID
from tui.screens.operations import OperationsScreen

pytestmark = pytest.mark.parametrize("generation", GENERATIONS)


@pytest.fixture(autouse=True)
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    return tmp_path / "dvpsnap" / "journal.jsonl"


async def test_disk_snapshot_enter_enter_creates_the_contract_manifest_and_reaches_ready(
        generation: str, journal: Path) -> None:
    with demo(generation) as sim:
        async with running(sim) as (app, pilot):
            wizard = await open_wizard(pilot, sim, "VirtualDisk", "web-01-root")
            assert wizard.title_text == "Take a disk snapshot"
            steps = [s.title for s in wizard.steps]
            assert ("VolumeSnapshotClass" in steps) == (generation == "seed")  # flags, not versions
            await to_review(pilot, wizard)
            review = screen_text(app)
            assert "created (server dry run)" in review and "kind: VirtualDiskSnapshot" in review
            out = await create(pilot, wizard)
            name = out.obj["metadata"]["name"]
            assert name.startswith("web-01-root-") and len(name) == len("web-01-root-20260101-0000")
            stored = sim.get("VirtualDiskSnapshot", NS, name)
            assert stored is not None
            assert stored["spec"] == expected_disk_spec(generation, "web-01-root")
            assert stored["metadata"]["annotations"][REQUEST_ID] == wizard.request_id
            assert len(creates(sim, "virtualdisksnapshots")) == 1

            op = app.nav.writes.tracker.get(stored["metadata"]["uid"])
            assert op is not None
            await pilot.press("p")
            assert isinstance(app.screen, OperationsScreen)
            await until(pilot, lambda: app.nav.writes.tracker.get(op.started.uid).stage == "done",  # type: ignore
                        timeout=30, what="the snapshot to be Ready")
            await until(pilot, lambda: "ready" in screen_text(app), what="the pane to show it")
            assert any(f"VirtualDiskSnapshot {name}: Ready" in n for n in notifications(app))
            assert '"verb": "create"' in journal.read_text()


async def test_vm_snapshot_enter_enter_creates_the_contract_manifest_and_reaches_ready_consistent(
        generation: str) -> None:
    with demo(generation) as sim:
        async with running(sim) as (app, pilot):
            wizard = await open_wizard(pilot, sim, "VirtualMachine", "web-01")
            assert wizard.values["target"] == "vm"
            await to_review(pilot, wizard)
            out = await create(pilot, wizard)
            name = out.obj["metadata"]["name"]
            assert name.startswith("web-01-")
            stored = sim.get("VirtualMachineSnapshot", NS, name)
            assert stored is not None and stored["spec"] == expected_vm_spec(generation, "web-01")
            uid = stored["metadata"]["uid"]
            await until(pilot, lambda: app.nav.writes.tracker.get(uid).stage == "done",  # type: ignore[union-attr]
                        timeout=30, what="the VM snapshot to be Ready")
            op = app.nav.writes.tracker.get(uid)
            assert op is not None and op.phase == "Ready" and op.consistent is True
            final = sim.get("VirtualMachineSnapshot", NS, name) or {}
            assert final["status"]["phase"] == "Ready" and final["status"].get("consistent") is True
            await pilot.press("p")
            await until(pilot, lambda: "ready, consistent" in screen_text(app), what="the pane row")


async def test_vm_row_offers_a_disk_snapshot_of_one_of_its_disks(generation: str) -> None:
    with demo(generation) as sim:
        async with running(sim) as (_app, pilot):
            wizard = await open_wizard(pilot, sim, "VirtualMachine", "web-01")
            await pilot.press("down", "down")  # VM snapshot → web-01-root → web-01-data
            assert wizard.values["target"] == "disk:web-01-data"
            assert wizard.values["name"].startswith("web-01-data-")  # the suggestion follows the choice
            await to_review(pilot, wizard)
            out = await create(pilot, wizard)
            stored = sim.get("VirtualDiskSnapshot", NS, out.obj["metadata"]["name"])
            assert stored is not None and stored["spec"] == expected_disk_spec(generation, "web-01-data")


async def test_operations_pane_follows_a_snapshot_to_failed_with_reason_and_message(generation: str) -> None:
    with demo(generation) as sim:
        async with running(sim) as (app, pilot):
            actor(sim).hold_snapshots(True)  # the CSI driver stalls: the VolumeSnapshot never gets ready
            wizard = await open_wizard(pilot, sim, "VirtualDisk", "build-runner-root")
            await to_review(pilot, wizard)
            out = await create(pilot, wizard)
            name, uid = out.obj["metadata"]["name"], out.obj["metadata"]["uid"]
            await pilot.press("p")

            def volume_snapshot() -> str:
                return str(((sim.get("VirtualDiskSnapshot", NS, name) or {}).get("status") or {})
                           .get("volumeSnapshotName") or "")

            await until(pilot, lambda: app.nav.writes.tracker.get(uid).stage == "in progress",  # type: ignore
                        timeout=30, what="in progress")
            vs = await until(pilot, volume_snapshot, timeout=30, what="the VolumeSnapshot")
            actor(sim).fail_volume_snapshot(vs, "simulated CSI failure")
            await until(pilot, lambda: app.nav.writes.tracker.get(uid).stage == "failed",  # type: ignore
                        timeout=30, what="Failed")
            op = app.nav.writes.tracker.get(uid)
            assert op is not None and op.reason == "VirtualDiskSnapshotFailed"
            assert "simulated CSI failure" in op.message
            await until(pilot, lambda: "simulated CSI failure" in screen_text(app), what="the message in the pane")
            assert any("simulated CSI failure" in n for n in notifications(app))
