"""Helpers for the snapshot wizard tests: the demo cluster per generation, keys to a wizard, the contract manifests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from textual.pilot import Pilot

from tests.app.helpers import make_app, ready, until
from tui.app import DvpApp
from tui.kube.findings import Finding
from tui.screens.wizard import Wizard
from tui.sim.actors import Actor
from tui.sim.cluster import SimCluster
from widgets.live_tree import LiveTree

GENERATIONS = ("seed", "cse", "v1.8", "v1.10")
NS = "lab"
SPEED = 20.0
R_SC, R_VSC, N_VSC = "replicated-thin-r2", "sds-replicated-volume", "csi-nfs-snapshot-class"
Obj = dict[str, Any]


@contextmanager
def demo(generation: str) -> Iterator[SimCluster]:
    """The demo story of `generation`, controllers running fast."""
    with SimCluster(generation, scenario="demo", speed=SPEED, bookmark_interval=0.5) as sim:
        yield sim


@asynccontextmanager
async def running(sim: SimCluster, size: tuple[int, int] = (120, 40), **options: Any,
                  ) -> AsyncIterator[tuple[DvpApp, Pilot[Any]]]:
    app = make_app(sim, **options)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        yield app, pilot


def actor(sim: SimCluster) -> Actor:
    return Actor(sim, NS)


def uid(sim: SimCluster, kind: str, name: str, ns: str = NS) -> str:
    obj = sim.get(kind, ns, name)
    assert obj is not None, f"{kind} {name} not in the simulator"
    return str(obj["metadata"]["uid"])


async def select(pilot: Pilot[Any], sim: SimCluster, kind: str, name: str) -> str:
    """Put the tree cursor on an object (by UID) once the tree shows it."""
    key = uid(sim, kind, name)
    tree = pilot.app.screen.query_one(LiveTree)
    await until(pilot, lambda: tree.node(key) is not None, what=f"{kind} {name} in the tree")
    tree.move_cursor(key)
    await pilot.pause()
    return key


async def open_wizard(pilot: Pilot[Any], sim: SimCluster, kind: str, name: str) -> Wizard:
    await select(pilot, sim, kind, name)
    await pilot.press("t")
    return await until(pilot, lambda: isinstance(pilot.app.screen, Wizard) and pilot.app.screen,
                       what="the wizard")  # type: ignore[no-any-return]


async def to_review(pilot: Pilot[Any], wizard: Wizard, limit: int = 8) -> Wizard:
    """Enter on every step (the defaults), then wait for the server's dry-run verdict."""
    for _ in range(limit):
        if wizard.on_review:
            break
        await pilot.press("enter")
        await pilot.pause()
    assert wizard.on_review, "the wizard did not reach the review"
    await until(pilot, lambda: wizard.dry is not None and not wizard.busy, what="the dry-run verdict")
    return wizard


async def create(pilot: Pilot[Any], wizard: Wizard) -> Any:
    """Enter on the review; the wizard closes with the create's Outcome."""
    assert wizard.dry is not None and wizard.dry.ok, wizard.dry
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(pilot.app.screen, Wizard), what="the wizard to close")
    assert wizard.created is not None and wizard.created.ok, wizard.created
    return wizard.created


def by_code(findings: list[Finding], code: str) -> Finding:
    found = [f for f in findings if f.code == code]
    assert found, f"no finding {code}: {[(f.level, f.code) for f in findings]}"
    return found[0]


def expected_disk_spec(generation: str, disk: str, *, required: bool = True) -> Obj:
    """dvp-api §8: the VirtualDiskSnapshot body per generation (seed names the class)."""
    spec: Obj = {"virtualDiskName": disk}
    if generation == "seed":
        spec["volumeSnapshotClassName"] = R_VSC
    spec["requiredConsistency"] = required
    return spec


def expected_vm_spec(generation: str, vm: str, *, keep_ip: str = "Always") -> Obj:
    """dvp-api §8: the VirtualMachineSnapshot body per generation (seed maps StorageClass → class)."""
    spec: Obj = {"virtualMachineName": vm, "requiredConsistency": True, "keepIPAddress": keep_ip}
    if generation == "seed":
        spec["volumeSnapshotClasses"] = [{"storageClassName": R_SC, "volumeSnapshotClassName": R_VSC}]
    return spec


def notifications(app: DvpApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def creates(sim: SimCluster, plural: str) -> list[Any]:
    """Real (not dry-run) POSTs of `plural` that reached the server."""
    return [r for r in sim.requests if r.method == "POST" and r.path.endswith(f"/{plural}")
            and "dryRun" not in r.query]


def panel_text(screen: Any, selector: str) -> str:
    """The plain text of a Panel (all of it, also what is scrolled out of view)."""
    content = screen.query_one(selector).content
    return str(getattr(content, "plain", content))
