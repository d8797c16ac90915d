"""Regenerate screenshots/ from the demo cluster: SVGs of the main views, headless, frozen clock, fixed UIDs.

Usage: `python -m bench screenshots [--out screenshots] [--png]`. The demo story settles once (its controllers run
to a fixed point while loading), then nothing changes on the server, and the app's clock is fixed, so the same
code gives the same pictures. `--png` also renders each SVG with rsvg-convert when it is installed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import subprocess
import sys
import time
import types
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CREATED = "2026-09-14T10:00:00Z"
NOW = datetime(2026, 9, 15, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent
Step = Callable[[Any, Any], Awaitable[None]]


def freeze() -> None:
    """Every timestamp the simulator writes is CREATED (creation times, conditions, phase transitions), and the
    wizard's idempotency request ids come from a seeded generator."""
    import tui.kube.writes
    import tui.screens.wizard
    import tui.sim.controllers
    import tui.sim.scenarios  # every module that copies now_iso is loaded before the patch

    for name, mod in list(sys.modules.items()):
        if name.startswith("tui.sim") and hasattr(mod, "now_iso"):
            mod.now_iso = lambda: CREATED  # type: ignore[attr-defined]
    rng = random.Random(20260915)
    ids = types.SimpleNamespace(uuid4=lambda: uuid.UUID(int=rng.getrandbits(128), version=4))
    for mod in (tui.kube.writes, tui.screens.wizard):
        mod.uuid = ids  # type: ignore[attr-defined]


async def until(pilot: Any, cond: Callable[[], Any], timeout: float = 20.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        value = cond()
        if value:
            return value
    raise TimeoutError(f"screenshots: timed out waiting for {what}")


async def tree_ready(pilot: Any, sim: Any) -> None:
    from widgets.live_tree import LiveTree

    app = pilot.app

    def live() -> bool:
        links = app.live.snapshot.links
        return bool(links) and all(v.state in ("live", "not served") for v in links.values()) and len(links) >= 13

    await until(pilot, live, what="every kind live")
    tree = app.screen.query_one(LiveTree)
    await until(pilot, lambda: tree.line_count >= 20, what="the tree")
    uid = sim.get("VirtualMachine", "lab", "web-01")["metadata"]["uid"]
    await until(pilot, lambda: tree.node(uid) is not None, what="web-01 in the tree")
    tree.move_cursor(uid)
    await pilot.pause(0.3)


async def vm_list(pilot: Any, sim: Any) -> None:
    from widgets.live_table import LiveTable

    await tree_ready(pilot, sim)
    await pilot.press("colon", *"vdsnapshot", "enter")
    await until(pilot, lambda: pilot.app.screen.query(LiveTable) and
                pilot.app.screen.query_one(LiveTable).row_count >= 5, what="the list")
    await pilot.pause(0.3)


async def detail(pilot: Any, sim: Any) -> None:
    from tui.screens.detail import DetailScreen

    await tree_ready(pilot, sim)
    await pilot.press("d")
    await until(pilot, lambda: isinstance(pilot.app.screen, DetailScreen) and pilot.app.screen.events is not None,
                what="the detail view")
    await pilot.pause(0.3)


async def yaml_view(pilot: Any, sim: Any) -> None:
    from tui.screens.yaml import YamlScreen

    await tree_ready(pilot, sim)
    await pilot.press("y")
    await until(pilot, lambda: isinstance(pilot.app.screen, YamlScreen) and pilot.app.screen.manifest is not None,
                what="the YAML view")
    await pilot.pause(0.3)


async def help_view(pilot: Any, sim: Any) -> None:
    await tree_ready(pilot, sim)
    await pilot.press("question_mark")
    await pilot.pause(0.3)


async def wizard(pilot: Any, sim: Any) -> None:
    from tui.screens.wizard import Wizard

    await tree_ready(pilot, sim)
    await pilot.press("t")
    await until(pilot, lambda: isinstance(pilot.app.screen, Wizard), what="the snapshot wizard")
    await pilot.pause(0.3)


async def wizard_review(pilot: Any, sim: Any) -> None:
    from tui.screens.wizard import Wizard

    await wizard(pilot, sim)
    w = pilot.app.screen
    for _ in range(8):
        if isinstance(w, Wizard) and w.on_review:
            break
        await pilot.press("enter")
        await pilot.pause(0.1)
    await until(pilot, lambda: w.dry is not None and not w.busy, what="the dry-run verdict")
    await pilot.pause(0.3)


SHOTS: list[tuple[str, tuple[int, int], Step]] = [
    ("tree-120x40", (120, 40), tree_ready), ("tree-80x24", (80, 24), tree_ready),
    ("list-120x40", (120, 40), vm_list), ("detail-120x40", (120, 40), detail), ("yaml-120x40", (120, 40), yaml_view),
    ("help-120x40", (120, 40), help_view), ("wizard-120x40", (120, 40), wizard),
    ("wizard-review-120x40", (120, 40), wizard_review),
]


async def shoot(sim: Any, name: str, size: tuple[int, int], step: Step, out: Path) -> Path:
    from tui.app import DvpApp
    from tui.live import Options

    app = DvpApp(Options(kubeconfig=sim.kubeconfig_path, all_namespaces=True, clock=lambda: NOW))
    async with app.run_test(size=size) as pilot:
        await step(pilot, sim)
        svg = app.export_screenshot(title=f"dvpsnap — {name}")
    path = out / f"{name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench screenshots")
    ap.add_argument("--out", type=Path, default=ROOT / "screenshots")
    ap.add_argument("--png", action="store_true", help="also write PNGs (needs rsvg-convert)")
    ap.add_argument("--only", default="", help="comma-separated names, e.g. tree-120x40")
    args = ap.parse_args(argv)
    freeze()
    from tui.sim.cluster import SimCluster

    args.out.mkdir(parents=True, exist_ok=True)
    wanted = {n for n in args.only.split(",") if n}
    failed = 0
    with SimCluster("v1.10", scenario="demo", controllers=False, seed="dvpsnap-demo") as sim:
        for name, size, step in SHOTS:
            if wanted and name not in wanted:
                continue
            try:
                path = asyncio.run(shoot(sim, name, size, step, args.out))
            except Exception as e:  # one broken view must not hide the others
                failed += 1
                print(f"{name}: FAILED: {type(e).__name__}: {e}", file=sys.stderr)
                continue
            print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {path.stat().st_size:,} bytes")
            converter = shutil.which("rsvg-convert")
            if args.png and converter:
                subprocess.run([converter, "-o", str(path.with_suffix(".png")), str(path)], check=False)
    return 1 if failed else 0
