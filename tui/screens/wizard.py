"""A step-based wizard (ModalScreen): fields per step, a live preflight panel, then review → dry run → create.

How to write a wizard (snapshot, restore, clone... all of dvpsnap's wizards use this):

    steps = [
        Step("Name", (text("name", "metadata.name", default, path="metadata.name", check=name_problem),)),
        Step("Consistency", (flag("consistency", "requiredConsistency", True, yes="…", no="…",
                                  path="spec.requiredConsistency"),)),
        Step("Mode", (choice("mode", "restore.mode", [ChoiceOption("DryRun", "DryRun", "only report"), …],
                             "DryRun", path="spec.restore.mode"),), when=lambda v: v["kind"] == "vmop"),
    ]
    wizard = Wizard("Take a disk snapshot", steps, findings=preflight, draft=build, writes=nav.writes,
                    subtitle="disk web-01-root in lab")
    app.push_screen(wizard, on_done)     # on_done(Outcome | None): the create's Outcome, None when cancelled

- `Values` maps field keys to strings (`values.flag(key)` reads a `flag` field as bool).
- `findings(values) -> Sequence[Finding]` is the preflight (`tui.kube.findings`): re-run on every change
  and on every live flush, shown on every step as ok / warning / blocker (glyph + word). A blocker forbids
  the create (the dry run still runs, to show the server's view).
- `draft(values, request_id) -> Draft(kind, manifest)` builds the exact manifest; a ValueError is shown as a
  blocker. The request id is fixed for the wizard's lifetime, so a retried create is idempotent.
- A field's `check(value, values) -> str` is a problem that keeps the step from being accepted (live).
  A field's `path` (e.g. `metadata.name`) is where the server's causes for it are shown.
- A step's `info(values)` adds read-only lines (e.g. a predicted VolumeSnapshotClass); `when(values)` hides
  the step when False. `preset` gives values that have no field (the namespace, a fixed target).
- `confirm(values)` (optional) returns a screen (e.g. `widgets.confirm.TypedConfirm`) shown after Enter on the
  review and before the create; the create happens only when it dismisses with True.

Keys: Enter accepts the current step with what is filled in (defaults) and moves on; on the review step it
creates. Escape goes back one step, or cancels on the first. Tab / Shift+Tab move between fields. On the
review: `c` copies the YAML, `a` the `d8 k apply -f -` snippet (OSC 52, works over SSH).

The review step is added automatically: the values (each server cause next to its field), the preflight,
the server dry run (`Writer.dry_run`, kubectl's words), the exact YAML (`writes.to_yaml`) and the snippet.
Only after a successful dry run and without blockers does Enter create (`Writer.create`); the created object
is handed to the operations tracker (`Writes.track`) and the wizard dismisses with the Outcome.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, Label

from tui.kube.findings import Finding, blocked, blocker
from tui.kube.writes import Outcome, apply_snippet, to_yaml
from tui.screens.wizard_fields import Check, Default, Field, Options, Step, Values, choice, flag, text
from tui.screens.writeflow import (
    Draft,
    Panel,
    Writes,
    causes_by_field,
    findings_text,
    manifest_text,
    values_text,
    verdict_text,
)
from widgets.badge import badge_text
from widgets.choice import Choice, ChoiceOption
from widgets.safe_text import safe_content

__all__ = ["Check", "Choice", "ChoiceOption", "Default", "Draft", "Field", "Options", "Step", "Values", "Wizard",
           "choice", "flag", "text"]


Findings = Callable[[Values], Sequence[Finding]]
Build = Callable[[Values, str], Draft]
Confirm = Callable[[Values], ModalScreen[bool] | None]
REVIEW = "Review"


class Wizard(ModalScreen[Outcome | None]):
    """Steps of fields, then the review; see the module docstring for the contract."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "accept", "Next / create", id="dialog.activate"),
        Binding("escape", "back", "Back", id="dialog.cancel"),
        Binding("tab", "app.focus_next", "Next field", show=False, id="dialog.next_field"),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False, id="dialog.prev_field"),
        Binding("c", "copy('yaml')", "Copy YAML", id="view.copy"),
        Binding("a", "copy('apply')", "Copy d8 k apply", id="wizard.copy_apply"),
    ]
    DEFAULT_CSS = """
    Wizard { align: center middle; background: $background 60%; }
    Wizard > Vertical { width: 110; max-width: 100%; height: auto; max-height: 100%;
                        border: thick $primary; background: $surface; }
    Wizard #wizard-title { dock: top; text-style: bold; padding: 0 1; width: 1fr; background: $panel; }
    Wizard #wizard-body { height: auto; }
    Wizard .step, Wizard #review { height: auto; }
    Wizard .field-label { padding: 0 1; margin-top: 1; text-style: bold; }
    Wizard .field-help { padding: 0 1; color: $text-muted; }
    Wizard Input { margin: 0 1; }
    Wizard #wizard-hint { dock: bottom; color: $text-muted; padding: 0 1; width: 1fr; background: $panel; }
    """

    def __init__(self, title: str, steps: Sequence[Step], *, findings: Findings, draft: Build, writes: Writes,
                 subtitle: str = "", preset: dict[str, str] | None = None, ascii_only: bool = False,
                 confirm: Confirm | None = None) -> None:
        super().__init__()
        self.title_text, self.subtitle = title, subtitle
        self.confirm_fn = confirm
        self.steps = list(steps)
        self.findings_fn, self.draft_fn, self.writes = findings, draft, writes
        self.ascii_only = ascii_only
        self._index = {f.key: i for i, f in enumerate(self.fields)}
        self._keys = {f"field-{i}": key for key, i in self._index.items()}
        self.values = Values(preset or {})  # fixed values (no field): e.g. the namespace, a fixed target
        self.auto: dict[str, str] = {}  # key → the value the wizard itself put there (not edited by the user)
        for f in self.fields:
            self.values[f.key] = self.auto[f.key] = self._initial(f)
        self.request_id = str(uuid.uuid4())
        self.index = 0  # position in self.steps; len(self.steps) = the review
        self.findings: list[Finding] = []
        self.draft: Draft | None = None
        self.draft_error = ""
        self.dry: Outcome | None = None
        self.created: Outcome | None = None
        self.busy = False

    @property
    def fields(self) -> list[Field]:
        return [f for step in self.steps for f in step.fields]

    def _wid(self, role: str, f: Field) -> str:
        """A widget id for a field (keys may hold any character, ids may not)."""
        return f"{role}-{self._index[f.key]}"

    def _initial(self, f: Field) -> str:
        value = f.default_for(self.values)
        if f.is_choice:
            enabled = [o.value for o in f.options_for(self.values) if not o.disabled]
            value = value if value in enabled else (enabled[0] if enabled else "")
        return value

    # ---- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("", id="wizard-title")
            with VerticalScroll(id="wizard-body"):
                for i, step in enumerate(self.steps):
                    with Vertical(classes="step", id=f"step-{i}"):
                        for f in step.fields:
                            yield from self._compose_field(f)
                        yield Panel(id=f"info-{i}")
                with Vertical(id="review"):
                    yield Panel(id="review-values")
                    yield Panel(id="review-verdict")
                    yield Panel(id="review-yaml")
                yield Panel(id="preflight")
            yield Label("", id="wizard-hint")

    def _compose_field(self, f: Field) -> ComposeResult:
        yield Label(safe_content(f.label), classes="field-label")
        value = self.values[f.key]
        if f.is_choice:
            yield Choice(f.options_for(self.values), value, ascii_only=self.ascii_only, id=self._wid("field", f))
        else:
            suggester = SuggestFromList(f.suggestions) if f.suggestions else None
            yield Input(value, id=self._wid("field", f), suggester=suggester)
        if f.help:
            yield Label(safe_content(f.help), classes="field-help")
        yield Panel(id=self._wid("problem", f))

    def on_mount(self) -> None:
        if self.steps and not self._visible(0):
            self._move(1)
        self._show_step()

    # ---- navigation ----------------------------------------------------------------------------
    @property
    def on_review(self) -> bool:
        return self.index >= len(self.steps)

    def _visible(self, i: int) -> bool:
        when = self.steps[i].when
        return when is None or when(self.values)

    def _move(self, direction: int) -> bool:
        i = self.index + direction
        while 0 <= i < len(self.steps) and not self._visible(i):
            i += direction
        if i < 0:
            return False
        self.index = min(i, len(self.steps))
        return True

    def action_accept(self) -> None:
        if self.busy:
            self.notify("waiting for the server…", markup=False)
            return
        if self.on_review:
            self._submit()
            return
        problems = [f for f in self.steps[self.index].fields if self._problem(f)]
        if problems:
            self.query_one("#" + self._wid("field", problems[0])).focus()
            self.notify(f"{problems[0].label}: {self._problem(problems[0])}", severity="warning", markup=False)
            return
        self._move(1)
        self._show_step()

    def action_back(self) -> None:
        if self.busy:
            return
        if not self._move(-1):
            self.dismiss(None)
            return
        self._show_step()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy":
            return self.on_review and self.draft is not None
        return True

    def action_copy(self, what: str) -> None:
        if self.draft is None:
            return
        manifest = self.draft.manifest
        self.app.copy_to_clipboard(to_yaml(manifest) if what == "yaml" else apply_snippet(manifest))
        self.notify("copied the YAML" if what == "yaml" else "copied the d8 k apply snippet", markup=False)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_accept()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        self._set(event.input.id, event.value)

    @on(Choice.Changed)
    def _chosen(self, event: Choice.Changed) -> None:
        self._set(event.choice.id, event.value)

    def _set(self, widget_id: str | None, value: str) -> None:
        key = self._keys.get(widget_id or "")
        if key is None:
            return
        if self.values.get(key) == value:
            return
        self.values[key] = value
        if self.auto.get(key) != value:
            self.auto.pop(key, None)  # the user edited it: no more automatic defaults
        self._derive()
        self.refresh_checks()

    def _derive(self) -> None:
        """Re-evaluate functional options and defaults after a change (untouched fields follow their default)."""
        for f in self.fields:
            widget = self.query_one("#" + self._wid("field", f))
            if callable(f.options) and isinstance(widget, Choice):
                widget.set_options(f.options_for(self.values), self.values[f.key])
                self.values[f.key] = widget.value
            if f.key in self.auto and callable(f.default) and not (isinstance(widget, Input) and widget.has_focus):
                new = self._initial(f)
                if new != self.values[f.key]:
                    self.values[f.key] = self.auto[f.key] = new
                    if isinstance(widget, Input):
                        widget.value = new
                    elif isinstance(widget, Choice):
                        widget.choose(new)

    # ---- checks and painting -------------------------------------------------------------------
    def _problem(self, f: Field) -> str:
        return f.check(self.values.get(f.key, ""), self.values) if f.check is not None else ""

    def live_update(self, snapshot: Any, changes: Any) -> None:
        """A flush while the wizard is open: collisions and preconditions are re-checked live."""
        if self.is_mounted and not self.busy:
            self.refresh_checks()

    def refresh_checks(self) -> None:
        try:
            self.findings = list(self.findings_fn(self.values))
        except ValueError as e:
            self.findings = [blocker("invalid", str(e))]
        if self.on_review and self.draft_error:
            self.findings.append(blocker("invalid", self.draft_error))
        causes = causes_by_field(self.dry if self.dry is not None and not self.dry.ok else None)
        for i, step in enumerate(self.steps):
            for f in step.fields:
                text_ = Text()
                if problem := self._problem(f):
                    text_.append_text(badge_text("error", problem, ascii_only=self.ascii_only))
                for msg in causes.get(f.path, []) if f.path else []:
                    text_.append_text(badge_text("error", f"server: {msg}", ascii_only=self.ascii_only))
                self.query_one("#" + self._wid("problem", f), Panel).show(text_)
            info = step.info(self.values) if step.info is not None and i == self.index else ""
            self.query_one(f"#info-{i}", Panel).show(info)
        self.query_one("#preflight", Panel).show(findings_text(self.findings, ascii_only=self.ascii_only))
        if self.on_review:
            self._paint_review()
        self._paint_chrome()

    def _paint_chrome(self) -> None:
        shown = [i for i in range(len(self.steps)) if self._visible(i)]
        total = len(shown) + 1
        at = total if self.on_review else shown.index(self.index) + 1 if self.index in shown else 1
        name = REVIEW if self.on_review else self.steps[self.index].title
        sub = f" — {self.subtitle}" if self.subtitle else ""
        self.query_one("#wizard-title", Label).update(
            safe_content(f"{self.title_text}{sub} · step {at} of {total}: {name}"))
        if not self.on_review:
            hint = "Enter next · Esc " + ("back" if at > 1 else "cancel") + " · Tab next field · ↑↓ change a choice"
        elif self.created is not None and self.created.ok:
            hint = "created"
        elif blocked(self.findings):
            hint = "blocked by the preflight: Esc goes back to change the values · c copy YAML · a copy d8 k apply"
        elif self.dry is None or self.busy:
            hint = "waiting for the server dry run… · Esc back"
        elif not self.dry.ok:
            hint = "the server refused the dry run: Esc back to fix · Enter asks again · c copy YAML"
        else:
            hint = "Enter creates it · Esc back · c copy YAML · a copy d8 k apply"
        self.query_one("#wizard-hint", Label).update(safe_content(hint))

    def _show_step(self) -> None:
        for i in range(len(self.steps)):
            self.query_one(f"#step-{i}").display = i == self.index
        self.query_one("#review").display = self.on_review
        if self.on_review:
            self._enter_review()
        else:
            fields = self.steps[self.index].fields
            where = "#" + self._wid("field", fields[0]) if fields else "#wizard-body"
            target: Widget = self.query_one(where)
            target.focus()
        self.refresh_checks()

    # ---- review: draft, dry run, create -------------------------------------------------------------
    def _enter_review(self) -> None:
        self.dry, self.created, self.draft_error = None, None, ""
        try:
            self.draft = self.draft_fn(self.values, self.request_id)
        except ValueError as e:
            self.draft, self.draft_error = None, str(e)
        self.query_one("#wizard-body").focus()
        if self.draft is not None:
            self._dry_run(self.draft)

    def _paint_review(self) -> None:
        causes = causes_by_field(self.dry if self.dry is not None and not self.dry.ok else None)
        shown = [(f.label, self.values.get(f.key, ""), f.path) for i, step in enumerate(self.steps)
                 if self._visible(i) for f in step.fields]
        self.query_one("#review-values", Panel).show(values_text(shown, causes, ascii_only=self.ascii_only))
        verdict = self.created if self.created is not None else self.dry
        draft_text = verdict_text(verdict, self.draft, ascii_only=self.ascii_only) if self.draft else Text(
            "nothing to send: the values cannot be turned into a manifest")
        self.query_one("#review-verdict", Panel).show(draft_text)
        if self.draft is not None:
            self.query_one("#review-yaml", Panel).show(manifest_text(self.draft.manifest))

    @work(thread=True, exclusive=True, group="wizard-write")
    def _dry_run(self, draft: Draft) -> None:
        self.app.call_from_thread(self._set_busy, True)
        try:
            out = self.writes.writer.dry_run(draft.kind, draft.manifest)
        except Exception as e:  # read-only, not connected: shown like the server's refusal
            out = Outcome(False, "create", True, 0, type(e).__name__, str(e))
        self.app.call_from_thread(self._dry_done, draft, out)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        if self.is_mounted:
            self._paint_chrome()

    def _dry_done(self, draft: Draft, out: Outcome) -> None:
        self.busy = False
        if draft is self.draft and self.on_review:
            self.dry = out
        self.refresh_checks()

    def _submit(self) -> None:
        if self.draft is None:
            self.notify("nothing to create: go back and fix the values", severity="warning", markup=False)
        elif blocked(self.findings):
            self.notify("blocked by the preflight (✖ blocker): go back and change the values", severity="error",
                        markup=False)
        elif self.dry is None or (not self.dry.ok and self.dry.code == 0):
            self._dry_run(self.draft)  # no verdict yet, or the server did not answer: ask again
        elif not self.dry.ok:
            self.notify("the server refused the dry run: nothing was created", severity="error", markup=False)
        elif self.created is None or not self.created.ok:
            self._confirm_then_create(self.draft)

    def _confirm_then_create(self, draft: Draft) -> None:
        """`confirm(values)`: a last word before an irreversible create (e.g. a typed VM name) as a screen that
        dismisses with True to go ahead; None when nothing needs confirming."""
        screen = self.confirm_fn(self.values) if self.confirm_fn is not None else None
        if screen is None:
            self._create(draft)
            return

        def answered(yes: bool | None) -> None:
            if yes and draft is self.draft and not self.busy:
                self._create(draft)

        self.app.push_screen(screen, answered)

    @work(thread=True, exclusive=True, group="wizard-write")
    def _create(self, draft: Draft) -> None:
        self.app.call_from_thread(self._set_busy, True)
        try:
            out = self.writes.writer.create(draft.kind, draft.manifest, request_id=self.request_id)
        except Exception as e:  # read-only or not connected: nothing was sent
            out = Outcome(False, "create", False, 0, type(e).__name__, str(e))
        self.app.call_from_thread(self._create_done, draft, out)

    def _create_done(self, draft: Draft, out: Outcome) -> None:
        self.busy = False
        self.created = out
        if out.ok:
            self.writes.track(draft, out)
            what = f"{draft.kind.kind} {(out.obj or {}).get('metadata', {}).get('name', draft.name)}"
            self.notify(f"{what} accepted by the server — follow it in the operations pane (p, :ops)",
                        markup=False)
            self.dismiss(out)
            return
        self.refresh_checks()
