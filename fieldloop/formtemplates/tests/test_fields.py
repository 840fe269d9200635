"""Checking a template admin's field definitions."""

from typing import Any

import pytest

from fieldloop.core.errors import ServiceError
from fieldloop.formtemplates.definitions import parse_definitions
from fieldloop.formtemplates.fields import FieldType


def refused(raw) -> dict[str, list[str]]:
    with pytest.raises(ServiceError) as e:
        parse_definitions(raw)
    return {k: [str(m) for m in v] for k, v in e.value.fields.items()}


def test_a_good_definition_is_parsed_with_its_options():
    [field] = parse_definitions(
        [{"key": "amount", "type": "decimal", "label": "数量", "options": {"unit": "吨", "decimals": 1, "min": 0}}]
    )
    assert field.type == FieldType.DECIMAL
    assert field.options == {"unit": "吨", "decimals": 1, "min": "0"}


def test_every_field_type_has_a_definition_that_parses():
    raw: list[dict[str, Any]] = [
        {"key": f"f_{t.value}", "type": t.value, "label": t.value}
        for t in FieldType
        if "choice" not in t.value and t != FieldType.SUBTABLE
    ]
    raw.append(
        {
            "key": "rows",
            "type": "subtable",
            "label": "表",
            "options": {"columns": [{"key": "a", "type": "text", "label": "A"}]},
        }
    )
    raw += [
        {
            "key": "one",
            "type": "single_choice",
            "label": "一",
            "options": {"choices": [{"value": "a", "label": "A"}]},
        },
        {"key": "many", "type": "multi_choice", "label": "多", "options": {"choices": [{"value": "a", "label": "A"}]}},
    ]
    assert len(parse_definitions(raw)) == len(FieldType)


def test_unknown_type_is_refused():
    assert "fields.0.type" in refused([{"key": "x", "type": "colour", "label": "颜色"}])


def test_duplicate_key_is_refused():
    errors = refused([{"key": "x", "type": "text", "label": "A"}, {"key": "x", "type": "text", "label": "B"}])
    assert "fields.1.key" in errors


@pytest.mark.parametrize("key", ["", "1abc", "Name", "has space", "x" * 51, None])
def test_bad_key_is_refused(key):
    assert "fields.0.key" in refused([{"key": key, "type": "text", "label": "A"}])


def test_choice_field_without_choices_is_refused():
    assert "fields.0.options.choices" in refused([{"key": "x", "type": "single_choice", "label": "A"}])


def test_choice_without_value_or_with_a_duplicate_value_is_refused():
    errors = refused(
        [
            {
                "key": "x",
                "type": "multi_choice",
                "label": "A",
                "options": {
                    "choices": [
                        {"value": "", "label": "空"},
                        {"value": "a", "label": "A"},
                        {"value": "a", "label": "B"},
                    ]
                },
            }
        ]
    )
    assert "fields.0.options.choices.0.value" in errors
    assert "fields.0.options.choices.2.value" in errors


def test_missing_label_unknown_option_and_min_above_max_are_all_reported_at_once():
    errors = refused([{"key": "n", "type": "integer", "label": "", "options": {"min": 5, "max": 1, "colour": "red"}}])
    assert {"fields.0.label", "fields.0.options.max", "fields.0.options.colour"} <= set(errors)


def test_an_invalid_default_is_refused():
    errors = refused([{"key": "n", "type": "integer", "label": "N", "default": "many"}])
    assert "fields.0.default" in errors


def test_a_retired_field_is_never_required():
    [field] = parse_definitions([{"key": "n", "type": "text", "label": "N", "required": True, "retired": True}])
    assert field.retired and not field.required


def test_the_fields_must_be_a_list():
    assert "fields" in refused({"key": "x"})
