"""The real program in tmux, once per DVP API generation: a whole operator walkthrough with keys only, asserted on
capture-pane text at every step (tree walk, disk and VM snapshots, a copy from a snapshot, the in-place restore's
DryRun preview, clone, delete, namespace and context switch, the too-small screen, quit)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.tmuxkit import (
    GENERATIONS,
    SECOND_CONTEXT,
    SECOND_USER,
    Cond,
    DemoFactory,
    Pane,
    bottom,
    first_paint,
    flat,
    on_step,
    requires_tmux,
    step_title,
)

pytestmark = [pytest.mark.slow, requires_tmux]

LEGACY_COPY, FROM_SNAPSHOT = "Restore as a copy with VirtualMachineRestore", "New VM from snapshot"
COPY_TITLE = {"seed": LEGACY_COPY, "cse": LEGACY_COPY, "v1.8": FROM_SNAPSHOT, "v1.10": FROM_SNAPSHOT}


def tree_row(text: str, pattern: str) -> str | None:
    return next((line for line in text.splitlines() if re.search(pattern, line)), None)


def in_tree(text: str) -> bool:
    """The tree is on top and has the focus: its keys are in the footer (a dialog or wizard covers the footer)."""
    lines = text.splitlines()
    return bool(lines) and "Collapse" in lines[-1] and step_title(text) is None


def progress_view(text: str) -> bool:
    return "Esc/Enter close" in text and step_title(text) is None


def run_wizard(pane: Pane, title: str, *, done: Cond, names: str | None = None) -> str:
    """Enter through every step of the wizard(s) titled `title` until `done` (what shows once the last one has
    closed: a DryRun-first chain is two wizards, and between them a capture may show neither). Before each Enter,
    waits for what that step needs to accept it: the proposed names (`names`), the DryRun verdict on the mode step,
    the server dry run's "Enter creates it" on a review. Returns the screen of the last review."""
    review = ""
    for _ in range(10):
        text = pane.wait(lambda t: done(t) or (title in flat(t) and step_title(t)), what=f"the {title} wizard")
        step = step_title(text)
        if step is None or done(text):
            return review
        if on_step(text, "Review"):
            text = pane.wait(lambda t, s=step: "Enter creates it" in flat(t) or "blocked" in flat(t)
                             or "refused" in flat(t) or step_title(t) != s,
                             timeout=60, what=f"the server dry run of {step}")
            assert "Enter creates it" in flat(text), f"the review does not allow the create:\n{text}"
            review = text
        elif on_step(text, "DryRun verdict and mode"):
            pane.wait(lambda t: re.search(r"DryRun verdict: \S+ ✔ Completed", flat(t)) is not None, timeout=60,
                      what="the DryRun verdict")
        elif on_step(text, "Names") and names is not None:
            pane.wait(lambda t: names in t, what="the proposed free names")
        pane.press("Enter", until=lambda t, s=step: done(t) or step_title(t) not in (None, s), timeout=60,
                   what=f"the step after {step!r}")
    raise AssertionError(f"the {title} wizard did not end:\n{pane.text()}")


SPEED = 4.0
"""The demo cluster's controllers run this many times faster than real (`--demo --speed`)."""
WIDTH, HEIGHT = 120, 60
"""Tall enough for web-01's whole family (with the copy and the clone) on one screen: no scrolling to find a row."""


@pytest.mark.parametrize("generation", GENERATIONS)
def test_walkthrough_keys_only(generation: str, demo_factory: DemoFactory) -> None:
    pane = demo_factory(generation, speed=SPEED, width=WIDTH, height=HEIGHT)
    try:
        walkthrough(pane, generation)
    finally:
        print(f"timeline ({generation}):\n{pane.timeline()}")


def walkthrough(pane: Pane, generation: str) -> None:
    # First paint: the header (context, generation, every kind live), the first namespace, the tree focused.
    pane.wait(first_paint(generation), timeout=60, what="the first paint")

    # Walk the main view: g / j / h / l / k.
    pane.press("g", until=lambda t: "▼ Namespace lab" in pane.cursor(), retry=2.0, what="the cursor on top")
    pane.goto(r"VM app-02 ")
    pane.wait(lambda t: "Disk app-02-root" in t, what="app-02's disks")
    pane.press("h", until=lambda t: "Disk app-02-root" not in t and "▶ VM app-02" in t, what="app-02 collapsed")
    pane.press("l", until=lambda t: "Disk app-02-root" in t and "▼ VM app-02" in t, what="app-02 expanded again")
    assert "VM app-02" in pane.cursor()
    pane.press("k", until=lambda t: "Namespace lab" in pane.cursor(), what="the cursor back on the namespace")

    # Only web-01's family from here on.
    pane.filter("web-01", until=lambda t: "filter “web-01”" in t and "VM app-02" not in t and in_tree(t),
                what="the filter")

    # A disk snapshot: t on the disk row, Enter through the wizard; it shows up in the tree (Ready: checked below,
    # while the VM snapshot is being taken).
    pane.goto(r"Disk web-01-root ")
    pane.press("t", until=lambda t: "Take a disk snapshot — disk web-01-root" in flat(t) and step_title(t),
               what="the disk snapshot wizard")
    review = run_wizard(pane, "Take a disk snapshot", done=in_tree)
    found = re.search(r"virtualdisksnapshot/(web-01-root-[\w-]+) created \(server dry run\)", review)
    assert found is not None, review
    disk_snap = found.group(1)
    disk_row = rf"DiskSnapshot {re.escape(disk_snap)} "
    pane.wait(lambda t: tree_row(t, disk_row), what="the disk snapshot in the tree")

    # A VM snapshot of web-01 (running, with agent); keepIPAddress Never so a copy can get a fresh address.
    pane.goto(r"VM web-01 ")
    text = pane.press("t", until=lambda t: "Take a snapshot — VM web-01" in flat(t) and step_title(t),
                      what="the VM snapshot wizard")
    assert "(•) VM snapshot of web-01" in text, text
    for step in ("Name", "Consistency", "IP address"):
        pane.press("Enter", until=lambda t, s=step: on_step(t, s), what=f"the {step} step")
    pane.press("Down", until=lambda t: "(•) Never" in t, what="keepIPAddress Never")
    review = run_wizard(pane, "Take a snapshot", done=in_tree)
    found = re.search(r"virtualmachinesnapshot/(web-01-[\w-]+) created \(server dry run\)", review)
    assert found is not None, review
    assert "keepIPAddress: Never" in review, review
    vm_snap = found.group(1)
    vm_row = rf"VMSnapshot {re.escape(vm_snap)} "
    pane.wait(lambda t: tree_row(t, vm_row + r" *✔ Ready +✔ consistent") and tree_row(t, disk_row + r" *✔ Ready"),
              timeout=60, what="both snapshots Ready (and the VM snapshot consistent) in the tree")

    # A copy: a new VM from the snapshot (C on the VM snapshot); v1.8 offers two ways, the default is the VMSOP.
    pane.goto(vm_row)
    title = COPY_TITLE[generation]
    text = pane.press("C", until=lambda t: "which way?" in t or (title in flat(t) and step_title(t)),
                      what="the copy wizard or a choice")
    if "which way?" in text:
        assert generation == "v1.8", text
        assert "(•) New VM from this snapshot" in text and "VirtualMachineRestore as a copy" in text, text
        pane.press("Enter", until=lambda t: title in flat(t) and step_title(t), what=f"the {title} wizard")
    run_wizard(pane, title, done=progress_view, names="web-01-copy")
    pane.wait(lambda t: progress_view(t) and "settled" in t, timeout=60, what="the copy to settle")
    pane.press("Enter", until=in_tree, what="the tree")
    assert re.search(r"VM web-01-copy +✔ Running", pane.goto(r"VM web-01-copy ")), pane.text()

    # In-place restore: only as far as the DryRun verdicts, then cancel (seed has no domain DryRun).
    if generation != "seed":
        pane.goto(vm_row)
        title = "Restore VM web-01 in place"
        text = pane.press("R", until=lambda t: "which way?" in t or (title in flat(t) and step_title(t)),
                          what="the in-place restore wizard or a choice")
        if "which way?" in text:
            assert "(•) Restore the VM in place" in text, text
            pane.press("Enter", until=lambda t: title in flat(t) and step_title(t), what=f"the {title} wizard")
        pane.press("Enter", until=lambda t: on_step(t, "Review"), what="the DryRun's review")
        pane.wait(lambda t: "Enter creates it" in flat(t), timeout=60, what="the DryRun's server dry run")
        pane.press("Enter", until=lambda t: on_step(t, "DryRun verdict and mode"), timeout=60, what="the verdicts")
        verdict = re.compile(r"ok +VirtualMachine web-01: (web-01 is )?valid")
        screen = pane.wait(lambda t: "DryRun verdict:" in t and verdict.search(t), timeout=60,
                           what="the DryRun verdicts")
        assert "VirtualDisk web-01-root" in screen, screen
        text = pane.escape(until=in_tree, what="the wizard cancelled")
        assert tree_row(text, r"VM web-01 .*Running"), text

    # Clone the VM: the VMOP Clone wizard on v1.8+ (the -copy name is taken: -copy-2), a reason elsewhere.
    pane.goto(r"VM web-01 ")
    if generation in ("v1.8", "v1.10"):
        pane.press("C", until=lambda t: "Clone VM web-01" in flat(t) and step_title(t), what="the clone wizard")
        run_wizard(pane, "Clone VM web-01", done=progress_view, names="web-01-copy-2")
        pane.wait(lambda t: progress_view(t) and "settled" in t, timeout=60, what="the clone to settle")
        pane.press("Enter", until=in_tree, what="the tree")
        assert re.search(r"VM web-01-copy-2 +✔ Running", pane.goto(r"VM web-01-copy-2 ")), pane.text()
    else:
        pane.press("C", until=lambda t: "cloning a VM needs" in flat(t), what="clone is not offered")

    # Delete the disk snapshot taken above: Cancel has the focus, Tab to Delete.
    pane.goto(disk_row)
    pane.press("D", until=lambda t: f"Delete {disk_snap}" in t and "Cancel" in t, what="the delete dialog")
    pane.wait(lambda t: pane.focused_button("Cancel", "Delete") != "", what="a focused button in the dialog")
    assert pane.focused_button("Cancel", "Delete") == "Cancel", pane.text()  # the safe choice, never Delete
    pane.press("Tab", until=lambda t: pane.focused_button("Cancel", "Delete") == "Delete", what="Delete focused")
    pane.press("Enter", until=lambda t: in_tree(t) and not tree_row(t, disk_row), timeout=60,
               what="the disk snapshot gone")

    # Clear the filter, then another namespace and back. Each command is done once the tree has the focus again
    # (its keys in the footer): only then is the next `:` the command key rather than a character in the prompt.
    unfiltered = re.compile(r"^ \d+ objects(?! · filter)", re.MULTILINE)  # a toast may cover the line's end
    pane.escape(until=lambda t: unfiltered.search(t) and in_tree(t), what="the filter cleared")
    pane.command("ns staging", until=lambda t: " ns staging " in t and "▼ Namespace staging" in t
                 and "Namespace lab" not in t and in_tree(t), what="namespace staging")
    pane.command("ns lab", until=lambda t: " ns lab " in t and "▼ Namespace lab" in t
                 and "Namespace staging" not in t and in_tree(t), what="namespace lab")

    # Another context (a cache of its own: it loads again), then back to the first one from the picker.
    pane.command("ctx dvpsnap-second", until=lambda t: first_paint(generation, SECOND_CONTEXT)(t)
                 and f"user {SECOND_USER}" in t, timeout=60, what="the second context")
    text = pane.command("ctx", until=lambda t: "CONTEXT" in t and "Enter connects to the context" in t
                        and "Open" in bottom(t, 1), what="the context picker")
    assert re.search(rf"\* {SECOND_CONTEXT} ", text) and re.search(r"  dvpsnap-sim ", text), text
    pane.press("g", until=lambda t: True, what="the first context")  # idempotent; a lost g fails the next wait
    pane.press("Enter", until=lambda t: first_paint(generation)(t) and "user dvpsnap-sim-admin" in t, timeout=60,
               what="the first context again")

    # Too small, then big enough again.
    pane.resize(70, 20)
    pane.wait(lambda t: "terminal too small (70×20)" in t and "need 80×24" in t, what="the too-small screen")
    pane.resize(WIDTH, HEIGHT)
    try:
        pane.wait(first_paint(generation), what="the tree again")
    except AssertionError as missed:
        pane.resize(WIDTH - 1, HEIGHT)  # only to say what went wrong: the test fails either way
        try:
            pane.wait(lambda t: "terminal too small" not in t, timeout=10, what="the tree after one more resize")
            verdict = "the app missed the resize back (one more resize brought the tree back)"
        except AssertionError:
            verdict = "the app does not answer resizes any more"
        raise AssertionError(f"{verdict}:\n{missed}") from missed

    # Quit: the UI leaves the screen and the process ends with status 0 within 2 s, even with requests still in
    # flight.
    pane.keys("C-q")
    status, took = pane.exit_status(timeout=10)
    assert status == "0", pane.text()
    assert took <= 2.0, f"took {took:.1f}s to quit"
    assert "Traceback" not in pane.text()
