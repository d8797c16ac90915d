"""Server-side event markers for the UI benchmarks: stamp objects at a rate, match what the screen shows, stats."""

from __future__ import annotations

import itertools
import json
import re
import statistics
import time
from collections.abc import Iterable, Sequence
from typing import Any

from bench.simproc import SimProcess

MARK = re.compile(r"bm(\d{7})")
LIVE = re.compile(r"live: (\d+) kinds?")
FIRST_PAINT = re.compile(r"(ctx) ")  # the header's first word: the app painted its first frame
FIRST_VM = re.compile(r"VM (app-00)(?![-\w])")
KIND = "VirtualDiskSnapshot"
# The lineage tree shows a failed disk snapshot's condition message on its row: a marker there is visible text.
# Rows near the top of the tree in namespace big-0000 (visible at 200×50; the first two at 80×24 too).
VISIBLE = [("big-0000", f"app-{i:02d}-root-daily") for i in range(4)]
Obj = tuple[str, str]


def offscreen(namespaces: int) -> list[Obj]:
    """Disk snapshots in the other namespaces: below the first screen of the tree."""
    return [(f"big-{n:04d}", f"app-{i:02d}-root-daily") for n in range(1, namespaces) for i in range(10)]


def status(seq: int) -> dict[str, Any]:
    """A failed disk snapshot whose Ready condition carries marker `seq` (the tree prints that message)."""
    at = "2026-01-01T00:00:00Z"
    return {"phase": "Failed", "conditions": [
        {"type": "VirtualDiskReady", "status": "True", "reason": "VirtualDiskReady", "message": "",
         "lastTransitionTime": at},
        {"type": "VirtualDiskSnapshotReady", "status": "False", "reason": "BenchMarker",
         "message": f"bench bm{seq:07d}", "lastTransitionTime": at}]}


class Stamper:
    """Numbers markers across the whole simulator's life and asks the simulator to write them at a rate."""

    def __init__(self, sp: SimProcess) -> None:
        self.sp = sp
        self.seq = itertools.count(1)

    def stamp(self, objs: Sequence[Obj], rate: float) -> list[tuple[int, Obj, float]]:
        """Write one marker per entry of `objs` at `rate`/s; returns (seq, object, emission time)."""
        seqs = [next(self.seq) for _ in objs]
        body = {"kind": KIND, "rate": rate, "items": [[ns, name, status(s)] for s, (ns, name) in zip(seqs, objs,
                                                                                                  strict=True)]}
        code, raw = self.sp.request("POST", "/_sim/stamp", body)
        if code != 200:
            raise RuntimeError(f"/_sim/stamp answered {code}: {raw[:200]!r}")
        times = json.loads(raw)["times"]
        return list(zip(seqs, objs, times, strict=True))


def mix(visible: Sequence[Obj], hidden: Sequence[Obj], count: int, visible_share: float) -> list[Obj]:
    """`count` objects round-robin, a `visible_share` of them from `visible`."""
    out: list[Obj] = []
    v, h = itertools.cycle(visible), itertools.cycle(hidden or visible)
    acc = 0.0
    for _ in range(count):
        acc += visible_share
        if acc >= 1.0 - 1e-9:
            acc -= 1.0
            out.append(next(v))
        else:
            out.append(next(h))
    return out


def latencies(emitted: Sequence[tuple[int, Obj, float]], seen: dict[int, float],
              only: Iterable[Obj]) -> tuple[list[float], int, int]:
    """Per emitted marker on `only` objects: time until the screen showed it or a later one of the same object
    (coalescing is allowed, losing the final state is not). Returns (latencies, unseen, final states missing)."""
    keep = set(only)
    by_obj: dict[Obj, list[tuple[int, float]]] = {}
    for seq, obj, t in emitted:
        if obj in keep:
            by_obj.setdefault(obj, []).append((seq, t))
    out: list[float] = []
    unseen = missing_final = 0
    for marks in by_obj.values():
        best = float("inf")
        for n, (seq, t) in enumerate(reversed(sorted(marks))):
            best = min(best, seen.get(seq, float("inf")))
            if best == float("inf"):
                unseen += 1
                missing_final += n == 0
            else:
                out.append(best - t)
    return out, unseen, missing_final


def summary(emitted: Sequence[tuple[int, Obj, float]], seen: dict[int, float], only: Iterable[Obj]) -> dict[str, Any]:
    lat, unseen, lost = latencies(emitted, seen, only)
    return {"samples": len(lat), "unseen": unseen, "final_lost": lost,
            **{f"p{q}_ms": pct(lat, q) * 1000 for q in (50, 95, 99)}}


def pct(values: Sequence[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * (len(s) - 1))))]


def spread(values: Sequence[float]) -> dict[str, float]:
    vals = [v for v in values if v == v]  # drop NaN
    if not vals:
        return {"min": float("nan"), "median": float("nan"), "max": float("nan")}
    return {"min": min(vals), "median": statistics.median(vals), "max": max(vals)}


def live_kinds(sp: SimProcess) -> int:
    """How many of the kinds the UI watches from the start this simulator serves ("live: N kinds" when synced)."""
    from tui.kube.kinds import BY_ID
    from tui.live import WATCHED

    served: dict[str, set[str]] = {}
    count = 0
    for kid in WATCHED:
        k = BY_ID[kid]
        path = f"/apis/{k.group}/{k.version}" if k.group else "/api/v1"
        if path not in served:
            code, raw = sp.request("GET", path)
            served[path] = {r["name"] for r in json.loads(raw).get("resources", [])} if code == 200 else set()
        count += k.plural in served[path]
    return count


def requests(sp: SimProcess, since: float, until: float | None = None) -> list[dict[str, Any]]:
    """API requests (not /_sim) that reached the simulator between two wall-clock times."""
    _, raw = sp.request("GET", "/_sim/requests")
    end = until if until is not None else time.time()
    return [r for r in json.loads(raw)["requests"]
            if since <= r["at"] <= end and not r["path"].startswith("/_sim")]
