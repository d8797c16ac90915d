"""Our own schema definitions of every served kind, per DVP API generation: `registry_for(generation)`."""

from __future__ import annotations

from tui.sim.resources import Registry, ResourceDef
from tui.sim.schemas.builtin import builtin_defs
from tui.sim.schemas.disks import virtual_disk, virtual_disk_snapshot
from tui.sim.schemas.gen import GENERATIONS, Gen
from tui.sim.schemas.network import ip_address, mac_address
from tui.sim.schemas.operations import virtual_machine_operation, virtual_machine_snapshot_operation
from tui.sim.schemas.snapshots import virtual_machine_restore, virtual_machine_snapshot
from tui.sim.schemas.vm import block_device_attachment, virtual_machine
from tui.sim.schemas.vmclass import virtual_machine_classes

__all__ = ["GENERATIONS", "Gen", "dvp_defs", "registry_for"]


def dvp_defs(generation: str) -> list[ResourceDef]:
    """The DVP kinds one generation serves (fresh objects each call)."""
    gen = Gen(generation)
    defs = [
        virtual_machine(gen), virtual_disk(gen), virtual_disk_snapshot(gen), virtual_machine_snapshot(gen),
        virtual_machine_operation(gen), block_device_attachment(gen), ip_address(gen),
        *virtual_machine_classes(gen),
    ]
    if gen.has("vm_restore"):
        defs.append(virtual_machine_restore(gen))
    if gen.has("vmsop"):
        defs.append(virtual_machine_snapshot_operation(gen))
    if gen.has("vmmac"):
        defs.append(mac_address(gen))
    return defs


def registry_for(generation: str) -> Registry:
    """Built-in kinds plus the DVP kinds of `generation` ("seed", "cse", "v1.8" or "v1.10")."""
    registry = Registry()
    registry.add(*builtin_defs(), *dvp_defs(generation))
    return registry
