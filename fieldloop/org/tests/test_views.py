"""The web UI of the org app, through real HTTP requests with the test client."""

from fieldloop.org.models import ApiToken, Department, Employee


def test_each_role_gets_a_home_page_with_the_navigation_it_may_use(cast):
    admin_page = cast.client_for(cast.admin).get("/").content.decode()
    rep_page = cast.client_for(cast.rep).get("/").content.decode()
    assert 'href="/organization/"' in admin_page
    assert 'href="/organization/"' not in rep_page
    assert 'href="/employees/"' not in rep_page


def test_a_rep_is_refused_the_admin_pages(cast):
    client = cast.client_for(cast.rep)
    for url in ("/organization/", "/employees/new/", "/departments/new/", "/employees/"):
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(db, client):
    response = client.get("/employees/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/employees/")


def test_the_language_switch_is_remembered_for_the_user(cast):
    client = cast.client_for(cast.rep)
    response = client.post("/profile/language/", {"language": "en", "next": "/profile/"})
    assert response.status_code == 302
    cast.rep.refresh_from_db()
    assert cast.rep.language == "en"
    page = client.get("/profile/")
    assert '<html lang="en">' in page.content.decode()
    assert page["Content-Language"] == "en"
    other_device = cast.client_for(cast.rep)
    assert '<html lang="en">' in other_device.get("/today/").content.decode()  # a rep's home


def test_the_language_switch_refuses_an_unknown_language(cast):
    response = cast.client_for(cast.rep).post("/profile/language/", {"language": "fr"})
    assert response.status_code == 400
    cast.rep.refresh_from_db()
    assert cast.rep.language == "zh-hans"


def test_the_language_switch_does_not_redirect_off_site(cast):
    response = cast.client_for(cast.rep).post("/profile/language/", {"language": "en", "next": "//evil.example"})
    assert response["Location"] == "/profile/"


def test_admin_creates_a_department_in_the_tree(cast):
    client = cast.client_for(cast.admin)
    response = client.post("/departments/new/", {"name": "杭州分公司", "parent_id": cast.sales.pk, "manager_id": ""})
    assert response.status_code == 302
    assert "杭州分公司" in client.get("/departments/").content.decode()


def test_moving_a_department_under_its_descendant_shows_the_error_on_the_form(cast):
    client = cast.client_for(cast.admin)
    response = client.post(f"/departments/{cast.sales.pk}/move/", {"parent_id": cast.shanghai.pk})
    assert response.status_code == 400
    assert 'data-testid="error-parent_id"' in response.content.decode()
    cast.sales.refresh_from_db()
    assert cast.sales.parent == cast.root


def test_archiving_a_department_with_members_shows_why_not(cast):
    client = cast.client_for(cast.admin)
    response = client.post(f"/departments/{cast.shanghai.pk}/archive/", follow=True)
    assert "3" in response.content.decode()
    assert not Department.objects.get(pk=cast.shanghai.pk).is_archived


def test_admin_creates_edits_and_marks_an_employee_as_left(cast):
    client = cast.client_for(cast.admin)
    response = client.post(
        "/employees/new/",
        {
            "name": "新人",
            "phone": "13911112222",
            "employee_number": "E-77",
            "department_id": cast.beijing.pk,
            "manager_id": "",
            "role": "rep",
            "language": "zh-hans",
            "username": "newbie",
            "password": "Str0ng-pass-2026",
        },
    )
    employee = Employee.objects.get(name="新人")
    assert response["Location"] == f"/employees/{employee.pk}/"
    client.post(
        f"/employees/{employee.pk}/edit/",
        {
            "name": "新人",
            "phone": "13911112222",
            "employee_number": "E-77",
            "department_id": cast.shanghai.pk,
            "manager_id": cast.manager.pk,
            "role": "rep",
            "language": "en",
        },
    )
    employee.refresh_from_db()
    assert employee.department == cast.shanghai
    assert employee.manager == cast.manager
    client.post(f"/employees/{employee.pk}/leave/")
    employee.refresh_from_db()
    assert employee.status == "left"


def test_a_duplicate_phone_on_the_form_is_shown_under_the_phone_field(cast):
    client = cast.client_for(cast.admin)
    count = Employee.objects.count()
    response = client.post(
        "/employees/new/",
        {
            "name": "新人",
            "phone": cast.rep.phone,
            "employee_number": "",
            "department_id": cast.beijing.pk,
            "manager_id": "",
            "role": "rep",
            "language": "zh-hans",
            "username": "newbie",
            "password": "Str0ng-pass-2026",
        },
    )
    assert response.status_code == 200
    assert 'data-testid="error-phone"' in response.content.decode()
    assert Employee.objects.count() == count


def test_the_employee_list_is_paged_by_htmx(cast):
    from fieldloop.org.tests.factories import EmployeeFactory

    EmployeeFactory.create_batch(60, department=cast.shanghai)
    client = cast.client_for(cast.manager)
    first = client.get("/employees/").content.decode()
    assert "hx-get=" in first
    cursor = first.split("cursor=")[1].split('"')[0]
    more = client.get(f"/employees/?cursor={cursor}", HTTP_HX_REQUEST="true")
    assert "<html" not in more.content.decode()
    assert "<tr>" in more.content.decode()


def test_load_more_keeps_the_lists_filters_and_pages_to_the_end(cast):
    """The shared load-more row (core/_load_more.html): its htmx request and its no-JavaScript link
    both ask for the next page of the same filtered list."""
    import html as html_lib
    from urllib.parse import parse_qs, urlsplit

    from fieldloop.org.tests.factories import EmployeeFactory

    EmployeeFactory.create_batch(55, department=cast.shanghai, name="Zed")
    client = cast.client_for(cast.manager)
    first = client.get(f"/employees/?q=Zed&department={cast.shanghai.pk}").content.decode()
    assert first.count('data-testid="load-more"') == 1
    row = first.split('data-testid="load-more"')[1]
    htmx_url = html_lib.unescape(row.split('hx-get="')[1].split('"')[0])
    link_url = html_lib.unescape(row.split('<noscript><a href="')[1].split('"')[0])
    assert htmx_url == link_url
    params = parse_qs(urlsplit(htmx_url).query)
    assert params["q"] == ["Zed"]
    assert params["department"] == [str(cast.shanghai.pk)]
    assert params["cursor"][0]
    more = client.get(f"/employees/{htmx_url}", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in more
    assert more.count("<tr>") == 5  # 55 matches, 50 a page
    assert 'data-testid="load-more"' not in more  # the last page has no row to load more
    page_two = client.get(f"/employees/{link_url}").content.decode()  # without JavaScript: the whole page
    assert "<html" in page_two
    assert 'data-testid="load-more"' not in page_two


def test_employee_list_page_queries_do_not_grow_with_rows(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from fieldloop.org.tests.factories import EmployeeFactory

    client = cast.client_for(cast.admin)
    client.get("/employees/")
    with CaptureQueriesContext(connection) as few:
        client.get("/employees/")
    EmployeeFactory.create_batch(45, department=cast.shanghai)
    with CaptureQueriesContext(connection) as many:
        client.get("/employees/")
    assert len(many) == len(few)


def test_a_new_api_token_is_shown_once_and_stored_hashed(cast):
    client = cast.client_for(cast.rep)
    page = client.post("/profile/tokens/", {"name": "手机"}).content.decode()
    secret = page.split('data-testid="new-token">')[1].split("<")[0]
    assert secret.startswith("flp_")
    token = ApiToken.objects.get(employee=cast.rep)
    assert secret not in token.token_hash
    assert secret not in client.get("/profile/").content.decode()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").json()["username"] == "rex"
    client.post(f"/profile/tokens/{token.pk}/revoke/")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_a_password_change_needs_the_current_password(cast):
    client = cast.client_for(cast.rep)
    response = client.post("/profile/password/", {"old_password": "wrong", "new_password": "An0ther-pass-2026"})
    assert response.status_code == 400
    assert 'data-testid="error-old_password"' in response.content.decode()
    response = client.post("/profile/password/", {"old_password": cast.password, "new_password": "An0ther-pass-2026"})
    assert response.status_code == 302
    assert client.get("/today/").status_code == 200  # the session survives the change


def test_organization_settings_refuse_a_bad_time_zone(cast):
    client = cast.client_for(cast.admin)
    data = {
        "name": "华东机械",
        "time_zone": "Moon/Base",
        "currency": "CNY",
        "language": "zh-hans",
        "scope_admin": "org",
        "scope_director": "department_tree",
        "scope_manager": "department_tree",
        "scope_rep": "self",
    }
    response = client.post("/organization/", data)
    assert 'data-testid="error-time_zone"' in response.content.decode()
    cast.org.refresh_from_db()
    assert cast.org.time_zone == "Asia/Shanghai"
    data["time_zone"] = "Asia/Urumqi"
    data["scope_rep"] = "department"
    assert client.post("/organization/", data).status_code == 302
    cast.org.refresh_from_db()
    assert cast.org.time_zone == "Asia/Urumqi"
    assert cast.org.data_scope_for("rep") == "department"


def test_times_show_in_the_organizations_time_zone(cast):
    from datetime import UTC, datetime

    from fieldloop.org import services

    issued = services.api_token_create(actor=cast.rep, name="phone")
    ApiToken.objects.filter(pk=issued.token.pk).update(last_used_at=datetime(2026, 1, 1, 3, 30, tzinfo=UTC))
    cast.org.time_zone = "America/New_York"
    cast.org.save()
    assert "2025-12-31 22:30" in cast.client_for(cast.rep).get("/profile/").content.decode()
    cast.org.time_zone = "Asia/Shanghai"
    cast.org.save()
    assert "2026-01-01 11:30" in cast.client_for(cast.rep).get("/profile/").content.decode()


def test_organization_settings_show_what_each_role_may_do(cast):
    page = cast.client_for(cast.admin).get("/organization/").content.decode()
    table = page.split('data-testid="permission-matrix"')[1].split("</table>")[0]
    row = table.split("创建、移动、重命名和归档部门")[1].split("</tr>")[0]
    assert row.count("ti-check") == 1  # only the administrator manages departments
