"""Command line: `dvpsnap [--demo] ...` runs the UI; `dvpsnap sim ...` runs the simulated cluster alone."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

GENERATIONS = ("seed", "cse", "v1.8", "v1.10")


def sim_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sim", help="run the simulated DVP cluster alone (for kubectl, tests, benchmarks)")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    p.add_argument("--kubeconfig-out", type=Path, help="write a kubeconfig for the cluster here")
    p.add_argument("--generation", choices=GENERATIONS, default="v1.10", help="DVP API generation to serve")
    p.add_argument("--scenario", choices=("empty", "demo", "big"), default="demo", help="objects to start with")
    p.add_argument("--objects", type=int, default=1000, help="object count for --scenario big")
    p.add_argument("--speed", type=float, default=1.0, help="controller speed factor (50 = 50x faster)")
    p.add_argument("--bookmark-interval", type=float, default=60.0, help="seconds between watch bookmarks")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dvpsnap",
        description="Terminal UI for DVP snapshots, restores and clones.",
    )
    p.add_argument("--demo", action="store_true", help="start the embedded simulated DVP cluster and watch it")
    p.add_argument("--generation", choices=GENERATIONS, default="v1.10", help="API generation for --demo")
    p.add_argument("--objects", type=int, default=0, help="with --demo: a generated cluster of N objects")
    p.add_argument("--kubeconfig", type=Path, help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    p.add_argument("--context", help="kubeconfig context to use (default: the current context)")
    p.add_argument("-n", "--namespace", help="namespace to watch (default: the context's namespace)")
    p.add_argument("-A", "--all-namespaces", action="store_true", help="watch every namespace")
    p.add_argument("--readonly", action="store_true", help="block every write (one guard in the write path)")
    p.add_argument("--no-mouse", action="store_true", help="do not enable mouse tracking")
    p.add_argument("--low-bandwidth", action="store_true", help="fewer frames per second, minimal styles")
    sub = p.add_subparsers(dest="command")
    sim_parser(sub)
    return p


def run_sim(args: argparse.Namespace) -> int:
    from tui.sim.cluster import SimCluster

    scenario = None if args.scenario == "empty" else args.scenario
    sim = SimCluster(args.generation, scenario=scenario, objects=args.objects, speed=args.speed,
                     port=args.port, kubeconfig_path=args.kubeconfig_out,
                     bookmark_interval=args.bookmark_interval)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    with sim:
        print(f"dvpsnap sim: generation {args.generation}, {sim.store.count()} objects, {sim.url}", flush=True)
        print(f"kubeconfig: {sim.kubeconfig_path}", flush=True)
        print(f"try: kubectl --kubeconfig {sim.kubeconfig_path} get vm,vd,vdsnapshot,vmsnapshot -A", flush=True)
        stop.wait()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "sim":
        return run_sim(args)
    if args.demo:
        ns = argparse.Namespace(port=0, kubeconfig_out=None, generation=args.generation,
                                scenario="big" if args.objects else "demo", objects=args.objects, speed=1.0,
                                bookmark_interval=60.0)
        return run_sim(ns)
    print("dvpsnap: the UI is not built yet; try `dvpsnap --demo` or `dvpsnap sim`", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
