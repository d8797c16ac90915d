"""Request bodies per generation: exactly dvp-api §8 and, for seed, the docs page's examples, field by field."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from tests.kube.preflight_kit import API_DOC, GENS, SEED_DOC, caps_of, yaml_blocks
from tui.kube import manifests as m
from tui.kube.names import RenameRule

RID = "3f0c9a1e-5b7d-4c2a-9e8f-0123456789ab"
ANN = {"dvpsnap.io/request-id": RID}


def bare(body: dict[str, Any]) -> dict[str, Any]:
    """The body without our request-id annotation (what the reference documents show)."""
    meta = {k: v for k, v in body["metadata"].items() if k != "annotations"}
    assert body["metadata"]["annotations"] == ANN
    return {**body, "metadata": meta}


def v110_bodies() -> list[dict[str, Any]]:
    """The dvp-api §8 examples built with the v1.10 flags (the VirtualMachineRestore one with v1.8's)."""
    caps = caps_of("v1.10")
    return [
        m.disk_snapshot(caps, namespace="lab", name="web-01-root-20260915-0800", disk="web-01-root", request_id=RID),
        m.vm_snapshot(caps, namespace="lab", name="web-01-20260915-0800", vm="web-01", request_id=RID),
        m.vmop_restore(caps, namespace="lab", vm="web-01", snapshot="web-01-before-upgrade", request_id=RID),
        m.vmop_clone(caps, namespace="lab", vm="web-01", request_id=RID, rules=[
            RenameRule("VirtualMachine", "web-01", "web-02"), RenameRule("VirtualDisk", "web-01-root", "web-02-root")]),
        m.vmsop_create_vm(caps, namespace="lab", snapshot="web-01-before-upgrade", request_id=RID, prefix="copy-"),
        m.vm_restore(caps_of("v1.8"), namespace="lab", name="web-01-restore-copy", snapshot="web-01-before-upgrade",
                     request_id=RID, rules=[RenameRule("VirtualMachine", "web-01", "web-01-copy"),
                                            RenameRule("VirtualMachineIPAddress", "web-01-7xk2p", "web-01-copy-ip")]),
        m.disk_from_snapshot(caps, namespace="lab", name="web-01-root-recovered", snapshot="web-01-root-20260914",
                             request_id=RID, size="20Gi", storage_class="replicated-thin-r2"),
    ]


def seed_bodies(restore_mode: bool = True) -> list[dict[str, Any]]:
    """The dvp-api §8 seed examples."""
    caps = caps_of("seed")
    legacy = caps if restore_mode else caps.__class__(**{**caps.__dict__, "has_restore_mode": False})
    return [
        m.disk_snapshot(caps, namespace="lab-seed", name="linux-vm-root-20250714-0900", disk="linux-vm-root",
                        request_id=RID, snapshot_class="sds-replicated-volume"),
        m.vm_snapshot(caps, namespace="lab-seed", name="linux-vm-20250714-0910", vm="linux-vm", request_id=RID,
                      keep_ip_address="Never", class_mapping={"i-linstor-thin-r2": "sds-replicated-volume"}),
        m.vm_restore(legacy, namespace="lab-seed", name="linux-vm-restore-copy", snapshot="linux-vm-20250714-0910",
                     request_id=RID, rules=[
                         RenameRule("VirtualMachine", "linux-vm", "linux-vm-2"),
                         RenameRule("VirtualDisk", "linux-vm-root", "linux-vm-root-2"),
                         RenameRule("VirtualDisk", "blank-disk", "blank-disk-2"),
                         RenameRule("VirtualMachineBlockDeviceAttachment", "attach-blank-disk",
                                    "attach-blank-disk-2")]),
        m.disk_from_snapshot(caps, namespace="lab-seed", name="linux-vm-root-recovered",
                             snapshot="linux-vm-root-20250714-0900", request_id=RID),
    ]


V110_EXPECTED = """
apiVersion: virtualization.deckhouse.io/v1alpha2
kind: VirtualDiskSnapshot
metadata: {name: web-01-root-20260915-0800, namespace: lab}
spec: {virtualDiskName: web-01-root, requiredConsistency: true}
---
apiVersion: virtualization.deckhouse.io/v1alpha2
kind: VirtualMachineSnapshot
metadata: {name: web-01-20260915-0800, namespace: lab}
spec: {virtualMachineName: web-01, requiredConsistency: true, keepIPAddress: Always}
---
apiVersion: virtualization.deckhouse.io/v1alpha2
kind: VirtualMachineOperation
metadata: {generateName: restore-web-01-, namespace: lab}
spec:
  type: Restore
  virtualMachineName: web-01
  restore: {mode: DryRun, virtualMachineSnapshotName: web-01-before-upgrade}
---
apiVersion: virtualization.deckhouse.io/v1alpha2
kind: VirtualMachineOperation
metadata: {generateName: clone-web-01-, namespace: lab}
spec:
  type: Clone
  virtualMachineName: web-01
  clone:
    mode: Strict
    nameReplacement:
    - {from: {kind: VirtualMachine, name: web-01}, to: web-02}
    - {from: {kind: VirtualDisk, name: web-01-root}, to: web-02-root}
---
apiVersion: virtualization.deckhouse.io/v1alpha2
kind: VirtualMachineSnapshotOperation
metadata: {generateName: from-snap-, namespace: lab}
spec:
  type: CreateVirtualMachine
  virtualMachineSnapshotName: web-01-before-upgrade
  createVirtualMachine: {mode: Strict, customization: {namePrefix: copy-}}
---
apiVersion: virtualization.deckhouse.io/v1alpha2
kind: VirtualMachineRestore
metadata: {name: web-01-restore-copy, namespace: lab}
spec:
  virtualMachineSnapshotName: web-01-before-upgrade
  restoreMode: Safe
  nameReplacements:
  - {from: {kind: VirtualMachine, name: web-01}, to: web-01-copy}
  - {from: {kind: VirtualMachineIPAddress, name: web-01-7xk2p}, to: web-01-copy-ip}
---
apiVersion: virtualization.deckhouse.io/v1alpha2
kind: VirtualDisk
metadata: {name: web-01-root-recovered, namespace: lab}
spec:
  dataSource: {type: ObjectRef, objectRef: {kind: VirtualDiskSnapshot, name: web-01-root-20260914}}
  persistentVolumeClaim: {size: 20Gi, storageClassName: replicated-thin-r2}
"""


def test_v110_bodies_are_exactly_section_8() -> None:
    assert [bare(b) for b in v110_bodies()] == list(yaml.safe_load_all(V110_EXPECTED))


def section_8() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The two YAML blocks of dvp-api.md §8 (v1.10, then seed); skips when the spec is not checked out."""
    if not API_DOC.exists():
        pytest.skip(f"{API_DOC} is not available")
    text = API_DOC.read_text(encoding="utf-8")
    section = text[text.index("## 8. Request bodies"):text.index("## 9.")]
    blocks = [list(yaml.safe_load_all(b)) for b in re.findall(r"```yaml\n(.*?)```", section, flags=re.S)]
    assert len(blocks) == 2
    return blocks[0], blocks[1]


def test_bodies_match_the_spec_document() -> None:
    v110, seed = section_8()
    assert [bare(b) for b in v110_bodies()] == v110
    assert [bare(b) for b in seed_bodies()] == seed


def test_seed_bodies_match_the_docs_page_field_by_field() -> None:
    docs = {d["kind"]: d for d in yaml_blocks(SEED_DOC)}
    assert set(docs) == {"VirtualDiskSnapshot", "VirtualDisk", "VirtualMachineSnapshot", "VirtualMachineRestore"}
    caps = caps_of("seed")
    vds = m.disk_snapshot(caps, namespace="ns", name="linux-vm-root-snapshot", disk="linux-vm-root", request_id=RID,
                          snapshot_class="sds-replicated-volume")
    assert vds["spec"] == docs["VirtualDiskSnapshot"]["spec"]
    vms = m.vm_snapshot(caps, namespace="ns", name="linux-vm-snapshot", vm="linux-vm", request_id=RID,
                        keep_ip_address="Never", class_mapping={"i-linstor-thin-r2": "sds-replicated-volume"})
    assert vms["spec"] == docs["VirtualMachineSnapshot"]["spec"]
    doc_restore = docs["VirtualMachineRestore"]["spec"]
    rules = [RenameRule(r["from"]["kind"], r["from"]["name"], r["to"]) for r in doc_restore["nameReplacements"]]
    pre_v023 = caps.__class__(**{**caps.__dict__, "has_restore_mode": False})
    restore = m.vm_restore(pre_v023, namespace="ns", name="linux-vm-restore", snapshot="linux-vm-snapshot",
                           request_id=RID, rules=rules)
    assert restore["spec"] == doc_restore  # the page predates restoreMode (v0.23.0)
    with_mode = m.vm_restore(caps, namespace="ns", name="r", snapshot="linux-vm-snapshot", request_id=RID, rules=rules)
    assert with_mode["spec"] == {**doc_restore, "restoreMode": "Safe"}
    doc_disk = docs["VirtualDisk"]["spec"]
    vd = m.disk_from_snapshot(caps, namespace="ns", name="linux-vm-root", snapshot="linux-vm-root-snapshot",
                              request_id=RID, size="10Gi", storage_class="i-linstor-thin-r2")
    # seed ignores the requested StorageClass (the recorded one is used), so dvpsnap does not send it
    assert vd["spec"] == {**doc_disk, "persistentVolumeClaim": {"size": "10Gi"}}
    for body in (vds, vms, restore, vd):
        doc = docs[body["kind"]]
        assert (body["apiVersion"], body["metadata"]["name"]) == (doc["apiVersion"], doc["metadata"]["name"])


@pytest.mark.parametrize("g", GENS)
def test_class_fields_only_on_seed(g: str) -> None:
    caps = caps_of(g)
    vds = m.disk_snapshot(caps, namespace="lab", name="s", disk="d", request_id=RID, snapshot_class="c",
                          required_consistency=False)
    assert vds["spec"] == ({"virtualDiskName": "d", "volumeSnapshotClassName": "c", "requiredConsistency": False}
                           if g == "seed" else {"virtualDiskName": "d", "requiredConsistency": False})
    vms = m.vm_snapshot(caps, namespace="lab", name="s", vm="v", request_id=RID, class_mapping={"sc": "c"})
    assert ("volumeSnapshotClasses" in vms["spec"]) == (g == "seed")
    if g == "seed":
        with pytest.raises(ValueError, match="volumeSnapshotClassName is required"):
            m.disk_snapshot(caps, namespace="lab", name="s", disk="d", request_id=RID)
    assert vds["metadata"] == {"name": "s", "namespace": "lab", "annotations": ANN}


@pytest.mark.parametrize("g", GENS)
def test_operations_exist_only_where_served(g: str) -> None:
    caps = caps_of(g)
    kinds: dict[str, Callable[[], dict[str, Any]]] = {
        "vm_restore": lambda: m.vm_restore(caps, namespace="n", name="r", snapshot="s", request_id=RID),
        "vmop_restore": lambda: m.vmop_restore(caps, namespace="n", vm="v", snapshot="s", request_id=RID),
        "vmop_clone": lambda: m.vmop_clone(caps, namespace="n", vm="v", request_id=RID, suffix="-2"),
        "vmsop": lambda: m.vmsop_create_vm(caps, namespace="n", snapshot="s", request_id=RID, suffix="-2"),
    }
    served = {"seed": {"vm_restore"}, "cse": {"vm_restore", "vmop_restore"},
              "v1.8": set(kinds), "v1.10": {"vmop_restore", "vmop_clone", "vmsop"}}[g]
    for key, build in kinds.items():
        if key in served:
            assert build()["metadata"]["annotations"] == ANN
        else:
            with pytest.raises(ValueError, match="not served"):
                build()


@pytest.mark.parametrize("g", ["seed", "cse", "v1.8"])
def test_restore_mode_follows_the_schema(g: str) -> None:
    caps = caps_of(g)
    forced = m.vm_restore(caps, namespace="n", name="r", snapshot="s", request_id=RID, mode="Forced",
                          rules=[RenameRule("", "a", "b")])
    assert forced["spec"] == {"virtualMachineSnapshotName": "s", "restoreMode": "Forced",
                              "nameReplacements": [{"from": {"name": "a"}, "to": "b"}]}
    old = caps.__class__(**{**caps.__dict__, "has_restore_mode": False})
    assert "restoreMode" not in m.vm_restore(old, namespace="n", name="r", snapshot="s", request_id=RID)["spec"]
    with pytest.raises(ValueError, match="only Safe"):
        m.vm_restore(old, namespace="n", name="r", snapshot="s", request_id=RID, mode="Forced")


@pytest.mark.parametrize("g", ["v1.8", "v1.10"])
def test_clone_block_is_singular_with_string_targets(g: str) -> None:
    caps = caps_of(g)
    clone = m.vmop_clone(caps, namespace="n", vm="web", request_id=RID, mode="DryRun", prefix="p-", suffix="-s",
                         rules=[RenameRule("", "web", "web-2")])
    assert clone["spec"]["clone"] == {"mode": "DryRun", "nameReplacement": [{"from": {"name": "web"}, "to": "web-2"}],
                                      "customization": {"namePrefix": "p-", "nameSuffix": "-s"}}
    assert "nameReplacements" not in clone["spec"]["clone"]
    with pytest.raises(ValueError, match="At least one of"):
        m.vmsop_create_vm(caps, namespace="n", snapshot="s", request_id=RID)
    with pytest.raises(ValueError, match="mode must be one of"):
        m.vmop_clone(caps, namespace="n", vm="web", request_id=RID, mode="Yolo", prefix="p-")


@pytest.mark.parametrize("g", GENS)
def test_disk_from_snapshot_sends_the_class_only_where_honoured(g: str) -> None:
    vd = m.disk_from_snapshot(caps_of(g), namespace="n", name="d", snapshot="s", request_id=RID, size="20Gi",
                              storage_class="fast")
    pvc = {"size": "20Gi"} if g in ("seed", "cse") else {"size": "20Gi", "storageClassName": "fast"}
    assert vd["spec"]["persistentVolumeClaim"] == pvc
    plain = m.disk_from_snapshot(caps_of(g), namespace="n", name="d", snapshot="s", request_id=RID)
    assert "persistentVolumeClaim" not in plain["spec"]


def test_request_id_and_enums_are_enforced() -> None:
    caps = caps_of("v1.10")
    with pytest.raises(ValueError, match="request id"):
        m.disk_snapshot(caps, namespace="n", name="s", disk="d", request_id="")
    with pytest.raises(ValueError, match="keepIPAddress"):
        m.vm_snapshot(caps, namespace="n", name="s", vm="v", request_id=RID, keep_ip_address="Sometimes")
    with pytest.raises(ValueError, match=r"from\.name and to"):
        m.vmop_clone(caps, namespace="n", vm="v", request_id=RID, rules=[RenameRule("", "", "x")])


PLURALS = {"VirtualDiskSnapshot": "virtualdisksnapshots", "VirtualMachineSnapshot": "virtualmachinesnapshots",
           "VirtualMachineRestore": "virtualmachinerestores", "VirtualMachineOperation": "virtualmachineoperations",
           "VirtualMachineSnapshotOperation": "virtualmachinesnapshotoperations", "VirtualDisk": "virtualdisks"}


def every_body(g: str) -> list[dict[str, Any]]:
    """One body of every wizard this generation serves, with every optional field set."""
    caps, rules = caps_of(g), [RenameRule("VirtualDisk", "a", "b"), RenameRule("", "vm", "vm-2")]
    out = [m.disk_snapshot(caps, namespace="lab", name="a", disk="d", request_id=RID, snapshot_class="c"),
           m.vm_snapshot(caps, namespace="lab", name="a", vm="v", request_id=RID, keep_ip_address="Never",
                         class_mapping={"sc": "c"}),
           m.disk_from_snapshot(caps, namespace="lab", name="d", snapshot="s", request_id=RID, size="1Gi",
                                storage_class="sc")]
    if caps.legacy_restore:
        out.append(m.vm_restore(caps, namespace="lab", name="a", snapshot="s", request_id=RID, mode="Forced",
                                rules=rules))
    if caps.in_place_restore:
        out.append(m.vmop_restore(caps, namespace="lab", vm="v", snapshot="s", request_id=RID, mode="BestEffort"))
    if caps.clone:
        out.append(m.vmop_clone(caps, namespace="lab", vm="v", request_id=RID, prefix="p-", suffix="-s", rules=rules))
    if caps.create_from_snapshot:
        out.append(m.vmsop_create_vm(caps, namespace="lab", snapshot="s", request_id=RID, suffix="-x", rules=rules))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("g", GENS)
def test_the_simulated_generation_accepts_every_body_strictly(g: str) -> None:
    """A strict dry-run against the simulator's own schema of that generation: no unknown or missing field."""
    from tui.kube.client import ApiError, KubeClient
    from tui.sim.cluster import SimCluster

    gv = "/apis/virtualization.deckhouse.io/v1alpha2/namespaces/lab/"
    strict = {"dryRun": "All", "fieldValidation": "Strict"}
    with SimCluster(g, controllers=False) as sim:
        client = KubeClient([sim.kubeconfig_path])
        try:
            client.send_json("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                            "metadata": {"name": "lab"}})
            for body in every_body(g):
                _, warnings = client.send_json("POST", gv + PLURALS[body["kind"]], body, query=strict)
                assert all("deprecated" in w for w in warnings), (body["kind"], warnings)
            if g != "seed":  # the docs page's seed shape is what later generations reject
                seed_shape = every_body("seed")[0]
                with pytest.raises(ApiError) as err:
                    client.send_json("POST", gv + "virtualdisksnapshots", seed_shape, query=strict)
                assert err.value.status == 400 and "volumeSnapshotClassName" in err.value.message
        finally:
            client.close()
