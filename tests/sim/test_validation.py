"""The structural-schema engine: apiserver-shaped causes, unknown fields, defaulting and pruning."""

from __future__ import annotations

from typing import Any

from tui.sim import validation
from tui.sim.resources import Cause, Obj
from tui.sim.schemas.cel import Cel
from tui.sim.schemas.common import QUANTITY_PATTERN, array, boolean, integer, map_of, obj, quantity, string

SCHEMA: Obj = obj(
    {
        "apiVersion": string(),
        "kind": string(),
        "metadata": obj(),
        "spec": obj(
            {
                "name": string(min_length=1, max_length=5),
                "mode": string(enum=("Always", "Never"), default="Always"),
                "count": integer(minimum=1, maximum=16),
                "ratio": {"type": "number", "minimum": 0, "maximum": 1, "exclusiveMaximum": True},
                "flag": boolean(),
                "size": quantity(),
                "code": string(pattern="^[a-z]+$"),
                "items": array(
                    obj({"kind": string(enum=("A", "B")), "name": string()}, required=("name",)),
                    min_items=1,
                    max_items=2,
                ),
                "labels": map_of(),
                "nested": obj({"inner": string(default="x"), "deeper": obj({"level": integer(default=3)})}),
                "settings": obj({"restart": string(enum=("Manual", "Auto"))}, default={"restart": "Manual"}),
                "free": obj(preserve=True),
                "when": string(fmt="date-time", nullable=True),
                "blob": string(fmt="byte"),
                "template": {**obj({"spec": obj({"x": string()})}), "x-kubernetes-embedded-resource": True},
            },
            required=("name",),
        ),
    },
    required=("spec",),
)


def check(spec: Obj, **top: Any) -> tuple[list[Cause], list[str]]:
    return validation.check(
        SCHEMA, {"apiVersion": "v1", "kind": "K", "metadata": {"name": "m"}, "spec": spec, **top}
    )


def fields(causes: list[Cause]) -> list[tuple[str, str]]:
    return [(c.field, c.reason) for c in causes]


def test_a_valid_object_has_no_causes_and_no_unknown_fields() -> None:
    spec = {
        "name": "ok",
        "mode": "Never",
        "count": 3,
        "ratio": 0.5,
        "flag": False,
        "size": "10Gi",
        "code": "abc",
        "items": [{"kind": "A", "name": "n"}],
        "labels": {"a": "b"},
        "free": {"anything": {"goes": 1}},
        "when": "2025-07-14T09:00:00Z",
        "blob": "aGVsbG8=",
        "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"x": "y"}},
    }
    assert check(spec) == ([], [])


def test_required_value() -> None:
    causes, _ = validation.check(SCHEMA, {"spec": {}})
    assert causes == [Cause("FieldValueRequired", "Required value", "spec.name")]
    causes, _ = validation.check(SCHEMA, {})
    assert causes == [Cause("FieldValueRequired", "Required value", "spec")]


def test_unsupported_value_lists_the_enum() -> None:
    causes, _ = check({"name": "a", "mode": "Sometimes"})
    assert causes == [
        Cause(
            "FieldValueNotSupported",
            'Unsupported value: "Sometimes": supported values: "Always", "Never"',
            "spec.mode",
        )
    ]


def test_type_errors_name_the_json_type() -> None:
    causes, _ = check({"name": "a", "count": "2", "flag": 1, "items": "x"})
    assert causes[0] == Cause(
        "FieldValueTypeInvalid",
        'Invalid value: "string": spec.count in body must be of type integer: "string"',
        "spec.count",
    )
    assert fields(causes) == [
        ("spec.count", "FieldValueTypeInvalid"),
        ("spec.flag", "FieldValueTypeInvalid"),
        ("spec.items", "FieldValueTypeInvalid"),
    ]


def test_booleans_are_not_numbers_and_whole_floats_are_integers() -> None:
    assert fields(check({"name": "a", "count": True})[0]) == [("spec.count", "FieldValueTypeInvalid")]
    assert check({"name": "a", "count": 4.0}) == ([], [])
    assert fields(check({"name": "a", "count": 4.5})[0]) == [("spec.count", "FieldValueTypeInvalid")]
    assert check({"name": "a", "ratio": 0}) == ([], [])


def test_int_or_string_quantities() -> None:
    assert check({"name": "a", "size": 1024}) == ([], [])
    causes, _ = check({"name": "a", "size": "ten"})
    assert causes == [
        Cause(
            "FieldValueInvalid",
            f"Invalid value: \"ten\": spec.size in body should match '{QUANTITY_PATTERN}'",
            "spec.size",
        )
    ]
    causes, _ = check({"name": "a", "size": True})
    assert causes[0].message == (
        'Invalid value: "boolean": spec.size in body must be of type integer,string: "boolean"'
    )


def test_string_lengths_and_patterns() -> None:
    causes, _ = check({"name": ""})
    assert causes == [
        Cause(
            "FieldValueInvalid",
            'Invalid value: "": spec.name in body should be at least 1 chars long',
            "spec.name",
        )
    ]
    causes, _ = check({"name": "toolong"})
    assert causes == [Cause("FieldValueTooLong", "Too long: may not be more than 5 bytes", "spec.name")]
    causes, _ = check({"name": "a", "code": "ABC"})
    assert causes[0].message == "Invalid value: \"ABC\": spec.code in body should match '^[a-z]+$'"


def test_numeric_bounds() -> None:
    causes, _ = check({"name": "a", "count": 0})
    assert causes == [
        Cause(
            "FieldValueInvalid",
            "Invalid value: 0: spec.count in body should be greater than or equal to 1",
            "spec.count",
        )
    ]
    causes, _ = check({"name": "a", "count": 17})
    assert causes[0].message == "Invalid value: 17: spec.count in body should be less than or equal to 16"
    causes, _ = check({"name": "a", "ratio": 1})
    assert causes[0].message == "Invalid value: 1: spec.ratio in body should be less than 1"


def test_array_bounds_and_item_paths() -> None:
    causes, _ = check({"name": "a", "items": []})
    assert causes == [
        Cause(
            "FieldValueInvalid",
            "Invalid value: 0: spec.items in body should have at least 1 items",
            "spec.items",
        )
    ]
    three = [{"name": "a"}, {"name": "b"}, {"name": "c"}]
    causes, _ = check({"name": "a", "items": three})
    assert causes == [Cause("FieldValueTooMany", "Too many: 3: must have at most 2 items", "spec.items")]
    causes, _ = check({"name": "a", "items": [{"kind": "C"}]})
    assert fields(causes) == [
        ("spec.items[0].name", "FieldValueRequired"),
        ("spec.items[0].kind", "FieldValueNotSupported"),
    ]


def test_unknown_fields_are_named_like_the_strict_decoding_error() -> None:
    spec = {
        "name": "a",
        "extra": 1,
        "items": [{"name": "n", "bogus": True}],
        "labels": {"any": "key"},
        "free": {"x": 1},
        "template": {"apiVersion": "v1", "metadata": {"x": 1}, "spec": {"y": 1}},
    }
    causes, unknown = check(spec, status={"phase": "x"})
    assert causes == []
    assert unknown == ["spec.extra", "spec.items[0].bogus", "spec.template.spec.y", "status"]
    assert validation.strict_error(["spec.extra", "status"]) == (
        'strict decoding error: unknown field "spec.extra", unknown field "status"'
    )
    assert validation.unknown_warnings(["spec.extra"]) == ['unknown field "spec.extra"']


def test_top_level_metadata_is_left_to_the_server() -> None:
    causes, unknown = validation.check(SCHEMA, {"metadata": 5, "apiVersion": 1, "spec": {"name": "a"}})
    assert (causes, unknown) == ([], [])


def test_map_values_are_validated() -> None:
    causes, unknown = check({"name": "a", "labels": {"a": 1}})
    assert fields(causes) == [("spec.labels.a", "FieldValueTypeInvalid")]
    assert unknown == []


def test_nullable_and_formats() -> None:
    assert check({"name": "a", "when": None}) == ([], [])
    causes, _ = check({"name": "a", "when": "yesterday", "blob": "not base64!"})
    assert fields(causes) == [("spec.when", "FieldValueTypeInvalid"), ("spec.blob", "FieldValueTypeInvalid")]
    assert causes[0].message == (
        'Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"'
    )
    causes, _ = check({"name": "a", "code": None})
    assert causes[0].message == 'Invalid value: "null": spec.code in body must be of type string: "null"'


def test_prune_drops_unknown_fields_and_reports_them() -> None:
    obj_: Obj = {
        "metadata": {"name": "m", "x": 1},
        "spec": {"name": "a", "extra": 1, "free": {"k": 1}, "items": [{"name": "n", "z": 0}]},
        "junk": 1,
    }
    assert validation.prune(SCHEMA, obj_) == ["spec.extra", "spec.items[0].z", "junk"]
    assert obj_ == {
        "metadata": {"name": "m", "x": 1},
        "spec": {"name": "a", "free": {"k": 1}, "items": [{"name": "n"}]},
    }


def test_defaults_apply_inside_existing_parents_only() -> None:
    obj_: Obj = {"spec": {"name": "a", "nested": {}}}
    validation.apply_defaults(SCHEMA, obj_)
    assert obj_["spec"]["mode"] == "Always"
    assert obj_["spec"]["nested"] == {"inner": "x"}  # `deeper` is absent: its defaults do not apply
    assert obj_["spec"]["settings"] == {"restart": "Manual"}  # an object default applies as a whole
    bare: Obj = {}
    validation.apply_defaults(SCHEMA, bare)
    assert bare == {}


def test_defaults_reach_into_defaulted_values_and_list_items() -> None:
    schema = obj(
        {
            "spec": obj(
                {
                    "box": obj(
                        {"a": string(default="A"), "b": obj({"c": integer(default=1)})}, default={"b": {}}
                    ),
                    "rows": array(obj({"on": boolean(default=True)})),
                }
            )
        }
    )
    obj_: Obj = {"spec": {"rows": [{}, {"on": False}]}}
    validation.apply_defaults(schema, obj_)
    assert obj_ == {"spec": {"box": {"a": "A", "b": {"c": 1}}, "rows": [{"on": True}, {"on": False}]}}


def test_nulls_are_dropped_or_defaulted_unless_nullable() -> None:
    obj_: Obj = {"spec": {"name": "a", "mode": None, "count": None, "when": None}}
    validation.apply_defaults(SCHEMA, obj_)
    assert obj_["spec"] == {"name": "a", "mode": "Always", "when": None, "settings": {"restart": "Manual"}}


def test_composition_errors() -> None:
    schema = obj(
        {
            "spec": obj(
                {
                    "p": obj(
                        {"kind": string(), "a": string(), "b": string()},
                        oneOf=[
                            {
                                "properties": {"kind": {"enum": ["A"]}},
                                "required": ["a"],
                                "not": {"required": ["b"]},
                            },
                            {
                                "properties": {"kind": {"enum": ["B"]}},
                                "required": ["b"],
                                "not": {"required": ["a"]},
                            },
                        ],
                    )
                }
            )
        }
    )
    assert validation.check(schema, {"spec": {"p": {"kind": "A", "a": "x"}}}) == ([], [])
    causes, _ = validation.check(schema, {"spec": {"p": {"kind": "A"}}})
    assert causes[0] == Cause(
        "FieldValueInvalid",
        'Invalid value: "": "spec.p" must validate one and only one schema (oneOf). Found none valid',
        "<nil>",
    )
    assert ("spec.p.a", "FieldValueRequired") in fields(causes)


def test_cel_rules_run_only_without_blocking_schema_errors() -> None:
    rule = Cel("spec", "count must be even", lambda s: s.get("count", 0) % 2 == 0)
    assert validation.validate(SCHEMA, [rule], {"spec": {"name": "a", "count": 4}}) == []
    assert validation.validate(SCHEMA, [rule], {"spec": {"name": "a", "count": 3}}) == [
        Cause("FieldValueInvalid", 'Invalid value: "object": count must be even', "spec")
    ]
    causes = validation.validate(SCHEMA, [rule], {"spec": {"count": 3}})
    assert causes == [Cause("FieldValueRequired", "Required value", "spec.name"), validation.CEL_BLOCKED]
    # a non-blocking schema error (minLength) does not stop the rules
    causes = validation.validate(SCHEMA, [rule], {"spec": {"name": "", "count": 3}})
    assert [c.reason for c in causes] == ["FieldValueInvalid", "FieldValueInvalid"]


def test_transition_rules_need_an_old_object() -> None:
    rule = Cel("spec", ".spec is immutable", transition=lambda new, old: bool(new == old))
    new = {"spec": {"name": "b"}}
    assert rule(new, None) == []
    assert rule(new, {"spec": {"name": "a"}}) == [
        Cause("FieldValueInvalid", 'Invalid value: "object": .spec is immutable', "spec")
    ]
    assert rule(new, {"metadata": {}}) == []


def test_a_rule_that_cannot_be_evaluated_fails_instead_of_crashing() -> None:
    rule = Cel("spec.limits[].cores", "max must exceed min", lambda c: c["max"] > c["min"])
    obj_: Obj = {"spec": {"limits": [{"cores": {"max": 2, "min": 1}}, {"cores": {"max": 2}}]}}
    assert rule(obj_, None) == [
        Cause("FieldValueInvalid", 'Invalid value: "object": max must exceed min', "spec.limits[1].cores")
    ]
