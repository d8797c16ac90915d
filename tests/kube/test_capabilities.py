"""Capability detection picks the right API generation from what each simulated generation serves."""

from __future__ import annotations

import pytest

from tui.kube.capabilities import Capabilities, detect, from_documents
from tui.kube.client import KubeClient
from tui.sim.cluster import SimCluster

EXPECTED = {
    #           explicit  legacy  in-place clone  vmsop  supersede  waits
    "seed": (True, True, False, False, False, False, True),
    "cse": (False, True, True, False, False, False, True),
    "v1.8": (False, True, True, True, True, False, False),
    "v1.10": (False, False, True, True, True, True, False),
}


@pytest.mark.parametrize("generation", list(EXPECTED))
def test_detects_each_generation_over_http(generation: str) -> None:
    with SimCluster(generation, controllers=False) as sim:
        client = KubeClient([sim.kubeconfig_path])
        caps = detect(client)
        client.close()
    assert caps.generation == generation
    flags = (caps.explicit_snapshot_class, caps.legacy_restore, caps.in_place_restore, caps.clone,
             caps.create_from_snapshot, caps.supersede, caps.preconditions_wait)
    assert flags == EXPECTED[generation]
    # short names clash across generations and must come from discovery
    assert caps.aliases["vms"] == ("virtualmachines" if generation == "seed" else "virtualmachinesnapshots")
    assert caps.legacy_restore_deprecated == (generation == "v1.8")


def test_without_openapi_a_strict_dry_run_tells_seed_apart() -> None:
    with SimCluster("seed", controllers=False) as sim:
        sim.faults.fail(404, times=10, path="^/openapi/")
        client = KubeClient([sim.kubeconfig_path])
        caps = detect(client)
        client.close()
        creates = [r for r in sim.requests if r.method == "POST"]
    assert caps.source == "dry-run" and caps.explicit_snapshot_class and caps.generation == "seed"
    assert creates and all("dryRun=All" in r.query for r in creates)
    assert sim.list("VirtualDiskSnapshot") == []


def test_a_cluster_without_dvp_is_a_message_not_a_crash() -> None:
    caps = from_documents(None, None)
    assert not caps.dvp and "no DVP" in caps.problem and caps.generation == "no DVP"
    assert isinstance(caps, Capabilities)
