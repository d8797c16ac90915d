"""A tiny raw HTTP client for server tests that need to send what no real client sends."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from tui.sim.cluster import SimCluster


def call(sim: SimCluster, method: str, path: str, body: Any = None, *, token: str | None = "default",
         ctype: str = "application/json", accept: str = "application/json",
         raw: bytes | None = None) -> tuple[int, Any, Any]:
    """Send one request; returns (status, decoded JSON body or text, headers)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(sim.url + path, data=data, method=method)
    req.add_header("Content-Type", ctype)
    req.add_header("Accept", accept)
    if token is not None:
        req.add_header("Authorization", f"Bearer {sim.token if token == 'default' else token}")
    try:
        with urllib.request.urlopen(req, timeout=10, context=sim.client_ssl()) as resp:
            status, payload, headers = resp.status, resp.read(), resp.headers
    except urllib.error.HTTPError as e:
        status, payload, headers = e.code, e.read(), e.headers
    try:
        return status, json.loads(payload), headers
    except ValueError:
        return status, payload.decode(errors="replace"), headers
