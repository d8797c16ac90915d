"""The real program in tmux: restore a VM from a snapshot as a copy with new names, keys only, then watch the
restored VM and its disks appear in the lineage tree and become Ready."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_tmux import TMUX, Pane

# Keystroke timing in tmux made these flaky on a loaded 2-core machine (a benchmark running beside them);
# CI skips them unless DVPSNAP_E2E=1 — run them with `DVPSNAP_E2E=1 ./dev test tests/e2e`.
_E2E_IN_CI = pytest.mark.skipif(bool(os.environ.get("CI")) and not os.environ.get("DVPSNAP_E2E"),
                                reason="flaky under load; set DVPSNAP_E2E=1 to run in CI")


pytestmark = [pytest.mark.slow, pytest.mark.skipif(TMUX is None, reason="tmux is not installed")]


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Pane]:
    env = f"XDG_STATE_HOME={tmp_path} XDG_CONFIG_HOME={tmp_path}"
    pane = Pane(f"sh -c '{env} {sys.executable} -m tui --demo --no-mouse; echo $? > {tmp_path / 'status'}'",
                height=50)
    yield pane
    pane.close()


def _escape(pane: Pane) -> None:
    before = pane.text()
    pane.keys("Escape")
    pane.wait(lambda t: t != before, what="Escape to take effect")


@_E2E_IN_CI
def test_restore_a_snapshot_as_a_copy_with_new_names_keys_only(demo: Pane) -> None:
    demo.wait(lambda t: "live:" in t and "VM web-01" in t, timeout=60, what="the first paint")
    demo.literal(":vmsnapshot")
    demo.keys("Enter")
    demo.wait(lambda t: "VirtualMachineSnapshots:" in t and "web-01-before-upgrade" in t, what="the snapshot list")
    demo.literal("/web-01-before-upgrade")
    demo.keys("Enter")
    demo.wait(lambda t: "filter “web-01-before-upgrade”" in t, what="the filter")
    demo.literal("C")  # a new VM from this snapshot (v1.10: VirtualMachineSnapshotOperation)
    demo.wait(lambda t: "New VM from snapshot web-01-before-upgrade" in t and "Names" in t, what="the wizard")
    demo.literal("x")  # the prefix field has the focus: once the preview shows it, the wizard takes keys
    demo.wait(lambda t: "web-01 → xweb-01-copy" in t, what="the prefix in the preview")
    demo.keys("BSpace")
    demo.wait(lambda t: "web-01 → web-01-copy  (free)" in t, what="the proposed free names")
    demo.keys("Tab", "Tab")  # suffix, then the VM's row (focus selects its text): a name of our own
    demo.literal("web-01-restored")
    demo.wait(lambda t: "web-01 → web-01-restored  (free)" in t, what="the VM's new name in the preview")
    demo.keys("Tab")  # the root disk's row
    demo.literal("web-01-restored-root")
    demo.wait(lambda t: "web-01-root → web-01-restored-root  (free)" in t, what="the disk's new name")
    demo.keys("Enter")
    demo.wait(lambda t: "Enter creates it" in t, what="the DryRun's review and server dry run")
    demo.keys("Enter")
    demo.wait(lambda t: "DryRun verdict:" in t and "web-01-restored is valid for restore" in t, timeout=30,
              what="the DryRun verdict")
    demo.keys("Enter")  # Strict
    demo.wait(lambda t: "Enter creates it" in t and "mode: Strict" in t, what="the real review")
    demo.keys("Enter")
    demo.wait(lambda t: "VirtualMachineSnapshotOperation" in t or "Operation " in t, what="the progress view")
    demo.wait(lambda t: "settled" in t, timeout=120, what="the new VM and disks to settle")
    _escape(demo)
    demo.literal("T")
    screen = demo.wait(lambda t: "VM web-01-restored" in t and "Disk web-01-restored-root" in t, timeout=30,
                       what="the copy in the tree")
    lines = [line for line in screen.splitlines() if "web-01-restored" in line]
    assert any("VM web-01-restored" in line and "Running" in line for line in lines), lines
    demo.wait(lambda t: any("Disk web-01-restored-root" in line and "Ready" in line for line in t.splitlines()),
              timeout=60, what="the restored disk Ready")
    demo.keys("C-q")
    assert "Traceback" not in demo.text()
