"""The `:` command language: a kind by any name (discovery short names too), tree, ns, ctx, help, quit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from tui.kube import kinds
from tui.kube.capabilities import Capabilities

QUIT = ("q", "quit", "q!")
NS = ("ns", "namespace", "namespaces")
CTX = ("ctx", "context", "contexts")
TREE = ("tree",)
HELP = ("help", "?")
OPS = ("ops", "operations")
HYGIENE = ("hygiene",)
ALL = ("all", "-A", "--all-namespaces")
VERBS = (*QUIT[:2], *NS[:1], *CTX[:1], *TREE, *HELP[:1], *OPS[:1], *HYGIENE)


class CommandError(ValueError):
    """What was typed cannot be run; the message says why."""


@dataclass(frozen=True)
class Command:
    """A parsed command: `verb` is list, tree, ns, ctx, help, ops, hygiene or quit; `arg` a namespace or
    context."""

    verb: str
    kind: kinds.Kind | None = None
    arg: str = ""
    note: str = ""

    @property
    def all_namespaces(self) -> bool:
        return self.arg in ALL


def discovered(caps: Capabilities) -> Mapping[str, list[str]]:
    """plural → the names discovery gives it on the connected cluster (short names and singular)."""
    out: dict[str, list[str]] = {}
    for alias, plural in caps.aliases.items():
        out.setdefault(plural, []).append(alias)
    return out


def parse(text: str, caps: Capabilities) -> Command:
    words = text.strip().lstrip(":").split()
    if not words:
        raise CommandError("empty command")
    head, arg = words[0].lower(), " ".join(words[1:])
    if head in QUIT:
        return Command("quit")
    if head in HELP:
        return Command("help")
    if head in OPS:
        return Command("ops")
    if head in HYGIENE:
        return Command("hygiene", arg=arg)
    if head in TREE:
        return Command("tree", arg=arg)
    if head in NS:
        return Command("ns", arg=arg)
    if head in CTX:
        return Command("ctx", arg=arg)
    kind = kinds.resolve_alias(head, discovered(caps))
    if kind is None:
        raise CommandError(f"unknown command or kind “{head}”")
    note = "" if head in kind.names else f"{head} → {kind.kind}"
    return Command("list", kind, arg, note)


def names(caps: Capabilities) -> list[str]:
    """Every first word that means something here, shortest first."""
    found = {*VERBS, *(n for k in kinds.KINDS for n in k.names if "." not in n), *caps.aliases}
    return sorted(found, key=lambda n: (len(n), n))


def complete(text: str, caps: Capabilities, namespaces: Iterable[str], contexts: Iterable[str]) -> list[str]:
    """Full candidate values for what was typed, best first."""
    if " " not in text.strip() and not text.endswith(" "):
        typed = text.strip().lower()
        return [n for n in names(caps) if n.startswith(typed)]
    head, _, tail = text.partition(" ")
    tail = tail.lstrip()
    if head.lower() in CTX:
        pool: Iterable[str] = contexts
    elif head.lower() in NS or head.lower() in TREE or kinds.resolve_alias(head, discovered(caps)):
        pool = ["all", *namespaces]
    else:
        return []
    return [f"{head} {c}" for c in pool if c.startswith(tail)]
