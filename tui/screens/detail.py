"""Detail of one object: key fields, every condition, related objects (Enter jumps), recent events."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from tui.kube import kinds
from tui.kube.display import human_age, parse_time, status_badge, why_line
from tui.kube.objects import Condition, Event, KubeObject
from tui.kube.related import related
from tui.kube.store import Snapshot
from tui.live import Changes, Live
from tui.screens import rows
from tui.screens.base import LiveScreen
from widgets.badge import TONES, Tone, badge_text, resolve_tones, tone_class, tone_css, tone_styles
from widgets.live_table import Column, LiveTable, Row
from widgets.safe_text import PANE_LIMIT, safe_text

if TYPE_CHECKING:
    from tui.screens.nav import Nav

KEY_WIDTH = 14
EVENTS_SHOWN = 20
RELATED_COLUMNS = [Column("kind", "KIND", max_width=22), Column("name", "NAME", max_width=48),
                   Column("state", "STATE", width=14), Column("relation", "RELATION", max_width=40)]
_STATUS_TONE: dict[str, Tone] = {"True": "ok", "False": "warning"}


class Section(Static):
    """A block of sanitized, tone-resolved text."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {tone_class("section", t) for t in TONES}
    DEFAULT_CSS = "Section { height: auto; padding: 0 1; }\n" + tone_css("Section", "section")

    def show(self, text: Text) -> None:
        text = text.copy()
        text.rstrip()
        self.update(resolve_tones(safe_text(text, multiline=True, limit=PANE_LIMIT),
                                  tone_styles(self, "section")))


class DetailScreen(LiveScreen):
    """One object, live: the last known state stays on screen (marked) if it is deleted."""

    AUTO_FOCUS = "#related"
    FILTERABLE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "yaml", "YAML", id="resource.yaml"),
    ]

    def __init__(self, live: Live, nav: Nav, kind: kinds.Kind, uid: str) -> None:
        super().__init__(live, nav)
        self.kind, self.uid = kind, uid
        self.obj: KubeObject | None = live.snapshot.of(kind.id).get(uid)
        self.gone = False
        self.events: list[Event] | None = None
        self.events_error = ""
        self._events_rv = ""
        self._asked = 0
        self._links: dict[str, tuple[str, str]] = {}

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Section(id="fields")
            yield Section(id="conditions")
            yield Section(id="events")
        yield Static(Text("Related — Enter opens · Tab switches to the details above", style="bold"),
                     id="related-title")
        yield LiveTable(RELATED_COLUMNS, ascii_only=self.ascii_only, id="related")

    def body(self) -> Widget:
        return self.query_one("#related")

    def badge(self, tone: Tone, word: str) -> Text:
        return badge_text(tone, word, ascii_only=self.ascii_only)

    # ---- live ----------------------------------------------------------------------------------
    def update_body(self, snapshot: Snapshot, changes: Changes | None) -> None:
        current = snapshot.of(self.kind.id).get(self.uid)
        if current is not None:
            self.obj, self.gone = current, False
        elif self.obj is not None and (changes is None or self.uid in changes):
            self.gone = True
        obj = self.obj
        if obj is None:
            self.set_status(self.badge("error", f"{self.kind.kind} is not in the cache (deleted?)"))
            return
        self.query_one("#fields", Section).show(self.fields(obj))
        self.query_one("#conditions", Section).show(self.conditions(obj))
        self.show_related(obj)
        if obj.metadata.resource_version != self._events_rv:
            self._events_rv = obj.metadata.resource_version
            self.fetch_events(obj.namespace, obj.uid)
        self.query_one("#events", Section).show(self.event_lines())
        notice = self.link_status(self.kind.id, f"{self.kind.kind}s")
        if self.gone:
            notice = self.badge("error", "deleted — showing the last known state")
        self.set_status(notice or Text(f"{self.kind.kind} {obj.namespace}/{obj.name}".replace(" /", " ")))

    def fields(self, obj: Any) -> Text:
        now = self.live.now()
        badge = status_badge(obj, now)
        out = Text(end="")
        created = obj.metadata.creation_timestamp
        width = max(KEY_WIDTH, *(len(c.header) + 2 for c in self.kind.columns))

        def field(key: str, value: Text | str) -> None:
            out.append(f"{key:<{width}}", style="bold")
            out.append_text(value if isinstance(value, Text) else Text(value))
            out.append("\n")

        field("Kind", self.kind.kind)
        field("Name", obj.metadata.name)
        if obj.metadata.namespace:
            field("Namespace", obj.metadata.namespace)
        field("State", self.badge("error", "Deleted") if self.gone else self.badge(badge.tone, badge.word or "—"))
        why = why_line(obj)
        if why is not None:
            field("Why", f"{why.type}: {why.reason}" + (f" — {why.message}" if why.message else ""))
        for column in self.kind.columns:
            if column.id not in ("name", "phase", "age"):
                value = rows.cell(column, obj, now, self.ascii_only)
                if (value.plain if isinstance(value, Text) else value):
                    field(column.header, value)
        field("UID", obj.metadata.uid)
        if created is not None:
            field("Created", f"{created.isoformat()} ({human_age(created, now)} ago)")
        if obj.metadata.deletion_timestamp is not None:
            field("Deleting", f"since {obj.metadata.deletion_timestamp.isoformat()}")
        labels = obj.metadata.labels or {}
        if labels:
            field("Labels", ", ".join(f"{k}={v}" for k, v in sorted(labels.items())))
        owners = ", ".join(f"{o.kind}/{o.name}" for o in obj.metadata.owner_references)
        if owners:
            field("Owners", owners)
        if obj.metadata.finalizer_count:
            field("Finalizers", str(obj.metadata.finalizer_count))
        if obj.problem:
            field("Problem", obj.problem)
        return out

    def conditions(self, obj: KubeObject) -> Text:
        out = Text("Conditions\n", style="bold", end="")
        if not obj.conditions:
            out.append("  none\n", style="dim")
        for c in obj.conditions:
            out.append_text(self.condition(c))
        return out

    def condition(self, c: Condition) -> Text:
        since = parse_time(c.last_transition_time)
        line = Text("  ", end="")
        line.append(f"{c.type:<28}", style="bold")
        line.append_text(self.badge(_STATUS_TONE.get(c.status, "unknown"), c.status or "?"))
        line.append(f"  {c.reason}")
        if since is not None:
            line.append(f"  {human_age(since, self.live.now())} ago", style="dim")
        line.append("\n")
        if c.message:
            line.append(f"    {c.message}\n", style="italic")
        return line

    def show_related(self, obj: KubeObject) -> None:
        now, table = self.live.now(), self.query_one("#related", LiveTable)
        items, self._links = [], {}
        for index, r in enumerate(related(self.live.view, obj)):
            key = r.obj.uid if r.obj is not None else f"absent-{index}-{r.kind}/{r.name}"
            if key in self._links:
                continue
            if r.obj is not None:
                badge = status_badge(r.obj, now)
                state: Text | str = self.badge(badge.tone, badge.word or "—")
                self._links[key] = (r.kind, r.obj.uid)
            else:
                state = self.badge("unknown", "not in view")
            title = kinds.BY_ID[r.kind].kind if r.kind in kinds.BY_ID else r.kind
            items.append(Row(key, (title, r.name, state, r.relation)))
        table.update(items)
        table.display = self.query_one("#related-title").display = bool(items)

    # ---- events (fetched on demand, never watched for the whole cluster) -------------------------
    def fetch_events(self, namespace: str, uid: str) -> None:
        self._asked += 1
        asked = self._asked
        self.live.fetch(lambda: self.live.events(namespace, uid),
                        lambda found, error: self._show_events(asked, found, error))

    def _show_events(self, asked: int, found: list[Event] | None, error: str) -> None:
        if asked != self._asked or not self.is_attached:
            return  # an older answer, or the view is closed
        self.events, self.events_error = found or [], f"events: {error}" if error else ""
        self.query_one("#events", Section).show(self.event_lines())

    def event_lines(self) -> Text:
        out = Text("Events (newest first)\n", style="bold", end="")
        if self.events_error:
            out.append_text(self.badge("error", self.events_error))
            return out
        if self.events is None:
            out.append("  loading…\n", style="dim")
            return out
        if not self.events:
            out.append("  none\n", style="dim")
        now = self.live.now()
        for e in self.events[:EVENTS_SHOWN]:
            when = e.last_timestamp or e.event_time or e.first_timestamp or e.metadata.creation_timestamp
            tone: Tone = "warning" if e.type == "Warning" else "ok"
            out.append(f"  {human_age(when, now):>4}  ")
            out.append_text(self.badge(tone, e.type or "Normal"))
            out.append(f"  {e.reason}", style="bold")
            out.append(f"  {e.message}" + (f" (x{e.count})" if e.count and e.count > 1 else "") + "\n")
        return out

    # ---- actions ---------------------------------------------------------------------------------
    @on(LiveTable.RowSelected, "#related")
    def _jump(self, event: LiveTable.RowSelected) -> None:
        event.stop()
        target = self._links.get(event.key)
        if target is not None:
            self.nav.open_detail(*target)

    def action_yaml(self) -> None:
        self.nav.open_yaml(self.kind.id, self.uid)

    def refresh_data(self) -> None:
        """ctrl+r here: fetch the events again."""
        if self.obj is not None:
            self.fetch_events(self.obj.namespace, self.obj.uid)
