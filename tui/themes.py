"""Themes: dvpsnap's own (default, high contrast, 16-colour safe) and the user's themes/*.toml, validated."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES, Theme

from tui.config import Problem, config_dir, line_of, toml_problem

DEFAULT = Theme(name="dvpsnap", primary="#5f87af", secondary="#5f8787", accent="#d7875f", warning="#d7af00",
                error="#d75f5f", success="#5faf5f", foreground="#d0d0d0", background="#1c1c1c",
                surface="#1c1c1c", panel="#303030", dark=True)
HIGH_CONTRAST = Theme(
    name="dvpsnap-high-contrast", primary="#00ffff", secondary="#ffff00", accent="#ffff00", warning="#ffd700",
    error="#ff7070", success="#00ff00", foreground="#ffffff", background="#000000", surface="#000000",
    panel="#1c1c1c", boost="#ffffff", dark=True, luminosity_spread=0.1, text_alpha=1.0,
    variables={"text-muted": "#d0d0d0", "block-cursor-background": "#0038a0", "block-cursor-foreground": "#ffffff",
               "block-cursor-text-style": "bold underline", "block-cursor-blurred-background": "#3a3a3a",
               "block-cursor-blurred-foreground": "#ffffff", "footer-key-foreground": "#ffff00",
               "footer-background": "#000000", "footer-description-foreground": "#ffffff",
               "border": "#ffffff", "input-selection-background": "#00ffff 40%"},
)
"""Black and white, saturated status colours (each ≥ 4.5:1 on black and on the cursor), an underlined cursor row:
for glare, projectors and low vision."""
SIXTEEN = Theme(
    name="dvpsnap-16", ansi=True, primary="ansi_blue", secondary="ansi_cyan", accent="ansi_cyan",
    warning="ansi_yellow", error="ansi_red", success="ansi_green", foreground="ansi_default",
    background="ansi_default", surface="ansi_default", panel="ansi_default", boost="ansi_default", dark=True,
    variables={"ansi-background": "ansi_black", "ansi-foreground": "ansi_white",
               "block-cursor-background": "ansi_blue", "block-cursor-foreground": "ansi_bright_white",
               "block-cursor-blurred-background": "ansi_bright_black",
               "block-cursor-blurred-foreground": "ansi_default", "footer-key-foreground": "ansi_cyan",
               "border": "ansi_blue", "border-blurred": "ansi_bright_black",
               "input-selection-background": "ansi_bright_blue", "input-selection-foreground": "ansi_black"},
)
"""Only the terminal's own 16 ANSI colours (the palette the user configured): safe on TERM=xterm, screen, tmux."""
MONO = Theme(
    name="dvpsnap-mono", primary="#bcbcbc", secondary="#9e9e9e", accent="#ffffff", warning="#ffffff",
    error="#ffffff", success="#dadada", foreground="#dadada", background="#000000", surface="#000000",
    panel="#303030", dark=True,
    variables={"text-muted": "#a8a8a8", "block-cursor-background": "#585858", "block-cursor-foreground": "#ffffff",
               "block-cursor-text-style": "bold", "footer-key-foreground": "#ffffff", "border": "#bcbcbc"},
)
"""Greys only, for NO_COLOR (used instead of the default theme when NO_COLOR is set): glyphs and words carry
every status, as they always do."""
OWN = (DEFAULT, HIGH_CONTRAST, SIXTEEN, MONO)
COLOURS = ("primary", "secondary", "warning", "error", "success", "accent", "foreground", "background", "surface",
           "panel", "boost")
FIELDS = {*COLOURS, "name", "dark", "luminosity_spread", "text_alpha", "ansi", "variables"}
STYLE_WORDS = {"bold", "dim", "italic", "underline", "reverse", "strike", "none", "not", "blink"}
_ALPHA = re.compile(r"^(.*?)\s+(\d{1,3})%$")


def themes_dir() -> Path:
    return config_dir() / "themes"


def builtin_names() -> tuple[str, ...]:
    """Every theme available without user files: Textual's built-ins and dvpsnap's own."""
    return (*BUILTIN_THEMES, *(t.name for t in OWN))


def _colour_problem(value: Any) -> str:
    if not isinstance(value, str):
        return "must be a colour string"
    m = _ALPHA.match(value.strip())
    try:
        Color.parse(m.group(1) if m else value)
    except ColorParseError:
        return f'"{value}" is not a colour (e.g. "#5f87af", "ansi_blue", "red", "#81a1c1 35%")'
    return ""


def _variable_problem(name: str, value: Any) -> str:
    if name.endswith("style"):
        ok = isinstance(value, str) and value.split() and set(value.split()) <= STYLE_WORDS
        return "" if ok else f'"{value}" is not a text style (words from {", ".join(sorted(STYLE_WORDS))})'
    return _colour_problem(value)


def parse_theme(text: str, source: str, default_name: str) -> tuple[Theme | None, list[Problem]]:
    """One theme file (fields of textual.theme.Theme, `[variables]` for CSS variables); None if unusable."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        return None, [toml_problem(e, text, source)]
    problems: list[Problem] = []

    def bad(key: str, message: str, table: str | None = None) -> None:
        problems.append(Problem(source, line_of(text, key, table), message))

    fields: dict[str, Any] = {"name": default_name}
    for key, value in data.items():
        if key not in FIELDS:
            bad(key, f'unknown theme field "{key}" (known: {", ".join(sorted(FIELDS))})')
        elif key in COLOURS:
            why = _colour_problem(value)
            bad(key, f"{key}: {why}") if why else fields.update({key: value})
        elif key in ("dark", "ansi"):
            bad(key, f"{key} must be true or false") if not isinstance(value, bool) else fields.update({key: value})
        elif key in ("luminosity_spread", "text_alpha"):
            ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
            bad(key, f"{key} must be a number from 0 to 1") if not ok else fields.update({key: float(value)})
        elif key == "name":
            ok = isinstance(value, str) and re.match(r"^[\w.-]+$", value) is not None
            bad(key, "name must be a word (letters, digits, - _ .)") if not ok else fields.update({key: value})
        elif not isinstance(value, dict):
            bad(key, "variables must be a table of name = value")
        else:
            variables = {}
            for name, v in value.items():
                why = _variable_problem(name, v)
                bad(name, f"variables.{name}: {why}", "variables") if why else variables.update({name: v})
            fields["variables"] = variables
    if "primary" not in fields:
        problems.append(Problem(source, 1, 'a theme needs at least primary = "<colour>"'))
        return None, problems
    theme = Theme(**fields)
    try:
        theme.to_color_system().generate()
    except Exception as e:  # a combination Textual cannot build a palette from
        problems.append(Problem(source, 1, f"cannot build the theme: {e}"))
        return None, problems
    return theme, problems


def load_user(directory: Path | None = None) -> tuple[list[Theme], list[Problem]]:
    """Every themes/*.toml (sorted by name); a file with problems still gives its theme if it is usable."""
    directory = directory if directory is not None else themes_dir()
    themes: list[Theme] = []
    problems: list[Problem] = []
    try:
        files = sorted(directory.glob("*.toml"))
    except OSError:
        files = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            problems.append(Problem(str(path), 1, f"cannot read: {e}"))
            continue
        theme, bad = parse_theme(text, str(path), path.stem)
        problems += bad
        if theme is not None:
            if theme.name in builtin_names():
                problems.append(Problem(str(path), line_of(text, "name"),
                                        f'"{theme.name}" is a built-in theme: choose another name'))
            else:
                themes.append(theme)
    return themes, problems


def known_names(user: list[Theme]) -> tuple[str, ...]:
    return (*builtin_names(), *(t.name for t in user))
