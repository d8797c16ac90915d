"""Name helpers, rename previews, per-generation rules, quantities and what a VM or snapshot consists of."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import pytest

from tests.kube.preflight_kit import CAPS, GENS, caps_of, cluster, mk, snapshot, view, vm
from tui.kube.contents import Payload, snapshot_items, stored_address, vm_items
from tui.kube.names import (
    Item,
    RenameRule,
    non_conflicting,
    preview,
    renamed,
    subdomain_problem,
    suggest_snapshot_name,
    vm_name_problem,
)
from tui.kube.objects import VirtualMachine, VirtualMachineSnapshot
from tui.kube.quantity import parse_bytes
from tui.kube.wizard_rules import rules_for

NOW = datetime(2026, 9, 15, 8, 5)


@pytest.mark.parametrize(("name", "ok"), [("web-01", True), ("a.b-c", True), ("Web", False), ("a_b", False),
                                          ("-a", False), ("a-", False), ("", False), ("a" * 253, True),
                                          ("a" * 254, False)])
def test_dns1123_subdomain(name: str, ok: bool) -> None:
    assert (subdomain_problem(name) == "") == ok


def test_vm_name_limit() -> None:
    assert vm_name_problem("v" * 63) == ""
    assert vm_name_problem("v" * 64).endswith("is too long: it must be no more than 63 characters")


def test_suggest_snapshot_name_fits() -> None:
    assert suggest_snapshot_name("web-01-root", NOW) == "web-01-root-20260915-0805"
    long = suggest_snapshot_name("d" * 250, NOW)
    assert len(long) == 253 and long.endswith("-20260915-0805") and subdomain_problem(long) == ""
    cut = suggest_snapshot_name("abc-" + "x" * 60, NOW, limit=20)
    assert cut == "abc-xx-20260915-0805" and len(cut) == 20
    assert suggest_snapshot_name("ab-cd", NOW, limit=17) == "ab-20260915-0805"  # no "-" left dangling


def test_non_conflicting() -> None:
    assert non_conflicting("web", {"db"}) == "web"
    assert non_conflicting("web", {"web"}) == "web-copy"
    assert non_conflicting("web", {"web", "web-copy", "web-copy-2"}) == "web-copy-3"
    assert non_conflicting("v" * 63, {"v" * 63}, limit=63) == "v" * 58 + "-copy"


def test_renaming_matches_the_controller() -> None:
    rules = [RenameRule("VirtualDisk", "web", "disk-web"), RenameRule("", "web", "any-web")]
    assert renamed("VirtualDisk", "web", rules) == "disk-web"  # first matching rule wins
    assert renamed("VirtualMachine", "web", rules) == "any-web"  # an empty kind matches every kind
    assert renamed("VirtualMachine", "web", rules, "p-", "-s") == "p-any-web-s"  # replacement, then prefix/suffix
    assert renamed("ClusterVirtualImage", "os", rules, "p-", "-s") == "os"  # images are never renamed
    items = [Item("VirtualMachine", "web"), Item("VirtualDisk", "web-root"), Item("Secret", "ci"),
             Item("VirtualMachineIPAddress", "web-ip")]
    out = preview(items, [], disk_name_max=60, prefix="x" * 5, suffix="." + "y" * 60)
    assert [r.new[:7] for r in out] == ["xxxxxwe", "xxxxxwe", "xxxxxci", "xxxxxwe"]
    assert "63 characters" in out[0].problem and "'.' is forbidden" in out[1].problem
    assert out[2].problem == "" and out[3].problem == ""


def test_rules_per_generation() -> None:
    table = {g: rules_for(caps_of(g)) for g in GENS}
    assert [table[g].waits for g in GENS] == [True, True, False, False]
    assert [table[g].disk_name_max for g in GENS] == [60, 60, 60, 253]
    assert [table[g].disk_class_honoured for g in GENS] == [False, False, True, True]
    assert [table[g].cross_driver_denied for g in GENS] == [False, False, False, True]
    assert [table[g].macs_captured for g in GENS] == [False, True, True, True]
    assert [table[g].seed_restore for g in GENS] == [True, False, False, False]
    assert [table[g].forced_sets_always_off for g in GENS] == [False, True, True, False]
    assert [table[g].legacy_deprecated for g in GENS] == [False, False, True, False]
    assert set(CAPS) == set(GENS)


@pytest.mark.parametrize(("text", "size"), [("10Gi", 10 * 2**30), ("1.5Ki", 1536), ("20G", 20 * 10**9),
                                            ("1e3", 1000), ("500m", 1), (7, 7), ("", None), ("ten", None)])
def test_quantities(text: str | int, size: int | None) -> None:
    assert parse_bytes(text) == size


def test_contents_of_a_vm_and_of_a_snapshot() -> None:
    v = view(*cluster(snapshot()))
    machine = cast(VirtualMachine, v.get(VirtualMachine, "lab", "web"))
    assert vm_items(v, machine) == [Item("VirtualMachine", "web"), Item("VirtualMachineIPAddress", "web-7xk2p"),
                                    Item("Secret", "web-cloudinit"), Item("VirtualDisk", "web-root"),
                                    Item("VirtualMachineBlockDeviceAttachment", "web-data-attach"),
                                    Item("VirtualDisk", "web-data")]
    snap = cast(VirtualMachineSnapshot, v.get(VirtualMachineSnapshot, "lab", "web-before"))
    items, complete = snapshot_items(v, snap)
    assert complete and items == vm_items(v, machine)
    partial = view(*cluster(snapshot(resources=False)))
    snap2 = cast(VirtualMachineSnapshot, partial.get(VirtualMachineSnapshot, "lab", "web-before"))
    assert snapshot_items(partial, snap2) == ([Item("VirtualMachine", "web"), Item("VirtualDisk", "web-root"),
                                               Item("VirtualDisk", "web-data")], False)
    ip = Item("VirtualMachineIPAddress", "web-7xk2p")
    assert stored_address(v, snap, ip, None) == "10.0.0.5"  # keepIPAddress Always: pinned to the current address
    assert stored_address(v, snap, ip, Payload(addresses={(ip.kind, ip.name): ""})) == ""
    never = view(*cluster(snapshot(keep="Never")))
    snap3 = cast(VirtualMachineSnapshot, never.get(VirtualMachineSnapshot, "lab", "web-before"))
    assert stored_address(never, snap3, ip, None) == ""  # an Auto VMIP is not pinned


def test_vm_items_without_status_use_spec_and_vmbdas() -> None:
    bare = mk("vm", "new", {"blockDeviceRefs": [{"kind": "VirtualDisk", "name": "new-root"}]})
    vmbda = mk("vmbda", "new-extra-attach", {"virtualMachineName": "new", "blockDeviceRef": {
        "kind": "VirtualDisk", "name": "new-extra"}})
    v = view(bare, vmbda, vm("other"))
    assert vm_items(v, cast(VirtualMachine, v.get(VirtualMachine, "lab", "new"))) == [
        Item("VirtualMachine", "new"), Item("VirtualDisk", "new-root"),
        Item("VirtualMachineBlockDeviceAttachment", "new-extra-attach"), Item("VirtualDisk", "new-extra")]
