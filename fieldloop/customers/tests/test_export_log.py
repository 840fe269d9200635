"""The export log: administrators see who exported what, when and how many rows (the audit entries exports write),
as a page and in the API, filtered by person and days, keyset-paged; nobody else sees it."""

import uuid
from datetime import timedelta

from django.utils import timezone

from fieldloop.customers import exports, services
from fieldloop.customers.selectors import CustomerFilters
from fieldloop.org import services as org_services
from fieldloop.org.models import AuditEntry


def api(employee):
    from django.test import Client

    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {org_services.api_token_create(actor=employee, name='t').secret}"
    return client


def export(actor, level=""):
    return exports.customers_export(actor=actor, filters=CustomerFilters(level=level), file_format="csv")


def test_the_admin_sees_each_export_with_its_person_time_and_rows(cast):
    org_services.organization_update(actor=cast.admin, export_roles=["rep"])
    cast.rep.org.refresh_from_db()
    services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="上海精工", level="B")
    export(cast.rep)
    export(cast.admin, level="B")
    export(cast.outsider)  # another organization's export
    html = cast.client_for(cast.admin).get("/organization/exports/").content.decode()
    mine, rex = AuditEntry.objects.filter(org=cast.org, action="customers.export").order_by("-id")
    assert f'data-testid="export-{mine.pk}"' in html and f'data-testid="export-{rex.pk}"' in html
    assert html.index(f"export-{mine.pk}") < html.index(f"export-{rex.pk}")  # newest first
    assert "级别: B" in html and "Rex" in html  # the filter by its label, in the admin's language
    assert html.count('data-testid="export-') == 2 + html.count('data-testid="export-log')  # not Otto's
    only_rex = cast.client_for(cast.admin).get(f"/organization/exports/?employee={cast.rep.pk}").content.decode()
    assert f"export-{rex.pk}" in only_rex and f"export-{mine.pk}" not in only_rex
    body = api(cast.admin).get("/api/v1/exports").json()
    assert [i["id"] for i in body["items"]] == [mine.pk, rex.pk]
    assert body["items"][1] | {"created_at": None} == {
        "id": rex.pk, "created_at": None, "employee_id": cast.rep.pk, "employee_name": "Rex",
        "action": "customers.export", "what": body["items"][1]["what"], "format": "csv", "rows": 1,
        "filters": body["items"][1]["filters"],
    }  # fmt: skip
    assert body["items"][0]["rows"] == 1 and body["items"][0]["filters"]["level"] == "B"
    assert api(cast.admin).get(f"/api/v1/exports?employee_id={cast.admin.pk}").json()["items"][0]["id"] == mine.pk


def test_the_log_is_for_administrators_only(cast):
    for who in (cast.manager, cast.director, cast.rep):
        assert cast.client_for(who).get("/organization/exports/").status_code == 403
        assert api(who).get("/api/v1/exports").status_code == 403


def test_days_filter_and_keyset_pages(cast):
    for _ in range(3):
        export(cast.admin)
    entries = list(AuditEntry.objects.filter(org=cast.org, action="customers.export").order_by("id"))
    AuditEntry.objects.filter(pk=entries[0].pk).update(created_at=timezone.now() - timedelta(days=10))
    client = api(cast.admin)
    today = timezone.localdate()
    recent = client.get(f"/api/v1/exports?date_from={today - timedelta(days=1)}").json()["items"]
    assert {i["id"] for i in recent} == {entries[1].pk, entries[2].pk}
    first = client.get("/api/v1/exports?limit=2").json()
    second = client.get(f"/api/v1/exports?limit=2&cursor={first['next_cursor']}").json()
    assert [i["id"] for i in first["items"] + second["items"]] == [e.pk for e in reversed(entries)]
    assert second["next_cursor"] is None
    assert client.get("/api/v1/exports?date_from=yesterday").status_code in (400, 422)
    assert client.get("/api/v1/exports?cursor=forged").status_code == 400
    page = cast.client_for(cast.admin).get("/organization/exports/?from=junk&employee=x")
    assert page.status_code == 200
