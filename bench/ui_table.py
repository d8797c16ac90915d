"""The tables of `python -m bench ui`: one per cluster size (dvpsnap beside kubectl), then memory."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

from bench.markers import pct
from bench.report import Row, of, table


def g(items: list[Any], *path: str) -> list[float | None]:
    """The value at `path` in each item (None where missing)."""
    out: list[float | None] = []
    for it in items:
        for key in path:
            it = it.get(key) if isinstance(it, dict) else None
        out.append(float(it) if isinstance(it, int | float) else None)
    return out


def le(limit: float) -> Callable[[float], bool]:
    return lambda v: v <= limit


def ratio(a: list[float | None], b: list[float | None]) -> list[float | None]:
    return [x / y if x is not None and y else None for x, y in zip(a, b, strict=True)]


def key_pcts(runs: list[dict[str, Any]], q: float) -> list[float | None]:
    out: list[float | None] = []
    for m in runs:
        vals = [v for v in m.get("keys_ms") or [] if v is not None]
        out.append(pct(vals, q) if vals else None)
    return out


def size_rows(n: int, info: dict[str, Any]) -> list[Row]:
    runs = info["runs"]
    main, small = [r["main"] for r in runs], [r.get("small", {}) for r in runs]
    kc = [r.get("kubectl") or {} for r in runs]
    kw = [r.get("kubectl_watch") or {} for r in runs]
    first_t, full_t = (1.5, 3.0) if n > 10_000 else (1.0, 1.5)
    idle_s = statistics.median([m["idle"]["seconds"] for m in main if "idle" in m] or [0])
    rows = [
        Row("first paint (the header), 200×50 (s)", of(g(main, "paint_s"))),
        Row("first rows visible, 200×50 (s) | kubectl: first row", of(g(main, "first_s")),
            of(g(kc, "default", "first_s")), f"≤ {first_t} s", le(first_t)),
        Row("first rows ÷ `kubectl get vm -A` wall", of(ratio(g(main, "first_s"), g(kc, "default", "wall_s"))),
            None, "≤ 0.5", le(0.5)),
        Row("all kinds live, 200×50 (s) | kubectl: wall", of(g(main, "full_s")), of(g(kc, "default", "wall_s")),
            f"≤ {full_t} s", le(full_t)),
        Row("  same | kubectl --chunk-size=0 wall", of(g(main, "full_s")), of(g(kc, "chunk0", "wall_s"))),
        Row("first rows visible, 80×24 --low-bandwidth (s)", of(g(small, "first_s")), None, f"≤ {first_t} s",
            le(first_t)),
        Row("CPU until live (s) | kubectl: CPU (1 kind)", of(g(main, "cpu_sync_s")), of(g(kc, "default", "cpu_s"))),
        Row("RSS when live (MB) | kubectl: max RSS", of(g(main, "rss_mb")), of(g(kc, "default", "maxrss_mb")),
            digits=0),
        Row("  same | kubectl --chunk-size=0 max RSS", of(g(main, "rss_mb")), of(g(kc, "chunk0", "maxrss_mb")),
            digits=0),
        Row("key → screen p50, idle (ms)", of(key_pcts(main, 50)), digits=1),
        Row("key → screen p95, idle (ms)", of(key_pcts(main, 95)), None, "≤ 100 ms (spec: under load)", le(100),
            digits=1),
        Row(f"idle CPU over {idle_s:.0f} s (% of a core)", of(g(main, "idle", "cpu_pct")), None, "≤ 0.5 %", le(0.5)),
        Row("idle terminal output (B/s)", of(g(main, "idle", "bytes_per_s")), None, "0", le(0.0)),
        Row(f"idle API requests in {idle_s:.0f} s", of(g(main, "idle", "requests")), None, "0 (renewals only)",
            le(0.0), digits=0),
    ]
    for rate, targets in ((100, {50: 50.0, 95: 100.0, 99: 150.0}), (1000, {95: 250.0})):
        ev = f"ev{rate}"
        for q in (50, 95, 99):
            t = targets.get(q)
            rows.append(Row(f"event → screen p{q} at {rate}/s (ms) | kubectl -w", of(g(main, ev, "ui", f"p{q}_ms")),
                            of(g(kw, ev, f"p{q}_ms")), f"≤ {t:.0f} ms" if t else "—",
                            le(t) if t else None, digits=0))
        rows += [
            Row(f"  events written per s (asked {rate}; {g(main, ev, 'visible_share')[0] or 0:.0%} on screen)",
                of(g(main, ev, "achieved_per_s")), digits=0, lower_is_better=False),
            Row("  UI idle again after the last write (s)", of(g(main, ev, "settled_after_s"))),
            Row(f"  final states not shown at {rate}/s", of(g(main, ev, "ui", "final_lost")),
                of(g(kw, ev, "final_lost")), "0", le(0), digits=0),
            Row(f"  CPU at {rate}/s (% of a core)", of(g(main, ev, "cpu_pct")), None,
                "≤ 60 %" if rate == 1000 else "—", le(60) if rate == 1000 else None, digits=0),
            Row("  simulator CPU meanwhile (% of a core)", of(g(main, ev, "sim_cpu_pct")), digits=0),
            Row(f"  terminal output at {rate}/s until settled, 200×50 (KB/s)", of(g(main, ev, "bytes_per_s"),
                1 / 1024), None,
                "≤ 30" if rate == 100 else "—", le(30) if rate == 100 else None, digits=1),
            Row(f"  terminal output at {rate}/s, 80×24 --low-bandwidth (KB/s)", of(g(small, ev, "bytes_per_s"),
                1 / 1024), None, "≤ 10" if rate == 100 else "≤ 30", le(10 if rate == 100 else 30), digits=1),
            Row(f"  CPU at {rate}/s, 80×24 --low-bandwidth (%)", of(g(small, ev, "cpu_pct")), digits=0),
        ]
    return rows


def memory_rows(out: dict[str, Any]) -> list[Row]:
    sizes = out["sizes"]
    rows: list[Row] = []
    zero = [v for v in g([r["main"] for r in sizes.get("0", {}).get("runs", [])], "rss_mb") if v is not None]
    if zero:
        rows.append(Row("RSS at 0 objects, every kind live (MB)", of(zero), None, "≤ 80 MB", le(80), digits=0))
    base = statistics.median(zero) if zero else None
    for key, info in sizes.items():
        n = int(key)
        rss = g([r["main"] for r in info["runs"]], "rss_mb")
        if n == 0 or base is None:
            continue
        growth = [v - base if v is not None else None for v in rss]
        limit = 20.0 if n <= 10_000 else 100.0
        rows.append(Row(f"RSS growth at {n:,} objects vs 0 (MB)", of(growth), None,
                        f"≤ {limit * n / 10_000 if n < 10_000 else limit:.0f} MB",
                        le(limit * n / 10_000 if n < 10_000 else limit), digits=1))
        rows.append(Row("  per 1,000 objects (MB)", of([v / (n / 1000) if v is not None else None for v in growth]),
                        None, "≤ 2 MB", le(2.0), digits=2))
        if n >= 50_000:
            rows.append(Row(f"RSS at {n:,} objects (MB)", of(rss), None, "≤ 200 MB", le(200), digits=0))
    return rows


def print_tables(out: dict[str, Any]) -> None:
    print(f"machine: {out['machine']}; load average at the end: {' '.join(out.get('load_after', []))}")
    for key, info in out["sizes"].items():
        n = int(key)
        if n == 0:
            continue
        runs = len(info["runs"])
        print()
        print(table(f"{n:,} objects ({info['vms']} VMs; the UI watches {info['kinds']} kinds), TERM=xterm-256color, "
                    f"{runs} run{'s' if runs != 1 else ''}: median (min–max)", size_rows(n, info)))
    rows = memory_rows(out)
    if rows:
        print()
        print(table("memory (RSS of the UI process once every kind is live, 200×50)", rows))
