"""Config file parsing: effective settings, per-context rules, and problems reported with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui.config import Settings, config_path, load, parse

GOOD = """\
theme = "textual-light"
keymap = "k9s"
mouse = false
stuck_after = "2h"

[keys]
"app.quit" = ["ctrl+c", "q"]

[[context]]
match = "prod-*"
read_only = true

[[context]]
match = "dev"
namespaces = ["a", "b"]
"""


def test_good_file_gives_the_effective_settings() -> None:
    s, problems = parse(GOOD, "c.toml", ("textual-dark", "textual-light"))
    assert problems == []
    assert (s.theme, s.keymap, s.mouse, s.stuck_after_seconds) == ("textual-light", "k9s", False, 7200)
    assert s.keys == {"app.quit": ("ctrl+c", "q")}
    assert s.read_only_for("prod-eu") and not s.read_only_for("dev") and not s.read_only_for("prodx")
    assert s.namespaces_for("dev") == ("a", "b") and s.namespaces_for("prod-eu") is None


def test_problems_name_file_and_line_and_keep_defaults_for_the_bad_parts() -> None:
    text = ('theme = "nope"\nkeymap = "emacs"\nmouse = "yes"\ncolour = 1\n\n'
            '[[context]]\nmatch = "x"\nread_only = "sure"\n')
    s, problems = parse(text, "c.toml", ("textual-dark",))
    got = {(p.line, p.message.split(" ")[0]) for p in problems}
    assert (1, "unknown") in got and (2, "keymap") in got and (3, "mouse") in got and (4, "unknown") in got
    assert any(p.line == 8 and "read_only" in p.message for p in problems)
    assert str(problems[0]).startswith("c.toml:1: ")
    assert (s.theme, s.keymap, s.mouse) == (Settings().theme, "default", True)


def test_broken_toml_is_one_problem_and_defaults() -> None:
    s, problems = parse('theme = "a"\nkeymap = \n', "c.toml")
    assert len(problems) == 1 and problems[0].line == 2 and "not valid TOML" in problems[0].message
    assert s == Settings(source="c.toml")


def test_path_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("DVPSNAP_CONFIG", raising=False)
    assert config_path() == tmp_path / "dvpsnap" / "config.toml"
    monkeypatch.setenv("DVPSNAP_CONFIG", str(tmp_path / "x.toml"))
    assert config_path() == tmp_path / "x.toml"
    assert load(tmp_path / "missing.toml") == (Settings(), [])
