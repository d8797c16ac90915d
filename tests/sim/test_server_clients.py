"""The official kubernetes client and kubectl accept the simulated API server."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from tests.conftest import wait_for
from tui.sim.cluster import SimCluster

DVP = "virtualization.deckhouse.io"
DISK = {
    "apiVersion": f"{DVP}/v1alpha2",
    "kind": "VirtualDisk",
    "metadata": {"name": "data", "namespace": "default"},
    "spec": {"persistentVolumeClaim": {"size": "1Gi", "storageClassName": "fast"}},
}
Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def test_core_api_normal_mode(api: Any) -> None:
    from kubernetes import client

    core = client.CoreV1Api(api)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="team-a")))
    secret = client.V1Secret(metadata=client.V1ObjectMeta(name="s", namespace="team-a"),
                             string_data={"k": "v"})
    core.create_namespaced_secret("team-a", secret)
    names = [n.metadata.name for n in core.list_namespace().items]
    assert names == ["default", "team-a"]
    got = core.read_namespaced_secret("s", "team-a")
    assert got.metadata.uid


def test_custom_objects_normal_and_raw_mode(api: Any) -> None:
    from kubernetes import client

    co = client.CustomObjectsApi(api)
    created = co.create_namespaced_custom_object(DVP, "v1alpha2", "default", "virtualdisks", DISK)
    assert created["metadata"]["uid"]
    raw = co.list_namespaced_custom_object(DVP, "v1alpha2", "default", "virtualdisks", _preload_content=False,
                                           _request_timeout=(3, 5))
    body = json.loads(raw.data)
    assert [i["metadata"]["name"] for i in body["items"]] == ["data"]
    patched = co.patch_namespaced_custom_object(DVP, "v1alpha2", "default", "virtualdisks", "data",
                                                {"metadata": {"labels": {"a": "b"}}})
    assert patched["metadata"]["labels"] == {"a": "b"}
    co.delete_namespaced_custom_object(DVP, "v1alpha2", "default", "virtualdisks", "data")
    assert co.list_cluster_custom_object(DVP, "v1alpha2", "virtualdisks")["items"] == []


def test_client_errors_are_api_exceptions(api: Any) -> None:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    co = client.CustomObjectsApi(api)
    with pytest.raises(ApiException) as e:
        co.get_namespaced_custom_object(DVP, "v1alpha2", "default", "virtualdisks", "nope")
    assert e.value.status == 404
    assert json.loads(e.value.body)["message"] == f'virtualdisks.{DVP} "nope" not found'


def test_client_watch_stream(api: Any, sim: SimCluster) -> None:
    from kubernetes import client, watch

    co = client.CustomObjectsApi(api)
    seen: list[tuple[str, str]] = []
    started = threading.Event()

    def follow() -> None:
        w = watch.Watch()
        started.set()
        for ev in w.stream(co.list_namespaced_custom_object, DVP, "v1alpha2", "default", "virtualdisks",
                           timeout_seconds=5, resource_version=str(sim.store.rv)):
            seen.append((ev["type"], ev["object"]["metadata"]["name"]))
            if len(seen) == 2:
                w.stop()

    t = threading.Thread(target=follow, daemon=True)
    t.start()
    started.wait(5)
    wait_for(lambda: sim.store.watcher_count() == 1)
    co.create_namespaced_custom_object(DVP, "v1alpha2", "default", "virtualdisks", DISK)
    co.delete_namespaced_custom_object(DVP, "v1alpha2", "default", "virtualdisks", "data")
    t.join(10)
    assert seen == [("ADDED", "data"), ("DELETED", "data")]


# ---- kubectl ---------------------------------------------------------------------------------
pytestmark_kubectl = pytest.mark.kubectl


@pytest.mark.kubectl
def test_kubectl_api_resources(kubectl: Kubectl) -> None:
    out = kubectl("api-resources", "--api-group", DVP).stdout
    assert "virtualdisksnapshots" in out and "vdsnapshot" in out and "VirtualMachineSnapshot" in out


@pytest.mark.kubectl
def test_kubectl_create_get_columns_and_yaml(kubectl: Kubectl) -> None:
    kubectl("create", "-f", "-", input=yaml.safe_dump(DISK))
    out = kubectl("get", "vd", "-n", "default").stdout
    header = out.splitlines()[0].split()
    assert header[:2] == ["NAME", "PHASE"] and "AGE" in header
    assert out.splitlines()[1].startswith("data")
    docs = yaml.safe_load(kubectl("get", "vd", "-A", "-o", "yaml").stdout)
    assert docs["kind"] == "List" and docs["items"][0]["metadata"]["name"] == "data"


@pytest.mark.kubectl
def test_kubectl_default_validation_rejects_unknown_fields(kubectl: Kubectl) -> None:
    bad = json.loads(json.dumps(DISK))
    bad["spec"]["surprise"] = True
    p = kubectl("create", "-f", "-", input=yaml.safe_dump(bad), check=False)
    assert p.returncode != 0 and 'unknown field "spec.surprise"' in p.stderr


@pytest.mark.kubectl
def test_kubectl_apply_client_and_server_side(kubectl: Kubectl, sim: SimCluster) -> None:
    assert "created" in kubectl("apply", "-f", "-", input=yaml.safe_dump(DISK)).stdout
    changed = json.loads(json.dumps(DISK))
    changed["metadata"]["labels"] = {"tier": "gold"}
    assert "configured" in kubectl("apply", "-f", "-", input=yaml.safe_dump(changed)).stdout
    assert sim.get("VirtualDisk", "default", "data")["metadata"]["labels"] == {"tier": "gold"}
    other = json.loads(json.dumps(DISK))
    other["metadata"]["name"] = "ssa"
    assert "serverside-applied" in kubectl("apply", "--server-side", "-f", "-",
                                           input=yaml.safe_dump(other)).stdout
    assert sim.get("VirtualDisk", "default", "ssa") is not None


@pytest.mark.kubectl
def test_kubectl_dry_run_server_stores_nothing(kubectl: Kubectl, sim: SimCluster) -> None:
    out = kubectl("create", "--dry-run=server", "-f", "-", input=yaml.safe_dump(DISK)).stdout
    assert "created (server dry run)" in out
    assert sim.get("VirtualDisk", "default", "data") is None


@pytest.mark.kubectl
def test_kubectl_patch_label_replace_conflict(kubectl: Kubectl, sim: SimCluster) -> None:
    kubectl("create", "-f", "-", input=yaml.safe_dump(DISK))
    stale = kubectl("get", "vd", "data", "-n", "default", "-o", "yaml").stdout
    kubectl("patch", "vd", "data", "-n", "default", "--type", "merge", "-p", '{"metadata":{"labels":{"p":"1"}}}')
    kubectl("label", "vd", "data", "-n", "default", "q=2")
    labels = sim.get("VirtualDisk", "default", "data")["metadata"]["labels"]
    assert labels == {"p": "1", "q": "2"}
    p = kubectl("replace", "-f", "-", input=stale, check=False)
    assert p.returncode != 0 and "the object has been modified" in p.stderr


@pytest.mark.kubectl
def test_kubectl_delete_with_finalizers_and_wait(kubectl: Kubectl, sim: SimCluster) -> None:
    held = json.loads(json.dumps(DISK))
    held["metadata"]["finalizers"] = ["example.com/hold"]
    kubectl("create", "-f", "-", input=yaml.safe_dump(held))
    kubectl("delete", "vd", "data", "-n", "default", "--wait=false")
    assert sim.get("VirtualDisk", "default", "data")["metadata"]["deletionTimestamp"]
    kubectl("patch", "vd", "data", "-n", "default", "--type", "merge", "-p", '{"metadata":{"finalizers":null}}')
    assert sim.get("VirtualDisk", "default", "data") is None


@pytest.mark.kubectl
def test_kubectl_wait_for_jsonpath_and_watch_events(kubectl: Kubectl, sim: SimCluster) -> None:
    import shutil

    kubectl("create", "-f", "-", input=yaml.safe_dump(DISK))
    exe = shutil.which("kubectl")
    assert exe
    cmd = [exe, "--kubeconfig", str(sim.kubeconfig_path)]
    waiter = subprocess.Popen([*cmd, "wait", "vd/data", "-n", "default", "--for=jsonpath={.status.phase}=Ready",
                               "--timeout=20s"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watcher = subprocess.Popen([*cmd, "get", "vd", "-n", "default", "-w", "--output-watch-events"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: sim.store.watcher_count() >= 2, timeout=15)
    obj = sim.get("VirtualDisk", "default", "data")
    obj["status"] = {"phase": "Ready"}
    sim.store.update(sim.registry.find_kind("VirtualDisk"), obj, status=True, check_rv=False)  # type: ignore[arg-type]
    assert waiter.wait(20) == 0, waiter.stderr.read() if waiter.stderr else ""
    assert watcher.stdout is not None
    lines = [watcher.stdout.readline(), watcher.stdout.readline(), watcher.stdout.readline()]
    watcher.kill()
    assert lines[0].split()[:2] == ["EVENT", "NAME"]
    assert lines[1].split()[:2] == ["ADDED", "data"]
    assert lines[2].split()[:3] == ["MODIFIED", "data", "Ready"]


def test_a_second_context_reaches_the_same_cluster_as_another_user(sim: SimCluster, kubectl: Any) -> None:
    sim.add_context("dvpsnap-second", "dvpsnap-operator", namespace="kube-system")
    contexts = kubectl("config", "get-contexts", "-o", "name").stdout.split()
    assert sorted(contexts) == ["dvpsnap-second", "dvpsnap-sim"]
    view = yaml.safe_load(kubectl("config", "view", "--minify", "--context", "dvpsnap-second").stdout)
    assert view["contexts"][0]["context"] == {"cluster": "dvpsnap-sim", "user": "dvpsnap-operator",
                                               "namespace": "kube-system"}
    names = kubectl("--context", "dvpsnap-second", "get", "ns", "-o", "name").stdout.split()
    assert "namespace/default" in names
