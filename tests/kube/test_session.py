"""Session: one reflector per kind and scope, the per-namespace fallback on a cluster-wide 403 (F11),
kinds a generation does not serve, and a stop that returns quickly."""

from __future__ import annotations

import time
from typing import Any

from tests.conftest import wait_for
from tests.kube.test_reflector_faults import FAST, vs
from tui.kube import kinds
from tui.kube.client import KubeClient
from tui.kube.session import Session
from tui.kube.store import DENIED, LIVE, NOT_SERVED
from tui.sim.cluster import SimCluster


def ns(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def test_f11_cluster_wide_403_falls_back_to_allowed_namespaces(sim: SimCluster) -> None:
    for n in ("a", "b", "c"):
        sim.apply(ns(n))
        sim.apply(vs(f"snap-{n}", n))
    sim.policy.add_token("alice-token", "alice")
    g = "snapshot.storage.k8s.io"
    sim.policy.forbid(user="alice", resource="volumesnapshots")  # rules added later are checked first
    sim.policy.permit(user="alice", verbs=("list", "watch"), group=g, resource="volumesnapshots", namespace="a")
    sim.policy.permit(user="alice", verbs=("list", "watch"), group=g, resource="volumesnapshots", namespace="b")
    sim.policy.permit(user="alice", verbs=("list",), resource="namespaces", namespace="")
    sim.policy.permit(user="alice", verbs=("create",), resource="selfsubjectaccessreviews")
    path = sim.write_kubeconfig(sim.kubeconfig_path.parent / "alice", context="alice")
    text = path.read_text().replace(sim.token, "alice-token")
    path.write_text(text)
    client = KubeClient([path])
    session = Session(client, [kinds.BY_ID["vs"]], tuning=FAST)
    session.start()
    try:
        wait_for(lambda: {o.metadata.name for o in session.cache.snapshot().of("vs").values()}
                 == {"snap-a", "snap-b"}, timeout=10)
        top = session.cache.link("vs", "")
        assert top is not None and top.state == DENIED
        assert "watching ns a, b" in top.reason
        wait_for(lambda: all((session.cache.link("vs", n) or top).state == LIVE for n in ("a", "b")))
        reviews = session.access.reviews
        denied_lists = [r for r in sim.requests if r.status == 403 and r.path.endswith("/volumesnapshots")]
        assert len(denied_lists) == 1  # the 403 route is not retried after the fallback
        assert session.access.can("list", g, "volumesnapshots", "a").allowed
        assert session.access.reviews == reviews  # answered from the 5-minute cache
    finally:
        session.stop()


def test_kinds_the_generation_does_not_serve_are_reported_without_requests(sim: SimCluster) -> None:
    client = KubeClient([sim.kubeconfig_path])
    session = Session(client, [kinds.BY_ID["vmrestore"], kinds.BY_ID["vs"]], tuning=FAST)
    session.start()
    try:
        link = session.cache.link("vmrestore", "")
        assert link is not None and link.state == NOT_SERVED
        assert not [r for r in sim.requests if "virtualmachinerestores" in r.path]
        wait_for(lambda: (session.cache.link("vs", "") or link).state == LIVE)
        assert session.caps.generation == "v1.10"
    finally:
        t0 = time.monotonic()
        session.stop()
        assert time.monotonic() - t0 < 1.5
