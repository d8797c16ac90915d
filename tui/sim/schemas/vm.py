"""VirtualMachine and VirtualMachineBlockDeviceAttachment: schemas, columns, CEL rules and webhooks."""

from __future__ import annotations

from typing import Any

from tui.sim.resources import Admission, AdmissionHook, Obj, Reader, ResourceDef, Rule
from tui.sim.schemas.admission import KEYS, OK, deny, dig, idempotent_spec, name_of, namespace_of, webhook
from tui.sim.schemas.cel import Cel, has
from tui.sim.schemas.common import (
    AGE,
    PHASE,
    QUANTITY_PATTERN,
    array,
    boolean,
    column,
    condition_status,
    conditions,
    integer,
    map_of,
    name_ref,
    node_affinity,
    obj,
    quantity,
    root,
    string,
    tolerations,
    topology_spread,
    workload_affinity,
)
from tui.sim.schemas.disks import GROUP, VERSION
from tui.sim.schemas.gen import Gen

VM_PHASES = ("Pending", "Running", "Degraded", "Terminating", "Stopped", "Stopping", "Starting", "Migrating",
             "Pause")
DEVICE_KINDS = ("ClusterVirtualImage", "VirtualImage", "VirtualDisk")
MAX_BLOCK_DEVICES = 16
CORE_FRACTION = "Core fraction must be between 1% and 100%."
USER_DATA_LIMIT = "`userData` exceeds 2048 byte limit; should use `userDataRef` for larger data."
_AGE_COLUMN = {"v1.8": column("PhaseAge", ".status.stats.phasesTransitions[-1].timestamp", "date"),
               "v1.10": column("Uptime", ".status.stats.lastStartTime", "date")}


def _fraction_ok(value: Any) -> bool:
    """`endsWith('%') && 1 <= int(value without '%') <= 100` (a CEL error counts as a failure)."""
    if not isinstance(value, str) or not value.endswith("%"):
        return False
    digits = value.replace("%", "")
    return digits.lstrip("+-").isdigit() and 1 <= int(digits) <= 100


def _provisioning(gen: Gen) -> Obj:
    strict = gen.has("min_length_names")

    def secret_ref(required: tuple[str, str]) -> Obj:
        return obj({"kind": string(enum=("Secret",), default="Secret"), "name": name_ref(strict)},
                   required=required)

    def only(kind: str, field: str, others: tuple[str, str], with_ref: bool) -> Obj:
        props: Obj = {"type": {"enum": [kind]}}
        if with_ref:
            props[field] = {}
        return {"properties": props, "required": [field],
                "not": {"anyOf": [{"required": [others[0]]}, {"required": [others[1]]}]}}

    user_data = string(max_length=None if strict else 2048)
    return obj({
        "type": string(enum=("UserData", "UserDataRef", "SysprepRef")),
        "userData": user_data,
        "userDataRef": secret_ref(("name", "kind")),
        "sysprepRef": secret_ref(("kind", "name")),
    }, required=("type",) * gen.has("vm_provisioning_type_required"), oneOf=[
        only("SysprepRef", "sysprepRef", ("userData", "userDataRef"), True),
        only("UserData", "userData", ("sysprepRef", "userDataRef"), False),
        only("UserDataRef", "userDataRef", ("sysprepRef", "userData"), True),
    ])


def _spec(gen: Gen) -> Obj:
    strict = gen.has("min_length_names")
    device = {"kind": string(enum=DEVICE_KINDS), "name": name_ref(strict)}
    if gen.has("vm_boot_order"):
        device["bootOrder"] = integer(minimum=1)
    fraction = string(default="100%") if gen.has("vm_core_fraction_default") else string(
        pattern="^(100|[1-9][0-9]?|[1-9])%$")
    props: Obj = {
        "provisioning": _provisioning(gen),
        "runPolicy": string(enum=("AlwaysOn", "AlwaysOff", "Manual", "AlwaysOnUnlessStoppedManually"),
                            default="AlwaysOnUnlessStoppedManually"),
        "virtualMachineIPAddressName": name_ref(strict),
        "topologySpreadConstraints": topology_spread(),
        "affinity": obj({
            "nodeAffinity": node_affinity(),
            "virtualMachineAndPodAffinity": workload_affinity("virtualMachineAndPodAffinityTerm"),
            "virtualMachineAndPodAntiAffinity": workload_affinity("virtualMachineAndPodAffinityTerm"),
        }),
        "nodeSelector": map_of(),
        "priorityClassName": name_ref(strict),
        "tolerations": tolerations(),
        "disruptions": obj({"restartApprovalMode": string(enum=("Manual", "Automatic"))},
                           default={"restartApprovalMode": "Manual"}),
        "terminationGracePeriodSeconds": integer(default=60, fmt="int64"),
        "enableParavirtualization": boolean(default=True),
        "osType": string(enum=("Windows", "Generic"), default="Generic"),
        "bootloader": string(enum=("BIOS", "EFI", "EFIWithSecureBoot"), default="BIOS"),
        "virtualMachineClassName": name_ref(strict),
        "cpu": obj({"cores": integer(minimum=1, fmt="int32"), "coreFraction": fraction}, required=("cores",)),
        "memory": obj({"size": string(pattern=QUANTITY_PATTERN)}, required=("size",)),
        "blockDeviceRefs": array(obj(device), min_items=1, max_items=16),
        "liveMigrationPolicy": string(enum=("AlwaysSafe", "PreferSafe", "AlwaysForced", "PreferForced"),
                                      default="PreferSafe"),
    }
    if gen.has("vm_networks"):
        network: Obj = {"type": string(enum=("Main", "Network", "ClusterNetwork")), "name": name_ref(strict),
                        "virtualMachineMACAddressName": name_ref(strict)}
        if gen.has("vm_network_id"):
            network = {"id": integer(), **network}
        props["networks"] = array(obj(network, required=("type",)))
    if gen.has("vm_usb"):
        props["usbDevices"] = array(obj({"name": string(min_length=1)}, required=("name",)), max_items=8)
    return obj(props, required=("virtualMachineClassName", "cpu", "memory", "blockDeviceRefs"))


def _status(gen: Gen) -> Obj:
    when = string(nullable=True, fmt="date-time")
    maybe = string(nullable=True)
    device: Obj = {"attached": boolean(), "hotplugged": boolean(), "kind": string(enum=DEVICE_KINDS),
                   "name": string(), "target": string(), "size": string(),
                   "virtualMachineBlockDeviceAttachmentName": string()}
    if gen.has("vm_boot_order"):
        device["bootOrder"] = integer()
    stats: Obj = {
        "phasesTransitions": array(obj({"phase": string(enum=VM_PHASES), "timestamp": when})),
        "launchTimeDuration": obj({k: maybe for k in ("waitingForDependencies", "virtualMachineStarting",
                                                      "guestOSAgentStarting")}),
    }
    if gen.has("vm_boot_order"):
        stats["lastStartTime"] = when
    place = obj({"node": string(), "pod": string()})
    props: Obj = {
        "guestOSInfo": obj(preserve=True),
        "phase": string(enum=VM_PHASES),
        "nodeName": string(), "virtualMachineIPAddressName": string(), "ipAddress": string(),
        "blockDeviceRefs": array(obj(device, required=("kind", "name", "size", "attached"))),
        "migrationState": obj({"startTimestamp": when, "endTimestamp": when, "target": place, "source": place,
                               "result": string(enum=("", "Succeeded", "Failed"))}),
        "stats": obj(stats),
        "conditions": conditions(),
        "restartAwaitingChanges": array(obj(preserve=True)),
        "observedGeneration": integer(fmt="int64"),
        "virtualMachinePods": array(obj({"active": boolean(), "name": string()},
                                        required=("active", "name"))),
        "versions": obj({"libvirt": string(), "qemu": string()}),
        "resources": obj({
            "cpu": obj({"coreFraction": string(), "cores": integer(), "requestedCores": quantity(),
                        "runtimeOverhead": quantity(),
                        "topology": obj({"coresPerSocket": integer(), "sockets": integer()},
                                        required=("coresPerSocket", "sockets"))}, required=("cores",)),
            "memory": obj({"runtimeOverhead": quantity(), "size": quantity()}, required=("size",)),
        }),
    }
    if gen.has("vm_usb"):
        props["usbDevices"] = array(obj({
            "name": string(), "attached": boolean(), "ready": boolean(),
            "address": obj({"bus": integer(), "port": integer()}), "hotplugged": boolean(),
        }, required=("name", "attached", "ready")))
    if gen.has("vm_networks"):
        network: Obj = {"type": string(), "name": string(), "macAddress": string(),
                        "virtualMachineMACAddressName": string()}
        if gen.has("vm_network_id"):
            network = {"id": integer(), **network}
        props["networks"] = array(obj(network, required=("type",)))
    return obj(props)


def _vm_rules(gen: Gen) -> tuple[Rule, ...]:
    if gen.has("min_length_names"):
        return (
            Cel("spec", CORE_FRACTION, lambda s: not has(s.get("cpu"), "coreFraction")
                or _fraction_ok(s["cpu"]["coreFraction"])),
            Cel("spec.provisioning.userData", USER_DATA_LIMIT, lambda v: len(v) <= 2048, node_type="string"),
        )
    return (
        Cel("spec", CORE_FRACTION, lambda s: _fraction_ok(dig(s, "cpu", "coreFraction"))),
        Cel("spec.virtualMachineClassName", "The virtualMachineClassName field must not be an empty string.",
            lambda v: len(v) > 0, node_type="string"),
    )


def virtual_machine(gen: Gen) -> ResourceDef:
    age = _AGE_COLUMN.get(gen.name)
    columns = (
        PHASE, *((age,) if age else ()),
        column("Cores", ".status.resources.cpu.cores", priority=1),
        column("CoreFraction", ".status.resources.cpu.coreFraction", priority=1),
        column("Memory", ".status.resources.memory.size", priority=1),
        condition_status("Need restart", "AwaitingRestartToApplyConfiguration", priority=1),
        condition_status("Agent", "AgentReady", priority=1),
        condition_status("Migratable", "Migratable", priority=1),
        column("Node", ".status.nodeName"), column("IPAddress", ".status.ipAddress"), AGE,
    )
    return ResourceDef(
        GROUP, VERSION, "VirtualMachine", "virtualmachines", True,
        root(_spec(gen), _status(gen), desc="A virtual machine."),
        short_names=("vm", "vms") if gen.has("seed_names") else ("vm",),
        categories=("all", "virtualization"), columns=columns, rules=_vm_rules(gen),
        admission=(vm_name_webhook,),
    )


def vm_name_webhook(new: Obj, old: Obj | None, reader: Reader) -> Admission:
    """`vm.virtualization-controller...`: the name must fit a DNS label."""
    name = name_of(new)
    if len(name) > 63:
        return deny(webhook("vm"), f'the VirtualMachine name "{name}" is too long: '
                                   "it must be no more than 63 characters")
    return OK


def attachment_limit(new: Obj, old: Obj | None, reader: Reader) -> Admission:
    """On create: a VM has at most 16 block devices (spec disks plus attachments)."""
    vm_name = dig(new, "spec", "virtualMachineName")
    if old is not None or not vm_name:
        return OK
    ns = namespace_of(new)
    vm = reader.get(KEYS["VirtualMachine"], ns, str(vm_name))
    found = len(dig(vm, "spec", "blockDeviceRefs") or [])
    found += sum(1 for a in reader.list(KEYS["VirtualMachineBlockDeviceAttachment"], ns)
                 if dig(a, "spec", "virtualMachineName") == vm_name and name_of(a) != name_of(new))
    if found >= MAX_BLOCK_DEVICES:
        return deny(webhook("vmbda"), f'block device attached to VirtualMachine "{vm_name}" limit reached: '
                                      f"{found} devices found, {MAX_BLOCK_DEVICES} is maximum")
    return OK


def block_device_attachment(gen: Gen) -> ResourceDef:
    strict = gen.has("min_length_names")
    spec = obj({
        "blockDeviceRef": obj({"kind": string(enum=("VirtualDisk", "VirtualImage", "ClusterVirtualImage")),
                               "name": name_ref(strict)}),
        "virtualMachineName": name_ref(strict),
    }, required=("blockDeviceRef", "virtualMachineName"))
    status = obj({
        "conditions": conditions(), "observedGeneration": integer(fmt="int64"),
        "phase": string(enum=("Pending", "InProgress", "Attached", "Failed", "Terminating")),
        "virtualMachineName": string(),
    })
    seed = gen.has("seed_names")
    vm_header = "VIRTUALMACHINE" if strict else "VIRTUAL MACHINE NAME"
    hooks: tuple[AdmissionHook, ...] = (
        idempotent_spec("vmbda", "VirtualMachineBlockDeviceAttachment"), attachment_limit)
    return ResourceDef(
        GROUP, VERSION, "VirtualMachineBlockDeviceAttachment", "virtualmachineblockdeviceattachments", True,
        root(spec, status, desc="Hot-plugs a disk or an image into a running VM."),
        short_names=("vmbda", "vmbdas") if seed else ("vmbda",),
        categories=("all", "virtualization") if seed else ("virtualization",),
        columns=(column("PHASE", ".status.phase"),
                 column("BLOCKDEVICE KIND", ".spec.blockDeviceRef.kind", priority=1),
                 column("BLOCKDEVICE NAME", ".spec.blockDeviceRef.name", priority=1),
                 column(vm_header, ".status.virtualMachineName"),
                 column("AGE", ".metadata.creationTimestamp", "date")),
        admission=hooks,
    )
