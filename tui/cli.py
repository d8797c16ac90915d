"""`dvpsnap config path|check|show` and `dvpsnap keys`: the operator's settings, without starting the UI."""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import pkgutil
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from tui import config, keymap
from tui.config import PRESETS, Problem

if TYPE_CHECKING:
    Sub = argparse._SubParsersAction[argparse.ArgumentParser]


def add_parsers(sub: Sub) -> None:
    c = sub.add_parser("config", help="where the settings are read from; check them; show the effective ones",
                       description="Settings live in $DVPSNAP_CONFIG, else $XDG_CONFIG_HOME/dvpsnap/config.toml "
                                   "(keymap.toml and themes/*.toml next to it).")
    what = c.add_subparsers(dest="config_command", required=True, metavar="{path,check,show}")
    path = what.add_parser("path", help="print the config file's path (with --all: every file dvpsnap reads)")
    path.add_argument("--all", action="store_true", help="also the keymap, themes, journal and kubeconfig files")
    what.add_parser("check", help="validate config.toml, keymap.toml, themes/*.toml and key conflicts; "
                                  "print problems as file:line; exit 1 if there are any")
    show = what.add_parser("show", help="print the effective settings (defaults, then the config file)")
    show.add_argument("--format", choices=("toml", "json"), default="toml", help="output format (default: toml)")
    keys = sub.add_parser("keys", help="print the effective keymap: binding id, keys, description, where set")
    keys.add_argument("--preset", choices=PRESETS, help="show this preset instead of the configured one")


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    try:
        return _run(args, out or sys.stdout)
    except BrokenPipeError:  # `dvpsnap keys | head`
        sys.stderr.close()
        return 0


def _run(args: argparse.Namespace, out: TextIO) -> int:
    if args.command == "keys":
        return keys(args.preset, out)
    if args.config_command == "path":
        return path(args.all, out)
    if args.config_command == "check":
        return check(out)
    return show(args.format, out)


def _load() -> tuple[config.Settings, list[Problem]]:
    from tui.themes import known_names, load_user

    themes, theme_problems = load_user()
    settings, problems = config.load(known_themes=known_names(themes))
    return settings, [*problems, *theme_problems]


def path(everything: bool, out: TextIO) -> int:
    from tui.kube.client import kubeconfig_paths
    from tui.kube.writes import state_dir

    file = config.config_path()
    if not everything:
        print(file, file=out)
        return 0
    settings, _ = config.load()
    rows = [("config", file), ("keymap", keymap.user_file()), ("themes", config.config_dir() / "themes"),
            ("journal", settings.journal or state_dir() / "journal.jsonl"),
            *(("kubeconfig", p) for p in kubeconfig_paths())]
    for label, p in rows:
        print(f"{label:<11} {p}{'' if Path(p).exists() else '  (absent)'}", file=out)
    return 0


def check(out: TextIO) -> int:
    settings, problems = _load()
    keys = keymap.resolve(settings)
    problems += keys.all_problems()
    for problem in problems:
        print(problem, file=out)
    if problems:
        return 1
    print(f"ok: {settings.source or config.config_path()} (keymap {settings.keymap}, theme {settings.theme})",
          file=out)
    return 0


def show(fmt: str, out: TextIO) -> int:
    settings, problems = _load()
    data = settings.shown()
    if fmt == "json":
        print(json.dumps(data, indent=2), file=out)
    else:
        out.write(to_toml(data))
    for problem in problems:
        print(f"dvpsnap: config: {problem}", file=sys.stderr)
    return 0


def to_toml(data: Mapping[str, Any]) -> str:
    """The shown settings as TOML (None values left out: TOML has no null)."""
    lines = [f"# effective settings; read from {data.get('source')}"]
    tables = {k: v for k, v in data.items() if isinstance(v, dict | list) and k != "source"}
    for key, value in data.items():
        if key != "source" and key not in tables and value is not None:
            lines.append(f"{key} = {json.dumps(value)}")
    for key, value in tables.items():
        if isinstance(value, dict) and value:
            lines += ["", f"[{key}]", *(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in value.items())]
        else:
            for item in value:
                lines += ["", f"[[{key}]]", *(f"{k} = {json.dumps(v)}" for k, v in item.items() if v is not None)]
    return "\n".join(lines) + "\n"


def descriptions() -> dict[str, str]:
    """binding id → what it does, from the Bindings in code (several screens may share an id)."""
    from textual.binding import Binding
    from textual.dom import DOMNode

    import tui.app
    import tui.screens
    import widgets

    modules: list[Any] = [tui.app]
    for package in (tui.screens, widgets):
        modules += [importlib.import_module(f"{package.__name__}.{m.name}")
                    for m in pkgutil.iter_modules(package.__path__)]
    found: dict[str, dict[str, None]] = {}
    for module in modules:
        for cls in vars(module).values():
            if inspect.isclass(cls) and issubclass(cls, DOMNode) and cls.__module__ == module.__name__:
                for b in cls.__dict__.get("BINDINGS", []):
                    if isinstance(b, Binding) and b.id:
                        found.setdefault(b.id, {})[b.description or b.action] = None
    return {k: " / ".join(v) for k, v in found.items()}


def keys(preset: str | None, out: TextIO) -> int:
    settings, _ = config.load()
    if preset is not None:
        settings = replace(settings, keymap=preset)
    resolved = keymap.resolve(settings)
    described = descriptions()
    rows = [(bid, ",".join(ks), described.get(bid, ""), _where(resolved.origin.get(bid)))
            for bid, ks in sorted(resolved.keys.items())]
    widths = [max(len(r[i]) for r in [("ID", "KEYS", "DESCRIPTION", "FROM"), *rows]) for i in range(3)]
    print(f"# keymap preset {settings.keymap}; ids are remappable in keymap.toml or [keys] of config.toml",
          file=out)
    for r in [("ID", "KEYS", "DESCRIPTION", "FROM"), *rows]:
        print(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}".rstrip(), file=out)
    bad = resolved.all_problems()
    if bad:
        print("\nproblems (two actions on one key are not resolved for you):", file=out)
        for problem in bad:
            print(f"  {problem}", file=out)
    return 0


def _where(origin: tuple[str, int] | None) -> str:
    if origin is None:
        return ""
    return origin[0] if origin[0].startswith("keymaps/") else f"{origin[0]}:{origin[1]}"
