"""YAML of one object, fetched on demand with GET: managedFields hidden by default, Secret data never shown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import yaml
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input

from tui.kube import kinds
from tui.kube.fetch import without_managed_fields
from tui.kube.store import Snapshot
from tui.live import Changes, Live
from tui.screens.base import LiveScreen
from tui.screens.text_pane import TextPane

if TYPE_CHECKING:
    from tui.screens.nav import Nav


def dump(obj: dict[str, Any], managed_fields: bool) -> str:
    shown = obj if managed_fields else without_managed_fields(obj)
    return yaml.safe_dump(shown, sort_keys=False, allow_unicode=True, width=1000, default_flow_style=False)


class YamlScreen(LiveScreen):
    """The object as the API server returns it now; ctrl+r fetches it again."""

    AUTO_FOCUS = "#yaml"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "search", "Search", priority=True, id="view.search"),
        Binding("n", "next_match(1)", "Next", id="view.search_next"),
        Binding("N", "next_match(-1)", "Previous", id="view.search_prev"),
        Binding("m", "toggle_managed", "managedFields", id="view.managed_fields"),
        Binding("c", "copy", "Copy", show=False, id="view.copy"),
    ]

    def __init__(self, live: Live, nav: Nav, kind: kinds.Kind, uid: str) -> None:
        super().__init__(live, nav)
        self.kind, self.uid = kind, uid
        obj = live.snapshot.of(kind.id).get(uid)
        self.obj_name = obj.metadata.name if obj is not None else ""
        self.obj_namespace = obj.metadata.namespace if obj is not None else ""
        self.manifest: dict[str, Any] | None = None
        self.error = ""
        self.managed_fields = False
        self.search_query = ""

    def compose_body(self) -> ComposeResult:
        yield TextPane(id="yaml")

    def body(self) -> Widget:
        return self.query_one(TextPane)

    def on_mount(self) -> None:
        super().on_mount()
        self.fetch()

    def update_body(self, snapshot: Snapshot, changes: Changes | None) -> None:
        self.set_status(self._status())

    def _status(self) -> Text:
        where = f"{self.obj_namespace}/{self.obj_name}" if self.obj_namespace else self.obj_name
        if self.error:
            return self.badge("error", self.error)
        if self.manifest is None:
            return self.badge("progress", f"fetching {self.kind.kind} {where}…")
        text = Text(f"{self.kind.kind} {where} · GET at open (ctrl+r again)", end="")
        text.append(" · managedFields " + ("shown" if self.managed_fields else "hidden (m)"))
        if self.kind.id == "secret":
            text.append(" · data values hidden")
        if self.search_query:
            pane = self.query_one(TextPane)
            at = "" if pane.current is None else f"{pane.current + 1}/"
            text.append(f" · “{self.search_query}”: {at}{len(pane.matches)} matches (n/N)")
        return text

    # ---- fetching ------------------------------------------------------------------------------
    def fetch(self) -> None:
        name, namespace, kind_id = self.obj_name, self.obj_namespace, self.kind.id
        if not name:
            self._fetched(None, f"{self.kind.kind} is no longer in the cache")
            return
        self.live.fetch(lambda: self.live.manifest(kind_id, namespace, name), self._fetched)

    def _fetched(self, manifest: dict[str, Any] | None, error: str) -> None:
        if not self.is_attached:
            return
        self.manifest, self.error = manifest, f"GET failed: {error}" if error else ""
        self.render_yaml()

    def render_yaml(self) -> None:
        if self.manifest is not None:
            self.query_one(TextPane).set_text(dump(self.manifest, self.managed_fields))
        self.set_status(self._status())

    def refresh_data(self) -> None:
        self.fetch()

    # ---- actions -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """`/` is a priority key (typed-ahead text lands in the prompt), but only a character in a prompt."""
        return not (action == "search" and isinstance(self.focused, Input))

    def action_search(self) -> None:
        self.open_filter()

    def prompt_value(self) -> str:
        return self.search_query

    def set_filter(self, text: str) -> None:
        self.search_query = text
        self.query_one(TextPane).search(text)
        self.set_status(self._status())

    def back(self) -> bool:
        if self.search_query:
            self.set_filter("")
            return True
        return False

    def action_next_match(self, step: int) -> None:
        self.query_one(TextPane).next_match(step)
        self.set_status(self._status())

    def action_toggle_managed(self) -> None:
        self.managed_fields = not self.managed_fields
        self.render_yaml()

    def action_copy(self) -> None:
        self.nav.copy(self.query_one(TextPane).text, "the YAML")
