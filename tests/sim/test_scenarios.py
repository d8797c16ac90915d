"""Scenarios: the demo (every phase, per generation, stable) and generated big clusters; the HTTP path."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.sim.snapkit import GENERATIONS, WAITING, Kit, cond, meta, phase, status
from tui.sim import scenarios
from tui.sim.cluster import SimCluster

VDS, VMS = "VirtualDiskSnapshot", "VirtualMachineSnapshot"


def _names(sim: SimCluster) -> set[tuple[str, str, str, str]]:
    out = set()
    for key in sim.registry.defs:
        for e in sim.store.entries(key):
            if e.obj["kind"] != "Event":
                m = e.obj["metadata"]
                out.add((key, m.get("namespace", ""), m["name"], m["uid"]))
    return out


def _loaded(generation: str) -> SimCluster:
    sim = SimCluster(generation, controllers=False)
    scenarios.load(sim, "demo")
    return sim


@pytest.mark.parametrize("generation", GENERATIONS)
def test_demo_is_deterministic(generation: str) -> None:
    assert _names(_loaded(generation)) == _names(_loaded(generation))


def _expected(generation: str) -> dict[tuple[str, str, str], str]:
    waits = generation in WAITING
    out = {
        (VDS, "lab", "web-01-root-20260914"): "Ready",
        (VDS, "lab", "db-01-root-manual"): "Pending" if waits else "Failed",
        (VDS, "lab", "scratch-blank-before-wipe"): "Failed",
        (VDS, "lab", "web-01-root-20260901"): "Terminating",
        (VDS, "staging", "api-01-root-nightly"): "Ready",
        (VDS, "staging", "legacy-01-root-manual"): "Ready" if generation == "seed" else "Failed",
        (VMS, "lab", "web-01-before-upgrade"): "Ready",
        (VMS, "lab", "db-01-nightly"): "Pending" if waits else "Failed",
        (VMS, "lab", "app-02-pre-change"): "Pending" if waits else "Ready",
        (VMS, "lab", "build-runner-weekly"): "InProgress",
        (VMS, "staging", "api-01-before-release"): "InProgress",
        (VMS, "staging", "legacy-01-weekly"): "Failed",
        ("VirtualMachine", "lab", "web-01"): "Running",
        ("VirtualMachine", "lab", "db-01"): "Running",
        ("VirtualMachine", "lab", "build-runner"): "Stopped",
        ("VirtualMachine", "lab", "app-02"): "Running",
        ("VirtualMachine", "staging", "legacy-01"): "Stopped",
        ("VirtualDisk", "staging", "spare-disk"): "WaitForFirstConsumer",
        ("VirtualMachineBlockDeviceAttachment", "lab", "web-01-data-attach"): "Attached",
    }
    return out


@pytest.mark.parametrize("generation", GENERATIONS)
def test_demo_content_per_generation(generation: str) -> None:
    sim = _loaded(generation)
    for (kind, ns, name), expected in _expected(generation).items():
        assert phase(sim.get(kind, ns, name)) == expected, (kind, name)
    assert sim.get(VDS, "lab", "web-01-data-adhoc") is not None  # brand new: no status yet
    web = sim.get("VirtualMachine", "lab", "web-01")
    assert [r.get("hotplugged", False) for r in status(web)["blockDeviceRefs"]] == [False, True]
    assert cond(sim.get("VirtualMachine", "lab", "db-01"), "AgentReady")["status"] == "False"
    assert status(sim.get("VirtualMachine", "lab", "app-02"))["restartAwaitingChanges"]
    assert cond(sim.get("VirtualMachine", "staging", "api-01"), "FilesystemFrozen")["status"] == "True"
    assert (sim.get("VirtualMachineRestore", "lab", "web-01-restore-copy") is not None) == (
        generation in ("seed", "cse", "v1.8")) if sim.registry.find_kind("VirtualMachineRestore") else True
    if generation != "seed":
        assert phase(sim.get("VirtualMachineOperation", "lab", "restore-web-01-before-upgrade")) == "Completed"
    failed = sim.get(VMS, "staging", "legacy-01-weekly")
    message = cond(failed, "VirtualMachineSnapshotReady")["message"]
    if generation == "seed":
        assert message.startswith("The volume snapshot class not found")
    else:
        assert "cannot find default snapshot class" in message


@pytest.mark.parametrize("generation", GENERATIONS)
def test_demo_is_stable_and_in_progress_objects_finish(generation: str) -> None:
    with SimCluster(generation, scenario="demo", speed=50) as sim:
        expected = _expected(generation)
        wait_for(lambda: all(phase(sim.get(VMS, ns, n)) == "Ready"
                             for ns, n in (("lab", "build-runner-weekly"), ("staging", "api-01-before-release"))))
        wait_for(lambda: sim.get(VDS, "lab", "web-01-root-20260901") is None, what="the Terminating one is gone")
        wait_for(lambda: phase(sim.get(VDS, "lab", "web-01-data-adhoc")) == "Ready")
        Kit(sim).settle()
        for (kind, ns, name), want in expected.items():
            if want in ("InProgress", "Terminating"):
                continue
            assert phase(sim.get(kind, ns, name)) == want, (kind, name)
        assert not cond(sim.get("VirtualMachine", "staging", "api-01"), "FilesystemFrozen")
        restore = sim.get("VirtualMachineOperation", "lab", "restore-web-01-before-upgrade")
        assert generation == "seed" or phase(restore) == "Completed"
        assert sim.controllers.errors == []


@pytest.mark.parametrize("generation", ["seed", "v1.10"])
def test_big_cluster_is_a_settled_copy(generation: str) -> None:
    with SimCluster(generation, scenario="big", objects=2000, speed=50) as sim:
        count = sim.store.count()
        assert 2000 <= count <= 2300
        namespaces = {m["metadata"]["name"] for m in sim.list("Namespace")} - {"default"}
        assert len(namespaces) >= 10 and all(n.startswith("big-") for n in namespaces)
        uids = [meta(o)["uid"] for k in ("VirtualDisk", "VirtualMachine", VDS) for o in sim.list(k)]
        assert len(uids) == len(set(uids))
        addresses = [status(v)["address"] for v in sim.list("VirtualMachineIPAddress")]
        assert len(addresses) == len(set(addresses))
        ns = sorted(namespaces)[3]
        for vms in sim.list(VMS, ns):
            assert phase(vms) == "Ready"
            for child in status(vms)["virtualDiskSnapshotNames"]:
                assert meta(vms)["uid"] in child and phase(sim.get(VDS, ns, child)) == "Ready"
            assert sim.get("Secret", ns, status(vms)["virtualMachineSnapshotSecretName"]) is not None
        for vd in sim.list("VirtualDisk", ns):
            pvc = sim.get("PersistentVolumeClaim", ns, status(vd)["target"]["persistentVolumeClaimName"])
            assert meta(vd)["uid"] in meta(pvc)["name"] and meta(pvc)["ownerReferences"][0]["uid"] == meta(vd)["uid"]
        rv = sim.store.rv
        Kit(sim).settle()
        assert sim.store.rv - rv <= 3  # only the default VirtualMachineClass is written
        assert sim.controllers.errors == []


@pytest.mark.slow
def test_big_cluster_of_50000_objects_loads_fast() -> None:
    sim = SimCluster("v1.10", controllers=False)
    start = time.monotonic()
    scenarios.load(sim, "big", objects=50_000)
    elapsed = time.monotonic() - start
    assert 50_000 <= sim.store.count() <= 50_300
    assert elapsed < 10, elapsed


# ---- the same cluster over HTTP, with the official client -----------------------------------------
def _client(sim: SimCluster) -> Any:
    from kubernetes import client, config

    api = config.new_client_from_config(config_file=str(sim.kubeconfig_path))
    return client.CustomObjectsApi(api), client.CoreV1Api(api)


def test_http_end_to_end_disk_snapshot() -> None:
    with SimCluster("v1.10", scenario="demo", speed=50) as sim:
        custom, core = _client(sim)
        group, version = "virtualization.deckhouse.io", "v1alpha2"
        listed = custom.list_namespaced_custom_object(group, version, "lab", "virtualdisksnapshots")
        names = {i["metadata"]["name"] for i in listed["items"]}
        assert {"web-01-root-20260914", "db-01-root-manual"} <= names
        body = {"apiVersion": f"{group}/{version}", "kind": "VirtualDiskSnapshot",
                "metadata": {"name": "over-http"}, "spec": {"virtualDiskName": "web-01-root"}}
        custom.create_namespaced_custom_object(group, version, "lab", "virtualdisksnapshots", body)
        got = wait_for(lambda: (o := custom.get_namespaced_custom_object(
            group, version, "lab", "virtualdisksnapshots", "over-http")) and phase(o) == "Ready" and o)
        assert status(got)["consistent"] is True and got["spec"]["requiredConsistency"] is True
        vs = sim.get("VolumeSnapshot", "lab", status(got)["volumeSnapshotName"])
        assert vs is not None and status(vs)["readyToUse"] is True
        pvc = core.read_namespaced_persistent_volume_claim(vs["spec"]["source"]["persistentVolumeClaimName"], "lab")
        assert pvc.status.phase == "Bound"
        custom.delete_namespaced_custom_object(group, version, "lab", "virtualdisksnapshots", "over-http")
        wait_for(lambda: sim.get(VDS, "lab", "over-http") is None)


def test_http_vm_snapshot_failure_is_visible() -> None:
    with SimCluster("v1.8", scenario="demo", speed=50) as sim:
        custom, core = _client(sim)
        group, version = "virtualization.deckhouse.io", "v1alpha2"
        body = {"apiVersion": f"{group}/{version}", "kind": "VirtualMachineSnapshot", "metadata": {"name": "db"},
                "spec": {"virtualMachineName": "db-01", "requiredConsistency": True, "keepIPAddress": "Always"}}
        custom.create_namespaced_custom_object(group, version, "lab", "virtualmachinesnapshots", body)
        got = wait_for(lambda: (o := custom.get_namespaced_custom_object(
            group, version, "lab", "virtualmachinesnapshots", "db")) and phase(o) == "Failed" and o)
        assert cond(got, "VirtualMachineSnapshotReady")["reason"] == "PotentiallyInconsistent"
        events = core.list_namespaced_event("lab", field_selector="involvedObject.name=db").items
        assert any(e.reason == "VirtualMachineSnapshottingFailed" for e in events) or \
            any(e["reason"] == "VirtualMachineSnapshottingFailed" for e in sim.list("Event", "lab")
                if e["involvedObject"]["name"] == "db")
