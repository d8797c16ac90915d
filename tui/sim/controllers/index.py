"""Stored objects by (resource key, namespace), kept current from the store's change hook."""

from __future__ import annotations

from typing import Any

from tui.sim.store import Change, Store

Obj = dict[str, Any]


class Index:
    """Stored objects by (resource key, namespace), kept current from the store's change hook, so that
    controllers can scan a namespace without decoding or sorting every object of a kind."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._by: dict[tuple[str, str], dict[str, Obj]] = {}

    @classmethod
    def attach(cls, store: Store) -> Index:
        idx = cls(store)
        with store._lock:
            for key in store.registry.defs:
                for e in store.entries(key):
                    m = e.obj["metadata"]
                    idx._by.setdefault((key, m.get("namespace", "")), {})[m["name"]] = e.obj
            store.on_change.append(idx._on_change)
        return idx

    def detach(self) -> None:
        with self.store._lock:
            if self._on_change in self.store.on_change:
                self.store.on_change.remove(self._on_change)

    def _on_change(self, ch: Change) -> None:  # called under the store lock
        bucket = self._by.setdefault((ch.key, ch.namespace), {})
        name = ch.new.obj["metadata"]["name"]
        if ch.type == "DELETED":
            bucket.pop(name, None)
        else:
            bucket[name] = ch.new.obj

    def objects(self, key: str, namespace: str | None) -> list[Obj]:
        with self.store._lock:
            if namespace is not None:
                return list(self._by.get((key, namespace), {}).values())
            return [o for (k, _), b in self._by.items() if k == key for o in b.values()]
