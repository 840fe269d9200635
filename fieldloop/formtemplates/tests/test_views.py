"""The designer pages through the test client: list, create, add a field, preview, publish, errors."""

from fieldloop.formtemplates.models import FormTemplate

from .conftest import make_template, version_of

NAME = {"key": "name", "type": "text", "label": "名称", "required": True}


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
        {"key": "grade", "type": "single_choice", "label": "等级", "opt-choices": "a|甲级|Grade A\nb|乙级"},
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
