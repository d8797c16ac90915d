"""Helpers for tests with several contexts: one kubeconfig merging several simulated clusters; the header text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.app.helpers import screen_text
from tui.sim.cluster import SimCluster


def merged_kubeconfig(path: Path, *entries: tuple[SimCluster, str]) -> Path:
    """One kubeconfig with a context per (cluster, name); the first one is current."""
    doc: dict[str, Any] = {"apiVersion": "v1", "kind": "Config", "clusters": [], "users": [], "contexts": []}
    for sim, name in entries:
        one = yaml.safe_load(sim.write_kubeconfig(path.with_name(f"{path.name}.{name}"), context=name).read_text())
        for item in ("clusters", "users", "contexts"):
            doc[item] += one[item]
    doc["current-context"] = entries[0][1]
    path.write_text(yaml.safe_dump(doc))
    path.chmod(0o600)
    return path


def header(app: Any) -> str:
    """The two header lines as plain text."""
    return "\n".join(screen_text(app).splitlines()[:2])
