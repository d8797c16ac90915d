"""Small builders for OpenAPI v3 structural schemas and printer columns, shared by every kind."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tui.sim.resources import Obj

_DECIMAL = r"(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))"
# A resource.Quantity ("10Gi", "500m", "1e3"), as Kubernetes generates it for int-or-string quantities.
QUANTITY_PATTERN = rf"^(\+|-)?{_DECIMAL}(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?{_DECIMAL}))?$"
_DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
# metav1.Condition `type`: an optional DNS-subdomain prefix and a qualified name.
CONDITION_TYPE_PATTERN = rf"^({_DNS_LABEL}(\.{_DNS_LABEL})*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
CONDITION_REASON_PATTERN = r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"


def _opts(out: Obj, **fields: Any) -> Obj:
    """Add the fields that are set (None and empty strings are left out)."""
    names = {"min_length": "minLength", "max_length": "maxLength", "fmt": "format", "desc": "description",
             "min_items": "minItems", "max_items": "maxItems"}
    for key, value in fields.items():
        if value is not None and value != "" and value is not False:
            out[names.get(key, key)] = value
    return out


def string(*, enum: Iterable[str] | None = None, default: str | None = None, min_length: int | None = None,
           max_length: int | None = None, pattern: str | None = None, fmt: str | None = None,
           nullable: bool = False, desc: str = "") -> Obj:
    return _opts({"type": "string"}, enum=list(enum) if enum is not None else None, default=default,
                 min_length=min_length, max_length=max_length, pattern=pattern, fmt=fmt,
                 nullable=nullable, desc=desc)


def integer(*, minimum: int | None = None, maximum: int | None = None, default: int | None = None,
            fmt: str | None = None, desc: str = "") -> Obj:
    return _opts({"type": "integer"}, minimum=minimum, maximum=maximum, default=default, fmt=fmt, desc=desc)


def boolean(*, default: bool | None = None, desc: str = "") -> Obj:
    out = _opts({"type": "boolean"}, desc=desc)
    if default is not None:
        out["default"] = default
    return out


def obj(props: Obj | None = None, *, required: Iterable[str] = (), default: Obj | None = None,
        preserve: bool = False, desc: str = "", **extra: Any) -> Obj:
    """An object with known properties; `preserve` keeps fields the schema does not list."""
    out: Obj = {"type": "object"}
    if props:
        out["properties"] = props
    if required := list(required):
        out["required"] = required
    if preserve:
        out["x-kubernetes-preserve-unknown-fields"] = True
    return _opts(out, default=default, desc=desc, **extra)


def array(items: Obj, *, min_items: int | None = None, max_items: int | None = None, desc: str = "",
          **extra: Any) -> Obj:
    out: Obj = {"type": "array", "items": items}
    return _opts(out, min_items=min_items, max_items=max_items, desc=desc, **extra)


def map_of(values: Obj | None = None, desc: str = "") -> Obj:
    """A map with free keys (labels, parameters, nodeSelector)."""
    return _opts({"type": "object", "additionalProperties": values or string()}, desc=desc)


def quantity(desc: str = "") -> Obj:
    """A resource.Quantity: an integer or a string such as "10Gi"."""
    return _opts({"anyOf": [{"type": "integer"}, {"type": "string"}], "pattern": QUANTITY_PATTERN,
                  "x-kubernetes-int-or-string": True}, desc=desc)


def name_ref(strict: bool, desc: str = "") -> Obj:
    """A name of another object; `strict` generations (v1.8+) forbid the empty string."""
    return string(min_length=1 if strict else None, desc=desc)


def conditions() -> Obj:
    """A list of standard metav1.Condition."""
    return array(obj({
        "lastTransitionTime": string(fmt="date-time"),
        "message": string(max_length=32768),
        "observedGeneration": integer(minimum=0, fmt="int64"),
        "reason": string(min_length=1, max_length=1024, pattern=CONDITION_REASON_PATTERN),
        "status": string(enum=("True", "False", "Unknown")),
        "type": string(max_length=316, pattern=CONDITION_TYPE_PATTERN),
    }, required=("lastTransitionTime", "message", "reason", "status", "type")))


def root(spec: Obj | None, status: Obj | None = None, *, required: Iterable[str] = ("spec",),
         desc: str = "", **top: Obj) -> Obj:
    """A CRD's openAPIV3Schema: apiVersion, kind, metadata, spec and status (or top-level fields)."""
    props: Obj = {"apiVersion": string(), "kind": string(), "metadata": obj()}
    if spec is not None:
        props["spec"] = spec
    if status is not None:
        props["status"] = status
    props.update(top)
    return obj(props, required=required, desc=desc)


def column(name: str, json_path: str, kind: str = "string", priority: int = 0, desc: str = "") -> Obj:
    """One additionalPrinterColumn."""
    out: Obj = {"name": name, "type": kind, "jsonPath": json_path}
    if priority:
        out["priority"] = priority
    if desc:
        out["description"] = desc
    return out


AGE = column("Age", ".metadata.creationTimestamp", "date")
PHASE = column("Phase", ".status.phase")


def condition_status(name: str, condition: str, priority: int = 0) -> Obj:
    """A column showing the status of one condition type."""
    return column(name, f".status.conditions[?(@.type=='{condition}')].status", priority=priority)


# ------------------------------------------------------------------------ scheduling building blocks


def _requirement() -> Obj:
    fields = {"key": string(), "operator": string(), "values": array(string())}
    return obj(fields, required=("key", "operator"))


def label_selector() -> Obj:
    return obj({"matchExpressions": array(_requirement()), "matchLabels": map_of()})


def tolerations() -> Obj:
    return array(obj({"effect": string(), "key": string(), "operator": string(),
                      "tolerationSeconds": integer(fmt="int64"), "value": string()}))


def node_affinity() -> Obj:
    term = obj({"matchExpressions": array(_requirement()), "matchFields": array(_requirement())})
    preferred = obj({"preference": term, "weight": integer(minimum=1, maximum=100, fmt="int32")},
                    required=("preference", "weight"))
    required = obj({"nodeSelectorTerms": array(term)}, required=("nodeSelectorTerms",))
    return obj({"preferredDuringSchedulingIgnoredDuringExecution": array(preferred),
                "requiredDuringSchedulingIgnoredDuringExecution": required})


def workload_affinity(term_key: str) -> Obj:
    """Pod-style (anti-)affinity whose terms select VMs and pods; `term_key` names the weighted term."""
    term = obj({"labelSelector": label_selector(), "namespaceSelector": label_selector(),
                "namespaces": array(string()), "topologyKey": string(),
                "matchLabelKeys": array(string()), "mismatchLabelKeys": array(string())},
               required=("topologyKey",))
    weighted = obj({term_key: term, "weight": integer(minimum=1, maximum=100, fmt="int32")},
                   required=(term_key, "weight"))
    return obj({"preferredDuringSchedulingIgnoredDuringExecution": array(weighted),
                "requiredDuringSchedulingIgnoredDuringExecution": array(term)})


def topology_spread() -> Obj:
    return array(obj({"labelSelector": label_selector(), "maxSkew": integer(fmt="int32"),
                      "topologyKey": string(), "whenUnsatisfiable": string()},
                     required=("maxSkew", "topologyKey", "whenUnsatisfiable")))
