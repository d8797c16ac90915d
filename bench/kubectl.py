"""kubectl beside the UI: `get virtualmachines -A` timed with wait4, and a watch whose lines are timestamped."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from bench.markers import MARK, Obj, Stamper, summary

WATCH_COLUMNS = ("custom-columns=EV:.type,NS:.object.metadata.namespace,NAME:.object.metadata.name,"
                 "MSG:.object.status.conditions[*].message")


def get(kubeconfig: Path, *extra: str, timeout: float = 600) -> dict[str, float | None] | None:
    """`kubectl get virtualmachines -A`: wall time, time to the first row, CPU and max RSS of that process."""
    exe = shutil.which("kubectl")
    if exe is None:
        return None
    t0 = time.monotonic()
    p = subprocess.Popen([exe, "--kubeconfig", str(kubeconfig), "get", "virtualmachines", "-A", *extra],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    killer = threading.Timer(timeout, p.kill)
    killer.start()
    assert p.stdout is not None
    first: float | None = None
    lines = 0
    while chunk := os.read(p.stdout.fileno(), 1 << 16):
        lines += chunk.count(b"\n")
        if first is None and lines >= 2:  # the header and one row
            first = time.monotonic() - t0
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    killer.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": wall, "first_s": first, "cpu_s": ru.ru_utime + ru.ru_stime, "maxrss_mb": ru.ru_maxrss / 1024,
            "rows": lines - 1, "exit": p.returncode}


class Watch:
    """`kubectl get virtualdisksnapshots -A -w --output-watch-events` with the condition messages as a column;
    `seen[marker]` is the monotonic time its line arrived."""

    def __init__(self, kubeconfig: Path) -> None:
        exe = shutil.which("kubectl")
        self.seen: dict[int, float] = {}
        self.lines = 0
        self.proc: subprocess.Popen[bytes] | None = None
        if exe is None:
            return
        self.proc = subprocess.Popen(
            [exe, "--kubeconfig", str(kubeconfig), "get", "virtualdisksnapshots", "-A", "-w",
             "--output-watch-events", "-o", WATCH_COLUMNS], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            now = time.monotonic()
            self.lines += 1
            for m in MARK.finditer(line.decode(errors="replace")):
                self.seen.setdefault(int(m.group(1)), now)

    def ready(self, timeout: float = 60) -> bool:
        """True once the initial ADDED lines stopped coming (0.5 s without a line)."""
        deadline, last, count = time.monotonic() + timeout, time.monotonic(), -1
        while time.monotonic() < deadline and self.proc is not None:
            if self.lines != count:
                count, last = self.lines, time.monotonic()
            elif count > 0 and time.monotonic() - last > 0.5:
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.thread.join(2)


def watch_events(kubeconfig: Path, stamper: Stamper, phases: list[tuple[int, list[Obj]]],
                 visible: list[Obj]) -> dict[str, Any]:
    """The kubectl watch alone on the same kind of markers: per (rate, objects) phase, latency on `visible`."""
    watch = Watch(kubeconfig)
    out: dict[str, Any] = {}
    try:
        if not watch.ready():
            return {"error": "kubectl watch printed nothing"}
        for rate, objs in phases:
            emitted = stamper.stamp(objs, rate)
            time.sleep(2.0)
            out[f"ev{rate}"] = summary(emitted, watch.seen, visible)
    finally:
        watch.stop()
    return out
