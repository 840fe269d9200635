"""The notifications pages: the bell's count rendered with each page, the inbox, open and mark all read."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from fieldloop.notifications.models import Notification
from fieldloop.notifications.services import notify_many
from fieldloop.org import services as org_services

from .test_services import notice


def test_pages_carry_the_bell_with_its_count_in_one_query(cast):
    """The count comes with the page (a phone on a slow network makes no request for it after the page)."""
    notify_many([notice(cast.rep, i) for i in range(3)] + [notice(cast.rep2)])
    client = cast.client_for(cast.rep)
    with CaptureQueriesContext(connection) as page:
        body = client.get("/customers/").content.decode()
    assert 'data-testid="bell"' in body
    assert 'data-testid="bell-count"' in body and ">3</span>" in body
    assert 'hx-get="/notifications/bell/"' not in body
    assert sum("notifications_notification" in q["sql"] for q in page.captured_queries) == 1
    with CaptureQueriesContext(connection) as partial:  # an htmx swap renders no shell: no count
        assert "<html" not in client.get("/today/", HTTP_HX_REQUEST="true").content.decode()
    assert not [q for q in partial.captured_queries if "notifications_notification" in q["sql"]]


def test_the_bell_shows_the_unread_count(cast):
    client = cast.client_for(cast.rep)
    assert 'data-testid="bell-count"' not in client.get("/notifications/bell/").content.decode()
    notify_many([notice(cast.rep, i) for i in range(3)] + [notice(cast.rep2)])
    body = client.get("/notifications/bell/").content.decode()
    assert 'data-testid="bell-count"' in body
    assert ">3</span>" in body


def test_the_inbox_shows_my_notifications_newest_first_unread_highlighted(cast):
    org_services.employee_set_language(actor=cast.rep, language="en")
    notify_many([notice(cast.rep, 1), notice(cast.rep, 2), notice(cast.rep2, 7)])
    Notification.objects.filter(recipient=cast.rep, params__n=1).update(read_at="2026-01-01T00:00:00Z")
    body = cast.client_for(cast.rep).get("/notifications/").content.decode()
    assert body.index("Customers 2") < body.index("Customers 1")
    assert "Customers 7" not in body
    assert body.count('data-unread="1"') == 1


def test_the_inbox_runs_the_same_queries_for_one_row_as_for_many(cast):
    client = cast.client_for(cast.rep)
    notify_many([notice(cast.rep)])
    client.get("/notifications/")
    with CaptureQueriesContext(connection) as one:
        client.get("/notifications/")
    notify_many([notice(cast.rep, i) for i in range(40)])
    with CaptureQueriesContext(connection) as many:
        client.get("/notifications/")
    assert len(many) == len(one)


def test_opening_a_notification_marks_it_read_and_goes_to_the_thing(cast):
    notify_many([notice(cast.rep)])
    n = Notification.objects.get()
    response = cast.client_for(cast.rep).get(f"/notifications/{n.pk}/")
    assert response.status_code == 302
    assert response["Location"] == "/customers/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_someone_elses_notification_does_not_open(cast):
    notify_many([notice(cast.rep2)])
    n = Notification.objects.get()
    for who in (cast.rep, cast.admin, cast.outsider):
        assert cast.client_for(who).get(f"/notifications/{n.pk}/").status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read(cast):
    notify_many([notice(cast.rep, i) for i in range(3)] + [notice(cast.rep2)])
    client = cast.client_for(cast.rep)
    response = client.post("/notifications/read-all/", follow=True)
    assert response.redirect_chain[-1][0] == "/notifications/"
    assert 'data-unread="1"' not in response.content.decode()
    assert not Notification.objects.filter(recipient=cast.rep, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=cast.rep2, read_at__isnull=True).exists()
    assert client.get("/notifications/read-all/").status_code == 405
