"""Our schemas against the real CRDs in ../shared/reference/crds (skipped when they are absent)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tui.sim import validation
from tui.sim.resources import Obj, ResourceDef
from tui.sim.schemas import GENERATIONS, registry_for
from tui.sim.schemas.cel import Cel

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
CRDS = REFERENCE / "crds"
if not CRDS.is_dir():
    pytest.skip("reference CRDs not available", allow_module_level=True)

FOLDERS = {"seed": "v0.23", "cse": "cse", "v1.8": "v1.8", "v1.10": "v1.10"}
# Kinds in the reference folders that the simulator does not serve (not needed by dvpsnap).
NOT_SERVED = {
    "clustervirtualimages",
    "virtualimages",
    "virtualmachineipaddressleases",
    "virtualmachinemacaddressleases",
    "usbdevices",
    "nodeusbdevices",
    "virtualmachinepools",
}
IGNORED_KEYS = {
    "description",
    "example",
    "x-kubernetes-validations",
    "x-kubernetes-list-type",
    "x-kubernetes-map-type",
    "x-kubernetes-list-map-keys",
}
SKIP_ROOT = set(validation.ROOT_SKIP)


@cache
def crd(path: Path) -> Obj:
    data: Obj = yaml.safe_load(path.read_text())
    return data


def crd_path(gen: str, d: ResourceDef) -> Path:
    folder = "upstream" if d.group == "snapshot.storage.k8s.io" else FOLDERS[gen]
    return CRDS / folder / f"{d.plural}.yaml"


def crd_version(gen: str, d: ResourceDef) -> Obj:
    versions = [v for v in crd(crd_path(gen, d))["spec"]["versions"] if v["name"] == d.version]
    assert versions, f"{d.kind} {d.version} not in the CRD"
    version: Obj = versions[0]
    return version


def custom_defs() -> Iterator[tuple[str, ResourceDef]]:
    for gen in GENERATIONS:
        for d in registry_for(gen).defs.values():
            if d.custom:
                yield gen, d


CASES = list(custom_defs())
IDS = [f"{g}-{d.kind}-{d.version}" for g, d in CASES]


def test_served_kinds_match_the_reference_folders() -> None:
    for gen in GENERATIONS:
        ours = {d.plural for d in registry_for(gen).defs.values() if d.group == "virtualization.deckhouse.io"}
        theirs = {p.stem for p in (CRDS / FOLDERS[gen]).glob("*.yaml")} - NOT_SERVED
        assert ours == theirs, gen


@pytest.mark.parametrize(("gen", "d"), CASES, ids=IDS)
def test_names_scope_and_categories(gen: str, d: ResourceDef) -> None:
    spec = crd(crd_path(gen, d))["spec"]
    names = spec["names"]
    assert (names["kind"], names["plural"], names["singular"]) == (d.kind, d.plural, d.singular)
    assert tuple(names.get("shortNames", ())) == d.short_names
    assert tuple(names.get("categories", ())) == d.categories
    assert spec["scope"] == ("Namespaced" if d.namespaced else "Cluster")
    version = crd_version(gen, d)
    assert version.get("deprecationWarning") == d.deprecation_warning
    assert ("status" in version.get("subresources", {})) == d.status_subresource


@pytest.mark.parametrize(("gen", "d"), CASES, ids=IDS)
def test_printer_columns(gen: str, d: ResourceDef) -> None:
    def shape(columns: Any) -> list[tuple[Any, ...]]:
        return [(c["name"], c["jsonPath"], c["type"], c.get("priority", 0)) for c in columns]

    assert shape(d.columns) == shape(crd_version(gen, d).get("additionalPrinterColumns", []))


def flatten(schema: Obj, path: str = "", root: bool = True) -> dict[str, Obj]:
    """Schema nodes by path, without descriptions, CEL and list/map-type hints."""
    out: dict[str, Obj] = {}
    node: Obj = {}
    for key, value in schema.items():
        if key in IGNORED_KEYS or key.startswith("x-doc"):
            continue
        if key == "properties":
            for name, sub in value.items():
                if not (root and name in SKIP_ROOT):
                    out.update(flatten(sub, f"{path}.{name}", False))
            node[key] = sorted(n for n in value if not (root and n in SKIP_ROOT))
        elif key == "items":
            out.update(flatten(value, f"{path}[]", False))
        elif key == "additionalProperties" and isinstance(value, dict):
            out.update(flatten(value, f"{path}{{}}", False))
            node[key] = "schema"
        elif key == "required":
            node[key] = sorted(value)
        else:
            node[key] = value
    out[path or "."] = node
    return out


@pytest.mark.parametrize(("gen", "d"), CASES, ids=IDS)
def test_schema_structure_matches(gen: str, d: ResourceDef) -> None:
    theirs = flatten(crd_version(gen, d)["schema"]["openAPIV3Schema"])
    ours = flatten(d.schema)
    diffs = [
        f"{p}: ours={ours.get(p)} theirs={theirs.get(p)}"
        for p in sorted(set(ours) | set(theirs))
        if ours.get(p) != theirs.get(p)
    ]
    assert not diffs, "\n".join(diffs)


def crd_rules(schema: Obj, path: str = "") -> set[tuple[str, str]]:
    found = {(path, r["message"]) for r in schema.get("x-kubernetes-validations", [])}
    for name, sub in (schema.get("properties") or {}).items():
        found |= crd_rules(sub, f"{path}.{name}".lstrip("."))
    if isinstance(schema.get("items"), dict):
        found |= crd_rules(schema["items"], f"{path}[]")
    return found


@pytest.mark.parametrize(("gen", "d"), CASES, ids=IDS)
def test_cel_rules_carry_the_crd_messages(gen: str, d: ResourceDef) -> None:
    ours = {(r.path, r.message) for r in d.rules if isinstance(r, Cel)}
    assert ours == crd_rules(crd_version(gen, d)["schema"]["openAPIV3Schema"])


# ------------------------------------------------------------------------------------------ corpus

DELETE = object()


def base(kind: str, gen: str, version: str) -> Obj:
    """A valid object of `kind` for `gen` (spec and a little status)."""
    fractions = ["10%", "100%"] if version == "v1alpha3" else [10, 100]
    specs: dict[str, Obj] = {
        "VirtualDisk": {"dataSource": {"type": "ObjectRef", "objectRef": {"kind": "VirtualDiskSnapshot", "name": "s"}},
                        "persistentVolumeClaim": {"size": "10Gi", "storageClassName": "fast"}},
        "VirtualDiskSnapshot": {"virtualDiskName": "disk", "requiredConsistency": True,
                                **({"volumeSnapshotClassName": "csi"} if gen == "seed" else {})},
        "VirtualMachine": {"virtualMachineClassName": "generic", "cpu": {"cores": 2, "coreFraction": "50%"},
                           "memory": {"size": "2Gi"}, "blockDeviceRefs": [{"kind": "VirtualDisk", "name": "d"}],
                           "provisioning": {"type": "UserDataRef", "userDataRef": {"kind": "Secret", "name": "i"}}},
        "VirtualMachineSnapshot": {"virtualMachineName": "vm", "keepIPAddress": "Never", "requiredConsistency": True},
        "VirtualMachineRestore": {"virtualMachineSnapshotName": "snap", "restoreMode": "Safe", "nameReplacements": [
            {"from": {"kind": "VirtualMachine", "name": "a"}, "to": "b"}]},
        "VirtualMachineOperation": {"type": "Stop", "virtualMachineName": "vm", "force": True},
        "VirtualMachineSnapshotOperation": {"type": "CreateVirtualMachine", "virtualMachineSnapshotName": "s",
                                            "createVirtualMachine": {"mode": "Strict",
                                                                     "customization": {"namePrefix": "c-"}}},
        "VirtualMachineBlockDeviceAttachment": {"virtualMachineName": "vm",
                                                "blockDeviceRef": {"kind": "VirtualDisk", "name": "d"}},
        "VirtualMachineIPAddress": {"type": "Static", "staticIP": "10.66.10.21"},
        "VirtualMachineMACAddress": {"address": "aa:bb:cc:dd:ee:ff"},
        "VirtualMachineClass": {"cpu": {"type": "Discovery"}, "sizingPolicies": [
            {"cores": {"min": 1, "max": 8}, "memory": {"min": "1Gi", "max": "8Gi"}, "coreFractions": fractions}]},
        "VolumeSnapshot": {"source": {"persistentVolumeClaimName": "pvc"}, "volumeSnapshotClassName": "csi"},
        "VolumeSnapshotContent": {"deletionPolicy": "Delete", "driver": "csi.example", "source": {"volumeHandle": "h"},
                                  "volumeSnapshotRef": {"name": "vs", "namespace": "ns"}},
    }
    if kind == "VolumeSnapshotClass":
        return {"driver": "csi.example", "deletionPolicy": "Delete", "parameters": {"a": "b"}}
    statuses: dict[str, Obj] = {"VirtualMachineOperation": {"phase": "Completed"},
                                "VolumeSnapshot": {"readyToUse": True, "restoreSize": "10Gi"},
                                "VirtualDisk": {"phase": "Ready", "capacity": "10Gi"}}
    out: Obj = {"metadata": {"name": "x"}, "spec": specs[kind]}
    if kind in statuses:
        out["status"] = statuses[kind]
    return out


PLURAL_CLONE = {"mode": "Strict", "nameReplacements": [{"from": {"name": "a"}, "to": {"name": "b"}}]}
MUTATIONS: dict[str, list[tuple[str, Any]]] = {
    "VirtualDisk": [("spec.persistentVolumeClaim.size", True), ("spec.persistentVolumeClaim.size", "ten"),
                    ("spec.persistentVolumeClaim.size", 1024), ("spec.dataSource.type", "Ftp"),
                    ("spec.dataSource.objectRef", {"kind": "X"}), ("spec.dataSource.http", {"url": "ftp://x"}),
                    ("spec.dataSource.http.checksum.md5", "abc"), ("spec.extra", 1),
                    ("spec.dataSource.objectRef.name", ""), ("status.phase", "Migrating"),
                    ("status.stats.creationDuration.waitingForFirstConsumer", "1s")],
    "VirtualDiskSnapshot": [("spec.virtualDiskName", DELETE), ("spec.virtualDiskName", ""),
                            ("spec.volumeSnapshotClassName", "c"), ("spec.volumeSnapshotClassName", DELETE),
                            ("spec.requiredConsistency", "yes"), ("spec", DELETE), ("status.phase", "Bogus")],
    "VirtualMachine": [("spec.cpu", DELETE), ("spec.cpu.cores", 0), ("spec.cpu.cores", "2"),
                       ("spec.cpu.coreFraction", "500%"), ("spec.memory.size", "lots"),
                       ("spec.blockDeviceRefs", []), ("spec.blockDeviceRefs", [{"kind": "VirtualDisk"}] * 17),
                       ("spec.runPolicy", "Sometimes"), ("spec.provisioning", {"type": "UserData"}),
                       ("spec.provisioning", {"userData": "x" * 3000}),
                       ("spec.networks", [{"type": "Main", "id": 1}]), ("spec.usbDevices", [{"name": "u"}] * 9),
                       ("spec.blockDeviceRefs[].bootOrder", 0), ("spec.disruptions.restartApprovalMode", "X"),
                       ("spec.virtualMachineIPAddressName", ""), ("spec.affinity.nodeAffinity.foo", 1)],
    "VirtualMachineSnapshot": [("spec.keepIPAddress", "Sometimes"), ("spec.virtualMachineName", ""),
                               ("spec.volumeSnapshotClasses", [{"storageClassName": "a",
                                                                "volumeSnapshotClassName": "b"}]),
                               ("spec.volumeSnapshotClasses", [{"storageClassName": "a"}]),
                               ("status.phase", "Ready")],
    "VirtualMachineRestore": [("spec.restoreMode", "Maybe"), ("spec.nameReplacements[].to", ""),
                              ("spec.nameReplacements", [{"to": "x"}]),
                              ("spec.virtualMachineSnapshotName", DELETE)],
    "VirtualMachineOperation": [("spec.type", "Restore"), ("spec.type", "Clone"),
                                ("spec.restore", {"mode": "DryRun"}), ("spec.clone", PLURAL_CLONE),
                                ("spec.clone", {"mode": "Strict", "nameReplacement": [{"from": {}, "to": ""}]}),
                                ("spec.migrate", {"nodeSelector": {"a": 1}}), ("spec.force", "yes"),
                                ("status.phase", "Superseded"), ("status.progress", "10%")],
    "VirtualMachineSnapshotOperation": [("spec.type", "CreateVirtualMachineName"),
                                        ("spec.createVirtualMachine.mode", "X"),
                                        ("spec.createVirtualMachine.mode", DELETE)],
    "VirtualMachineBlockDeviceAttachment": [("spec.blockDeviceRef.kind", "X"), ("spec.virtualMachineName", ""),
                                            ("spec.blockDeviceRef", DELETE)],
    "VirtualMachineIPAddress": [("spec.type", "Dynamic"), ("spec.type", DELETE), ("spec.staticIP", 5)],
    "VirtualMachineMACAddress": [("spec.address", "zz"), ("spec.address", 1)],
    "VirtualMachineClass": [("spec.cpu.type", "Bogus"), ("spec.sizingPolicies[].cores.max", 2000),
                            ("spec.sizingPolicies[].coreFractions", [0]), ("spec.cpu.features", []),
                            ("spec.cpu", DELETE), ("spec.sizingPolicies[].defaultCoreFraction", 5)],
    "VolumeSnapshot": [("spec.source.foo", 1), ("spec.source", DELETE), ("status.restoreSize", "abc"),
                       ("status.restoreSize", 1024), ("status.creationTime", "yesterday")],
    "VolumeSnapshotContent": [("spec.deletionPolicy", "X"), ("status.restoreSize", -1), ("spec.driver", DELETE)],
    "VolumeSnapshotClass": [("deletionPolicy", "X"), ("driver", DELETE), ("parameters", {"a": 1})],
}


def put(obj: Obj, path: str, value: Any) -> Obj:
    """A copy of `obj` with `path` ("a.b[].c": item 0 of b) set to `value` (or deleted)."""
    out = copy.deepcopy(obj)
    node: Any = out
    tokens = path.split(".")
    for token in tokens[:-1]:
        name, each = (token[:-2], True) if token.endswith("[]") else (token, False)
        if each:
            items = node.setdefault(name, [{}])
            if not items or not isinstance(items[0], dict):
                node[name] = items = [{}]
            node = items[0]
        else:
            if not isinstance(node.get(name), dict):
                node[name] = {}
            node = node[name]
    last = tokens[-1]
    if last.endswith("[]"):
        node[last[:-2]] = [value]
    elif value is DELETE:
        node.pop(last, None)
    else:
        node[last] = value
    return out


WRONG = {"string": 123, "integer": "x", "number": "x", "boolean": "x", "object": "x", "array": "x"}


def generated(schema: Obj, obj: Obj) -> Iterator[Obj]:
    """Wrong types, bad enum values, too-short strings and unknown fields at every schema node."""
    for path, node in flatten(schema).items():
        if path == "." or "{}" in path:
            continue
        key = path.lstrip(".")
        if node.get("type") in WRONG:
            yield put(obj, key, WRONG[node["type"]])
        if "enum" in node:
            yield put(obj, key, "Not-An-Enum-Value")
        if node.get("minLength"):
            yield put(obj, key, "")
        if node.get("type") == "object" and "properties" in node:
            yield put(obj, f"{key}.zzUnknown", 1)


def corpus(kind: str, gen: str, version: str, schema: Obj) -> Iterator[Obj]:
    obj = base(kind, gen, version)
    yield obj
    for path, value in MUTATIONS[kind]:
        yield put(obj, path, value)
    yield from generated(schema, obj)


def verdict(schema: Obj, obj: Obj) -> tuple[set[tuple[str, str, str]], list[str]]:
    """Causes (field, reason, message) and unknown fields after defaulting, as the apiserver judges."""
    subject = copy.deepcopy(obj)
    validation.apply_defaults(schema, subject)
    causes, unknown = validation.check(schema, subject)
    return {(c.field, c.reason, c.message) for c in causes}, sorted(unknown)


@pytest.mark.parametrize(("gen", "d"), CASES, ids=IDS)
def test_corpus_accepted_and_refused_alike(gen: str, d: ResourceDef) -> None:
    real = crd_version(gen, d)["schema"]["openAPIV3Schema"]
    valid = base(d.kind, gen, d.version)
    assert verdict(real, valid) == (set(), []), "the base object must be valid for the real CRD"
    assert [c for rule in d.rules for c in rule(valid, None)] == []
    assert [c for rule in d.rules for c in rule(valid, copy.deepcopy(valid))] == []
    checked = 0
    for obj in corpus(d.kind, gen, d.version, real):
        assert verdict(d.schema, obj) == verdict(real, obj), obj
        checked += 1
    assert checked > 5


def fixture_documents() -> list[tuple[str, Obj]]:
    path = REFERENCE.parent / "spec" / "fixtures-example.yaml"
    if not path.exists():
        return []
    out = []
    for doc in yaml.safe_load_all(path.read_text()):
        if not doc:
            continue
        seed = doc.get("metadata", {}).get("namespace") == "lab-seed"
        gen = "seed" if seed else "v1.8" if doc["kind"] == "VirtualMachineRestore" else "v1.10"
        out.append((gen, doc))
    return out


@pytest.mark.parametrize(
    ("gen", "doc"),
    fixture_documents(),
    ids=lambda x: x if isinstance(x, str) else f"{x['kind']}-{x['metadata']['name']}",
)
def test_example_fixtures_are_valid_for_us_and_the_real_crds(gen: str, doc: Obj) -> None:
    registry = registry_for(gen)
    d = registry.by_kind(doc["apiVersion"], doc["kind"])
    assert d is not None
    assert verdict(d.schema, doc) == (set(), [])
    assert [c for rule in d.rules for c in rule(doc, None)] == []
    if d.custom:
        assert verdict(crd_version(gen, d)["schema"]["openAPIV3Schema"], doc) == (set(), [])
