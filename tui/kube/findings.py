"""Preflight findings (ok / warning / blocker) and the per-generation wording of an unmet precondition."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, NamedTuple

from tui.kube.names import non_conflicting, subdomain_problem
from tui.kube.objects import KubeObject
from tui.kube.relations import View, disk_snapshots
from tui.kube.wizard_rules import Rules

Level = Literal["ok", "warning", "blocker"]
_RANK: dict[Level, int] = {"ok": 0, "warning": 1, "blocker": 2}


class Finding(NamedTuple):
    """One preflight result: `code` is stable (tests, UI icons), `message` says why in the contract's words."""

    level: Level
    code: str
    message: str


def ok(code: str, message: str) -> Finding:
    return Finding("ok", code, message)


def warning(code: str, message: str) -> Finding:
    return Finding("warning", code, message)


def blocker(code: str, message: str) -> Finding:
    return Finding("blocker", code, message)


def blocked(findings: Iterable[Finding]) -> bool:
    """Whether any finding forbids submitting."""
    return any(f.level == "blocker" for f in findings)


def worst(findings: Iterable[Finding]) -> Level:
    return max((f.level for f in findings), key=_RANK.__getitem__, default="ok")


def codes(findings: Iterable[Finding]) -> set[str]:
    return {f.code for f in findings}


def precondition(rules: Rules, code: str, situation: str, *, wait: str, fail: str, what: str = "snapshot",
                 ) -> Finding:
    """An unmet snapshot precondition. seed/cse: the object waits in Pending (`wait` is the controller's
    message) and then runs without further confirmation (warning); v1.8+: it fails at once (blocker)."""
    if rules.waits:
        return warning(code, f"{situation} — the {what} will wait in Pending ({wait}) and then start by "
                             "itself, at a moment nobody chose, once this is resolved.")
    return blocker(code, f"{situation} — the {what} will fail at once ({fail}); Failed is final, a retry "
                         "needs a new object.")


def name_findings(view: View, cls: type[KubeObject], plural: str, namespace: str, name: str,
                  group: str = "virtualization.deckhouse.io") -> list[Finding]:
    """`metadata.name` is valid and not taken (409 avoidance); a free alternative is suggested."""
    if problem := subdomain_problem(name):
        return [blocker("name-invalid", f'metadata.name: Invalid value: "{name}": {problem}')]
    if view.get(cls, namespace, name) is not None:
        taken = {o.name for o in view.all(cls, namespace)}
        return [blocker("name-taken", f'{plural}.{group} "{name}" already exists — {non_conflicting(name, taken)} '
                                      "is free.")]
    return []


def failed_snapshots(view: View, rules: Rules, namespace: str, disks: Iterable[str], vm: str, this_disk: str = "",
                     ) -> list[Finding]:
    """seed/cse: Failed disk snapshots thaw their VM on every reconcile and keep their disk's Snapshotting."""
    if not rules.failed_snapshot_interferes:
        return []
    failed = {d: [s.name for s in disk_snapshots(view, namespace, d) if s.phase == "Failed"] for d in disks}
    every = [n for names in failed.values() for n in names]
    out = []
    if every and vm:
        out.append(warning("failed-snapshots-thaw", f'Failed disk snapshots of VM "{vm}"\'s disks ({", ".join(every)}) '
                                                    "thaw the VM whenever they are reconciled and can break this "
                                                    "snapshot's freeze: delete them first."))
    if failed.get(this_disk):
        out.append(warning("failed-snapshot-holds-disk", f"Failed snapshot(s) {', '.join(failed[this_disk])} of disk "
                                                         f'"{this_disk}" keep its Snapshotting condition True, which '
                                                         "holds back resizing until they are deleted."))
    return out
