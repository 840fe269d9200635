"""The customer page's summary: visits and records in the last 30/90 days, the last follow-up and by whom, the days
until it returns to the pool (when the pool rule applies), the open follow-ups; its query count does not grow."""

import uuid
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldloop.activities.models import Visit, WorkRecord
from fieldloop.activities.tests.helpers import file_call
from fieldloop.activities.tests.test_visits import api, check_in, located_customer, routine
from fieldloop.customers import pools
from fieldloop.customers.models import Customer
from fieldloop.customers.summary import customer_summary, days_until_return
from fieldloop.schedules.services import org_today, schedule_item_create


def facts(actor, customer):
    return {f.key: f for f in customer_summary(actor=actor, customer=Customer.objects.get(pk=customer.pk))}


def test_the_summary_counts_the_work_and_names_the_last_follow_up(cast):
    shop = located_customer(cast.rep)
    vt = routine(cast.admin)
    old = check_in(cast.rep, vt, shop)
    Visit.objects.filter(pk=old.pk).update(checked_in_at=timezone.now() - timedelta(days=60), status="closed")
    check_in(cast.rep, vt, shop)
    call = file_call(cast.rep, shop)
    WorkRecord.objects.filter(pk=call.pk).update(captured_at=timezone.now() - timedelta(days=45))
    got = facts(cast.manager, shop)
    assert got["visits"].value == "1 / 2"
    assert got["records"].value == "0 / 1"  # the visit's own steps count with the visit
    assert got["last_follow_up"].detail.endswith("Rex") and got["last_follow_up"].number == 0
    assert got["open_follow_ups"].value == "0"
    assert "pool_return" not in got  # no pool


def test_a_customer_nobody_followed_up_says_never(cast):
    got = facts(cast.rep, located_customer(cast.rep))
    assert got["visits"].value == "0 / 0" and got["last_follow_up"].warn


def test_days_until_the_pool_and_open_follow_ups(cast):
    pool = pools.pool_create(actor=cast.admin, name="公海", protection_days=30)
    pools.pool_set_members(actor=cast.admin, pool_id=pool.pk, member_ids=[cast.rep.pk])
    shop = located_customer(cast.rep)
    Customer.objects.filter(pk=shop.pk).update(owner=None, pool=pool)
    pools.customer_claim(actor=cast.rep, customer_id=shop.pk)
    claimed = Customer.objects.get(pk=shop.pk)
    assert days_until_return(claimed, timezone.now()) == 30
    assert facts(cast.rep, shop)["pool_return"].number == 30
    # a stage the pool keeps: the rule does not apply
    assert claimed.stage is not None
    pool.keep_stages.add(claimed.stage)
    assert days_until_return(claimed, timezone.now()) is None
    today = org_today(cast.rep)
    for days in (3, 1):
        schedule_item_create(
            actor=cast.rep, client_id=uuid.uuid4(), day=today + timedelta(days=days), customer_id=shop.pk
        )
    got = facts(cast.manager, shop)["open_follow_ups"]
    assert got.value == "2" and (today + timedelta(days=1)).isoformat() in got.detail
    assert facts(cast.other_branch_rep, shop)["open_follow_ups"].value == "0"  # not Ben's people


def test_the_page_shows_the_summary_at_a_constant_query_count(cast, django_assert_max_num_queries):
    shop = located_customer(cast.rep)
    vt = routine(cast.admin)
    client = cast.client_for(cast.manager)
    file_call(cast.rep, shop)
    client.get(f"/customers/{shop.pk}/")
    with CaptureQueriesContext(connection) as few:
        page = client.get(f"/customers/{shop.pk}/")
    assert 'data-testid="customer-summary"' in page.content.decode()
    for _ in range(5):
        file_call(cast.rep, shop)
    visit = check_in(cast.rep, vt, shop)
    Visit.objects.filter(pk=visit.pk).update(status="closed")
    with django_assert_max_num_queries(len(few) + 1):  # + the visit on the timeline's visit source
        html = client.get(f"/customers/{shop.pk}/").content.decode()
    assert 'data-testid="summary-visits"' in html and "1 / 1" in html
    summary = api(cast.manager).get(f"/api/v1/customers/{shop.pk}/summary")
    assert summary.status_code == 200
    assert {f["key"]: f["value"] for f in summary.json()}["records"] == "6 / 6"
