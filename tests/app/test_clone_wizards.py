"""Clone wizards against the simulator (v1.8, v1.10): VMOP Clone of a VM and VMSOP CreateVirtualMachine from a
snapshot — free names by default, the live name preview, DryRun verdicts, the contract's request bodies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.app import restorewiz as w
from tests.app.helpers import screen_text, until
from tests.app.snapwiz import running, to_review
from tests.sim import restore_kit as k
from tui.screens.wizard import Wizard
from tui.sim.cluster import SimCluster

NS, SNAP = w.NS, w.SNAP
VMOP, VMSOP = "VirtualMachineOperation", "VirtualMachineSnapshotOperation"
CLONE_GENS = ("v1.8", "v1.10")


@pytest.fixture(autouse=True)
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))


def findings(wizard: Wizard, code: str) -> list[str]:
    return [f"{f.level}: {f.message}" for f in wizard.findings if f.code == code]


def contract(kind: str, type_: str) -> dict[str, Any]:
    for body in w.contract_bodies():
        if body.get("kind") == kind and body["spec"].get("type") == type_:
            return body
    pytest.skip("../shared/spec/dvp-api.md is not available")


async def _open(pilot: Any, sim: SimCluster, kind: str, name: str) -> Wizard:
    screen = await w.press_on(pilot, sim, kind, name, "C")
    return await w.wizard_after(pilot, screen)  # v1.8 asks between VMSOP and VirtualMachineRestore: Enter = VMSOP


def _created(sim: SimCluster, kind: str, mode: str) -> list[dict[str, Any]]:
    block = "clone" if kind == VMOP else "createVirtualMachine"
    return [o for o in sim.list(kind, NS) if (o["spec"].get(block) or {}).get("mode") == mode]


@pytest.mark.parametrize("generation", CLONE_GENS)
@pytest.mark.parametrize("source", ["vm", "snapshot"])
async def test_enter_through_clones_under_free_names_and_they_become_ready(generation: str, source: str) -> None:
    with w.scene(generation) as sim:
        async with running(sim, size=(120, 50)) as (_app, pilot):
            kind = VMOP if source == "vm" else VMSOP
            first = await _open(pilot, sim, *(("VirtualMachine", "web-01") if source == "vm"
                                              else ("VirtualMachineSnapshot", SNAP)))
            preview = w.info(first)
            for old, new in (("web-01", "web-01-copy"), ("web-01-root", "web-01-root-copy"),
                             ("web-01-data", "web-01-data-copy"), ("web-01-data-attach", "web-01-data-attach-copy")):
                assert f" {old} → {new} (free)" in preview
            assert "web-01-cloudinit → web-01-cloudinit" in preview  # the Secret is reused (same data)
            assert any("fresh IP" in m for m in findings(first, "new-addresses"))
            _, second = await w.dry_run_then_mode(pilot, first)
            assert "web-01-root-copy is valid for restore" in w.info(second)  # the controller says "restore" here too
            assert not [f for f in second.findings if f.level == "blocker"]
            await to_review(pilot, second)
            await pilot.press("enter")
            screen = await w.progress(pilot, timeout=60)
            assert screen.progress is not None and screen.progress.succeeded
            real = _created(sim, kind, "Strict")
            assert len(real) == 1 and real[0]["status"]["phase"] == "Completed"
            for obj_kind, name in (("VirtualMachine", "web-01-copy"), ("VirtualDisk", "web-01-root-copy"),
                                   ("VirtualDisk", "web-01-data-copy")):
                assert sim.get(obj_kind, NS, name) is not None
            lines = {line.label: line.badge.word for line in screen.progress.lines}
            assert lines["VirtualDisk web-01-root-copy"] in ("Ready", "WaitForFirstConsumer")
            if source == "vm":
                assert k.phase(sim.get("VirtualMachine", NS, "web-01")) == "Running"  # the source is untouched


@pytest.mark.parametrize("generation", CLONE_GENS)
async def test_vm_clone_request_body_equals_the_contract(generation: str) -> None:
    body = contract(VMOP, "Clone")
    with w.scene(generation, hotplug=()) as sim:
        async with running(sim) as (_app, pilot):
            first = await _open(pilot, sim, "VirtualMachine", "web-01")
            for rule in body["spec"]["clone"]["nameReplacement"]:
                key = next(f.key for f in first.fields if f.label.startswith(f"{rule['from']['kind']} "
                                                                             f"{rule['from']['name']} "))
                await w.set_field(pilot, first, key, rule["to"])
            _, second = await w.dry_run_then_mode(pilot, first)
            await to_review(pilot, second)
            await pilot.press("enter")
            await w.progress(pilot, timeout=60)
            real = _created(sim, VMOP, "Strict")[0]
            assert real["spec"] == body["spec"]
            assert real["metadata"]["generateName"] == body["metadata"]["generateName"]
            dry = _created(sim, VMOP, "DryRun")[0]
            assert dry["spec"]["clone"] == {**body["spec"]["clone"], "mode": "DryRun"}
            assert sim.get("VirtualMachine", NS, "web-02") is not None


@pytest.mark.parametrize("generation", CLONE_GENS)
async def test_vm_from_snapshot_with_a_prefix_equals_the_contract(generation: str) -> None:
    body = contract(VMSOP, "CreateVirtualMachine")
    prefix = body["spec"]["createVirtualMachine"]["customization"]["namePrefix"]
    with w.scene(generation) as sim:
        async with running(sim, size=(120, 50)) as (_app, pilot):
            first = await _open(pilot, sim, "VirtualMachineSnapshot", SNAP)
            for f in first.fields:
                if f.key.startswith("to-"):
                    await w.set_field(pilot, first, f.key, "")
            await w.set_field(pilot, first, "prefix", prefix)
            preview = w.info(first)
            for name in ("web-01", "web-01-root", "web-01-data", "web-01-data-attach", "web-01-cloudinit"):
                assert f" {name} → {prefix}{name} (free)" in preview
            _, second = await w.dry_run_then_mode(pilot, first)
            await to_review(pilot, second)
            await pilot.press("enter")
            await w.progress(pilot, timeout=60)
            real = _created(sim, VMSOP, "Strict")[0]
            assert real["spec"] == {**body["spec"], "virtualMachineSnapshotName": SNAP}
            assert real["metadata"]["generateName"] == body["metadata"]["generateName"]
            assert sim.get("VirtualMachine", NS, f"{prefix}web-01") is not None
            assert sim.get("Secret", NS, f"{prefix}web-01-cloudinit") is not None


@pytest.mark.parametrize("generation", CLONE_GENS)
@pytest.mark.parametrize("source", ["vm", "snapshot"])
async def test_collisions_show_in_the_preview_and_the_dry_run_with_the_controllers_words(
        generation: str, source: str) -> None:
    with w.scene(generation) as sim:
        async with running(sim, size=(120, 50)) as (_app, pilot):
            first = await _open(pilot, sim, *(("VirtualMachine", "web-01") if source == "vm"
                                              else ("VirtualMachineSnapshot", SNAP)))
            await w.set_field(pilot, first, "to-0", "")  # the VM keeps its name: it exists
            await w.set_field(pilot, first, "to-1", "")  # so does the root disk (mounted by web-01)
            want = ["VirtualMachine with name web-01 already exists",
                    "VirtualDisk with name web-01-root attached to VirtualMachine web-01"]
            await until(pilot, lambda: len(findings(first, "name-taken")) == 2, what="the collisions")
            assert [m.removeprefix("warning: ") for m in findings(first, "name-taken")] == want  # DryRun still runs
            assert "web-01 → web-01 (exists)" in w.info(first)
            _, second = await w.dry_run_then_mode(pilot, first)
            verdict = w.info(second)
            for message in want:
                assert message in verdict
            blocked = findings(second, "dry-run-failed")
            assert blocked and all(m in blocked[0] for m in want)
            assert [m.split(": ", 1)[0] for m in findings(second, "name-taken")] == ["blocker", "blocker"]
            await pilot.press("down")
            await pilot.pause()
            assert findings(second, "dry-run-failed")  # BestEffort does not tolerate collisions either
            kind = VMOP if source == "vm" else VMSOP
            assert not _created(sim, kind, "Strict") and not _created(sim, kind, "BestEffort")


@pytest.mark.parametrize("generation", CLONE_GENS)
async def test_name_limits_are_checked_on_the_client(generation: str) -> None:
    with w.scene(generation) as sim:
        async with running(sim, size=(120, 50)) as (app, pilot):
            first = await _open(pilot, sim, "VirtualMachineSnapshot", SNAP)
            await w.set_field(pilot, first, "to-1", "d" * 59)  # 59 + "-x" = 61: over 60 on v1.8 only
            await w.set_field(pilot, first, "suffix", "-x")
            invalid = findings(first, "name-invalid")
            long_disk = f"VirtualDisk {'d' * 59}-x"
            if generation == "v1.8":
                assert any(long_disk in m and "too long (61 > 60)" in m for m in invalid), invalid
            else:
                assert not any(long_disk in m for m in invalid)
            await w.set_field(pilot, first, "to-0", "v" * 62)
            assert any("too long (64 > 63)" in m for m in findings(first, "name-invalid"))
            await w.set_field(pilot, first, "suffix", "s" * 60)
            assert "must be between 1 and 59" in screen_text(app) or findings(first, "rename-length")
            await pilot.press("enter")
            assert app.screen is first and first.index == 0  # the step is not accepted
