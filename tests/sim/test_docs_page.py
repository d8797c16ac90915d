"""The docs page's YAML examples, applied with kubectl: seed accepts them and reaches the documented
outcome; v1.10 answers them the way a v1.10 server does. Skips when ../shared/reference is absent."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from tests.conftest import SHARED, wait_for
from tui.sim.actors import Actor
from tui.sim.cluster import SimCluster

PAGE = SHARED / "reference" / "seed-snapshots.ru.md"
if not PAGE.exists():
    pytest.skip("the docs page (../shared/reference) is not here", allow_module_level=True)
if shutil.which("kubectl") is None:
    pytest.skip("kubectl is not installed", allow_module_level=True)

NS = "default"
SC, DRIVER, VSC = "i-linstor-thin-r2", "replicated.csi.storage.deckhouse.io", "sds-replicated-volume"


def examples() -> dict[str, str]:
    """The page's `d8 k apply -f - <<EOF ... EOF` manifests by kind (the wrapper lines dropped)."""
    out = {}
    for block in re.findall(r"```yaml\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S):
        if not block.startswith("d8 k apply"):
            continue
        body = "\n".join(block.splitlines()[1:-1]) + "\n"
        kind = re.search(r"^kind: (\w+)", body, flags=re.M)
        assert kind is not None
        out[kind.group(1)] = body
    return out


def kubectl(sim: SimCluster, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("kubectl")
    assert exe is not None
    return subprocess.run([exe, "--kubeconfig", str(sim.kubeconfig_path), "-n", NS, *args], input=input,
                          capture_output=True, text=True, timeout=60)


def cluster(generation: str) -> Iterator[SimCluster]:
    with SimCluster(generation, speed=50) as sim:
        a = Actor(sim, NS)
        a.storage_class(SC, DRIVER)
        a.snapshot_class(VSC, DRIVER, default=generation != "seed")
        a.disk("linux-vm-root", "10Gi", SC)
        a.disk("blank-disk", "1Gi", SC)
        a.vm("linux-vm", ["linux-vm-root"])
        a.attach("attach-blank-disk", "linux-vm", "blank-disk")
        wait_for(lambda: (sim.get("VirtualMachine", NS, "linux-vm") or {}).get("status", {}).get("phase")
                 == "Running" and _phase(sim, "VirtualMachineBlockDeviceAttachment", "attach-blank-disk")
                 == "Attached", timeout=20)
        yield sim


def _phase(sim: SimCluster, kind: str, name: str) -> str:
    return str(((sim.get(kind, NS, name) or {}).get("status") or {}).get("phase", ""))


@pytest.fixture
def seed() -> Iterator[SimCluster]:
    yield from cluster("seed")


@pytest.fixture
def latest() -> Iterator[SimCluster]:
    yield from cluster("v1.10")


def test_seed_accepts_the_examples_and_reaches_the_documented_outcome(seed: SimCluster) -> None:
    ex = examples()
    assert set(ex) == {"VirtualDiskSnapshot", "VirtualDisk", "VirtualMachineSnapshot", "VirtualMachineRestore"}
    p = kubectl(seed, "apply", "-f", "-", input=ex["VirtualDiskSnapshot"])
    assert p.returncode == 0, p.stderr
    wait_for(lambda: _phase(seed, "VirtualDiskSnapshot", "linux-vm-root-snapshot") == "Ready", timeout=30)
    listed = kubectl(seed, "get", "vdsnapshot").stdout.splitlines()
    assert listed[0].split() == ["NAME", "PHASE", "CONSISTENT", "AGE"]
    assert listed[1].split()[:3] == ["linux-vm-root-snapshot", "Ready", "true"]

    p = kubectl(seed, "apply", "-f", "-", input=ex["VirtualMachineSnapshot"])
    assert p.returncode == 0, p.stderr
    wait_for(lambda: _phase(seed, "VirtualMachineSnapshot", "linux-vm-snapshot") == "Ready", timeout=30)

    p = kubectl(seed, "apply", "-f", "-", input=ex["VirtualMachineRestore"])
    assert p.returncode == 0, p.stderr
    wait_for(lambda: _phase(seed, "VirtualMachineRestore", "linux-vm-restore") == "Ready", timeout=40)
    for kind, name in (("VirtualMachine", "linux-vm-2"), ("VirtualDisk", "linux-vm-root-2"),
                       ("VirtualDisk", "blank-disk-2"),
                       ("VirtualMachineBlockDeviceAttachment", "attach-blank-disk-2")):
        assert seed.get(kind, NS, name) is not None, f"{kind} {name} was not restored"

    # the documented side effect (dvp-api §0.13a): the copy's restore detached the original's hot-plug
    assert seed.get("VirtualMachineBlockDeviceAttachment", NS, "attach-blank-disk") is None
    # restoring one disk from its snapshot, under the page's name: the original goes first
    Actor(seed, NS).stop("linux-vm")
    for kind, name in (("VirtualMachine", "linux-vm"), ("VirtualDisk", "linux-vm-root")):
        seed.delete(kind, NS, name)
    wait_for(lambda: seed.get("VirtualDisk", NS, "linux-vm-root") is None, timeout=20)
    p = kubectl(seed, "apply", "-f", "-", input=ex["VirtualDisk"])
    assert p.returncode == 0, p.stderr
    wait_for(lambda: _phase(seed, "VirtualDisk", "linux-vm-root") == "Ready", timeout=40)
    disk = seed.get("VirtualDisk", NS, "linux-vm-root")
    snap = seed.get("VirtualDiskSnapshot", NS, "linux-vm-root-snapshot")
    assert disk is not None and snap is not None
    assert disk["status"].get("sourceUID") == snap["metadata"]["uid"]


def test_v1_10_answers_the_examples_like_a_v1_10_server(latest: SimCluster) -> None:
    ex = examples()
    p = kubectl(latest, "apply", "-f", "-", input=ex["VirtualDiskSnapshot"])
    assert p.returncode != 0
    assert 'unknown field "spec.volumeSnapshotClassName"' in p.stderr
    p = kubectl(latest, "apply", "-f", "-", input=ex["VirtualMachineRestore"])
    assert p.returncode != 0
    assert 'no matches for kind "VirtualMachineRestore"' in p.stderr
    p = kubectl(latest, "apply", "-f", "-", input=ex["VirtualMachineSnapshot"])
    assert p.returncode != 0 and 'unknown field "spec.volumeSnapshotClasses"' in p.stderr
    assert latest.list("VirtualDiskSnapshot") == [] and latest.list("VirtualMachineSnapshot") == []
