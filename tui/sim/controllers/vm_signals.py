"""How the operation controllers ask the VM controller for a power state or a maintenance window."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.sim.controllers.base import POWER, meta, status
from tui.sim.controllers.restore_plan import ann_of
from tui.sim.controllers.runtime import condition, set_condition

if TYPE_CHECKING:
    from tui.sim.controllers.runtime import Runtime

Obj = dict[str, Any]
VM = "VirtualMachine"
MAINTENANCE = "Maintenance"
IN_MAINTENANCE = "VM is in maintenance mode for restore operation."
LEFT_AFTER_RESTORE = "VM exited maintenance mode after restore completion."
LEFT_ON_DELETION = "VM exited maintenance mode due to vmop deletion."


def _current(rt: Runtime, vm: Obj) -> Obj | None:
    return rt.get(VM, meta(vm).get("namespace"), meta(vm)["name"])


def set_power(rt: Runtime, vm: Obj, power: str | None) -> Obj:
    """Ask for the VM to be started ("on") or stopped ("off"); None hands it back to its runPolicy."""
    cur = _current(rt, vm)
    if cur is None:
        return vm
    ann = cur["metadata"].setdefault("annotations", {})
    if ann.get(POWER) == power:
        return cur
    if power is None:
        ann.pop(POWER, None)
    else:
        ann[POWER] = power
    return rt.update(cur)


def power(vm: Obj | None) -> str | None:
    return ann_of(vm).get(POWER)


def vm_phase(vm: Obj | None) -> str:
    return str(status(vm).get("phase") or "")


def in_maintenance(vm: Obj | None) -> bool:
    return any(c.get("type") == MAINTENANCE and c.get("status") == "True" for c in status(vm).get("conditions") or [])


def set_maintenance(rt: Runtime, vm: Obj, on: bool, message: str) -> Obj:
    """Write the VM's `Maintenance` condition (RestoreInProgress); the VM controller keeps a True one and
    stops the VM, and drops a False one on its next pass."""
    cur = _current(rt, vm)
    if cur is None:
        return vm
    st = dict(status(cur))
    conds = list(st.get("conditions") or [])
    if not on and not any(c.get("type") == MAINTENANCE for c in conds):
        return cur
    gen = int(meta(cur).get("generation") or 1)
    new = condition(MAINTENANCE, "True" if on else "False", "RestoreInProgress", message, gen)
    st["conditions"] = set_condition(conds, new)
    return rt.set_status(cur, st)
