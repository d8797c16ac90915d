"""Per-generation behaviour of the simulated snapshot controllers as data (dvp-api.md §1.2 "Derived flags")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GENERATIONS = ("seed", "cse", "v1.8", "v1.10")
SEED, CSE, V18, V110 = GENERATIONS


def _per(seed: Any, cse: Any, v18: Any, v110: Any) -> dict[str, Any]:
    return dict(zip(GENERATIONS, (seed, cse, v18, v110), strict=True))


# flag → value per generation (seed, cse, v1.8, v1.10). The first block mirrors §1.2; the rest are the
# controller details §3.1/§3.2/§3.9 describe.
TABLE: dict[str, dict[str, Any]] = {
    # §1.2 derived flags
    "explicitSnapshotClass": _per(True, False, False, False),
    "preconditionsWait": _per(True, True, False, False),
    "restartPendingBlocksVMSnapshot": _per(True, True, False, False),
    "failedVDSnapshotHoldsDisk": _per(True, True, False, False),
    "payloadDoubleBase64": _per(True, False, False, False),
    "macInSnapshots": _per(False, True, True, True),
    # naming (§1.2 "derived names")
    "volumeSnapshotPrefix": _per("", "", "d8v-vds-", "d8v-vds-"),
    "secretPrefix": _per("", "", "d8v-vms-", "d8v-vms-"),
    "pvcPrefix": _per("vd-", "vd-", "d8v-vd-", "d8v-vd-"),
    # VolumeSnapshot annotation keys (§2.10.3): storage class, volume mode, access modes
    "vsAnnotationKeys": _per(
        ("storageClass", "volumeMode", "accessModes"),
        *(("virtualization.deckhouse.io/storage-class-name", "virtualization.deckhouse.io/volume-mode",
           "virtualization.deckhouse.io/access-mode"),) * 3,
    ),
    "vsOriginalMetadata": _per(False, True, True, True),  # vd-original-annotations / -labels
    "vsHadOwnerReference": _per(False, False, True, True),
    "vsOriginalSize": _per(False, False, False, True),
    # controller details
    "snapshotHandshake": _per(True, True, False, False),  # disk/VM Snapshotting=True required first
    "consistencyPass": _per(False, False, True, True),  # "The consistent snapshot has been taken." + final check
    "freezeErrorFails": _per(True, True, False, False),  # a failed freeze call ⇒ Failed (else retried)
    "unfreezingReason": _per(False, False, True, True),  # FileSystemUnfreezing exists
    "failedVMSnapshotThaws": _per(False, False, True, True),  # a Failed VMSnapshot still tries to unfreeze
    "migratingPhase": _per(False, False, True, True),
    "multipleVMsPeriod": _per(False, True, True, True),
}

# Message templates (v1.10 wording); `MESSAGE_VARIANTS` overrides them per generation.
MESSAGES: dict[str, str] = {
    # VirtualDiskSnapshot: VirtualDiskReady condition
    "vd.notFound": 'The virtual disk "{vd}" was not found.',
    "vd.deleting": 'The virtual disk "{vd}" is in the process of deletion.',
    "vd.phase": 'The virtual disk "{vd}" is in the "{phase}" phase: waiting for it to reach the Ready phase.',
    # VirtualDiskSnapshot lifecycle
    "vds.diskMissing": 'Cannot take a snapshot: the virtual disk "{vd}" does not exist.',
    "vds.diskNotReady": 'Cannot take a snapshot: the virtual disk "{vd}" is not ready.',
    "vds.pvcMissing": 'Cannot take a snapshot: the persistent volume claim for virtual disk "{vd}" does not exist.',
    "vds.pvcNotBound": ('Cannot take a snapshot: the persistent volume claim "{pvc}" for virtual disk "{vd}" '
                        "is not in phase Bound."),
    "vds.waitDisk": 'Waiting for the virtual disk "{vd}" to be ready for snapshotting.',
    "vds.waitPVC": "Waiting for the virtual disk's pvc to be in phase Bound.",
    "vds.multipleVMs": 'The virtual disk "{vd}" is attached to multiple virtual machines',
    "sync": "Waiting for the filesystem of the virtual machine to be synced.",
    "started": "The snapshotting process has started.",
    "vds.freezing": ('The virtual machine "{vm}" with an attached virtual disk "{vd}" is in the process of being '
                     "frozen for taking a snapshot."),
    "vds.inconsistentAgent": ('Cannot take a consistent snapshot of virtual disk "{vd}" attached to virtual machine '
                              '"{vm}": virtual machine agent is not ready and the virtual machine cannot be frozen.'),
    "vds.inconsistent": 'Cannot take a consistent snapshot of virtual disk "{vd}" attached to virtual machine "{vm}".',
    "vds.waitInconsistentAgent": (
        'The virtual machine "{vm}" with an attached virtual disk "{vd}" is {phase}: the snapshotting of virtual '
        "disk might result in an inconsistent snapshot: virtual machine agent is not ready and virtual machine "
        "cannot be frozen: waiting for virtual machine agent to be ready, or virtual machine will stop"),
    "vds.waitInconsistent": (
        'The virtual machine "{vm}" with an attached virtual disk "{vd}" is {phase}: the snapshotting of virtual '
        "disk might result in an inconsistent snapshot: waiting for the virtual machine to be Stopped or the disk "
        "to be detached"),
    "vds.vsCreated": 'The snapshotting process for virtual disk "{vd}" has started.',
    "vds.vsError": 'VolumeSnapshot "{vs}" has an error: {error}.',
    "vds.waitVS": 'Waiting for the snapshot of virtual disk "{vd}" to be ready to use.',
    "vds.consistent": "The consistent snapshot has been taken.",
    "vds.notConsistent": ("Virtual disk snapshot is not consistent because the virtual machine {vm} has not been "
                          "stopped or its filesystem has not been frozen."),
    "vds.lost": 'The underlying VolumeSnapshot "{vs}" is no longer available.',
    "vds.emptyClass": ('VolumeSnapshot.snapshot.storage.k8s.io "{vs}" is invalid: spec.volumeSnapshotClassName: '
                       'Invalid value: "string": volumeSnapshotClassName must not be the empty string when set'),
    # VirtualMachineSnapshot: VirtualMachineReady condition
    "vm.notFound": 'The virtual machine "{vm}" was not found.',
    "vm.deleting": 'The virtual machine "{vm}" is in the process of deletion.',
    "vm.phase": 'The virtual machine "{vm}" is in the "{phase}" phase: waiting for it to reach the Running or '
                "Stopped phase.",
    "vm.notDetected": "The VirtualMachineSnapshot resource has not been detected for the virtual machine yet.",
    # VirtualMachineSnapshot lifecycle
    "vms.vmMissing": 'Cannot take a snapshot: the virtual machine "{vm}" does not exist.',
    "vms.vmNotReady": 'Cannot take a snapshot: the virtual machine "{vm}" is not ready.',
    "vms.waitVM": 'Waiting for the virtual machine "{vm}" to be ready for snapshotting.',
    "vms.devices": 'Block devices not ready: waiting for the block devices of the virtual machine "{vm}" to be ready.',
    "vms.diskPhase": 'Virtual disk not ready: waiting for the virtual disk "{vd}" to be Ready.',
    "vms.diskCondition": ('Virtual disk not ready: waiting for the Ready condition of the virtual disk "{vd}" '
                          "to be True."),
    "vms.diskResizing": ('Virtual disk is in the process of resizing: waiting for the virtual disk "{vd}" '
                         "to be resized."),
    "vms.restart": ('Waiting for the restart and approval of changes to virtual machine "{vm}" before taking the '
                    "snapshot."),
    "vms.inconsistentAgent": ('Cannot take a consistent snapshot of virtual machine "{vm}": virtual machine agent is '
                              "not ready and the virtual machine cannot be frozen."),
    "vms.inconsistent": 'Cannot take a consistent snapshot of virtual machine "{vm}".',
    "vms.waitStopped": ('The snapshotting of virtual machine "{vm}" might result in an inconsistent snapshot: '
                        "waiting for the virtual machine to be Stopped"),
    "vms.waitAgent": ('The snapshotting of virtual machine "{vm}" might result in an inconsistent snapshot: virtual '
                      "machine agent is not ready and virtual machine cannot be frozen: waiting for virtual machine "
                      "agent to be ready or virtual machine will stop"),
    "vms.freezing": 'The virtual machine "{vm}" is in the process of being frozen for taking a snapshot.',
    "vms.notRunning": "Cannot freeze not Running {ns}/{vm} virtual machine.",
    "vms.noProvisioning": 'The virtual machine provisioning secret "{name}" not found.',
    "vms.noVMIP": 'The virtual machine ip address "{name}" not found.',
    "vms.noVMBDA": 'The virtual machine block device attachment "{name}" not found.',
    "vms.noMAC": 'The virtual machine mac address "{name}" not found.',
    "vms.diskGone": 'The virtual disk "{vd}" not found.',
    "vms.pvcGone": 'The persistent volume claim "{pvc}" not found for the virtual disk "{vd}".',
    "vms.pvcNoClass": 'The persistent volume claim "{pvc}" doesn\'t have the storage class name.',
    "vms.noClass": ('The volume snapshot class not found: please define the volume snapshot class for the storage '
                    'class "{sc}" and recreate resource.'),
    "vms.childFailed": 'The virtual disk snapshot "{child}" is failed: cannot take snapshot. {message}',
    "vms.progress": ('Waiting for the virtual disk snapshots to be taken for the block devices of the virtual machine '
                     '"{vm}" ({ready}/{total}).'),
    "vms.lostOne": "The underlying virtual disk snapshot ({names}) is lost.",
    "vms.lostMany": "The underlying virtual disk snapshots ({names}) are lost.",
    # VM / disk conditions whose reasons or texts differ per generation
    "reason.restartPending": "ChangesPendingRestart",
    "reason.noRestart": "NoRestartRequired",
    "reason.wffcDevices": "WaitingForWaitForFirstConsumerBlockDevicesToBeReady",
    "vdSnap.resizing": "The virtual disk cannot be selected for snapshotting as it is currently resizing.",
    "vdSnap.migrating": "The virtual disk cannot be selected for snapshotting as it is currently being migrated.",
}
_OLD_VD = {
    "vd.notFound": 'The virtual disk "{vd}" not found.',
    "vd.deleting": 'The virtual disk "{vd}" is in process of deletion.',
}
_OLD_VM = {
    "vm.notFound": 'The virtual machine "{vm}" not found.',
    "vm.deleting": 'The virtual machine "{vm}" is in process of deletion.',
}
_OLD_VDS = {
    "vds.waitVS": 'Waiting fot the volume snapshot "{name}" to be ready to use.',
    "vds.lost": 'The underlying volume snapshot "{vs}" is not ready to use.',
}
MESSAGE_VARIANTS: dict[str, dict[str, str]] = {
    SEED: {**_OLD_VD, **_OLD_VM, **_OLD_VDS, "reason.restartPending": "RestartAwaitingChangesExist",
           "reason.noRestart": "NoNeedRestart",
           "reason.wffcDevices": "WaitingForTheProvisioningToPersistentVolumeClaim"},
    CSE: {**_OLD_VD, **_OLD_VM, **_OLD_VDS},
    V18: {**_OLD_VD, **_OLD_VDS},
    V110: {},
}


@dataclass(frozen=True)
class Flags:
    """The behaviour switches of one generation: `flags.on("preconditionsWait")`, `flags.msg("sync")`."""

    generation: str
    values: dict[str, Any] = field(default_factory=dict)

    def on(self, flag: str) -> bool:
        return bool(self.values[flag])

    def get(self, flag: str) -> Any:
        return self.values[flag]

    def msg(self, key: str, **kw: Any) -> str:
        text = MESSAGE_VARIANTS[self.generation].get(key, MESSAGES[key])
        return text.format(**kw) if kw else text

    def vds_multiple(self, vd: str) -> str:
        text = self.msg("vds.multipleVMs", vd=vd)
        return text + "." if self.on("multipleVMsPeriod") else text

    def volume_snapshot_name(self, vds: str, uid: str) -> str:
        prefix = self.get("volumeSnapshotPrefix")
        return shorten(f"{prefix}{vds}-{uid}") if prefix else vds

    def secret_name(self, vms: str, uid: str) -> str:
        prefix = self.get("secretPrefix")
        return shorten(f"{prefix}{vms}-{uid}") if prefix else vms

    def pvc_name(self, vd: str, uid: str) -> str:
        return shorten(f"{self.get('pvcPrefix')}{vd}-{uid}")


def shorten(name: str, limit: int = 253) -> str:
    return name[:limit].rstrip("-.")


_CACHE: dict[str, Flags] = {}


def flags_for(generation: str) -> Flags:
    if generation not in GENERATIONS:
        raise ValueError(f"unknown generation {generation!r}")
    if generation not in _CACHE:
        _CACHE[generation] = Flags(generation, {k: v[generation] for k, v in TABLE.items()})
    return _CACHE[generation]
