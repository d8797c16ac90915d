"""Definitions of the kinds the simulated API server serves, and the registry that holds them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Obj = dict[str, Any]


@dataclass(frozen=True)
class Cause:
    """One reason a write is refused, shaped like metav1.StatusCause."""

    reason: str  # FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueTooLong, ...
    message: str
    field: str = ""

    def to_dict(self) -> Obj:
        out: Obj = {"reason": self.reason, "message": self.message}
        if self.field:
            out["field"] = self.field
        return out


@dataclass(frozen=True)
class Denial:
    """An admission refusal: HTTP code, reason and message (e.g. a webhook's 403)."""

    code: int
    reason: str
    message: str
    causes: tuple[Cause, ...] = ()


@dataclass(frozen=True)
class Admission:
    """What an admission hook says: a denial, or warnings to return in the `Warning` header."""

    denial: Denial | None = None
    warnings: tuple[str, ...] = ()


# A rule sees (new object, old object or None on create, the store-like reader) and returns causes.
# Rules model CEL x-kubernetes-validations: their causes end up in a 422 Invalid.
Rule = Callable[[Obj, Obj | None], Iterable[Cause]]
# An admission hook models a validating webhook; it may read the cluster through `reader`.
AdmissionHook = Callable[[Obj, Obj | None, "Reader"], Admission]


@dataclass
class ResourceDef:
    """One served kind: naming, scope, schema, printer columns and admission behaviour."""

    group: str  # "" for the core group
    version: str
    kind: str
    plural: str
    namespaced: bool
    schema: Obj = field(default_factory=lambda: {"type": "object", "x-kubernetes-preserve-unknown-fields": True})
    singular: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = (
        "create", "delete", "deletecollection", "get", "list", "patch", "update", "watch",
    )
    # additionalPrinterColumns as in a CRD: {"name", "type", "jsonPath", "priority"?, "description"?}
    columns: tuple[Obj, ...] = ()
    status_subresource: bool = True
    custom: bool = True  # a CRD: strategic merge patch is refused with 415
    deprecation_warning: str | None = None
    rules: tuple[Rule, ...] = ()
    admission: tuple[AdmissionHook, ...] = ()
    # Create-only endpoints (SelfSubjectAccessReview): handled by the server, never stored.
    virtual: bool = False

    def __post_init__(self) -> None:
        if not self.singular:
            self.singular = self.kind.lower()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> str:
        """The registry key: `group/version/plural` (core: `v1/plural`)."""
        return f"{self.api_version}/{self.plural}"

    def base_path(self, namespace: str | None = None) -> str:
        prefix = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            return f"{prefix}/namespaces/{namespace}/{self.plural}"
        return f"{prefix}/{self.plural}"


@dataclass
class Registry:
    """All kinds one simulated cluster serves, looked up by group/version and plural or by kind."""

    defs: dict[str, ResourceDef] = field(default_factory=dict)

    def add(self, *defs: ResourceDef) -> None:
        for d in defs:
            self.defs[d.key] = d

    def remove(self, group: str, plural: str) -> None:
        for key in [k for k, d in self.defs.items() if d.group == group and d.plural == plural]:
            del self.defs[key]

    def get(self, group: str, version: str, plural: str) -> ResourceDef | None:
        api_version = f"{group}/{version}" if group else version
        return self.defs.get(f"{api_version}/{plural}")

    def by_kind(self, api_version: str, kind: str) -> ResourceDef | None:
        for d in self.defs.values():
            if d.api_version == api_version and d.kind == kind:
                return d
        return None

    def find_kind(self, kind: str) -> ResourceDef | None:
        """The served definition of a kind in any group (first match)."""
        for d in self.defs.values():
            if d.kind == kind:
                return d
        return None

    def groups(self) -> dict[str, list[str]]:
        """Group name → versions served (core group excluded)."""
        out: dict[str, list[str]] = {}
        for d in self.defs.values():
            if d.group:
                versions = out.setdefault(d.group, [])
                if d.version not in versions:
                    versions.append(d.version)
        return out

    def in_group_version(self, group: str, version: str) -> list[ResourceDef]:
        return [d for d in self.defs.values() if d.group == group and d.version == version]


class Reader:
    """Read access to the simulated cluster for admission hooks and controllers (implemented by the store)."""

    def get(self, key: str, namespace: str | None, name: str) -> Obj | None:
        """The stored object of resource `key` (a ResourceDef.key) or None."""
        raise NotImplementedError

    def list(self, key: str, namespace: str | None = None) -> list[Obj]:
        """All stored objects of resource `key`, in one namespace or all (None)."""
        raise NotImplementedError
