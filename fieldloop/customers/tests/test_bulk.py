"""Bulk assign, transfer and release: permissions, the holding cap, all or nothing, one event per customer,
the protection expiry, idempotent replays, other organizations' ids refused, queries that do not grow."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.customers import pools, services
from fieldloop.customers.models import Customer, CustomerEvent, PoolMembership
from fieldloop.customers.tests.test_api import api, post
from fieldloop.org.models import Employee


@pytest.fixture
def pool(cast):
    pool = pools.pool_create(
        actor=cast.admin, name="华东公海", protection_days=30, extension_days=7, max_protection_days=60,
        daily_claim_limit=5, holding_cap=10, reclaim_cooldown_days=7,
    )  # fmt: skip
    pools.pool_set_members(actor=cast.admin, pool_id=pool.pk, member_ids=[cast.manager.pk, cast.rep.pk, cast.rep2.pk])
    return pool


def owned(cast, owner, pool=None, n=1, name="客户"):
    """`n` customers of `owner`, returning to `pool`, with an old protection expiry."""
    made = []
    for i in range(n):
        customer, _ = services.customer_create(
            actor=owner, client_id=uuid.uuid4(), name=f"{owner.name}{name}{i}", allow_duplicates=True
        )
        customer.pool = pool
        customer.claimed_at = timezone.now() - timedelta(days=20)
        customer.protected_until = timezone.now() + timedelta(days=2)
        customer.save()
        made.append(customer)
    return made


def pooled(cast, pool, n=1):
    customers = owned(cast, cast.admin, pool, n, name="公海客户")
    pools.customers_bulk_release(actor=cast.admin, customer_ids=[c.pk for c in customers])
    return customers


def ids(customers):
    return [c.pk for c in customers]


def not_found(customer_id):
    """The refusal for a customer the actor may not know about: its id, never its name."""
    return [translation.gettext("#%(id)s: not found.") % {"id": customer_id}]


def moved_events(kind):
    return CustomerEvent.objects.filter(kind=kind)


# --- transfer ---------------------------------------------------------------------------------------------


def test_a_manager_transfers_her_reps_customers_with_one_event_each_and_a_fresh_protection(cast, pool):
    customers = owned(cast, cast.rep, pool, n=3)
    before = timezone.now()
    result = pools.customers_bulk_transfer(actor=cast.manager, customer_ids=ids(customers), to_employee_id=cast.rep2.pk)
    assert sorted(result.moved) == sorted(ids(customers))
    for customer in Customer.objects.filter(pk__in=ids(customers)):
        assert customer.owner == cast.rep2
        assert customer.claimed_at is not None and customer.protected_until is not None
        assert customer.claimed_at >= before
        assert before + timedelta(days=30) <= customer.protected_until <= timezone.now() + timedelta(days=30)
    events = moved_events("owner_changed")
    assert events.count() == 3
    event = events.first()
    assert event.actor == cast.manager
    assert event.changes["owner_id"] == [cast.rep.pk, cast.rep2.pk]
    assert event.summary == "Rex → Ria"


def test_a_transfer_is_all_or_nothing_and_says_which_customers_and_why(cast, pool):
    mine = owned(cast, cast.rep, pool, n=2)
    bens = owned(cast, cast.other_branch_rep, pool)
    waiting = pooled(cast, pool)
    chosen = ids(mine) + ids(bens) + ids(waiting)
    with pytest.raises(ServiceError) as e:
        pools.customers_bulk_transfer(actor=cast.manager, customer_ids=chosen, to_employee_id=cast.rep2.pk)
    problems = [str(p) for p in e.value.fields["customer_ids"]]
    assert len(problems) == 2
    assert f"#{bens[0].pk}" in problems[0] or f"#{bens[0].pk}" in problems[1]
    assert not any("Ben" in p for p in problems)  # Mia cannot see Ben: his customer is "not found"
    assert any(waiting[0].name in p for p in problems)  # a pool customer is assigned, not transferred
    assert set(Customer.objects.filter(pk__in=ids(mine)).values_list("owner_id", flat=True)) == {cast.rep.pk}
    assert not moved_events("owner_changed").exists()


def test_a_manager_transfers_only_to_people_she_sees_and_never_to_someone_who_left(cast, pool):
    customers = owned(cast, cast.rep, pool)
    with pytest.raises(ServiceError) as e:
        pools.customers_bulk_transfer(
            actor=cast.manager, customer_ids=ids(customers), to_employee_id=cast.other_branch_rep.pk
        )
    assert "to_employee_id" in e.value.fields
    cast.rep2.status = "left"
    cast.rep2.save()
    with pytest.raises(ServiceError) as e:
        pools.customers_bulk_transfer(actor=cast.manager, customer_ids=ids(customers), to_employee_id=cast.rep2.pk)
    assert "to_employee_id" in e.value.fields


def test_an_admin_transfers_across_branches(cast, pool):
    customers = owned(cast, cast.rep, pool, n=2)
    pools.customers_bulk_transfer(
        actor=cast.admin, customer_ids=ids(customers), to_employee_id=cast.other_branch_rep.pk
    )
    assert Customer.objects.filter(owner=cast.other_branch_rep).count() == 2


def test_a_rep_may_neither_assign_nor_transfer(cast, pool):
    customers = owned(cast, cast.rep, pool)
    with pytest.raises(ServiceError) as e:
        pools.customers_bulk_transfer(actor=cast.rep, customer_ids=ids(customers), to_employee_id=cast.rep.pk)
    assert e.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(ServiceError) as e:
        pools.customers_bulk_assign(actor=cast.rep, customer_ids=ids(customers), owner_id=cast.rep.pk)
    assert e.value.code == ErrorCode.FORBIDDEN


# --- assign -----------------------------------------------------------------------------------------------


def test_only_an_administrator_of_the_pool_assigns_its_customers(cast, pool):
    waiting = pooled(cast, pool, n=2)
    with pytest.raises(ServiceError) as e:
        pools.customers_bulk_assign(actor=cast.manager, customer_ids=ids(waiting), owner_id=cast.rep.pk)
    assert len(e.value.fields["customer_ids"]) == 2
    PoolMembership.objects.filter(pool=pool, employee=cast.manager).update(is_pool_admin=True)
    before = timezone.now()
    result = pools.customers_bulk_assign(actor=cast.manager, customer_ids=ids(waiting), owner_id=cast.rep.pk)
    assert sorted(result.moved) == sorted(ids(waiting))
    for customer in Customer.objects.filter(pk__in=ids(waiting)):
        assert customer.owner == cast.rep
        assert customer.protected_until is not None
        assert customer.protected_until >= before + timedelta(days=30)
    assert moved_events("assigned").filter(actor=cast.manager).count() == 2


def test_assign_mixes_pool_and_owned_customers_and_leaves_the_receivers_own_alone(cast, pool):
    waiting = pooled(cast, pool)
    rexs = owned(cast, cast.rep, pool)
    rias = owned(cast, cast.rep2, pool)
    result = pools.customers_bulk_assign(
        actor=cast.admin, customer_ids=ids(waiting + rexs + rias), owner_id=cast.rep2.pk
    )
    assert sorted(result.moved) == sorted(ids(waiting + rexs))
    assert result.unchanged == ids(rias)
    assert Customer.objects.filter(owner=cast.rep2).count() == 3
    assert not moved_events("assigned").filter(customer=rias[0]).exists()


def test_the_receivers_holding_cap_counts_every_incoming_customer(cast, pool):
    pool.holding_cap = 3
    pool.save()
    owned(cast, cast.rep2, pool, n=2)
    incoming = owned(cast, cast.rep, pool, n=2)
    with pytest.raises(ServiceError) as e:
        pools.customers_bulk_assign(actor=cast.admin, customer_ids=ids(incoming), owner_id=cast.rep2.pk)
    problems = [str(p) for p in e.value.fields["customer_ids"]]
    assert len(problems) == 2
    assert "Ria" in problems[0] and "4" in problems[0] and "3" in problems[0]
    assert Customer.objects.filter(owner=cast.rep2).count() == 2
    pools.customers_bulk_assign(actor=cast.admin, customer_ids=ids(incoming[:1]), owner_id=cast.rep2.pk)
    assert Customer.objects.filter(owner=cast.rep2).count() == 3


def test_other_organizations_customers_are_not_found_and_nothing_moves(cast, pool):
    ottos, _ = services.customer_create(actor=cast.outsider, client_id=uuid.uuid4(), name="对手的客户")
    mine = owned(cast, cast.rep, pool)
    with pytest.raises(ServiceError) as e:
        pools.customers_bulk_assign(actor=cast.admin, customer_ids=[*ids(mine), ottos.pk], owner_id=cast.rep2.pk)
    assert e.value.fields["customer_ids"] == not_found(ottos.pk)
    assert Customer.objects.get(pk=mine[0].pk).owner == cast.rep
    assert Customer.objects.get(pk=ottos.pk).owner == cast.outsider


def test_a_bulk_operation_is_bounded(cast, pool):
    with pytest.raises(ServiceError) as e:
        pools.customers_bulk_release(actor=cast.admin, customer_ids=list(range(1, pools.BULK_LIMIT + 2)))
    assert "500" in str(e.value.fields["customer_ids"][0])
    with pytest.raises(ServiceError) as e:
        pools.customers_bulk_release(actor=cast.admin, customer_ids=[])
    assert "customer_ids" in e.value.fields


def test_the_queries_do_not_grow_with_the_customers(cast, pool):
    pool.holding_cap = 1000
    pool.save()

    def queries(n):
        customers = owned(cast, cast.rep, pool, n=n)
        manager = Employee.objects.get(pk=cast.manager.pk)  # nothing cached from an earlier call
        with CaptureQueriesContext(connection) as captured:
            pools.customers_bulk_transfer(actor=manager, customer_ids=ids(customers), to_employee_id=cast.rep2.pk)
        pools.customers_bulk_transfer(actor=cast.admin, customer_ids=ids(customers), to_employee_id=cast.rep.pk)
        return len(captured)

    assert queries(3) == queries(40)


# --- release ----------------------------------------------------------------------------------------------


def test_a_release_clears_protection_and_starts_the_previous_owners_cool_down(cast, pool):
    customers = owned(cast, cast.rep, pool, n=2)
    result = pools.customers_bulk_release(actor=cast.rep, customer_ids=ids(customers))
    assert sorted(result.moved) == sorted(ids(customers))
    for customer in Customer.objects.filter(pk__in=ids(customers)):
        assert customer.owner is None and customer.protected_until is None and customer.claimed_at is None
        assert customer.last_owner == cast.rep and customer.released_at is not None
        assert customer.pool == pool
    assert moved_events("released").filter(actor=cast.rep).count() == 2
    with pytest.raises(ServiceError) as e:
        pools.customer_claim(actor=cast.rep, customer_id=customers[0].pk)
    assert e.value.code == ErrorCode.CONFLICT


def test_a_customer_without_a_pool_is_not_released_and_neither_is_anything_else(cast, pool):
    with_pool = owned(cast, cast.rep, pool)
    without = owned(cast, cast.rep, None)
    with pytest.raises(ServiceError) as e:
        pools.customers_bulk_release(actor=cast.rep, customer_ids=ids(with_pool + without))
    assert without[0].name in str(e.value.fields["customer_ids"][0])
    assert Customer.objects.get(pk=with_pool[0].pk).owner == cast.rep
    pools.customers_bulk_release(actor=cast.rep, customer_ids=ids(with_pool + without), pool_id=pool.pk)
    assert Customer.objects.filter(pool=pool, owner__isnull=True).count() == 2


def test_a_rep_cannot_release_a_colleagues_customers(cast, pool):
    rias = owned(cast, cast.rep2, pool)
    with pytest.raises(ServiceError) as e:
        pools.customers_bulk_release(actor=cast.rep, customer_ids=ids(rias))
    assert e.value.fields["customer_ids"] == not_found(rias[0].pk)


# --- API --------------------------------------------------------------------------------------------------


def test_the_api_assigns_once_however_often_the_request_is_replayed(cast, pool):
    customers = owned(cast, cast.rep, pool, n=2)
    client, key = api(cast.manager), uuid.uuid4()
    data = {"customer_ids": ids(customers), "owner_id": cast.rep2.pk}
    first = post(client, "/api/v1/customers/bulk/assign", data, key)
    assert first.status_code == 200, first.content
    assert sorted(first.json()["moved"]) == sorted(ids(customers))
    pools.customers_bulk_transfer(actor=cast.admin, customer_ids=ids(customers), to_employee_id=cast.rep.pk)
    replay = post(client, "/api/v1/customers/bulk/assign", data, key)
    assert replay.json() == first.json()
    assert Customer.objects.filter(owner=cast.rep).count() == 2  # the replay moved nothing back
    assert moved_events("assigned").count() == 2


def test_the_api_transfers_and_releases_and_refuses_with_field_errors(cast, pool):
    customers = owned(cast, cast.rep, pool, n=2)
    client = api(cast.manager)
    response = post(
        client, "/api/v1/customers/bulk/transfer", {"customer_ids": ids(customers), "to_employee_id": cast.rep2.pk}
    )
    assert response.status_code == 200
    response = post(client, "/api/v1/customers/bulk/release", {"customer_ids": [*ids(customers), 2**40]})
    assert response.status_code == 400
    assert response.json()["fields"]["customer_ids"] == not_found(2**40)
    response = post(client, "/api/v1/customers/bulk/release", {"customer_ids": [*ids(customers), 2**70]})
    assert response.status_code == 422  # no row can have that id: the request is malformed, on that item
    assert list(response.json()["fields"]) == [f"customer_ids.{len(customers)}"]
    response = post(client, "/api/v1/customers/bulk/release", {"customer_ids": ids(customers)})
    assert response.status_code == 200
    assert Customer.objects.filter(pk__in=ids(customers), owner__isnull=True).count() == 2


def test_the_api_refuses_another_organizations_customers(cast, pool):
    mine = owned(cast, cast.rep, pool)
    response = post(
        api(cast.outsider), "/api/v1/customers/bulk/assign", {"customer_ids": ids(mine), "owner_id": cast.outsider.pk}
    )
    assert response.status_code == 400
    assert "Rex" not in response.content.decode()
    assert Customer.objects.get(pk=mine[0].pk).owner == cast.rep


# --- web --------------------------------------------------------------------------------------------------


def test_the_list_offers_the_bar_asks_for_confirmation_then_moves_once(cast, pool):
    customers = owned(cast, cast.rep, pool, n=2)
    client = cast.client_for(cast.manager)
    page = client.get("/customers/").content.decode()
    assert 'data-testid="bulk-bar"' in page and f'value="{customers[0].pk}"' in page
    chosen = {"action": "transfer", "owner_id": cast.rep2.pk, "customer_ids": ids(customers), "next": "/customers/"}
    confirm = client.post("/customers/bulk/", chosen)
    assert confirm.status_code == 200
    assert customers[0].name in confirm.content.decode()
    assert Customer.objects.filter(owner=cast.rep).count() == 2  # nothing moved before the confirmation
    confirmed = chosen | {"confirm": "1", "client_id": str(uuid.uuid4())}
    done = client.post("/customers/bulk/", confirmed, follow=True)
    assert done.redirect_chain[-1][0] == "/customers/"
    assert "Ria" in done.content.decode()
    assert Customer.objects.filter(owner=cast.rep2).count() == 2
    client.post("/customers/bulk/", confirmed)  # a double submit
    assert moved_events("owner_changed").count() == 2


def test_a_refused_bulk_move_shows_which_customers_and_why(cast, pool):
    bens = owned(cast, cast.other_branch_rep, pool)
    rexs = owned(cast, cast.rep, pool)
    client = cast.client_for(cast.manager)
    data = {"action": "release", "customer_ids": ids(rexs + bens), "confirm": "1", "client_id": str(uuid.uuid4())}
    response = client.post("/customers/bulk/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert f"#{bens[0].pk}" in body and "Ben" not in body
    assert Customer.objects.get(pk=rexs[0].pk).owner == cast.rep


def test_a_rep_sees_only_the_release_action_and_the_pool_page_offers_assign_to_its_admins(cast, pool):
    owned(cast, cast.rep, pool)
    page = cast.client_for(cast.rep).get("/customers/").content.decode()
    assert 'data-testid="bulk-release"' in page and 'data-testid="bulk-assign"' not in page
    pooled(cast, pool)
    assert 'data-testid="bulk-bar"' not in cast.client_for(cast.manager).get("/customers/pools/").content.decode()
    page = cast.client_for(cast.admin).get("/customers/pools/").content.decode()
    assert 'data-testid="bulk-assign"' in page and 'data-testid="bulk-transfer"' not in page
