"""F9 (exec-plugin token rotation without relists) and F10 (first page usable before the last)."""

from __future__ import annotations

import random
import stat
import sys
from pathlib import Path

import yaml

from tests.conftest import wait_for
from tests.kube.test_reflector_faults import FAST, VS, converged, vs
from tui.kube.client import KubeClient
from tui.kube.reflector import Reflector
from tui.kube.store import LIVE, SYNCING, Cache
from tui.sim.cluster import SimCluster

PLUGIN = """#!{python}
import json, pathlib, datetime
count = pathlib.Path({count!r})
n = int(count.read_text()) + 1 if count.exists() else 1
count.write_text(str(n))
exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=400)
print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",
                  "status": {{"token": f"tok-{{n}}", "expirationTimestamp": exp.strftime("%Y-%m-%dT%H:%M:%SZ")}}}}))
"""


def exec_kubeconfig(sim: SimCluster, tmp: Path) -> tuple[Path, Path]:
    count = tmp / "calls"
    plugin = tmp / "plugin.py"
    plugin.write_text(PLUGIN.format(python=sys.executable, count=str(count)))
    plugin.chmod(plugin.stat().st_mode | stat.S_IEXEC)
    path = sim.write_kubeconfig(tmp / "kubeconfig")
    doc = yaml.safe_load(path.read_text())
    doc["users"][0]["user"] = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1",
                                        "command": str(plugin), "interactiveMode": "Never"}}
    path.write_text(yaml.safe_dump(doc))
    return path, count


def test_f9_rotated_token_is_fetched_once_and_watches_keep_running(sim: SimCluster, tmp_path: Path) -> None:
    sim.policy.add_token("tok-1", "alice", ttl=3)  # the server lets the first token lapse early
    sim.policy.add_token("tok-2", "alice")
    namespaces = [f"ns{i}" for i in range(5)]
    for ns in namespaces:
        sim.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        sim.apply(vs("a", ns))
    kubeconfig, calls = exec_kubeconfig(sim, tmp_path)
    client = KubeClient([kubeconfig])
    cache = Cache()
    refs = [Reflector(client, VS, cache, ns, tuning=FAST, rng=random.Random(i)) for i, ns in enumerate(namespaces)]
    for r in refs:
        r.start()
    try:
        wait_for(lambda: all(r.watch_count == 1 for r in refs))
        assert calls.read_text() == "1"
        wait_for(lambda: sim.policy.authenticate("Bearer tok-1") is None, timeout=5)
        sim.faults.drop_watches()  # every reflector must re-watch, now with an expired token
        for ns in namespaces:
            sim.apply(vs("b", ns))
        wait_for(lambda: converged(sim, cache), timeout=20)
        assert calls.read_text() == "2"  # one refresh for five reflectors
        assert all(r.list_rvs == [""] for r in refs)  # a rotated token never causes a relist
        assert "tok-" not in "".join(str(e) for r in refs for e in (r.name, r.last_rv))
    finally:
        for r in refs:
            r.stop()
        client.close()


def test_f10_first_page_is_usable_before_the_last_arrives(sim: SimCluster) -> None:
    for i in range(300):
        sim.apply(vs(f"s{i:03d}"))
    sim.faults.page_delay = 0.4
    client = KubeClient([sim.kubeconfig_path])
    cache = Cache()
    r = Reflector(client, VS, cache, tuning=FAST)
    r.start()
    try:
        wait_for(lambda: 0 < cache.count("vs") < 300, timeout=2)
        link = cache.link("vs")
        assert link is not None and link.state == SYNCING
        wait_for(lambda: (cache.link("vs") or link).expected == 300, timeout=2)
        wait_for(lambda: converged(sim, cache) and (cache.link("vs") or link).state == LIVE, timeout=10)
        assert r.watch_count == 1 and r.list_rvs == [""]
    finally:
        r.stop()
        client.close()
