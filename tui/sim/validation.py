"""Structural-schema validation, defaulting and pruning, worded like the Kubernetes apiserver's."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from typing import Any

from tui.sim.resources import Cause, Obj, Rule

# Top-level fields the server handles itself (metadata is validated as ObjectMeta, not by the schema).
ROOT_SKIP = ("apiVersion", "kind", "metadata")
PRESERVE = "x-kubernetes-preserve-unknown-fields"
EMBEDDED = "x-kubernetes-embedded-resource"
INT_OR_STRING = "x-kubernetes-int-or-string"
NIL_FIELD = "<nil>"  # how the apiserver names the field of an error that has no path
CEL_BLOCKED = Cause(
    "FieldValueInvalid",
    'Invalid value: "null": some validation rules were not checked because the object was invalid; '
    "correct the existing errors to complete validation",
    NIL_FIELD,
)
# Schema errors that stop CEL rules from running (apiextensions-apiserver `hasBlockingErr`).
BLOCKING = frozenset(
    {"FieldValueNotSupported", "FieldValueRequired", "FieldValueTooLong", "FieldValueTooMany",
     "FieldValueTypeInvalid"}
)
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"))


def check(schema: Obj, obj: Obj) -> tuple[list[Cause], list[str]]:
    """Schema violations of `obj` as apiserver causes, and the paths of fields the schema does not know.

    Top-level apiVersion/kind/metadata are skipped. The apiserver validates after pruning and defaulting
    (decode → prune → default → validate); `check` gives that verdict in any order: a missing required
    field or a null that has a default is not reported. Unknown paths are named as the apiserver's
    strict decoding error names them (`spec.volumeSnapshotClassName`, `spec.items[0].x`).
    """
    causes: list[Cause] = []
    unknown: list[str] = []
    _walk(schema, obj, "", causes, unknown, root=True)
    return causes, unknown


def validate(schema: Obj, rules: Iterable[Rule], obj: Obj, old: Obj | None = None) -> list[Cause]:
    """Schema causes, then the CEL-like rules unless a blocking schema error stops them (as the apiserver)."""
    causes, _ = check(schema, obj)
    if any(c.reason in BLOCKING for c in causes):
        return [*causes, CEL_BLOCKED]
    for rule in rules:
        causes.extend(rule(obj, old))
    return causes


def strict_error(unknown: Iterable[str]) -> str:
    """The 400 BadRequest text for unknown fields with `fieldValidation=Strict`."""
    return "strict decoding error: " + ", ".join(unknown_warnings(unknown))


def unknown_warnings(unknown: Iterable[str]) -> list[str]:
    """The `Warning` header texts for unknown fields with `fieldValidation=Warn` (the server default)."""
    return [f"unknown field {_quote(p)}" for p in unknown]


def prune(schema: Obj, obj: Obj) -> list[str]:
    """Drop fields the schema does not know, in place; return their paths."""
    dropped: list[str] = []
    _walk(schema, obj, "", None, dropped, root=True)
    return dropped


def apply_defaults(schema: Obj, obj: Obj) -> None:
    """Apply `default`s in place (also inside defaulted values); nulls of non-nullable fields without
    a default are dropped first, as the apiserver does."""
    _default(schema, obj, root=True)


# --------------------------------------------------------------------------------------- walking


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _children(schema: Obj, value: Obj, root: bool) -> list[tuple[str, Obj | None]]:
    """(key, schema) of each field to descend into; schema None marks an unknown field."""
    props: Obj = schema.get("properties") or {}
    extra = schema.get("additionalProperties")
    out: list[tuple[str, Obj | None]] = []
    for key in value:
        if root and key in ROOT_SKIP:
            continue
        if key in props:
            out.append((key, props[key]))
        elif isinstance(extra, dict):
            out.append((key, extra))
        elif not (extra is True or schema.get(PRESERVE) or (schema.get(EMBEDDED) and key in ROOT_SKIP)):
            out.append((key, None))
    return out


def _walk(schema: Obj, value: Any, path: str, causes: list[Cause] | None, unknown: list[str],
          root: bool = False) -> None:
    """Validate (causes given) or prune (causes None) one node and its children."""
    if causes is not None:
        causes.extend(_local(schema, value, path))
    if isinstance(value, dict) and _is_object(schema):
        for key, sub in _children(schema, value, root):
            if sub is None:
                unknown.append(_join(path, key))
                if causes is None:
                    del value[key]
            else:
                _walk(sub, value[key], _join(path, key), causes, unknown)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _walk(schema["items"], item, f"{path}[{i}]", causes, unknown)


def _default(schema: Obj, value: Any, root: bool = False) -> None:
    if isinstance(value, dict):
        props: Obj = schema.get("properties") or {}
        for key, sub in props.items():
            if root and key in ROOT_SKIP:
                continue
            if key not in value or (value[key] is None and not sub.get("nullable")):
                if "default" in sub:
                    value[key] = json.loads(json.dumps(sub["default"]))
                elif key in value:
                    del value[key]
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            if sub is not None and not (root and key in ROOT_SKIP):
                _default(sub, item)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _default(schema["items"], item)


def _is_object(schema: Obj) -> bool:
    return schema.get("type") == "object" or "properties" in schema or "additionalProperties" in schema


# ------------------------------------------------------------------------------ local validators


def _local(schema: Obj, value: Any, path: str) -> list[Cause]:
    """What the apiserver checks at one node, children excluded: type, bounds, enum, composition."""
    out: list[Cause] = []
    kind = schema.get("type")
    types = ["integer", "string"] if schema.get(INT_OR_STRING) else [kind] if kind else []
    if value is None:
        if types and not schema.get("nullable") and "default" not in schema:
            out.append(_type_cause(path, types, "null"))
        return out + _enum(schema, value, path)
    actual = next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), "object")
    if types and not _type_matches(types, actual, value):
        out.append(_type_cause(path, types, actual))
    out.extend(_composition(schema, value, path))
    if isinstance(value, str):
        out.extend(_string(schema, value, path))
    elif actual in ("integer", "number"):
        out.extend(_number(schema, value, path))
    elif isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            limit = _n(schema["maxItems"], "item")
            out.append(Cause("FieldValueTooMany", f"Too many: {len(value)}: must have at most {limit}", path))
        if "minItems" in schema and len(value) < schema["minItems"]:
            out.append(_invalid(path, len(value), f"should have at least {schema['minItems']} items"))
    out.extend(_enum(schema, value, path))
    if isinstance(value, dict):
        # A missing field with a default is not missing: the apiserver defaults before it validates.
        props: Obj = schema.get("properties") or {}
        missing = [k for k in schema.get("required") or ()
                   if k not in value and "default" not in props.get(k, {})]
        out.extend(Cause("FieldValueRequired", "Required value", _join(path, key)) for key in missing)
    return out


def _type_matches(types: list[str], actual: str, value: Any) -> bool:
    if actual in types or (actual == "integer" and "number" in types):
        return True
    return actual == "number" and "integer" in types and float(value).is_integer()


def _type_cause(path: str, types: list[str], actual: str) -> Cause:
    detail = f"{path} in body must be of type {','.join(types)}: {_quote(actual)}"
    return Cause("FieldValueTypeInvalid", f"Invalid value: {_quote(actual)}: {detail}", path)


def _invalid(path: str, value: Any, detail: str) -> Cause:
    return Cause("FieldValueInvalid", f"Invalid value: {_show(value)}: {path} in body {detail}", path)


def _n(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _string(schema: Obj, value: str, path: str) -> list[Cause]:
    out: list[Cause] = []
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        limit = _n(schema["maxLength"], "byte")
        out.append(Cause("FieldValueTooLong", f"Too long: may not be more than {limit}", path))
    if "minLength" in schema and len(value) < schema["minLength"]:
        out.append(_invalid(path, value, f"should be at least {schema['minLength']} chars long"))
    if "pattern" in schema and not re.search(schema["pattern"], value):
        out.append(_invalid(path, value, f"should match '{schema['pattern']}'"))
    fmt = schema.get("format")
    if (fmt == "date-time" and not _DATE_TIME.match(value)) or (fmt == "byte" and not _is_base64(value)):
        detail = f"{path} in body must be of type {fmt}: {_quote(value)}"
        out.append(Cause("FieldValueTypeInvalid", f"Invalid value: {_quote(value)}: {detail}", path))
    return out


def _is_base64(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def _number(schema: Obj, value: float, path: str) -> list[Cause]:
    out: list[Cause] = []
    for key, flag, beyond, words in (
        ("minimum", "exclusiveMinimum", value < schema.get("minimum", value), "greater than"),
        ("maximum", "exclusiveMaximum", value > schema.get("maximum", value), "less than"),
    ):
        if key in schema and (beyond or (schema.get(flag) and value == schema[key])):
            relation = words if schema.get(flag) else f"{words} or equal to"
            out.append(_invalid(path, value, f"should be {relation} {_show(schema[key])}"))
    return out


def _enum(schema: Obj, value: Any, path: str) -> list[Cause]:
    allowed = schema.get("enum")
    if not allowed or any(_same(a, value) for a in allowed):
        return []
    listed = ", ".join(_quote(a if isinstance(a, str) else _compact(a)) for a in allowed)
    message = f"Unsupported value: {_show(value)}: supported values: {listed}"
    return [Cause("FieldValueNotSupported", message, path)]


def _same(a: Any, b: Any) -> bool:
    """JSON equality (a boolean never equals a number)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


def _composition(schema: Obj, value: Any, path: str) -> list[Cause]:
    """anyOf / oneOf / not: value validations only (structural schemas allow no types in them)."""
    out: list[Cause] = []
    name = _quote(path or ".")
    if schema.get("anyOf"):
        results = [_deep(s, value, path) for s in schema["anyOf"]]
        if all(results):
            out += [_composite(f"{name} must validate at least one schema (anyOf)"), *_fewest(results)]
    if schema.get("oneOf"):
        results = [_deep(s, value, path) for s in schema["oneOf"]]
        valid = sum(1 for r in results if not r)
        if valid == 0:
            out += [_composite(f"{name} must validate one and only one schema (oneOf). Found none valid"),
                    *_fewest(results)]
        elif valid > 1:
            out.append(_composite(f"{name} must validate one and only one schema (oneOf). "
                                  f"Found {valid} valid alternatives"))
    if isinstance(schema.get("not"), dict) and not _deep(schema["not"], value, path):
        out.append(_composite(f"{name} must not validate the schema (not)"))
    return out


def _fewest(results: list[list[Cause]]) -> list[Cause]:
    """The failures of the branch that came closest (the apiserver keeps its best match's errors)."""
    return sorted(results, key=len)[0]


def _composite(message: str) -> Cause:
    return Cause("FieldValueInvalid", f'Invalid value: "": {message}', NIL_FIELD)


def _deep(schema: Obj, value: Any, path: str) -> list[Cause]:
    """All violations of a sub-schema (inside anyOf/oneOf/not, where unknown fields are allowed)."""
    causes: list[Cause] = []
    _walk(schema, value, path, causes, [])
    return causes


# ------------------------------------------------------------------------------------ formatting


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _show(value: Any) -> str:
    """A bad value the way apimachinery's field.Error prints it."""
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return str(value) if isinstance(value, int | float) else _compact(value)
