"""Kubernetes-shaped API errors (metav1.Status) raised by the simulated server and store."""

from __future__ import annotations

from typing import Any

from tui.sim.resources import Cause, ResourceDef

Obj = dict[str, Any]

REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    410: "Expired",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


class ApiError(Exception):
    """An error answer: HTTP code plus a Status body."""

    def __init__(
        self,
        code: int,
        message: str,
        reason: str | None = None,
        details: Obj | None = None,
        headers: dict[str, str] | None = None,
        metadata: Obj | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason if reason is not None else REASONS.get(code, "")
        self.details = details
        self.headers = headers or {}
        self.metadata = metadata or {}

    def status(self) -> Obj:
        body: Obj = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": self.metadata,
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def resource_name(d: ResourceDef) -> str:
    """`plural.group` as the apiserver names a resource in messages (core: just the plural)."""
    return f"{d.plural}.{d.group}" if d.group else d.plural


def not_found(d: ResourceDef, name: str) -> ApiError:
    return ApiError(
        404,
        f'{resource_name(d)} "{name}" not found',
        details={"name": name, "group": d.group, "kind": d.plural},
    )


def already_exists(d: ResourceDef, name: str) -> ApiError:
    return ApiError(
        409,
        f'{resource_name(d)} "{name}" already exists',
        reason="AlreadyExists",
        details={"name": name, "group": d.group, "kind": d.plural},
    )


def conflict(d: ResourceDef, name: str, why: str) -> ApiError:
    return ApiError(
        409,
        f'Operation cannot be fulfilled on {resource_name(d)} "{name}": {why}',
        reason="Conflict",
        details={"name": name, "group": d.group, "kind": d.plural},
    )


STALE = "the object has been modified; please apply your changes to the latest version and try again"


def invalid(d: ResourceDef, name: str, causes: list[Cause]) -> ApiError:
    """422 Invalid listing each cause the way the apiserver aggregates them."""
    parts = [f"{c.field}: {c.message}" if c.field else c.message for c in causes]
    joined = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    return ApiError(
        422,
        f'{d.kind}.{d.group or "core"} "{name}" is invalid: {joined}'
        if d.group
        else f'{d.kind} "{name}" is invalid: {joined}',
        details={
            "name": name,
            "group": d.group,
            "kind": d.kind,
            "causes": [c.to_dict() for c in causes],
        },
    )
