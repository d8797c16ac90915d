"""Helpers for the restore/clone wizard tests: a small cluster with a Ready VM snapshot, keys to the wizards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from textual.pilot import Pilot

from tests.app.helpers import screen_text, until
from tests.app.snapwiz import select, to_review
from tests.sim import restore_kit as k
from tests.sim import snapshot_kit as sk
from tui.screens.restore_flow import PathChooser, ProgressScreen
from tui.screens.wizard import Wizard
from tui.sim.cluster import SimCluster
from widgets.confirm import TypedConfirm

NS = k.NS
SNAP, DISK_SNAP = "web-01-before-upgrade", "web-01-root-20260914"
SPEED = 400.0
Obj = dict[str, Any]
SEED_DOC = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "seed-snapshots.ru.md"


@contextmanager
def scene(generation: str, *, keep_ip: str = "Never", vm: str = "web-01", hotplug: tuple[str, ...] = ("web-01-data",),
          snapshot: str = SNAP) -> Iterator[SimCluster]:
    """Storage, VM `vm` (root disk, hot-plugged disks through `<disk>-attach`, cloud-init Secret), a Ready VM
    snapshot `snapshot` and a Ready disk snapshot of the root disk; controllers fast."""
    with k.cluster(generation, speed=SPEED) as sim:
        k.vm(sim, vm, hotplug=hotplug)
        sk.snapshot(sim, vm, snapshot, keep_ip=keep_ip)
        sk.disk_snapshot(sim, f"{vm}-root", DISK_SNAP)
        yield sim


async def press_on(pilot: Pilot[Any], sim: SimCluster, kind: str, name: str, key: str) -> Any:
    """Select the object in the tree, press `key`; the first screen that opens (a chooser or a wizard)."""
    await select(pilot, sim, kind, name)
    await pilot.press(key)
    return await until(pilot, lambda: isinstance(pilot.app.screen, Wizard | PathChooser) and pilot.app.screen,
                       what=f"{key} to open something")


async def wizard_after(pilot: Pilot[Any], screen: Any) -> Wizard:
    """The wizard that `screen` leads to (Enter on a chooser takes the default path)."""
    if isinstance(screen, PathChooser):
        await pilot.press("enter")
        screen = await until(pilot, lambda: isinstance(pilot.app.screen, Wizard) and pilot.app.screen,
                             what="the wizard")
    assert isinstance(screen, Wizard)
    return screen


async def next_wizard(pilot: Pilot[Any], before: Wizard) -> Wizard:
    found = await until(pilot, lambda: isinstance(pilot.app.screen, Wizard) and pilot.app.screen is not before
                        and pilot.app.screen, what="the next wizard")
    assert isinstance(found, Wizard)
    return found


async def dry_run_then_mode(pilot: Pilot[Any], first: Wizard) -> tuple[Any, Wizard]:
    """Enter through the DryRun wizard; returns the DryRun's Outcome and the mode wizard, verdict in."""
    await to_review(pilot, first)
    assert first.dry is not None and first.dry.ok, first.dry
    await pilot.press("enter")
    second = await next_wizard(pilot, first)
    out = first.created
    assert out is not None and out.ok
    await until(pilot, lambda: "DryRun verdict:" in screen_text(pilot.app) and not second._problem(second.fields[0]),
                timeout=30, what="the DryRun verdict")
    return out, second


async def confirm_typed(pilot: Pilot[Any], name: str, *, wrong: str = "") -> TypedConfirm:
    dialog = await until(pilot, lambda: isinstance(pilot.app.screen, TypedConfirm) and pilot.app.screen,
                         what="the typed confirmation")
    assert isinstance(dialog, TypedConfirm)
    if wrong:
        await pilot.press(*wrong, "enter")
        assert pilot.app.screen is dialog and not dialog.matches  # a wrong name confirms nothing
        for _ in wrong:
            await pilot.press("backspace")
    await pilot.press(*name, "enter")
    return dialog


async def progress(pilot: Pilot[Any], *, settled: bool = True, timeout: float = 40) -> ProgressScreen:
    screen = await until(pilot, lambda: isinstance(pilot.app.screen, ProgressScreen) and pilot.app.screen,
                         what="the progress view")
    assert isinstance(screen, ProgressScreen)
    await until(pilot, lambda: screen.progress is not None and (screen.progress.settled if settled
                                                                else screen.progress.finished),
                timeout=timeout, what="the operation to settle")
    return screen


def widget(wizard: Wizard, key: str) -> Any:
    """The input or choice of field `key` (None until the wizard is composed)."""
    f = next(f for f in wizard.fields if f.key == key)
    found = wizard.query(f"#{wizard._wid('field', f)}")
    return found.first() if found else None


async def set_field(pilot: Pilot[Any], wizard: Wizard, key: str, value: str) -> None:
    """Focus a text field and replace its value by typing (keys only)."""
    from textual.widgets import Input

    field = await until(pilot, lambda: widget(wizard, key), what=f"field {key}")
    assert isinstance(field, Input)
    field.focus()
    await pilot.pause()
    field.clear()
    if len(value) > 16:  # long values are pasted, short ones typed
        field.insert_text_at_cursor(value)
    elif value:
        await pilot.press(*value)
    await until(pilot, lambda: wizard.values[key] == value, what=f"{key} = {value}")


def flat(app: Any) -> str:
    """The screen as one line: frame glyphs dropped, wrapped lines joined (for messages longer than a row)."""
    import re

    text = screen_text(app).replace("█", " ").replace("▀", " ").replace("▄", " ")
    return re.sub(r"\s+", " ", text)


def info(wizard: Wizard) -> str:
    """The current step's info panel (the name preview, the DryRun verdict) as one line."""
    import re

    step = wizard.steps[min(wizard.index, len(wizard.steps) - 1)]
    shown = step.info(wizard.values) if step.info is not None else ""
    return re.sub(r"\s+", " ", shown if isinstance(shown, str) else shown.plain)


def contract_bodies() -> list[Obj]:
    """dvp-api §8's request bodies, parsed from the spec when it is at hand (else [])."""
    spec = SEED_DOC.parents[1] / "spec" / "dvp-api.md"
    if not spec.is_file():
        return []
    text = spec.read_text(encoding="utf-8").split("## 8. Request bodies", 1)[-1].split("\n## 9.", 1)[0]
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml")[1:]]
    return [d for b in blocks for d in yaml.safe_load_all(b) if isinstance(d, dict)]


def strip_meta(manifest: Obj) -> Obj:
    return {k: v for k, v in manifest.items() if k != "metadata"}
