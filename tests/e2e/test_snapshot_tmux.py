"""The real program in tmux: take a VM snapshot of a running VM with an agent using keys only, see it Ready and
consistent in the tree."""

from __future__ import annotations

import re

import pytest

from tests.e2e.tmuxkit import DemoFactory, bottom, first_paint, on_step, requires_tmux, step_title

pytestmark = [pytest.mark.slow, requires_tmux]


def test_vm_snapshot_with_keys_only_reaches_ready_and_consistent_in_the_tree(demo_factory: DemoFactory) -> None:
    demo = demo_factory()
    demo.wait(first_paint("v1.10"), timeout=60, what="the first paint")
    demo.command("vm", until=lambda t: re.search(r"^ VirtualMachines: \d+\s*$", t, re.MULTILINE)
                 and "Open" in bottom(t, 1), what="the VM list, focused")
    screen = demo.filter("^web-01$", until=lambda t: "VirtualMachines: 1 of" in t, what="only web-01")
    row = next(line for line in screen.splitlines() if " web-01 " in line)
    assert "✔ Running" in row, row  # a running VM (its guest agent: the preflight below)

    screen = demo.press("t", until=lambda t: on_step(t, "What") and "VM snapshot of web-01" in t,
                        what="the wizard")
    assert "(•) VM snapshot of web-01" in screen, screen
    for step in ("Name", "Consistency", "IP address", "Review"):
        demo.press("Enter", until=lambda t, step=step: on_step(t, step), what=f"the {step} step")
    review = demo.wait(lambda t: "Enter creates it" in t, what="the server dry run")
    name = re.search(r"virtualmachinesnapshot/(web-01-\d{8}-\d{4}) created \(server dry run\)", review)
    assert name is not None, review
    assert "kind: VirtualMachineSnapshot" in review and "requiredConsistency: true" in review, review
    assert re.search(r"ok +VM \"web-01\" is Running with a ready guest agent", review), review
    demo.press("Enter", until=lambda t: step_title(t) is None and "VirtualMachines: 1 of" in t,
               what="the wizard to close")

    demo.press("p", until=lambda t: "Operations:" in t, literal=True, what="the operations pane")
    demo.wait(lambda t: re.search(rf"ready, consistent +VirtualMachineSnapshot +lab/{name.group(1)}", t),
              timeout=60, what="the operations pane to report it Ready and consistent")
    demo.escape(until=lambda t: "Operations:" not in t and "VirtualMachines: 1 of" in t, what="the pane to close")

    demo.press("T", until=lambda t: first_paint("v1.10")(t), literal=True, what="the tree")
    line = re.compile(rf"VMSnapshot {re.escape(name.group(1))} +✔ Ready +✔ consistent")
    demo.filter(name.group(1), until=lambda t: line.search(t), what="the snapshot Ready and consistent in the tree")
    demo.keys("C-q")
    assert demo.exit_status(timeout=10)[0] == "0", demo.text()
