"""VirtualMachineIPAddress and VirtualMachineMACAddress (cse+): schemas, columns and the VMIP webhook."""

from __future__ import annotations

import ipaddress

from tui.sim.resources import Admission, Obj, Reader, ResourceDef
from tui.sim.schemas.admission import KEYS, OK, deny, dig, name_of, namespace_of, webhook
from tui.sim.schemas.common import AGE, column, conditions, integer, obj, root, string
from tui.sim.schemas.disks import GROUP, VERSION
from tui.sim.schemas.gen import Gen

# Addresses the simulated cluster hands out (the module's `virtualMachineCIDRs`).
VIRTUAL_MACHINE_CIDRS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
MAC_PATTERN = "^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$"
ADDRESS_COLUMNS = (column("Address", ".status.address"), column("Status", ".status.phase"),
                   column("VM", ".status.virtualMachineName"), AGE)


def _address_status() -> Obj:
    return obj({"conditions": conditions(), "address": string(), "virtualMachineName": string(),
                "phase": string(enum=("Pending", "Bound", "Attached")), "observedGeneration": integer()})


def ip_address(gen: Gen) -> ResourceDef:
    spec = obj({"type": string(enum=("Auto", "Static")), "staticIP": string()}, required=("type",))
    seed = gen.has("seed_names")
    return ResourceDef(
        GROUP, VERSION, "VirtualMachineIPAddress", "virtualmachineipaddresses", True,
        root(spec, _address_status(), required=(), desc="An IP address of a VM, automatic or static."),
        short_names=("vmip", "vmips") if seed else ("vmip",),
        categories=("all", "virtualization") if seed else ("virtualization",),
        columns=ADDRESS_COLUMNS, admission=(ip_webhook,),
    )


def _in_range(ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(cidr) for cidr in VIRTUAL_MACHINE_CIDRS)


def ip_webhook(new: Obj, old: Obj | None, reader: Reader) -> Admission:
    """`vmip.virtualization-controller...`: static addresses must be set, in range and free."""
    hook = webhook("vmip")
    kind, ip = dig(new, "spec", "type"), dig(new, "spec", "staticIP")
    if kind == "Static" and not ip:
        return deny(hook, "the 'Static IP' field should be set for the IP address with the 'Static' type")
    if old is not None:
        current = dig(old, "status", "address") or dig(old, "spec", "staticIP")
        if current and ip and ip != current:
            return deny(hook, f"only type change Auto->Static is allowed: can't change current IP {current} "
                              f"to the specified {ip}")
        return OK
    if kind == "Auto" and ip:
        return deny(hook, "the VirtualMachineIPAddress cannot be created: The 'Static IP' field is set for "
                          f"the {name_of(new)} IP address with the 'Auto' type")
    if kind != "Static":
        return OK
    if not _in_range(str(ip)):
        return deny(hook, f"the requested address {ip} is out of the valid range")
    for other in reader.list(KEYS["VirtualMachineIPAddress"]):
        same = (name_of(other), namespace_of(other)) == (name_of(new), namespace_of(new))
        if not same and ip in (dig(other, "status", "address"), dig(other, "spec", "staticIP")):
            return deny(hook, f"the VirtualMachineIPAddress cannot be created: the specified IP address {ip} "
                              "has already been allocated and has not been released")
    return OK


def mac_address(gen: Gen) -> ResourceDef:
    pattern = MAC_PATTERN if gen.has("vmmac_pattern") else None
    return ResourceDef(
        GROUP, VERSION, "VirtualMachineMACAddress", "virtualmachinemacaddresses", True,
        root(obj({"address": string(pattern=pattern)}), _address_status(), required=(),
             desc="A MAC address of a VM's additional network interface."),
        short_names=("vmmac",), categories=("virtualization",), columns=ADDRESS_COLUMNS,
    )
