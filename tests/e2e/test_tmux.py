"""The real program in tmux: `dvpsnap --demo`, driven by send-keys only, asserted on capture-pane text."""

from __future__ import annotations

import re

import pytest

from tests.e2e.tmuxkit import DemoFactory, bottom, first_paint, requires_tmux

pytestmark = [pytest.mark.slow, requires_tmux]


def test_demo_keyboard_only_detail_yaml_and_clean_quit(demo_factory: DemoFactory) -> None:
    demo = demo_factory()
    demo.wait(first_paint("v1.10"), timeout=60, what="the first paint")

    all_vms = re.compile(r"^ VirtualMachines: (\d+)\s*$", re.MULTILINE)
    screen = demo.command("vm", until=lambda t: all_vms.search(t) and "NAME" in t and "Open" in bottom(t, 1),
                          what="the VM list, focused")
    assert "web-01" in screen and "db-01" in screen
    count = all_vms.search(screen)
    assert count is not None
    screen = demo.filter("^web-01$", until=lambda t: "VirtualMachines: 1 of" in t and "filter “^web-01$”" in t,
                         what="the filter")
    rows = [line for line in screen.splitlines() if re.match(r"^  \S+ +\S+ +[✔·]", line)]
    assert len(rows) == 1 and " web-01 " in rows[0], rows

    screen = demo.press("d", until=lambda t: "Related" in t and "RELATION" in t and "VirtualMachine lab/web-01" in t,
                        what="the detail view")
    assert re.search(r"^ *Kind +VirtualMachine$", screen, re.MULTILINE), screen
    demo.press("y", until=lambda t: "apiVersion: virtualization.deckhouse.io/v1alpha2" in t
               and "managedFields hidden" in t and "name: web-01" in t, what="the YAML")

    # Back one view per Escape (YAML, detail, then the filter), each seen before the next key.
    demo.escape(until=lambda t: "RELATION" in t and "apiVersion:" not in t, what="back to the detail view")
    demo.escape(until=lambda t: "VirtualMachines: 1 of" in t and "RELATION" not in t, what="back to the list")
    screen = demo.escape(until=lambda t: all_vms.search(t), what="back to the whole list")
    assert "web-01" in screen and "db-01" in screen

    demo.press("?", until=lambda t: "BINDING ID" in t, literal=True, what="help")
    demo.press("q", until=lambda t: all_vms.search(t) and "BINDING ID" not in t, literal=True, what="help closed")
    demo.keys("C-q")
    status, took = demo.exit_status(timeout=10)
    assert status == "0", demo.text()
    assert took <= 2.0, f"took {took:.1f}s to quit"
    assert "Traceback" not in demo.text()
