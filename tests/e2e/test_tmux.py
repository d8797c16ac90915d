"""The real program in tmux: `dvpsnap --demo`, driven by send-keys only, asserted on capture-pane text."""

from __future__ import annotations

import os
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
    """One detached tmux session running a command; the pane stays after the command exits."""

    def __init__(self, command: str, width: int = 120, height: int = 40) -> None:
        self.name = f"dvpsnap-e2e-{uuid.uuid4().hex[:8]}"
        self.tmux("new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height), "-c", str(ROOT),
                  "sh")
        self.tmux("set-option", "-t", self.name, "remain-on-exit", "on")
        self.tmux("respawn-pane", "-k", "-t", self.name, command)

    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        return subprocess.run([TMUX, *args], capture_output=True, text=True, check=True, timeout=10).stdout

    def text(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.name, *keys)

    def literal(self, text: str) -> None:
        self.tmux("send-keys", "-t", self.name, "-l", text)

    def wait(self, cond: Callable[[str], bool], timeout: float = 30.0, what: str = "") -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if cond(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}:\n{text}")
            time.sleep(0.1)  # polling tmux from outside the process: there is no event to wait on

    def exit_status(self, path: Path, timeout: float) -> str:
        """Wait for the command to end; its exit status, as the wrapping shell wrote it to `path`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if path.exists() and path.read_text().strip():
                return path.read_text().strip()
            time.sleep(0.1)
        raise AssertionError(f"still running {timeout}s after quit:\n{self.text()}")

    def close(self) -> None:
        subprocess.run([TMUX or "tmux", "kill-session", "-t", self.name], capture_output=True, timeout=10)


@pytest.fixture
def status_file(tmp_path: Path) -> Path:
    return tmp_path / "status"


@pytest.fixture
def demo(status_file: Path) -> Iterator[Pane]:
    pane = Pane(f"sh -c '{sys.executable} -m tui --demo --no-mouse; echo $? > {status_file}'")
    yield pane
    pane.close()


@_E2E_IN_CI
def test_demo_keyboard_only_detail_yaml_and_clean_quit(demo: Pane, status_file: Path) -> None:
    demo.wait(lambda t: "ctx dvpsnap-sim" in t and "live:" in t and "VM web-01" in t, what="the first paint")
    demo.literal(":vm")
    demo.keys("Enter")
    screen = demo.wait(lambda t: "NAME" in t and "VirtualMachines:" in t, what="the VM list")
    assert "web-01" in screen and "db-01" in screen
    demo.literal("/web-01")
    demo.keys("Enter")
    demo.wait(lambda t: "filter “web-01”" in t, what="the filter")
    demo.literal("d")
    screen = demo.wait(lambda t: "Kind" in t and "Related" in t and "RELATION" in t, what="the detail view")
    assert "VirtualMachine" in screen and "web-01" in screen
    demo.literal("y")
    demo.wait(lambda t: "apiVersion: virtualization.deckhouse.io/v1alpha2" in t and "managedFields hidden" in t,
              what="the YAML")
    for _ in range(3):  # YAML, detail, then the filter; one at a time (Esc + key would read as Alt+key)
        before = demo.text()
        demo.keys("Escape")
        demo.wait(lambda t, before=before: t != before, what="Escape to take effect")
    demo.wait(lambda t: "VirtualMachines:" in t and "filter" not in t, what="back to the whole list")
    demo.literal("?")
    demo.wait(lambda t: "BINDING ID" in t, what="help")
    demo.literal("q")
    demo.keys("C-q")
    assert demo.exit_status(status_file, timeout=5) == "0"
    assert "Traceback" not in demo.text()
