"""Snapshot deletion: what goes with it, Cancel focused or the name typed, UID preconditions, a result per item;
the hygiene view and its multi-select delete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.app.helpers import until
from tests.app.snapwiz import GENERATIONS, NS, actor, demo, notifications, panel_text, running, select, uid
from tui.screens.delete import ConfirmDelete, DeleteResults
from tui.screens.hygiene import HygieneScreen
from widgets.confirm import TypedConfirm
from widgets.live_table import LiveTable


@pytest.fixture(autouse=True)
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    return tmp_path / "dvpsnap" / "journal.jsonl"


def deletes(sim: object) -> list[object]:
    return [r for r in sim.requests if r.method == "DELETE"]  # type: ignore[attr-defined]


@pytest.mark.parametrize("generation", GENERATIONS)
async def test_vm_snapshot_delete_lists_what_goes_with_it_and_needs_the_name_typed(generation: str,
                                                                                  journal: Path) -> None:
    with demo(generation) as sim:
        async with running(sim) as (app, pilot):
            snap = sim.get("VirtualMachineSnapshot", NS, "web-01-before-upgrade") or {}
            status = snap["status"]
            await select(pilot, sim, "VirtualMachineSnapshot", "web-01-before-upgrade")
            await pilot.press("D")
            dialog = await until(pilot, lambda: isinstance(app.screen, TypedConfirm) and app.screen,
                                 what="the typed confirmation")
            text = panel_text(dialog, "#body")
            for child in status["virtualDiskSnapshotNames"]:
                assert f"VirtualDiskSnapshot {child}" in text
            assert f"Secret {status['virtualMachineSnapshotSecretName']}" in text
            assert "VolumeSnapshot" in text and snap["metadata"]["uid"] in text
            await pilot.press("enter")  # nothing typed: nothing happens
            assert app.screen is dialog
            await pilot.press(*"web-01-before-upgrade", "enter")
            await until(pilot, lambda: deletes(sim), what="the DELETE")
            await until(pilot, lambda: sim.get("VirtualMachineSnapshot", NS, "web-01-before-upgrade") is None,
                        timeout=30, what="the snapshot to be gone")
            entry = [json.loads(line) for line in journal.read_text().splitlines() if '"delete"' in line]
            assert entry and entry[0]["ok"] and entry[0]["name"] == "web-01-before-upgrade"
            assert any("deletion accepted" in n for n in notifications(app))


async def test_disk_snapshot_delete_starts_on_cancel_and_carries_the_uid_precondition() -> None:
    with demo("v1.10") as sim:
        async with running(sim) as (app, pilot):
            await select(pilot, sim, "VirtualDiskSnapshot", "web-01-root-20260914")
            await pilot.press("delete")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDelete), what="the confirmation")
            assert "VolumeSnapshot" in panel_text(app.screen, "#body")
            await pilot.press("enter")  # Cancel has the focus
            await until(pilot, lambda: not isinstance(app.screen, ConfirmDelete), what="the dialog to close")
            assert deletes(sim) == []
            # the object is replaced under the same name before the confirmation: the UID precondition refuses
            await pilot.press("D")
            await until(pilot, lambda: isinstance(app.screen, ConfirmDelete), what="the confirmation")
            old_uid = uid(sim, "VirtualDiskSnapshot", "web-01-root-20260914")
            actor(sim).delete("VirtualDiskSnapshot", "web-01-root-20260914")
            await until(pilot, lambda: sim.get("VirtualDiskSnapshot", NS, "web-01-root-20260914") is None,
                        timeout=20, what="the old one to be gone")
            actor(sim).snapshot_disk("web-01-root-20260914", "web-01-root")  # someone else's, same name
            await pilot.press("tab", "enter")
            await until(pilot, lambda: deletes(sim), what="the DELETE")
            await until(pilot, lambda: any("Conflict" in n or "Precondition" in n for n in notifications(app)),
                        what="the refusal")
            assert sim.get("VirtualDiskSnapshot", NS, "web-01-root-20260914") is not None
            assert old_uid != uid(sim, "VirtualDiskSnapshot", "web-01-root-20260914")


@pytest.mark.parametrize("generation", ["seed", "v1.10"])
async def test_hygiene_shows_failed_and_stuck_snapshots_and_deletes_the_marked_ones(generation: str) -> None:
    with demo(generation) as sim:
        async with running(sim) as (app, pilot):
            app.nav.run("hygiene")
            screen = await until(pilot, lambda: isinstance(app.screen, HygieneScreen) and app.screen,
                                 what="the hygiene view")
            table = screen.query_one("#problems", LiveTable)
            failed = uid(sim, "VirtualDiskSnapshot", "scratch-blank-before-wipe")
            await until(pilot, lambda: table.row(failed) is not None, what="the Failed snapshot")
            row = table.row(failed)
            assert row is not None and "failed" in str(row.cells[4]) and row.cells[6]
            per_vm = screen.query_one("#per-vm", LiveTable)
            web = per_vm.row(f"{NS}/web-01")
            assert web is not None and int(str(web.cells[1])) >= 1
            manual = uid(sim, "VirtualDiskSnapshot", "db-01-root-manual")  # no agent: Failed, or Pending (waits)
            if generation == "v1.10":
                assert "failed" in str((table.row(manual) or row).cells[4])
            else:  # not stuck yet ... until the threshold is lower than its age
                assert table.row(manual) is None
                await pilot.press("escape")
                app.push_screen(HygieneScreen(app.live, app.nav, stuck_after=0))
                screen = await until(pilot, lambda: isinstance(app.screen, HygieneScreen) and app.screen)
                table = screen.query_one("#problems", LiveTable)
                await until(pilot, lambda: table.row(manual) is not None, what="the stuck snapshot")
                assert "stuck" in str((table.row(manual) or row).cells[4])
            victims = [failed, manual]
            for key in victims:
                table.move_cursor(key)
                await pilot.press("space")
            assert table.marked_keys == frozenset(victims)
            await pilot.press("D")
            await until(pilot, lambda: isinstance(app.screen, TypedConfirm), what="the typed confirmation")
            await pilot.press(*"delete 2", "enter")
            await until(pilot, lambda: isinstance(app.screen, DeleteResults), timeout=20, what="the results")
            results = panel_text(app.screen, "#results")
            assert results.count("deleted") >= 2, results
            await pilot.press("escape")
            assert isinstance(app.screen, HygieneScreen)
            assert all(k in screen.results and screen.results[k].outcome.ok for k in victims)
