"""Simulated DVP controllers (one module each), started on the server loop by `start`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.sim.controllers.runtime import Controller, Runtime
from tui.sim.controllers.storage import PersistentVolumeClaimController
from tui.sim.controllers.vd import VirtualDiskController
from tui.sim.controllers.vd_from_snapshot import SnapshotSourceWaker
from tui.sim.controllers.vdsnapshot import VirtualDiskSnapshotController
from tui.sim.controllers.vm import VirtualMachineController
from tui.sim.controllers.vmbda import VirtualMachineBlockDeviceAttachmentController
from tui.sim.controllers.vmclass import VirtualMachineClassController, ensure_generic
from tui.sim.controllers.vmip import VirtualMachineIPAddressController
from tui.sim.controllers.vmop import VMOPController
from tui.sim.controllers.vmrestore import VMRestoreController
from tui.sim.controllers.vmsnapshot import VirtualMachineSnapshotController
from tui.sim.controllers.vmsop import VMSOPController
from tui.sim.controllers.volumesnapshot import VolumeSnapshotController

if TYPE_CHECKING:
    from tui.sim.cluster import SimCluster

# Every controller class; each checks what its generation serves. Extend this list to add controllers.
# Order matters only for a change several controllers react to: the snapshot controllers see a new snapshot
# before the disk/VM controllers answer the Snapshotting handshake (so seed/cse snapshots start in Pending).
CONTROLLERS: list[type[Controller]] = [
    VirtualMachineClassController,
    PersistentVolumeClaimController,
    VolumeSnapshotController,
    VirtualDiskSnapshotController,
    VirtualMachineSnapshotController,
    VirtualDiskController,
    VirtualMachineIPAddressController,
    VirtualMachineController,
    VirtualMachineBlockDeviceAttachmentController,
    SnapshotSourceWaker,
    VMRestoreController,
    VMOPController,
    VMSOPController,
]


def all_controllers(rt: Runtime) -> list[Controller]:
    """Every controller of the generation the cluster serves (each checks what is served itself)."""
    return [cls(rt) for cls in CONTROLLERS if rt.served(cls.kind)]


def start(cluster: SimCluster) -> Runtime:
    rt = Runtime(cluster, speed=cluster.speed)
    ensure_generic(rt)
    rt.start(all_controllers(rt))
    return rt
