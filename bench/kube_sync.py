"""Data layer numbers against `dvpsnap sim` in another process, with kubectl on the same data in the same run.

Usage: `./dev bench kube [--sizes 10000,50000]`: initial sync time and RSS, decode throughput, memory per
1,000 objects, event throughput; `kubectl get <kind> -A` (default chunking and --chunk-size=0) beside it.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.simproc import SimProcess

KINDS = ("vm", "vd", "vdsnapshot", "vmsnapshot")
CHILD = r"""
import gc, json, resource, sys, time
from tui.kube import kinds
from tui.kube.client import KubeClient
from tui.kube.reflector import Reflector
from tui.kube.store import LIVE, Cache

def rss():
    return int(open('/proc/self/statm').read().split()[1]) * 4096 / 2**20

kubeconfig, expected, ids = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(',')
base = rss()
client = KubeClient([kubeconfig])
cache = Cache()
t0 = time.perf_counter()
first = None
refs = [Reflector(client, kinds.BY_ID[i], cache) for i in ids]
for r in refs:
    r.start()
while True:
    n = sum(cache.count(i) for i in ids)
    if first is None and n:
        first = time.perf_counter() - t0
    if all((cache.link(i) or None) and cache.link(i).state == LIVE for i in ids):
        break
    time.sleep(0.002)
synced = time.perf_counter() - t0
gc.collect()
print(json.dumps({"first_rows_s": first, "synced_s": synced, "objects": n, "rss_mb": rss(),
                  "rss_delta_mb": rss() - base}))
for r in refs:
    r.stop()
"""


def kubectl(kubeconfig: Path, kind: str, *extra: str) -> dict[str, float]:
    exe = shutil.which("kubectl")
    if exe is None:
        return {}
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([exe, "--kubeconfig", str(kubeconfig), "get", kind, "-A", *extra], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall_s": time.perf_counter() - t0, "cpu_s": after.ru_utime + after.ru_stime
            - before.ru_utime - before.ru_stime}


def decode_throughput() -> dict[str, float]:
    from tui.kube import objects

    vm = {"apiVersion": "virtualization.deckhouse.io/v1alpha2", "kind": "VirtualMachine",
          "metadata": {"name": "vm-00000", "namespace": "bench", "uid": "0" * 36, "resourceVersion": "1",
                       "labels": {"app": "x"}, "annotations": {"note": "y" * 200},
                       "managedFields": [{"manager": "m", "fieldsV1": {"f:spec": {"f:x": {}}}}] * 6},
          "spec": {"runPolicy": "AlwaysOn", "virtualMachineClassName": "generic", "cpu": {"cores": 2},
                   "memory": {"size": "2Gi"}, "blockDeviceRefs": [{"kind": "VirtualDisk", "name": "d"}]},
          "status": {"phase": "Running", "nodeName": "node-1", "ipAddress": "10.0.0.1",
                     "conditions": [{"type": f"T{i}", "status": "True", "reason": "R", "message": "m" * 80,
                                     "lastTransitionTime": "2026-01-01T00:00:00Z"} for i in range(8)]}}
    items = []
    for i in range(20_000):
        v = json.loads(json.dumps(vm))
        v["metadata"]["name"] = f"vm-{i:05d}"
        v["metadata"]["uid"] = f"{i:036d}"
        items.append(v)
    raw = json.dumps({"kind": "VirtualMachineList", "metadata": {"resourceVersion": "9"}, "items": items}).encode()
    t = []
    for _ in range(3):
        gc.collect()
        t0 = time.perf_counter()
        page = objects.decode_list("vm", raw)
        t.append(time.perf_counter() - t0)
    assert len(page.items) == 20_000
    return {"mb": len(raw) / 2**20, "mb_per_s": len(raw) / 2**20 / statistics.median(t),
            "bytes_per_object": len(raw) / 20_000}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench kube")
    ap.add_argument("--sizes", default="10000,50000")
    args = ap.parse_args(argv)
    out: dict[str, Any] = {"decode": decode_throughput()}
    for n in (int(s) for s in args.sizes.split(",")):
        with SimProcess(scenario="big", objects=n) as sp:
            runs = []
            for _ in range(3):
                p = subprocess.run([sys.executable, "-c", CHILD, str(sp.kubeconfig), str(n), ",".join(KINDS)],
                                   capture_output=True, text=True, check=True)
                runs.append(json.loads(p.stdout.strip().splitlines()[-1]))
            vm_only = []
            for _ in range(3):
                p = subprocess.run([sys.executable, "-c", CHILD, str(sp.kubeconfig), str(n), "vm"],
                                   capture_output=True, text=True, check=True)
                vm_only.append(json.loads(p.stdout.strip().splitlines()[-1]))
            kc = {k: kubectl(sp.kubeconfig, "virtualmachines") for k in ("default",)}
            kc["chunk0"] = kubectl(sp.kubeconfig, "virtualmachines", "--chunk-size=0")
            sync = [r["synced_s"] for r in runs]
            out[str(n)] = {"runs": runs, "sync_median_s": statistics.median(sync),
                           "objects": runs[0]["objects"], "vm_only": vm_only,
                           "vm_sync_median_s": statistics.median(r["synced_s"] for r in vm_only),
                           "vm_first_median_s": statistics.median(r["first_rows_s"] for r in vm_only),
                           "vms": vm_only[0]["objects"], "kubectl_vms": kc}
    print(f"decode: {out['decode']['mb_per_s']:.0f} MB/s on {out['decode']['mb']:.0f} MB of VM JSON")
    sizes = [k for k in out if k != "decode"]
    for key in sizes:
        row = out[key]
        kc = row["kubectl_vms"]
        print(f"cluster of {key} objects: {row['vms']} VMs: dvpsnap first rows {row['vm_first_median_s']:.3f} s, "
              f"synced {row['vm_sync_median_s']:.3f} s | kubectl get vm -A {kc['default'].get('wall_s', 0):.3f} s, "
              f"--chunk-size=0 {kc['chunk0'].get('wall_s', 0):.3f} s | 4 kinds ({row['objects']} objects) synced "
              f"{row['sync_median_s']:.3f} s, RSS +{row['runs'][0]['rss_delta_mb']:.0f} MB")
    if len(sizes) >= 2:
        a, b = out[sizes[0]]["runs"][0], out[sizes[-1]]["runs"][0]
        slope = (b["rss_delta_mb"] - a["rss_delta_mb"]) / ((b["objects"] - a["objects"]) / 1000)
        out["mb_per_1k_slope"] = slope
        print(f"memory: {slope:.2f} MB per 1,000 objects (RSS slope between the two sizes; target <= 2)")
    res = Path(__file__).parent / "results"
    res.mkdir(exist_ok=True)
    (res / "kube.json").write_text(json.dumps(out, indent=2))
    return 0
