"""The notifications API: my inbox keyset-paged in constant queries, unread count, mark read."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fieldloop.notifications.models import Notification
from fieldloop.notifications.services import Notice, notify_many
from fieldloop.org import services as org_services

from .test_services import HELLO, notice


def api(employee, language=None):
    if language:
        org_services.employee_set_language(actor=employee, language=language)
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {org_services.api_token_create(actor=employee, name='t').secret}"
    return client


def test_the_inbox_is_newest_first_paged_and_in_the_readers_language(cast):
    notify_many([notice(cast.rep, i) for i in range(3)])
    notify_many([notice(cast.rep2, 9)])
    client = api(cast.rep, language="en")
    page = client.get("/api/v1/notifications?limit=2").json()
    assert [n["message"] for n in page["items"]] == ["Customers 2", "Customers 1"]
    rest = client.get(f"/api/v1/notifications?limit=2&cursor={page['next_cursor']}").json()
    assert [n["params"] for n in rest["items"]] == [{"n": 0}]
    assert rest["next_cursor"] is None
    zh = api(cast.rep, language="zh-hans").get("/api/v1/notifications").json()
    assert zh["items"][0]["message"] == "客户 2"
    assert set(zh["items"][0]) == {"id", "kind", "message", "params", "link", "read_at", "created_at"}


def test_the_inbox_runs_the_same_queries_for_one_row_as_for_many(cast):
    client = api(cast.rep)
    notify_many([notice(cast.rep)])
    client.get("/api/v1/notifications")
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/notifications").json()["items"]) == 1
    notify_many([notice(cast.rep, i) for i in range(40)])
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/notifications").json()["items"]) == 41
    assert len(many) == len(one)


def test_unread_filter_count_mark_read_and_read_all(cast):
    notify_many([notice(cast.rep, i) for i in range(3)])
    client = api(cast.rep)
    assert client.get("/api/v1/notifications/unread-count").json() == {"count": 3}
    first = client.get("/api/v1/notifications").json()["items"][0]
    read = client.post(f"/api/v1/notifications/{first['id']}/read")
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    unread = client.get("/api/v1/notifications?unread=true").json()["items"]
    assert [n["params"]["n"] for n in unread] == [1, 0]
    assert client.get("/api/v1/notifications/unread-count").json() == {"count": 2}
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 2}
    assert client.get("/api/v1/notifications/unread-count").json() == {"count": 0}


def test_someone_elses_notification_is_not_found(cast):
    notify_many([Notice(org_id=cast.other_org.pk, recipient_id=cast.outsider.pk, kind=HELLO, params={"n": 1})])
    notify_many([notice(cast.rep2)])
    for foreign in Notification.objects.all():
        for who in (cast.rep, cast.admin):
            response = api(who).post(f"/api/v1/notifications/{foreign.pk}/read")
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"
    assert not Notification.objects.filter(read_at__isnull=False).exists()
    assert api(cast.admin).get("/api/v1/notifications").json()["items"] == []


def test_a_bad_cursor_is_a_clear_400(cast):
    response = api(cast.rep).get("/api/v1/notifications?cursor=nonsense")
    assert response.status_code == 400
    assert "cursor" in response.json()["fields"]
