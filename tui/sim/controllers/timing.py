"""Model-time durations of simulated work (seconds at speed 1; the Runtime divides them by `speed`)."""

from __future__ import annotations

STEP = 1.0  # a controller's requeue between two steps of one lifecycle
RETRY = 5.0  # retry after a transient error
BIND = 1.0  # PVC binding (plus BIND_PER_GIB)
BIND_PER_GIB = 0.02
RESIZE = 2.0  # volume expansion (plus RESIZE_PER_GIB of growth)
RESIZE_PER_GIB = 0.05
IMPORT = 3.0  # a disk filled from an image (plus IMPORT_PER_GIB)
IMPORT_PER_GIB = 0.1
SNAPSHOT = 3.0  # a CSI snapshot becomes readyToUse (plus SNAPSHOT_PER_GIB)
SNAPSHOT_PER_GIB = 0.1
SNAPSHOT_DELETE = 2.0  # the CSI driver deletes a snapshot (plus SNAPSHOT_DELETE_PER_GIB)
SNAPSHOT_DELETE_PER_GIB = 0.05
VM_START = 4.0
VM_STOP = 2.0
FREEZE = 1.0
UNFREEZE = 0.5
ATTACH = 1.5  # hot-plug of a VMBDA
IP_ALLOCATE = 0.5


def bind(gib: float) -> float:
    return BIND + BIND_PER_GIB * gib


def resize(growth_gib: float) -> float:
    return RESIZE + RESIZE_PER_GIB * growth_gib


def import_(gib: float) -> float:
    return IMPORT + IMPORT_PER_GIB * gib


def snapshot(gib: float) -> float:
    return SNAPSHOT + SNAPSHOT_PER_GIB * gib


def snapshot_delete(gib: float) -> float:
    return SNAPSHOT_DELETE + SNAPSHOT_DELETE_PER_GIB * gib
