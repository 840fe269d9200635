"""TemplateValuesForm: one HTML field per live field, the one validator's messages on the right fields."""

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from fieldloop.formtemplates import services
from fieldloop.formtemplates.values_form import TemplateValuesForm

from .conftest import image_bytes, make_template, version_of

FIELDS: list[dict[str, Any]] = [
    {"key": "name", "type": "text", "label": "名称", "required": True},
    {"key": "people", "type": "integer", "label": "人数", "options": {"max": 10}},
    {"key": "address", "type": "address", "label": "地址"},
    {"key": "photos", "type": "photo", "label": "照片", "options": {"camera_only": True}},
    {"key": "old", "type": "text", "label": "旧字段"},
]


def test_the_form_cleans_through_the_validator_and_uploads_photos(cast):
    template = make_template(cast, FIELDS)
    version = version_of(template)
    data = {"name": " 甲 ", "people": "3", "address_0": "上海市", "address_3": "世纪大道 1 号"}
    files = {"photos": [SimpleUploadedFile("a.jpg", image_bytes())]}
    form = TemplateValuesForm(data, files, version=version, actor=cast.rep)
    assert form.is_valid(), form.errors
    assert form.values["name"] == "甲"
    assert form.values["people"] == 3
    assert form.values["address"]["province"] == "上海市"
    assert len(form.values["photos"]) == 1


def test_errors_land_on_their_fields(cast):
    version = version_of(make_template(cast, FIELDS))
    with translation.override("en"):
        form = TemplateValuesForm({"people": "11"}, version=version, actor=cast.rep)
        assert not form.is_valid()
    assert form.errors["name"] == ["This field is required."]
    assert "at most 10" in form.errors["people"][0]


def test_retired_fields_are_not_shown_and_keep_their_values(cast):
    template = make_template(cast, FIELDS)
    previous = {"name": "甲", "old": "保留"}
    retired = [{**f, "retired": True} if f["key"] == "old" else f for f in FIELDS]
    version = services.template_publish(actor=cast.admin, template_id=template.pk, fields=retired)
    form = TemplateValuesForm({"name": "乙"}, version=version, actor=cast.rep, previous=previous)
    assert "old" not in form.fields
    assert form.is_valid(), form.errors
    assert form.values == {"name": "乙", "old": "保留"}
    assert 'capture="environment"' in str(form["photos"])
