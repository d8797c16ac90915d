"""`dvpsnap config path|check|show`, `dvpsnap keys`, and a help string on every flag of every command."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tui.__main__ import main, parser

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "kube" / "config"))
    monkeypatch.delenv("DVPSNAP_CONFIG", raising=False)
    (tmp_path / "dvpsnap").mkdir()
    return tmp_path / "dvpsnap"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def parsers(p: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    out = [(p.prog, p)]
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                out += parsers(sub)
    return out


def test_every_flag_and_command_has_a_help_string() -> None:
    for prog, p in parsers(parser()):
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                names = {c.dest for c in action._choices_actions}
                assert names == set(action.choices), f"{prog}: a command without help"
                assert all(c.help for c in action._choices_actions), prog
            else:
                assert action.help, f"{prog} {action.option_strings or action.dest} has no help"
    text = parser().format_help()
    assert "config" in text and "keys" in text and "config.toml" in text


def test_config_path(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "config", "path") == (0, f"{cfg / 'config.toml'}\n")
    code, out = run(capsys, "config", "path", "--all")
    assert code == 0
    assert f"config      {cfg / 'config.toml'}  (absent)" in out
    assert f"themes      {cfg / 'themes'}  (absent)" in out and "kubeconfig" in out


def test_config_check_prints_file_line_and_exits_1(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "config", "check")[0] == 0
    (cfg / "config.toml").write_text('theme = "nope"\nmouse = "yes"\n[keys]\n"resource.describe" = ["y"]\n')
    (cfg / "themes").mkdir()
    (cfg / "themes" / "sea.toml").write_text('primary = "#0087af"\nsurface = "wet"\n')
    (cfg / "keymap.toml").write_text('[table]\nup = ["Ctrl-K"]\n')
    code, out = run(capsys, "config", "check")
    assert code == 1
    lines = out.splitlines()
    assert any(line.startswith(f"{cfg / 'config.toml'}:1: unknown theme \"nope\"") for line in lines)
    assert any(line.startswith(f"{cfg / 'config.toml'}:2: mouse") for line in lines)
    assert f"{cfg / 'config.toml'}:4: key \"y\" is bound to resource.describe and resource.yaml" in out
    assert f"{cfg / 'themes' / 'sea.toml'}:2: surface" in out
    assert f"{cfg / 'keymap.toml'}:2: table.up: not a key name" in out
    (cfg / "config.toml").write_text('theme = "sea"\n')  # a user theme is a known theme
    (cfg / "themes" / "sea.toml").write_text('primary = "#0087af"\n')
    (cfg / "keymap.toml").unlink()
    assert run(capsys, "config", "check")[0] == 0


def test_config_show_as_toml_and_json(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (cfg / "config.toml").write_text('keymap = "k9s"\nstuck_after = "1h"\n[keys]\n"app.help" = ["f1"]\n'
                                     '[[context]]\nmatch = "prod-*"\nread_only = true\n')
    code, out = run(capsys, "config", "show")
    shown = tomllib.loads(out)
    assert code == 0 and shown["keymap"] == "k9s" and shown["stuck_after"] == "3600s"
    assert shown["keys"] == {"app.help": ["f1"]} and shown["context"] == [{"match": "prod-*", "read_only": True}]
    code, out = run(capsys, "config", "show", "--format", "json")
    assert json.loads(out)["context"][0] == {"match": "prod-*", "read_only": True, "namespaces": None}


def test_keys_lists_every_binding_with_description_origin_and_conflicts(cfg: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "keys")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines()[2:] if line.strip()}
    assert "Describe" in rows["resource.describe"] and "keymaps/default.toml" in rows["resource.describe"]
    assert "problems" not in out
    (cfg / "config.toml").write_text('[keys]\n"table.sort_name" = ["A"]\n')
    code, out = run(capsys, "keys", "--preset", "k9s")
    assert "keymap preset k9s" in out and "ctrl+q,ctrl+c" in out
    assert f"{cfg / 'config.toml'}:2: key \"A\" is bound to table.sort_name and table.sort_age" in out


def test_the_console_script_runs_config_path_without_textual(cfg: Path) -> None:
    code = "import sys; from tui.__main__ import main; main(['config', 'path']); print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.splitlines() == [str(cfg / "config.toml"), "False"]
