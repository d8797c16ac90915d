"""The UI side of the single write path: Writer per context, cached permissions, drafts, verdicts, tracking.

`Writes` is created once per app (by `Nav`) and handed to every screen that writes:

- `writes.writer` is THE `tui.kube.writes.Writer` of the current context (read-only comes from `Live.readonly`:
  the --readonly flag or the config's per-context rule, re-read at every use; enforced inside the Writer only);
- `writes.verdict(kind, ns)` answers from cache without blocking (None: not checked yet), `writes.check(...)`
  asks the server (SelfSubjectAccessReview; call it from a worker thread);
- `writes.track(draft, outcome)` hands a created object to the operations tracker, which follows it by UID
  after every flush and notifies when it ends (`writes.tracker` is the pure model, `tui.kube.operations`).

`Draft` is what a wizard is about to send; `findings_text`, `verdict_text` and `causes_by_field` render the
preflight and the server's answer (kubectl's words, each cause next to its field).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar, NamedTuple

from rich.text import Text
from textual.notifications import SeverityLevel
from textual.widgets import Static

from tui.kube.access import Verdict
from tui.kube.display import vm_flags
from tui.kube.findings import Finding
from tui.kube.kinds import BY_ID, Kind
from tui.kube.objects import VirtualMachine, VirtualMachineSnapshot
from tui.kube.operations import Operation, Started, Tracker
from tui.kube.writes import Journal, Outcome, Writer, apply_snippet, to_yaml
from tui.live import Live
from widgets.badge import TONES, Tone, badge_text, resolve_tones, tone_class, tone_css, tone_styles
from widgets.safe_text import PANE_LIMIT, safe_text

Manifest = dict[str, Any]
Notify = Callable[[str, SeverityLevel], None]
"""(message, severity) → a notification."""
LEVEL_TONE: Mapping[str, tuple[Tone, str]] = {"ok": ("ok", "ok"), "warning": ("warning", "warning"),
                                              "blocker": ("error", "blocker")}


class Draft(NamedTuple):
    """What a wizard is about to send: the kind and the exact manifest (request id annotation included)."""

    kind: Kind
    manifest: Manifest

    @property
    def name(self) -> str:
        meta = self.manifest.get("metadata", {})
        return str(meta.get("name") or meta.get("generateName") or "")

    @property
    def namespace(self) -> str:
        return str(self.manifest.get("metadata", {}).get("namespace", ""))


class Panel(Static):
    """A block of sanitized text whose tone spans (badges) get theme colours."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {tone_class("panel", t) for t in TONES}
    DEFAULT_CSS = "Panel { height: auto; padding: 0 1; }\n" + tone_css("Panel", "panel")

    def show(self, text: Text | str) -> None:
        text = Text(text) if isinstance(text, str) else text.copy()
        text.rstrip()
        self.update(resolve_tones(safe_text(text, multiline=True, limit=PANE_LIMIT), tone_styles(self, "panel")))


# ---- rendering ------------------------------------------------------------------------------------
def finding_text(f: Finding, *, ascii_only: bool = False) -> Text:
    """`✔ ok  message` / `! warning  message` / `✖ blocker  message`: glyph and word, never colour alone."""
    tone, word = LEVEL_TONE[f.level]
    line = badge_text(tone, word, ascii_only=ascii_only)
    line.append(" " * (10 - len(line.plain)) + f.message)
    return line


def findings_text(findings: Iterable[Finding], *, ascii_only: bool = False, title: str = "Preflight") -> Text:
    found = list(findings)
    out = Text(f"{title}:", style="bold", end="")
    if not found:
        out.append(" nothing to check yet")
    for f in found:
        out.append("\n")
        out.append_text(finding_text(f, ascii_only=ascii_only))
    return out


_UNKNOWN = re.compile(r'unknown field "([^"]+)"')


def causes_by_field(outcome: Outcome | None) -> dict[str, list[str]]:
    """Server causes keyed by their field path (`metadata.name`, `spec.keepIPAddress`...); a strict decoding
    error (400, no causes) names its unknown fields in the message, so those count as causes too."""
    out: dict[str, list[str]] = {}
    if outcome is None:
        return out
    for c in outcome.causes:
        out.setdefault(str(c.get("field", "")), []).append(str(c.get("message", "")))
    for path in _UNKNOWN.findall(outcome.message):
        out.setdefault(path, []).append("unknown field: this cluster's schema does not have it")
    return out


def verdict_text(outcome: Outcome | None, draft: Draft | None, *, ascii_only: bool = False) -> Text:
    """The server's answer as kubectl prints it (plus Warning headers), or that it is still pending."""
    title = "Server dry run" if outcome is None or outcome.dry_run else "Create"
    out = Text(f"{title}: ", style="bold", end="")
    if outcome is None or draft is None:
        out.append_text(badge_text("progress", "asking the server…", ascii_only=ascii_only))
        return out
    text = outcome.kubectl_text(draft.kind.kind, draft.name)
    if outcome.ok and outcome.recovered:
        text += " (the answer was lost; found by its request id)"
    out.append_text(badge_text("ok" if outcome.ok else "error", "accepted" if outcome.ok else "refused",
                               ascii_only=ascii_only))
    out.append("\n" + text)
    for w in outcome.warnings:
        out.append("\n")
        out.append_text(badge_text("warning", f"Warning: {w}", ascii_only=ascii_only))
    return out


def values_text(shown: Iterable[tuple[str, str, str]], causes: Mapping[str, list[str]], *,
                ascii_only: bool = False) -> Text:
    """The review's `label: value` lines, each server cause for the field's path next to it."""
    out = Text("Values:", style="bold", end="")
    for label, value, path in shown:
        out.append(f"\n  {label}: {value}")
        for msg in causes.get(path, []) if path else []:
            out.append("   ")
            out.append_text(badge_text("error", msg, ascii_only=ascii_only))
    return out


def manifest_text(manifest: Manifest) -> Text:
    """The exact YAML that will be sent, and the same as a `d8 k apply -f -` snippet."""
    out = Text("YAML (exactly what will be sent):", style="bold", end="")
    out.append("\n" + to_yaml(manifest).rstrip())
    out.append("\n\nThe same with d8:", style="bold")
    out.append("\n" + apply_snippet(manifest).rstrip())
    return out


# ---- the write path of the UI ---------------------------------------------------------------------
class Writes:
    """One per app: the Writer of the current context, cached permissions, and the operations tracker."""

    PREFETCH: ClassVar[tuple[tuple[str, str], ...]] = (("vdsnapshot", "create"), ("vmsnapshot", "create"),
                                                       ("vdsnapshot", "delete"), ("vmsnapshot", "delete"))

    def __init__(self, live: Live, notify: Notify, *, refresh: Callable[[], None] = lambda: None,
                 to_ui: Callable[[Callable[[], None]], object] | None = None) -> None:
        """`notify` and `refresh` (key hints) run on the UI loop; `to_ui(fn)` gets there from a thread."""
        self.live, self.notify, self.refresh = live, notify, refresh
        self.to_ui = to_ui or (lambda fn: fn())
        self.tracker = Tracker()
        self._prefetched: set[tuple[str, tuple[str, ...]]] = set()
        self.listeners: list[Callable[[], None]] = []
        """Called after the tracker changed (the operations pane repaints)."""
        self._writer: Writer | None = None
        self._verdicts: dict[tuple[str, str, str, str], Verdict] = {}
        live.followers.append(self.follow)

    @property
    def readonly(self) -> bool:
        return self.live.readonly

    @property
    def writer(self) -> Writer:
        """The Writer of the connected context (a new one after a context switch)."""
        client = self.live.client
        if client is None:
            raise RuntimeError("not connected yet")
        journal = self.live.journal_path
        if self._writer is None or self._writer.client is not client:
            self._writer = Writer(client, readonly=self.readonly, journal=Journal(journal) if journal else None)
            self._verdicts.clear()
        self._writer.readonly = self.readonly  # a config reload may have made this context read-only
        if journal is not None and self._writer.journal.path != journal:
            self._writer.journal = Journal(journal)
        return self._writer

    # ---- permissions -------------------------------------------------------------------------
    def _key(self, kind: Kind, namespace: str, verb: str) -> tuple[str, str, str, str]:
        return (self.live.identity.context, kind.id, namespace, verb)

    def verdict(self, kind: Kind, namespace: str, verb: str = "create") -> Verdict | None:
        """The cached answer (never blocks): read-only is known at once, RBAC once `check` ran."""
        if self.readonly:
            return Verdict(False, "read-only mode")
        if self.live.client is None:
            return None
        if self._writer is not None and self._writer.client is not self.live.client:
            self._verdicts.clear()
        return self._verdicts.get(self._key(kind, namespace, verb))

    def check(self, kind: Kind, namespace: str, verb: str = "create") -> Verdict:
        """Ask (SelfSubjectAccessReview via Writer.permitted, cached 5 min there); blocks: worker threads only."""
        if self.live.client is None:
            return Verdict(False, "not connected yet", known=False)
        verdict = self.writer.permitted(kind, namespace, verb)
        self._verdicts[self._key(kind, namespace, verb)] = verdict
        return verdict

    def namespaces(self) -> tuple[str, ...]:
        """Where writes would go: the namespaces in scope (or the context's namespace)."""
        client = self.live.client
        return self.live.scope or ((client.namespace or "default",) if client is not None else ())

    def key_state(self, kind_ids: Iterable[str], verb: str) -> bool | None:
        """For `check_action`: False hides a write key (read-only), None shows it disabled (RBAC denies every
        kind in every namespace in scope), True otherwise (unknown yet: the action checks before it acts)."""
        if self.readonly:
            return False
        verdicts = [self.verdict(BY_ID[k], ns, verb) for k in kind_ids for ns in self.namespaces()]
        if verdicts and all(v is not None and not v.allowed for v in verdicts):
            return None
        return True

    def prefetch(self) -> None:
        """Once per context and scope: ask the server what this user may create and delete (in a thread), then
        refresh the key hints and say once which write actions are disabled and why."""
        if self.readonly or self.live.client is None or self.live.identity.connecting:
            return
        key = (self.live.identity.context, self.namespaces())
        if key in self._prefetched:
            return
        self._prefetched.add(key)
        writer, namespaces = self.writer, key[1]

        def run() -> None:
            denied = []
            for kind_id, verb in self.PREFETCH:
                for ns in namespaces:
                    v = self.check(BY_ID[kind_id], ns, verb)
                    if not v.allowed and v.known:
                        denied.append(f"{verb} {BY_ID[kind_id].kind}: {v.reason}")
            if writer is self._writer:
                try:
                    self.to_ui(lambda: self._prefetched_done(denied))
                except RuntimeError:  # the app is exiting
                    pass

        threading.Thread(target=run, daemon=True, name="dvpsnap-permissions").start()

    def _prefetched_done(self, denied: list[str]) -> None:
        self.refresh()
        if denied:
            self.notify("Disabled here by RBAC — " + "; ".join(denied), "warning")

    # ---- tracking ----------------------------------------------------------------------------
    def track(self, draft: Draft, outcome: Outcome) -> Operation | None:
        """Follow a created object by UID until its phase is terminal."""
        meta = (outcome.obj or {}).get("metadata", {})
        uid = meta.get("uid")
        if outcome.dry_run or not outcome.ok or not uid:
            return None
        op = self.tracker.start(Started(draft.kind.id, draft.kind.kind, meta.get("namespace", draft.namespace),
                                        meta.get("name", draft.name), uid, self.live.now(), outcome.request_id))
        self.follow()
        return op

    def follow(self) -> None:
        """After a flush: re-assess unfinished operations; a notification for each one that ended."""
        self.prefetch()
        if not self.tracker.active:
            return
        finished = self.tracker.update(self.live.view, self._link, self.live.now())
        for op in finished:
            severity: SeverityLevel = "information" if op.stage == "done" else (
                "warning" if op.stage == "deleted" else "error")
            self.notify(op.summary(), severity)
            if op.stage == "failed" and op.started.kind_id == "vmsnapshot":
                self._still_frozen(op)
        for listener in list(self.listeners):
            listener()

    def _still_frozen(self, op: Operation) -> None:
        """dvp-api §7.2 (seed): a VM snapshot that failed after the freeze may leave its VM frozen for good."""
        view = self.live.view
        snap = view.by_uid(VirtualMachineSnapshot, op.started.uid)
        vm = view.get(VirtualMachine, op.started.namespace, snap.spec.virtual_machine_name) if snap else None
        if vm is not None and vm_flags(vm).frozen:
            self.notify(f'VM "{vm.name}" is still frozen after the failed snapshot {op.started.name}, and nothing '
                        "in DVP thaws it: restart the VM, or ask an admin to call its unfreeze subresource.", "error")

    def _link(self, kind_id: str) -> tuple[str, str] | None:
        link = self.live.link(kind_id)
        return None if link is None else (link.state, link.reason)


def kind(kind_id: str) -> Kind:
    return BY_ID[kind_id]
