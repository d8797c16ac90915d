"""Objects created from dvpsnap, followed by UID until their phase is terminal (pure; no Textual).

Stages, in the words the operations pane uses (never "done" for a mere 201):

- ``accepted``    the server stored the object; no controller has written a phase yet (or the watch has not
                  delivered it yet);
- ``in progress`` a controller works on it: phase, the condition message (with ``(n/m)`` for VM snapshots,
                  ``status.progress`` for operations) and the elapsed time;
- ``done``        terminal success (Ready, Completed, Superseded);
- ``failed``      terminal failure, with reason and message;
- ``uncertain``   the watch of its kind is lost (stale, reconnecting, denied): the last known state is kept
                  and the link's reason is shown; it resolves by itself once the watch is back;
- ``deleted``     it disappeared before reaching a terminal phase (terminal).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from tui.kube.display import is_terminal, progress_fraction, why_line
from tui.kube.objects import KubeObject, VirtualDiskSnapshot, VirtualMachineOperation, VirtualMachineSnapshot
from tui.kube.relations import View
from tui.kube.store import DENIED, LIVE, RECONNECTING, STALE

Stage = Literal["accepted", "in progress", "done", "failed", "uncertain", "deleted"]
TERMINAL: frozenset[str] = frozenset({"done", "failed", "deleted"})
LOST = (STALE, RECONNECTING, DENIED)

LinkOf = Callable[[str], tuple[str, str] | None]
"""kind id → (link state, reason) of its watch, or None when the kind is not watched."""


@dataclass(frozen=True)
class Started:
    """What was created: its kind (id and Kind name), where, its UID and when the request was accepted."""

    kind_id: str
    kind: str
    namespace: str
    name: str
    uid: str
    at: datetime
    request_id: str = ""


@dataclass(frozen=True)
class Operation:
    """The last assessment of one tracked object."""

    started: Started
    stage: Stage = "accepted"
    phase: str = ""
    reason: str = ""
    message: str = ""
    progress: str = ""  # "(2/3)" for a VM snapshot, status.progress ("45%") for an operation
    consistent: bool | None = None
    ended: datetime | None = None
    seen: bool = False  # the watch has delivered it at least once
    link_reason: str = ""  # why the stage is uncertain

    @property
    def terminal(self) -> bool:
        return self.stage in TERMINAL

    def elapsed(self, now: datetime) -> float:
        """Seconds from acceptance to the end (or to `now` while it runs)."""
        return max(0.0, ((self.ended or now) - self.started.at).total_seconds())

    def summary(self) -> str:
        """One line for a notification or a cell: what it is and where it stands."""
        what = f"{self.started.kind} {self.started.name}"
        if self.stage == "done":
            extra = " (consistent)" if self.consistent else ""
            return f"{what}: {self.phase}{extra}"
        if self.stage == "failed":
            why = ": ".join(p for p in (self.reason, self.message) if p)
            return f"{what}: {self.phase or 'Failed'}" + (f" — {why}" if why else "")
        if self.stage == "deleted":
            return f"{what}: deleted before it finished"
        if self.stage == "uncertain":
            return f"{what}: uncertain — {self.link_reason}"
        return f"{what}: {self.stage}" + (f" {self.progress}" if self.progress else "")


def _progress(obj: KubeObject, message: str) -> str:
    if isinstance(obj, VirtualMachineOperation) and obj.status.progress:
        return str(obj.status.progress)
    frac = progress_fraction(message)
    return f"({frac[0]}/{frac[1]})" if frac else ""


def assess(op: Operation, obj: KubeObject | None, link: tuple[str, str] | None, now: datetime) -> Operation:
    """The next state of `op` given the cached object (None: not in the cache) and its kind's watch link."""
    if op.terminal:
        return op
    state, reason = link if link is not None else ("", "")
    if state in LOST:
        return replace(op, stage="uncertain", link_reason=f"watch {state}" + (f": {reason}" if reason else ""))
    if obj is None:
        if op.seen and state == LIVE:
            return replace(op, stage="deleted", ended=now, link_reason="")
        return replace(op, stage="accepted" if not op.seen else op.stage, link_reason="")
    why = why_line(obj)
    message, cause = (why.message, why.reason) if why is not None else ("", "")
    consistent = obj.status.consistent if isinstance(obj, VirtualDiskSnapshot | VirtualMachineSnapshot) else None
    base = replace(op, seen=True, phase=obj.phase, reason=cause, message=message, link_reason="",
                   progress=_progress(obj, message), consistent=consistent)
    if obj.deleting:
        return replace(base, stage="in progress", phase="Terminating")
    if is_terminal(obj):
        ok = obj.phase != "Failed"
        return replace(base, stage="done" if ok else "failed", ended=now)
    return replace(base, stage="in progress" if obj.phase else "accepted")


class Tracker:
    """Every object created from this session, by UID, newest first; `update` returns the ones that just ended."""

    def __init__(self) -> None:
        self._ops: dict[str, Operation] = {}

    def start(self, started: Started) -> Operation:
        op = self._ops.get(started.uid) or Operation(started)
        self._ops[started.uid] = op
        return op

    def get(self, uid: str) -> Operation | None:
        return self._ops.get(uid)

    def items(self) -> list[Operation]:
        return sorted(self._ops.values(), key=lambda o: o.started.at, reverse=True)

    @property
    def active(self) -> int:
        return sum(1 for o in self._ops.values() if not o.terminal)

    def update(self, view: View, link: LinkOf, now: datetime) -> list[Operation]:
        """Re-assess every unfinished operation against `view`; the ones that became terminal now."""
        finished = []
        for uid, op in list(self._ops.items()):
            if op.terminal:
                continue
            objs: Mapping[str, KubeObject] = view.objects.get(op.started.kind_id, {})
            new = assess(op, objs.get(uid), link(op.started.kind_id), now)
            self._ops[uid] = new
            if new.terminal:
                finished.append(new)
        return finished
