"""The real program on a pseudo-terminal: TERM/NO_COLOR matrix, exit within 2 s on hang-up."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


class Program:
    """`python -m tui ARGS` on a 120×40 pty; `read_until` collects its output bytes."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        environ = {**os.environ, "TERM": "xterm-256color", **(env or {})}
        environ.pop("NO_COLOR", None) if "NO_COLOR" not in (env or {}) else None
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            os.chdir(ROOT)
            os.execvpe(sys.executable, [sys.executable, "-m", "tui", *args], environ)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.output = b""

    def read_until(self, *markers: bytes, timeout: float = 30.0) -> bytes:
        deadline = time.monotonic() + timeout
        while not all(m in self.output for m in markers):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {markers} after {timeout}s; got {self.output[-2000:]!r}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:
                    break
        return self.output

    def wait(self, timeout: float) -> int | None:
        """The exit status, or None if it is still running after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return status
            try:  # keep draining so the child never blocks on a full pty
                if select.select([self.fd], [], [], 0.05)[0]:
                    os.read(self.fd, 65536)
            except OSError:
                time.sleep(0.05)
        return None

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        try:
            os.close(self.fd)
        except OSError:
            pass


def hues(out: bytes) -> set[str]:
    """Colours in SGR sequences that are not a shade of grey."""
    found: set[str] = set()
    for m in re.finditer(rb"[34]8;5;(\d+)", out):
        n = int(m.group(1))
        cube = n - 16
        grey = n in (0, 7, 8, 15) or n >= 232 or (16 <= n < 232 and cube // 36 == cube // 6 % 6 == cube % 6)
        if not grey:
            found.add(f"5;{n}")
    for m in re.finditer(rb"[34]8;2;(\d+);(\d+);(\d+)", out):
        if len(set(m.groups())) > 1:
            found.add(b";".join(m.groups()).decode())
    return found


@pytest.fixture
def programs() -> Iterator[list[Program]]:
    started: list[Program] = []
    yield started
    for p in started:
        p.kill()


def test_exits_within_two_seconds_when_the_terminal_hangs_up(programs: list[Program]) -> None:
    p = Program("--demo")
    programs.append(p)
    p.read_until(b"live:", b"web-01")
    started = time.monotonic()
    os.close(p.fd)  # the terminal (or the SSH session) goes away: the kernel sends SIGHUP
    status = p.wait(2.5)
    assert status is not None, "still running 2.5 s after the hang-up"
    assert time.monotonic() - started < 2.0 + 0.5


@pytest.mark.parametrize("term,no_color", [("xterm", False), ("screen", False), ("tmux-256color", False),
                                           ("xterm-256color", True), ("linux", False)])
def test_starts_and_quits_on_every_terminal(programs: list[Program], term: str, no_color: bool) -> None:
    env = {"TERM": term, **({"NO_COLOR": "1"} if no_color else {})}
    p = Program("--demo", "--low-bandwidth", env=env)
    programs.append(p)
    out = p.read_until(b"live:", b"Running", b"web-01")
    assert b"\xe2\x9c\x94" in out  # the status glyph, so state never relies on colour
    if no_color:
        assert not hues(out), hues(out)  # Textual's monochrome filter: only greys
    os.write(p.fd, b"\x11")  # ctrl+q
    status = p.wait(5)
    assert status is not None and os.waitstatus_to_exitcode(status) == 0
