"""SimCluster: the simulated DVP cluster in-process (own thread and loop), with a kubeconfig to reach it."""

from __future__ import annotations

import base64
import secrets
import ssl
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from tui.sim import tls
from tui.sim.faults import Faults
from tui.sim.rbac import Policy
from tui.sim.resources import Registry
from tui.sim.schemas import registry_for
from tui.sim.server import Request, SimServer
from tui.sim.store import Store

Obj = dict[str, Any]


def write_kubeconfig(path: Path, url: str, token: str, context: str = "dvpsnap-sim",
                     namespace: str | None = None, ca_pem: bytes | None = None) -> Path:
    ctx: Obj = {"cluster": context, "user": f"{context}-admin"}
    cluster: Obj = {"server": url}
    if ca_pem:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    if namespace:
        ctx["namespace"] = namespace
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": cluster}],
        "users": [{"name": f"{context}-admin", "user": {"token": token}}],
        "contexts": [{"name": context, "context": ctx}],
        "current-context": context,
        "preferences": {},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    path.chmod(0o600)
    return path


class SimCluster:
    """`with SimCluster(generation="v1.10", scenario="demo") as sim:` → sim.url, sim.kubeconfig_path,
    sim.faults, sim.store; the server runs on 127.0.0.1 on its own daemon thread."""

    def __init__(self, generation: str = "v1.10", *, scenario: str | None = None, objects: int = 0,
                 speed: float = 1.0, port: int = 0, kubeconfig_path: str | Path | None = None,
                 bookmark_interval: float = 60.0, controllers: bool = True, window_seconds: float = 300.0,
                 context: str = "dvpsnap-sim", namespace: str | None = None, seed: str | None = "dvpsnap",
                 token: str | None = None, secure: bool = True) -> None:
        self.generation = generation
        self.registry: Registry = registry_for(generation)
        self.store = Store(self.registry, window_seconds=window_seconds, uid_seed=seed)
        self.token = token or secrets.token_urlsafe(24)
        self._tmp = tempfile.TemporaryDirectory(prefix="dvpsnap-sim-")
        self.cert = tls.make(Path(self._tmp.name) / "tls") if secure else None
        self.server = SimServer(self.registry, self.store, token=self.token,
                                bookmark_interval=bookmark_interval, port=port,
                                ssl_context=self.cert.context() if self.cert else None)
        self.scenario, self.objects, self.speed = scenario, objects, speed
        self.with_controllers = controllers
        self.context, self.namespace = context, namespace
        self._kubeconfig = Path(kubeconfig_path) if kubeconfig_path else None
        self.controllers: Any = None

    # ---- what tests and the app use ------------------------------------------------------
    @property
    def url(self) -> str:
        return self.server.url

    @property
    def faults(self) -> Faults:
        return self.server.faults

    @property
    def policy(self) -> Policy:
        return self.server.policy

    @property
    def requests(self) -> list[Request]:
        return self.server.requests

    @property
    def kubeconfig_path(self) -> Path:
        assert self._kubeconfig is not None, "start the cluster first"
        return self._kubeconfig

    def key(self, kind: str) -> str:
        """The store key of a served kind ("VirtualDisk" → "virtualization.deckhouse.io/v1alpha2/...")."""
        d = self.registry.find_kind(kind)
        if d is None:
            raise KeyError(f"{kind} is not served by generation {self.generation}")
        return d.key

    def get(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        return self.store.get(self.key(kind), namespace, name)

    def list(self, kind: str, namespace: str | None = None) -> list[Obj]:
        return self.store.list(self.key(kind), namespace)

    def apply(self, obj: Obj) -> Obj:
        """Create or replace an object as the cluster itself would (no admission): for scenarios."""
        d = self.registry.by_kind(obj["apiVersion"], obj["kind"])
        if d is None:
            raise KeyError(f"{obj['apiVersion']} {obj['kind']} is not served")
        meta = obj["metadata"]
        cur = self.store.get(d.key, meta.get("namespace"), meta["name"])
        if cur is None:
            created = self.store.create(d, obj)
            if "status" in obj:
                created["status"] = obj["status"]
                return self.store.update(d, created, status=True, check_rv=False)
            return created
        obj = {**obj, "metadata": {**meta, "resourceVersion": cur["metadata"]["resourceVersion"]}}
        out = self.store.update(d, obj, check_rv=False)
        if "status" in obj:
            out["status"] = obj["status"]
            out = self.store.update(d, out, status=True, check_rv=False)
        return out

    def delete(self, kind: str, namespace: str | None, name: str) -> Obj:
        d = self.registry.find_kind(kind)
        assert d is not None
        return self.store.delete(d, namespace, name)

    def client_ssl(self) -> ssl.SSLContext | None:
        """An SSL context that trusts this cluster's CA (for raw HTTP clients in tests and benchmarks)."""
        if self.cert is None:
            return None
        return ssl.create_default_context(cadata=self.cert.ca_pem.decode())

    def write_kubeconfig(self, path: Path, context: str | None = None, namespace: str | None = None) -> Path:
        return write_kubeconfig(path, self.url, self.token, context or self.context,
                                namespace if namespace is not None else self.namespace,
                                self.cert.ca_pem if self.cert else None)

    def add_context(self, name: str, user: str, namespace: str | None = None) -> None:
        """Add a context to the cluster's kubeconfig: the same cluster and token under another user name (the
        demo's second context, so switching contexts can be tried)."""
        import yaml

        path = self.kubeconfig_path
        config = yaml.safe_load(path.read_text())
        first = config["contexts"][0]["context"]
        config["users"].append({"name": user, "user": dict(config["users"][0]["user"])})
        ctx: Obj = {"cluster": first["cluster"], "user": user}
        if namespace:
            ctx["namespace"] = namespace
        config["contexts"].append({"name": name, "context": ctx})
        path.write_text(yaml.safe_dump(config, sort_keys=False))

    # ---- lifecycle -----------------------------------------------------------------------
    def start(self) -> SimCluster:
        self.store.create(self.registry.defs["v1/namespaces"], {"metadata": {"name": "default"}})
        if self.scenario:
            from tui.sim import scenarios

            scenarios.load(self, self.scenario, objects=self.objects)
        self.server.start_thread()
        if self.with_controllers:
            from tui.sim import controllers

            self.controllers = self.server.call(controllers.start, self)
        if self._kubeconfig is None:
            self._kubeconfig = Path(self._tmp.name) / "kubeconfig"
        self.write_kubeconfig(self._kubeconfig)
        return self

    def stop(self) -> None:
        if self.controllers is not None and hasattr(self.controllers, "stop"):
            self.server.call(self.controllers.stop)
        self.server.stop()
        self._tmp.cleanup()

    def __enter__(self) -> SimCluster:
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
