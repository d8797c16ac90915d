"""`R` and `C` (ux.md §4.4): the restore / clone / new-disk wizard that fits the row, after a permission check.

`R` on a VM snapshot: in-place restore (VMOP Restore, or VirtualMachineRestore where it is the only restore);
`R` on a disk snapshot: a new disk. `C` on a VM: clone; `C` on a VM snapshot: a new VM (VMSOP, or
VirtualMachineRestore as a copy). Paths come from Capabilities (tui.screens.restore_paths); when a key has
several on this cluster, a chooser asks (Enter takes the first).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.kube.kinds import BY_ID
from tui.kube.objects import KubeObject, VirtualDiskSnapshot, VirtualMachine, VirtualMachineSnapshot
from tui.screens import restore_paths as paths
from tui.screens.clone_wizards import clone_vm, vm_from_snapshot
from tui.screens.new_disk import new_disk
from tui.screens.restore_flow import choose_path
from tui.screens.restore_wizards import inplace_restore, legacy_restore

if TYPE_CHECKING:
    from tui.screens.nav import Nav

CREATES = {paths.INPLACE: "vmop", paths.CLONE: "vmop", paths.FROM_SNAPSHOT: "vmsop", paths.LEGACY: "vmrestore",
           paths.LEGACY_COPY: "vmrestore", paths.NEW_DISK: "vd"}
"""path → the kind id its wizard creates (the permission that is checked)."""
KEY_KINDS = ("vmop", "vmsop", "vmrestore", "vd")


def open_restore(nav: Nav, kind_id: str, uid: str) -> None:
    """The `R` key."""
    _open(nav, "restore", kind_id, uid, paths.restore_paths(nav.live.caps, kind_id))


def open_clone(nav: Nav, kind_id: str, uid: str) -> None:
    """The `C` key."""
    _open(nav, "clone", kind_id, uid, paths.clone_paths(nav.live.caps, kind_id))


def key_state(nav: Nav) -> bool | None:
    """For `check_action`: hidden in read-only mode, disabled when RBAC denies every create they lead to."""
    return nav.writes.key_state(KEY_KINDS, "create")


def _open(nav: Nav, key: str, kind_id: str, uid: str, offered: list[paths.WizardPath]) -> None:
    obj = nav.live.snapshot.of(kind_id).get(uid)
    if obj is None or not offered:
        nav.app.notify(f"{'R' if key == 'restore' else 'C'}: {paths.unavailable(nav.live.caps, key, kind_id)}",
                       markup=False)
        return
    title = f"{'Restore' if key == 'restore' else 'Copy'} {obj.metadata.name}: which way?"
    choose_path(nav, title, offered, lambda path: _permitted(nav, path, kind_id, uid))


def _permitted(nav: Nav, path: str, kind_id: str, uid: str) -> None:
    """Open the wizard once the user may create what it creates (cached answer, else asked off the UI thread)."""
    obj = nav.live.snapshot.of(kind_id).get(uid)
    if obj is None:
        nav.app.notify("the object is gone", severity="warning", markup=False)
        return
    kind, ns, writes = BY_ID[CREATES[path]], obj.metadata.namespace, nav.writes
    cached = writes.verdict(kind, ns)
    if cached is not None:
        _start(nav, path, obj, cached.allowed, cached.reason)
        return

    def ask() -> None:
        verdict = writes.check(kind, ns)
        nav.app.call_from_thread(_start, nav, path, obj, verdict.allowed, verdict.reason)

    nav.app.run_worker(ask, thread=True, group="permissions")


def _start(nav: Nav, path: str, obj: KubeObject, allowed: bool, reason: str) -> None:
    if not allowed:
        nav.app.notify(f"Cannot create a {BY_ID[CREATES[path]].kind} here: {reason}", severity="error", markup=False)
        return
    opener = _OPENERS[path]
    opener(nav, obj)


def _snapshot_opener(fn: Callable[[Nav, VirtualMachineSnapshot], object]) -> Callable[[Nav, KubeObject], None]:
    def run(nav: Nav, obj: KubeObject) -> None:
        if isinstance(obj, VirtualMachineSnapshot):
            fn(nav, obj)

    return run


def _vm(nav: Nav, obj: KubeObject) -> None:
    if isinstance(obj, VirtualMachine):
        clone_vm(nav, obj)


def _disk(nav: Nav, obj: KubeObject) -> None:
    if isinstance(obj, VirtualDiskSnapshot):
        new_disk(nav, obj)


_OPENERS: dict[str, Callable[[Nav, KubeObject], None]] = {
    paths.INPLACE: _snapshot_opener(inplace_restore),
    paths.LEGACY: _snapshot_opener(lambda nav, s: legacy_restore(nav, s, copy=False)),
    paths.LEGACY_COPY: _snapshot_opener(lambda nav, s: legacy_restore(nav, s, copy=True)),
    paths.FROM_SNAPSHOT: _snapshot_opener(vm_from_snapshot),
    paths.CLONE: _vm,
    paths.NEW_DISK: _disk,
}
