"""Keymaps: keymaps/default.toml, a preset on top (k9s), then the user's overrides → App.set_keymap."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from tui.config import PRESETS, Problem, Settings, config_dir, line_of, source_text, toml_problem

KeyLists = dict[str, list[str]]
"""binding id → keys, first one shown in the footer."""
Origin = tuple[str, int]
"""Where a binding's keys were set: (file, line)."""
_KEY = re.compile(r"^(?:(?:ctrl|shift|alt|meta|super|hyper)\+)*(?:[a-z0-9_]+|[^\s,])$")


class KeymapError(ValueError):
    """A keymap file that is not `[scope]` tables of `action = ["key", ...]`."""


@dataclass(frozen=True)
class Conflict:
    """One key bound to two actions in one scope (the id prefix: `table`, `view`, ...)."""

    scope: str
    key: str
    ids: tuple[str, ...]

    def __str__(self) -> str:
        return f'key "{self.key}" is bound to {" and ".join(self.ids)} (both in [{self.scope}])'


@dataclass(frozen=True)
class Keys:
    """The effective keymap, where each binding's keys come from, and everything wrong with it."""

    keys: KeyLists
    origin: Mapping[str, Origin]
    problems: tuple[Problem, ...] = ()
    conflicts: tuple[Conflict, ...] = ()

    @property
    def keymap(self) -> dict[str, str]:
        """For App.set_keymap."""
        return as_keymap(self.keys)

    def conflict_problems(self) -> list[Problem]:
        """Each conflict at the place that made it (the user's line when a user file made it)."""
        out = []
        for c in self.conflicts:
            where = max((self.origin.get(i, ("keymaps/default.toml", 1)) for i in c.ids),
                        key=lambda o: not o[0].startswith("keymaps/"))
            out.append(Problem(where[0], where[1], str(c)))
        return out

    def all_problems(self) -> list[Problem]:
        return [*self.problems, *self.conflict_problems()]


def parse(text: str, source: str = "keymap") -> KeyLists:
    """`[scope]` tables of `action = ["key", ...]` (or a comma-separated string) → {scope.action: keys}."""
    keys, problems = check(text, source)
    if problems:
        raise KeymapError(str(problems[0]))
    return keys


def check(text: str, source: str = "keymap", known: Sequence[str] = ()) -> tuple[KeyLists, list[Problem]]:
    """Like `parse`, but every bad entry is a Problem (file:line) and the good ones are kept; with `known`,
    binding ids that do not exist are problems too."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        return {}, [toml_problem(e, text, source)]
    out: KeyLists = {}
    problems: list[Problem] = []
    for scope, table in doc.items():
        if not isinstance(table, dict):
            problems.append(Problem(source, line_of(text, scope), f"[{scope}] must be a table of action = [keys]"))
            continue
        for action, value in table.items():
            binding_id, line = f"{scope}.{action}", line_of(text, action, scope)
            keys, why = _keys(value)
            if known and binding_id not in known:
                why = f'no binding with id "{binding_id}"'
            if why:
                problems.append(Problem(source, line, f"{binding_id}: {why}"))
            else:
                out[binding_id] = keys
    return out, problems


def _keys(value: Any) -> tuple[list[str], str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not value or not all(isinstance(k, str) and k.strip() for k in value):
        return [], "keys must be a list of key names"
    keys = [k.strip() for k in value]
    bad = [k for k in keys if not _KEY.match(k)]
    if bad:
        return [], f'not a key name: "{bad[0]}" (Textual names: "ctrl+x", "f1", "question_mark", "G")'
    return keys, ""


def normal(key: str) -> str:
    """The long form Textual matches on ("?" → "question_mark")."""
    from textual.keys import _character_to_key  # not at import: run_ui sets TEXTUAL_FPS before Textual loads

    key = key.strip()
    return _character_to_key(key) if len(key) == 1 else key


def conflicts(keys: Mapping[str, Sequence[str]]) -> list[Conflict]:
    """Keys bound to two different binding ids of one scope."""
    seen: dict[tuple[str, str], list[str]] = {}
    for binding_id, ks in keys.items():
        scope = binding_id.split(".", 1)[0]
        for k in dict.fromkeys(normal(k) for k in ks):
            seen.setdefault((scope, k), []).append(binding_id)
    return [Conflict(scope, k, tuple(ids)) for (scope, k), ids in seen.items() if len(ids) > 1]


def preset_text(name: str) -> str:
    try:
        return resources.files("keymaps").joinpath(f"{name}.toml").read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise KeymapError(f"no keymap preset named {name!r}") from e


def preset(name: str) -> KeyLists:
    """A keymap shipped in the `keymaps` package (default.toml, k9s.toml, ...)."""
    return parse(preset_text(name), f"keymaps/{name}.toml")


def user_file() -> Path:
    """keymap.toml next to config.toml (~/.config/dvpsnap/keymap.toml)."""
    return config_dir() / "keymap.toml"


def _layer(into: KeyLists, origin: dict[str, Origin], keys: Mapping[str, list[str]], text: str,
           source: str) -> None:
    for binding_id, ks in keys.items():
        scope, _, action = binding_id.partition(".")
        into[binding_id] = ks
        origin[binding_id] = (source, line_of(text, action, scope))


def resolve(settings: Settings, path: Path | None = None, user_text: str | None = None) -> Keys:
    """default.toml, then the preset, then keymap.toml (`path`, or its `user_text` when given), then `[keys]` of
    config.toml; problems and conflicts are reported (file:line), never silently resolved."""
    merged: KeyLists = {}
    origin: dict[str, Origin] = {}
    problems: list[Problem] = []
    default_text = preset_text("default")
    _layer(merged, origin, parse(default_text, "keymaps/default.toml"), default_text, "keymaps/default.toml")
    known = list(merged)
    if settings.keymap != "default" and settings.keymap in PRESETS:
        text = preset_text(settings.keymap)
        _layer(merged, origin, parse(text, f"keymaps/{settings.keymap}.toml"), text,
               f"keymaps/{settings.keymap}.toml")
    path = path if path is not None else user_file()
    try:
        text = path.read_text(encoding="utf-8") if user_text is None else user_text
    except FileNotFoundError:
        text = ""
    except OSError as e:
        text = ""
        problems.append(Problem(str(path), 1, f"cannot read: {e}"))
    if text:
        user, bad = check(text, str(path), known)
        problems += bad
        _layer(merged, origin, user, text, str(path))
    config_text = source_text(settings.source)
    for binding_id, ks in settings.keys.items():
        line = line_of(config_text, binding_id, "keys")
        why = "" if binding_id in known else f'no binding with id "{binding_id}"'
        why = why or _keys(list(ks))[1]
        if why:
            problems.append(Problem(settings.source or "config.toml", line, f"keys.{binding_id}: {why}"))
            continue
        merged[binding_id] = list(ks)
        origin[binding_id] = (settings.source or "config.toml", line)
    return Keys(merged, origin, tuple(problems), tuple(conflicts(merged)))


def load(name: str = "default", overrides: Path | None = None,
         keys: Mapping[str, Sequence[str]] | None = None) -> dict[str, str]:
    """The effective keymap for App.set_keymap: default, then preset `name`, then the user's keymap file,
    then `keys` (binding id → keys, the `[keys]` table of config.toml)."""
    merged = preset("default")
    if name != "default":
        merged.update(preset(name))
    path = overrides if overrides is not None else user_file()
    if path.is_file():
        merged.update(parse(path.read_text(encoding="utf-8"), str(path)))
    merged.update({binding_id: list(k) for binding_id, k in (keys or {}).items()})
    return as_keymap(merged)


def as_keymap(keys: Mapping[str, list[str]]) -> dict[str, str]:
    return {binding_id: ",".join(k) for binding_id, k in keys.items()}
