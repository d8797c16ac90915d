"""The real program in tmux: restore a VM from a snapshot as a copy with new names, keys only, then watch the
restored VM and its disks appear in the lineage tree and become Ready."""

from __future__ import annotations

import re

import pytest

from tests.e2e.tmuxkit import DemoFactory, bottom, first_paint, flat, on_step, requires_tmux, step_title

pytestmark = [pytest.mark.slow, requires_tmux]

SNAPSHOT = "web-01-before-upgrade"


def test_restore_a_snapshot_as_a_copy_with_new_names_keys_only(demo_factory: DemoFactory) -> None:
    demo = demo_factory(height=70)  # the wizard's whole name preview on screen
    demo.wait(first_paint("v1.10"), timeout=60, what="the first paint")
    demo.command("vmsnapshot", until=lambda t: "VirtualMachineSnapshots:" in t and SNAPSHOT in t
                 and "Open" in bottom(t, 1), what="the snapshot list, focused")
    demo.filter(f"^{SNAPSHOT}$", until=lambda t: "VirtualMachineSnapshots: 1 of" in t, what="only the snapshot")

    # A new VM from this snapshot (v1.10: VirtualMachineSnapshotOperation), DryRun first.
    demo.press("C", until=lambda t: f"New VM from snapshot {SNAPSHOT}" in flat(t) and on_step(t, "Names"),
               what="the wizard")
    preview = demo.wait(lambda t: "VirtualMachine web-01 → web-01-copy  (free)" in t, what="the proposed names")
    assert "VirtualDisk web-01-root → web-01-root-copy  (free)" in preview, preview
    demo.wait(lambda t: demo.focused_field() == "customization.namePrefix", what="the prefix field focused")
    demo.literal("x")  # the prefix goes in front of every name
    demo.wait(lambda t: "VirtualMachine web-01 → xweb-01-copy  (free)" in t, what="the prefix in the preview")
    demo.press("BSpace", until=lambda t: "VirtualMachine web-01 → web-01-copy  (free)" in t, what="no prefix")
    demo.keys("Tab", "Tab")  # the suffix, then the VM's row (focus selects its text): a name of our own
    demo.wait(lambda t: demo.focused_field().startswith("VirtualMachine web-01 → new name"), what="the VM's row")
    demo.literal("web-01-restored")
    demo.wait(lambda t: "VirtualMachine web-01 → web-01-restored  (free)" in t, what="the VM's new name")
    demo.keys("Tab")  # the root disk's row
    demo.wait(lambda t: demo.focused_field().startswith("VirtualDisk web-01-root → new name"),
              what="the root disk's row")
    demo.literal("web-01-restored-root")
    screen = demo.wait(lambda t: "VirtualDisk web-01-root → web-01-restored-root  (free)" in t,
                       what="the root disk's new name")
    assert "VirtualDisk web-01-data → web-01-data-copy  (free)" in screen, screen

    demo.press("Enter", until=lambda t: on_step(t, "Review"), what="the DryRun's review")
    review = demo.wait(lambda t: "Enter creates it" in flat(t), what="the DryRun's server dry run")
    assert "mode: DryRun" in review and "web-01-restored-root" in review, review
    demo.press("Enter", until=lambda t: on_step(t, "DryRun verdict and mode"), what="the verdict step")
    verdicts = demo.wait(lambda t: re.search(r"DryRun verdict: \S+ ✔ Completed", flat(t))
                         and "web-01-restored is valid for restore" in t, what="the DryRun verdict")
    assert "(•) Strict" in verdicts, verdicts
    demo.press("Enter", until=lambda t: on_step(t, "Review") and "2/2" in flat(t), what="the real review")
    review = demo.wait(lambda t: "Enter creates it" in flat(t), what="the real operation's server dry run")
    assert "mode: Strict" in review, review
    demo.press("Enter", until=lambda t: step_title(t) is None and "Esc/Enter close" in t, what="the progress view")
    progress = demo.wait(lambda t: "settled" in t, timeout=120, what="the new VM and disks to settle")
    assert "VirtualMachine web-01-restored" in progress, progress

    demo.escape(until=lambda t: "Esc/Enter close" not in t and "VirtualMachineSnapshots: 1 of" in t,
                what="the snapshot list")
    demo.press("T", until=first_paint("v1.10"), literal=True, what="the tree")
    demo.filter("web-01-restored", until=lambda t: "filter “web-01-restored”" in t, what="the copy's family")
    disks = {"web-01-restored-root", "web-01-data-copy"}
    screen = demo.wait(lambda t: re.search(r"VM web-01-restored +✔ Running", t)
                       and all(re.search(rf"Disk {d} +✔ Ready", t) for d in disks), timeout=60,
                       what="the copy Running and its disks Ready in the tree")
    assert "VM web-01 " not in screen, screen  # the filter shows the copy, not the source
    demo.keys("C-q")
    assert demo.exit_status(timeout=10)[0] == "0", demo.text()
    assert "Traceback" not in demo.text()
