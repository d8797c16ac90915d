"""The write pipeline every request passes: names, unknown fields, defaults, schema, CEL rules, webhooks."""

from __future__ import annotations

import re
from typing import Any

from tui.sim import validation
from tui.sim.errors import ApiError, invalid
from tui.sim.resources import Cause, Reader, ResourceDef

Obj = dict[str, Any]
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
META_FIELDS = {
    "name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
    "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences",
    "finalizers", "managedFields", "selfLink",
}
SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)


def name_causes(d: ResourceDef, meta: Obj) -> list[Cause]:
    name = meta.get("name") or ""
    if not name:
        if meta.get("generateName"):
            return []
        return [Cause("FieldValueRequired", "Required value: name or generateName is required",
                      "metadata.name")]
    if d.kind == "Namespace":
        if len(name) > 63 or not DNS1123_LABEL.match(name):
            return [Cause("FieldValueInvalid", f'Invalid value: "{name}": {LABEL_MSG}', "metadata.name")]
        return []
    if len(name) > 253:
        return [Cause("FieldValueTooLong", f'Invalid value: "{name}": must be no more than 253 characters',
                      "metadata.name")]
    if not DNS1123_SUBDOMAIN.match(name):
        return [Cause("FieldValueInvalid", f'Invalid value: "{name}": {SUBDOMAIN_MSG}', "metadata.name")]
    return []


def admit(d: ResourceDef, obj: Obj, old: Obj | None, reader: Reader, field_validation: str,
          *, skip_names: bool = False, hooks: bool = True) -> tuple[Obj, list[str]]:
    """Validate and default `obj` for a create (old None) or update; returns it and the warnings.
    Raises ApiError for 400 (strict decoding), 422 (Invalid) and webhook denials."""
    warnings: list[str] = []
    if not isinstance(obj, dict):
        raise ApiError(400, "the object provided is unrecognized (must be of type Object)")
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        meta = obj["metadata"] = {}
    name = meta.get("name") or meta.get("generateName") or ""
    unknown = [f"metadata.{k}" for k in meta if k not in META_FIELDS]
    _, schema_unknown = validation.check(d.schema, obj)
    unknown += [u.lstrip(".") for u in schema_unknown]
    if unknown:
        mode = (field_validation or "Warn").capitalize()
        if mode == "Strict":
            text = ", ".join(f'unknown field "{u}"' for u in unknown)
            raise ApiError(400, f"strict decoding error: {text}", reason="BadRequest")
        for u in unknown:
            if u.startswith("metadata."):
                meta.pop(u.split(".", 1)[1], None)
        validation.prune(d.schema, obj)
        if mode == "Warn":
            warnings += [f'unknown field "{u}"' for u in unknown]
    validation.apply_defaults(d.schema, obj)
    causes = name_causes(d, meta) if not skip_names else []
    if d.namespaced and not meta.get("namespace"):
        causes.append(Cause("FieldValueRequired", "Required value", "metadata.namespace"))
    causes += validation.validate(d.schema, d.rules, obj, old)  # schema, then CEL rules unless blocked
    if causes:
        raise invalid(d, name, causes)
    for hook in d.admission if hooks else ():
        verdict = hook(obj, old, reader)
        if verdict.denial is not None:
            den = verdict.denial
            details = {"name": name, "group": d.group, "kind": d.plural,
                       "causes": [c.to_dict() for c in den.causes]} if den.causes else None
            raise ApiError(den.code, den.message, reason=den.reason, details=details)
        warnings += list(verdict.warnings)
    if d.deprecation_warning:
        warnings.append(d.deprecation_warning)
    return obj, warnings
