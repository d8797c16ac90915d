"""Generation differences that wizards and preflight checks need, as data derived from Capabilities flags."""

from __future__ import annotations

from dataclasses import dataclass

from tui.kube.capabilities import Capabilities

K8S_NAME_MAX = 253  # DNS-1123 subdomain
VM_NAME_MAX = 63  # DVP VirtualMachine webhook, every generation
DISK_NAME_MAX_DVP = 60  # DVP VirtualDisk webhook on seed, cse and v1.8
RENAME_MAX = 59  # VMOP Clone / VMSOP CEL: nameReplacement.to, namePrefix, nameSuffix


@dataclass(frozen=True)
class Rules:
    """What this cluster's controllers and webhooks do (dvp-api.md §1.2, §2, §3, §7), one field per difference."""

    waits: bool  # unmet snapshot preconditions wait in Pending (seed, cse) instead of failing at once
    explicit_class: bool  # seed: the user names the VolumeSnapshotClass (required fields)
    restart_blocks_vm_snapshot: bool  # seed, cse: pending restart changes hold a VM snapshot in Pending
    failed_snapshot_interferes: bool  # seed, cse: a Failed disk snapshot thaws the VM and keeps Snapshotting
    disk_name_max: int  # 60 on seed, cse, v1.8; v1.10 only has the Kubernetes limit
    disk_class_honoured: bool  # disk from snapshot: requested StorageClass used (v1.8+); seed/cse ignore it
    cross_driver_denied: bool  # v1.10: the VirtualDisk webhook denies a class of another CSI driver
    original_size_default: bool  # v1.10: a disk from a snapshot defaults to the original disk size
    macs_captured: bool  # cse+: VirtualMachineMACAddress objects are stored in VM snapshots
    supersede: bool  # v1.10: the VMOP webhook rejects a second unfinished VMOP unless it supersedes
    seed_restore: bool  # seed VirtualMachineRestore quirks (§3.9.3): own-object conflicts, Forced stops original
    forced_sets_always_off: bool  # cse, v1.8: Forced VirtualMachineRestore sets runPolicy AlwaysOff meanwhile
    legacy_deprecated: bool  # v1.8: VirtualMachineRestore is deprecated


def rules_for(caps: Capabilities) -> Rules:
    v110 = caps.has_supersede
    return Rules(
        waits=caps.preconditions_wait,
        explicit_class=caps.explicit_snapshot_class,
        restart_blocks_vm_snapshot=caps.restart_pending_blocks_vm_snapshot,
        failed_snapshot_interferes=caps.failed_vdsnapshot_holds_disk,
        disk_name_max=K8S_NAME_MAX if v110 else DISK_NAME_MAX_DVP,
        disk_class_honoured=caps.has_vmsop and not caps.explicit_snapshot_class,
        cross_driver_denied=v110,
        original_size_default=v110,
        macs_captured=caps.mac_in_snapshots,
        supersede=caps.supersede,
        seed_restore=caps.explicit_snapshot_class and caps.legacy_restore,
        forced_sets_always_off=caps.legacy_restore and not caps.explicit_snapshot_class,
        legacy_deprecated=caps.legacy_restore_deprecated,
    )
