"""Server-side Table responses (`Accept: ...;as=Table`) built from printer columns, as kubectl expects."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from tui.sim.resources import ResourceDef

Obj = dict[str, Any]
_STEP = re.compile(r"\.([A-Za-z0-9_-]+)|\[(-?\d+)\]|\[\?\(@\.([A-Za-z0-9_.]+)\s*==\s*['\"]([^'\"]*)['\"]\)\]|\[\*\]")


def jsonpath(obj: Any, path: str) -> list[Any]:
    """Evaluate the JSONPath subset printer columns use: .a.b, [n], [-1], [*], [?(@.k=='v')]."""
    path = path.strip()
    if path.startswith("{") and path.endswith("}"):
        path = path[1:-1]
    cur: list[Any] = [obj]
    pos = 0
    while pos < len(path):
        m = _STEP.match(path, pos)
        if not m:
            return []
        pos = m.end()
        field, index, fkey, fval = m.groups()
        nxt: list[Any] = []
        for c in cur:
            if field is not None:
                if isinstance(c, dict) and field in c:
                    nxt.append(c[field])
                elif isinstance(c, list):
                    nxt.extend(x[field] for x in c if isinstance(x, dict) and field in x)
            elif index is not None:
                if isinstance(c, list) and -len(c) <= int(index) < len(c):
                    nxt.append(c[int(index)])
            elif fkey is not None:
                if isinstance(c, list):
                    nxt.extend(x for x in c if isinstance(x, dict) and _dig(x, fkey) == fval)
            elif isinstance(c, list):
                nxt.extend(c)
        cur = nxt
    return cur


def _dig(o: Obj, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(o, dict):
            return None
        o = o.get(part)  # type: ignore[assignment]
    return o


def age(ts: str | None, now: datetime | None = None) -> str:
    """kubectl's short human duration ("5s", "3m", "2d4h"...)."""
    if not ts:
        return "<unknown>"
    try:
        t = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return "<invalid>"
    s = int(((now or datetime.now(UTC)) - t).total_seconds())
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    m = s // 60
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if m < 180:
        return f"{m}m"
    h = m // 60
    if h < 48:
        return f"{h}h"
    d = h // 24
    if d < 8:
        return f"{d}d{h % 24}h" if h % 24 else f"{d}d"
    if d < 365 * 2:
        return f"{d}d"
    return f"{d // 365}y{d % 365}d"


def _cell(col: Obj, obj: Obj) -> Any:
    vals = jsonpath(obj, col["jsonPath"])
    if not vals:
        return None
    if col.get("type") == "date":
        return age(vals[0] if isinstance(vals[0], str) else None)
    if len(vals) > 1:
        return ",".join(str(v) for v in vals)
    v = vals[0]
    if isinstance(v, dict | list):
        return str(v)
    return v


def columns(d: ResourceDef) -> list[Obj]:
    cols = [{"name": "Name", "type": "string", "format": "name", "description": "Name of the object",
             "priority": 0}]
    for c in d.columns:
        cols.append({"name": c["name"], "type": c.get("type", "string"), "format": c.get("format", ""),
                     "description": c.get("description", ""), "priority": c.get("priority", 0)})
    if not any(c["name"].lower() == "age" for c in d.columns):
        cols.append({"name": "Age", "type": "date", "format": "", "description": "", "priority": 0})
    return cols


def rows(d: ResourceDef, objs: list[Obj], include_object: str = "Metadata") -> list[Obj]:
    specs = list(d.columns)
    if not any(c["name"].lower() == "age" for c in d.columns):
        specs.append({"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"})
    out = []
    for o in objs:
        row: Obj = {"cells": [o.get("metadata", {}).get("name", "")] + [_cell(c, o) for c in specs]}
        if include_object == "Object":
            row["object"] = o
        elif include_object != "None":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": o.get("metadata", {})}
        out.append(row)
    return out


def table(d: ResourceDef, objs: list[Obj], meta: Obj, include_object: str = "Metadata",
          with_columns: bool = True) -> Obj:
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": meta,
        "columnDefinitions": columns(d) if with_columns else [],
        "rows": rows(d, objs, include_object),
    }
