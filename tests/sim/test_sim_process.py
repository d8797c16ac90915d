"""`dvpsnap sim --scenario demo` in its own process: kubectl sees a believable cluster, and a snapshot
created with kubectl goes through its phases while `kubectl get -w` prints each of them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import wait_for

if shutil.which("kubectl") is None:
    pytest.skip("kubectl is not installed", allow_module_level=True)
KUBECTL = shutil.which("kubectl") or "kubectl"


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "kubeconfig"
    proc = subprocess.Popen([sys.executable, "-m", "tui", "sim", "--scenario", "demo", "--speed", "3",
                             "--kubeconfig-out", str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    try:
        while not (line := proc.stdout.readline()).startswith("kubeconfig:"):
            assert line, "dvpsnap sim exited"
        yield path
    finally:
        proc.terminate()
        proc.wait(10)


def kubectl(kubeconfig: Path, *args: str, input: str | None = None) -> str:
    p = subprocess.run([KUBECTL, "--kubeconfig", str(kubeconfig), *args], input=input, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_kubectl_prints_a_believable_demo_cluster(kubeconfig: Path) -> None:
    out = kubectl(kubeconfig, "get", "vm,vd,vdsnapshot,vmsnapshot", "-A")
    for kind in ("virtualmachine.virtualization.deckhouse.io/", "virtualdisk.virtualization.deckhouse.io/",
                 "virtualdisksnapshot.virtualization.deckhouse.io/",
                 "virtualmachinesnapshot.virtualization.deckhouse.io/"):
        assert kind in out
    for word in ("Running", "Stopped", "Ready", "Failed", "InProgress", "lab", "staging"):
        assert word in out, word


def test_a_kubectl_snapshot_progresses_while_get_w_shows_each_phase(kubeconfig: Path) -> None:
    watcher = subprocess.Popen([KUBECTL, "--kubeconfig", str(kubeconfig), "get", "vdsnapshot", "-n", "lab", "-w",
                                "--output-watch-events"], stdout=subprocess.PIPE, text=True)
    assert watcher.stdout is not None
    try:
        header = watcher.stdout.readline()
        assert header.split()[:3] == ["EVENT", "NAME", "PHASE"]
        disk = kubectl(kubeconfig, "get", "vd", "-n", "lab", "-o", "jsonpath={.items[0].metadata.name}")
        manifest = ("apiVersion: virtualization.deckhouse.io/v1alpha2\nkind: VirtualDiskSnapshot\n"
                    f"metadata:\n  name: by-kubectl\n  namespace: lab\nspec:\n  virtualDiskName: {disk}\n"
                    "  requiredConsistency: false\n")
        kubectl(kubeconfig, "create", "-f", "-", input=manifest)
        phases: list[str] = []

        def ready() -> bool:
            line = watcher.stdout.readline() if watcher.stdout else ""
            cells = line.split()
            if len(cells) >= 3 and cells[1] == "by-kubectl":
                phases.append(cells[2] if cells[2][0].isupper() else "")
            return "Ready" in phases

        wait_for(ready, timeout=60, interval=0)
    finally:
        watcher.kill()
    seen = [p for i, p in enumerate(phases) if p and (i == 0 or phases[i - 1] != p)]
    assert seen[-1] == "Ready" and "InProgress" in seen, seen
