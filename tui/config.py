"""Settings from the XDG config dir (TOML), checked with file:line problems; no Textual here."""

from __future__ import annotations

import fnmatch
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

PRESETS = ("default", "k9s", "vim")
_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class ContextRule:
    """Settings for kube contexts whose name matches `match` (shell pattern, e.g. "prod-*")."""

    match: str
    read_only: bool | None = None
    namespaces: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Problem:
    """Something wrong in the config file; the app starts with the default for that setting."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Settings:
    theme: str = "dvpsnap"
    keymap: str = "default"
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    mouse: bool = True
    low_bandwidth: bool = False
    stuck_after_seconds: int = 600  # the same as tui.kube.hygiene.STUCK_AFTER
    journal: str = ""
    contexts: tuple[ContextRule, ...] = ()
    source: str = ""

    def read_only_for(self, context: str) -> bool:
        """The first matching context rule with read_only set decides; default: writable."""
        rule = self.read_only_rule(context)
        return rule is not None and bool(rule.read_only)

    def read_only_rule(self, context: str) -> ContextRule | None:
        """The context rule that decides read-only for `context` (None: no rule sets it)."""
        for rule in self.contexts:
            if rule.read_only is not None and fnmatch.fnmatchcase(context, rule.match):
                return rule
        return None

    def namespaces_for(self, context: str) -> tuple[str, ...] | None:
        for rule in self.contexts:
            if rule.namespaces is not None and fnmatch.fnmatchcase(context, rule.match):
                return rule.namespaces
        return None

    def shown(self) -> dict[str, Any]:
        """The effective settings as plain data (for `dvpsnap config show`)."""
        return {
            "source": self.source or "(defaults)", "theme": self.theme, "keymap": self.keymap,
            "keys": {k: list(v) for k, v in self.keys.items()}, "mouse": self.mouse,
            "low_bandwidth": self.low_bandwidth, "stuck_after": f"{self.stuck_after_seconds}s",
            "journal": self.journal or "(XDG state dir)/journal.jsonl",
            "context": [{"match": c.match, "read_only": c.read_only,
                         "namespaces": list(c.namespaces) if c.namespaces is not None else None}
                        for c in self.contexts],
        }


def config_dir() -> Path:
    """The directory of config.toml, keymap.toml and themes/*.toml."""
    return config_path().parent


def config_path() -> Path:
    """`$DVPSNAP_CONFIG`, else `$XDG_CONFIG_HOME/dvpsnap/config.toml` (default ~/.config)."""
    explicit = os.environ.get("DVPSNAP_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(base) / "dvpsnap" / "config.toml"


def toml_problem(error: tomllib.TOMLDecodeError, text: str, file: str) -> Problem:
    """A TOML syntax error at its line ("at end of document" is the last line)."""
    m = re.search(r"line (\d+)", str(error))
    line = int(m.group(1)) if m else max(1, len(text.splitlines()))
    return Problem(file, line, f"not valid TOML: {error}")


def source_text(source: str) -> str:
    """The text of a config file ("" when there is none or it cannot be read)."""
    try:
        return Path(source).read_text(encoding="utf-8") if source else ""
    except OSError:
        return ""


def line_of(text: str, key: str, table: str | None = None, nth: int = 0) -> int:
    """Best-effort line of `key` (inside `[table]`, or the nth `[[table]]`)."""
    lines = text.splitlines()
    start = 0
    if table:
        seen = -1
        for i, line in enumerate(lines):
            s = line.strip()
            if s in (f"[{table}]", f"[[{table}]]"):
                seen += 1
                if seen == nth:
                    start = i
                    break
    pat = re.compile(rf'^\s*"?{re.escape(key)}"?\s*=')
    for i in range(start, len(lines)):
        if pat.match(lines[i]):
            return i + 1
    return start + 1


def _duration(value: Any) -> int | None:
    if isinstance(value, int) and value > 0:
        return value
    m = _DURATION.match(str(value))
    return int(m.group(1)) * _UNITS[m.group(2)] if m else None


def _str_list(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return tuple(value)
    return None


TOP = {"theme", "keymap", "keys", "mouse", "low_bandwidth", "stuck_after", "journal", "context"}


def parse(text: str, file: str = "config.toml", known_themes: tuple[str, ...] = ()) -> tuple[Settings, list[Problem]]:
    """Settings from TOML text; every bad part is reported and replaced by its default."""
    problems: list[Problem] = []
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        return Settings(source=file), [toml_problem(e, text, file)]
    s = Settings(source=file)

    def bad(key: str, msg: str, table: str | None = None, nth: int = 0) -> None:
        problems.append(Problem(file, line_of(text, key, table, nth), msg))

    for key in data:
        if key not in TOP:
            bad(key, f'unknown setting "{key}"')
    theme = data.get("theme", s.theme)
    if not isinstance(theme, str) or (known_themes and theme not in known_themes):
        bad("theme", f'unknown theme "{theme}"' + (f"; known: {', '.join(known_themes)}" if known_themes else ""))
    else:
        s = replace(s, theme=theme)
    preset = data.get("keymap", s.keymap)
    if preset not in PRESETS:
        bad("keymap", f'keymap must be one of {", ".join(PRESETS)}, not "{preset}"')
    else:
        s = replace(s, keymap=preset)
    for flag in ("mouse", "low_bandwidth"):
        if flag in data:
            if isinstance(data[flag], bool):
                s = replace(s, **{flag: data[flag]})
            else:
                bad(flag, f"{flag} must be true or false")
    if "stuck_after" in data:
        secs = _duration(data["stuck_after"])
        if secs is None:
            bad("stuck_after", f'stuck_after must be a duration like "30m", not {data["stuck_after"]!r}')
        else:
            s = replace(s, stuck_after_seconds=secs)
    if "journal" in data:
        if isinstance(data["journal"], str):
            s = replace(s, journal=os.path.expanduser(data["journal"]))
        else:
            bad("journal", "journal must be a file path")
    keys: dict[str, tuple[str, ...]] = {}
    raw_keys = data.get("keys", {})
    if not isinstance(raw_keys, dict):
        bad("keys", "keys must be a table of binding id = [keys]")
        raw_keys = {}
    for bid, val in raw_keys.items():
        ks = _str_list(val)
        if ks is None or not re.match(r"^[a-z_]+\.[a-z_]+$", bid):
            bad(bid, f'keys."{bid}" must be a binding id (owner.action) with a key or list of keys', "keys")
        else:
            keys[bid] = ks
    s = replace(s, keys=keys)
    rules = []
    for i, ctx in enumerate(data.get("context", []) if isinstance(data.get("context"), list) else []):
        if not isinstance(ctx, dict) or not isinstance(ctx.get("match"), str):
            bad("match", "each [[context]] needs match = \"pattern\"", "context", i)
            continue
        for k in ctx:
            if k not in ("match", "read_only", "namespaces"):
                bad(k, f'unknown context setting "{k}"', "context", i)
        ro = ctx.get("read_only")
        if ro is not None and not isinstance(ro, bool):
            bad("read_only", "read_only must be true or false", "context", i)
            ro = None
        nss = _str_list(ctx["namespaces"]) if "namespaces" in ctx else None
        if "namespaces" in ctx and nss is None:
            bad("namespaces", "namespaces must be a list of names", "context", i)
        rules.append(ContextRule(ctx["match"], ro, nss))
    return replace(s, contexts=tuple(rules)), sorted(problems, key=lambda p: p.line)


def load(path: Path | None = None, known_themes: tuple[str, ...] = ()) -> tuple[Settings, list[Problem]]:
    """Read the config file (absent → defaults, no problem)."""
    path = path or config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings(), []
    except OSError as e:
        return Settings(), [Problem(str(path), 1, f"cannot read: {e}")]
    return parse(text, str(path), known_themes)
