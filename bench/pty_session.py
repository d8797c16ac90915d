"""A program in a real pseudo-terminal: window size, timestamped output, text found after ANSI stripping."""

from __future__ import annotations

import codecs
import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Sequence
from pathlib import Path

ESC = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|P[^\x1b]*\x1b\\"
                 r"|[()][0-9A-Za-z]|[@-OQ-Z\\^_=>])")
TAIL = 400
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid: int) -> float:
    """utime + stime of a process so far (seconds), from /proc/PID/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


class Stripper:
    """Bytes → the text a terminal would print, escape sequences removed, even when split across reads."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.carry = ""

    def feed(self, data: bytes) -> str:
        s = self.carry + self.decoder.decode(data)
        self.carry = ""
        i = s.rfind("\x1b")
        if i >= 0 and ESC.match(s, i) is None and len(s) - i < 256:
            s, self.carry = s[:i], s[i:]  # an escape sequence that the next read completes
        return ESC.sub("", s)


class PtyApp:
    """`argv` on a pty of `cols`×`rows`; `pump()` reads output, `found[pattern]` lists (monotonic time, match)."""

    def __init__(self, argv: Sequence[str], cols: int, rows: int, env: dict[str, str]) -> None:
        self.argv, self.cols, self.rows, self.env = list(argv), cols, rows, env
        self.pid, self.fd = 0, -1
        self.t_start = 0.0
        self.bytes = 0
        self.last_output = 0.0
        self.eof = False
        self.stripper = Stripper()
        self.tail = ""
        self.found: dict[re.Pattern[str], list[tuple[float, re.Match[str]]]] = {}

    def watch(self, *patterns: re.Pattern[str]) -> None:
        for p in patterns:
            self.found.setdefault(p, [])

    def start(self) -> PtyApp:
        self.t_start = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:  # the child: the window size is set before the program can ask for it
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))
                os.execvpe(self.argv[0], self.argv, self.env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        return self

    def pump(self, timeout: float) -> int:
        """Read what is there (waiting at most `timeout` s for the first byte); returns the bytes read."""
        if self.eof:
            time.sleep(timeout)
            return 0
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0.0))
        if not ready:
            return 0
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:
            data = b""
        now = time.monotonic()
        if not data:
            self.eof = True
            return 0
        self.bytes += len(data)
        self.last_output = now
        new = self.stripper.feed(data)
        window = self.tail + new
        for pattern, hits in self.found.items():
            hits.extend((now, m) for m in pattern.finditer(window) if m.end() > len(self.tail))
        self.tail = window[-TAIL:]
        return len(data)

    def run_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.pump(min(left, 0.05))

    def wait_for(self, pattern: re.Pattern[str], timeout: float, since: float = 0.0,
                 where: str | None = None) -> float | None:
        """Monotonic time of the first match of `pattern` seen after `since` (group 1 == `where` if given)."""
        self.watch(pattern)
        deadline = time.monotonic() + timeout

        def hit() -> float | None:
            for t, m in self.found[pattern]:
                if t >= since and (where is None or m.group(1) == where):
                    return t
            return None

        while (found := hit()) is None and time.monotonic() < deadline and not self.eof:
            self.pump(0.05)
        return found

    def quiet(self, seconds: float, limit: float) -> bool:
        """Read until no output came for `seconds` (at most `limit` s); returns whether it went quiet."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.pump(seconds) == 0:
                return True
        return False

    def key_latency(self, key: bytes, timeout: float = 2.0) -> float | None:
        """Send `key` and time the first output after it."""
        t0 = time.monotonic()
        os.write(self.fd, key)
        while time.monotonic() - t0 < timeout:
            if self.pump(0.01):
                return self.last_output - t0
        return None

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    # ---- the process ---------------------------------------------------------------------------
    def cpu_s(self) -> float:
        return cpu_of(self.pid)

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def close(self) -> None:
        """Ctrl+Q, then SIGTERM, then SIGKILL; every wait bounded."""
        if not self.pid:
            return
        for step, sig in ((b"\x11", None), (None, signal.SIGTERM), (None, signal.SIGKILL)):
            try:
                if step is not None and not self.eof:
                    os.write(self.fd, step)
                elif sig is not None:
                    os.kill(self.pid, sig)
            except OSError:
                pass
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                self.pump(0.05)
                done, _ = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    os.close(self.fd)
                    self.pid = 0
                    return
