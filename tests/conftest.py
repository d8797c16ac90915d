"""Shared fixtures: a simulated cluster per test, clients that reach it over HTTP, a wait helper."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tui.sim.cluster import SimCluster

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def wait_for(cond: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02, what: str = "") -> Any:
    """Poll `cond` until it returns something truthy or the deadline passes (then fail)."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or cond}")
        time.sleep(interval)


@pytest.fixture
def sim() -> Iterator[SimCluster]:
    with SimCluster("v1.10", bookmark_interval=0.5, controllers=False) as cluster:
        yield cluster


@pytest.fixture
def api(sim: SimCluster) -> Any:
    from kubernetes import config

    return config.new_client_from_config(config_file=str(sim.kubeconfig_path))


@pytest.fixture
def kubectl(sim: SimCluster) -> Callable[..., Any]:
    """Run kubectl against the simulator: kubectl("get", "ns") → CompletedProcess."""
    import subprocess

    exe = shutil.which("kubectl")
    if exe is None:
        pytest.skip("kubectl is not installed")

    def run(*args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([exe, "--kubeconfig", str(sim.kubeconfig_path), *args], input=input,
                           capture_output=True, text=True, timeout=60)
        if check and p.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({p.returncode}): {p.stderr}")
        return p

    return run
