"""Authentication by bearer token and a policy table for authorization (default: allow all)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    """Allow or deny `verbs` on `group/resource` for `user` in `namespace` ("*" matches anything;
    namespace "" = cluster scope only)."""

    user: str = "*"
    verbs: tuple[str, ...] = ("*",)
    group: str = "*"
    resource: str = "*"
    namespace: str = "*"
    allow: bool = True

    def matches(self, user: str, verb: str, group: str, resource: str, namespace: str) -> bool:
        return (
            self.user in ("*", user)
            and ("*" in self.verbs or verb in self.verbs)
            and self.group in ("*", group)
            and self.resource in ("*", resource)
            and self.namespace in ("*", namespace)
        )


@dataclass
class Policy:
    """First matching rule wins; no rule matches → `default_allow`."""

    rules: list[Rule] = field(default_factory=list)
    default_allow: bool = True
    tokens: dict[str, tuple[str, float | None]] = field(default_factory=dict)  # token → (user, expiry)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add_token(self, token: str, user: str, ttl: float | None = None) -> None:
        with self._lock:
            self.tokens[token] = (user, time.time() + ttl if ttl else None)

    def authenticate(self, header: str | None) -> str | None:
        if not header or not header.startswith("Bearer "):
            return None
        with self._lock:
            hit = self.tokens.get(header[7:].strip())
        if hit is None:
            return None
        user, expiry = hit
        if expiry is not None and time.time() > expiry:
            return None
        return user

    def allowed(self, user: str, verb: str, group: str, resource: str, namespace: str) -> bool:
        with self._lock:
            rules = list(self.rules)
        for r in rules:
            if r.matches(user, verb, group, resource, namespace):
                return r.allow
        return self.default_allow

    def forbid(self, **kw: object) -> None:
        """Prepend a deny rule (tests): forbid(user="alice", verbs=("create",), resource="...")."""
        with self._lock:
            self.rules.insert(0, Rule(allow=False, **kw))  # type: ignore[arg-type]

    def permit(self, **kw: object) -> None:
        with self._lock:
            self.rules.insert(0, Rule(allow=True, **kw))  # type: ignore[arg-type]


def forbidden_message(user: str, verb: str, group: str, resource: str, namespace: str, name: str = "") -> str:
    """The apiserver's RBAC denial text."""
    what = f"{resource}.{group}" if group else resource
    subject = f'{what} "{name}"' if name else what
    scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    return (f'{subject} is forbidden: User "{user}" cannot {verb} resource "{resource}" '
            f'in API group "{group}" {scope}')
