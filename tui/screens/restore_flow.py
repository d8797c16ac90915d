"""Shared pieces of the restore/clone wizards: path chooser, DryRun-first chain, verdict table, progress view.

A domain DryRun (VMOP Restore/Clone, VMSOP CreateVirtualMachine) is a real object the controller validates. The
chain is two `Wizard`s: the first creates the operation with `mode: DryRun` (review: exact YAML + server dry run);
the second shows its per-object verdicts live, offers Strict or BestEffort (saying what BestEffort drops), and
creates the real operation after an optional confirmation; then a `ProgressScreen` follows it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label

from tui.kube.display import is_terminal
from tui.kube.findings import Finding, blocker
from tui.kube.kinds import Kind
from tui.kube.names import SECRET, Item
from tui.kube.objects import VirtualMachineOperation, VirtualMachineSnapshotOperation
from tui.kube.relations import View
from tui.kube.restore_progress import Progress, Verdict, completed_message, verdicts
from tui.kube.writes import Outcome
from tui.live import Live
from tui.screens.restore_paths import WizardPath
from tui.screens.wizard import ChoiceOption, Draft, Step, Values, Wizard, choice
from tui.screens.writeflow import Manifest, Panel
from widgets.badge import Tone, badge_text
from widgets.choice import Choice
from widgets.safe_text import safe

if TYPE_CHECKING:
    from tui.screens.nav import Nav

Op = VirtualMachineOperation | VirtualMachineSnapshotOperation


# ---- choosing among paths -----------------------------------------------------------------------------
class PathChooser(ModalScreen[str | None]):
    """When a key has more than one path on this cluster: pick one (Enter takes the default, Esc cancels)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "choose", "Choose", id="dialog.activate"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]
    DEFAULT_CSS = """
    PathChooser { align: center middle; background: $background 60%; }
    PathChooser > Vertical { width: 110; max-width: 100%; height: auto; border: thick $primary;
                             background: $surface; }
    PathChooser #path-title { text-style: bold; padding: 0 1; width: 1fr; background: $panel; }
    PathChooser #path-hint { color: $text-muted; padding: 0 1; }
    """

    def __init__(self, title: str, paths: Sequence[WizardPath], *, ascii_only: bool = False) -> None:
        super().__init__()
        self.title_text, self.paths, self.ascii_only = title, list(paths), ascii_only

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe(self.title_text), id="path-title")
            yield Choice([ChoiceOption(p.id, p.title, p.note) for p in self.paths], self.paths[0].id,
                         ascii_only=self.ascii_only, id="path")
            yield Label("Enter choose · ↑↓ change · Esc cancel", id="path-hint")

    def on_mount(self) -> None:
        self.query_one(Choice).focus()

    def action_choose(self) -> None:
        self.dismiss(self.query_one(Choice).value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def choose_path(nav: Nav, title: str, paths: Sequence[WizardPath], open_path: Callable[[str], None]) -> None:
    """Open the only path at once; ask when there are several."""
    if len(paths) == 1:
        open_path(paths[0].id)
        return

    def chosen(path: str | None) -> None:
        if path:
            open_path(path)

    nav.app.push_screen(PathChooser(title, paths, ascii_only=nav.live.options.ascii_only), chosen)


# ---- the DryRun verdict table -------------------------------------------------------------------------
def verdict_text(op: Op | None, items: Sequence[Item], *, ascii_only: bool = False) -> Text:
    """The DryRun operation's per-object verdicts (✔ valid / ✖ conflict with the controller's message)."""
    out = Text("DryRun verdict:", style="bold", end="")
    if op is None:
        out.append("\n")
        out.append_text(badge_text("progress", "waiting for the operation to appear…", ascii_only=ascii_only))
        return out
    out.append(f" {op.name} ")
    out.append_text(badge_text("ok" if op.phase == "Completed" else "error" if op.phase == "Failed" else "progress",
                               op.phase or "Pending", ascii_only=ascii_only))
    if message := completed_message(op):
        out.append(f" — {message}")
    rows = verdicts(op)
    if not rows and op.phase == "Completed":  # cse: a successful DryRun lists nothing
        rows = [Verdict(it.kind, it.name, True, "valid (this cluster lists objects only when they fail)")
                for it in items]
    for v in rows:
        out.append("\n  ")
        out.append_text(badge_text("ok" if v.ok else "error", "ok" if v.ok else "conflict", ascii_only=ascii_only))
        out.append(f"  {v.kind} {v.name}: {v.message}")
    return out


def dry_run_findings(op: Op | None, mode: str, *, best_effort_ignores_secret: bool) -> list[Finding]:
    """The DryRun's outcome as preflight: unfinished → wait; conflicts → blocked (BestEffort of a restore only
    tolerates a provisioning Secret with different data)."""
    if op is None or not is_terminal(op):
        return [blocker("dry-run-pending", "Waiting for the DryRun verdict…")]
    failed = [v for v in verdicts(op) if not v.ok]
    if op.phase == "Completed" and not failed:
        return []
    tolerated = best_effort_ignores_secret and mode == "BestEffort" and failed and all(
        v.kind == SECRET for v in failed)
    if tolerated:
        return []
    what = "; ".join(f"{v.kind} {v.name}: {v.message}" for v in failed) or completed_message(op)
    return [blocker("dry-run-failed", f"The DryRun found conflicts ({what}): resolve them and start again.")]


# ---- DryRun first, then the real operation --------------------------------------------------------------
@dataclass(frozen=True)
class DryRunFirst:
    """What a DryRun-first wizard needs; every callable gets the values of the first wizard's fields."""

    title: str
    subtitle: str
    kind: Kind  # VirtualMachineOperation or VirtualMachineSnapshotOperation
    steps: Sequence[Step]  # the fields chosen before the DryRun (names...)
    findings: Callable[[Values, str], Sequence[Finding]]  # (values, mode) → preflight
    manifest: Callable[[Values, str, str], Manifest]  # (values, mode, request id) → body
    items: Callable[[Values], Sequence[Item]]  # the objects concerned (cse lists none on success)
    modes: Callable[[Values], Sequence[ChoiceOption]]  # Strict / BestEffort, each saying what it does
    follow: Callable[[View, str, Values], Progress]  # (view, uid of the real operation, values)
    confirm: Callable[[Values, str], ModalScreen[bool] | None] = lambda values, mode: None
    best_effort_ignores_secret: bool = False
    preset: dict[str, str] | None = None


def start_dry_run_first(nav: Nav, flow: DryRunFirst) -> Wizard:
    """Push the DryRun wizard; the mode wizard and the progress view follow by themselves."""
    live = nav.live
    first = Wizard(f"{flow.title} — 1/2 DryRun", flow.steps, writes=nav.writes, subtitle=flow.subtitle,
                   findings=lambda v: flow.findings(v, "DryRun"), preset=flow.preset,
                   draft=lambda v, rid: Draft(flow.kind, flow.manifest(v, "DryRun", rid)),
                   ascii_only=live.options.ascii_only)

    def dry_created(out: Outcome | None) -> None:
        if out is not None and out.ok:
            nav.app.push_screen(_mode_wizard(nav, flow, Values(first.values), _uid(out)),
                                lambda real: _follow(nav, flow, Values(first.values), real))

    nav.app.push_screen(first, dry_created)
    return first


def _uid(out: Outcome) -> str:
    return str((out.obj or {}).get("metadata", {}).get("uid", ""))


def _mode_wizard(nav: Nav, flow: DryRunFirst, values: Values, dry_uid: str) -> Wizard:
    live = nav.live
    def dry_op() -> Op | None:
        if flow.kind.id == "vmop":
            return live.view.by_uid(VirtualMachineOperation, dry_uid)
        return live.view.by_uid(VirtualMachineSnapshotOperation, dry_uid)

    def waiting(value: str, v: Values) -> str:
        op = dry_op()
        return "" if op is not None and is_terminal(op) else "waiting for the DryRun verdict…"

    def info(v: Values) -> Text:
        return verdict_text(dry_op(), flow.items(values), ascii_only=live.options.ascii_only)

    def findings(v: Values) -> list[Finding]:
        mode = v.get("mode", "Strict")
        return [*dry_run_findings(dry_op(), mode, best_effort_ignores_secret=flow.best_effort_ignores_secret),
                *flow.findings(values, mode)]

    mode = replace(choice("mode", "Mode", lambda v: flow.modes(values), "Strict"), check=waiting)
    step = Step("DryRun verdict and mode", (mode,), info=info)
    return Wizard(f"{flow.title} — 2/2", [step], writes=nav.writes, subtitle=flow.subtitle, findings=findings,
                  draft=lambda v, rid: Draft(flow.kind, flow.manifest(values, v.get("mode", "Strict"), rid)),
                  confirm=lambda v: flow.confirm(values, v.get("mode", "Strict")),
                  ascii_only=live.options.ascii_only)


def _follow(nav: Nav, flow: DryRunFirst, values: Values, out: Outcome | None) -> None:
    if out is not None and out.ok:
        uid = _uid(out)
        show_progress(nav, flow.title, lambda view: flow.follow(view, uid, values))


# ---- following what was created -----------------------------------------------------------------------
class ProgressScreen(ModalScreen[None]):
    """Follows a created restore/clone/disk on every flush until it settles. Esc/Enter closes the view; the
    operation goes on and stays in the operations pane (p)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="dialog.cancel"),
        Binding("enter", "close", "Close", id="dialog.activate"),
    ]
    DEFAULT_CSS = """
    ProgressScreen { align: center middle; background: $background 60%; }
    ProgressScreen > Vertical { width: 110; max-width: 100%; height: auto; max-height: 100%;
                                border: thick $primary; background: $surface; }
    ProgressScreen #progress-title { text-style: bold; padding: 0 1; width: 1fr; background: $panel; }
    ProgressScreen #progress-body { height: auto; }
    ProgressScreen #progress-hint { color: $text-muted; padding: 0 1; }
    """

    def __init__(self, live: Live, title: str, follow: Callable[[View], Progress]) -> None:
        super().__init__()
        self.live, self.title_text, self.follow = live, title, follow
        self.ascii_only = live.options.ascii_only
        self.progress: Progress | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe(self.title_text), id="progress-title")
            with VerticalScroll(id="progress-body"):
                yield Panel(id="progress-lines")
            yield Label("Esc/Enter close (it goes on; p shows the operations)", id="progress-hint")

    def on_mount(self) -> None:
        self.repaint()

    def live_update(self, snapshot: Any, changes: Any) -> None:
        if self.is_mounted:
            self.repaint()

    def repaint(self) -> None:
        self.progress = p = self.follow(self.live.view)
        tone: Tone = "progress" if not p.finished else "ok" if p.succeeded else "error"
        out = badge_text(tone, "settled" if p.settled else "finished" if p.finished else "in progress",
                         ascii_only=self.ascii_only)
        out.append(f"  {p.summary}")
        for line in p.lines:
            out.append("\n  ")
            out.append_text(badge_text(line.badge.tone, line.badge.word, ascii_only=self.ascii_only))
            out.append(f"  {line.label}" + (f" — {line.message}" if line.message else ""))
        self.query_one("#progress-lines", Panel).show(out)

    def action_close(self) -> None:
        self.dismiss(None)


def show_progress(nav: Nav, title: str, follow: Callable[[View], Progress]) -> ProgressScreen:
    screen = ProgressScreen(nav.live, title, follow)
    nav.app.push_screen(screen)
    return screen
