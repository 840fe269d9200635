"""The designer pages through the test client: list, create, add a field, preview, publish, errors."""

from fieldloop.formtemplates.models import FormTemplate

from .conftest import make_template, version_of

NAME = {"key": "name", "type": "text", "label": "名称", "required": True}


# Two options as the designer posts them: one a row, with their labels (and the value, hidden, once set).
CHOICES = {
    "opt-choice-count": "2",
    **{"opt-choice-0-value": "a", "opt-choice-0-label": "甲级", "opt-choice-0-label_en": "Grade A"},
    **{"opt-choice-1-value": "b", "opt-choice-1-label": "乙级", "opt-choice-1-label_en": ""},
}


def rows_post(rows, **extra):
    data = {"rows": str(len(rows)), **extra}
    for i, row in enumerate(rows):
        for attr, value in row.items():
            data[f"f-{i}-{attr}"] = value
    return data


def test_an_admin_lists_and_creates_templates(cast):
    client = cast.client_for(cast.admin)
    make_template(cast, [NAME])
    page = client.get("/form-templates/")
    assert page.status_code == 200
    assert "门店巡检" in page.content.decode()
    response = client.post("/form-templates/", {"purpose": "call", "name": "回访电话", "name_en": "Calls"})
    template = FormTemplate.objects.get(name="回访电话")
    assert response.status_code == 302
    assert response["Location"] == f"/form-templates/{template.pk}/"


def test_a_rep_may_not_open_the_designer(cast):
    template = make_template(cast, [NAME])
    client = cast.client_for(cast.rep)
    assert client.get("/form-templates/").status_code == 403
    assert client.get(f"/form-templates/{template.pk}/").status_code == 403


def test_adding_a_field_re_renders_the_editor_partial_with_a_new_row(cast):
    template = make_template(cast, [NAME])
    client = cast.client_for(cast.admin)
    row = {"key": "name", "type": "text", "label": "名称", "required": "on"}
    data = rows_post([row], action="add", new_type="integer")
    response = client.post(f"/form-templates/{template.pk}/", data, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Trigger"] == "designer-changed"
    assert "<html" not in body
    assert body.count('data-testid="designer-row"') == 2
    assert 'value="field_2"' in body


def test_the_preview_renders_the_definition_being_edited(cast):
    template = make_template(cast, [NAME])
    client = cast.client_for(cast.admin)
    rows = [
        {"key": "name", "type": "text", "label": "名称"},
        {"key": "photos", "type": "photo", "label": "门头照", "opt-camera_only": "on", "opt-max_count": "2"},
        {"key": "grade", "type": "single_choice", "label": "等级", **CHOICES},
    ]
    body = client.post(f"/form-templates/{template.pk}/preview/", rows_post(rows)).content.decode()
    assert "门头照" in body
    assert 'accept="image/*"' in body
    assert 'capture="environment"' in body
    assert "甲级" in body


def test_the_preview_shows_what_is_wrong_with_the_definition(cast):
    template = make_template(cast, [NAME])
    client = cast.client_for(cast.admin)
    body = client.post(
        f"/form-templates/{template.pk}/preview/", rows_post([{"key": "Bad", "type": "text", "label": "X"}])
    ).content.decode()
    assert 'data-testid="preview-errors"' in body


def test_publishing_from_the_designer_creates_version_two(cast):
    template = make_template(cast, [NAME])
    client = cast.client_for(cast.admin)
    rows = [
        {"key": "name", "type": "text", "label": "客户名称", "required": "on"},
        {"key": "people", "type": "integer", "label": "人数", "opt-min": "1"},
    ]
    response = client.post(f"/form-templates/{template.pk}/", rows_post(rows, action="publish"))
    assert response.status_code == 302
    version = version_of(template)
    assert version.number == 2
    assert [f["key"] for f in version.fields] == ["name", "people"]
    assert version.fields[1]["options"] == {"min": 1}
    page = client.get(f"/form-templates/{template.pk}/").content.decode()
    assert 'data-testid="version-2"' in page and 'data-testid="version-1"' in page


def test_publishing_a_broken_definition_shows_the_errors_on_the_rows(cast):
    template = make_template(cast, [NAME])
    client = cast.client_for(cast.admin)
    rows = [{"key": "name", "type": "text", "label": "名称"}, {"key": "x", "type": "single_choice", "label": "选"}]
    response = client.post(f"/form-templates/{template.pk}/", rows_post(rows, action="publish"))
    assert response.status_code == 400
    assert 'data-testid="row-error"' in response.content.decode()
    assert version_of(template).number == 1


def test_removing_a_published_field_is_refused_on_publish(cast):
    template = make_template(cast, [NAME])
    client = cast.client_for(cast.admin)
    response = client.post(f"/form-templates/{template.pk}/", rows_post([], action="publish"))
    assert response.status_code == 400
    assert 'data-testid="designer-errors"' in response.content.decode()


# --- The designer for a non-programmer: a palette, options one a row, keys never typed, drag to reorder ----------


def test_a_field_is_added_by_tapping_its_type_in_the_palette(cast):
    template = make_template(cast, [NAME])
    client = cast.client_for(cast.admin)
    page = client.get(f"/form-templates/{template.pk}/").content.decode()
    assert 'data-testid="field-palette"' in page and 'value="add-single_choice"' in page
    assert 'data-testid="field-key"' in page and 'type="hidden" name="f-0-key"' in page  # no key to type
    body = client.post(
        f"/form-templates/{template.pk}/", rows_post([NAME], action="add-single_choice"), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert body.count('data-testid="designer-row"') == 2
    assert 'name="f-1-type"' in body and 'value="single_choice" selected' in body
    assert body.count('data-testid="choice-row"') == 1  # a first option to fill in


def test_keys_and_option_values_come_from_the_english_labels_and_stay_once_published(cast):
    template = make_template(cast, [NAME])
    client = cast.client_for(cast.admin)
    rows: list[dict[str, object]] = [
        NAME | {"label_en": "Shop name"},  # published: keeps its key
        {"key": "field_2", "type": "text", "label": "拜访小结", "label_en": "Visit notes"},
        {"key": "field_3", "type": "text", "label": "备注", "label_en": "Visit notes"},  # the same label: _2
        {"key": "field_4", "type": "text", "label": "只有中文"},  # no English label: keeps its numbered key
        {
            "key": "field_5",
            "type": "single_choice",
            "label": "意向",
            "label_en": "Interest",
            "opt-choice-count": "3",
            "opt-choice-0-label": "高",
            "opt-choice-0-label_en": "High",
            "opt-choice-1-label": "低",
            "opt-choice-2-label": "",
        },
    ]
    response = client.post(f"/form-templates/{template.pk}/", rows_post(rows, action="publish"))
    assert response.status_code == 302
    fields = version_of(template).fields
    assert [f["key"] for f in fields] == ["name", "visit_notes", "visit_notes_2", "field_4", "interest"]
    assert fields[4]["options"]["choices"] == [
        {"value": "high", "label": "高", "label_en": "High"},
        {"value": "option_2", "label": "低", "label_en": ""},
    ]  # the empty third row is left out
    renamed = [
        NAME,
        {"key": "visit_notes", "type": "text", "label": "拜访小结", "label_en": "Summary"},
        {"key": "visit_notes_2", "type": "text", "label": "备注", "label_en": "Visit notes"},
        {"key": "field_4", "type": "text", "label": "只有中文"},
    ]
    response = client.post(f"/form-templates/{template.pk}/", rows_post(renamed, action="publish"))
    assert response.status_code == 400  # the choice field is published: it stays (retired, not removed)
    renamed.append(rows[4] | {"key": "interest", "retired": "on"})
    assert client.post(f"/form-templates/{template.pk}/", rows_post(renamed, action="publish")).status_code == 302
    assert [f["key"] for f in version_of(template).fields] == [
        "name",
        "visit_notes",
        "visit_notes_2",
        "field_4",
        "interest",
    ]


def test_options_are_added_and_removed_one_row_at_a_time(cast):
    template = make_template(cast, [NAME])
    client = cast.client_for(cast.admin)
    grade = {"key": "grade", "type": "single_choice", "label": "等级", **CHOICES}
    url = f"/form-templates/{template.pk}/"
    body = client.post(url, rows_post([NAME, grade], action="optadd-1"), HTTP_HX_REQUEST="true").content.decode()
    assert body.count('data-testid="choice-row"') == 3
    assert 'name="f-1-opt-choice-2-label" value=""' in body
    body = client.post(url, rows_post([NAME, grade], action="optremove-1-0"), HTTP_HX_REQUEST="true").content.decode()
    assert body.count('data-testid="choice-row"') == 1 and "乙级" in body and "甲级" not in body


def test_a_field_dropped_elsewhere_moves_there(cast):
    template = make_template(cast, [NAME])
    client = cast.client_for(cast.admin)
    rows = [NAME, *({"key": f"f{n}", "type": "text", "label": f"第{n}项"} for n in (1, 2, 3))]
    body = client.post(
        f"/form-templates/{template.pk}/", rows_post(rows, action="move-3-1"), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert body.index("第3项") < body.index("第1项") < body.index("第2项")
    assert body.index('value="名称"') < body.index("第3项")
    for bad in ("move-9-0", "move-1", "move-a-b"):  # a forged drop changes nothing
        body = client.post(f"/form-templates/{template.pk}/", rows_post(rows, action=bad), HTTP_HX_REQUEST="true")
        html = body.content.decode()
        assert body.status_code == 200 and html.index("第1项") < html.index("第2项") < html.index("第3项")
