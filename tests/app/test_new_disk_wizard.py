"""`R` on a disk snapshot: a new disk from it, per generation — name and size rules, StorageClass limited to
the same CSI driver (hidden where ignored), followed to Ready or WaitForFirstConsumer; bodies as in dvp-api §8."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.app import restorewiz as w
from tests.app.snapwiz import running, to_review
from tests.sim import restore_kit as k
from tui.screens.wizard import Wizard
from widgets.choice import Choice

NS, SNAP = w.NS, w.DISK_SNAP


@pytest.fixture(autouse=True)
def journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))


def codes(wizard: Wizard) -> dict[str, str]:
    return {f.code: f"{f.level}: {f.message}" for f in wizard.findings}


def contract_disk(seed: bool) -> dict[str, Any]:
    """§8's "new disk from a disk snapshot" body: the v1.10 one, or seed's (no size, no class)."""
    found = [b for b in w.contract_bodies() if b.get("kind") == "VirtualDisk"]
    if len(found) < 2:
        pytest.skip("../shared/spec/dvp-api.md is not available")
    return found[1] if seed else found[0]


async def _open(pilot: Any, sim: Any) -> Wizard:
    return await w.wizard_after(pilot, await w.press_on(pilot, sim, "VirtualDiskSnapshot", SNAP, "R"))


@pytest.mark.parametrize("generation", ["seed", "cse", "v1.8", "v1.10"])
async def test_enter_through_creates_the_disk_and_follows_it_to_ready(generation: str) -> None:
    honoured = generation in ("v1.8", "v1.10")
    with w.scene(generation) as sim:
        async with running(sim) as (_app, pilot):
            wizard = await _open(pilot, sim)
            assert wizard.values["name"] == "web-01-root-recovered"
            assert wizard.values["size"] == "1Gi"  # the original size / restoreSize
            assert ("storage_class" in wizard.values) == honoured  # hidden where the cluster ignores it
            if honoured:
                options = [o.value for o in w.widget(wizard, "storage_class").options]
                assert options == ["replicated"]  # nfs and local-wffc belong to other CSI drivers
            await to_review(pilot, wizard)
            await pilot.press("enter")
            screen = await w.progress(pilot)
            assert screen.progress is not None and screen.progress.succeeded
            stored = sim.get("VirtualDisk", NS, "web-01-root-recovered")
            assert stored is not None and k.phase(stored) == "Ready"
            body = contract_disk(seed=not honoured)
            source = {"type": "ObjectRef", "objectRef": {"kind": "VirtualDiskSnapshot", "name": SNAP}}
            if honoured:
                assert stored["spec"] == {**body["spec"], "dataSource": source,
                                          "persistentVolumeClaim": {"size": "1Gi", "storageClassName": "replicated"}}
            else:
                assert stored["spec"] == {**body["spec"], "dataSource": source}  # the docs page's shape


async def test_same_driver_classes_size_floor_and_wait_for_first_consumer() -> None:
    with w.scene("v1.10") as sim:
        sim.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                   "metadata": {"name": "replicated-wffc"}, "provisioner": k.REPLICATED,
                   "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": True})
        async with running(sim) as (_app, pilot):
            wizard = await _open(pilot, sim)
            choice = w.widget(wizard, "storage_class")
            assert isinstance(choice, Choice)
            assert [o.value for o in choice.options] == ["replicated", "replicated-wffc"]
            await w.set_field(pilot, wizard, "size", "512Mi")
            assert codes(wizard)["size-too-small"].startswith("blocker")
            await w.set_field(pilot, wizard, "size", "2Gi")
            assert "size-too-small" not in codes(wizard)
            choice.focus()
            await pilot.press("down")
            assert wizard.values["storage_class"] == "replicated-wffc"
            assert "wffc" in codes(wizard)
            await to_review(pilot, wizard)
            await pilot.press("enter")
            screen = await w.progress(pilot)
            assert screen.progress is not None and "WaitForFirstConsumer" in screen.progress.summary
            stored = sim.get("VirtualDisk", NS, "web-01-root-recovered")
            assert stored is not None
            assert stored["spec"]["persistentVolumeClaim"] == {"size": "2Gi", "storageClassName": "replicated-wffc"}


@pytest.mark.parametrize("generation", ["seed", "cse"])
async def test_a_larger_size_is_a_resize_where_the_class_is_not_honoured(generation: str) -> None:
    with w.scene(generation) as sim:
        async with running(sim) as (_app, pilot):
            wizard = await _open(pilot, sim)
            await w.set_field(pilot, wizard, "size", "2Gi")
            assert codes(wizard)["resize-after"].startswith("warning")
            await to_review(pilot, wizard)
            await pilot.press("enter")
            await w.progress(pilot)
            stored = sim.get("VirtualDisk", NS, "web-01-root-recovered")
            assert stored is not None and stored["spec"]["persistentVolumeClaim"] == {"size": "2Gi"}
