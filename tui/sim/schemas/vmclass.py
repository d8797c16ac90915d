"""VirtualMachineClass (cluster-scoped): v1alpha2 everywhere, v1alpha3 from v1.8."""

from __future__ import annotations

from tui.sim.resources import Obj, ResourceDef, Rule
from tui.sim.schemas.cel import Cel, has, immutable
from tui.sim.schemas.common import (
    AGE,
    PHASE,
    array,
    boolean,
    column,
    conditions,
    integer,
    label_selector,
    map_of,
    obj,
    quantity,
    root,
    string,
    tolerations,
)
from tui.sim.schemas.disks import GROUP
from tui.sim.schemas.gen import Gen

CPU_TYPES = ("Host", "HostPassthrough", "Discovery", "Model", "Features")
V1ALPHA2_DEPRECATION = "v1alpha2.VirtualMachineClass is deprecated; use v1alpha3.VirtualMachineClass"
DEFAULT_ANNOTATION = r"virtualmachineclass\.virtualization\.deckhouse\.io\/is-default-class"


def _cpu_rule(kinds: tuple[str, ...], needs: str | None, forbids: tuple[str, ...], message: str) -> Cel:
    def ok(cpu: Obj) -> bool:
        if cpu.get("type") not in kinds:
            return True
        return (needs is None or has(cpu, needs)) and not any(has(cpu, key) for key in forbids)

    return Cel("spec.cpu", message, ok)


RULES: tuple[Rule, ...] = (
    immutable("spec.cpu", ".spec.cpu is immutable"),
    _cpu_rule(("HostPassthrough", "Host"), None, ("model", "features", "discovery"),
              "HostPassthrough and Host cannot have model, features or discovery"),
    _cpu_rule(("Discovery",), None, ("model", "features"), "Discovery cannot have model or features"),
    _cpu_rule(("Model",), "model", ("features", "discovery"),
              "Model requires model and cannot have features or discovery"),
    _cpu_rule(("Features",), "features", ("model", "discovery"),
              "Features requires features and cannot have model or discovery"),
    Cel("spec.sizingPolicies[].cores", "The maximum must be greater than the minimum",
        lambda c: c["max"] > c["min"]),
    Cel("spec.sizingPolicies[].cores", "The maximum must be greater than the step",
        lambda c: not has(c, "step") or c["max"] > c["step"]),
)


def _schema(gen: Gen, version: str) -> Obj:
    fraction = string() if version == "v1alpha3" else integer(minimum=1, maximum=100)
    policy: Obj = {
        "coreFractions": array(fraction),
        "cores": obj({"max": integer(maximum=1024), "min": integer(minimum=1), "step": integer(minimum=1)},
                     required=("max", "min")),
        "dedicatedCores": array(boolean()),
    }
    if gen.has("vmclass_default_fraction"):
        policy["defaultCoreFraction"] = fraction
    policy["memory"] = obj({"max": quantity(), "min": quantity(),
                            "perCore": obj({"max": quantity(), "min": quantity()}), "step": quantity()})
    spec = obj({
        "cpu": obj({
            "discovery": obj({"nodeSelector": label_selector()}),
            "features": array(string(), min_items=1),
            "model": string(min_length=1),
            "type": string(enum=CPU_TYPES),
        }, required=("type",)),
        "nodeSelector": label_selector(),
        "sizingPolicies": array(obj(policy, required=("cores",) * gen.has("vmclass_default_fraction"))),
        "tolerations": tolerations(),
    }, required=("cpu",))
    status = obj({
        "availableNodes": array(string()), "conditions": conditions(),
        "cpuFeatures": obj({"enabled": array(string()), "notEnabledCommon": array(string())}),
        "maxAllocatableResources": map_of(quantity()), "observedGeneration": integer(fmt="int64"),
        "phase": string(enum=("Pending", "Ready", "Terminating")),
    }, required=("phase",))
    return root(spec, status, desc="CPU model, sizing policies and placement shared by VMs.")


def virtual_machine_classes(gen: Gen) -> list[ResourceDef]:
    seed = gen.has("seed_names")
    is_default = column("IsDefault", f".metadata.annotations.{DEFAULT_ANNOTATION}")
    columns = (PHASE, *(is_default,) * (not seed), AGE)
    versions = ("v1alpha2", "v1alpha3") if gen.has("vmclass_v1alpha3") else ("v1alpha2",)
    return [ResourceDef(
        GROUP, version, "VirtualMachineClass", "virtualmachineclasses", False, _schema(gen, version),
        short_names=("vmc", "vmcs", "vmclass", "vmclasses") if seed else ("vmc", "vmclass"),
        categories=(("virtualization-cluster",) if gen.has("vmclass_cluster_category")
                    else ("virtualization",)),
        columns=columns, rules=RULES,
        deprecation_warning=V1ALPHA2_DEPRECATION if version == "v1alpha2" and len(versions) > 1 else None,
    ) for version in versions]
