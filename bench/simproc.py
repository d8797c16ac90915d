"""Start `dvpsnap sim` in its own process and talk to it over HTTP (shared by the benchmarks)."""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml


class SimProcess:
    """`with SimProcess(scenario="big", objects=10000) as sp:` → sp.url, sp.token, sp.kubeconfig, sp.pid."""

    def __init__(self, *, generation: str = "v1.10", scenario: str = "empty", objects: int = 0) -> None:
        self.args = ["--generation", generation, "--scenario", scenario, "--objects", str(objects)]
        self.dir = tempfile.TemporaryDirectory(prefix="dvpsnap-bench-")
        self.kubeconfig = Path(self.dir.name) / "kubeconfig"
        self.proc: subprocess.Popen[str] | None = None
        self.url = self.token = ""
        self.ssl: ssl.SSLContext | None = None

    def __enter__(self) -> SimProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tui", "sim", "--kubeconfig-out", str(self.kubeconfig), *self.args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ},
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("dvpsnap sim exited early")
            if line.startswith("kubeconfig:"):
                break
        doc = yaml.safe_load(self.kubeconfig.read_text())
        self.url = doc["clusters"][0]["cluster"]["server"]
        self.token = doc["users"][0]["user"]["token"]
        ca = doc["clusters"][0]["cluster"].get("certificate-authority-data")
        self.ssl = ssl.create_default_context(cadata=base64.b64decode(ca).decode()) if ca else None
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
        self.dir.cleanup()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=60, context=self.ssl) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def fault(self, action: str, **args: Any) -> None:
        self.request("POST", "/_sim/faults", {"action": action, "args": args})
