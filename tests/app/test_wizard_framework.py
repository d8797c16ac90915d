"""The wizard framework alone, in a tiny app with a scripted Writer: steps, keys, checks, review, verdicts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.app import App

from tests.app.helpers import until
from tests.app.snapwiz import panel_text
from tui.kube.findings import blocker, ok, warning
from tui.kube.kinds import BY_ID
from tui.kube.writes import Outcome
from tui.screens.wizard import ChoiceOption, Draft, Step, Values, Wizard, choice, flag, text

KIND = BY_ID["vdsnapshot"]


class ScriptedWriter:
    """Answers dry runs and creates from a script; records what it was asked."""

    def __init__(self, dry: list[Outcome], create: list[Outcome]) -> None:
        self.dry, self.create_answers = dry, create
        self.calls: list[tuple[str, Mapping[str, Any]]] = []

    def dry_run(self, kind: Any, manifest: Mapping[str, Any]) -> Outcome:
        self.calls.append(("dry", manifest))
        return self.dry.pop(0)

    def create(self, kind: Any, manifest: Mapping[str, Any], request_id: str | None = None) -> Outcome:
        self.calls.append(("create", manifest))
        return self.create_answers.pop(0)


class FakeWrites:
    def __init__(self, writer: ScriptedWriter) -> None:
        self.writer = writer
        self.tracked: list[Outcome] = []

    def track(self, draft: Draft, outcome: Outcome) -> None:
        self.tracked.append(outcome)


def wizard(writes: FakeWrites) -> Wizard:
    steps = [
        Step("What", (choice("target", "What", [ChoiceOption("a", "disk a", "the first"),
                                                ChoiceOption("b", "disk b", "the second"),
                                                ChoiceOption("c", "disk c", disabled="not allowed")]),)),
        Step("Name", (text("name", "metadata.name", lambda v: f"{v['target']}-snap", path="metadata.name",
                           check=lambda value, v: "" if value and value.islower() else "lower case only"),)),
        Step("Consistency", (flag("consistency", "requiredConsistency", True, yes="freeze", no="do not",
                                  path="spec.requiredConsistency"),),
             info=lambda v: f"predicted class for {v['target']}"),
        Step("Only for b", (text("extra", "extra", "x"),), when=lambda v: v["target"] == "b"),
    ]

    def findings(values: Values) -> list[Any]:
        out = [ok("fine", "all good")]
        if values.get("name") == "blocked":
            out.append(blocker("stop", "this name blocks"))
        if not values.flag("consistency"):
            out.append(warning("crash", "crash-consistent"))
        return out

    def draft(values: Values, request_id: str) -> Draft:
        return Draft(KIND, {"apiVersion": "virtualization.deckhouse.io/v1alpha2", "kind": "VirtualDiskSnapshot",
                            "metadata": {"name": values["name"], "namespace": "lab",
                                         "annotations": {"dvpsnap.io/request-id": request_id}},
                            "spec": {"virtualDiskName": values["target"],
                                     "requiredConsistency": values.flag("consistency")}})

    return Wizard("Test wizard", steps, findings=findings, draft=draft, writes=writes,  # type: ignore[arg-type]
                  subtitle="in lab", preset={"namespace": "lab"})


class Harness(App[None]):
    def __init__(self, w: Wizard) -> None:
        super().__init__()
        self.w = w
        self.result: Outcome | str | None = "open"

    def on_mount(self) -> None:
        self.push_screen(self.w, self._done)

    def _done(self, out: Outcome | None) -> None:
        self.result = out


def created(name: str) -> Outcome:
    return Outcome(True, "create", False, 201, obj={"metadata": {"name": name, "uid": "u1", "namespace": "lab"}})


async def test_steps_keys_checks_and_a_create() -> None:
    writer = ScriptedWriter([Outcome(True, "create", True, 201, warnings=("deprecated field",))],
                            [Outcome(False, "create", False, 0, "NoAnswer", "no answer"), created("b-snap")])
    writes = FakeWrites(writer)
    w = wizard(writes)
    app = Harness(w)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert w.values == {"namespace": "lab", "target": "a", "name": "a-snap", "consistency": "true", "extra": "x"}
        await pilot.press("down", "down")  # c is disabled: b, then back to a? no — wraps over enabled ones
        assert w.values["target"] == "a"
        await pilot.press("down")
        assert w.values["target"] == "b" and w.values["name"] == "b-snap"  # the default follows the choice
        await pilot.press("enter")
        assert w.steps[w.index].title == "Name"
        await pilot.press("end", "backspace", *"SNAP", "enter")  # the check keeps the step
        assert w.steps[w.index].title == "Name" and w.values["name"] == "b-snaSNAP"
        await pilot.press(*(["backspace"] * 4), *"p", "enter")
        assert w.values["name"] == "b-snap" and w.steps[w.index].title == "Consistency"
        assert "predicted class for b" in panel_text(w, f"#info-{w.index}")
        await pilot.press("escape")  # back one step
        assert w.steps[w.index].title == "Name"
        await pilot.press("enter", "enter", "enter")  # Consistency, the step shown only for b, review
        assert w.on_review
        await until(pilot, lambda: w.dry is not None and not w.busy)
        verdict = panel_text(w, "#review-verdict")
        assert "created (server dry run)" in verdict and "Warning: deprecated field" in verdict
        assert "spec:\n  virtualDiskName: b" in panel_text(w, "#review-yaml")
        await pilot.press("c")
        assert app.clipboard.startswith("apiVersion: virtualization.deckhouse.io/v1alpha2")
        await pilot.press("a")
        assert app.clipboard.startswith("d8 k apply -f - <<'EOF'")
        await pilot.press("enter")  # the answer is lost: shown, Enter tries again with the same request id
        await until(pilot, lambda: w.created is not None and not w.busy)
        assert "NoAnswer" in panel_text(w, "#review-verdict")
        await pilot.press("enter")
        await until(pilot, lambda: app.result != "open")
        assert isinstance(app.result, Outcome) and app.result.ok and writes.tracked == [app.result]
        ids = {c[1]["metadata"]["annotations"]["dvpsnap.io/request-id"] for c in writer.calls}
        assert len(ids) == 1 and [c[0] for c in writer.calls] == ["dry", "create", "create"]


async def test_blockers_refusals_and_causes_next_to_their_fields() -> None:
    refused = Outcome(False, "create", True, 422, "Invalid", 'VirtualDiskSnapshot "blocked" is invalid',
                      causes=({"field": "metadata.name", "message": "Invalid value: too clever"},))
    writer = ScriptedWriter([refused], [])
    w = wizard(FakeWrites(writer))
    app = Harness(w)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("enter")
        await pilot.press(*"blocked", "enter", "down", "enter")  # the suggestion is selected: typing replaces it
        assert any(f.code == "stop" for f in w.findings) and any(f.code == "crash" for f in w.findings)
        await until(pilot, lambda: w.dry is not None and not w.busy)
        values = panel_text(w, "#review-values")
        assert "metadata.name: blocked" in values and "Invalid value: too clever" in values
        assert "Error from server (Invalid)" in panel_text(w, "#review-verdict")
        assert "server: Invalid value: too clever" in panel_text(w, "#problem-1")  # under the field itself
        assert "✖ blocker" in panel_text(w, "#preflight") and "! warning" in panel_text(w, "#preflight")
        await pilot.press("enter")
        assert [c[0] for c in writer.calls] == ["dry"]  # blocked: no create
        for _ in range(4):
            await pilot.press("escape")
        await until(pilot, lambda: app.result != "open")
        assert app.result is None  # Escape on the first step cancels
