"""Name rules: DNS-1123 and DVP limits, snapshot name suggestions, collision-free copies, rename previews."""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from tui.kube.wizard_rules import K8S_NAME_MAX, VM_NAME_MAX

VM = "VirtualMachine"
VD = "VirtualDisk"
VMBDA = "VirtualMachineBlockDeviceAttachment"
VMIP = "VirtualMachineIPAddress"
VMMAC = "VirtualMachineMACAddress"
SECRET = "Secret"
# Clone customization (prefix/suffix) applies to these kinds, never to images (dvp-api §2.6, §3.5).
CUSTOMIZED_KINDS = frozenset({VM, VD, VMBDA, SECRET, VMIP})

_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_SUBDOMAIN_TEXT = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                   "and must start and end with an alphanumeric character")


def subdomain_problem(name: str) -> str:
    """Why `name` is not a valid `metadata.name` (the apiserver's wording); "" when it is."""
    if not name:
        return "a name is required"
    if len(name) > K8S_NAME_MAX:
        return f"must be no more than {K8S_NAME_MAX} characters"
    if not _SUBDOMAIN.fullmatch(name):
        return _SUBDOMAIN_TEXT
    return ""


def vm_name_problem(name: str) -> str:
    """A VirtualMachine name: a subdomain of at most 63 characters (DVP webhook wording)."""
    if problem := subdomain_problem(name):
        return problem
    if len(name) > VM_NAME_MAX:
        return f'the VirtualMachine name "{name}" is too long: it must be no more than {VM_NAME_MAX} characters'
    return ""


def disk_name_problem(name: str, limit: int) -> str:
    """A VirtualDisk name: no `.`, at most `limit` characters (60 before v1.10; DVP webhook wording)."""
    if "." in name:
        return f"the VirtualDisk name \"{name}\" is invalid: '.' is forbidden, allowed name symbols are [0-9a-zA-Z-]"
    if problem := subdomain_problem(name):
        return problem
    if len(name) > limit:
        return f'the VirtualDisk name "{name}" is too long: it must be no more than {limit} characters'
    return ""


def name_problem(kind: str, name: str, disk_name_max: int) -> str:
    """The name rules of `kind` on this generation."""
    if kind == VM:
        return vm_name_problem(name)
    if kind == VD:
        return disk_name_problem(name, disk_name_max)
    return subdomain_problem(name)


def _fit(base: str, tail: str, limit: int) -> str:
    """`base + tail` cut to `limit` characters at the end of `base`, never leaving a trailing `-` or `.`."""
    room = max(0, limit - len(tail))
    cut = base[:room].rstrip("-.")
    return f"{cut}{tail}" if cut else tail.lstrip("-")


def suggest_snapshot_name(base: str, now: datetime, limit: int = K8S_NAME_MAX) -> str:
    """`<base>-<yyyymmdd-hhmm>` (base = disk or VM name), the base trimmed so that the whole fits `limit`."""
    return _fit(base, now.strftime("-%Y%m%d-%H%M"), limit)


def non_conflicting(name: str, taken: Collection[str], limit: int = K8S_NAME_MAX) -> str:
    """`name` if free, else `name-copy`, `name-copy-2`, … (trimmed to `limit`): the first one not taken."""
    if name not in taken:
        return name
    for i in itertools.count(1):
        candidate = _fit(name, "-copy" if i == 1 else f"-copy-{i}", limit)
        if candidate not in taken:
            return candidate
    raise AssertionError("unreachable")


class RenameRule(NamedTuple):
    """`{from: {kind, name}, to}`; an empty kind matches every kind with that name."""

    kind: str
    name: str
    to: str


def renamed(kind: str, name: str, rules: Iterable[RenameRule], prefix: str = "", suffix: str = "") -> str:
    """The controller's renaming: the first matching rule wins, then clone customization (prefix/suffix)."""
    new = next((r.to for r in rules if r.name == name and r.kind in ("", kind)), name)
    if kind in CUSTOMIZED_KINDS:
        new = f"{prefix}{new}{suffix}"
    return new


class Item(NamedTuple):
    """An object a restore or clone recreates, named as in its source (the VM or the snapshot)."""

    kind: str
    name: str


class Renamed(NamedTuple):
    """One line of a rename preview: the resulting name and why it is not acceptable ("" when it is)."""

    kind: str
    name: str
    new: str
    problem: str


def preview(items: Sequence[Item], rules: Sequence[RenameRule], *, disk_name_max: int, prefix: str = "",
            suffix: str = "") -> list[Renamed]:
    """Every resulting name (VM, disks, VMBDAs, provisioning Secret, VMIP) with the name limits checked."""
    out = []
    for it in items:
        new = renamed(it.kind, it.name, rules, prefix, suffix)
        out.append(Renamed(it.kind, it.name, new, name_problem(it.kind, new, disk_name_max)))
    return out
