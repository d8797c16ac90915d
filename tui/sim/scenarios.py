"""Scenarios: the demo cluster and generated large clusters, loaded into the store before start."""

from __future__ import annotations

import base64
import math
import re
from typing import TYPE_CHECKING, Any

import msgspec

from tui.sim.actors import DVP, Actor
from tui.sim.controllers.settle import settle
from tui.sim.store import now_iso

if TYPE_CHECKING:
    from tui.sim.cluster import SimCluster

Obj = dict[str, Any]
REPLICATED, NFS = "replicated.csi.storage.deckhouse.io", "nfs.csi.k8s.io"
R_SC, N_SC = "replicated-thin-r2", "nfs-shared"
R_VSC, N_VSC = "sds-replicated-volume", "csi-nfs-snapshot-class"
LAB, STAGING = "lab", "staging"
CLOUD_INIT_TYPE = "provisioning.virtualization.deckhouse.io/cloud-init"
CLOUD_INIT = "#cloud-config\nusers:\n- name: cloud\n  ssh_authorized_keys: [\"ssh-ed25519 AAAAexampleOnly demo@lab\"]\n"
TEMPLATE_NS = "dvpsnap-big-template"
UNITS_PER_NS = 10
# UIDs and the simulated addresses (10.x.y.z) in a template object's JSON
REFS = re.compile(rf'([0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}'
                  rf'|\b10\.\d{{1,3}}\.\d{{1,3}}\.\d{{1,3}}\b|"{TEMPLATE_NS}")')
ENCODE, DECODE = msgspec.json.Encoder().encode, msgspec.json.Decoder().decode
SNAPSHOT_SECRET = "virtualmachine.virtualization.deckhouse.io/snapshot"


def load(cluster: SimCluster, name: str, *, objects: int = 0) -> None:
    """Fill `cluster` with the named scenario ("demo" or "big")."""
    if name == "demo":
        demo(cluster)
    elif name == "big":
        big(cluster, objects or 5000)
    elif name == "vms":
        big(cluster, objects or 5000, only="VirtualMachine")
    else:
        raise ValueError(f"unknown scenario {name!r}")


def _check(errors: list[str]) -> None:
    if errors:
        raise RuntimeError("scenario controllers failed: " + "; ".join(errors[:5]))


def infrastructure(a: Actor) -> None:
    """Two CSI drivers; only the replicated one has a default VolumeSnapshotClass."""
    a.storage_class(R_SC, REPLICATED, wait_for_consumer=True, default=True)
    a.storage_class(N_SC, NFS)
    a.snapshot_class(R_VSC, REPLICATED, default=True)
    a.snapshot_class(N_VSC, NFS)


class Demo:
    """The demo story, written through the Actor API and settled by the real controllers (so every status is
    what the controllers themselves write, per generation)."""

    def __init__(self, cluster: SimCluster) -> None:
        self.cluster, self.a = cluster, Actor(cluster, LAB)
        self.seed = cluster.generation == "seed"

    def vds(self, name: str, disk: str, ns: str = LAB, *, cls: str = R_VSC, required: bool = True) -> None:
        self.a.snapshot_disk(name, disk, required_consistency=required, namespace=ns,
                             snapshot_class=cls if self.seed else None)

    def vms(self, name: str, vm: str, ns: str = LAB, *, keep_ip: str = "Always", required: bool = True) -> None:
        self.a.snapshot_vm(name, vm, required_consistency=required, keep_ip=keep_ip, namespace=ns,
                           classes={R_SC: R_VSC} if self.seed else None)

    def settle(self, *, hold: bool = False) -> None:
        _check(settle(self.cluster, hold_snapshots=hold))

    def workloads(self) -> None:
        a = self.a
        infrastructure(a)
        for ns in (LAB, STAGING):
            a.create_namespace(ns)
        a.secret("web-01-cloudinit", {"userData": CLOUD_INIT}, type_=CLOUD_INIT_TYPE)
        for disk, size, sc in (("web-01-root", "20Gi", R_SC), ("web-01-data", "50Gi", R_SC),
                               ("db-01-root", "30Gi", R_SC), ("build-runner-root", "40Gi", R_SC),
                               ("app-02-root", "25Gi", R_SC), ("scratch-blank", "10Gi", N_SC)):
            a.disk(disk, size, sc, image=None if disk.startswith("scratch") else "ubuntu-24-04")
        a.vm("web-01", ["web-01-root"], cores=2, memory="4Gi", cloud_init="web-01-cloudinit",
             labels={"app": "storefront", "tier": "web"})
        a.vm("db-01", ["db-01-root"], run_policy="AlwaysOn", agent=False, cores=4, memory="8Gi",
             labels={"app": "storefront", "tier": "db"})
        a.vm("build-runner", ["build-runner-root"], run_policy="Manual", cores=8, memory="16Gi")
        a.start("build-runner")
        a.vm("app-02", ["app-02-root"], cores=2, memory="2Gi", labels={"app": "reports"})
        a.attach("web-01-data-attach", "web-01", "web-01-data")
        for disk, size, sc in (("api-01-root", "20Gi", R_SC), ("api-01-data", "200Gi", R_SC),
                               ("legacy-01-root", "15Gi", N_SC), ("spare-disk", "5Gi", R_SC)):
            a.disk(disk, size, sc, namespace=STAGING)
        a.vm("api-01", ["api-01-root", "api-01-data"], cores=4, memory="8Gi", namespace=STAGING)
        a.vm("legacy-01", ["legacy-01-root"], run_policy="AlwaysOff", namespace=STAGING)
        self.settle()
        a.stop("build-runner")
        a.change_vm("app-02", cores=4)
        self.settle()

    def snapshots(self) -> None:
        """Finished ones (Ready, Failed, and the Pending that seed/cse wait in), then ones in progress."""
        self.vds("web-01-root-20260901", "web-01-root")
        self.vds("web-01-root-20260914", "web-01-root")
        self.vds("db-01-root-manual", "db-01-root")  # no agent: v1.8+ Failed, seed/cse Pending
        self.vds("scratch-blank-before-wipe", "scratch-blank", cls="csi-nfs-snapclass", required=False)
        self.vds("api-01-root-nightly", "api-01-root", STAGING)
        self.vds("legacy-01-root-manual", "legacy-01-root", STAGING, cls=N_VSC)
        self.vms("web-01-before-upgrade", "web-01")
        self.vms("db-01-nightly", "db-01")  # no agent
        self.vms("app-02-pre-change", "app-02", keep_ip="Never")  # restart pending: seed/cse wait
        self.vms("legacy-01-weekly", "legacy-01", STAGING)  # NFS: no default class / no mapping
        self.settle()
        self.vms("build-runner-weekly", "build-runner", keep_ip="Never")
        self.vms("api-01-before-release", "api-01", STAGING)
        self.a.delete("VirtualDiskSnapshot", "web-01-root-20260901")
        self.settle(hold=True)

    def records(self) -> None:
        """Objects other controllers finished earlier (plain objects with final status), and a brand-new one."""
        a, gen = self.a, self.cluster.generation
        self.vds("web-01-data-adhoc", "web-01-data")
        vm = a.get("VirtualMachine", "web-01") or {}
        vmip = (vm.get("status") or {}).get("virtualMachineIPAddressName", "")
        uid = vm.get("metadata", {}).get("uid", "")
        if self.cluster.registry.find_kind("VirtualMachineRestore") is not None:
            renames = [("VirtualMachine", "web-01", "web-01-copy"), ("VirtualDisk", "web-01-root", "web-01-copy-root"),
                       ("VirtualDisk", "web-01-data", "web-01-copy-data")]
            a.apply({"apiVersion": DVP, "kind": "VirtualMachineRestore",
                     "metadata": {"name": "web-01-restore-copy", "namespace": LAB},
                     "spec": {"virtualMachineSnapshotName": "web-01-before-upgrade", "restoreMode": "Safe",
                              "nameReplacements": [{"from": {"kind": k, "name": f}, "to": t} for k, f, t in renames]},
                     "status": {"phase": "Failed", "observedGeneration": 1, "conditions": [
                         _cond("VirtualMachineSnapshotReadyToUse", "True", "VirtualMachineSnapshotReadyToUse"),
                         _cond("VirtualMachineRestoreReady", "False", "VirtualMachineRestoreConflict",
                               f'The virtual machine ip address "{vmip}" is already in use and cannot be used for '
                               "the restored virtual machine.")]}})
        if gen != "seed":
            items = [("VirtualMachineIPAddress", vmip), ("VirtualDisk", "web-01-root"), ("VirtualDisk", "web-01-data"),
                     ("VirtualMachineBlockDeviceAttachment", "web-01-data-attach"), ("Secret", "web-01-cloudinit"),
                     ("VirtualMachine", "web-01")]
            a.apply({"apiVersion": DVP, "kind": "VirtualMachineOperation",
                     "metadata": {"name": "restore-web-01-before-upgrade", "namespace": LAB,
                                  "labels": {"virtualization.deckhouse.io/virtual-machine-uid": uid}},
                     "spec": {"type": "Restore", "virtualMachineName": "web-01",
                              "restore": {"mode": "Strict", "virtualMachineSnapshotName": "web-01-before-upgrade"}},
                     "status": {"phase": "Completed", "observedGeneration": 1, "conditions": [
                         _cond("Completed", "True", "OperationCompleted")],
                         "resources": [{"apiVersion": "v1" if k == "Secret" else "v1alpha2", "kind": k, "name": n,
                                        "status": "Completed", "message": "Successfully processed"}
                                       for k, n in items]}})


def _cond(type_: str, status: str, reason: str, message: str = "") -> Obj:
    return {"type": type_, "status": status, "reason": reason, "message": message,
            "lastTransitionTime": now_iso(), "observedGeneration": 1}


def demo(cluster: SimCluster) -> None:
    d = Demo(cluster)
    d.workloads()
    d.snapshots()
    d.records()


# ---- big -----------------------------------------------------------------------------------------
def _unit(a: Actor, i: int) -> None:
    """One VM with two disks (every fifth VM without a guest agent)."""
    vm = f"app-{i:02d}"
    a.disk(f"{vm}-root", "20Gi", R_SC, namespace=TEMPLATE_NS)
    a.disk(f"{vm}-data", f"{10 + i}Gi", R_SC, namespace=TEMPLATE_NS)
    a.vm(vm, [f"{vm}-root", f"{vm}-data"], namespace=TEMPLATE_NS, agent=i % 5 != 4, run_policy="AlwaysOn")


def _template(cluster: SimCluster, units: int) -> list[tuple[str, Obj]]:
    """Settle `units` VMs in a throw-away cluster; (keys, objects) of the template namespace in creation order."""
    from tui.sim.cluster import SimCluster

    tpl = SimCluster(cluster.generation, controllers=False, seed="dvpsnap-big-template")
    order: list[str] = []
    tpl.store.on_change.append(lambda ch: order.append(ch.new.obj["metadata"]["uid"]) if ch.type == "ADDED" else None)
    a, seed = Actor(tpl, TEMPLATE_NS), cluster.generation == "seed"
    infrastructure(a)
    for i in range(units):
        _unit(a, i)
    _check(settle(tpl))
    for i in range(2, units, 3):  # every third VM ran once and is stopped now
        a.edit("VirtualMachine", f"app-{i:02d}", lambda o: o["spec"].update(runPolicy="AlwaysOff"))
    _check(settle(tpl))
    for i in range(units):
        vm = f"app-{i:02d}"  # the disk snapshots of VMs without agent insist on consistency: Failed / Pending
        a.snapshot_disk(f"{vm}-root-daily", f"{vm}-root", required_consistency=i % 5 == 4,
                        snapshot_class=R_VSC if seed else None)
        a.snapshot_vm(f"{vm}-weekly", vm, required_consistency=False, classes={R_SC: R_VSC} if seed else None)
    _check(settle(tpl))
    rank = {uid: n for n, uid in enumerate(order)}
    found: list[tuple[int, str, Obj]] = []
    for key, d in tpl.registry.defs.items():
        if d.kind in ("Event", "Namespace") or d.virtual:
            continue
        for e in tpl.store.entries(key):
            m = e.obj["metadata"]
            ref_ns = (e.obj.get("spec") or {}).get("volumeSnapshotRef", {}).get("namespace")
            if m.get("namespace") == TEMPLATE_NS or ref_ns == TEMPLATE_NS:
                found.append((rank.get(m["uid"], 0), key, e.obj))
    found.sort(key=lambda t: t[0])
    return [(k, o) for _, k, o in found]


def _payload(obj: Obj, fix: Any) -> None:
    """Rewrite namespace/UIDs/addresses inside a snapshot Secret's payload (base64, twice on seed)."""
    if obj.get("type") != SNAPSHOT_SECRET:
        return
    for k, v in (obj.get("data") or {}).items():
        raw = base64.b64decode(v)
        double = not raw.lstrip().startswith((b"{", b"["))
        text = base64.b64decode(raw).decode() if double else raw.decode()
        out = base64.b64encode(fix(text).encode())
        obj["data"][k] = (base64.b64encode(out) if double else out).decode()


def big(cluster: SimCluster, objects: int, only: str | None = None) -> None:
    """About `objects` objects: namespaces `big-NNNN`, each a copy of a settled template namespace (`only`: just
    the objects of that kind, e.g. the spec's benchmark of N VirtualMachines)."""
    a = Actor(cluster)
    infrastructure(a)
    units = max(1, min(UNITS_PER_NS, objects // 20))
    template = _template(cluster, units)
    if only is not None:
        template = [(key, o) for key, o in template if o.get("kind") == only]
    rows = [(key, REFS.split(ENCODE(o).decode()), o["metadata"]["uid"]) for key, o in template]
    clones = max(1, math.ceil((objects - cluster.store.count()) / (len(template) + 1)))
    counter, now = iter(range(10**7)), now_iso()
    for c in range(clones):
        ns = f"big-{c:04d}"
        a.create_namespace(ns)
        _clone(cluster, rows, ns, counter, now)


def _clone(cluster: SimCluster, rows: list[tuple[str, list[str], str]], ns: str, counter: Any, now: str) -> None:
    """Copy the template into `ns`: new UIDs (every reference follows), new addresses, payloads rewritten.
    Objects go into the store in one step each, without the per-object deep copy of `Store.create`."""
    store, defs = cluster.store, cluster.registry.defs
    swap: dict[str, str] = {old: store.new_uid() for _, _, old in rows}
    swap[f'"{TEMPLATE_NS}"'] = f'"{ns}"'

    def new(ref: str) -> str:
        if ref not in swap:  # an address
            k = next(counter)
            swap[ref] = f"10.{64 + k // 64516}.{(k // 254) % 254 + 1}.{k % 254 + 1}"
        return swap[ref]

    def fix(text: str) -> str:
        return REFS.sub(lambda m: new(m.group(0)), text)

    with store._lock:
        for key, parts, _ in rows:
            obj = DECODE("".join([p if i % 2 == 0 else new(p) for i, p in enumerate(parts)]))
            _payload(obj, fix)
            obj["metadata"]["creationTimestamp"] = now
            store._commit(defs[key], ns if defs[key].namespaced else "", obj["metadata"]["name"], obj, "ADDED", None)
