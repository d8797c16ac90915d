"""Run one benchmark by name: `python -m bench sim` (see each module's docstring)."""

from __future__ import annotations

import importlib
import sys

NAMES = {"sim": "bench.sim_server", "kube": "bench.kube_sync", "ui": "bench.ui_pty", "faults": "bench.faults",
         "screenshots": "bench.screenshots"}


def main() -> int:
    name = sys.argv[1] if len(sys.argv) > 1 else ""
    if name not in NAMES:
        print(f"usage: python -m bench {{{'|'.join(NAMES)}}} [args]", file=sys.stderr)
        return 2
    module = importlib.import_module(NAMES[name])
    return int(module.main(sys.argv[2:]))


if __name__ == "__main__":
    sys.exit(main())
