"""The UI in a real pty while the simulator fails: restart (refused connections), compaction (410), throttling (429
with Retry-After), a stall; time until the header says so, time until fresh data shows again, the requests sent
meanwhile, and whether the final screen equals the server.

Usage: `python -m bench faults [--objects 1000] [--refuse 5] [--stall 30] [--size 200x50]`. While a fault lasts, the
simulator writes a marker on a visible row 4×/s (/_sim/stamp); "recovered" is the first marker written after the
server is healthy again appearing on screen. Writes bench/results/faults.json.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import markers as mk
from bench.pty_session import PtyApp
from bench.report import machine, save
from bench.simproc import SimProcess
from bench.ui_pty import START_TIMEOUT, Ctx, context, start_app, terminated

UNHEALTHY = re.compile(r"(stale|reconnecting) since")
THROTTLED = re.compile(r"(throttled)")
HEADER = re.compile(r"live: \d+ kinds?|(?:reconnecting|stale) since[^\]]*\]|throttled[^│]{0,60}|syncing[^│]{0,40}")
COUNT = re.compile(r"VirtualDiskSnapshots: (\d+)")
TICK = 0.25
VDS = "/apis/virtualization.deckhouse.io/v1alpha2/virtualdisksnapshots"
VDS_NS = "/apis/virtualization.deckhouse.io/v1alpha2/namespaces/{ns}/virtualdisksnapshots"


class Ticker(threading.Thread):
    """Stamps the first visible row every TICK s until stopped; failures (server down) are skipped."""

    def __init__(self, ctx: Ctx) -> None:
        super().__init__(daemon=True)
        self.ctx, self.halt = ctx, threading.Event()
        self.emitted: list[tuple[int, mk.Obj, float]] = []

    def run(self) -> None:
        for _ in range(int(600 / TICK)):
            if self.halt.wait(TICK):
                return
            try:
                self.emitted += self.ctx.stamper.stamp(mk.VISIBLE[:1], 100)
            except (OSError, RuntimeError):
                pass


def first_after(app: PtyApp, pattern: re.Pattern[str], since: float, where: str | None = None) -> float | None:
    for t, m in app.found.get(pattern, []):
        if t >= since and (where is None or m.group(1) == where):
            return t
    return None


def fault(app: PtyApp, ctx: Ctx, inject: Callable[[], None], heal: Callable[[], None] | None, lasts: float,
          timeout: float) -> dict[str, Any]:
    """Inject, heal after `lasts` s, read the screen until fresh data shows and the header is live (or timeout)."""
    app.quiet(0.5, 5)
    first = {p: len(app.found[p]) for p in (mk.MARK, HEADER)}
    ticker = Ticker(ctx)
    w0, t0 = time.time(), time.monotonic()
    ticker.start()
    inject()
    healed_at = recovered = live = None
    while time.monotonic() < t0 + lasts + timeout:
        app.pump(0.05)
        if healed_at is None and time.monotonic() >= t0 + lasts:
            if heal is not None:
                heal()
            healed_at = time.monotonic()
        if healed_at is not None and recovered is None:
            fresh = {seq for seq, _, t in ticker.emitted if t >= healed_at}
            recovered = next((t for t, m in app.found[mk.MARK][first[mk.MARK]:] if int(m.group(1)) in fresh), None)
        unhealthy = first_after(app, UNHEALTHY, t0)
        if unhealthy is not None:
            live = first_after(app, mk.LIVE, unhealthy, str(ctx.kinds))
        if recovered is not None and (live is not None or (unhealthy is None and app.quiet(0.5, 2))):
            break
    ticker.halt.set()
    ticker.join(5)
    end = max(t for t in (recovered, live, time.monotonic() if recovered is None else None) if t is not None)
    reqs = mk.requests(ctx.sp, w0, w0 + (end - t0))
    lists = [r for r in reqs if not r["watch"] and "limit=" in r["query"]]  # the reflectors' paged lists
    return {
        "shown_unhealthy_s": None if unhealthy is None else unhealthy - t0,
        "throttled_shown": first_after(app, THROTTLED, t0) is not None,
        "header_live_again_s": None if live is None else live - t0,
        "fresh_data_after_heal_s": None if recovered is None or healed_at is None else recovered - healed_at,
        "fresh_data_after_start_s": None if recovered is None else recovered - t0,
        "requests": len(reqs), "watch_requests": sum(1 for r in reqs if r["watch"]),
        "list_requests": len(lists), "statuses": sorted({r["status"] for r in reqs}),
        "timeline": [f"{t - t0:6.2f} {m.group(0)[:110]}" for t, m in app.found[HEADER][first[HEADER]:]][:60],
        "requests_log": [f"{r['at'] - w0:6.2f} {r['method']} {r['path']} watch={r['watch']} {r['status']}"
                         for r in reqs][:200],
    }


def final_check(app: PtyApp, ctx: Ctx) -> dict[str, Any]:
    """The last marker on screen is the server's, and the VirtualDiskSnapshot list counts what the server has."""
    app.quiet(1.0, 10)
    ns, name = mk.VISIBLE[0]
    _, raw = ctx.sp.request("GET", f"{VDS_NS.format(ns=ns)}/{name}")
    server_mark = mk.MARK.search(json.dumps(json.loads(raw).get("status", {})))
    app.send(b":")
    app.run_for(0.3)
    app.send(b"vdsnapshot\r")
    since = time.monotonic()
    shown = app.wait_for(COUNT, 20, since=since)
    app.run_for(1.0)  # the last count printed is the settled one
    count = int([m for t, m in app.found[COUNT] if t >= since][-1].group(1)) if shown else None
    _, raw = ctx.sp.request("GET", VDS)
    server = len(json.loads(raw)["items"])
    marks = app.found[mk.MARK]
    last_mark = max((int(m.group(1)) for _, m in marks[-50:]), default=None)
    return {"server_vdsnapshots": server, "shown_vdsnapshots": count, "counts_equal": count == server,
            "server_marker": int(server_mark.group(1)) if server_mark else None, "last_marker_on_screen": last_mark,
            "marker_equal": server_mark is not None and last_mark == int(server_mark.group(1))}


Plan = list[tuple[str, Callable[[], None], Callable[[], None] | None, float]]


def plan(ctx: Ctx, args: argparse.Namespace) -> Plan:
    """(name, inject, heal or None, seconds until healed) per fault, in order."""
    sp = ctx.sp

    def compact() -> None:  # while no watch is open: a deletion and a marker, then the log is gone
        sp.fault("drop_watches")
        ns, name = (ctx.hidden or mk.VISIBLE[1:])[-1]
        sp.request("DELETE", f"{VDS_NS.format(ns=ns)}/{name}")
        ctx.stamper.stamp(mk.VISIBLE[1:2], 100)
        sp.fault("compact")

    def throttle() -> None:
        sp.fault("fail", status=429, times=2 * ctx.kinds, retry_after=2, watch=True)
        sp.fault("drop_watches")

    return [
        (f"restart: connections refused {args.refuse:.0f} s", lambda: sp.fault("refuse", seconds=args.refuse), None,
         args.refuse),
        ("compaction: watches dropped, 1 deletion, log compacted (410 on resume)", compact, None, 0.0),
        ("throttling: 429 Retry-After 2 on every watch (twice each), watches dropped", throttle, None, 0.0),
        (f"stall {args.stall:.0f} s: open streams send nothing, new requests hang", lambda: sp.fault("stall", on=True),
         lambda: sp.fault("stall", on=False), args.stall),
    ]


def one(ctx: Ctx, cols: int, rows: int, inject: Callable[[], None], heal: Callable[[], None] | None,
        lasts: float, timeout: float) -> dict[str, Any]:
    """A fresh UI per fault (the reconnect backoff resets only after 2 min healthy): live, fault, final check."""
    home = tempfile.TemporaryDirectory(prefix="dvpsnap-faults-")
    app = start_app(ctx.sp, Path(home.name), cols, rows, False)
    app.watch(UNHEALTHY, THROTTLED, COUNT, HEADER)
    try:
        if app.wait_for(mk.LIVE, START_TIMEOUT, where=str(ctx.kinds)) is None:
            raise RuntimeError("the UI never became live")
        warm = ctx.stamper.stamp(mk.VISIBLE[:2], 10)
        app.wait_for(mk.MARK, 15, where=f"{warm[-1][0]:07d}")
        out = fault(app, ctx, inject, heal, lasts, timeout)
        out["final"] = final_check(app, ctx)
        return out
    finally:
        app.close()
        home.cleanup()


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench faults")
    ap.add_argument("--objects", type=int, default=1000)
    ap.add_argument("--refuse", type=float, default=5.0, help="seconds the API refuses connections (restart)")
    ap.add_argument("--stall", type=float, default=130.0, help="seconds of the stall (the UI's read timeout: 120)")
    ap.add_argument("--size", default="200x50")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for recovery after healing")
    args = ap.parse_args(argv)
    cols, rows = (int(x) for x in args.size.split("x"))
    signal.signal(signal.SIGTERM, terminated)
    out: dict[str, Any] = {"machine": machine(), "args": vars(args), "faults": {}}
    print(out["machine"], file=sys.stderr)
    with SimProcess(scenario="big", objects=args.objects) as sp:
        ctx = context(sp)
        for name, inject, heal, lasts in plan(ctx, args):
            print(f"  {name}", file=sys.stderr, flush=True)
            out["faults"][name] = one(ctx, cols, rows, inject, heal, lasts, args.timeout)
            sp.fault("clear")
    path = save("faults", out)
    print_table(out)
    print(f"\nraw results: {path}")
    return 0


def print_table(out: dict[str, Any]) -> None:
    def s(v: Any) -> str:
        return "not shown" if v is None else f"{v:.2f} s" if isinstance(v, float) else str(v)

    def final(f: dict[str, Any]) -> str:
        return (f"{f.get('shown_vdsnapshots')}/{f.get('server_vdsnapshots')} "
                f"{'=' if f.get('counts_equal') else '≠'}; marker {'=' if f.get('marker_equal') else '≠'}")

    head = ("fault", "stale/reconnecting shown", "header live again", "fresh data after heal",
            "requests (watch/list)", "throttled shown", "final: VDS shown/server; marker")
    rows = [(name, s(r["shown_unhealthy_s"]), s(r["header_live_again_s"]), s(r["fresh_data_after_heal_s"]),
             f"{r['requests']} ({r['watch_requests']}/{r['list_requests']})", "yes" if r["throttled_shown"] else "no",
             final(r.get("final", {}))) for name, r in out["faults"].items()]
    widths = [max(len(x[i]) for x in (head, *rows)) for i in range(len(head))]
    print(f"machine: {out['machine']}")
    print(f"{out['args']['objects']:,} objects, a fresh UI per fault at {out['args']['size']}; times from the "
          "injection except 'fresh data', which counts from the heal (the first marker written after it, on screen)")
    for row in (head, tuple("-" * w for w in widths), *rows):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
