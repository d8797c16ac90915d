"""The `/` filter (k9s syntax): regex or text, `! re` inverse, `-l sel` label selector, `-f term` fuzzy."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

Labels = Mapping[str, str] | None
_EQ = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)\s*$")
_SET = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")


@dataclass(frozen=True)
class Filter:
    """A parsed filter; `matches` takes the row's texts and the object's labels."""

    text: str
    test: Callable[[Sequence[str], Labels], bool]
    describe: str

    def matches(self, texts: Sequence[str], labels: Labels = None) -> bool:
        return self.test(texts, labels)


def parse(text: str) -> Filter | None:
    """Parse what was typed after `/`; None for an empty filter; ValueError for a bad label selector."""
    raw = text.strip()
    if not raw:
        return None
    if raw.startswith("-l"):
        selector = label_selector(raw[2:].strip())
        return Filter(raw, lambda texts, labels: selector(labels or {}), f"labels {raw[2:].strip()}")
    if raw.startswith("-f"):
        term = raw[2:].strip().casefold()
        return Filter(raw, lambda texts, labels: any(_fuzzy(term, t.casefold()) for t in texts),
                      f"fuzzy {term}")
    inverse = raw.startswith("!")
    pattern = _regex(raw[1:].strip() if inverse else raw)
    if inverse:
        return Filter(raw, lambda texts, labels: not any(pattern.search(t) for t in texts), f"not {raw[1:]}")
    return Filter(raw, lambda texts, labels: any(pattern.search(t) for t in texts), raw)


def _regex(text: str) -> re.Pattern[str]:
    try:
        return re.compile(text, re.IGNORECASE)
    except re.error:
        return re.compile(re.escape(text), re.IGNORECASE)


def _fuzzy(term: str, text: str) -> bool:
    """Every character of `term` appears in `text` in order."""
    at = 0
    for ch in term:
        at = text.find(ch, at) + 1
        if at == 0:
            return False
    return True


def _split(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p for p in [*parts, cur] if p.strip()]


@dataclass(frozen=True)
class Requirement:
    """One label requirement: `op` is =, !=, in, notin, exists or !exists."""

    key: str
    op: str
    values: frozenset[str] = frozenset()

    def __call__(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        if self.op == "exists":
            return value is not None
        if self.op == "!exists":
            return value is None
        if self.op == "!=":
            return value not in self.values
        if self.op == "notin":
            return value not in self.values
        return value in self.values


def label_selector(text: str) -> Callable[[Mapping[str, str]], bool]:
    """A predicate for a Kubernetes label selector (=, ==, !=, in, notin, exists, !exists)."""
    tests: list[Requirement] = []
    for part in _split(text):
        m = _EQ.match(part)
        if m:
            key, op, value = m.groups()
            tests.append(Requirement(key, "!=" if op == "!=" else "in", frozenset({value})))
            continue
        m = _SET.match(part)
        if not m:
            raise ValueError(f"cannot parse label requirement {part.strip()!r}")
        neg, key, op, values = m.groups()
        if op:
            tests.append(Requirement(key, op, frozenset(x.strip() for x in values.split(",") if x.strip())))
        else:
            tests.append(Requirement(key, "!exists" if neg else "exists"))
    if not tests:
        raise ValueError("empty label selector")
    return lambda labels: all(t(labels) for t in tests)
