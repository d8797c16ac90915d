"""The only importer of `kubernetes`: kubeconfig and contexts, auth plugins, TLS, raw HTTP requests."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
WATCH_READ_TIMEOUT = 120.0  # ≥ 2× the bookmark interval; catches half-open streams


class ApiError(Exception):
    """An answer that is not 2xx, with the apiserver's Status fields (shown as kubectl shows them)."""

    def __init__(self, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.headers = dict(headers or {})
        self.body: dict[str, Any] = {}
        try:
            parsed = json.loads(body) if body else {}
            if isinstance(parsed, dict):
                self.body = parsed
        except ValueError:
            pass
        self.reason: str = self.body.get("reason", "")
        self.message: str = self.body.get("message", "") or body[:200].decode(errors="replace")
        super().__init__(f"{status} {self.reason}: {self.message}")

    @property
    def causes(self) -> list[dict[str, str]]:
        return list((self.body.get("details") or {}).get("causes") or [])

    @property
    def retry_after(self) -> float | None:
        value = self.headers.get("Retry-After") or self.headers.get("retry-after")
        try:
            return float(value) if value else None
        except ValueError:
            return None


class TransportError(Exception):
    """The request did not get an answer: connection refused or reset, timeout, TLS failure."""


@dataclass(frozen=True)
class Context:
    """One kubeconfig context, without any credential."""

    name: str
    cluster: str
    user: str
    namespace: str | None


def kubeconfig_paths(explicit: Path | None = None) -> list[Path]:
    """The files kubectl would read: --kubeconfig, else every path in KUBECONFIG, else ~/.kube/config."""
    if explicit is not None:
        return [explicit]
    env = os.environ.get("KUBECONFIG")
    if env:
        return [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    return [Path("~/.kube/config").expanduser()]


def list_contexts(paths: list[Path]) -> tuple[list[Context], str | None]:
    """Contexts across the kubeconfig files (first definition wins, like kubectl) and the current one."""
    from kubernetes.config.kube_config import KubeConfigMerger

    merger = KubeConfigMerger(os.pathsep.join(str(p) for p in paths))
    cfg = _plain(merger.config) or {}  # the merger wraps the file's dicts in ConfigNodes
    out = []
    for c in cfg.get("contexts") or []:
        c = _plain(c)
        ctx = c.get("context") or {}
        out.append(Context(c.get("name", ""), ctx.get("cluster", ""), ctx.get("user", ""), ctx.get("namespace")))
    return out, cfg.get("current-context")


def _plain(node: Any) -> Any:
    return getattr(node, "value", node)


@dataclass(frozen=True)
class Fingerprint:
    """What the kubeconfig says about one context, as digests (never a credential itself): `where` covers the
    context, its cluster (server, CA, TLS) and the user's other credentials; `token` only the bearer token."""

    server: str
    where: str
    token: str


def fingerprint(paths: list[Path], context: str) -> Fingerprint | None:
    """The context's fingerprint (None: no such context). A token rotation changes only `token`."""
    from kubernetes.config.kube_config import KubeConfigMerger

    return _fingerprint(KubeConfigMerger(os.pathsep.join(str(p) for p in paths)).config, context)


def _fingerprint(cfg: Any, context: str) -> Fingerprint | None:
    if cfg is None:
        return None

    def find(item: str, name: Any) -> dict[str, Any]:
        for node in _plain(cfg).get(item) or []:
            value = _plain(node)
            if isinstance(value, dict) and value.get("name") == name:
                return value
        return {}

    ctx = find("contexts", context).get("context") or {}
    if not ctx:
        return None
    cluster = find("clusters", ctx.get("cluster")).get("cluster") or {}
    user = dict(find("users", ctx.get("user")).get("user") or {})
    token = str(user.pop("token", ""))

    def digest(value: Any) -> str:
        return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()

    return Fingerprint(str(cluster.get("server", "")), digest([ctx, cluster, user]), digest(token))


class Response:
    """A streaming answer: read `data` whole, or iterate `lines()`; always `close()` (or use `with`)."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.status: int = raw.status
        self.headers: dict[str, str] = dict(raw.headers)

    @property
    def data(self) -> bytes:
        return bytes(self._raw.data)

    def lines(self) -> Iterator[bytes]:
        """Newline-delimited chunks as they arrive (watch streams)."""
        import urllib3

        buf = b""
        chunks = self._raw.stream(amt=None, decode_content=False)
        while True:
            try:
                chunk = next(chunks)
            except StopIteration:
                break
            except (urllib3.exceptions.HTTPError, OSError, ValueError) as e:
                raise TransportError(f"stream broken: {type(e).__name__}: {e}") from e
            buf += chunk
            while True:
                i = buf.find(b"\n")
                if i < 0:
                    break
                line, buf = buf[:i], buf[i + 1 :]
                if line.strip():
                    yield line
        if buf.strip():
            yield buf

    def close(self) -> None:
        try:
            self._raw.release_conn()
            self._raw.close()
        except Exception:  # closing a broken stream must never raise
            pass

    def abort(self) -> None:
        """Unblock a reader on another thread: shut the socket down under it."""
        import socket

        conn = getattr(self._raw, "connection", None) or getattr(self._raw, "_connection", None)
        sock = getattr(conn, "sock", None)
        try:
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class KubeClient:
    """HTTP access to one context of a kubeconfig through the official client's configuration and
    transport (exec/OIDC plugins, client certificates, TLS, proxies, TCP keepalive)."""

    def __init__(self, paths: list[Path], context: str | None = None, *,
                 connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT,
                 watch_read_timeout: float = WATCH_READ_TIMEOUT) -> None:
        from kubernetes import client, config
        from kubernetes.config.kube_config import KubeConfigMerger

        self.paths = paths
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self.watch_read_timeout = watch_read_timeout
        cfg = client.Configuration()
        merger = KubeConfigMerger(os.pathsep.join(str(p) for p in paths))
        loader = config.kube_config.KubeConfigLoader(
            config_dict=merger.config, config_base_path=None, config_persister=None, active_context=context,
        )
        loader.load_and_set(cfg)
        cfg.retries = False  # no hidden retry loops: the reflector and the write path decide
        cfg.connection_pool_maxsize = 32  # one connection per open watch (~15) plus reads and writes
        self.context = loader.current_context["name"]
        ctx = loader.current_context.get("context") or {}
        self.namespace: str | None = ctx.get("namespace")
        self.user: str = ctx.get("user", "")
        self.cluster: str = ctx.get("cluster", "")
        self.server: str = cfg.host
        self.fingerprint = _fingerprint(merger.config, self.context)
        """What the kubeconfig said about this context when the credentials were (re)loaded."""
        self._api = client.ApiClient(cfg)
        self._lock = threading.Lock()
        self._auth_lock = threading.Lock()
        self._auth_at = 0.0

    def request(self, method: str, path: str, *, query: Mapping[str, Any] | None = None, body: Any = None,
                content_type: str = "application/json", accept: str = "application/json",
                timeout: tuple[float, float] | None = None) -> Response:
        """Send one request and return the (unread) answer; raises ApiError for non-2xx answers and
        TransportError when no answer came."""
        import urllib3

        url_path = path + ("?" + urlencode([(k, v) for k, v in query.items() if v is not None], doseq=True)
                           if query else "")
        headers = {"Accept": accept, "Content-Type": content_type}
        try:
            with self._lock:
                method_, url, hdrs, body_, post = self._api.param_serialize(
                    method=method, resource_path=url_path, header_params=headers, body=body,
                    auth_settings=["BearerToken"],
                )
            rest = self._api.call_api(method_, url, hdrs, body_, post,
                                      _request_timeout=timeout or (self.connect_timeout, self.read_timeout))
        except (urllib3.exceptions.HTTPError, OSError) as e:
            raise TransportError(f"{type(e).__name__}: {e}") from e
        except Exception as e:  # ApiException(status=0) for TLS problems, exec plugin failures
            raise TransportError(f"{type(e).__name__}: {e}") from e
        resp = Response(rest.response)
        if resp.status >= 400:
            try:
                data = resp.data
            except Exception:
                data = b""
            resp.close()
            raise ApiError(resp.status, data, resp.headers)
        return resp

    def reauthenticate(self, *, force: bool = False) -> None:
        """After a 401: reload the kubeconfig credentials once (exec plugins run again), coalesced
        across threads so that many reflectors cause one refresh; `force` (the kubeconfig file changed)
        reloads even right after another refresh. Open watches keep going: nothing is relisted."""
        from kubernetes import config

        with self._auth_lock:
            if not force and time.monotonic() - self._auth_at < 2.0:
                return
            self._auth_at = time.monotonic()
            merged = self._merger_config()
            loader = config.kube_config.KubeConfigLoader(
                config_dict=merged, config_base_path=None, config_persister=None, active_context=self.context,
            )
            loader.load_and_set(self._api.configuration)
            self.fingerprint = _fingerprint(merged, self.context)

    def _merger_config(self) -> Any:
        from kubernetes.config.kube_config import KubeConfigMerger

        return KubeConfigMerger(os.pathsep.join(str(p) for p in self.paths)).config

    def get_json(self, path: str, **kw: Any) -> Any:
        with self.request("GET", path, **kw) as r:
            return json.loads(r.data)

    def send_json(self, method: str, path: str, body: Any, **kw: Any) -> tuple[Any, list[str]]:
        """A write; returns the decoded answer and any `Warning` headers."""
        with self.request(method, path, body=body, **kw) as r:
            warnings = [w for k, w in r.headers.items() if k.lower() == "warning"]
            return json.loads(r.data), warnings

    def watch(self, path: str, query: Mapping[str, Any]) -> Response:
        """Open a watch stream with a read timeout that detects a silent (half-open) connection."""
        return self.request("GET", path, query={**query, "watch": "true"},
                            timeout=(self.connect_timeout, self.watch_read_timeout))

    def close(self) -> None:
        try:
            self._api.close()
        except Exception:
            pass
