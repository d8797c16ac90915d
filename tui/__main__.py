"""Command line: `dvpsnap [--demo] ...` runs the UI; `dvpsnap sim ...` runs the simulated cluster alone."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

GENERATIONS = ("seed", "cse", "v1.8", "v1.10")


def sim_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sim", help="run the simulated DVP cluster alone (for kubectl, tests, benchmarks)")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    p.add_argument("--kubeconfig-out", type=Path, help="write a kubeconfig for the cluster here")
    p.add_argument("--generation", choices=GENERATIONS, default="v1.10", help="DVP API generation to serve")
    p.add_argument("--scenario", choices=("empty", "demo", "big", "vms"), default="demo", help="objects to start with")
    p.add_argument("--objects", type=int, default=1000, help="object count for --scenario big or vms")
    p.add_argument("--speed", type=float, default=1.0, help="controller speed factor (50 = 50x faster)")
    p.add_argument("--bookmark-interval", type=float, default=60.0, help="seconds between watch bookmarks")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dvpsnap",
        description="Terminal UI for DVP snapshots, restores and clones.",
        epilog="Settings (theme, keymap, per-context read-only and namespaces) are read from "
               "$XDG_CONFIG_HOME/dvpsnap/config.toml and reloaded when it changes: see `dvpsnap config path`, "
               "`dvpsnap config check`, `dvpsnap keys`.",
    )
    p.add_argument("--demo", action="store_true", help="start the embedded simulated DVP cluster and watch it")
    p.add_argument("--generation", choices=GENERATIONS, default="v1.10", help="API generation for --demo")
    p.add_argument("--objects", type=int, default=0, help="with --demo: a generated cluster of N objects")
    p.add_argument("--speed", type=float, default=1.0,
                   help="with --demo: the simulated controllers run this many times faster (default 1)")
    p.add_argument("--kubeconfig", type=Path, help="kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    p.add_argument("--context", help="kubeconfig context to use (default: the current context)")
    p.add_argument("-n", "--namespace",
                   help="namespace to watch (default: the config's namespaces for the context, else its namespace)")
    p.add_argument("-A", "--all-namespaces", action="store_true", help="watch every namespace")
    p.add_argument("--readonly", action="store_true",
                   help="block every write in every context (per context: read_only in config.toml)")
    p.add_argument("--no-mouse", action="store_true", help="do not enable mouse tracking (config: mouse = false)")
    p.add_argument("--low-bandwidth", action="store_true",
                   help="fewer frames per second, minimal styles (config: low_bandwidth = true)")
    sub = p.add_subparsers(dest="command", metavar="{sim,config,keys}")
    sim_parser(sub)
    from tui import cli

    cli.add_parsers(sub)
    return p


DEMO_SECOND_CONTEXT, DEMO_SECOND_USER = "dvpsnap-second", "dvpsnap-operator"
"""--demo's kubeconfig has a second context (the same cluster as another user), to try `:ctx` on."""


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


def run_ui(args: argparse.Namespace) -> int:
    """The live UI on the current kubeconfig context, or (--demo) on an embedded simulated cluster."""
    from tui.config import load as load_settings

    os.umask(0o077)  # temp files the kubeconfig loader writes (client certs) stay private
    settings, problems = load_settings()
    for problem in problems:
        print(f"dvpsnap: config: {problem}", file=sys.stderr)
    low_bandwidth = args.low_bandwidth or settings.low_bandwidth
    _log_to_file()
    if sys.stdout.isatty():  # an exported COLUMNS/LINES (e.g. from readline) would win over the real size
        for name in ("COLUMNS", "LINES"):
            os.environ.pop(name, None)
    if low_bandwidth:  # before Textual is imported: it reads these once
        os.environ["TEXTUAL_FPS"] = "10"
        os.environ["TEXTUAL_ANIMATIONS"] = "none"
    sim = None
    kubeconfig, context = args.kubeconfig, args.context
    if args.demo:
        from tui.sim.cluster import SimCluster

        sim = SimCluster(args.generation, scenario="big" if args.objects else "demo", objects=args.objects,
                         speed=args.speed)
        sim.start()
        sim.add_context(DEMO_SECOND_CONTEXT, DEMO_SECOND_USER)
        kubeconfig, context = sim.kubeconfig_path, None
    from tui.app import DvpApp
    from tui.live import Options

    options = Options(kubeconfig=kubeconfig, context=context, namespace=args.namespace,
                      all_namespaces=args.all_namespaces or (args.demo and not args.namespace),
                      readonly=args.readonly, low_bandwidth=low_bandwidth,
                      mouse=settings.mouse and not (args.no_mouse or low_bandwidth), ascii_only=not _utf8(),
                      settings=settings, problems=tuple(problems), watch=True,
                      on_exit=_exit_watchdog(_terminal_state()))
    app = DvpApp(options)
    _exit_on_hangup(app)
    try:
        app.run(mouse=options.mouse)
    finally:
        if sim is not None:  # bounded: a stuck simulator thread must not keep the terminal
            stopper = threading.Thread(target=sim.stop, name="sim-stop", daemon=True)
            stopper.start()
            stopper.join(3.0)
    _leave(app.return_code or 0)
    return app.return_code or 0


def _terminal_state() -> list[Any] | None:
    try:
        import termios

        return termios.tcgetattr(sys.stdin.fileno())
    except (ImportError, OSError, ValueError):
        return None


def _exit_watchdog(saved: list[Any] | None) -> Any:
    """Armed when the UI starts to leave: if the process is still here 2 s later (a worker blocked on a
    request, a thread that will not stop), restore the terminal and exit anyway."""

    def force() -> None:
        try:
            import termios

            if saved is not None:
                termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, saved)
        except (ImportError, OSError, ValueError):
            pass
        out = sys.__stderr__
        if out is not None:
            try:
                out.write("\x1b[?1000l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?25h\x1b[?1049l")
                out.flush()
            except (OSError, ValueError):
                pass
        _leave(0)

    def arm() -> None:
        timer = threading.Timer(2.0, force)
        timer.daemon = True
        timer.start()

    return arm


def _leave(code: int) -> None:
    """Exit now: the UI is gone, so a request still in flight on a worker thread must not keep the
    process (and the operator's terminal) alive. Logs are flushed first."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _log_to_file() -> None:
    """Warnings go to $XDG_STATE_HOME/dvpsnap/dvpsnap.log: nothing may write to the terminal the UI owns."""
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "dvpsnap"
    try:
        base.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(base / "dvpsnap.log", encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], force=True)


def _utf8() -> bool:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    return encoding.startswith("utf8")


def _exit_on_hangup(app: Any) -> None:
    """SIGHUP/SIGTERM (the terminal or SSH session went away): leave within 2 s, whatever happens."""

    def hangup(signum: int, frame: object) -> None:
        threading.Timer(1.5, os._exit, args=(128 + signum,)).start()
        loop = getattr(app, "_loop", None)
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(app.exit)

    signal.signal(signal.SIGHUP, hangup)
    signal.signal(signal.SIGTERM, hangup)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "sim":
        return run_sim(args)
    if args.command in ("config", "keys"):
        from tui import cli

        return cli.run(args)
    return run_ui(args)


if __name__ == "__main__":
    sys.exit(main())
