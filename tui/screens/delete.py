"""Snapshot deletion: what goes with it, a confirmation (typed for VM snapshots and bulk), UID preconditions.

`delete_snapshots(nav, objects, done)` is the one entry point (tree, lists, hygiene view): it keeps the
snapshot kinds, checks the `delete` permission, asks for confirmation (Cancel focused; the VM snapshot's
name, or `delete <n>` for several, typed), then sends one `Writer.delete` per object with its UID as a
precondition and reports a result per item (`done` gets them, e.g. to show them in a table).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from tui.kube.access import Verdict
from tui.kube.deletion import DELETABLE, Target, goes_with, target, typed_confirmation
from tui.kube.kinds import BY_ID
from tui.kube.objects import KubeObject
from tui.kube.writes import Outcome
from tui.screens.writeflow import Panel
from widgets.badge import badge_text
from widgets.confirm import TypedConfirm
from widgets.safe_text import safe_content

if TYPE_CHECKING:
    from tui.screens.nav import Nav


class Result(NamedTuple):
    """The answer to one DELETE."""

    target: Target
    outcome: Outcome

    def line(self, *, ascii_only: bool = False) -> Text:
        kind = BY_ID[self.target.kind_id].kind
        out = badge_text("ok" if self.outcome.ok else "error", "deleted" if self.outcome.ok else "failed",
                         ascii_only=ascii_only)
        out.append(f"  {kind} {self.target.namespace}/{self.target.name}")
        if not self.outcome.ok:
            out.append("\n    " + self.outcome.kubectl_text(kind, self.target.name).replace("\n", "\n    "))
        return out


Done = Callable[[list[Result]], None]


def delete_snapshots(nav: Nav, objects: Sequence[KubeObject], done: Done | None = None) -> None:
    """Confirm and delete `objects` (snapshots only); see the module docstring."""
    targets = [target(o) for o in objects if o.KIND in DELETABLE]
    if not targets:
        nav.app.notify("deletion from dvpsnap covers disk and VM snapshots: select one (or mark several)",
                       markup=False)
        return
    writes = nav.writes
    wanted = {(t.kind_id, t.namespace) for t in targets}
    cached = {k: writes.verdict(BY_ID[k[0]], k[1], "delete") for k in wanted}
    if all(v is not None for v in cached.values()):
        _confirm(nav, targets, {k: v for k, v in cached.items() if v is not None}, done)
        return

    def ask() -> None:
        verdicts = {k: writes.check(BY_ID[k[0]], k[1], "delete") for k in wanted}
        nav.app.call_from_thread(_confirm, nav, targets, verdicts, done)

    nav.app.run_worker(ask, thread=True, group="permissions")


def _confirm(nav: Nav, targets: list[Target], verdicts: dict[tuple[str, str], Verdict], done: Done | None) -> None:
    denied = [v.reason for v in verdicts.values() if not v.allowed]
    if denied:
        nav.app.notify(f"Cannot delete: {'; '.join(dict.fromkeys(denied))}", severity="error", markup=False)
        return
    view, ascii_only = nav.live.view, nav.live.options.ascii_only
    body = Text(end="")
    for i, t in enumerate(targets):
        obj = view.objects.get(t.kind_id, {}).get(t.uid)
        if i:
            body.append("\n\n")
        body.append(f"{BY_ID[t.kind_id].kind} {t.namespace}/{t.name}", style="bold")
        body.append(f"  (UID {t.uid})")
        for line in goes_with(view, obj) if obj is not None else ["(no longer in the cache)"]:
            body.append(f"\n  • {line}")

    def answered(yes: bool | None) -> None:
        if yes:
            _send(nav, targets, done)

    expected = typed_confirmation(targets)
    title = f"Delete {len(targets)} snapshots" if len(targets) > 1 else f"Delete {targets[0].name}"
    if expected:
        nav.app.push_screen(TypedConfirm(title, body, expected, confirm_label="Delete"), answered)
    else:
        nav.app.push_screen(ConfirmDelete(title, body, ascii_only=ascii_only), answered)


def _send(nav: Nav, targets: list[Target], done: Done | None) -> None:
    writes = nav.writes

    def run() -> None:
        results = []
        for t in targets:
            try:
                out = writes.writer.delete(BY_ID[t.kind_id], t.namespace, t.name, t.uid)
            except Exception as e:  # read-only or not connected: nothing was sent
                out = Outcome(False, "delete", False, 0, type(e).__name__, str(e))
            results.append(Result(t, out))
        nav.app.call_from_thread(_report, nav, results, done)

    nav.app.run_worker(run, thread=True, group="delete")


def _report(nav: Nav, results: list[Result], done: Done | None) -> None:
    ok = sum(1 for r in results if r.outcome.ok)
    if len(results) == 1:
        r = results[0]
        kind = BY_ID[r.target.kind_id].kind
        if r.outcome.ok:
            nav.app.notify(f"{kind} {r.target.name}: deletion accepted", markup=False)
        else:
            nav.app.notify(r.outcome.kubectl_text(kind, r.target.name), severity="error", markup=False)
    else:
        nav.app.notify(f"{ok} of {len(results)} deletions accepted", markup=False,
                       severity="information" if ok == len(results) else "error")
        nav.app.push_screen(DeleteResults(results, ascii_only=nav.live.options.ascii_only))
    if done is not None:
        done(results)


class ConfirmDelete(ModalScreen[bool]):
    """What goes with the object, Cancel focused: Tab to Delete, then Enter. Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]
    DEFAULT_CSS = """
    ConfirmDelete { align: center middle; background: $background 60%; }
    ConfirmDelete > Vertical { width: 90; max-width: 100%; height: auto; max-height: 100%;
                               border: thick $error; background: $surface; padding: 0 1; }
    ConfirmDelete #title { text-style: bold; color: $text-error; }
    ConfirmDelete VerticalScroll { height: auto; max-height: 1fr; }
    ConfirmDelete Horizontal { height: auto; align-horizontal: right; }
    ConfirmDelete Button { margin-left: 2; }
    """

    def __init__(self, title: str, body: Text, *, ascii_only: bool = False) -> None:
        super().__init__()
        self.title_text, self.body, self.ascii_only = title, body, ascii_only

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(safe_content(self.title_text), id="title")
            with VerticalScroll():
                yield Panel(id="body")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Delete", id="confirm", variant="error")

    def on_mount(self) -> None:
        self.query_one("#body", Panel).show(self.body)
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#confirm")
    def _confirmed(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def _cancelled(self) -> None:
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)


class DeleteResults(ModalScreen[None]):
    """One line per object: deleted, or the server's refusal in kubectl's words. Escape or Enter closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="dialog.cancel"),
        Binding("enter", "close", "Close", id="dialog.activate"),
    ]
    DEFAULT_CSS = """
    DeleteResults { align: center middle; background: $background 60%; }
    DeleteResults > VerticalScroll { width: 100; max-width: 100%; height: auto; max-height: 100%;
                                     border: thick $primary; background: $surface; }
    """

    def __init__(self, results: list[Result], *, ascii_only: bool = False) -> None:
        super().__init__()
        self.results, self.ascii_only = results, ascii_only

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Panel(id="results")

    def on_mount(self) -> None:
        text = Text("Deletion results (Esc closes):", style="bold", end="")
        for r in self.results:
            text.append("\n")
            text.append_text(r.line(ascii_only=self.ascii_only))
        self.query_one("#results", Panel).show(text)

    def action_close(self) -> None:
        self.dismiss(None)
