"""Notifications: sent once per dedupe key, read in the reader's language, only ever one's own."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext as _

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.notifications import selectors, services
from fieldloop.notifications.kinds import register_kind, render_message
from fieldloop.notifications.models import Notification
from fieldloop.notifications.services import Notice

HELLO = "tests.hello"
register_kind(HELLO, message=lambda p: _("Customers") + f" {p['n']}", icon="ti-star")


def notice(employee, n=1, dedupe_key=""):
    return Notice(org_id=employee.org_id, recipient_id=employee.pk, kind=HELLO, params={"n": n},
                  link="/customers/", dedupe_key=dedupe_key)  # fmt: skip


def test_notify_sends_one_notification_to_the_recipient(cast):
    services.notify(recipient=cast.rep, kind=HELLO, params={"n": 3}, link="/customers/")
    n = Notification.objects.get()
    assert (n.recipient, n.org_id, n.params, n.link, n.read_at) == (
        cast.rep,
        cast.org.pk,
        {"n": 3},
        "/customers/",
        None,
    )


def test_the_same_dedupe_key_notifies_a_recipient_once(cast):
    services.notify(recipient=cast.rep, kind=HELLO, params={"n": 1}, dedupe_key="daily:2026-11-28")
    services.notify(recipient=cast.rep, kind=HELLO, params={"n": 2}, dedupe_key="daily:2026-11-28")
    services.notify_many([notice(cast.rep, 3, "daily:2026-11-28"), notice(cast.rep2, 4, "daily:2026-11-28")])
    assert sorted(Notification.objects.values_list("recipient__name", "params")) == [
        ("Rex", {"n": 1}),
        ("Ria", {"n": 4}),
    ]


def test_notifications_without_a_dedupe_key_are_never_merged(cast):
    services.notify_many([notice(cast.rep), notice(cast.rep)])
    services.notify(recipient=cast.rep, kind=HELLO, params={"n": 1})
    assert Notification.objects.filter(recipient=cast.rep).count() == 3


def test_notify_many_writes_in_one_insert(cast):
    with CaptureQueriesContext(connection) as captured:
        services.notify_many([notice(e, i, "k") for i, e in enumerate([cast.rep, cast.rep2, cast.manager, cast.admin])])
    inserts = [q for q in captured if q["sql"].upper().startswith("INSERT")]
    assert len(inserts) == 1
    assert Notification.objects.count() == 4


def test_an_unknown_kind_or_a_foreign_link_is_a_programming_error(cast):
    with pytest.raises(ValueError, match="unknown notification kind"):
        services.notify(recipient=cast.rep, kind="tests.nobody_registered_me")
    for link in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        with pytest.raises(ValueError, match="path of this site"):
            services.notify(recipient=cast.rep, kind=HELLO, params={"n": 1}, link=link)
    assert not Notification.objects.exists()


def test_the_text_is_rendered_in_the_language_of_whoever_reads_it(cast):
    services.notify(recipient=cast.rep, kind=HELLO, params={"n": 2})
    n = Notification.objects.get()
    with translation.override("en"):
        assert render_message(n.kind, n.params) == "Customers 2"
    with translation.override("zh-hans"):
        assert render_message(n.kind, n.params) == "客户 2"


def test_an_unregistered_kind_or_stale_params_still_read_as_a_notification(cast):
    with translation.override("en"):
        assert render_message("tests.gone", {}) == "You have a notification."
        assert render_message(HELLO, {"renamed": 1}) == "You have a notification."


def test_mark_read_marks_only_ones_own_notification(cast):
    services.notify_many([notice(cast.rep), notice(cast.rep2)])
    mine, theirs = Notification.objects.get(recipient=cast.rep), Notification.objects.get(recipient=cast.rep2)
    read = services.notification_mark_read(actor=cast.rep, notification_id=mine.pk)
    assert read.read_at is not None
    again = services.notification_mark_read(actor=cast.rep, notification_id=mine.pk)
    assert again.read_at == read.read_at  # the first reading counts
    for actor in (cast.rep, cast.admin, cast.outsider):
        with pytest.raises(ServiceError) as e:
            services.notification_mark_read(actor=actor, notification_id=theirs.pk)
        assert e.value.code == ErrorCode.NOT_FOUND
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_marks_the_actors_unread_only(cast):
    services.notify_many([notice(cast.rep), notice(cast.rep), notice(cast.rep2)])
    assert selectors.notification_unread_count(actor=cast.rep) == 2
    assert services.notification_mark_all_read(actor=cast.rep) == 2
    assert services.notification_mark_all_read(actor=cast.rep) == 0
    assert selectors.notification_unread_count(actor=cast.rep) == 0
    assert selectors.notification_unread_count(actor=cast.rep2) == 1


def test_the_inbox_is_newest_first_and_the_unread_filter_works(cast):
    services.notify_many([notice(cast.rep, i) for i in range(3)])
    services.notify(recipient=cast.rep2, kind=HELLO, params={"n": 9})
    inbox = list(selectors.notification_inbox(actor=cast.rep))
    assert [n.params["n"] for n in inbox] == [2, 1, 0]
    services.notification_mark_read(actor=cast.rep, notification_id=inbox[0].pk)
    assert [n.params["n"] for n in selectors.notification_inbox(actor=cast.rep, unread_only=True)] == [1, 0]
