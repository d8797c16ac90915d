"""Simulated API server numbers: LIST of 10,000 objects, GET p50, creates/s with 5 watchers, RSS at 50k.

Usage: `./dev bench sim [--objects 10000] [--big 50000]`; prints a table and writes bench/results/sim.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bench.simproc import SimProcess

VS = "/apis/snapshot.storage.k8s.io/v1/namespaces/default/volumesnapshots"


def vs(i: int) -> dict[str, Any]:
    return {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
            "metadata": {"name": f"snap-{i:06d}", "namespace": "default", "labels": {"bench": "1"}},
            "spec": {"source": {"persistentVolumeClaimName": f"pvc-{i}"}, "volumeSnapshotClassName": "x"}}


class Conn:
    """A keep-alive HTTP connection, like a real client's pool."""

    def __init__(self, sp: SimProcess) -> None:
        u = urlparse(sp.url)
        self.c = http.client.HTTPSConnection(u.hostname or "127.0.0.1", u.port, timeout=120, context=sp.ssl)
        self.h = {"Authorization": f"Bearer {sp.token}", "Content-Type": "application/json"}

    def req(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        self.c.request(method, path, body=json.dumps(body) if body is not None else None, headers=self.h)
        r = self.c.getresponse()
        return r.status, r.read()


def watcher(sp: SimProcess, stop: threading.Event, counts: list[int]) -> None:
    c = Conn(sp)
    c.c.request("GET", f"{VS}?watch=true&resourceVersion=0", headers=c.h)
    r = c.c.getresponse()
    while not stop.is_set():
        line = r.fp.readline()
        if not line:
            break
        counts[0] += 1


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench sim")
    ap.add_argument("--objects", type=int, default=10_000)
    ap.add_argument("--big", type=int, default=50_000)
    args = ap.parse_args(argv)
    out: dict[str, Any] = {}
    with SimProcess() as sp:
        c = Conn(sp)
        stop = threading.Event()
        counts = [[0] for _ in range(5)]
        threads = [threading.Thread(target=watcher, args=(sp, stop, n), daemon=True) for n in counts]
        for t in threads:
            t.start()
        time.sleep(0.5)
        t0 = time.perf_counter()
        for i in range(args.objects):
            status, _ = c.req("POST", VS, vs(i))
            assert status == 201, status
        elapsed = time.perf_counter() - t0
        out["creates_per_s_5_watchers"] = args.objects / elapsed
        stop.set()
        lists = []
        for _ in range(5):
            t0 = time.perf_counter()
            status, body = c.req("GET", VS)
            lists.append(time.perf_counter() - t0)
            assert status == 200 and body.count(b'"kind":"VolumeSnapshot"') == args.objects
        out["list_10k_ms"] = {"min": min(lists) * 1000, "median": statistics.median(lists) * 1000,
                              "max": max(lists) * 1000}
        gets = []
        for i in range(500):
            t0 = time.perf_counter()
            c.req("GET", f"{VS}/snap-{i:06d}")
            gets.append(time.perf_counter() - t0)
        out["get_p50_ms"] = statistics.median(gets) * 1000
        out["rss_mb_after_creates"] = sp.rss_mb()
    with SimProcess(scenario="big", objects=args.big) as sp:
        out[f"rss_mb_big_{args.big}"] = sp.rss_mb()
    rows = [
        ("LIST 10k objects (median)", f"{out['list_10k_ms']['median']:.1f} ms", "< 100 ms"),
        ("GET p50", f"{out['get_p50_ms']:.2f} ms", "-"),
        ("creates/s with 5 watchers", f"{out['creates_per_s_5_watchers']:.0f}", ">= 500/s"),
        (f"server RSS with {args.big} objects", f"{out[f'rss_mb_big_{args.big}']:.0f} MB", "-"),
    ]
    for name, value, target in rows:
        print(f"{name:<36} {value:>12}   target {target}")
    res = Path(__file__).parent / "results"
    res.mkdir(exist_ok=True)
    (res / "sim.json").write_text(json.dumps(out, indent=2))
    return 0
