"""The real program in tmux: take a VM snapshot of a running VM with an agent using keys only, see it Ready and
consistent in the tree."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Keystroke and first-paint timing in tmux made these flaky on a loaded 2-core machine; CI skips them unless
# DVPSNAP_E2E=1 — run them with `DVPSNAP_E2E=1 ./dev test tests/e2e`.
_E2E_IN_CI = pytest.mark.skipif(bool(os.environ.get("CI")) and not os.environ.get("DVPSNAP_E2E"),
                                reason="flaky under load; set DVPSNAP_E2E=1 to run in CI")


TMUX = shutil.which("tmux")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(TMUX is None, reason="tmux is not installed")]
ROOT = Path(__file__).resolve().parents[2]


class Pane:
    """A detached tmux session running one command (the pane stays after it exits)."""

    def __init__(self, command: str, width: int = 120, height: int = 40) -> None:
        self.name = f"dvpsnap-snap-{uuid.uuid4().hex[:8]}"
        self.tmux("new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), "-c", str(ROOT), "sh")
        self.tmux("set-option", "-t", self.name, "remain-on-exit", "on")
        self.tmux("respawn-pane", "-k", "-t", self.name, command)

    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        return subprocess.run([TMUX, *args], capture_output=True, text=True, check=True, timeout=10).stdout

    def text(self) -> str:
        return self.tmux("capture-pane", "-p", "-J", "-t", self.name)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def literal(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.name, "-l", text)

    def wait(self, cond: Callable[[str], object], timeout: float = 30.0, what: str = "") -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if cond(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n{text}")
            time.sleep(0.1)  # polling tmux from outside the process: there is no event to wait on

    def close(self) -> None:
        subprocess.run([TMUX or "tmux", "kill-session", "-t", self.name], capture_output=True, timeout=10)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Pane]:
    pane = Pane(f"env XDG_STATE_HOME={tmp_path} {sys.executable} -m tui --demo --no-mouse")
    yield pane
    pane.close()


@_E2E_IN_CI
def test_vm_snapshot_with_keys_only_reaches_ready_and_consistent_in_the_tree(demo: Pane) -> None:
    demo.wait(lambda t: "live:" in t and "VM web-01" in t, what="the first paint")
    demo.literal(":vm")
    demo.keys("Enter")
    demo.wait(lambda t: "VirtualMachines:" in t, what="the VM list")
    demo.literal("/^web-01$")
    demo.keys("Enter")
    demo.wait(lambda t: "VirtualMachines: 1 of" in t, what="only web-01")
    demo.literal("t")
    demo.wait(lambda t: "step 1 of" in t and "VM snapshot of web-01" in t, what="the wizard")
    for step in ("Name", "Consistency", "IP address", "Review"):
        demo.keys("Enter")
        demo.wait(lambda t, step=step: f": {step}" in t, what=f"the {step} step")
    review = demo.wait(lambda t: "created (server dry run)" in t, what="the dry-run verdict")
    name = re.search(r"virtualmachinesnapshot/(web-01-\d{8}-\d{4})", review)
    assert name is not None, review
    assert "kind: VirtualMachineSnapshot" in review
    demo.keys("Enter")
    demo.wait(lambda t: "step 5 of" not in t, what="the wizard to close")
    demo.literal("p")
    demo.wait(lambda t: name.group(1) in t and "ready, consistent" in t, timeout=60,
              what="the operations pane to report it Ready")
    demo.keys("Escape")
    demo.wait(lambda t: "Operations:" not in t, what="the pane to close")
    demo.literal("T")
    demo.wait(lambda t: "Namespace lab" in t, what="the tree")
    demo.literal(f"/{name.group(1)}")
    demo.keys("Enter")
    line = re.compile(rf"VMSnapshot {re.escape(name.group(1))}\s+✔ Ready\s+✔ consistent")
    demo.wait(lambda t: line.search(t), timeout=60, what="the snapshot Ready and consistent in the tree")
    demo.keys("C-q")
