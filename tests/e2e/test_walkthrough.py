"""The real program in tmux, once per DVP API generation: a whole operator walkthrough with keys only, asserted on
capture-pane text at every step (tree walk, disk and VM snapshots, a copy from a snapshot, the in-place restore's
DryRun preview, clone, delete, namespace switch, the too-small screen, quit)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

# Keystroke timing in tmux made these flaky on a loaded 2-core machine (a benchmark running beside them);
# CI skips them unless DVPSNAP_E2E=1 — run them with `DVPSNAP_E2E=1 ./dev test tests/e2e`.
_E2E_IN_CI = pytest.mark.skipif(bool(os.environ.get("CI")) and not os.environ.get("DVPSNAP_E2E"),
                                reason="flaky under load; set DVPSNAP_E2E=1 to run in CI")


TMUX = shutil.which("tmux")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(TMUX is None, reason="tmux is not installed")]
ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;:?]*[A-Za-z]")
BG = re.compile(r"\x1b\[[0-9;]*?48;(?:5;\d+|2;\d+;\d+;\d+)")
STEP = re.compile(r"step \d+ of \d+")
FRAME = re.compile(r"[\s█▌▎▊]+")


class Pane:
    """A detached tmux session running one command; the pane stays (dead) after the command exits."""

    def __init__(self, command: str, width: int = 120, height: int = 40) -> None:
        self.name = f"dvpsnap-walk-{uuid.uuid4().hex[:8]}"
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

    def command(self, text: str) -> None:
        self.literal(text)
        self.keys("Enter")

    def wait(self, cond: Callable[[str], object], timeout: float = 30.0, what: str = "") -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if cond(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}:\n{text}")
            time.sleep(0.1)  # polling tmux from outside the process: there is no event to wait on

    def _cursor(self) -> str:
        """The tree's cursor line: the tree row whose background differs from the other rows'."""
        rows = []
        for raw in self.tmux("capture-pane", "-p", "-e", "-t", self.name).splitlines():
            plain = ANSI.sub("", raw)
            if "─ " in plain or "Namespace " in plain:
                bg = BG.search(raw)
                rows.append((bg.group(0).rsplit("48;", 1)[1] if bg else "", plain))
        if not rows:
            return ""
        common = Counter(bg for bg, _ in rows).most_common(1)[0][0]
        odd = [plain for bg, plain in rows if bg != common]
        return odd[0] if len(odd) == 1 else ""

    def cursor(self) -> str:
        """The cursor line, read twice alike (a capture can land mid-repaint); "" if not settled."""
        first = self._cursor()
        return first if first and self._cursor() == first else ""

    def wait_cursor(self, pattern: str, timeout: float = 15.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.cursor()
            if re.search(pattern, line):
                return line
            if time.monotonic() > deadline:
                raise AssertionError(f"cursor not on {pattern!r} but on {line!r}:\n{self.text()}")
            time.sleep(0.1)

    def move(self, key: str) -> str:
        """j / k: one row, waiting until the cursor has moved."""
        before = self.wait_cursor(".")
        self.keys(key)
        deadline = time.monotonic() + 10
        while (line := self.cursor()) in (before, ""):
            if time.monotonic() > deadline:
                raise AssertionError(f"{key} did not move the cursor from {before!r}:\n{self.text()}")
            time.sleep(0.1)
        return line

    def goto(self, pattern: str) -> str:
        """From the top of the tree, j until the cursor is on a row matching `pattern`."""
        self.keys("g")
        self.wait_cursor(r"Namespace ")
        for _ in range(60):
            line = self.cursor()
            if re.search(pattern, line):
                return line
            self.move("j")
        raise AssertionError(f"no row matching {pattern!r}:\n{self.text()}")

    def dead(self) -> tuple[str, str]:
        out = self.tmux("display-message", "-p", "-t", self.name, "#{pane_dead} #{pane_dead_status}").split()
        return (out[0], out[1]) if len(out) == 2 else ("", "")

    def close(self) -> None:
        subprocess.run([TMUX or "tmux", "kill-session", "-t", self.name], capture_output=True, timeout=10)


def step_key(text: str) -> str | None:
    """The wizard's title line (kind, phase and step number), or None when no wizard is open."""
    flat = FRAME.sub(" ", text)  # the title may wrap inside the dialog's frame
    match = STEP.search(flat)
    return flat[max(0, match.start() - 100):match.end()] if match else None


def on_step(text: str, name: str) -> bool:
    return re.search(rf"step \d+ of \d+: {name}", FRAME.sub(" ", text)) is not None


def advance(pane: Pane, timeout: float = 30.0) -> str:
    """Enter on a wizard step; wait for the next step (or for the wizard to close)."""
    before = step_key(pane.text())
    pane.keys("Enter")
    return pane.wait(lambda t: step_key(t) != before, timeout=timeout, what=f"the step after {before!r}")


def tree_row(text: str, pattern: str) -> str | None:
    return next((line for line in text.splitlines() if re.search(pattern, line)), None)


@_E2E_IN_CI
@pytest.mark.parametrize("generation", ["seed", "cse", "v1.8", "v1.10"])
def test_walkthrough_keys_only(generation: str, tmp_path: Path) -> None:
    env = f"XDG_STATE_HOME={tmp_path} XDG_CONFIG_HOME={tmp_path}"
    pane = Pane(f"env {env} {sys.executable} -m tui --demo --no-mouse --generation {generation}")
    try:
        walkthrough(pane, generation)
    finally:
        pane.close()


def walkthrough(pane: Pane, generation: str) -> None:
    # First paint: the lineage tree.
    pane.wait(lambda t: f"DVP {generation}" in t and "live:" in t and "VM web-01" in t and "Namespace lab" in t,
              timeout=60, what="the tree")

    # The initial lists keep arriving for a moment: wait for the object count to hold still for a second.
    count = re.compile(r"^ (\d+) objects", re.MULTILINE)
    seen: list[tuple[float, str]] = []

    def settled(text: str) -> bool:
        found = count.search(text)
        now = found.group(1) if found else ""
        if not seen or seen[-1][1] != now:
            seen.append((time.monotonic(), now))
        return bool(now) and time.monotonic() - seen[-1][0] >= 1.0

    pane.wait(settled, timeout=60, what="the object count to settle")

    # Walk the main view: j/k, collapse/expand.
    pane.keys("g")
    pane.wait_cursor(r"▼ Namespace lab")
    pane.keys("j")
    pane.wait_cursor(r"VM app-02")
    pane.wait(lambda t: "Disk app-02-root" in t, what="app-02's disks")
    pane.keys("h")
    pane.wait(lambda t: "Disk app-02-root" not in t and "VM app-02" in t, what="app-02 collapsed")
    pane.keys("l")
    pane.wait(lambda t: "Disk app-02-root" in t, what="app-02 expanded again")
    assert "VM app-02" in pane.cursor()
    pane.keys("k")
    pane.wait_cursor(r"Namespace lab")

    # Only web-01's family from here on.
    pane.command("/web-01")
    pane.wait(lambda t: "filter “web-01”" in t and "VM app-02" not in t, what="the filter")

    # A disk snapshot: t on the disk row, Enter through the wizard.
    pane.goto(r"Disk web-01-root ")
    pane.keys("t")
    pane.wait(lambda t: "Take a disk snapshot — disk web-01-root" in t, what="the disk snapshot wizard")
    for _ in range(6):
        if on_step(pane.text(), "Review"):
            break
        advance(pane)
    review = pane.wait(lambda t: "created (server dry run)" in t, what="the disk snapshot's dry run")
    found = re.search(r"virtualdisksnapshot/(web-01-root-[\w-]+) created", review)
    assert found is not None, review
    disk_snap = found.group(1)
    advance(pane)
    pane.wait(lambda t: step_key(t) is None, what="the wizard to close")
    pane.wait(lambda t: f"DiskSnapshot {disk_snap} " in t, timeout=30, what="the disk snapshot in the tree")

    # A VM snapshot of web-01 (running, with agent); keepIPAddress Never so a copy can get a fresh address.
    pane.goto(r"VM web-01 ")
    pane.keys("t")
    pane.wait(lambda t: "(•) VM snapshot of web-01" in t, what="the VM snapshot wizard")
    for _ in range(8):
        text = pane.text()
        if on_step(text, "Review"):
            break
        if on_step(text, "IP address"):
            pane.keys("Down")
            pane.wait(lambda t: "(•) Never" in t, what="keepIPAddress Never")
        advance(pane)
    review = pane.wait(lambda t: "created (server dry run)" in t, what="the VM snapshot's dry run")
    found = re.search(r"virtualmachinesnapshot/(web-01-[\w-]+) created", review)
    assert found is not None, review
    vm_snap = found.group(1)
    advance(pane)
    pane.wait(lambda t: step_key(t) is None, what="the wizard to close")
    ready = rf"VMSnapshot {re.escape(vm_snap)}\s+✔ Ready"
    pane.wait(lambda t: tree_row(t, ready), timeout=90, what="the VM snapshot Ready in the tree")

    # A copy: a new VM from the snapshot (C on the VM snapshot).
    pane.goto(rf"VMSnapshot {re.escape(vm_snap)} ")
    pane.keys("C")
    title = ("Restore as a copy with VirtualMachineRestore" if generation in ("seed", "cse")
             else "New VM from snapshot")
    if "which way?" in pane.wait(lambda t: "which way?" in t or title in t, what="the copy wizard or a choice"):
        assert re.search(rf"\(•\) {'VirtualMachineRestore as a copy' if generation in ('seed', 'cse') else 'New VM'}",
                         pane.text()), pane.text()
        pane.keys("Enter")  # the offered default
    pane.wait(lambda t: title in t and step_key(t), what=f"the {title} wizard")
    for _ in range(10):
        text = pane.text()
        key = step_key(text)
        if key is None:
            break
        if on_step(text, "Names"):
            pane.wait(lambda t: "web-01-copy" in t, what="the proposed free names")
        advance(pane, timeout=60)
    pane.wait(lambda t: "Esc/Enter close" in t, timeout=30, what="the progress view")
    pane.keys("Enter")
    pane.wait(lambda t: "Esc/Enter close" not in t and tree_row(t, r"VM web-01-copy "), timeout=90,
              what="the new VM in the tree")

    # In-place restore: only as far as the DryRun verdicts, then cancel.
    if generation != "seed":
        pane.goto(rf"VMSnapshot {re.escape(vm_snap)} ")
        pane.keys("R")
        if "which way?" in pane.wait(lambda t: "which way?" in t or "Restore VM web-01 in place" in t,
                                     what="the in-place restore wizard or a choice"):
            assert "(•) Restore the VM in place" in pane.text(), pane.text()
            pane.keys("Enter")
        pane.wait(lambda t: "Restore VM web-01 in place" in t and step_key(t), what="the in-place restore wizard")
        for _ in range(4):
            if "DryRun verdict:" in pane.text():
                break
            advance(pane, timeout=60)
        verdict = re.compile(r"ok  VirtualMachine web-01: (web-01 is )?valid")
        screen = pane.wait(lambda t: "DryRun verdict:" in t and verdict.search(t), timeout=30,
                           what="the DryRun verdicts")
        assert "VirtualDisk web-01-root" in screen
        pane.keys("Escape")
        pane.wait(lambda t: step_key(t) is None and "VM web-01 " in t, what="the wizard cancelled")
        assert tree_row(pane.text(), r"VM web-01 .*Running"), pane.text()

    # Clone a VM: a wizard on v1.8+, a reason elsewhere.
    pane.goto(r"VM web-01 ")
    pane.keys("C")
    if generation in ("v1.8", "v1.10"):
        pane.wait(lambda t: "Clone VM web-01" in t and step_key(t), what="the clone wizard")
        pane.keys("Escape")
        pane.wait(lambda t: step_key(t) is None, what="the clone wizard cancelled")
    else:
        pane.wait(lambda t: "cloning a VM needs" in t, what="clone is not offered")

    # Delete the disk snapshot taken above: Cancel has the focus, Tab to Delete.
    pane.goto(rf"DiskSnapshot {re.escape(disk_snap)} ")
    pane.keys("D")
    pane.wait(lambda t: f"Delete {disk_snap}" in t and "Cancel" in t, what="the delete dialog")
    pane.keys("Tab")
    pane.keys("Enter")
    pane.wait(lambda t: not tree_row(t, rf"DiskSnapshot {re.escape(disk_snap)} "), timeout=60,
              what="the disk snapshot gone")

    # Clear the filter, then another namespace and back.
    unfiltered = re.compile(r"^ \d+ objects\s*$", re.MULTILINE)
    pane.wait(lambda t: "filter “web-01”" in t and step_key(t) is None, what="the tree with its filter")
    pane.keys("Escape")
    pane.wait(lambda t: unfiltered.search(t), what="the filter cleared")
    pane.command(":ns staging")
    pane.wait(lambda t: " ns staging " in t and "Namespace staging" in t and "Namespace lab" not in t,
              what="namespace staging")
    pane.command(":ns lab")
    pane.wait(lambda t: " ns lab " in t and "Namespace lab" in t and "Namespace staging" not in t,
              what="namespace lab")

    # Too small, then big enough again.
    pane.tmux("resize-window", "-t", pane.name, "-x", "70", "-y", "20")
    pane.wait(lambda t: "terminal too small" in t and "need 80×24" in t, what="the too-small screen")
    pane.tmux("resize-window", "-t", pane.name, "-x", "120", "-y", "40")
    pane.wait(lambda t: "terminal too small" not in t and "VM web-01" in t and "Namespace lab" in t,
              what="the tree again")

    # Quit: the UI leaves the screen and the process ends with status 0 within a few seconds, even with
    # requests still in flight (the in-place restore's DryRun, the copy's progress).
    pane.keys("C-q")
    pane.wait(lambda t: "Namespace lab" not in t and "ctx dvpsnap-sim" not in t, timeout=30, what="the UI to go")
    deadline = time.monotonic() + 6
    while pane.dead()[0] != "1":
        assert time.monotonic() < deadline, f"still running 6 s after ctrl+q:\n{pane.text()}"
        time.sleep(0.1)
    assert pane.dead()[1] == "0", pane.text()
    assert "Traceback" not in pane.text()
