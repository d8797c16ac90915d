"""VirtualMachineIPAddress: allocate an address (Auto) or take the static one, then Bound / Attached."""

from __future__ import annotations

import ipaddress

from tui.sim.controllers import timing
from tui.sim.controllers.base import ANN, Obj, Reconciler, Status, deleting, meta, spec, status

CLEANUP = ANN + "vmip-cleanup"
POOL_START = ipaddress.IPv4Address("10.66.10.10")
POOL_SIZE = 65000


class VirtualMachineIPAddressController(Reconciler):
    kind = "VirtualMachineIPAddress"
    watches = ("VirtualMachine",)

    def keys_for(self, change_kind: str, obj: Obj) -> list[tuple[str, str]]:
        if change_kind == "VirtualMachine":
            names = {spec(obj).get("virtualMachineIPAddressName"), status(obj).get("virtualMachineIPAddressName")}
            return [(meta(obj).get("namespace", ""), n) for n in sorted(n for n in names if n)]
        return super().keys_for(change_kind, obj)

    def reconcile(self, namespace: str, name: str, obj: Obj | None) -> None:
        if obj is None:
            self.forget(namespace, name)
            return
        if deleting(obj):
            self.rt.remove_finalizer(obj, CLEANUP)
            return
        obj = self.ensure_finalizer(obj, CLEANUP)
        st = Status(obj)
        address = st.data.get("address")
        if not address:
            if not self.waited(namespace, name, "allocate", timing.IP_ALLOCATE):
                st.phase = "Pending"
                self.commit(st)
                return
            address = spec(obj).get("staticIP") if spec(obj).get("type") == "Static" else self.allocate()
            st.data["address"] = address
            self.forget(namespace, name)
        st.cond("Bound", "True", "Bound")
        vm = self.holder(obj)
        if vm:
            st.phase = "Attached"
            st.data["virtualMachineName"] = vm
            st.cond("Attached", "True", "Attached")
        else:
            st.phase = "Bound"
            st.data.pop("virtualMachineName", None)
            st.cond("Attached", "False", "VirtualMachineNotFound", "VirtualMachine not found.")
        self.commit(st)

    def holder(self, vmip: Obj) -> str:
        ns, name = meta(vmip).get("namespace", ""), meta(vmip)["name"]
        for vm in self.scan("VirtualMachine", ns):
            if name in (spec(vm).get("virtualMachineIPAddressName"), status(vm).get("virtualMachineIPAddressName")):
                return str(meta(vm)["name"])
        return ""

    def allocate(self) -> str:
        used = {status(v).get("address") for v in self.scan(self.kind, None)}
        for i in range(POOL_SIZE):
            candidate = str(POOL_START + i)
            if candidate.endswith((".0", ".255")):
                continue
            if candidate not in used:
                return candidate
        raise RuntimeError("the simulated IP pool is exhausted")
