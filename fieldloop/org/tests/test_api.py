"""The JSON API: auth, the error format, cursor paging, idempotent creates."""

import uuid

import pytest
from django.test import Client

from fieldloop.org import services
from fieldloop.org.models import Department, Employee


def api(cast, employee=None, language=None):
    client = Client()
    if employee is not None:
        issued = services.api_token_create(actor=employee, name="tests")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issued.secret}"
    if language and employee is not None:
        services.employee_set_language(actor=employee, language=language)
    return client


def test_me_answers_with_the_token_owner(cast):
    body = api(cast, cast.manager).get("/api/v1/me").json()
    assert body["username"] == "mia"
    assert body["role"] == "manager"
    assert body["data_scope"] == "department_tree"
    assert body["organization"]["time_zone"] == "Asia/Shanghai"
    assert "view_employees" in body["permissions"]


def test_without_credentials_the_api_answers_401_in_the_error_format(db):
    response = Client().get("/api/v1/me")
    assert response.status_code == 401
    assert set(response.json()) == {"code", "message", "fields"}
    assert response.json()["code"] == "unauthenticated"


def test_a_revoked_token_gets_a_clear_401(cast):
    issued = services.api_token_create(actor=cast.rep, name="phone")
    services.api_token_revoke(actor=cast.rep, token_id=issued.token.pk)
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_session_auth_works_for_the_browser_and_checks_csrf_on_writes(cast):
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.admin.user)
    assert client.get("/api/v1/me").status_code == 200
    response = client.post(
        "/api/v1/departments",
        {"name": "x", "parent_id": cast.root.pk},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 403
    assert not Department.objects.filter(name="x").exists()


def test_manager_lists_only_her_subtree(cast):
    body = api(cast, cast.manager).get("/api/v1/employees").json()
    assert {e["name"] for e in body["items"]} == {"Mia", "Rex", "Ria"}


def test_employee_list_is_cursor_paged_without_gaps_or_repeats(cast):
    client = api(cast, cast.admin)
    seen, cursor = [], None
    while True:
        url = "/api/v1/employees?limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).json()
        seen += [e["name"] for e in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(Employee.objects.filter(org=cast.org).values_list("name", flat=True))
    assert len(seen) == len(set(seen))


def test_a_broken_cursor_is_a_400_not_a_500(cast):
    response = api(cast, cast.admin).get("/api/v1/employees?cursor=not-a-cursor")
    assert response.status_code == 400
    assert "cursor" in response.json()["fields"]


def test_employee_list_runs_the_same_queries_for_2_rows_as_for_200(cast, django_assert_max_num_queries):
    from fieldloop.org.tests.factories import EmployeeFactory

    client = api(cast, cast.admin)
    client.get("/api/v1/employees?limit=2")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/employees?limit=2")
    EmployeeFactory.create_batch(40, department=cast.shanghai)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get("/api/v1/employees?limit=200").json()["items"]) == 46
    assert len(large) == len(small)


def test_a_rep_cannot_see_another_branch_employee_by_id(cast):
    response = api(cast, cast.rep).get(f"/api/v1/employees/{cast.other_branch_rep.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_create_employee_is_idempotent(cast):
    client = api(cast, cast.admin)
    key = str(uuid.uuid4())
    payload = {
        "name": "新人",
        "phone": "13900000009",
        "username": "newbie",
        "password": "Str0ng-pass-2026",
        "department_id": cast.shanghai.pk,
    }
    first = client.post("/api/v1/employees", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    replay = client.post("/api/v1/employees", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201
    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert Employee.objects.filter(name="新人").count() == 1


def test_a_create_without_an_idempotency_key_is_refused(cast):
    response = api(cast, cast.admin).post(
        "/api/v1/departments", {"name": "x", "parent_id": cast.root.pk}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["fields"]


def test_reusing_a_key_for_another_kind_of_create_is_refused(cast):
    client = api(cast, cast.admin)
    key = str(uuid.uuid4())
    client.post(
        "/api/v1/departments",
        {"name": "x", "parent_id": cast.root.pk},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    response = client.post(
        "/api/v1/employees",
        {
            "name": "n",
            "phone": "13900000019",
            "username": "n1",
            "password": "Str0ng-pass-2026",
            "department_id": cast.root.pk,
        },
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_mismatch"


def test_bad_input_gets_field_errors_in_the_users_language(cast):
    client = api(cast, cast.admin, language="zh-hans")
    response = client.post(
        "/api/v1/employees",
        {
            "name": "x",
            "phone": cast.rep.phone,
            "username": "dup",
            "password": "Str0ng-pass-2026",
            "department_id": cast.shanghai.pk,
        },
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "duplicate"
    message = body["fields"]["phone"][0]
    assert message != "Another employee already has this phone number."
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
    en = api(cast, cast.director, language="en")
    response = en.get("/api/v1/employees/999999")
    assert response.json()["message"] == "Not found."


def test_wrongly_typed_input_is_a_422_with_fields_not_a_500(cast):
    response = api(cast, cast.admin).post(
        "/api/v1/departments",
        {"name": "x", "parent_id": "abc"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )
    assert response.status_code == 422
    assert "parent_id" in response.json()["fields"]


def test_department_tree_endpoint_nests_children(cast):
    tree = api(cast, cast.rep).get("/api/v1/departments").json()
    assert [n["name"] for n in tree] == ["华东机械"]
    sales = tree[0]["children"][0]
    assert sales["name"] == "销售部"
    assert {c["name"] for c in sales["children"]} == {"上海分公司", "北京分公司"}


def test_moving_a_department_under_its_descendant_through_the_api_is_a_400(cast):
    response = api(cast, cast.admin).post(
        f"/api/v1/departments/{cast.sales.pk}/move", {"parent_id": cast.shanghai.pk}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "tree_cycle"


@pytest.mark.parametrize("method", ["patch", "post"])
def test_a_rep_cannot_change_employees(cast, method):
    client = api(cast, cast.rep)
    if method == "patch":
        response = client.patch(f"/api/v1/employees/{cast.rep.pk}", {"role": "admin"}, content_type="application/json")
    else:
        response = client.post(f"/api/v1/employees/{cast.rep2.pk}/leave", {}, content_type="application/json")
    assert response.status_code == 403
    cast.rep.refresh_from_db()
    assert cast.rep.role == "rep"
