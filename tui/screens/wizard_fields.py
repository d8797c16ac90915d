"""The wizard's field model: Values, Field, Step and the text / choice / flag constructors (see wizard.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text

from widgets.choice import ChoiceOption


class Values(dict[str, str]):
    """Field key → current value (strings; `flag` fields hold "true"/"false")."""

    def flag(self, key: str) -> bool:
        return self.get(key) == "true"


Check = Callable[[str, Values], str]


Default = str | Callable[[Values], str]
Options = tuple[ChoiceOption, ...] | Callable[[Values], Sequence[ChoiceOption]]


@dataclass(frozen=True)
class Field:
    """One input: free text when `options` is empty, else a choice among them.

    `default` and `options` may be functions of the other values: they are re-evaluated on every change, and a
    default replaces the value as long as the user has not edited the field and is not typing in it (e.g. a
    name suggested from the chosen disk). A function for `options` always makes the field a choice.
    """

    key: str
    label: str
    default: Default = ""
    options: Options = ()
    help: str = ""
    path: str = ""  # manifest path: server causes for it are shown next to the field
    check: Check | None = None
    suggestions: tuple[str, ...] = ()

    @property
    def is_choice(self) -> bool:
        return callable(self.options) or bool(self.options)

    def default_for(self, values: Values) -> str:
        return self.default(values) if callable(self.default) else self.default

    def options_for(self, values: Values) -> list[ChoiceOption]:
        return list(self.options(values) if callable(self.options) else self.options)


@dataclass(frozen=True)
class Step:
    """A page of fields; `info` adds read-only lines; `when` hides the step."""

    title: str
    fields: tuple[Field, ...] = ()
    info: Callable[[Values], Text | str] | None = None
    when: Callable[[Values], bool] | None = None


def text(key: str, label: str, default: Default = "", *, help: str = "", path: str = "", check: Check | None = None,
         suggestions: Sequence[str] = ()) -> Field:
    return Field(key, label, default, (), help, path, check, tuple(suggestions))


def choice(key: str, label: str, options: Sequence[ChoiceOption] | Callable[[Values], Sequence[ChoiceOption]],
           default: Default = "", *, help: str = "", path: str = "") -> Field:
    """A choice; without a default the first enabled option is chosen."""
    return Field(key, label, default, options if callable(options) else tuple(options), help, path)


def flag(key: str, label: str, default: bool, *, yes: str, no: str, help: str = "", path: str = "") -> Field:
    """A boolean as a choice of `true` / `false`, each with its one-line consequence."""
    opts = (ChoiceOption("true", "true", yes), ChoiceOption("false", "false", no))
    return Field(key, label, "true" if default else "false", opts, help, path)
