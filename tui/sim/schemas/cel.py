"""CEL x-kubernetes-validations modelled as Python predicates that return the CRDs' exact messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tui.sim.resources import Cause, Obj


@dataclass(frozen=True)
class Cel:
    """One rule on the schema node at `path` ("spec", "spec.clone", "spec.sizingPolicies[].cores").

    `check(self)` says whether the node is valid; a transition rule uses `transition(self, oldSelf)` and
    runs only on update when the old object has the node (never under list items, as in Kubernetes).
    A failure is the apiserver's `<field>: Invalid value: "<node type>": <message>` (HTTP 422).
    """

    path: str
    message: str
    check: Callable[[Any], bool] | None = None
    transition: Callable[[Any, Any], bool] | None = None
    node_type: str = "object"

    def __call__(self, new: Obj, old: Obj | None) -> list[Cause]:
        olds: dict[str, Any] = {}
        if self.transition is not None:
            if old is None or "[]" in self.path:
                return []
            olds = dict(resolve(old, self.path))
        out: list[Cause] = []
        for field, value in resolve(new, self.path):
            if self.transition is not None and field not in olds:
                continue
            if not self._holds(value, olds.get(field)):
                text = f'Invalid value: "{self.node_type}": {self.message}'
                out.append(Cause("FieldValueInvalid", text, field))
        return out

    def _holds(self, value: Any, old: Any) -> bool:
        """The rule's verdict; an evaluation error (a field of the wrong shape) counts as a failure."""
        try:
            if self.transition is not None:
                return self.transition(value, old)
            return self.check is None or self.check(value)
        except (KeyError, TypeError, ValueError, AttributeError):
            return False


def resolve(obj: Any, path: str) -> list[tuple[str, Any]]:
    """The values at a schema path, with their concrete field paths (`x[]` walks every item of x)."""
    found: list[tuple[str, Any]] = [("", obj)]
    for token in path.split("."):
        name, each = (token[:-2], True) if token.endswith("[]") else (token, False)
        nxt: list[tuple[str, Any]] = []
        for where, value in found:
            if not isinstance(value, dict) or value.get(name) is None:
                continue
            here = f"{where}.{name}" if where else name
            if not each:
                nxt.append((here, value[name]))
            elif isinstance(value[name], list):
                nxt.extend((f"{here}[{i}]", item) for i, item in enumerate(value[name]))
        found = nxt
    return found


def immutable(path: str, message: str, node_type: str = "object") -> Cel:
    """`self == oldSelf`."""
    return Cel(path, message, transition=lambda new, old: bool(new == old), node_type=node_type)


def kept_once_set(path: str, key: str, message: str) -> Cel:
    """`!has(oldSelf.key) || has(self.key)`."""
    return Cel(path, message, transition=lambda new, old: not has(old, key) or has(new, key))


def has(node: Any, key: str) -> bool:
    """CEL `has(node.key)`."""
    return isinstance(node, dict) and key in node


def size_between(value: Any, low: int, high: int) -> bool:
    return isinstance(value, str | list) and low <= len(value) <= high


def exactly_one(node: Any, *keys: str) -> bool:
    return sum(1 for key in keys if has(node, key)) == 1
