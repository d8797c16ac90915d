"""VirtualMachineClass: the default class `generic` exists from the start; every class is Ready."""

from __future__ import annotations

from tui.sim.controllers.base import Obj, Reconciler, Status
from tui.sim.controllers.runtime import Runtime

GENERIC: Obj = {
    "kind": "VirtualMachineClass",
    "metadata": {"name": "generic", "annotations": {
        "virtualmachineclass.virtualization.deckhouse.io/is-default-class": "true"}},
    "spec": {
        "cpu": {"type": "Host"},
        "nodeSelector": {},
        "sizingPolicies": [{"cores": {"min": 1, "max": 64}, "coreFractions": [5, 10, 20, 50, 100],
                            "dedicatedCores": [False], "memory": {"min": "512Mi", "max": "256Gi", "step": "1Gi"}}],
    },
}


def ensure_generic(rt: Runtime) -> None:
    """Create `generic` (v1alpha2) when the kind is served and the class is missing."""
    d = rt.cluster.registry.find_kind("VirtualMachineClass")
    if d is None or rt.cluster.store.get(d.key, None, "generic") is not None:
        return
    rt.create({**GENERIC, "apiVersion": d.api_version, "status": {"phase": "Ready", "observedGeneration": 1}})


class VirtualMachineClassController(Reconciler):
    kind = "VirtualMachineClass"

    def reconcile(self, namespace: str, name: str, obj: Obj | None) -> None:
        if obj is None:
            return
        st = Status(obj)
        st.phase = "Terminating" if obj["metadata"].get("deletionTimestamp") else "Ready"
        self.commit(st)
