"""Restore wizards against the simulator: keys per generation, in-place VMOP Restore (DryRun first, verdicts,
typed VM name, refusal), VirtualMachineRestore (copy, conflicts, Forced, the docs page's example)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.app import restorewiz as w
from tests.app.helpers import screen_text, until
from tests.app.snapwiz import notifications, running, select, to_review
from tests.sim import restore_kit as k
from tests.sim import snapshot_kit as sk
from tests.sim.test_vmop_restore import CONFLICTS
from tui.kube import restore_progress as rp
from tui.kube.objects import VirtualMachineOperation
from tui.kube.writes import REQUEST_ID
from tui.screens.restore_flow import PathChooser, ProgressScreen
from tui.screens.wizard import Wizard
from tui.sim.cluster import SimCluster
from widgets.choice import Choice

NS, SNAP = w.NS, w.SNAP
VMOP, VMR = "VirtualMachineOperation", "VirtualMachineRestore"
INPLACE_GENS = ("cse", "v1.8", "v1.10")
LEGACY_GENS = ("seed", "cse", "v1.8")


@pytest.fixture(autouse=True)
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))


def codes(wizard: Wizard) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in wizard.findings:
        out.setdefault(f.code, []).append(f"{f.level}: {f.message}")
    return out


def ops(sim: SimCluster, mode: str) -> list[dict[str, Any]]:
    return [o for o in sim.list(VMOP, NS) if (o["spec"].get("restore") or {}).get("mode") == mode]


def contract(kind: str, **match: str) -> dict[str, Any]:
    """The §8 request body of `kind` (the first whose spec has the `match` items); skip without the spec."""
    for body in w.contract_bodies():
        if body.get("kind") == kind and all(body["spec"].get(a) == b for a, b in match.items()):
            return body
    pytest.skip("../shared/spec/dvp-api.md is not available")


# ---- keys: which wizard opens where ---------------------------------------------------------------
OPENS = {  # generation → (R on a VM snapshot, C on a VM snapshot, C on a VM): a wizard title or chooser paths
    "seed": ("Restore with VirtualMachineRestore", "Restore as a copy with VirtualMachineRestore", None),
    "cse": (["inplace", "legacy"], "Restore as a copy with VirtualMachineRestore", None),
    "v1.8": (["inplace", "legacy"], ["from-snapshot", "legacy-copy"], "Clone VM web-01 — 1/2 DryRun"),
    "v1.10": ("Restore VM web-01 in place — 1/2 DryRun", "New VM from snapshot web-01-before-upgrade — 1/2 DryRun",
              "Clone VM web-01 — 1/2 DryRun"),
}


async def _opened(pilot: Any, sim: SimCluster, kind: str, name: str, key: str) -> Any:
    await select(pilot, sim, kind, name)
    before = len(notifications(pilot.app))
    await pilot.press(key)
    return await until(pilot, lambda: (isinstance(pilot.app.screen, Wizard | PathChooser) and pilot.app.screen)
                       or (len(notifications(pilot.app)) > before and "notified"), what=f"{key} on {name}")


def _shown(screen: Any) -> Any:
    if isinstance(screen, PathChooser):
        return [o.value for o in screen.query_one(Choice).options]
    return screen.title_text if isinstance(screen, Wizard) else None


@pytest.mark.parametrize("generation", ["seed", "cse", "v1.8", "v1.10"])
async def test_keys_open_exactly_the_paths_the_generation_serves(generation: str) -> None:
    with w.scene(generation) as sim:
        async with running(sim) as (app, pilot):
            want_r, want_c, want_clone = OPENS[generation]
            for (kind, name, key), want in ((("VirtualMachineSnapshot", SNAP, "R"), want_r),
                                            (("VirtualMachineSnapshot", SNAP, "C"), want_c),
                                            (("VirtualMachine", "web-01", "C"), want_clone),
                                            (("VirtualDiskSnapshot", w.DISK_SNAP, "R"), "New disk from snapshot")):
                screen = await _opened(pilot, sim, kind, name, key)
                assert _shown(screen) == want, (kind, key)
                text = screen_text(app)
                assert "VirtualMachineRestore" not in text or generation != "v1.10"
                if isinstance(screen, PathChooser) and generation == "v1.8":
                    assert "deprecated" in text  # the legacy path says so
                if want is None:
                    assert "VirtualMachineOperation Clone" in notifications(app)[-1]
                else:
                    await pilot.press("escape")
                    await until(pilot, lambda: not isinstance(app.screen, Wizard | PathChooser), what="closed")
            assert not sim.list(VMOP, NS) and not (generation != "v1.10" and sim.list(VMR, NS))


async def test_read_only_mode_removes_the_restore_and_clone_keys() -> None:
    with w.scene("v1.10") as sim:
        async with running(sim, readonly=True) as (app, pilot):
            await select(pilot, sim, "VirtualMachineSnapshot", SNAP)
            ids = {b.binding.id for b in app.screen.active_bindings.values()}
            assert "dvp.restore" not in ids and "dvp.clone" not in ids
            await pilot.press("R", "C")
            await pilot.pause()
            assert not isinstance(app.screen, Wizard | PathChooser)


# ---- in place: VMOP Restore ----------------------------------------------------------------------
async def _inplace_wizard(pilot: Any, sim: SimCluster, generation: str) -> Wizard:
    screen = await w.press_on(pilot, sim, "VirtualMachineSnapshot", SNAP, "R")
    if isinstance(screen, PathChooser):
        assert screen.query_one(Choice).value == "inplace"  # the default where both exist
    return await w.wizard_after(pilot, screen)


@pytest.mark.parametrize("generation", INPLACE_GENS)
async def test_inplace_restore_runs_dry_run_first_then_strict_after_the_typed_vm_name(generation: str) -> None:
    with w.scene(generation) as sim:
        async with running(sim) as (app, pilot):
            first = await _inplace_wizard(pilot, sim, generation)
            vm_uid = sim.get("VirtualMachine", NS, "web-01")["metadata"]["uid"]  # type: ignore[index]
            snap_uid = sim.get("VirtualMachineSnapshot", NS, SNAP)["metadata"]["uid"]  # type: ignore[index]
            assert vm_uid in screen_text(app) and snap_uid in screen_text(app)
            dry_out, second = await w.dry_run_then_mode(pilot, first)
            dry = sim.get(VMOP, NS, dry_out.obj["metadata"]["name"])
            assert dry is not None and dry["status"]["phase"] == "Completed"
            assert k.phase(sim.get("VirtualMachine", NS, "web-01")) == "Running"  # a DryRun changes nothing
            verdict = screen_text(app)
            for name in ("web-01-root", "web-01-data", "web-01-data-attach", "web-01"):
                assert f"{name}: " in verdict
            if generation != "cse":
                assert "web-01-root is valid for restore" in verdict
            else:
                assert "lists objects only when they fail" in verdict
            body = contract(VMOP, type="Restore")
            assert w.strip_meta(dry) == {**w.strip_meta(body), "status": dry["status"]} | {
                "spec": {**body["spec"], "virtualMachineName": "web-01",
                         "restore": {"mode": "DryRun", "virtualMachineSnapshotName": SNAP}}}
            assert dry["metadata"]["generateName"] == body["metadata"]["generateName"]
            assert [c.value for c in second.query_one(Choice).options] == ["Strict", "BestEffort"]
            await to_review(pilot, second)
            await pilot.press("enter")
            dialog = await w.confirm_typed(pilot, "web-01", wrong="web-02")
            assert vm_uid in str(dialog.body) and snap_uid in str(dialog.body) and "deleted" in str(dialog.body)
            screen = await w.progress(pilot)
            real = [o for o in ops(sim, "Strict")]
            assert len(real) == 1 and real[0]["status"]["phase"] == "Completed"
            assert real[0]["spec"] == {**body["spec"], "virtualMachineName": "web-01",
                                       "restore": {"mode": "Strict", "virtualMachineSnapshotName": SNAP}}
            assert real[0]["metadata"]["annotations"][REQUEST_ID] == second.request_id
            lines = {line.label: line.badge.word for line in screen.progress.lines}  # type: ignore[union-attr]
            assert lines["Maintenance mode"] == "off" and lines["VM web-01"] == "Running"
            assert [v for label, v in lines.items() if label.startswith("VirtualDisk ")] == ["Ready", "Ready"]


@pytest.mark.parametrize("generation", INPLACE_GENS)
@pytest.mark.parametrize("case", sorted(CONFLICTS))
async def test_inplace_conflicts_show_in_the_preview_and_the_dry_run_with_the_controllers_words(
        generation: str, case: str) -> None:
    with w.scene(generation, keep_ip="Always" if case == "ip" else "Never") as sim:
        problem = CONFLICTS[case](sim)
        async with running(sim) as (app, pilot):
            first = await _inplace_wizard(pilot, sim, generation)
            await until(pilot, lambda: first.findings, what="the preflight")
            preview = codes(first).get("conflict", [])
            if case in ("disk", "vmbda"):  # seen from live objects; the IP and Secret need the payload
                assert any(problem in m and m.startswith("warning") for m in preview), preview
            _, second = await w.dry_run_then_mode(pilot, first)
            assert problem in w.flat(app)
            assert "✖ conflict" in w.flat(app)
            found = codes(second)
            if case == "secret":  # BestEffort keeps the existing Secret: allowed; Strict is not
                assert "dry-run-failed" in found
                await pilot.press("down")
                await until(pilot, lambda: "dry-run-failed" not in codes(second), what="BestEffort tolerated")
                await to_review(pilot, second)
                await pilot.press("enter")
                await w.confirm_typed(pilot, "web-01")
                screen = await w.progress(pilot)
                assert screen.progress is not None and screen.progress.succeeded
                assert ops(sim, "BestEffort")[0]["status"]["phase"] == "Completed"
            else:
                assert any(problem in m and m.startswith("blocker") for m in found["dry-run-failed"])
                await pilot.press("down")  # BestEffort does not help either
                await pilot.pause()
                assert "dry-run-failed" in codes(second)
                assert not ops(sim, "Strict") and not ops(sim, "BestEffort")
                if case == "vmbda":  # forced through: Failed while still in maintenance is shown as running
                    await pilot.press("up")
                    await to_review(pilot, second)
                    assert second.draft is not None
                    out = app.nav.writes.writer.create(second.draft.kind, second.draft.manifest)
                    uid = out.obj["metadata"]["uid"]  # type: ignore[index]

                    def failed_in_maintenance() -> Any:
                        op = app.live.view.by_uid(VirtualMachineOperation, uid)
                        return op is not None and op.phase == "Failed" and rp.inplace(app.live.view, op, "Running")

                    follow = await until(pilot, failed_in_maintenance, timeout=30, what="Failed in maintenance")
                    assert not follow.finished and "still running" in follow.summary
                    assert problem in [line.message for line in follow.lines]


@pytest.mark.parametrize("generation", INPLACE_GENS)
async def test_inplace_restore_is_refused_while_another_operation_of_the_vm_is_unfinished(generation: str) -> None:
    with w.scene(generation) as sim:  # an operation of the VM that is being deleted is not finished
        sim.apply({"apiVersion": k.DVP, "kind": VMOP, "metadata": {"name": "stuck", "namespace": NS,
                                                                   "finalizers": ["dvpsnap.test/hold"]},
                   "spec": {"type": "Start", "virtualMachineName": "web-01"}})
        sim.delete(VMOP, NS, "stuck")
        k.until(lambda: k.phase(sim.get(VMOP, NS, "stuck")) == "Terminating", "stuck Terminating")
        async with running(sim) as (app, pilot):
            await until(pilot, lambda: app.live.view.get(VirtualMachineOperation, NS, "stuck") is not None)
            first = await _inplace_wizard(pilot, sim, generation)
            await until(pilot, lambda: "operation-in-progress" in codes(first), what="the refusal")
            refusal = codes(first)["operation-in-progress"][0]
            assert refusal.startswith("blocker") and '"stuck"' in refusal
            await to_review(pilot, first)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, Wizard) and app.screen is first and first.created is None
            if generation == "v1.10":  # the webhook refuses the server dry run with the words the preflight quoted
                assert first.dry is not None and not first.dry.ok
                assert 'Previously created operation "stuck" should finish first' in first.dry.message
                assert 'Previously created operation "stuck" should finish first' in refusal
            else:  # forced through: the controller fails it with the words the preflight quoted
                assert first.draft is not None
                out = app.nav.writes.writer.create(first.draft.kind, first.draft.manifest)
                done = k.wait_phase(sim, VMOP, out.obj["metadata"]["name"], ("Failed",))  # type: ignore[index]
                message = k.cond(done, "Completed")["message"]
                assert message == "VMOP cannot be executed now. Previously created operation should finish first."
                assert message in refusal


# ---- VirtualMachineRestore ----------------------------------------------------------------------------
async def _pick(pilot: Any, screen: Any, path: str) -> Wizard:
    if isinstance(screen, PathChooser):
        choice = screen.query_one(Choice)
        while choice.value != path:
            await pilot.press("down")
        await pilot.press("enter")
        screen = await until(pilot, lambda: isinstance(pilot.app.screen, Wizard) and pilot.app.screen,
                             what="the wizard")
    assert isinstance(screen, Wizard) and "VirtualMachineRestore" in screen.title_text
    return screen


@pytest.mark.parametrize("generation", LEGACY_GENS)
async def test_restore_as_a_copy_enter_through_creates_free_names_and_they_reach_ready(generation: str) -> None:
    with w.scene(generation) as sim:  # keepIPAddress Never: a stored Static IP would collide with the original's
        async with running(sim, size=(120, 50)) as (_app, pilot):
            screen = await w.press_on(pilot, sim, "VirtualMachineSnapshot", SNAP, "C")
            wizard = await _pick(pilot, screen, "legacy-copy")
            found = codes(wizard)
            if generation == "v1.8":
                assert "deprecated" in found
            assert "vmbdas-deleted" in found  # restoring a copy detaches the original VM's hot-plugged disks
            await to_review(pilot, wizard)
            if generation == "v1.8":
                assert any("deprecated" in x for x in wizard.dry.warnings)  # type: ignore[union-attr]
            await pilot.press("enter")
            screen = await w.progress(pilot, timeout=60)
            stored = sim.get(VMR, NS, f"{SNAP}-copy")
            assert stored is not None and stored["status"]["phase"] == "Ready"
            renames = {(r["from"]["kind"], r["from"]["name"]): r["to"] for r in stored["spec"]["nameReplacements"]}
            assert renames == {("VirtualMachine", "web-01"): "web-01-copy", ("VirtualDisk", "web-01-root"):
                               "web-01-root-copy", ("VirtualDisk", "web-01-data"): "web-01-data-copy",
                               ("VirtualMachineBlockDeviceAttachment", "web-01-data-attach"):
                               "web-01-data-attach-copy"}
            body = contract(VMR)
            assert stored["spec"].keys() == body["spec"].keys() and stored["spec"]["restoreMode"] == "Safe"
            assert all(r.keys() == {"from", "to"} and r["from"].keys() == {"kind", "name"}
                       for r in stored["spec"]["nameReplacements"])
            for kind, name in (("VirtualMachine", "web-01-copy"), ("VirtualDisk", "web-01-root-copy"),
                               ("VirtualDisk", "web-01-data-copy")):
                assert sim.get(kind, NS, name) is not None
                assert (kind, name) in [tuple(x.label.split(" ", 1)) for x in screen.progress.lines]  # type: ignore


def _seed_doc_restore() -> dict[str, Any]:
    if not w.SEED_DOC.is_file():
        pytest.skip("../shared/reference/seed-snapshots.ru.md is not available")
    text = w.SEED_DOC.read_text(encoding="utf-8")
    for block in text.split("```yaml")[1:]:
        lines = [x for x in block.split("```", 1)[0].splitlines() if not x.startswith(("d8 k apply", "EOF"))]
        doc = yaml.safe_load("\n".join(lines))
        if isinstance(doc, dict) and doc.get("kind") == VMR:
            return doc
    pytest.fail("the docs page has no VirtualMachineRestore example")


async def test_seed_restore_as_a_copy_equals_the_docs_page_example() -> None:
    doc = _seed_doc_restore()
    snap = doc["spec"]["virtualMachineSnapshotName"]
    with k.cluster("seed", speed=w.SPEED) as sim:  # the docs page's objects: linux-vm, its disks and attachment
        k.vm(sim, "linux-vm")
        sim.apply({"apiVersion": k.DVP, "kind": "VirtualDisk", "metadata": {"name": "blank-disk", "namespace": NS},
                   "spec": {"persistentVolumeClaim": {"size": "1Gi", "storageClassName": "replicated"}}})
        sim.apply({"apiVersion": k.DVP, "kind": "VirtualMachineBlockDeviceAttachment",
                   "metadata": {"name": "attach-blank-disk", "namespace": NS},
                   "spec": {"virtualMachineName": "linux-vm",
                            "blockDeviceRef": {"kind": "VirtualDisk", "name": "blank-disk"}}})
        k.wait_phase(sim, "VirtualMachineBlockDeviceAttachment", "attach-blank-disk", ("Attached",))
        sk.snapshot(sim, "linux-vm", snap, keep_ip="Never")
        async with running(sim, size=(120, 50)) as (_app, pilot):
            screen = await w.press_on(pilot, sim, "VirtualMachineSnapshot", snap, "C")
            wizard = await _pick(pilot, screen, "legacy-copy")
            await w.set_field(pilot, wizard, "name", doc["metadata"]["name"])
            await pilot.press("enter")  # to the names step
            rows = {f.label.split(" →")[0]: f.key for f in wizard.steps[1].fields}
            for rule in doc["spec"]["nameReplacements"]:
                await w.set_field(pilot, wizard, rows[f"{rule['from']['kind']} {rule['from']['name']}"], rule["to"])
            await to_review(pilot, wizard)
            await pilot.press("enter")
            await w.progress(pilot, timeout=60)
            stored = sim.get(VMR, NS, doc["metadata"]["name"])
            assert stored is not None
            assert {k_: v for k_, v in stored["spec"].items() if k_ != "restoreMode"} == doc["spec"]
            assert stored["spec"]["restoreMode"] == "Safe"  # the seed schema has it (v0.23): sent explicitly
            assert stored["status"]["phase"] == "Ready"
            for rule in doc["spec"]["nameReplacements"]:
                kind = rule["from"]["kind"]
                k.until(lambda kind=kind, rule=rule: sim.get(kind, NS, rule["to"]) is not None, rule["to"])


@pytest.mark.parametrize("generation", LEGACY_GENS)
async def test_safe_conflicts_are_listed_at_once_and_the_controller_reports_the_first(generation: str) -> None:
    with w.scene(generation, keep_ip="Always") as sim:
        async with running(sim, size=(120, 50)) as (app, pilot):
            wizard = await _pick(pilot, await w.press_on(pilot, sim, "VirtualMachineSnapshot", SNAP, "C"),
                                 "legacy-copy")
            vmip = sim.get("VirtualMachine", NS, "web-01")["status"]["virtualMachineIPAddressName"]  # type: ignore
            address = sim.get("VirtualMachineIPAddress", NS, vmip)["status"]["address"]  # type: ignore[index]
            # a copy next to the original: the stored Static IP is still held by the original's VMIP
            conflicts = codes(wizard)["conflict"]
            assert any(f'The set address "{address}" is already in use by the different virtual machine ip '
                       f'address "{vmip}"' in c for c in conflicts), conflicts
            # a disk that appears meanwhile under a proposed name is seen live
            sim.apply({"apiVersion": k.DVP, "kind": "VirtualDisk", "metadata": {"name": "web-01-root-copy",
                                                                              "namespace": NS},
                       "spec": {"persistentVolumeClaim": {"size": "1Gi"}}})
            await until(pilot, lambda: any('The virtual disk "web-01-root-copy" already exists.' in c
                                           for c in codes(wizard).get("conflict", [])), what="the live conflict")
            names = w.widget(wizard, "names")
            assert isinstance(names, Choice)
            names.focus()
            await pilot.press("down")  # keep the recorded names: everything collides with the original
            await until(pilot, lambda: wizard.values.get("names") == "recorded")
            await until(pilot, lambda: len(codes(wizard).get("conflict", [])) >= 4, what="every conflict")
            conflicts = codes(wizard)["conflict"]
            for message in ('The virtual machine "web-01" already exists.',
                            'The virtual disk "web-01-root" already exists.',
                            'The virtual disk "web-01-data" already exists.',
                            'The virtual machine block device attachment "web-01-data-attach" already exists.'):
                assert f"blocker: {message}" in conflicts
            if wizard.values.get("mode") == "Forced":
                pytest.fail("a copy starts in Safe mode")
            await to_review(pilot, wizard)
            assert "blocked by the preflight" in screen_text(app)
            await pilot.press("enter")
            assert not sim.list(VMR, NS)  # the wizard refuses; forced through, the controller names the first one
            assert wizard.draft is not None
            out = app.nav.writes.writer.create(wizard.draft.kind, wizard.draft.manifest)
            assert out.ok, out
            done = k.wait_phase(sim, VMR, wizard.values["name"], ("Failed",))
            reported = k.cond(done, "VirtualMachineRestoreReady")
            assert reported["reason"] == "VirtualMachineRestoreConflict"
            first = conflicts[0].removeprefix("blocker: ")
            assert first.startswith(reported["message"].rstrip("."))  # VMIP first: the controller's order


@pytest.mark.parametrize("generation", LEGACY_GENS)
async def test_forced_restore_onto_the_existing_vm_needs_the_typed_name(generation: str) -> None:
    with w.scene(generation) as sim:
        async with running(sim) as (_app, pilot):
            wizard = await _pick(pilot, await w.press_on(pilot, sim, "VirtualMachineSnapshot", SNAP, "R"), "legacy")
            assert wizard.values["mode"] == "Forced" and wizard.values["names"] == "recorded"
            assert "forced-overwrites" in codes(wizard)
            await to_review(pilot, wizard)
            await pilot.press("enter")
            dialog = await w.confirm_typed(pilot, "web-01", wrong="web-01x")
            assert "UID" in str(dialog.body)
            screen = await w.progress(pilot, settled=False, timeout=60)
            assert isinstance(screen, ProgressScreen) and screen.progress is not None and screen.progress.succeeded
            stored = sim.get(VMR, NS, wizard.values["name"])
            assert stored is not None and stored["spec"]["restoreMode"] == "Forced"
            assert "nameReplacements" not in stored["spec"]
