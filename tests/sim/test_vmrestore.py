"""VirtualMachineRestore (seed, cse, v1.8): Safe copies and conflicts, snapshot gating, Forced mode, quirks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sim import restore_kit as k
from tests.sim import snapshot_kit as sk
from tests.sim.restore_kit import NS, ann, cond, meta, phase, spec, status
from tui.sim.cluster import SimCluster

Obj = dict[str, Any]
KIND, VM, VD, VMBDA, VMOP = (
    "VirtualMachineRestore",
    "VirtualMachine",
    "VirtualDisk",
    "VirtualMachineBlockDeviceAttachment",
    "VirtualMachineOperation",
)
GENS = ("seed", "cse", "v1.8")
ANN_RESTORE = "virtualization.deckhouse.io/vmrestore"
VMOP_ANN = {
    "seed": ANN_RESTORE,
    "cse": "virtualization.deckhouse.io/vmoprestore",
    "v1.8": "virtualization.deckhouse.io/vmoprestore",
}
READY, TO_USE = "VirtualMachineRestoreReady", "VirtualMachineSnapshotReadyToUse"
COPY = [
    {"from": {"kind": "VirtualMachine", "name": "web-01"}, "to": "web-01-copy"},
    {"from": {"kind": "VirtualDisk", "name": "web-01-root"}, "to": "web-01-copy-root"},
    {"from": {"kind": "VirtualDisk", "name": "web-01-data"}, "to": "web-01-copy-data"},
    {
        "from": {"kind": "VirtualMachineBlockDeviceAttachment", "name": "web-01-data-attach"},
        "to": "web-01-copy-data-attach",
    },
]


def vmrestore(
    sim: SimCluster,
    name: str,
    rules: list[Obj] | None = None,
    *,
    mode: str = "Safe",
    snap: str = "web-01-snap",
    http: bool = False,
) -> Obj:
    body: Obj = {
        "apiVersion": k.DVP,
        "kind": KIND,
        "metadata": {"name": name, "namespace": NS},
        "spec": {"virtualMachineSnapshotName": snap, "restoreMode": mode},
    }
    if rules:
        body["spec"]["nameReplacements"] = rules
    if http:
        k.client(sim).create_namespaced_custom_object(
            "virtualization.deckhouse.io", "v1alpha2", NS, "virtualmachinerestores", body
        )
    else:
        sim.apply(body)
    return k.wait_phase(sim, KIND, name, ("Ready", "Failed"))


def condition_is(obj: Obj, type_: str, state: str, reason: str, message: str) -> None:
    c = cond(obj, type_)
    assert (c.get("status"), c.get("reason"), c.get("message")) == (state, reason, message), status(obj)


def source(sim: SimCluster, *, keep_ip: str = "Never", hotplug: tuple[str, ...] = ("web-01-data",), **kw: Any) -> Obj:
    vm = k.vm(sim, "web-01", hotplug=hotplug, **kw)
    sim.apply({**vm, "metadata": {**meta(vm), "labels": {"app": "shop"}}})
    sk.snapshot(sim, "web-01", "web-01-snap", keep_ip=keep_ip)
    return sim.get(VM, NS, "web-01") or {}


@pytest.mark.parametrize("gen", GENS)
def test_safe_restore_as_a_copy_creates_renamed_objects_and_detaches_the_originals_hotplug(gen: str) -> None:
    with k.cluster(gen) as sim:
        source(sim)
        children = status(sim.get("VirtualMachineSnapshot", NS, "web-01-snap"))["virtualDiskSnapshotNames"]
        rec = k.Phases(sim)
        r = vmrestore(sim, "copy", COPY, http=True)
        assert phase(r) == "Ready", status(r)
        uid = meta(r)["uid"]
        assert k.in_order(rec.of(KIND, "copy"), ["Pending", "InProgress", "Ready"])
        assert ("VirtualMachineSnapshotNotReady", 'The virtual machine "web-01" is in the process of restore.') in (
            rec.reasons_of(KIND, "copy", READY)
        )
        condition_is(r, READY, "True", "VirtualMachineRestoreReady", "")
        condition_is(r, TO_USE, "True", "VirtualMachineSnapshotReadyToUse", "")
        copy = sim.get(VM, NS, "web-01-copy") or {}
        assert ann(copy)[ANN_RESTORE] == uid
        assert meta(copy).get("labels") == (None if gen == "v1.8" else {"app": "shop"})
        assert [r["name"] for r in spec(copy)["blockDeviceRefs"]] == ["web-01-copy-root"]
        for disk, child in zip(("web-01-copy-root", "web-01-copy-data"), children, strict=True):
            vd = k.wait_phase(sim, VD, disk, ("Ready",))
            assert ann(vd)[ANN_RESTORE] == uid
            assert spec(vd)["dataSource"]["objectRef"] == {"kind": "VirtualDiskSnapshot", "name": child}
        assert spec(sim.get(VMBDA, NS, "web-01-copy-data-attach")) == {
            "virtualMachineName": "web-01-copy",
            "blockDeviceRef": {"kind": "VirtualDisk", "name": "web-01-copy-data"},
        }
        assert sim.get(VMBDA, NS, "web-01-data-attach") is None  # quirk (a): the original VM lost its hot-plug
        k.wait_phase(sim, VM, "web-01-copy", ("Running",))
        k.wait_phase(sim, VMBDA, "web-01-copy-data-attach", ("Attached",))


@pytest.mark.parametrize("gen", GENS)
def test_a_stopped_copy_is_started_on_seed_only_whatever_its_run_policy(gen: str) -> None:
    with k.cluster(gen) as sim:
        source(sim, run_policy="Manual", hotplug=())
        r = vmrestore(sim, "copy", COPY)
        assert phase(r) == "Ready", status(r)
        starts = [op for op in sim.list(VMOP, NS) if ann(op).get(VMOP_ANN[gen]) == meta(r)["uid"]]
        if gen == "seed":
            assert [(spec(op)["type"], spec(op)["virtualMachineName"]) for op in starts] == [("Start", "web-01-copy")]
            assert meta(starts[0])["name"].startswith("vmrestore-")
            k.wait_phase(sim, VM, "web-01-copy", ("Running",))
        else:
            assert starts == []
            assert phase(sim.get(VM, NS, "web-01-copy")) == "Stopped"


def _ip_name(sim: SimCluster) -> str:
    return str(status(sim.get(VM, NS, "web-01"))["virtualMachineIPAddressName"])


def _address(sim: SimCluster) -> str:
    return str(status(sim.get("VirtualMachineIPAddress", NS, _ip_name(sim)))["address"])


def _with_mac(sim: SimCluster) -> None:
    sim.apply(
        {
            "apiVersion": k.DVP,
            "kind": "VirtualMachineMACAddress",
            "metadata": {"name": "web-01-mac", "namespace": NS},
            "spec": {"address": "aa:bb:cc:00:00:01"},
            "status": {"address": "aa:bb:cc:00:00:01", "phase": "Attached", "virtualMachineName": "web-01"},
        }
    )
    vm = sim.get(VM, NS, "web-01") or {}
    vm["spec"]["networks"] = [
        {"type": "Main"},
        {"type": "Network", "name": "lan", "virtualMachineMACAddressName": "web-01-mac"},
    ]
    sim.apply(vm)


SAFE = {  # case → (extra setup, nameReplacements, expected message); IP cases keep the IP in the snapshot
    "vm": (None, [], 'The virtual machine "web-01" already exists.'),
    "disk": (None, COPY[:1], 'The virtual disk "web-01-root" already exists.'),
    "vmbda": (None, COPY[:3], 'The virtual machine block device attachment "web-01-data-attach" already exists.'),
    "secret": (
        "secret",
        COPY,
        'The provisioner secret "web-01-cloudinit" already exists and does not have the same data content.',
    ),
    "ip-in-use": (
        "ip",
        COPY,
        'The virtual machine ip address "{ip}" is already in use and cannot be used for the restored virtual machine.',
    ),
    "ip-held": (
        "ip",
        [*COPY, {"from": {"kind": "VirtualMachineIPAddress", "name": "{ip}"}, "to": "web-01-copy-ip"}],
        'The set address "{address}" is already in use by the different virtual machine ip address "{ip}" '
        "and cannot be used for the restored virtual machine.",
    ),
    "mac-in-use": (
        "mac",
        COPY,
        'The virtual machine mac address "web-01-mac" is already in use and cannot be used '
        "for the restored virtual machine.",
    ),
    "mac-held": (
        "mac",
        [*COPY, {"from": {"name": "web-01-mac"}, "to": "web-01-copy-mac"}],
        'The set address "aa:bb:cc:00:00:01" is already in use by the different virtual machine mac address '
        '"web-01-mac" and cannot be used for the restored virtual machine.',
    ),
}


@pytest.mark.parametrize("gen", GENS)
@pytest.mark.parametrize("case", sorted(SAFE))
def test_safe_mode_fails_on_the_first_conflict(gen: str, case: str) -> None:
    setup, rules, message = SAFE[case]
    if setup == "mac" and gen == "seed":
        pytest.skip("seed snapshots do not capture MAC addresses")
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01", hotplug=("web-01-data",))
        if setup == "mac":
            _with_mac(sim)
        sk.snapshot(sim, "web-01", "web-01-snap", keep_ip="Always" if setup == "ip" else "Never")
        if setup == "secret":
            secret = sim.get("Secret", NS, "web-01-cloudinit") or {}
            sim.apply({**secret, "data": {"userData": "Y2hhbmdlZA=="}})
        fill = {"ip": _ip_name(sim), "address": _address(sim)}
        rules = [{**r, "from": {**r["from"], "name": r["from"]["name"].format(**fill)}} for r in rules]
        r = vmrestore(sim, "restore", rules, http=case == "ip-held")
        assert phase(r) == "Failed"
        condition_is(r, READY, "False", "VirtualMachineRestoreConflict", message.format(**fill))
        assert sim.get(VMBDA, NS, "web-01-data-attach") is not None


@pytest.mark.parametrize("gen", GENS)
def test_restore_waits_for_its_snapshot(gen: str) -> None:
    with k.cluster(gen) as sim:
        k.vm(sim, "web-01", hotplug=("web-01-data",))
        sim.apply(
            {
                "apiVersion": k.DVP,
                "kind": KIND,
                "metadata": {"name": "early", "namespace": NS},
                "spec": {"virtualMachineSnapshotName": "later", "nameReplacements": COPY},
            }
        )
        k.until(lambda: cond(sim.get(KIND, NS, "early"), READY).get("reason") == "VirtualMachineSnapshotNotReadyToUse")
        early = sim.get(KIND, NS, "early") or {}
        assert phase(early) == "Pending"
        condition_is(
            early,
            READY,
            "False",
            "VirtualMachineSnapshotNotReadyToUse",
            'Waiting for the virtual machine snapshot "later" to be ready to use.',
        )
        condition_is(
            early, TO_USE, "False", "VirtualMachineSnapshotNotFound", 'The virtual machine snapshot "later" not found.'
        )
        sim.apply(
            {
                "apiVersion": k.DVP,
                "kind": "VirtualMachineSnapshot",
                "metadata": {"name": "ghost", "namespace": NS},
                "spec": {"virtualMachineName": "ghost", "requiredConsistency": True, "keepIPAddress": "Never"},
            }
        )
        sim.apply(
            {
                "apiVersion": k.DVP,
                "kind": KIND,
                "metadata": {"name": "never", "namespace": NS},
                "spec": {"virtualMachineSnapshotName": "ghost"},
            }
        )
        k.until(lambda: cond(sim.get(KIND, NS, "never"), TO_USE).get("reason") == "VirtualMachineSnapshotNotReady")
        condition_is(
            sim.get(KIND, NS, "never") or {},
            TO_USE,
            "False",
            "VirtualMachineSnapshotNotReady",
            'Waiting for the virtual machine snapshot "ghost" to be ready for use.',
        )
        sk.snapshot(sim, "web-01", "later")
        assert phase(k.wait_phase(sim, KIND, "early", ("Ready", "Failed"))) == "Ready"


@pytest.mark.parametrize("gen", GENS)
def test_a_missing_disk_snapshot_keeps_the_restore_pending(gen: str) -> None:
    with k.cluster(gen, without=("VirtualMachineSnapshot",)) as sim:
        source(sim)
        child = status(sim.get("VirtualMachineSnapshot", NS, "web-01-snap"))["virtualDiskSnapshotNames"][0]
        sim.delete("VirtualDiskSnapshot", NS, child)
        k.until(lambda: sim.get("VirtualDiskSnapshot", NS, child) is None, "child gone")
        sim.apply(
            {
                "apiVersion": k.DVP,
                "kind": KIND,
                "metadata": {"name": "r", "namespace": NS},
                "spec": {"virtualMachineSnapshotName": "web-01-snap", "nameReplacements": COPY},
            }
        )
        k.until(lambda: cond(sim.get(KIND, NS, "r"), READY).get("reason") == "VirtualMachineSnapshotNotReady")
        r = sim.get(KIND, NS, "r") or {}
        assert phase(r) == "Pending"
        condition_is(
            r, READY, "False", "VirtualMachineSnapshotNotReady", f'The virtual disk snapshot "{child}" not found.'
        )


def _pending_vm(sim: SimCluster, name: str) -> None:
    sim.apply(
        {
            "apiVersion": k.DVP,
            "kind": VD,
            "metadata": {"name": f"{name}-root", "namespace": NS},
            "spec": {"persistentVolumeClaim": {"size": "1Gi", "storageClassName": "ghost"}},
        }
    )
    sim.apply(
        {
            "apiVersion": k.DVP,
            "kind": VM,
            "metadata": {"name": name, "namespace": NS},
            "spec": {
                "virtualMachineClassName": "generic",
                "cpu": {"cores": 1},
                "memory": {"size": "1Gi"},
                "blockDeviceRefs": [{"kind": "VirtualDisk", "name": f"{name}-root"}],
            },
        }
    )
    k.wait_phase(sim, VM, name, ("Pending",))
