"""THE bridge between the data layer and the UI: a wake from the cache becomes one coalesced flush."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

from tui.config import Problem, Settings
from tui.kube import kinds
from tui.kube.capabilities import Capabilities
from tui.kube.objects import Event
from tui.kube.reflector import Tuning
from tui.kube.relations import View
from tui.kube.store import LIVE, NOT_SERVED, RECONNECTING, STALE, Cache, LinkState, Snapshot

if TYPE_CHECKING:
    from textual.app import App

    from tui.kube.client import Context, KubeClient
    from tui.kube.session import Session

T = TypeVar("T")
Changes = Mapping[str, tuple[str, Any]]
"""uid → (kind id, latest projection or None when deleted): what a flush tells the active screen."""
WATCHED = ("vm", "vd", "vdsnapshot", "vmsnapshot", "vmrestore", "vmop", "vmsop", "vmbda", "vmip", "vmmac",
           "vs", "vsclass", "sc", "ns")
"""Kinds watched from the start; others (pvc, vsc, event, secret) start when their list is opened."""
AGE_TICK = 60.0
FLUSH_SHARE = 2.0
RETRY_UNREACHABLE = 5.0


def _first_shown(kind_id: str) -> tuple[int, str]:
    """Start order: the kinds the main view shows first (VMs, then disks and snapshots) list first."""
    return (WATCHED.index(kind_id) if kind_id in WATCHED else len(WATCHED), kind_id)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Options:
    """How the UI runs: where it connects, what it shows, how it paints."""

    kubeconfig: Path | None = None
    context: str | None = None
    namespace: str | None = None
    all_namespaces: bool = False
    readonly: bool = False
    low_bandwidth: bool = False
    mouse: bool = True
    ascii_only: bool = False
    settings: Settings = field(default_factory=Settings)
    """The config file's settings at start (live reload replaces `Live.settings`)."""
    problems: tuple[Problem, ...] = ()
    """What was wrong in the config file at start (shown as notifications)."""
    watch: bool = False
    on_exit: Callable[[], None] | None = None  # called first when the app unmounts (the real program: a watchdog)
    """Reload config.toml, keymap.toml, themes/*.toml and the kubeconfig files when they change."""
    tuning: Tuning | None = None
    clock: Callable[[], datetime] = field(default=_utcnow)

    @property
    def flush_interval(self) -> float:
        """Minimum seconds between two flushes (≤ 20 Hz, ≤ 10 Hz with --low-bandwidth)."""
        return 0.1 if self.low_bandwidth else 0.05


@dataclass(frozen=True)
class Identity:
    """Who and where, as the header shows it (never a credential)."""

    context: str = ""
    cluster: str = ""
    user: str = ""
    error: str = ""
    connecting: bool = True


@runtime_checkable
class LiveView(Protocol):
    """A screen that shows live data: a full rebuild when `changes` is None, else an incremental one."""

    def live_update(self, snapshot: Snapshot, changes: Changes | None) -> None: ...


class Live:
    """Owns the cache and the sessions of one context; turns cache wakes into flushes on the UI loop."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.cache = Cache()
        self.snapshot: Snapshot = self.cache.snapshot()
        self.previous: Snapshot = self.snapshot
        """The snapshot before the last flush (where a deleted object's namespace is found)."""
        self.caps = Capabilities()
        self.detected = False
        """True once `caps` came from the cluster (before that, "no DVP" would be a guess)."""
        self.identity = Identity(context=options.context or "")
        self.settings = options.settings
        self.follows_current = options.context is None
        """Follow the kubeconfig's current-context (until a context is chosen here or on the command line)."""
        self.scope: tuple[str, ...] | None = None if options.all_namespaces else (
            (options.namespace,) if options.namespace else None)
        self.client: KubeClient | None = None
        self.loaded: set[str] = set()
        self.flushes = 0
        self._view: tuple[int, View] | None = None
        self._sessions: list[Session] = []
        self._watched: set[str] = set()
        self._spawned: set[str] = set()
        self._app: App[Any] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._last_flush = 0.0
        self._cost = 0.0
        """Seconds the last flush took: the next one waits at least FLUSH_SHARE times that (keys stay quick)."""
        self._epoch = 0
        self.followers: list[Callable[[], None]] = []
        """Called after every flush whatever screen is active (the operations tracker follows objects)."""

    # ---- lifecycle (UI loop) -------------------------------------------------------------
    def attach(self, app: App[Any]) -> None:
        """Bind to the running app: start connecting and refresh ages once a minute."""
        self._app, self._loop = app, asyncio.get_running_loop()
        app.set_interval(AGE_TICK, self._age_tick)
        self.connect(self.options.context)

    def connect(self, context: str | None, *, keep_cache: bool = False) -> None:
        """(Re)connect to `context` in the background; a new context starts from an empty cache."""
        self._epoch += 1
        old, self._sessions = self._sessions, []
        self.cache.on_wake = None
        if not keep_cache:
            self.cache = Cache()
            self.snapshot, self.loaded, self.caps = self.cache.snapshot(), set(), Capabilities()
            self.detected = False
            self.identity = Identity(context=context or "")
            self._watched = set()
        self.cache.on_wake = self._wake
        self._watched |= set(WATCHED)
        self._spawned = set(self._watched)
        self._spawn(context, sorted(self._watched, key=_first_shown), main=True, old=old, keep_scope=keep_cache)
        self.publish()

    def _spawn(self, context: str | None, kind_ids: list[str], *, main: bool, old: list[Session] | None = None,
               keep_scope: bool = True) -> None:
        args = (self._epoch, context, self.cache, old or [], kind_ids, main, keep_scope)
        threading.Thread(target=self._connect, args=args, daemon=True, name="dvpsnap-connect").start()

    def use_context(self, context: str) -> None:
        """The operator chose a context: connect to it and stop following the kubeconfig's current-context."""
        self.follows_current = False
        self.connect(context)

    def reauthenticate(self) -> None:
        """The kubeconfig's token for this context changed: every client reloads its credentials (blocking:
        exec plugins may run; call from a worker thread). Open watches go on; nothing is relisted."""
        for session in list(self._sessions):
            session.client.reauthenticate(force=True)

    @property
    def readonly_reason(self) -> str:
        """Why writes are blocked in this context ("" when they are not): the flag, or a context rule."""
        if self.options.readonly:
            return "--readonly"
        rule = self.settings.read_only_rule(self.identity.context)
        return f'config: context "{rule.match}"' if rule is not None and rule.read_only else ""

    @property
    def readonly(self) -> bool:
        """Writes blocked in the current context (Writer.readonly follows this)."""
        return bool(self.readonly_reason)

    @property
    def journal_path(self) -> Path | None:
        """The write journal from the config file (None: the default in the XDG state dir)."""
        return Path(self.settings.journal) if self.settings.journal else None

    def stop(self) -> None:
        """Stop every session (returns within about a second)."""
        self._epoch += 1
        self.cache.on_wake = None
        sessions, self._sessions = self._sessions, []
        stoppers = [threading.Thread(target=s.stop, kwargs={"deadline": 1.0}, daemon=True) for s in sessions]
        for t in stoppers:
            t.start()
        end = time.monotonic() + 1.2
        for t in stoppers:  # all at once: the whole stop stays within about a second
            t.join(max(0.0, end - time.monotonic()))

    def set_scope(self, namespaces: tuple[str, ...] | None) -> None:
        """Show these namespaces (None: all); the data is already there, so this is instant."""
        self.scope = namespaces
        self.publish()

    def watch(self, kind_id: str) -> None:
        """Make sure `kind_id` is watched (kinds outside WATCHED start on first use)."""
        self._watched.add(kind_id)
        if kind_id in self._spawned or self.identity.connecting or self.client is None:
            return  # started with the others once connected
        self._spawned.add(kind_id)
        self._spawn(self.identity.context, [kind_id], main=False)

    # ---- wake → flush ----------------------------------------------------------------------
    def _wake(self) -> None:
        """Reflector thread, under the cache lock: only schedule, never read back (non-blocking)."""
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._schedule)
            except RuntimeError:  # the loop closed: the app is exiting
                pass

    def _schedule(self) -> None:
        if self._handle is not None or self._loop is None:
            return
        gap = max(self.options.flush_interval, FLUSH_SHARE * self._cost)  # a slow flush makes room after it
        delay = max(0.0, self._last_flush + gap - time.monotonic())
        self._handle = self._loop.call_later(delay, self._flush)

    def _flush(self) -> None:
        self._handle = None
        start = time.monotonic()
        changes = self.cache.drain()
        self.previous, self.snapshot = self.snapshot, self.cache.snapshot()
        self.flushes += 1
        for (kind_id, _), link in self.snapshot.links.items():
            if link.state in (LIVE, NOT_SERVED):
                self.loaded.add(kind_id)
        self.publish(changes)
        for follow in list(self.followers):
            follow()
        self._last_flush = time.monotonic()
        self._cost = self._last_flush - start

    def _age_tick(self) -> None:
        """Once a minute: ages move on. A screen that can repaint just what shows an age (`aged`) does that."""
        app = self._app
        aged = getattr(app.screen, "aged", None) if app is not None and app.is_running and app.screen_stack else None
        if app is not None and callable(aged):
            with app.batch_update():
                aged()
        else:
            self.publish()

    def publish(self, changes: Changes | None = None) -> None:
        """Tell the active screen what changed (None: everything, e.g. scope, context or ages)."""
        app = self._app
        if app is None or not app.is_running or not app.screen_stack:
            return
        screen = app.screen
        if isinstance(screen, LiveView):
            with app.batch_update():
                screen.live_update(self.snapshot, changes)

    # ---- what screens read -------------------------------------------------------------------
    def now(self) -> datetime:
        return self.options.clock()

    def touched(self, changes: Changes, kind_ids: frozenset[str]) -> set[str]:
        """Namespaces of the objects of these kinds that the last flush changed (a deletion: where it was)."""
        out: set[str] = set()
        for uid, (kind_id, obj) in changes.items():
            if kind_id in kind_ids:
                old = obj if obj is not None else self.previous.of(kind_id).get(uid)
                if old is not None:
                    out.add(old.metadata.namespace)
        return out

    def namespace_view(self, namespace: str) -> View:
        """The relations view of one namespace (and the cluster-scoped kinds), built without a scan."""
        snap = self.snapshot
        return View({k: snap.in_namespace(k, namespace) for k in snap.kinds}, frozenset(self.loaded))

    @property
    def view(self) -> View:
        """The relations view of the current snapshot (built once per snapshot)."""
        if self._view is None or self._view[0] != self.snapshot.version:
            self._view = (self.snapshot.version, View(self.snapshot.kinds, frozenset(self.loaded)))
        return self._view[1]

    def link(self, kind_id: str) -> LinkState | None:
        """The state of a kind across its scopes: trouble first, then live, then anything else."""
        links = [link for (k, _), link in self.snapshot.links.items() if k == kind_id]
        for states in ((STALE,), (RECONNECTING,), (LIVE,)):
            found = [link for link in links if link.state in states]
            if found:
                return min(found, key=lambda link: link.since)
        return links[0] if links else None

    def is_stale(self, kind_id: str) -> bool:
        link = self.link(kind_id)
        return link is not None and link.state in (STALE, RECONNECTING)

    def in_scope(self, namespace: str) -> bool:
        return self.scope is None or not namespace or namespace in self.scope

    # ---- on-demand reads (worker threads) ----------------------------------------------------
    def fetch(self, read: Callable[[], T], done: Callable[[T | None, str], None]) -> None:
        """Run a blocking read on a daemon thread (never joined at exit, so a request in flight cannot
        hold the process up); `done(result, error)` then runs on the UI loop."""

        def run() -> None:
            try:
                result, error = read(), ""
            except Exception as e:  # shown by the caller, never raised into the UI
                result, error = None, str(e) or type(e).__name__
            self._call(done, result, error)

        threading.Thread(target=run, daemon=True, name="dvpsnap-fetch").start()

    def manifest(self, kind_id: str, namespace: str, name: str) -> dict[str, Any]:
        from tui.kube.fetch import get_manifest

        return get_manifest(self._client(), kinds.BY_ID[kind_id], namespace, name)

    def events(self, namespace: str, uid: str) -> list[Event]:
        from tui.kube.fetch import object_events

        return object_events(self._client(), namespace, uid)

    def contexts(self) -> tuple[list[Context], str | None]:
        """The kubeconfig's contexts (no credentials) and its current one."""
        from tui.kube.client import kubeconfig_paths, list_contexts

        return list_contexts(kubeconfig_paths(self.options.kubeconfig))

    def _client(self) -> KubeClient:
        if self.client is None:
            raise RuntimeError("not connected yet")
        return self.client

    # ---- background connect -------------------------------------------------------------------
    def _connect(self, epoch: int, context: str | None, cache: Cache, old: list[Session],
                 kind_ids: list[str], main: bool, keep_scope: bool) -> None:
        from tui.kube.client import KubeClient, kubeconfig_paths
        from tui.kube.session import Session

        for s in old:
            s.stop(deadline=1.0)
        try:
            client = KubeClient(kubeconfig_paths(self.options.kubeconfig), context)
        except Exception as e:  # a broken kubeconfig is shown, never raised
            if main:
                self._call(self._failed, epoch, context, f"cannot load kubeconfig: {e}")
            return
        explicit = self.options.all_namespaces or self.options.namespace or keep_scope
        configured = self.settings.namespaces_for(client.context)  # per-context default namespaces
        if explicit:
            scope = self.scope
        elif configured:
            scope = None if "*" in configured else configured
        else:
            scope = (client.namespace or "default",)
        session = Session(client, [kinds.BY_ID[k] for k in kind_ids], cache=cache,
                          allowed_namespaces=list(scope) if scope else None, tuning=self.options.tuning)
        identity = Identity(client.context, client.cluster, client.user, connecting=False)
        self._call(self._started, epoch, session, identity if main else None, scope)
        caps = session.start()
        if main:
            self._call(self._detected, epoch, caps, context)

    def _call(self, fn: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(fn, *args)
            except RuntimeError:
                pass

    def _failed(self, epoch: int, context: str | None, error: str) -> None:
        if epoch == self._epoch:
            self.identity = Identity(context=context or "", error=error, connecting=False)
            self.publish()

    def _started(self, epoch: int, session: Session, identity: Identity | None,
                 scope: tuple[str, ...] | None) -> None:
        if epoch != self._epoch:
            threading.Thread(target=session.stop, daemon=True).start()
            return
        self._sessions.append(session)
        if identity is not None:
            self.client, self.identity, self.scope = session.client, identity, scope
        self.publish()

    def _detected(self, epoch: int, caps: Capabilities, context: str | None) -> None:
        if epoch != self._epoch:
            return
        self.caps, self.detected = caps, True
        for kind_id in sorted(self._watched - self._spawned):
            self._spawned.add(kind_id)
            self._spawn(self.identity.context, [kind_id], main=False)
        if not caps.dvp and caps.problem.startswith("cannot reach") and self._loop is not None:
            self._loop.call_later(RETRY_UNREACHABLE, self._retry, epoch, context)
        self.publish()

    def _retry(self, epoch: int, context: str | None) -> None:
        if epoch == self._epoch and not self.caps.dvp:
            self.connect(context, keep_cache=True)
