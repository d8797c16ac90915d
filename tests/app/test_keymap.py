"""keymaps/default.toml equals the Bindings in code, both ways; presets and user overrides apply by id."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import _character_to_key

import tui.app
import tui.screens
import widgets
from tests.app.helpers import make_app, ready, until
from tui.keymap import KeymapError, as_keymap, load, parse, preset
from tui.screens.detail import DetailScreen
from tui.screens.help import HelpScreen
from widgets.live_table import LiveTable
from widgets.live_tree import LiveTree

FORBIDDEN = {"ctrl+a", "ctrl+b", "ctrl+d", "ctrl+k", "ctrl+w"}


def normal(keys: list[str]) -> list[str]:
    return [_character_to_key(k) if len(k) == 1 else k for k in (k.strip() for k in keys)]


def classes() -> list[type[DOMNode]]:
    """Every Screen/Widget class defined in tui.app, tui.screens.* and widgets.*."""
    modules: list[Any] = [tui.app]
    for package in (tui.screens, widgets):
        modules += [importlib.import_module(f"{package.__name__}.{m.name}")
                    for m in pkgutil.iter_modules(package.__path__)]
    return [cls for module in modules for cls in vars(module).values()
            if inspect.isclass(cls) and issubclass(cls, DOMNode) and cls.__module__ == module.__name__]


def code_bindings() -> dict[str, list[tuple[str, list[str]]]]:
    found: dict[str, list[tuple[str, list[str]]]] = {}
    for cls in classes():
        for binding in cls.__dict__.get("BINDINGS", []):
            assert isinstance(binding, Binding), f"{cls.__name__}: use Binding(..., id=...), not a tuple"
            assert binding.id, f"{cls.__name__} binds {binding.key!r} without an id"
            found.setdefault(binding.id, []).append((cls.__name__, normal(binding.key.split(","))))
    return found


def test_default_toml_equals_the_bindings_in_code_both_ways() -> None:
    code, toml = code_bindings(), preset("default")
    assert set(code) == set(toml), (f"only in code: {sorted(set(code) - set(toml))}; "
                                   f"only in default.toml: {sorted(set(toml) - set(code))}")
    for binding_id, uses in code.items():
        for owner, keys in uses:
            assert keys == normal(toml[binding_id]), f"{binding_id} in {owner}: {keys} != {toml[binding_id]}"


def test_defaults_respect_the_house_rules() -> None:
    defaults = preset("default")
    used = {k for keys in defaults.values() for k in normal(keys)}
    assert not used & FORBIDDEN
    for name in ("k9s", "vim"):
        assert set(preset(name)) <= set(defaults), f"{name}.toml names ids that do not exist"


def test_user_overrides_and_bad_files(tmp_path: Path) -> None:
    user = tmp_path / "keymap.toml"
    user.write_text('[resource]\ndescribe = ["i", "d"]\n[app]\nquit = "ctrl+q,ctrl+c"\n')
    keymap = load("k9s", overrides=user)
    assert keymap["resource.describe"] == "i,d"
    assert keymap["app.quit"] == "ctrl+q,ctrl+c"
    assert keymap["table.page_up"] == "pageup,ctrl+b"  # from the k9s preset
    assert as_keymap({"a.b": ["x", "y"]}) == {"a.b": "x,y"}
    assert load(overrides=user, keys={"app.help": ("f1", "question_mark")})["app.help"] == "f1,question_mark"
    with pytest.raises(KeymapError):
        parse("[app]\nhelp = 3\n")
    with pytest.raises(KeymapError):
        preset("no-such-preset")


async def test_a_remapped_key_works_in_the_app(sim: Any, data: Any, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "dvpsnap").mkdir()
    (tmp_path / "dvpsnap" / "keymap.toml").write_text('[resource]\ndescribe = ["i"]\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        tree = app.screen.query_one(LiveTree)
        uid = data["web-01"]["metadata"]["uid"]
        await until(pilot, lambda: tree.node(uid) is not None)
        tree.move_cursor(uid)
        await pilot.press("question_mark")  # help is generated from the active (remapped) bindings
        assert isinstance(app.screen, HelpScreen)
        row = app.screen.query_one(LiveTable).row("resource.describe")
        assert row is not None and row.cells[1] == "i"
        await pilot.press("escape", "d")  # d is no longer bound
        assert not isinstance(app.screen, DetailScreen)
        await pilot.press("i")
        assert isinstance(app.screen, DetailScreen)
