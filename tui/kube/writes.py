"""The single write path: read-only guard, permission check, strict dry run, idempotent create, journal."""

from __future__ import annotations

import copy
import json
import os
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tui.kube.access import Access, Verdict
from tui.kube.client import ApiError, KubeClient, TransportError
from tui.kube.kinds import Kind

REQUEST_ID = "dvpsnap.io/request-id"
STRICT = {"fieldValidation": "Strict"}
DRY = {"dryRun": "All", "fieldValidation": "Strict"}


class ReadOnlyViolation(Exception):
    """A write was attempted while read-only; nothing was sent."""


@dataclass(frozen=True)
class Outcome:
    """What the server said. `ok` = accepted (for a create, the object exists and is ours)."""

    ok: bool
    verb: str
    dry_run: bool
    code: int = 0
    reason: str = ""
    message: str = ""
    causes: tuple[Mapping[str, str], ...] = ()
    warnings: tuple[str, ...] = ()
    obj: Mapping[str, Any] | None = None
    request_id: str = ""
    recovered: bool = False  # the answer was lost and the object was found by its request id

    def kubectl_text(self, kind: str, name: str) -> str:
        """The error as kubectl prints it: one line, then one line per cause (field: message)."""
        if self.ok:
            return f"{kind.lower()}/{name} {'created (server dry run)' if self.dry_run else 'created'}"
        head = f"Error from server ({self.reason or self.code}): {self.message}"
        lines = [head] + [f"  {c.get('field', '')}: {c.get('message', '')}".rstrip(": ") for c in self.causes]
        return "\n".join(lines)


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return Path(base) / "dvpsnap"


@dataclass
class Journal:
    """One JSON line per write attempt; never a body, never a token or Secret data."""

    path: Path = field(default_factory=lambda: state_dir() / "journal.jsonl")
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, **entry: Any) -> None:
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **entry}
        line = json.dumps(entry, sort_keys=True)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
            os.chmod(self.path, 0o600)


class Writer:
    """Every mutating request of the app goes through one Writer (and so through `_guard`)."""

    def __init__(self, client: KubeClient, *, readonly: bool = False, journal: Journal | None = None,
                 access: Access | None = None) -> None:
        self.client = client
        self.readonly = readonly
        self.journal = journal or Journal()
        self.access = access or Access(client)

    # ---- guards ----------------------------------------------------------------------------
    def _guard(self) -> None:
        if self.readonly:
            raise ReadOnlyViolation("read-only mode: writes are disabled for this context")

    def permitted(self, kind: Kind, namespace: str, verb: str = "create") -> Verdict:
        """Whether the action may be offered: read-only first, then the user's RBAC (SSAR, cached)."""
        if self.readonly:
            return Verdict(False, "read-only mode")
        return self.access.can(verb, kind.group, kind.plural, namespace if kind.namespaced else "")

    # ---- writes ----------------------------------------------------------------------------
    def dry_run(self, kind: Kind, manifest: Mapping[str, Any]) -> Outcome:
        """POST with dryRun=All and strict field validation: the server's verdict, nothing stored."""
        self._guard()
        return self._post(kind, manifest, dry=True)

    def create(self, kind: Kind, manifest: Mapping[str, Any], request_id: str | None = None) -> Outcome:
        """Create once: tagged with a request id; a lost answer or 409 is resolved by reading it back."""
        self._guard()
        body = copy.deepcopy(dict(manifest))
        rid = request_id or body.get("metadata", {}).get("annotations", {}).get(REQUEST_ID) or str(uuid.uuid4())
        body.setdefault("metadata", {}).setdefault("annotations", {})[REQUEST_ID] = rid
        out = self._post(kind, body, dry=False, request_id=rid)
        if out.ok or not (out.code in (0, 409) and (out.code == 0 or out.reason == "AlreadyExists")):
            return out
        found = self._find(kind, body, rid)
        if found is not None:
            return found
        if out.code == 0:  # the request may never have arrived: one more try, then read back again
            retry = self._post(kind, body, dry=False, request_id=rid)
            if retry.ok:
                return retry
            return self._find(kind, body, rid) or retry
        return out

    def delete(self, kind: Kind, namespace: str, name: str, uid: str) -> Outcome:
        """DELETE with a UID precondition: never deletes an object recreated under the same name."""
        self._guard()
        body = {"apiVersion": "v1", "kind": "DeleteOptions", "preconditions": {"uid": uid},
                "propagationPolicy": "Background"}
        return self._send("delete", kind, namespace, name, "DELETE", kind.path(namespace, name), body, {})

    # ---- plumbing --------------------------------------------------------------------------
    def _post(self, kind: Kind, body: Mapping[str, Any], *, dry: bool, request_id: str = "") -> Outcome:
        meta = body.get("metadata", {})
        ns = meta.get("namespace", "")
        return self._send("create", kind, ns, meta.get("name", ""), "POST", kind.path(ns or None), dict(body),
                          DRY if dry else STRICT, dry=dry, request_id=request_id)

    def _send(self, verb: str, kind: Kind, namespace: str, name: str, method: str, path: str, body: Any,
              query: Mapping[str, str], *, dry: bool = False, request_id: str = "") -> Outcome:
        try:
            obj, warnings = self.client.send_json(method, path, body, query=dict(query))
            out = Outcome(True, verb, dry, 200, obj=obj, warnings=tuple(warnings), request_id=request_id)
        except ApiError as e:
            out = Outcome(False, verb, dry, e.status, e.reason, e.message, tuple(e.causes), request_id=request_id)
        except TransportError as e:
            out = Outcome(False, verb, dry, 0, "NoAnswer", f"no answer from the server: {e}",
                          request_id=request_id)
        self._record(out, kind, namespace, name)
        return out

    def _find(self, kind: Kind, body: Mapping[str, Any], rid: str) -> Outcome | None:
        meta = body.get("metadata", {})
        name, ns = meta.get("name", ""), meta.get("namespace", "")
        if not name:
            return None
        try:
            obj = self.client.get_json(kind.path(ns or None, name))
        except (ApiError, TransportError):
            return None
        theirs = (obj.get("metadata", {}).get("annotations") or {}).get(REQUEST_ID)
        if theirs != rid:
            return Outcome(False, "create", False, 409, "AlreadyExists",
                           f'{kind.plural}.{kind.group} "{name}" already exists (not created by this request)',
                           request_id=rid)
        out = Outcome(True, "create", False, 201, obj=obj, request_id=rid, recovered=True)
        self._record(out, kind, ns, name)
        return out

    def _record(self, out: Outcome, kind: Kind, namespace: str, name: str) -> None:
        self.journal.record(context=self.client.context, user=self.client.user, verb=out.verb,
                            kind=kind.kind, group=kind.group, namespace=namespace, name=name,
                            dry_run=out.dry_run, ok=out.ok, code=out.code, reason=out.reason,
                            message=out.message[:500], request_id=out.request_id, recovered=out.recovered)


def to_yaml(manifest: Mapping[str, Any]) -> str:
    """The exact YAML shown before creation (and for `d8 k apply -f -`)."""
    return yaml.safe_dump(json.loads(json.dumps(manifest)), sort_keys=False)


def apply_snippet(manifest: Mapping[str, Any]) -> str:
    return "d8 k apply -f - <<'EOF'\n" + to_yaml(manifest) + "EOF\n"
