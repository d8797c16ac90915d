"""Storage and workload controllers: PVC binding, VolumeSnapshot class selection, disks, VMs, VMBDA, VMIP."""

from __future__ import annotations

import pytest

from tests.conftest import wait_for
from tests.sim.snapkit import (
    FOREIGN,
    GENERATIONS,
    N_SC,
    NS,
    R_SC,
    REPLICATED,
    W_SC,
    cluster,
    cond,
    meta,
    phase,
    status,
    subsequence,
)


@pytest.mark.parametrize("generation", GENERATIONS)
def test_blank_disk_provisioning_names_and_status(generation: str) -> None:
    with cluster(generation) as k:
        k.a.disk("blank", "12Gi")
        disk = k.wait_phase("VirtualDisk", "blank", "Ready")
        st = status(disk)
        prefix = "vd-" if generation in ("seed", "cse") else "d8v-vd-"
        pvc_name = f"{prefix}blank-{meta(disk)['uid']}"
        assert st["target"] == {"persistentVolumeClaimName": pvc_name}
        assert (st["capacity"], st["storageClassName"], st["progress"]) == ("12Gi", R_SC, "100%")
        assert cond(disk, "Ready")["reason"] == "Ready"
        assert cond(disk, "InUse")["reason"] == "NotInUse"
        assert "virtualization.deckhouse.io/vd-cleanup" in meta(disk)["finalizers"]
        assert subsequence(["Pending", "Provisioning", "Ready"], k.rec.phases("VirtualDisk", "blank"))
        pvc = k.get("PersistentVolumeClaim", pvc_name)
        assert status(pvc)["phase"] == "Bound"
        owner = meta(pvc)["ownerReferences"][0]
        assert (owner["kind"], owner["name"], owner["controller"]) == ("VirtualDisk", "blank", True)


def test_wait_for_first_consumer_until_a_running_vm_uses_the_disk() -> None:
    with cluster("v1.10") as k:
        k.a.disk("lazy", "5Gi", W_SC)
        disk = k.wait_phase("VirtualDisk", "lazy", "WaitForFirstConsumer")
        assert cond(disk, "Ready")["reason"] == "WaitingForFirstConsumer"
        k.settle()
        assert phase(k.get("VirtualDisk", "lazy")) == "WaitForFirstConsumer"
        k.a.vm("user", ["lazy"], run_policy="AlwaysOff")
        vm = k.wait_phase("VirtualMachine", "user", "Stopped")
        assert cond(vm, "BlockDevicesReady")["reason"] == "WaitingForWaitForFirstConsumerBlockDevicesToBeReady"
        assert phase(k.get("VirtualDisk", "lazy")) == "WaitForFirstConsumer"
        k.a.edit("VirtualMachine", "user", lambda o: o["spec"].update(runPolicy="AlwaysOn"))
        k.wait_phase("VirtualMachine", "user", "Running")
        disk = k.wait_phase("VirtualDisk", "lazy", "Ready")
        pvc = k.get("PersistentVolumeClaim", status(disk)["target"]["persistentVolumeClaimName"])
        assert meta(pvc)["annotations"]["volume.kubernetes.io/selected-node"] == status(k.get(
            "VirtualMachine", "user"))["nodeName"]


def test_seed_reason_for_wait_for_first_consumer_devices() -> None:
    with cluster("seed") as k:
        k.a.disk("lazy", "5Gi", W_SC)
        k.a.vm("user", ["lazy"], run_policy="AlwaysOff")
        vm = k.wait_phase("VirtualMachine", "user", "Stopped")
        wait_for(lambda: cond(k.get("VirtualMachine", "user"), "BlockDevicesReady").get("reason")
                 == "WaitingForTheProvisioningToPersistentVolumeClaim")
        assert vm


def test_disk_resize_grows_pvc_and_capacity() -> None:
    with cluster("v1.10") as k:
        k.disk("grow", "10Gi")
        k.a.resize("grow", "15Gi")
        disk = wait_for(lambda: (d := k.get("VirtualDisk", "grow")) and status(d).get("capacity") == "15Gi" and d)
        assert phase(disk) == "Ready" and not cond(disk, "Resizing")
        assert "Resizing" in k.rec.phases("VirtualDisk", "grow")


@pytest.mark.parametrize("generation", GENERATIONS)
def test_marked_resizing_and_migrating(generation: str) -> None:
    with cluster(generation) as k:
        k.disk("d")
        k.a.mark_resizing("d")
        disk = k.wait_phase("VirtualDisk", "d", "Resizing")
        assert cond(disk, "Resizing")["reason"] == "InProgress"
        k.a.mark_resizing("d", False)
        k.wait_phase("VirtualDisk", "d", "Ready")
        k.a.mark_migrating("d")
        if generation in ("v1.8", "v1.10"):
            disk = k.wait_phase("VirtualDisk", "d", "Migrating")
            assert cond(disk, "Migrating")["reason"] == "InProgress"
        else:
            k.settle()
            assert phase(k.get("VirtualDisk", "d")) == "Ready"


@pytest.mark.parametrize("policy,expected", [("AlwaysOff", "Stopped"), ("AlwaysOn", "Running"),
                                              ("AlwaysOnUnlessStoppedManually", "Running"), ("Manual", "Stopped")])
def test_vm_run_policies(policy: str, expected: str) -> None:
    with cluster("v1.10") as k:
        k.a.vm("vm", ["vm-root"], run_policy=policy)
        k.a.disk("vm-root")
        vm = k.wait_phase("VirtualMachine", "vm", expected)
        if expected == "Running":
            assert subsequence(["Starting", "Running"], k.rec.phases("VirtualMachine", "vm"))
            assert status(vm)["nodeName"].startswith("worker-")
            assert cond(vm, "AgentReady")["reason"] == "AgentReady"
        else:
            assert status(vm)["nodeName"] == "" and not cond(vm, "AgentReady")


def test_vm_start_stop_restart_and_agent() -> None:
    with cluster("v1.10") as k:
        k.vm("vm", ["vm-root"], running=True)
        k.a.stop("vm")
        vm = k.wait_phase("VirtualMachine", "vm", "Stopped")
        assert cond(vm, "Running")["reason"] == "NotRunning"
        disk = k.get("VirtualDisk", "vm-root")
        assert status(disk)["attachedToVirtualMachines"] == [{"name": "vm"}]
        assert cond(disk, "InUse")["reason"] == "NotInUse"
        k.a.start("vm")
        k.wait_phase("VirtualMachine", "vm", "Running")
        wait_for(lambda: status(k.get("VirtualDisk", "vm-root")).get("attachedToVirtualMachines")
                 == [{"name": "vm", "mounted": True}])
        k.a.remove_agent("vm")
        wait_for(lambda: cond(k.get("VirtualMachine", "vm"), "AgentReady").get("reason") == "AgentNotReady")
        assert cond(k.get("VirtualMachine", "vm"), "AgentReady")["message"].startswith("The guest agent is not")
        k.a.restore_agent("vm")
        wait_for(lambda: cond(k.get("VirtualMachine", "vm"), "AgentReady").get("status") == "True")
        k.a.change_vm("vm", cores=4)
        vm = wait_for(lambda: (v := k.get("VirtualMachine", "vm")) and status(v).get("restartAwaitingChanges") and v)
        assert status(vm)["restartAwaitingChanges"] == [
            {"operation": "replace", "path": "cpu.cores", "currentValue": 1, "desiredValue": 4}]
        assert cond(vm, "AwaitingRestartToApplyConfiguration")["reason"] == "ChangesPendingRestart"
        k.a.restart("vm")
        vm = wait_for(lambda: (v := k.get("VirtualMachine", "vm")) and phase(v) == "Running"
                      and not status(v).get("restartAwaitingChanges") and v)
        assert status(vm)["resources"]["cpu"]["cores"] == 4
        assert subsequence(["Stopping", "Stopped", "Starting", "Running"], k.rec.phases("VirtualMachine", "vm")[3:])


def test_vm_gets_auto_ip_address() -> None:
    with cluster("cse") as k:
        vm = k.vm("web", ["web-root"])
        name = status(vm)["virtualMachineIPAddressName"]
        vmip = k.get("VirtualMachineIPAddress", name)
        m = meta(vmip)
        assert m["generateName"] == "web-" and name.startswith("web-") and len(name) == len("web-") + 5
        assert m["labels"]["virtualization.deckhouse.io/virtual-machine-uid"] == meta(vm)["uid"]
        assert m["ownerReferences"][0]["controller"] is True and m["ownerReferences"][0]["name"] == "web"
        assert status(vmip)["phase"] == "Attached" and status(vmip)["virtualMachineName"] == "web"
        assert status(vm)["ipAddress"] == status(vmip)["address"]
        k.a.ip_address("fixed", "10.66.99.5")
        k.a.vm("db", ["db-root"], ip_address="fixed")
        k.a.disk("db-root")
        vm = k.wait_phase("VirtualMachine", "db", "Running")
        assert status(vm)["ipAddress"] == "10.66.99.5"


def test_vmbda_hotplug_shows_in_vm_status() -> None:
    with cluster("v1.8") as k:
        k.vm("vm", ["vm-root"])
        k.disk("extra", "7Gi")
        k.a.attach("extra-attach", "vm", "extra")
        vmbda = k.wait_phase("VirtualMachineBlockDeviceAttachment", "extra-attach", "Attached")
        assert cond(vmbda, "Attached")["reason"] == "Attached"
        assert status(vmbda)["virtualMachineName"] == "vm"
        vm = wait_for(lambda: (v := k.get("VirtualMachine", "vm")) and len(status(v)["blockDeviceRefs"]) == 2 and v)
        hot = status(vm)["blockDeviceRefs"][1]
        assert hot == {"kind": "VirtualDisk", "name": "extra", "size": "7Gi", "attached": True, "target": "sda",
                       "hotplugged": True, "virtualMachineBlockDeviceAttachmentName": "extra-attach"}
        wait_for(lambda: status(k.get("VirtualDisk", "extra")).get("attachedToVirtualMachines")
                 == [{"name": "vm", "mounted": True}])
        k.a.delete("VirtualMachineBlockDeviceAttachment", "extra-attach")
        k.wait_gone("VirtualMachineBlockDeviceAttachment", "extra-attach")
        wait_for(lambda: len(status(k.get("VirtualMachine", "vm"))["blockDeviceRefs"]) == 1)


def test_vmbda_waits_for_a_running_vm() -> None:
    with cluster("v1.10") as k:
        k.vm("off", ["off-root"], running=False)
        k.disk("extra")
        k.a.attach("att", "off", "extra")
        vmbda = k.wait_phase("VirtualMachineBlockDeviceAttachment", "att", "Pending")
        assert cond(vmbda, "VirtualMachineReady")["reason"] == "VirtualMachineNotReady"


def test_generic_vm_class_exists_from_the_start() -> None:
    with cluster("v1.10") as k:
        vmc = k.sim.get("VirtualMachineClass", None, "generic")
        assert vmc is not None and phase(vmc) == "Ready"


# ---- the external snapshot-controller --------------------------------------------------------
def _volume_snapshot(k: object, name: str, pvc: str, cls: str | None = None) -> None:
    spec: dict[str, object] = {"source": {"persistentVolumeClaimName": pvc}}
    if cls is not None:
        spec["volumeSnapshotClassName"] = cls
    k.a.apply({"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",  # type: ignore[attr-defined]
               "metadata": {"name": name, "namespace": NS}, "spec": spec})


def test_volume_snapshot_default_class_content_and_ready() -> None:
    with cluster("v1.10") as k:
        disk = k.disk("src", "20Gi")
        pvc = status(disk)["target"]["persistentVolumeClaimName"]
        _volume_snapshot(k, "vs", pvc)
        vs = wait_for(lambda: (v := k.get("VolumeSnapshot", "vs")) and status(v).get("readyToUse") and v)
        assert vs["spec"]["volumeSnapshotClassName"] == "sds-replicated-volume"
        assert status(vs)["restoreSize"] == "20Gi"
        content = k.get("VolumeSnapshotContent", status(vs)["boundVolumeSnapshotContentName"])
        assert content["spec"]["driver"] == REPLICATED
        assert content["spec"]["volumeSnapshotRef"]["uid"] == meta(vs)["uid"]
        assert status(content)["readyToUse"] is True
        reasons = [r for _, r, _ in k.events("vs")]
        assert "SnapshotCreated" in reasons and "SnapshotReady" in reasons
        k.a.delete("VolumeSnapshot", "vs")
        k.wait_gone("VolumeSnapshot", "vs")
        wait_for(lambda: k.get("VolumeSnapshotContent", meta(content)["name"]) is None)


@pytest.mark.parametrize("case", ["none", "two", "named-missing", "foreign-driver", "stalled-driver"])
def test_volume_snapshot_class_errors(case: str) -> None:
    with cluster("v1.10") as k:
        disk = k.disk("src", "5Gi", N_SC if case == "none" else R_SC)
        pvc = status(disk)["target"]["persistentVolumeClaimName"]
        cls = None
        if case == "two":
            k.a.snapshot_class("second-default", REPLICATED, default=True)
        elif case == "named-missing":
            cls = "typo-class"
        elif case == "foreign-driver":
            k.a.storage_class("other", "nfs.csi.k8s.io")
            cls = "csi-nfs-snapshot-class"
        elif case == "stalled-driver":
            k.a.snapshot_class("nobody", FOREIGN)
            cls = "nobody"
        _volume_snapshot(k, "vs", pvc, cls)
        expected = {
            "none": "Failed to set default snapshot class with error cannot find default snapshot class",
            "two": "Failed to set default snapshot class with error 2 default snapshot classes were found",
            "named-missing": ('Failed to get snapshot class with error volumesnapshotclass.snapshot.storage.k8s.io '
                              '"typo-class" not found'),
        }
        if case == "stalled-driver":
            wait_for(lambda: status(k.get("VolumeSnapshot", "vs")).get("boundVolumeSnapshotContentName"))
            k.settle()
            assert status(k.get("VolumeSnapshot", "vs")).get("readyToUse") is False
            return
        vs = wait_for(lambda: (v := k.get("VolumeSnapshot", "vs")) and status(v).get("error") and v)
        assert "readyToUse" not in status(vs)
        if case == "foreign-driver":
            assert "rpc error: code = NotFound" in status(vs)["error"]["message"]
        else:
            assert status(vs)["error"]["message"] == expected[case]
            reason = "GetSnapshotClassFailed" if case == "named-missing" else "SetDefaultSnapshotClassFailed"
            assert k.has_event("vs", ("Warning", reason, expected[case]))
