"""Keymap resolution (preset, keymap.toml, [keys]) with problems and conflicts at file:line; theme files."""

from __future__ import annotations

from pathlib import Path

from tui.config import Settings, parse
from tui.keymap import check, conflicts, normal, preset, resolve
from tui.kube.hygiene import STUCK_AFTER
from tui.themes import HIGH_CONTRAST, MONO, OWN, SIXTEEN, builtin_names, load_user, parse_theme


def test_presets_resolve_without_problems_or_conflicts(tmp_path: Path) -> None:
    for name in ("default", "k9s", "vim"):
        keys = resolve(Settings(keymap=name), tmp_path / "absent.toml")
        assert keys.problems == () and keys.conflicts == (), name
    k9s = resolve(Settings(keymap="k9s"), tmp_path / "absent.toml")
    assert k9s.keymap["app.quit"] == "ctrl+q,ctrl+c"
    assert k9s.origin["app.quit"] == ("keymaps/k9s.toml", 5)
    assert k9s.origin["app.help"][0] == "keymaps/default.toml"


def test_layers_apply_in_order_and_say_where_each_binding_came_from(tmp_path: Path) -> None:
    user = tmp_path / "keymap.toml"
    user.write_text('# mine\n[table]\ndown = ["j", "ctrl+n"]\n[view]\ncopy = "Y"\n')
    config = tmp_path / "config.toml"
    config.write_text('keymap = "vim"\n\n[keys]\n"view.copy" = ["c", "Y"]\n')
    settings, problems = parse(config.read_text(), str(config))
    assert problems == []
    keys = resolve(settings, user)
    assert keys.keys["table.down"] == ["j", "ctrl+n"] and keys.origin["table.down"] == (str(user), 3)
    assert keys.keys["view.copy"] == ["c", "Y"] and keys.origin["view.copy"] == (str(config), 4)
    assert keys.keys["table.page_down"][-1] == "ctrl+d"  # vim preset
    assert keys.all_problems() == []


def test_conflicts_are_reported_at_the_line_that_made_them(tmp_path: Path) -> None:
    user = tmp_path / "keymap.toml"
    user.write_text('[table]\n\nsort_name = ["A"]\n')  # A is sort_age already
    keys = resolve(Settings(), user)
    assert [str(c) for c in keys.conflicts] == ['key "A" is bound to table.sort_name and table.sort_age '
                                                "(both in [table])"]
    assert keys.keys["table.sort_name"] == ["A"]  # applied as written: reported, not resolved for you
    (problem,) = keys.conflict_problems()
    assert (problem.file, problem.line) == (str(user), 3)
    # one key, two scopes: no conflict; "?" and "question_mark" are one key
    assert conflicts({"app.help": ["?"], "view.search": ["question_mark"]}) == []
    assert len(conflicts({"view.search": ["?"], "view.copy": ["question_mark"]})) == 1
    assert normal("?") == "question_mark" and normal("G") == "G"


def test_bad_entries_are_problems_with_file_and_line(tmp_path: Path) -> None:
    text = '[table]\ndown = ["j"]\nup = "Ctrl-K"\nnope = ["x"]\n[app]\nhelp = 3\n'
    keys, problems = check(text, "keymap.toml", list(preset("default")))
    assert keys == {"table.down": ["j"]}
    assert [(p.line, p.message.split(":")[0]) for p in problems] == [(3, "table.up"), (4, "table.nope"),
                                                                    (6, "app.help")]
    assert 'not a key name: "Ctrl-K"' in problems[0].message and "no binding" in problems[1].message
    _, broken = check("[table]\ndown = [\n", "k.toml")
    assert broken[0].line == 2 and "not valid TOML" in broken[0].message
    config = tmp_path / "config.toml"
    config.write_text('[keys]\n"app.hepl" = ["h"]\n')
    settings, _ = parse(config.read_text(), str(config))
    (problem,) = resolve(settings, tmp_path / "absent.toml").problems
    assert str(problem) == f'{config}:2: keys.app.hepl: no binding with id "app.hepl"'


def test_own_themes_and_the_config_defaults() -> None:
    assert {"dvpsnap", "dvpsnap-high-contrast", "dvpsnap-16", "dvpsnap-mono", "textual-dark"} <= set(builtin_names())
    for theme in OWN:
        theme.to_color_system().generate()
    assert SIXTEEN.ansi and all(str(getattr(SIXTEEN, c)).startswith("ansi_") for c in ("primary", "error"))
    assert HIGH_CONTRAST.background == "#000000" and HIGH_CONTRAST.foreground == "#ffffff"
    assert MONO.name == "dvpsnap-mono"
    assert Settings().theme == "dvpsnap" and Settings().stuck_after_seconds == STUCK_AFTER


def test_theme_files_are_validated_with_file_and_line(tmp_path: Path) -> None:
    good, problems = parse_theme('name = "sea"\nprimary = "#0087af"\ndark = false\n[variables]\n'
                                 'border = "#0087af 50%"\nblock-cursor-text-style = "bold underline"\n', "t.toml", "t")
    assert problems == [] and good is not None and good.name == "sea" and not good.dark
    theme, problems = parse_theme('primary = "#0087af"\nbackground = "deep"\nshade = 1\ntext_alpha = 2\n'
                                  '[variables]\nfooter-key-foreground = "sky"\nbutton-focus-text-style = "loud"\n',
                                  "t.toml", "t")
    assert theme is not None and theme.name == "t" and theme.background is None  # usable: bad fields dropped
    assert [p.line for p in problems] == [2, 3, 4, 6, 7]
    assert "not a colour" in problems[0].message and "unknown theme field" in problems[1].message
    none, problems = parse_theme('background = "#000000"\n', "t.toml", "t")
    assert none is None and "needs at least primary" in problems[0].message
    themes_dir = tmp_path / "themes"
    themes_dir.mkdir()
    (themes_dir / "sea.toml").write_text('primary = "#0087af"\n')
    (themes_dir / "nord.toml").write_text('primary = "#0087af"\n')  # a built-in name
    (themes_dir / "notes.txt").write_text("not a theme")
    themes, problems = load_user(themes_dir)
    assert [t.name for t in themes] == ["sea"]
    assert len(problems) == 1 and "built-in theme" in problems[0].message
