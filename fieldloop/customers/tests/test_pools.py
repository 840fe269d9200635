"""Public pools: claim limits, cap, cool-down, protection and its expiry, concurrent claims."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.customers import expiry, handover, notices, pools, services
from fieldloop.customers.models import Customer, CustomerEvent
from fieldloop.customers.selectors import customer_filters_from_query, visible_customers
from fieldloop.customers.stages import stage_list
from fieldloop.customers.tasks import recycle_expired_customers
from fieldloop.notifications.kinds import render_message
from fieldloop.notifications.models import Notification

from .test_api import api


@pytest.fixture
def pool(cast):
    pool = pools.pool_create(
        actor=cast.admin, name="华东公海", protection_days=30, extension_days=7, max_protection_days=60,
        daily_claim_limit=2, holding_cap=5, reclaim_cooldown_days=7,
    )  # fmt: skip
    pools.pool_set_members(actor=cast.admin, pool_id=pool.pk, member_ids=[cast.rep.pk, cast.rep2.pk])
    return pool


def pooled(cast, pool, name="公海客户"):
    customer, _ = services.customer_create(actor=cast.admin, client_id=uuid.uuid4(), name=name)
    customer.pool = pool
    customer.save()
    return pools.customer_release(actor=cast.admin, customer_id=customer.pk)


def test_pool_members_see_and_claim_pool_customers_with_protection(cast, pool):
    customer = pooled(cast, pool)
    assert customer in visible_customers(actor=cast.rep)
    assert customer not in visible_customers(actor=cast.other_branch_rep)
    before = timezone.now()
    claimed = pools.customer_claim(actor=cast.rep, customer_id=customer.pk)
    assert claimed.owner == cast.rep
    assert claimed.protected_until is not None
    assert claimed.protected_until >= before + timedelta(days=30)
    assert CustomerEvent.objects.filter(customer=customer, kind="claimed", actor=cast.rep).exists()


def test_someone_outside_the_pool_cannot_claim(cast, pool):
    customer = pooled(cast, pool)
    with pytest.raises(ServiceError) as e:
        pools.customer_claim(actor=cast.other_branch_rep, customer_id=customer.pk)
    assert e.value.code == ErrorCode.NOT_FOUND


def test_claiming_a_taken_customer_of_a_pool_one_is_not_in_says_not_found_as_for_a_missing_one(cast, pool):
    customer = pooled(cast, pool)
    pools.customer_claim(actor=cast.rep, customer_id=customer.pk)  # Rex's now, still of the pool
    for customer_id in (customer.pk, 999_999):
        with pytest.raises(ServiceError) as e:
            pools.customer_claim(actor=cast.other_branch_rep, customer_id=customer_id)
        assert e.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(ServiceError) as e:  # a member learns it was taken
        pools.customer_claim(actor=cast.rep2, customer_id=customer.pk)
    assert e.value.code == ErrorCode.CONFLICT


def test_the_daily_claim_limit_is_enforced(cast, pool):
    ids = [pooled(cast, pool, f"客户{i}").pk for i in range(3)]
    pools.customer_claim(actor=cast.rep, customer_id=ids[0])
    pools.customer_claim(actor=cast.rep, customer_id=ids[1])
    with pytest.raises(ServiceError) as e:
        pools.customer_claim(actor=cast.rep, customer_id=ids[2])
    assert e.value.code == ErrorCode.CONFLICT
    assert Customer.objects.get(pk=ids[2]).owner is None


def test_the_holding_cap_is_enforced(cast, pool):
    for i in range(5):
        services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name=f"已有客户{i}")
    customer = pooled(cast, pool)
    with pytest.raises(ServiceError) as e:
        pools.customer_claim(actor=cast.rep, customer_id=customer.pk)
    assert "5" in str(e.value.message)


def test_a_previous_owner_waits_for_the_cool_down_before_reclaiming(cast, pool):
    customer = pooled(cast, pool)
    pools.customer_claim(actor=cast.rep, customer_id=customer.pk)
    pools.customer_release(actor=cast.rep, customer_id=customer.pk)
    with pytest.raises(ServiceError):
        pools.customer_claim(actor=cast.rep, customer_id=customer.pk)
    later = timezone.now() + timedelta(days=8)
    assert pools.customer_claim(actor=cast.rep, customer_id=customer.pk, now=later).owner == cast.rep


def test_a_follow_up_extends_protection_only_forward_and_never_past_the_maximum(cast, pool):
    customer = pooled(cast, pool)
    start = timezone.now()
    pools.customer_claim(actor=cast.rep, customer_id=customer.pk, now=start)
    early = pools.customer_protection_extend(customer_id=customer.pk, followed_up_at=start + timedelta(days=1))
    assert early.protected_until == start + timedelta(days=30)  # +7 from day 1 is earlier: unchanged
    late = pools.customer_protection_extend(customer_id=customer.pk, followed_up_at=start + timedelta(days=28))
    assert late.protected_until == start + timedelta(days=35)
    capped = pools.customer_protection_extend(customer_id=customer.pk, followed_up_at=start + timedelta(days=58))
    assert capped.protected_until == start + timedelta(days=60)


def test_expired_customers_return_to_the_pool_unless_their_stage_is_kept(cast, pool):
    won = stage_list(actor=cast.admin)[2]
    pools.pool_update(actor=cast.admin, pool_id=pool.pk, keep_stage_ids=[won.pk])
    start = timezone.now() - timedelta(days=40)
    a, b = pooled(cast, pool, "甲"), pooled(cast, pool, "乙")
    pools.customer_claim(actor=cast.rep, customer_id=a.pk, now=start)
    pools.customer_claim(actor=cast.rep, customer_id=b.pk, now=start)
    services.customer_update(actor=cast.rep, customer_id=b.pk, stage_id=won.pk)
    assert pools.all_orgs_recycle_expired_customers() == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.owner is None and a.last_owner == cast.rep
    assert b.owner == cast.rep
    assert CustomerEvent.objects.filter(customer=a, kind="recycled").exists()


def make_pool_admin(cast, pool, employee):
    members = [cast.rep.pk, cast.rep2.pk]
    pools.pool_set_members(actor=cast.admin, pool_id=pool.pk, member_ids=members, admin_ids=[employee.pk])


def test_a_pool_administrator_assigns_a_pool_customer_and_protection_restarts(cast, pool):
    customer = pooled(cast, pool)
    with pytest.raises(ServiceError) as refused:
        pools.customer_assign(actor=cast.manager, customer_id=customer.pk, owner_id=cast.rep2.pk)
    assert refused.value.code == "not_found"  # not a member of its pool: she does not see it
    pools.pool_set_members(actor=cast.admin, pool_id=pool.pk, member_ids=[cast.manager.pk])
    with pytest.raises(ServiceError) as refused:
        pools.customer_assign(actor=cast.manager, customer_id=customer.pk, owner_id=cast.rep2.pk)
    assert refused.value.fields == {"owner_id": [refused.value.message]}  # a member, not its administrator
    make_pool_admin(cast, pool, cast.manager)

    assigned = pools.customer_assign(actor=cast.manager, customer_id=customer.pk, owner_id=cast.rep2.pk)

    assert assigned.owner == cast.rep2
    assert assigned.protected_until is not None
    with pytest.raises(ServiceError):
        pools.customer_assign(actor=cast.rep, customer_id=customer.pk, owner_id=cast.rep.pk)
    with pytest.raises(ServiceError):
        pools.customer_assign(actor=cast.manager, customer_id=customer.pk, owner_id=cast.other_branch_rep.pk)


def test_a_single_assignment_respects_the_holding_cap_like_a_bulk_one(cast, pool):
    make_pool_admin(cast, pool, cast.manager)
    for i in range(5):  # the fixture's cap
        pools.customer_assign(actor=cast.manager, customer_id=pooled(cast, pool, f"满额{i}").pk, owner_id=cast.rep2.pk)
    one_more = pooled(cast, pool, "超额")

    with pytest.raises(ServiceError) as refused:
        pools.customer_assign(actor=cast.manager, customer_id=one_more.pk, owner_id=cast.rep2.pk)

    assert "5" in str(refused.value.message)
    assert Customer.objects.get(pk=one_more.pk).owner is None


def test_assigning_another_organizations_customer_is_not_found(cast, pool):
    make_pool_admin(cast, pool, cast.manager)
    foreign, _ = services.customer_create(actor=cast.outsider, client_id=uuid.uuid4(), name="别家客户")

    with pytest.raises(ServiceError) as refused:
        pools.customer_assign(actor=cast.manager, customer_id=foreign.pk, owner_id=cast.rep2.pk)

    assert refused.value.code == "not_found"


def test_pool_rules_are_validated(cast, pool):
    with pytest.raises(ServiceError) as e:
        pools.pool_update(actor=cast.admin, pool_id=pool.pk, protection_days=90, max_protection_days=30)
    assert "max_protection_days" in e.value.fields
    with pytest.raises(ServiceError):
        pools.pool_create(actor=cast.manager, name="x")


@pytest.mark.django_db(transaction=True)
def test_two_reps_claiming_the_same_customer_at_once_end_with_exactly_one_owner(cast, pool):
    customer = pooled(cast, pool)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def claim(actor):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            pools.customer_claim(actor=actor, customer_id=customer.pk)
            outcomes.append("won")
        except ServiceError as e:
            outcomes.append(e.code)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=claim, args=(a,)) for a in (cast.rep, cast.rep2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "won"]
    assert CustomerEvent.objects.filter(customer=customer, kind="claimed").count() == 1


def test_the_pool_api_lists_claims_releases_and_assigns(cast, pool):
    from django.test import Client

    from fieldloop.org import services as org_services

    def api(employee):
        client = Client()
        client.defaults["HTTP_AUTHORIZATION"] = (
            "Bearer " + org_services.api_token_create(actor=employee, name="t").secret
        )
        return client

    customer = pooled(cast, pool)
    rep = api(cast.rep)
    assert [p["name"] for p in rep.get("/api/v1/customer-pools").json()] == ["华东公海"]
    assert api(cast.other_branch_rep).get("/api/v1/customer-pools").json() == []
    waiting = rep.get(f"/api/v1/customer-pools/{pool.pk}/customers").json()["items"]
    assert [c["id"] for c in waiting] == [customer.pk]
    claimed = rep.post(f"/api/v1/customers/{customer.pk}/claim")
    assert claimed.status_code == 200 and claimed.json()["owner"]["name"] == "Rex"
    taken = api(cast.rep2).post(f"/api/v1/customers/{customer.pk}/claim")
    assert taken.status_code == 409 and taken.json()["code"] == "conflict"
    released = rep.post(f"/api/v1/customers/{customer.pk}/release", {}, content_type="application/json")
    assert released.json()["owner"] is None
    make_pool_admin(cast, pool, cast.manager)
    assigned = api(cast.manager).post(
        f"/api/v1/customers/{customer.pk}/assign", {"owner_id": cast.rep2.pk}, content_type="application/json"
    )
    assert assigned.json()["owner"]["name"] == "Ria"
    refused = rep.post(
        f"/api/v1/customers/{customer.pk}/assign", {"owner_id": cast.rep.pk}, content_type="application/json"
    )
    assert refused.status_code == 403


# --- Notifications: the warning before protection ends, assignment, handover, recycling -----------------


def owned_in_pool(cast, pool, owner, name, ends_in, stage=None):
    """A customer of `owner` in `pool` whose protection ends `ends_in` from now."""
    customer, _ = services.customer_create(
        actor=cast.admin, client_id=uuid.uuid4(), name=name, owner_id=owner.pk, allow_duplicates=True
    )
    Customer.objects.filter(pk=customer.pk).update(
        pool=pool, protected_until=timezone.now() + ends_in, stage=stage or customer.stage
    )
    return customer


def inbox(employee, kind):
    return list(Notification.objects.filter(recipient=employee, kind=kind).order_by("id"))


def test_the_nightly_warning_reaches_each_owner_once_about_the_customers_returning_soon(cast, pool):
    won = stage_list(actor=cast.admin)[2]
    pools.pool_update(actor=cast.admin, pool_id=pool.pk, notify_days_before=3, keep_stage_ids=[won.pk])
    soon = [owned_in_pool(cast, pool, cast.rep, f"将到期{i}", timedelta(days=i, hours=1)) for i in (1, 2)]
    owned_in_pool(cast, pool, cast.rep, "还早", timedelta(days=10))
    owned_in_pool(cast, pool, cast.rep, "已赢单", timedelta(days=1), stage=won)
    owned_in_pool(cast, pool, cast.rep, "已过期", -timedelta(hours=1))
    owned_in_pool(cast, pool, cast.rep2, "Ria 的将到期", timedelta(days=2))
    services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="无公海", allow_duplicates=True)

    assert expiry.all_orgs_warn_protection_ending() == 2
    expiry.all_orgs_warn_protection_ending()  # the job runs again the same day: nothing new

    [rex_warning] = inbox(cast.rep, notices.PROTECTION_ENDING)
    [ria_warning] = inbox(cast.rep2, notices.PROTECTION_ENDING)
    assert rex_warning.params == {"count": 2, "days": 3}
    assert ria_warning.params == {"count": 1, "days": 2}
    assert not Notification.objects.exclude(recipient__in=[cast.rep, cast.rep2]).exists()
    with translation.override("en"):
        assert render_message(rex_warning.kind, rex_warning.params) == (
            "2 customers return to the public pool within 3 days unless you follow them up."
        )
    with translation.override("zh-hans"):
        assert render_message(ria_warning.kind, ria_warning.params) == "1 个客户将在 2 天内退回公海，请及时跟进。"
    # the link opens the list filtered to exactly those customers
    assert rex_warning.link == f"/customers/?expiring=1&owner={cast.rep.pk}"
    body = cast.client_for(cast.rep).get(rex_warning.link).content.decode()
    shown = {c.name for c in Customer.objects.all() if f">{c.name}</a>" in body}
    assert shown == {c.name for c in soon}


def test_the_next_day_brings_a_new_warning(cast, pool):
    owned_in_pool(cast, pool, cast.rep, "将到期", timedelta(days=2))
    expiry.all_orgs_warn_protection_ending()
    expiry.all_orgs_warn_protection_ending(now=timezone.now() + timedelta(days=1))
    assert [n.params["days"] for n in inbox(cast.rep, notices.PROTECTION_ENDING)] == [2, 1]


def test_a_pool_that_warns_zero_days_before_sends_no_warning(cast, pool):
    pools.pool_update(actor=cast.admin, pool_id=pool.pk, notify_days_before=0)
    owned_in_pool(cast, pool, cast.rep, "将到期", timedelta(hours=5))
    assert expiry.all_orgs_warn_protection_ending() == 0
    assert not Notification.objects.exists()


def test_the_nightly_task_returns_expired_customers_tells_their_owners_and_warns_once(cast, pool):
    expired = owned_in_pool(cast, pool, cast.rep, "已过期", -timedelta(hours=1))
    owned_in_pool(cast, pool, cast.rep, "将到期", timedelta(days=1))
    assert recycle_expired_customers.call() == 1
    assert recycle_expired_customers.call() == 0
    [recycled] = inbox(cast.rep, notices.RECYCLED)
    assert recycled.params == {"customer": "已过期"}
    assert recycled.link == f"/customers/{expired.pk}/"
    assert [n.params["count"] for n in inbox(cast.rep, notices.PROTECTION_ENDING)] == [1]


def test_the_expiring_filter_is_parsed_once_for_the_list_export_and_map(cast, pool):
    assert customer_filters_from_query({"expiring": "1"}).expiring
    assert not customer_filters_from_query({"expiring": "yes"}).expiring
    owned_in_pool(cast, pool, cast.rep, "将到期", timedelta(days=1))
    owned_in_pool(cast, pool, cast.rep, "还早", timedelta(days=20))
    manager = cast.client_for(cast.manager)
    page = manager.get("/customers/?expiring=1").content.decode()
    assert "将到期" in page and "还早" not in page
    assert 'name="expiring" value="1" checked' in page
    assert "还早" in manager.get("/customers/").content.decode()
    export = cast.client_for(cast.admin).get("/customers/export/?expiring=1&format=csv")
    assert export.status_code == 200
    text = b"".join(export.streaming_content).decode("utf-8-sig") if export.streaming else export.content.decode()
    assert "将到期" in text and "还早" not in text
    rest = api(cast.manager)  # the API's list takes the same filter, as a saved filter's link carries it
    assert [c["name"] for c in rest.get("/api/v1/customers?expiring=true").json()["items"]] == ["将到期"]
    assert {c["name"] for c in rest.get("/api/v1/customers").json()["items"]} >= {"将到期", "还早"}


def test_the_api_list_narrows_to_the_pool_and_to_the_archived_as_the_page_does(cast, pool):
    waiting = owned_in_pool(cast, pool, cast.rep, "公海客户", timedelta(days=1))
    Customer.objects.filter(pk=waiting.pk).update(owner=None, protected_until=None, claimed_at=None)
    gone = owned_in_pool(cast, pool, cast.rep, "已归档", timedelta(days=10))
    Customer.objects.filter(pk=gone.pk).update(archived_at=timezone.now())
    owned_in_pool(cast, pool, cast.rep, "在跟进", timedelta(days=10))
    rest = api(cast.admin)
    names = lambda query: sorted(c["name"] for c in rest.get(f"/api/v1/customers?{query}").json()["items"])  # noqa: E731
    assert names("pool=true") == ["公海客户"]
    assert names("archived=true") == ["已归档"]
    assert names("") == ["公海客户", "在跟进"]
    page = cast.client_for(cast.admin).get("/customers/?pool=1").content.decode()
    assert "公海客户" in page and "在跟进" not in page
    bad = rest.get("/api/v1/customers?pool=maybe")
    assert bad.status_code in (400, 422) and "pool" in str(bad.json())


def test_the_new_owner_hears_of_an_assignment_but_not_of_their_own(cast, pool):
    make_pool_admin(cast, pool, cast.manager)
    customer = pooled(cast, pool, "分配的客户")
    pools.customer_assign(actor=cast.manager, customer_id=customer.pk, owner_id=cast.rep2.pk)
    [assigned] = inbox(cast.rep2, notices.ASSIGNED)
    assert assigned.params == {"actor": "Mia", "customer": "分配的客户"}
    assert assigned.link == f"/customers/{customer.pk}/"
    pools.customer_assign(actor=cast.manager, customer_id=customer.pk, owner_id=cast.manager.pk)
    assert not inbox(cast.manager, notices.ASSIGNED)


def test_successors_hear_how_many_customers_were_handed_over_to_them(cast, pool):
    for i in range(3):
        owned_in_pool(cast, pool, cast.rep, f"交接{i}", timedelta(days=20))
    result = handover.customer_handover(
        actor=cast.manager, from_employee_id=cast.rep.pk, successor_ids=[cast.rep2.pk, cast.manager.pk]
    )
    assert result.moved[cast.rep2.pk] == 1  # the split goes by employee id: Mia was hired first
    [handed] = inbox(cast.rep2, notices.HANDED_OVER)
    assert handed.params == {"actor": "Mia", "from": "Rex", "count": 1}
    assert handed.link == f"/customers/?owner={cast.rep2.pk}"
    assert not inbox(cast.manager, notices.HANDED_OVER)  # she did it herself


def test_a_manager_reads_the_pool_his_team_draws_from_and_its_members_claim(cast, pool):
    """Mia manages Rex and Ria, members of 华东公海; she is not one: she reads the pool (page and API), with no
    claim button, and may not claim. Ben's manager-less branch sees nothing of it."""
    customer = pooled(cast, pool)
    client = cast.client_for(cast.manager)
    page = client.get("/customers/pools/").content.decode()
    assert "华东公海" in page and customer.name in page and 'data-testid="team-pool"' in page
    assert f'data-testid="claim-{customer.pk}"' not in page and f'data-testid="open-{customer.pk}"' in page
    assert "yours for" not in page and "由您负责" not in page  # the claim rules are its members'
    assert client.get(f"/customers/{customer.pk}/").status_code == 200
    listed = client.get("/api/v1/customer-pools").json()
    assert [(p["name"], p["may_claim"]) for p in listed] == [("华东公海", False)]
    waiting = client.get(f"/api/v1/customer-pools/{pool.pk}/customers").json()["items"]
    assert [c["id"] for c in waiting] == [customer.pk]
    with pytest.raises(ServiceError):
        pools.customer_claim(actor=cast.manager, customer_id=customer.pk)
    rep_page = cast.client_for(cast.rep).get("/customers/pools/").content.decode()
    assert f'data-testid="claim-{customer.pk}"' in rep_page and 'data-testid="team-pool"' not in rep_page
    assert [p["may_claim"] for p in cast.client_for(cast.rep).get("/api/v1/customer-pools").json()] == [True]
    for outsider in (cast.other_branch_rep, cast.outsider):
        assert cast.client_for(outsider).get("/api/v1/customer-pools").json() == []
        assert cast.client_for(outsider).get(f"/api/v1/customer-pools/{pool.pk}/customers").status_code == 404
