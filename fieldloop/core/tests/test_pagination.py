"""Keyset pagination: every row once, in order, in either direction, on a real table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fieldloop.core.errors import ServiceError
from fieldloop.core.pagination import keyset_page
from fieldloop.org.models import AuditEntry


@pytest.fixture
def entries(cast):
    rows = [
        AuditEntry(org=cast.org, actor=cast.rep, action="a", object_type="t", object_id=str(i % 3), changes={})
        for i in range(23)
    ]
    return AuditEntry.objects.bulk_create(rows)


@pytest.mark.parametrize(
    "ordering", [("object_id", "id"), ("-object_id", "-id"), ("object_id", "-id"), ("-created_at", "-id")]
)
def test_following_the_cursor_visits_every_row_once_in_order(entries, ordering):
    qs = AuditEntry.objects.filter(org=entries[0].org)
    expected = list(qs.order_by(*ordering).values_list("id", flat=True))
    seen, cursor = [], None
    while True:
        page = keyset_page(qs, ordering=ordering, cursor=cursor, limit=5)
        seen += [row.pk for row in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == expected


def test_one_direction_uses_a_row_comparison(entries):
    qs = AuditEntry.objects.filter(org=entries[0].org)
    first = keyset_page(qs, ordering=("-created_at", "-id"), cursor=None, limit=5)
    with CaptureQueriesContext(connection) as queries:
        keyset_page(qs, ordering=("-created_at", "-id"), cursor=first.next_cursor, limit=5)
    sql = queries[0]["sql"].replace('"', "")
    assert "(org_auditentry.created_at, org_auditentry.id) < (" in sql


def test_a_tampered_cursor_is_a_clear_error(entries):
    with pytest.raises(ServiceError) as e:
        keyset_page(AuditEntry.objects.all(), ordering=("id",), cursor="bm90LWEtbGlzdA", limit=5)
    assert "cursor" in e.value.fields
