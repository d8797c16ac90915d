"""The four DVP API generations and the features that tell them apart (data, not code paths)."""

from __future__ import annotations

from dataclasses import dataclass

GENERATIONS = ("seed", "cse", "v1.8", "v1.10")

# feature → served on (seed, cse, v1.8, v1.10)
FEATURES: dict[str, tuple[bool, bool, bool, bool]] = {
    # seed: the user names the VolumeSnapshotClass (VDSnapshot/VMSnapshot spec fields)
    "explicit_snapshot_class": (True, False, False, False),
    # seed naming: `vms`=VirtualMachine, `vds`=VirtualDisk, plural short names, many kinds in category `all`
    "seed_names": (True, False, False, False),
    # kubebuilder `minLength: 1` markers on names and references
    "min_length_names": (False, False, True, True),
    "vm_restore": (True, True, True, False),
    "vm_restore_deprecated": (False, False, True, False),
    "vmop_restore": (False, True, True, True),
    "vmop_clone": (False, False, True, True),
    "vmop_progress": (False, False, True, True),
    "vmop_migrate_force_rule": (True, True, False, False),
    "vmop_migrate_deprecated": (True, True, False, False),
    "supersede": (False, False, False, True),
    "vmsop": (False, False, True, True),
    "vmmac": (False, True, True, True),
    "vmmac_pattern": (False, False, True, True),
    "vd_exporting": (False, True, True, True),
    "vd_migrating": (False, False, True, True),
    "vd_name_limit": (True, True, True, False),
    "vd_provisioner_check": (False, False, False, True),
    "vd_wait_first_consumer_stat": (False, False, False, True),
    "vm_networks": (False, True, True, True),
    "vm_provisioning_type_required": (False, True, True, True),
    "vm_network_id": (False, False, True, True),
    "vm_usb": (False, False, True, True),
    "vm_boot_order": (False, False, False, True),
    "vm_core_fraction_default": (True, True, False, False),
    "vmclass_v1alpha3": (False, False, True, True),
    "vmclass_cluster_category": (False, True, True, True),
    "vmclass_default_fraction": (False, False, True, True),
}


@dataclass(frozen=True)
class Gen:
    """One API generation: `gen.has("vmsop")` answers from the FEATURES table."""

    name: str

    def __post_init__(self) -> None:
        if self.name not in GENERATIONS:
            raise ValueError(f"unknown generation {self.name!r}; expected one of {', '.join(GENERATIONS)}")

    def has(self, feature: str) -> bool:
        return FEATURES[feature][GENERATIONS.index(self.name)]
