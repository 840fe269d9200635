"""The customers' last follow-up (`Customer.last_followed_up_at`): moved forward by a record about the customer and
by a check-in, never back by a late offline record, recomputed when a record is archived or a visit rejected; the
same as the customer page's summary says; and backfilled by the migration that added it."""

import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from fieldloop.activities import services, visit_review_services
from fieldloop.activities.follow_ups import last_follow_up_at
from fieldloop.activities.models import Visit, WorkRecord
from fieldloop.customers import services as customer_services
from fieldloop.customers.models import Customer
from fieldloop.customers.summary import customer_summary
from fieldloop.formtemplates.models import Purpose

from .helpers import VISIT_VALUES, customer, file_call, file_daily, template
from .test_visit_review import flagged_visit
from .test_visits import check_in, check_out, located_customer, routine


def last_follow_up(c: Customer):
    return Customer.objects.values_list("last_followed_up_at", flat=True).get(pk=c.pk)


def summary_days(actor, c: Customer) -> int | None:
    fact = next(f for f in customer_summary(actor=actor, customer=c) if f.key == "last_follow_up")
    return fact.number


def test_a_record_moves_the_last_follow_up_forward_never_back(cast):
    shop = customer(cast.rep)
    assert last_follow_up(shop) is None
    now = timezone.now()
    call = file_call(cast.rep, shop, captured_at=now - timedelta(hours=2))
    assert last_follow_up(shop) == call.captured_at
    file_call(cast.rep, shop, captured_at=now - timedelta(days=3))  # sent late from a phone that was offline
    assert last_follow_up(shop) == call.captured_at
    newer = file_call(cast.manager, shop)  # anyone's record about the customer is a follow-up
    assert last_follow_up(shop) == newer.captured_at
    file_daily(cast.rep)  # a record about no customer moves nothing
    assert last_follow_up(shop) == newer.captured_at


def test_a_check_in_moves_it_forward_and_its_steps_are_part_of_the_visit(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    earlier = file_call(cast.rep, shop, captured_at=timezone.now() - timedelta(days=2))
    visit = check_in(cast.rep, vt, shop)
    assert last_follow_up(shop) == visit.checked_in_at > earlier.captured_at
    services.record_create(
        actor=cast.rep, client_id=uuid.uuid4(), template_id=template(cast.rep, Purpose.VISIT).pk, visit_id=visit.pk,
        values=VISIT_VALUES,
    )  # fmt: skip
    assert last_follow_up(shop) == visit.checked_in_at  # the visit is dated by its check-in
    assert summary_days(cast.manager, shop) == 0


def test_archiving_a_record_recomputes_it_in_one_query(cast, django_assert_num_queries):
    shop = customer(cast.rep)
    now = timezone.now()
    older = file_call(cast.rep, shop, captured_at=now - timedelta(days=5))
    newest = file_call(cast.rep, shop, captured_at=now - timedelta(days=1))
    assert last_follow_up(shop) == newest.captured_at
    services.record_archive(actor=cast.rep, record_id=newest.pk)
    assert last_follow_up(shop) == older.captured_at
    assert summary_days(cast.rep, shop) == 5  # the page's summary says the same
    services.record_archive(actor=cast.rep, record_id=older.pk)
    assert last_follow_up(shop) is None and summary_days(cast.rep, shop) is None
    again = file_call(cast.rep, shop)
    Customer.objects.filter(pk=shop.pk).update(last_followed_up_at=None)
    with django_assert_num_queries(1):
        customer_services.customer_last_follow_up_set(customer_id=shop.pk, at=last_follow_up_at())
    assert last_follow_up(shop) == again.captured_at


def test_a_rejected_visit_stops_counting_and_a_confirmed_one_counts_again(cast):
    visit = flagged_visit(cast)
    shop = Customer.objects.get(pk=visit.customer_id)
    assert last_follow_up(shop) == visit.checked_in_at
    visit_review_services.visit_review_decide(
        actor=cast.manager, visit_id=visit.pk, decision="rejected", reason="轨迹显示人在公司"
    )
    assert last_follow_up(shop) is None  # its only visit, and its steps, no longer count
    assert summary_days(cast.manager, shop) is None
    visit_review_services.visit_review_decide(
        actor=cast.director, visit_id=visit.pk, decision="confirmed", reason="客户证明在场"
    )
    assert last_follow_up(shop) == visit.checked_in_at


@pytest.mark.django_db(transaction=True)
def test_the_migration_backfills_the_last_follow_up_from_visits_and_records(cast):
    """Written through the services (so the column exists), dropped with the migration reversed, then rebuilt."""
    now = timezone.now()
    vt = routine(cast.admin)
    visited, called, rejected, quiet = (located_customer(cast.rep) for _ in range(4))
    file_call(cast.rep, visited, captured_at=now - timedelta(days=4))
    visit = check_in(cast.rep, vt, visited)
    check_out(cast.rep, visit)
    kept = file_call(cast.rep, called, captured_at=now - timedelta(days=6))
    archived = file_call(cast.rep, called, captured_at=now - timedelta(days=1))
    WorkRecord.objects.filter(pk=archived.pk).update(archived_at=now)
    lost = check_in(cast.rep, vt, rejected)
    services.record_create(
        actor=cast.rep, client_id=uuid.uuid4(), template_id=template(cast.rep, Purpose.VISIT).pk, visit_id=lost.pk,
        values=VISIT_VALUES,
    )  # fmt: skip
    Visit.objects.filter(pk=lost.pk).update(review_state="rejected")
    theirs = customer(cast.outsider)
    their_call = file_call(cast.outsider, theirs, captured_at=now - timedelta(days=2))
    call_command("migrate", "customers", "0020", verbosity=0)  # drops the column (and undoes the backfill)
    try:
        executor = MigrationExecutor(connection)
        target = [("activities", "0006_backfill_customer_last_followed_up_at")]
        executor.migrate(target)
        executor.loader.build_graph()
        model = executor.loader.project_state(target).apps.get_model("customers", "Customer")
        backfilled = dict(model.objects.values_list("pk", "last_followed_up_at"))
        assert backfilled[visited.pk] == visit.checked_in_at
        assert backfilled[called.pk] == kept.captured_at
        assert backfilled[rejected.pk] is None and backfilled[quiet.pk] is None
        assert backfilled[theirs.pk] == their_call.captured_at
    finally:
        call_command("migrate", verbosity=0)


def test_a_check_in_moves_each_rollup_forward_alone_in_one_update(cast, django_assert_num_queries):
    shop = customer(cast.rep)
    now = timezone.now()
    call = file_call(cast.rep, shop, captured_at=now - timedelta(hours=1))
    with django_assert_num_queries(1):  # a late offline check-in: a visit, older than the last follow-up
        customer_services.customer_visited(customer_id=shop.pk, at=now - timedelta(days=1))
    shop.refresh_from_db()
    assert (shop.last_visited_at, shop.last_followed_up_at) == (now - timedelta(days=1), call.captured_at)
    customer_services.customer_visited(customer_id=shop.pk, at=now - timedelta(days=2))  # older still: nothing
    customer_services.customer_visited(customer_id=shop.pk, at=now)
    shop.refresh_from_db()
    assert (shop.last_visited_at, shop.last_followed_up_at) == (now, now)
