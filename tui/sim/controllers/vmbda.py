"""VirtualMachineBlockDeviceAttachment: hot-plug a disk into a running VM (Pending → InProgress → Attached)."""

from __future__ import annotations

from tui.sim.controllers import timing
from tui.sim.controllers.base import ANN, Obj, Reconciler, Status, deleting, meta, phase, spec
from tui.sim.controllers.vm import node_for, select_node

CLEANUP = ANN + "vmbda-cleanup"
DISK_OK = ("Ready", "Resizing", "Migrating", "WaitForFirstConsumer")


class VirtualMachineBlockDeviceAttachmentController(Reconciler):
    kind = "VirtualMachineBlockDeviceAttachment"
    watches = ("VirtualMachine", "VirtualDisk")

    def keys_for(self, change_kind: str, obj: Obj) -> list[tuple[str, str]]:
        ns, name = meta(obj).get("namespace", ""), meta(obj)["name"]
        if change_kind == "VirtualMachine":
            return [(ns, meta(b)["name"]) for b in self.scan(self.kind, ns)
                    if spec(b).get("virtualMachineName") == name]
        if change_kind == "VirtualDisk":
            return [(ns, meta(b)["name"]) for b in self.scan(self.kind, ns)
                    if (spec(b).get("blockDeviceRef") or {}).get("name") == name]
        return super().keys_for(change_kind, obj)

    def reconcile(self, namespace: str, name: str, obj: Obj | None) -> None:
        if obj is None:
            self.forget(namespace, name)
            return
        if deleting(obj):
            st = Status(obj)
            st.phase = "Terminating"
            self.commit(st)
            self.rt.remove_finalizer(obj, CLEANUP)
            return
        obj = self.ensure_finalizer(obj, CLEANUP)
        st = Status(obj)
        vm_name = spec(obj).get("virtualMachineName", "")
        ref = spec(obj).get("blockDeviceRef") or {}
        vm = self.get("VirtualMachine", namespace, vm_name)
        disk = self.get("VirtualDisk", namespace, ref.get("name")) if ref.get("kind") == "VirtualDisk" else None
        disk_ok = ref.get("kind") != "VirtualDisk" or phase(disk) in DISK_OK
        if disk_ok:
            st.cond("BlockDeviceReady", "True", "BlockDeviceReady")
        else:
            st.cond("BlockDeviceReady", "False", "BlockDeviceNotReady",
                    f'Waiting for the {ref.get("kind")} "{ref.get("name")}" to be ready.')
        running = phase(vm) == "Running"
        if running:
            st.cond("VirtualMachineReady", "True", "VirtualMachineReady")
        else:
            st.cond("VirtualMachineReady", "False", "VirtualMachineNotReady",
                    f'Waiting for the virtual machine "{vm_name}" to be running.' if vm
                    else f'The virtual machine "{vm_name}" not found.')
        st.cond("DiskAttachmentCapacityAvailableType", "True", "CapacityAvailable")
        other = self._conflict(obj, namespace, ref.get("name", ""))
        if other:
            st.phase = "Failed"
            st.cond("Attached", "False", "Conflict", other)
        elif st.phase == "Attached" and vm is not None and (disk is not None or ref.get("kind") != "VirtualDisk"):
            st.data["virtualMachineName"] = vm_name
        elif running and disk_ok:
            if disk is not None:
                select_node(self, namespace, ref.get("name"), node_for(vm_name))
            if self.waited(namespace, name, "attach", timing.ATTACH):
                st.phase = "Attached"
                st.data["virtualMachineName"] = vm_name
                st.cond("Attached", "True", "Attached")
            else:
                st.phase = "InProgress"
                st.cond("Attached", "False", "AttachmentRequestSent", "Attachment request sent: waiting for it "
                        "to be processed.")
        else:
            self.forget(namespace, name)
            st.phase = "Pending"
            st.cond("Attached", "False", "NotAttached", "Waiting for the block device and the virtual machine.")
        self.commit(st)

    def _conflict(self, obj: Obj, namespace: str, disk: str) -> str:
        """The disk is already a static device of another VM or hot-plugged elsewhere."""
        vm_name = spec(obj).get("virtualMachineName")
        for vm in self.scan("VirtualMachine", namespace):
            if meta(vm)["name"] != vm_name and any(r.get("name") == disk and r.get("kind") == "VirtualDisk"
                                                   for r in spec(vm).get("blockDeviceRefs") or []):
                return f'The virtual disk "{disk}" is already attached to the virtual machine "{meta(vm)["name"]}".'
        for b in self.scan(self.kind, namespace):
            if meta(b)["name"] != meta(obj)["name"] and phase(b) == "Attached" \
                    and (spec(b).get("blockDeviceRef") or {}).get("name") == disk:
                return f'The virtual disk "{disk}" is already attached by "{meta(b)["name"]}".'
        return ""
