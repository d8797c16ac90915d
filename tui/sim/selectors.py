"""Label and field selectors as the apiserver parses them (=, ==, !=, in, notin, exists, !exists)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tui.sim.errors import ApiError

Obj = dict[str, Any]
Match = Callable[[Obj], bool]

_SET = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQ = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)\s*$")


def _split(text: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def _eq(k: str, v: str, negate: bool) -> Callable[[dict[str, str]], bool]:
    return lambda lab: (lab.get(k) == v) != negate


def _in(k: str, vals: set[str], negate: bool) -> Callable[[dict[str, str]], bool]:
    return lambda lab: (lab.get(k) in vals) != negate


def _has(k: str, negate: bool) -> Callable[[dict[str, str]], bool]:
    return lambda lab: (k in lab) != negate


def label_selector(text: str | None) -> Match:
    """A predicate over objects for `labelSelector`; 400 BadRequest on a malformed selector."""
    if not text:
        return lambda o: True
    tests: list[Callable[[dict[str, str]], bool]] = []
    for part in _split(text):
        m = _EQ.match(part)
        if m:
            k, op, v = m.groups()
            tests.append(_eq(k, v, op == "!="))
            continue
        m = _SET.match(part)
        if not m:
            raise ApiError(400, f"unable to parse requirement: found '{part.strip()}', expected: identifier")
        neg, k, op, values = m.groups()
        if op:
            vals = {x.strip() for x in values.split(",") if x.strip()}
            tests.append(_in(k, vals, op == "notin"))
        else:
            tests.append(_has(k, bool(neg)))

    def match(o: Obj) -> bool:
        lab = o.get("metadata", {}).get("labels") or {}
        return all(t(lab) for t in tests)

    return match


FIELDS: dict[str, Callable[[Obj], str]] = {
    "metadata.name": lambda o: o.get("metadata", {}).get("name", ""),
    "metadata.namespace": lambda o: o.get("metadata", {}).get("namespace", ""),
    # core Events are commonly filtered by the object they are about
    "involvedObject.name": lambda o: o.get("involvedObject", {}).get("name", ""),
    "involvedObject.uid": lambda o: o.get("involvedObject", {}).get("uid", ""),
    "involvedObject.kind": lambda o: o.get("involvedObject", {}).get("kind", ""),
    "involvedObject.namespace": lambda o: o.get("involvedObject", {}).get("namespace", ""),
    "type": lambda o: o.get("type", ""),
}


def field_selector(text: str | None, kind: str = "") -> Match:
    """A predicate for `fieldSelector` (metadata.name / metadata.namespace, and Event fields)."""
    if not text:
        return lambda o: True
    tests: list[Match] = []
    for part in _split(text):
        m = _EQ.match(part)
        if not m or m.group(1) not in FIELDS:
            label = m.group(1) if m else part.strip()
            raise ApiError(400, f'"{label}" is not a known field selector: only "metadata.name", '
                           '"metadata.namespace"')
        k, op, v = m.groups()
        tests.append(_field(FIELDS[k], v, op == "!="))
    return lambda o: all(t(o) for t in tests)


def _field(get: Callable[[Obj], str], v: str, negate: bool) -> Match:
    return lambda o: (get(o) == v) != negate
