"""Validating-webhook building blocks: the 403 envelope, idempotent specs and Kubernetes quantities."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from tui.sim.resources import Admission, AdmissionHook, Denial, Obj, Reader

DVP_GROUP = "virtualization.deckhouse.io/v1alpha2"
KEYS = {
    "VirtualDisk": f"{DVP_GROUP}/virtualdisks",
    "VirtualDiskSnapshot": f"{DVP_GROUP}/virtualdisksnapshots",
    "VirtualMachine": f"{DVP_GROUP}/virtualmachines",
    "VirtualMachineOperation": f"{DVP_GROUP}/virtualmachineoperations",
    "VirtualMachineBlockDeviceAttachment": f"{DVP_GROUP}/virtualmachineblockdeviceattachments",
    "VirtualMachineIPAddress": f"{DVP_GROUP}/virtualmachineipaddresses",
    "VolumeSnapshot": "snapshot.storage.k8s.io/v1/volumesnapshots",
    "StorageClass": "storage.k8s.io/v1/storageclasses",
}
OK = Admission()
_SUFFIXES: dict[str, Decimal | int] = {
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": 1,
    "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$")


def webhook(short: str) -> str:
    """The name DVP registers its validating webhooks under."""
    return f"{short}.virtualization-controller.validate.d8-virtualization"


def deny(hook: str, message: str, warnings: tuple[str, ...] = ()) -> Admission:
    """A webhook refusal as the apiserver relays it: 403 Forbidden with the webhook named."""
    text = f'admission webhook "{hook}" denied the request: {message}'
    return Admission(denial=Denial(403, "Forbidden", text), warnings=warnings)


def idempotent_spec(short: str, kind: str) -> AdmissionHook:
    """UPDATE-only webhook: any spec change (a generation bump) is refused; labels may change."""
    hook = webhook(short)

    def admit(new: Obj, old: Obj | None, reader: Reader) -> Admission:
        if old is not None and new.get("spec") != old.get("spec"):
            return deny(hook, f"{kind} is an idempotent resource: specification changes are not available")
        return OK

    return admit


def parse_quantity(value: Any) -> Decimal | None:
    """A Kubernetes quantity ("10Gi", "1.5G", "500m", 1024) in base units; None when malformed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(repr(value))
    match = _QUANTITY.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    number, exponent, suffix = match.groups()
    try:
        amount = Decimal(number)
        return amount * Decimal(f"1{exponent}") if exponent else amount * _SUFFIXES[suffix or ""]
    except InvalidOperation:
        return None


def dig(obj: Any, *path: str) -> Any:
    """obj[a][b]... or None."""
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def name_of(obj: Obj) -> str:
    return str(dig(obj, "metadata", "name") or "")


def namespace_of(obj: Obj) -> str | None:
    ns = dig(obj, "metadata", "namespace")
    return str(ns) if ns else None
