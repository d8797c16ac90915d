"""Driving the real program in tmux: a private tmux server per pane, keys in, `capture-pane` text out.

Every step waits on a condition of the rendered screen, never on a fixed sleep: polling `capture-pane` from
outside the process is the only way to look (there is no event to wait on), so `Pane.wait` polls. Rules the
tests follow, learnt from flakes on a loaded 2-core machine:

- before the first key, wait for what is always at the top at first paint (`first_paint`: the header with context
  and generation, the first namespace node, the tree's keys in the footer), not for a row that may be below the
  fold;
- after a key that opens a screen, wait for that screen's own marker (a wizard's "step N of M: Name" title, a
  dialog's title, a list's status line) before the next key: a key sent earlier lands on the screen below;
- a key that acts through a binding (Enter, Tab, Escape, `t`, `C`… — even the focused widget's own, such as an
  Input's Enter) is routed by Textual from the focused widget up to the app before the binding runs, while a
  printable character is typed into the focused Input at once: a character sent right after such a key can
  overtake it (":" after the Enter of ":ns staging" became the command "ns staging:"; a name typed after Tab went
  into the previous field). So wait for the key's visible effect — the new focus (`focused_field`,
  `focused_button`), the new step, the new screen, the prompt gone — before the next key. Widget.focus() is
  deferred too, but it is queued before the paint that shows the new screen, so a key sent after that paint
  finds the focus in place;
- after Escape, wait for its effect before the next key (Escape followed quickly by a key reads as Alt+key);
- an idempotent navigation key may be repeated until its effect shows (`press(..., retry=seconds)`); a key that
  writes, opens a wizard or types into a prompt is sent once (the tree's cursor moves are read back from the
  screen and corrected, see `goto`).

Each pane runs on its own tmux server (`-L`, no config file) started with a clean environment: a process that
has imported `readline` (pytest does) carries COLUMNS=80 LINES=24 in its C environment, and Textual would then
size itself from those instead of the pane, whatever `-x`/`-y` and `resize-window` say.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tui.__main__ import DEMO_SECOND_CONTEXT, DEMO_SECOND_USER

TMUX = shutil.which("tmux")
ROOT = Path(__file__).resolve().parents[2]
GENERATIONS = ("seed", "cse", "v1.8", "v1.10")
requires_tmux = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")

POLL = 0.1  # seconds between two captures
ANSI = re.compile(r"\x1b\[[0-9;:?]*[A-Za-z]")
BG = re.compile(r"\x1b\[[0-9;]*?48;(?:5;\d+|2;\d+;\d+;\d+)")
FRAME = re.compile(r"[\s█▌▎▊▔▁▀▄]+")
STEP = re.compile(r"step \d+ of \d+(?=: )")

AGE = re.compile(r"\b\d+(?:s|m|h|d)\b")
SCROLLBAR = " ▁▂▃▄▅▆▇█▌▐▎▊▏"
Cond = Callable[[str], object]


def clean_env() -> dict[str, str]:
    """Our environment without what would leak a size or a tmux client into the pane."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX", "TMUX_PANE")}
    env.setdefault("TERM", "xterm-256color")
    return env


class PaneDied(AssertionError):
    """The program in the pane ended while a test was still waiting for it."""


class Pane:
    """One command in a detached tmux session on a private server; the pane stays (dead) after it exits.

    With `status_file`, the command runs under `sh -c '…; echo $? > status_file'` so that its exit status can be
    read back (`exit_status`).
    """

    def __init__(self, argv: list[str], *, width: int = 120, height: int = 40, status_file: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.socket = f"dvpsnap-e2e-{uuid.uuid4().hex[:10]}"
        self.target = "e2e"
        self.status_file = status_file
        self.started = time.monotonic()
        self.log: list[tuple[float, float, str]] = []
        """(seconds into the test, seconds waited, what) of every wait that succeeded."""
        command = shlex.join(argv)
        if env:
            command = shlex.join(["env", *(f"{k}={v}" for k, v in env.items())]) + " " + command
        if status_file is not None:
            command = f"sh -c {shlex.quote(f'{command}; echo $? > {shlex.quote(str(status_file))}')}"
        self.tmux("new-session", "-d", "-s", self.target, "-x", str(width), "-y", str(height), "-c", str(ROOT),
                  "sh")
        self.tmux("set-option", "-t", self.target, "remain-on-exit", "on")
        self.socket_path = Path(self.tmux("display-message", "-p", "-t", self.target, "#{socket_path}").strip())
        self.tmux("respawn-pane", "-k", "-t", self.target, command)

    # ---- tmux ------------------------------------------------------------------------------------------
    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        return subprocess.run([TMUX, "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True,
                              check=True, timeout=15, env=clean_env()).stdout

    def text(self) -> str:
        """The screen as plain text."""
        return self.tmux("capture-pane", "-p", "-t", self.target)

    def styled(self) -> str:
        """The screen with its SGR escape sequences (colours)."""
        return self.tmux("capture-pane", "-p", "-e", "-t", self.target)

    def resize(self, width: int, height: int) -> None:
        self.tmux("resize-window", "-t", self.target, "-x", str(width), "-y", str(height))

    def dead(self) -> bool:
        return self.tmux("display-message", "-p", "-t", self.target, "#{pane_dead}").strip() == "1"

    def close(self) -> None:
        if TMUX is not None:  # our own server: its only session goes, and the server with it (not its socket file)
            subprocess.run([TMUX, "-L", self.socket, "kill-session", "-t", self.target], capture_output=True,
                           timeout=15, env=clean_env())
        if self.socket_path.name == self.socket:
            self.socket_path.unlink(missing_ok=True)

    # ---- keys ------------------------------------------------------------------------------------------
    def keys(self, *keys: str) -> None:
        """tmux key names: Enter, Escape, Tab, BSpace, Down, C-q… (each one key, in this order)."""
        self.tmux("send-keys", "-t", self.target, *keys)

    def literal(self, text: str) -> None:
        """Characters, typed as they are."""
        self.tmux("send-keys", "-t", self.target, "-l", text)

    # ---- waiting -----------------------------------------------------------------------------------------
    def wait(self, cond: Cond, timeout: float = 30.0, what: str = "", *, quiet: bool = False) -> str:
        """Poll the screen until `cond(text)` is truthy; the text. Fails at once if the program ended. Every wait
        goes to the timeline (`quiet`: not)."""
        start = time.monotonic()
        deadline = start + timeout
        checked_dead = start
        while True:
            text = self.text()
            if cond(text):
                if not quiet:
                    now = time.monotonic()
                    self.log.append((now - self.started, now - start, what))
                return text
            now = time.monotonic()
            if now - checked_dead >= 1.0:
                checked_dead = now
                if self.dead():
                    raise PaneDied(f"the program ended while waiting for {what or cond} "
                                   f"(status {self.read_status()}):\n{self.text()}")
            if now > deadline:
                raise AssertionError(f"timed out after {timeout:g}s waiting for {what or cond} "
                                     f"({now - self.started:.1f}s into the test); the screen:\n{text}\n"
                                     f"the last steps:\n{self.timeline(8)}")
            time.sleep(POLL)  # polling tmux from outside the process: there is no event to wait on

    def press(self, *keys: str, until: Cond, what: str, timeout: float = 30.0, retry: float = 0.0,
              literal: bool = False) -> str:
        """Send `keys`, wait for `until`. With `retry` (seconds; idempotent keys only) send them again while the
        effect has not shown: a key sent before the app has attached the focus is lost."""
        deadline = time.monotonic() + timeout
        while True:
            self.literal("".join(keys)) if literal else self.keys(*keys)
            left = deadline - time.monotonic()
            if not retry or left <= retry:
                return self.wait(until, timeout=max(left, POLL), what=what)
            try:
                return self.wait(until, timeout=retry, what=what)
            except PaneDied:
                raise
            except AssertionError:
                continue

    def escape(self, until: Cond, what: str, timeout: float = 30.0) -> str:
        """Escape, then its effect (never another key before: Escape + key reads as Alt+key)."""
        return self.press("Escape", until=until, what=what, timeout=timeout)

    def timeline(self, last: int = 0) -> str:
        return "\n".join(f"{at:6.1f}s {took:5.1f}s  {what}" for at, took, what in self.log[-last:])

    def read_status(self) -> str:
        if self.status_file is not None and self.status_file.exists():
            return self.status_file.read_text().strip()
        return "?"

    def exit_status(self, timeout: float) -> tuple[str, float]:
        """Wait for the command to end: its exit status (as the wrapping shell wrote it) and how long it took."""
        assert self.status_file is not None, "start the pane with a status_file"
        start = time.monotonic()
        deadline = start + timeout
        while True:
            if self.status_file.exists() and (status := self.status_file.read_text().strip()):
                took = time.monotonic() - start
                self.log.append((time.monotonic() - self.started, took, f"the exit status ({status})"))
                return status, took
            if time.monotonic() > deadline:
                raise AssertionError(f"still running {timeout:g}s later:\n{self.text()}")
            time.sleep(0.05)  # the only way to see the file appear from here

    # ---- the prompts ---------------------------------------------------------------------------------------
    def prompt(self, char: str, text: str, *, until: Cond, what: str, timeout: float = 30.0) -> str:
        """`:` or `/` (on a screen with no prompt open; `/` with no filter set, so that the prompt opens empty), then
        `text` once the prompt shows, then Enter once it shows the text; wait for `until` and for the prompt to be
        gone. `:` and `/` are never repeated: once a prompt has the focus they are characters.

        "Gone" matters: Enter reaches the screen's handler by bubbling up from the prompt, and until that handler has
        closed the prompt (and focused the view again), the next key would be typed into it. A filter applies while
        it is typed, so `until` alone proves nothing."""
        placeholder = ":command" if char == ":" else "filter: text or regex"
        self.press(char, until=lambda t: placeholder in bottom(t, 3), what=f"the {char} prompt", literal=True)
        self.literal(text)
        self.wait(lambda t: text in bottom(t, 3) and placeholder not in bottom(t, 3), what=f"{text!r} in the prompt")
        return self.press("Enter", until=lambda t: until(t) and not prompt_line(t).startswith(text), what=what,
                          timeout=timeout)

    def command(self, text: str, *, until: Cond, what: str, timeout: float = 30.0) -> str:
        return self.prompt(":", text, until=until, what=what, timeout=timeout)

    def filter(self, text: str, *, until: Cond, what: str, timeout: float = 30.0) -> str:
        return self.prompt("/", text, until=until, what=what, timeout=timeout)

    # ---- which control has the focus ------------------------------------------------------------------
    def focused_button(self, *labels: str) -> str:
        """Which of the buttons `labels` has the focus (Textual draws its label reversed); "" if none of them."""
        for raw in self.styled().splitlines():
            for label in labels:
                if re.search(rf"\x1b\[(?:\d+;)*7m(?:\x1b\[[\d;]*m)*\s*{re.escape(label)}\s", raw):
                    return label
        return ""

    def focused_field(self) -> str:
        """The label of the focused text field: the one field whose frame has another colour (the accent) than the
        others'; "" when that cannot be told (fewer than three fields, or none focused)."""
        lines = self.styled().splitlines()
        tops = [(i, m.group(1)) for i, raw in enumerate(lines)
                if (m := re.search(r"\x1b\[38;(5;\d+|2;\d+;\d+;\d+)m(?:\x1b\[48;[\d;]+m)?▔▔", raw))]
        if len(tops) < 3:
            return ""
        common = Counter(colour for _, colour in tops).most_common(1)[0][0]
        odd = [i for i, colour in tops if colour != common]
        if len(odd) != 1:
            return ""
        for raw in reversed(lines[:odd[0]]):
            if label := FRAME.sub(" ", ANSI.sub("", raw)).strip():
                return label
        return ""

    # ---- the tree's cursor ---------------------------------------------------------------------------------
    def _cursor(self) -> tuple[int, str, list[str]]:
        """(index among the tree rows, text) of the cursor row — the one tree row whose background differs from
        the others' — and the tree rows; (-1, "", rows) when there is none (or not exactly one)."""
        found: list[tuple[str, str]] = []
        for raw in self.styled().splitlines():
            plain = ANSI.sub("", raw)
            if "─ " in plain or plain.startswith(("▼ Namespace", "▶ Namespace")):
                bg = BG.search(raw)
                found.append((bg.group(0).rsplit("48;", 1)[1] if bg else "", plain))
        rows = [plain for _, plain in found]
        if len(found) < 2:
            return -1, "", rows
        common = Counter(bg for bg, _ in found).most_common(1)[0][0]
        odd = [i for i, (bg, _) in enumerate(found) if bg != common]
        return (odd[0], rows[odd[0]], rows) if len(odd) == 1 else (-1, "", rows)

    def cursor(self) -> str:
        """The cursor row, read twice alike (a capture can land mid-repaint); "" if not settled."""
        first = self._cursor()[1]
        return first if first and same_row(self._cursor()[1], first) else ""

    def wait_cursor(self, pattern: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.cursor()
            if re.search(pattern, line):
                return line
            if time.monotonic() > deadline:
                raise AssertionError(f"the cursor is not on {pattern!r} but on {line!r}:\n{self.text()}")
            time.sleep(POLL)

    def _moved(self, line: str) -> None:
        """After cursor keys: wait until the cursor has left `line`, then until it rests (the keys are done); a
        lost key or a row repainted under the cursor only ends the wait early (the caller looks again)."""
        try:
            self.wait(lambda t: (now := self.cursor()) != "" and not same_row(now, line), timeout=5.0,
                      what=f"the cursor to leave {line!r}", quiet=True)
        except PaneDied:
            raise
        except AssertionError:
            return
        rest = time.monotonic()
        last = self.cursor()
        while time.monotonic() - rest < 0.4:  # sampling the cursor: keys still queued would move it again
            time.sleep(POLL)
            now = self.cursor()
            if not same_row(now, last):
                rest, last = time.monotonic(), now

    def goto(self, pattern: str, timeout: float = 60.0) -> str:
        """Move the tree's cursor with j / k to the first row matching `pattern`. The distance is read from the
        screen and the keys sent at once; then it looks again, so a row that moved meanwhile (the tree is live)
        or a lost key only costs another round. A row above the screen is looked for from the top (g)."""
        deadline = time.monotonic() + timeout
        from_top = False
        while True:
            at, line, rows = self._cursor()
            if at >= 0 and re.search(pattern, line) and same_row(self.cursor(), line):
                self.log.append((time.monotonic() - self.started, 0.0, f"the cursor on {pattern!r}"))
                return line
            if time.monotonic() > deadline:
                raise AssertionError(f"could not move the cursor to {pattern!r} (on {line!r}):\n{self.text()}")
            if at < 0:
                time.sleep(POLL)
                continue
            target = next((i for i, row in enumerate(rows) if re.search(pattern, row)), None)
            if target is None and not from_top:
                from_top = True
                self.keys("g")
            elif target is None:  # below the screen: past the last row shown, the tree scrolls
                self.keys(*["j"] * max(1, len(rows) - at))
            else:
                self.keys(*["j" if target > at else "k"] * abs(target - at))
            self._moved(line)


def same_row(a: str, b: str) -> bool:
    """Two captures of one tree row (its age and the scrollbar beside it may have changed)."""
    return bool(a) and bool(b) and AGE.sub("", a).rstrip(SCROLLBAR) == AGE.sub("", b).rstrip(SCROLLBAR)


def bottom(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[-lines:])


def prompt_line(text: str) -> str:
    """The line above the footer: the open prompt (its text), else the status line."""
    lines = text.splitlines()
    return lines[-2].strip() if len(lines) >= 2 else ""


def flat(text: str) -> str:
    """The screen with dialog frames and line breaks squeezed to single spaces (a title may wrap in its frame)."""
    return FRAME.sub(" ", text)


def step_title(text: str) -> str | None:
    """The open wizard's title up to its "step N of M" (which wizard, which step), or None when no wizard is open.
    The step's name is left out: it cannot be told from what follows it once the frame is squeezed."""
    squeezed = flat(text)
    match = STEP.search(squeezed)
    return squeezed[max(0, match.start() - 120):match.end()].strip() if match else None


def on_step(text: str, name: str) -> bool:
    return re.search(rf"step \d+ of \d+: {re.escape(name)}", flat(text)) is not None


def first_paint(generation: str | None = None, context: str = "dvpsnap-sim") -> Cond:
    """What is on screen at first paint whatever the terminal's height: the header (context, generation, every
    kind live), the first namespace node, the tree's own keys in the footer (the tree has the focus)."""
    def ready(text: str) -> bool:
        lines = text.splitlines()
        if len(lines) < 4:
            return False
        header, links = lines[0], lines[1]
        return (f"ctx {context} " in header and (generation is None or f"DVP {generation}" in header)
                and "live:" in links and "syncing" not in links and "connecting" not in links
                and lines[2].startswith("▼ Namespace ") and "Collapse" in lines[-1])
    return ready


def start_demo(directory: Path, generation: str | None = None, *, width: int = 120, height: int = 40,
               speed: float | None = None) -> Pane:
    """`python -m tui --demo --no-mouse [--generation G] [--speed S]` with its own state/config dirs and an
    exit-status file. The demo's kubeconfig has a second context, SECOND_CONTEXT (user SECOND_USER)."""
    argv = [sys.executable, "-m", "tui", "--no-mouse", "--demo"]
    argv += (["--generation", generation] if generation is not None else []) + (
        ["--speed", str(speed)] if speed is not None else [])
    env = {"XDG_STATE_HOME": str(directory / "state"), "XDG_CONFIG_HOME": str(directory / "config")}
    return Pane(argv, width=width, height=height, status_file=directory / "status", env=env)


SECOND_CONTEXT, SECOND_USER = DEMO_SECOND_CONTEXT, DEMO_SECOND_USER
DemoFactory = Callable[..., Pane]


@pytest.fixture
def demo_factory(tmp_path: Path) -> Iterator[DemoFactory]:
    """`demo_factory(generation=None, width=120, height=40, speed=None)` → a started Pane (closed after the test):
    `--demo`, with `speed` its controllers running that many times faster."""
    panes: list[Pane] = []

    def start(generation: str | None = None, *, width: int = 120, height: int = 40,
              speed: float | None = None) -> Pane:
        where = tmp_path / f"demo-{len(panes)}"
        where.mkdir()
        pane = start_demo(where, generation, width=width, height=height, speed=speed)
        panes.append(pane)
        return pane

    yield start
    for pane in panes:
        pane.close()
