"""The one validator: every field type, valid and invalid, all errors at once, in the user's language."""

from typing import Any

import pytest
from django.utils import translation

from fieldloop.core.errors import ServiceError
from fieldloop.formtemplates import references
from fieldloop.formtemplates.display import display_values
from fieldloop.formtemplates.validation import validate_values

from .conftest import make_template, upload, version_of

CHOICES = [{"value": "a", "label": "甲", "label_en": "Alpha"}, {"value": "b", "label": "乙", "label_en": "Beta"}]
FIELDS: list[dict[str, Any]] = [
    {
        "key": "title",
        "type": "text",
        "label": "主题",
        "label_en": "Subject",
        "required": True,
        "options": {"max_length": 10},
    },
    {"key": "notes", "type": "textarea", "label": "备注"},
    {"key": "people", "type": "integer", "label": "人数", "options": {"min": 1, "max": 100}},
    {"key": "weight", "type": "decimal", "label": "重量", "options": {"unit": "吨", "decimals": 1, "max": 1000}},
    {"key": "price", "type": "money", "label": "金额"},
    {"key": "day", "type": "date", "label": "日期"},
    {"key": "at", "type": "datetime", "label": "时间"},
    {"key": "month", "type": "month", "label": "月份"},
    {"key": "grade", "type": "single_choice", "label": "等级", "options": {"choices": CHOICES}},
    {"key": "tags", "type": "multi_choice", "label": "标签", "options": {"choices": CHOICES}},
    {"key": "met", "type": "yes_no", "label": "见到负责人", "label_en": "Met the boss"},
    {"key": "phone", "type": "phone", "label": "电话"},
    {"key": "email", "type": "email", "label": "邮箱"},
    {"key": "site", "type": "url", "label": "网站"},
    {"key": "address", "type": "address", "label": "地址"},
    {"key": "spot", "type": "location", "label": "位置", "options": {"nearby_metres": 500}},
    {"key": "where", "type": "location", "label": "任意位置"},
    {
        "key": "photos",
        "type": "photo",
        "label": "照片",
        "options": {"max_count": 2, "camera_only": True, "max_size_mb": 1},
    },
    {"key": "docs", "type": "file", "label": "附件", "options": {"max_count": 3, "max_size_mb": 1}},
    {"key": "customer", "type": "customer_ref", "label": "客户"},
    {"key": "colleague", "type": "employee_ref", "label": "同事"},
    {"key": "anyone", "type": "employee_ref", "label": "任何人", "options": {"scope": "org"}},
    {"key": "product", "type": "product_ref", "label": "产品"},
]
SHANGHAI = (31.2304, 121.4737)


@pytest.fixture
def version(cast):
    return version_of(make_template(cast, FIELDS))


def errors_of(cast, version, values, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ServiceError) as e:
        validate_values(actor=cast.rep, version=version, values=values, **kwargs)
    assert e.value.code == "invalid"
    return {k: [str(m) for m in v] for k, v in e.value.fields.items()}


def test_a_full_valid_submission_comes_back_clean_and_json_storable(cast, version):
    photo = upload(cast.rep)
    doc = upload(cast.rep, kind="file", content=b"%PDF-1.4", name="offer.pdf")
    clean = validate_values(
        actor=cast.rep,
        version=version,
        values={
            "title": "  首次拜访 ",
            "notes": "聊得不错\n",
            "people": "3",
            "weight": 12.5,
            "price": "1,999.5",
            "day": "2026-03-01",
            "at": "2026-03-01T09:30:00",
            "month": "2026-03",
            "grade": "a",
            "tags": ["b", "a", "b"],
            "met": "yes",
            "phone": "138-0013-8000",
            "email": "Boss@Example.COM",
            "site": "www.example.com",
            "address": {"province": "上海市", "city": "上海市", "district": "浦东新区", "detail": "世纪大道 1 号"},
            "spot": {"latitude": 31.2310, "longitude": 121.4740, "accuracy": 12},
            "where": {"latitude": 39.9, "longitude": 116.4},
            "photos": [photo.pk],
            "docs": [doc.pk],
            "colleague": cast.rep2.pk,
            "anyone": cast.other_branch_rep.pk,
        },
        device_position=SHANGHAI,
    )
    assert clean["title"] == "首次拜访"
    assert clean["people"] == 3
    assert clean["weight"] == "12.5"
    assert clean["price"] == "1999.50"
    assert clean["day"] == "2026-03-01"
    assert clean["at"] == "2026-03-01T01:30:00+00:00"  # Asia/Shanghai -> UTC
    assert clean["tags"] == ["b", "a"]
    assert clean["met"] is True
    assert clean["phone"] == "13800138000"
    assert clean["email"] == "Boss@example.com"
    assert clean["site"] == "https://www.example.com"
    assert clean["spot"]["accuracy"] == 12.0
    assert clean["photos"] == [photo.pk]
    assert "customer" not in clean  # empty optional fields are absent


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("title", 42, "text"),
        ("title", "x" * 11, "10"),
        ("people", "three", "number"),
        ("people", 2.5, "whole"),
        ("people", 0, "at least"),
        ("people", 101, "at most"),
        ("weight", "1.25", "decimal places"),
        ("weight", "2000", "at most"),
        ("price", "abc", "number"),
        ("day", "2026-02-30", "date"),
        ("at", "yesterday", "date and time"),
        ("month", "2026-13", "month"),
        ("grade", "z", "not one of the choices"),
        ("tags", ["a", "z"], "not one of the choices"),
        ("met", "maybe", "yes or no"),
        ("phone", "call me", "phone"),
        ("email", "not-an-email", "email"),
        ("site", "ftp://example.com", "web address"),
        ("address", {"street": "x"}, "province"),
        ("where", {"latitude": 91, "longitude": 0}, "Earth"),
        ("where", "here", "latitude"),
        ("photos", ["one"], "attachment ids"),
        ("colleague", "Rex", "id"),
    ],
)
def test_a_wrong_value_is_refused_on_its_field(cast, version, key, value, fragment):
    with translation.override("en"):
        errors = errors_of(cast, version, {"title": "ok", key: value}, device_position=SHANGHAI)
    assert list(errors) == [key]
    assert fragment in errors[key][0], errors[key][0]


def test_all_errors_come_at_once_and_a_missing_required_field_is_named(cast, version):
    with translation.override("en"):
        errors = errors_of(cast, version, {"people": "x", "grade": "z", "nonsense": 1})
    assert set(errors) == {"title", "people", "grade", "nonsense"}
    assert errors["title"] == ["This field is required."]
    assert "no field" in errors["nonsense"][0]


def test_errors_speak_the_users_language(cast, version):
    with translation.override("zh-hans"):
        errors = errors_of(cast, version, {})
    assert errors["title"] == ["此项为必填项。"]


def test_a_location_outside_the_nearby_radius_is_refused(cast, version):
    far = {"latitude": 31.30, "longitude": 121.4737}  # ~7.7 km north
    with translation.override("en"):
        errors = errors_of(cast, version, {"title": "t", "spot": far}, device_position=SHANGHAI)
        assert "within 500 m" in errors["spot"][0]
        errors = errors_of(cast, version, {"title": "t", "spot": far})
        assert "device position" in errors["spot"][0]


def test_too_many_photos_a_file_as_photo_and_a_too_large_file_are_refused(cast, version):
    photos = [upload(cast.rep) for _ in range(3)]
    doc = upload(cast.rep, kind="file", content=b"x" * (1024 * 1024 + 1), name="big.bin")
    with translation.override("en"):
        errors = errors_of(cast, version, {"title": "t", "photos": [p.pk for p in photos], "docs": [doc.pk]})
        assert "At most 2" in errors["photos"][0]
        assert "larger than 1 MB" in errors["docs"][0]
        errors = errors_of(cast, version, {"title": "t", "photos": [doc.pk], "docs": [photos[0].pk]})
        assert "not a photo" in errors["photos"][0]
        assert "as a photo" in errors["docs"][0]


def test_another_organizations_attachment_is_not_found(cast, version):
    foreign = upload(cast.outsider)
    with translation.override("en"):
        errors = errors_of(cast, version, {"title": "t", "photos": [foreign.pk]})
    assert "not found" in errors["photos"][0]


def test_an_employee_the_actor_may_not_see_is_refused(cast, version):
    other_org_person = cast.outsider.pk
    errors = errors_of(cast, version, {"title": "t", "colleague": cast.other_branch_rep.pk, "anyone": other_org_person})
    assert set(errors) == {"colleague", "anyone"}


def test_a_reference_kind_nobody_registered_is_refused_clearly(cast, version):
    references.unregister("product")
    with translation.override("en"):
        errors = errors_of(cast, version, {"title": "t", "product": 1})
    assert "not available" in errors["product"][0]


def test_a_registered_resolver_decides_what_the_actor_may_reference(cast, version):
    references.register("customer", lambda actor, pk: pk == 7, lambda org_id, ids: {7: "上海一号客户"})
    try:
        assert validate_values(actor=cast.rep, version=version, values={"title": "t", "customer": 7})["customer"] == 7
        assert "customer" in errors_of(cast, version, {"title": "t", "customer": 8})
        rows = display_values(version=version, values={"title": "t", "customer": 7}, language="zh-hans")
        assert {r.key: r.text for r in rows}["customer"] == "上海一号客户"
    finally:
        references.unregister("customer")


def test_defaults_fill_a_new_record_only(cast):
    version = version_of(make_template(cast, [{"key": "n", "type": "integer", "label": "N", "default": 5}]))
    assert validate_values(actor=cast.rep, version=version, values={}) == {"n": 5}
    assert validate_values(actor=cast.rep, version=version, values={}, previous={"n": 6}) == {}


def test_display_rows_are_labelled_in_the_language_asked(cast, version):
    values = validate_values(
        actor=cast.rep,
        version=version,
        values={"title": "t", "grade": "b", "met": False, "price": "3", "weight": "2", "colleague": cast.rep2.pk},
    )
    rows = {r.key: r for r in display_values(version=version, values=values, language="en")}
    assert rows["title"].label == "Subject"
    assert rows["grade"].text == "Beta"
    assert rows["met"].text == "No"
    assert rows["price"].text == "3.00 CNY"
    assert rows["weight"].text == "2.0 吨"
    assert rows["colleague"].text == "Ria"
    zh = {r.key: r for r in display_values(version=version, values=values, language="zh-hans")}
    assert zh["title"].label == "主题"
    assert zh["grade"].text == "乙"
