"""The UI in a real pty against `dvpsnap sim` in another process, beside kubectl on the same data and markers.

Usage: `python -m bench ui [--sizes 1000,10000] [--big] [--runs 3] [--idle 30] [--events 5]`. Per size and run:
process start → first rows and → every kind live, RSS, key → screen, idle CPU/bytes/requests, event → screen latency
at 100 and 1,000 ev/s (markers written by the simulator, read from the pty), terminal bytes/s at 200×50 and at
80×24 with --low-bandwidth; `kubectl get vm -A` (default and --chunk-size=0) and a kubectl watch on the same
markers. Targets: reliability-perf §4.2. Writes bench/results/ui.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import kubectl
from bench import markers as mk
from bench.pty_session import PtyApp, cpu_of
from bench.simproc import SimProcess

START_TIMEOUT = 240.0
KEYS = 12
DRAIN_MAX = 60.0
SETTLED = 0.5  # s without output and (almost) without CPU: the UI has caught up with the writes
RATES = ((100, 1.0), (1000, 0.5))  # (events/s, share of them on rows visible on screen)
AGED = 65.0  # the tree shows ages ("45s", "3m"): under a minute old, every flush rewrites every visible row


@dataclass
class Ctx:
    """One simulator and what the sessions need to know about it."""

    sp: SimProcess
    stamper: mk.Stamper
    kinds: int  # "live: N kinds" once every watched kind is synced
    hidden: list[mk.Obj]
    namespaces: int  # big-NNNN namespaces (0: the empty cluster)
    born: float  # monotonic time the simulator was ready (its objects are a little older)


def context(sp: SimProcess) -> Ctx:
    _, raw = sp.request("GET", "/api/v1/namespaces")
    big = sum(1 for ns in json.loads(raw)["items"] if ns["metadata"]["name"].startswith("big-"))
    return Ctx(sp, mk.Stamper(sp), mk.live_kinds(sp), mk.offscreen(big), big, time.monotonic())


def app_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "COLORTERM", "NO_COLOR"))}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8", XDG_STATE_HOME=str(home / "state"),
               XDG_CONFIG_HOME=str(home / "config"))
    return env


def start_app(sp: SimProcess, home: Path, cols: int, rows: int, low_bw: bool) -> PtyApp:
    argv = [sys.executable, "-m", "tui", "--kubeconfig", str(sp.kubeconfig), "-A"]
    app = PtyApp(argv + (["--low-bandwidth"] if low_bw else []), cols, rows, app_env(home))
    app.watch(mk.FIRST_PAINT, mk.FIRST_VM, mk.LIVE, mk.MARK)
    return app.start()


def keys(app: PtyApp) -> list[float | None]:
    """`j`/`k` alternately (the cursor stays near the top), each sent after 0.25 s of silence."""
    out: list[float | None] = []
    for i in range(KEYS):
        app.quiet(0.25, 3)
        s = app.key_latency(b"j" if i % 2 == 0 else b"k")
        out.append(s * 1000 if s is not None else None)
    return out


def idle_window(app: PtyApp, sp: SimProcess, seconds: float) -> dict[str, float]:
    app.quiet(2.0, 10)
    w0, c0, b0, t0 = time.time(), app.cpu_s(), app.bytes, time.monotonic()
    app.run_for(seconds)
    dt = time.monotonic() - t0
    reqs = mk.requests(sp, w0)
    return {"seconds": dt, "cpu_pct": (app.cpu_s() - c0) / dt * 100, "bytes_per_s": (app.bytes - b0) / dt,
            "requests": len(reqs), "watch_requests": sum(1 for r in reqs if r["watch"])}


def events(app: PtyApp, ctx: Ctx, rate: int, share: float, seconds: float) -> dict[str, Any]:
    """`rate` marker writes/s for `seconds`; latency per marker on the visible rows, bytes and CPU meanwhile."""
    measure = app.cols >= 160  # at 80 columns the message (and its marker) is cut off the row
    while time.monotonic() < ctx.born + AGED:  # real clusters are older than a minute
        app.pump(0.1)
    visible = mk.VISIBLE if app.rows >= 40 else mk.VISIBLE[:2]
    warm = ctx.stamper.stamp(visible, 50)  # the rows turn "Failed" and show a message from now on
    if measure:
        app.wait_for(mk.MARK, 15, where=f"{warm[-1][0]:07d}")
    app.quiet(0.5, 5)
    objs = mk.mix(visible, ctx.hidden, max(1, int(rate * seconds)), share)
    first = len(app.found[mk.MARK])
    result: dict[str, Any] = {}
    th = threading.Thread(target=lambda: result.update(emitted=ctx.stamper.stamp(objs, rate)), daemon=True)
    b0, c0, s0, t0 = app.bytes, app.cpu_s(), cpu_of(ctx.sp.pid), time.monotonic()
    th.start()
    while th.is_alive() and time.monotonic() < t0 + seconds * 4 + 30:
        app.pump(0.05)
    t1, s1 = time.monotonic(), cpu_of(ctx.sp.pid)
    emitted = result.get("emitted") or []
    last = (app.cpu_s(), time.monotonic())
    while time.monotonic() < t1 + DRAIN_MAX:  # until the UI is idle again: late frames count, late states are late
        app.run_for(SETTLED)
        now = (app.cpu_s(), time.monotonic())
        if (now[0] - last[0]) / (now[1] - last[1]) < 0.05 and now[1] - max(app.last_output, t1) >= SETTLED:
            break  # `last`: where that idle window began
        last = now
    t_end = max(app.last_output, t1)
    b1, (c1, t2) = app.bytes, last
    span = emitted[-1][2] - emitted[0][2] if len(emitted) > 1 else 0.0
    out: dict[str, Any] = {"asked_per_s": rate, "visible_share": share, "events": len(emitted),
                           "achieved_per_s": (len(emitted) - 1) / span if span else 0.0,
                           "bytes_per_s": (b1 - b0) / (t_end - t0), "cpu_pct": (c1 - c0) / (t2 - t0) * 100,
                           "sim_cpu_pct": (s1 - s0) / (t1 - t0) * 100, "settled_after_s": t_end - t1}
    seen: dict[int, float] = {}
    for t, m in app.found[mk.MARK][first:]:
        seen.setdefault(int(m.group(1)), t)
    if measure:
        out["ui"] = mk.summary(emitted, seen, visible)
    return out


def session(ctx: Ctx, *, cols: int, rows: int, low_bw: bool = False, idle: float = 0.0, seconds: float = 0.0,
            rates: tuple[tuple[int, float], ...] = ()) -> dict[str, Any]:
    """One start of the UI: the load timings, then (optionally) idle and event phases; always closed."""
    home = tempfile.TemporaryDirectory(prefix="dvpsnap-ui-")
    app = start_app(ctx.sp, Path(home.name), cols, rows, low_bw)
    out: dict[str, Any] = {"geometry": f"{cols}x{rows}", "low_bandwidth": low_bw}
    try:
        t = app.wait_for(mk.FIRST_PAINT, START_TIMEOUT)
        out["paint_s"] = t - app.t_start if t is not None else None
        t = app.wait_for(mk.FIRST_VM, START_TIMEOUT) if ctx.namespaces else None
        out["first_s"] = t - app.t_start if t is not None else None
        t = app.wait_for(mk.LIVE, START_TIMEOUT, where=str(ctx.kinds))
        if t is None:
            out["error"] = f"'live: {ctx.kinds} kinds' never appeared"
            return out
        out["full_s"] = t - app.t_start
        out["cpu_sync_s"], out["rss_mb"] = app.cpu_s(), app.rss_mb()
        app.quiet(1.0, 20)
        out["keys_ms"] = keys(app)
        if idle:
            out["idle"] = idle_window(app, ctx.sp, idle)
        for rate, share in rates:
            out[f"ev{rate}"] = events(app, ctx, rate, share, seconds)
        out["rss_end_mb"] = app.rss_mb()
    finally:
        app.close()
        home.cleanup()
    return out


def run_size(n: int, args: argparse.Namespace, checkpoint: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """Every run: kubectl get (default, --chunk-size=0), the 200×50 session, the 80×24 --low-bandwidth session."""
    with SimProcess(scenario=args.scenario if n else "empty", objects=n) as sp:
        ctx = context(sp)
        _, raw = sp.request("GET", "/apis/virtualization.deckhouse.io/v1alpha2/virtualmachines")
        info: dict[str, Any] = {"objects": n, "vms": len(json.loads(raw)["items"]), "kinds": ctx.kinds,
                                "sim_rss_mb": sp.rss_mb(), "runs": []}
        for r in range(args.runs):
            print(f"  {n} objects: run {r + 1}/{args.runs}", file=sys.stderr, flush=True)
            run: dict[str, Any] = {}
            if n and not args.no_kubectl:
                run["kubectl"] = {"default": kubectl.get(sp.kubeconfig),
                                  "chunk0": kubectl.get(sp.kubeconfig, "--chunk-size=0")}
            if not n or args.scenario == "vms":  # load timings only: the markers live on disk snapshots
                run["main"] = session(ctx, cols=200, rows=50)
            else:
                run["main"] = session(ctx, cols=200, rows=50, idle=args.idle, seconds=args.events, rates=RATES)
                run["small"] = session(ctx, cols=80, rows=24, low_bw=True, seconds=args.events, rates=RATES)
                if not args.no_kubectl:  # alone, like the UI: on 2 cores both would fight for the CPU
                    run["kubectl_watch"] = kubectl.watch_events(ctx.sp.kubeconfig, ctx.stamper, [
                        (rate, mk.mix(mk.VISIBLE, ctx.hidden, max(1, int(rate * args.events)), share))
                        for rate, share in RATES], mk.VISIBLE)
            info["runs"].append(run)
            checkpoint(info)
        return info


def terminated(signum: int, frame: object) -> None:
    """SIGTERM: say so, then unwind (the simulator and the UI are closed by their context managers)."""
    print(f"bench: terminated by signal {signum}; partial results are in bench/results/", file=sys.stderr, flush=True)
    sys.exit(128 + signum)


def main(argv: list[str]) -> int:
    from bench.ui_table import print_tables

    ap = argparse.ArgumentParser(prog="bench ui")
    ap.add_argument("--sizes", default="1000,10000", help="object counts of the generated clusters")
    ap.add_argument("--big", action="store_true", help="also 50,000 objects")
    ap.add_argument("--scenario", choices=("big", "vms"), default="big",
                    help="big: a mixed cluster (VMs, disks, snapshots, ...); vms: VirtualMachines only (reliability "
                         "§4.1), load timings and kubectl only")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--idle", type=float, default=30.0, help="seconds of the idle window (spec: 60)")
    ap.add_argument("--events", type=float, default=5.0, help="seconds of each event phase")
    ap.add_argument("--no-kubectl", action="store_true")
    ap.add_argument("--no-zero", action="store_true", help="skip the empty-cluster baseline (RSS at 0)")
    ap.add_argument("--out", default="ui", help="results file name: bench/results/NAME.json")
    args = ap.parse_args(argv)
    from bench.report import machine, save

    signal.signal(signal.SIGTERM, terminated)

    sizes = [int(s) for s in args.sizes.split(",") if s] + ([50_000] if args.big else [])
    out: dict[str, Any] = {"machine": machine(), "args": vars(args), "sizes": {}}
    print(out["machine"], file=sys.stderr)
    for n in ([] if args.no_zero else [0]) + sizes:
        def checkpoint(info: dict[str, Any], key: str = str(n)) -> None:
            out["sizes"][key] = info
            save(args.out, out)

        checkpoint(run_size(n, args, checkpoint))
    out["load_after"] = Path("/proc/loadavg").read_text().split()[:3]
    path = save(args.out, out)
    print_tables(out)
    print(f"\nraw results: {path}")
    return 0
