"""Kubernetes resource quantities ("10Gi", "500M", "1.5Ti", "1e9") as whole bytes."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

_SUFFIX = {
    "": 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
    "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
}
_QUANTITY = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?")


def parse_bytes(value: str | int | None) -> int | None:
    """Whole bytes (rounded up, as the apiserver does); None when absent or not a quantity."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return value
    m = _QUANTITY.fullmatch(value.strip())
    if m is None:
        return None
    number, suffix = m.group(1), m.group(2) or ""
    try:
        amount = Decimal(number)
        if suffix[:1] in ("e", "E"):
            amount *= Decimal(10) ** int(suffix[1:])
        elif suffix == "m":
            amount /= 1000
        else:
            amount *= _SUFFIX[suffix]
    except (InvalidOperation, ValueError):
        return None
    return math.ceil(amount)
