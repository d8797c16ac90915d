"""Injection through the real program on a pty: hostile condition messages and annotations arrive as
text; none of their escape sequences reaches the terminal's bytes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.app.objects import namespace, vdsnapshot, vm
from tests.e2e.test_pty import Program
from tui.sim.cluster import SimCluster

pytestmark = pytest.mark.slow
PAYLOAD = "A[/]B[link=http://e]y[/link]C\x1b[2JD\x1b]0;T\x07E\x1b]52;c;ZXZpbA==\x07F\x9b31mG\u202eH"
FORBIDDEN = (b"C\x1b[2JD", b"\x1b]0;T", b"\x1b]52;", b"\xc2\x9b31m", "\u202e".encode(), b"\x1b]8;")


@pytest.fixture
def cluster() -> Iterator[SimCluster]:
    with SimCluster("v1.10", controllers=False) as sim:
        sim.apply(namespace("lab"))
        sim.apply(vm("target"))
        sim.apply(vdsnapshot("hostile", "missing-disk", phase="InProgress", message=PAYLOAD,
                             annotations={"note": PAYLOAD}))
        yield sim


def test_no_escape_sequence_from_the_api_reaches_the_terminal(cluster: SimCluster) -> None:
    p = Program("--kubeconfig", str(cluster.kubeconfig_path), "-A", "--no-mouse")
    try:
        out = p.read_until(b"hostile", b"InProgress", timeout=40)
        out = p.read_until("␛[2J".encode(), timeout=10)  # the message is on screen, made visible
        for seq in FORBIDDEN:
            assert seq not in out, f"{seq!r} reached the terminal"
        assert b"A[/]B[link=http://e]y[/link]C" in out  # markup shown literally, not interpreted
    finally:
        p.kill()
