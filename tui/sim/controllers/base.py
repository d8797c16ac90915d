"""Helpers shared by the simulated DVP controllers: status writes, conditions, model-time waits, sizes."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from tui.sim.controllers.flags import Flags, flags_for
from tui.sim.controllers.runtime import Controller, Runtime, condition, remove_condition, set_condition
from tui.sim.schemas.admission import parse_quantity

Obj = dict[str, Any]
DVP = "virtualization.deckhouse.io/v1alpha2"
ANN = "virtualization.deckhouse.io/"
SIM = "sim.dvpsnap.io/"
# Simulation knobs (annotations tests, actors and scenarios set):
AGENT = SIM + "agent"  # on a VM: "false" = no guest agent
POWER = SIM + "power"  # on a VM: "on" / "off" = started / stopped manually (VMOP Start/Stop, actors)
FREEZE_ERROR = SIM + "freeze-error"  # on a VM: the freeze subresource call fails with this text
UNFREEZE_ERROR = SIM + "unfreeze-error"  # on a VM: the unfreeze subresource call fails with this text
FREEZE_SECONDS = SIM + "freeze-seconds"  # on a VM: model seconds a freeze/unfreeze takes (slow agent)
RESIZING = SIM + "resizing"  # on a VirtualDisk: "true" = held in Resizing
MIGRATING = SIM + "migrating"  # on a VirtualDisk: "true" = being migrated (v1.8+)
FS_REQUEST = ANN + "virtual-machine-filesystem-request"  # freeze|unfreeze, pending on the VM
GIB = 2**30
UNITS = (("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10))


def meta(obj: Obj | None) -> Obj:
    return (obj or {}).get("metadata") or {}


def spec(obj: Obj | None) -> Obj:
    return (obj or {}).get("spec") or {}


def status(obj: Obj | None) -> Obj:
    return (obj or {}).get("status") or {}


def ann_of(obj: Obj | None) -> dict[str, str]:
    return meta(obj).get("annotations") or {}


def deleting(obj: Obj | None) -> bool:
    return bool(meta(obj).get("deletionTimestamp"))


def phase(obj: Obj | None) -> str:
    return str(status(obj).get("phase") or "")


def cond(obj: Obj | None, type_: str) -> Obj | None:
    for c in status(obj).get("conditions") or []:
        if c.get("type") == type_:
            return dict(c)
    return None


def is_true(obj: Obj | None, type_: str) -> bool:
    c = cond(obj, type_)
    return c is not None and c.get("status") == "True"


def to_bytes(value: Any) -> int:
    q = parse_quantity(value) if value not in (None, "") else None
    return int(q) if q is not None else 0


def quantity(n: int) -> str:
    """Bytes as the API shows them: the largest binary unit that divides evenly."""
    for suffix, size in UNITS:
        if n and n % size == 0:
            return f"{n // size}{suffix}"
    return str(n)


def gib(value: Any) -> float:
    return float(Decimal(to_bytes(value)) / GIB)


def owner_ref(obj: Obj, *, controller: bool = False) -> Obj:
    ref: Obj = {"apiVersion": obj.get("apiVersion", DVP), "kind": obj["kind"], "name": meta(obj)["name"],
                "uid": meta(obj)["uid"]}
    if controller:
        ref.update(controller=True, blockOwnerDeletion=True)
    return ref


class Status:
    """A working copy of an object's status: set fields and conditions, then `commit` once."""

    def __init__(self, obj: Obj) -> None:
        self.obj = obj
        self.old: Obj = status(obj)
        self.data: Obj = copy.deepcopy(self.old)
        self.generation = int(meta(obj).get("generation") or 1)

    @property
    def phase(self) -> str:
        return str(self.data.get("phase") or "")

    @phase.setter
    def phase(self, value: str) -> None:
        self.data["phase"] = value

    def cond(self, type_: str, st: str, reason: str, message: str = "") -> None:
        new = condition(type_, st, reason, message, self.generation)
        self.data["conditions"] = set_condition(self.data.get("conditions") or [], new)

    def drop(self, type_: str) -> None:
        self.data["conditions"] = remove_condition(self.data.get("conditions") or [], type_)
        if not self.data["conditions"]:
            del self.data["conditions"]

    def reason(self, type_: str) -> tuple[str, str]:
        for c in self.data.get("conditions") or []:
            if c.get("type") == type_:
                return str(c.get("reason", "")), str(c.get("message", ""))
        return "", ""

    def changed(self) -> bool:
        self.data["observedGeneration"] = self.generation
        return self.data != self.old


class Reconciler(Controller):
    """A Controller with the generation's flags and helpers for model-time waits and status writes."""

    def __init__(self, rt: Runtime) -> None:
        super().__init__(rt)
        self.g: Flags = flags_for(rt.generation)
        self._due: dict[tuple[str, str, str], float] = {}
        self._armed: set[tuple[str, str, str]] = set()

    # ---- reading ---------------------------------------------------------------------------
    def get(self, kind: str, namespace: str | None, name: str | None) -> Obj | None:
        return self.rt.get(kind, namespace, name) if name else None

    def scan(self, kind: str, namespace: str | None) -> list[Obj]:
        return self.rt.scan(kind, namespace)

    # ---- writing ---------------------------------------------------------------------------
    def commit(self, st: Status) -> Obj:
        if st.changed():
            return self.rt.set_status(st.obj, st.data)
        return st.obj

    def annotate(self, obj: Obj, key: str, value: str | None) -> Obj:
        """Set (or with None remove) one annotation on the stored object."""
        cur = self.get(obj["kind"], meta(obj).get("namespace"), meta(obj)["name"])
        if cur is None:
            return obj
        ann = cur["metadata"].setdefault("annotations", {})
        if ann.get(key) == value:
            return cur
        if value is None:
            ann.pop(key, None)
        else:
            ann[key] = value
        return self.rt.update(cur)

    def ensure_finalizer(self, obj: Obj, finalizer: str) -> Obj:
        if deleting(obj) or finalizer in (meta(obj).get("finalizers") or []):
            return obj
        return self.rt.add_finalizer(obj, finalizer)

    # ---- time ------------------------------------------------------------------------------
    def waited(self, ns: str, name: str, tag: str, model_seconds: float) -> bool:
        """True once `model_seconds` have passed since the first call for (ns, name, tag); until then the
        object is requeued for the moment the wait ends."""
        key = (ns, name, tag)
        loop = self.rt.loop
        assert loop is not None
        real = self.rt.seconds(model_seconds)
        now = loop.time()
        due = self._due.setdefault(key, now + real)
        if real <= 0 or now >= due:
            return True
        if key not in self._armed:
            self._armed.add(key)

            def fire() -> None:
                self._armed.discard(key)
                self.rt.requeue(self, ns, name)

            self.rt.after(due - now, fire)
        return False

    def forget(self, ns: str, name: str, tag: str | None = None) -> None:
        for key in [k for k in self._due if k[0] == ns and k[1] == name and (tag is None or k[2] == tag)]:
            del self._due[key]

    def later(self, ns: str, name: str, model_seconds: float) -> None:
        self.rt.requeue(self, ns, name, model_seconds)
