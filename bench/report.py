"""Plain-text tables for the UI benchmarks: median (min–max) per tool, the winner and its ratio, target, verdict."""

from __future__ import annotations

import json
import platform
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.markers import spread

Spread = dict[str, float]


def fmt(s: Spread | None, digits: int = 2) -> str:
    if s is None or s["median"] != s["median"]:
        return "—"
    med, lo, hi = (f"{s[k]:.{digits}f}" for k in ("median", "min", "max"))
    return med if lo == hi else f"{med} ({lo}–{hi})"


@dataclass
class Row:
    """One metric: our spread over runs, kubectl's (if it has one), and a target checked on a value."""

    metric: str
    ours: Spread | None
    theirs: Spread | None = None
    target: str = "—"
    check: Callable[[float], bool] | None = None
    digits: int = 2
    lower_is_better: bool = True

    def winner(self) -> str:
        if self.ours is None or self.theirs is None:
            return "—"
        a, b = self.ours["median"], self.theirs["median"]
        if not (a == a and b == b) or a <= 0 or b <= 0:
            return "—"
        ours_better = (a < b) == self.lower_is_better
        ratio = max(a, b) / min(a, b)
        return f"{'dvpsnap' if ours_better else 'kubectl'} {ratio:.1f}×"

    def verdict(self) -> str:
        if self.check is None or self.ours is None or self.ours["median"] != self.ours["median"]:
            return ""
        ok = self.check(self.ours["median"])
        worst = self.ours["max"] if self.lower_is_better else self.ours["min"]
        tail = "" if self.check(worst) == ok else (" (worst run FAIL)" if ok else " (best run PASS)")
        return ("PASS" if ok else "FAIL") + tail


def of(values: Sequence[float | None], scale: float = 1.0) -> Spread | None:
    vals = [v * scale for v in values if v is not None]
    return spread(vals) if vals else None


def table(title: str, rows: Sequence[Row]) -> str:
    head = ("metric", "dvpsnap", "kubectl", "winner", "target", "verdict")
    body = [(r.metric, fmt(r.ours, r.digits), fmt(r.theirs, r.digits), r.winner(), r.target, r.verdict())
            for r in rows]
    widths = [max(len(x[i]) for x in (head, *body)) for i in range(len(head))]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in body]
    return "\n".join(lines)


def machine() -> str:
    import os

    mem = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem = int(line.split()[1]) // 1024 // 1024
    load = Path("/proc/loadavg").read_text().split()[:3]
    return (f"{os.cpu_count()} cores, {mem} GiB, Python {platform.python_version()}, "
            f"load average {' '.join(load)} at start (shared machine: other engineers run tests in parallel)")


def save(name: str, data: dict[str, Any]) -> Path:
    res = Path(__file__).parent / "results"
    res.mkdir(exist_ok=True)
    path = res / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    return path
