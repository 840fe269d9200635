"""Pool pages through real HTTP: browse, claim, release, assign, set up a pool."""

import uuid

from fieldloop.customers import pools, services
from fieldloop.customers.models import Customer, CustomerPool


def setup_pool(cast):
    pool = pools.pool_create(actor=cast.admin, name="华东公海", daily_claim_limit=1)
    pools.pool_set_members(actor=cast.admin, pool_id=pool.pk, member_ids=[cast.rep.pk])
    customer, _ = services.customer_create(actor=cast.admin, client_id=uuid.uuid4(), name="公海客户")
    Customer.objects.filter(pk=customer.pk).update(pool=pool)
    pools.customer_release(actor=cast.admin, customer_id=customer.pk)
    return pool, customer


def test_a_member_sees_the_pool_and_claims_a_customer(cast):
    _pool, customer = setup_pool(cast)
    client = cast.client_for(cast.rep)
    page = client.get("/customers/pools/").content.decode()
    assert "公海客户" in page
    response = client.post(f"/customers/{customer.pk}/claim/")
    assert response["Location"] == f"/customers/{customer.pk}/"
    customer.refresh_from_db()
    assert customer.owner == cast.rep
    waiting = client.get("/customers/pools/").content.decode().split('data-testid="pool-table"')[1]
    assert "公海客户" not in waiting


def test_a_refused_claim_says_why(cast):
    pool, customer = setup_pool(cast)
    other, _ = services.customer_create(actor=cast.admin, client_id=uuid.uuid4(), name="第二个")
    Customer.objects.filter(pk=other.pk).update(pool=pool)
    pools.customer_release(actor=cast.admin, customer_id=other.pk)
    client = cast.client_for(cast.rep)
    client.post(f"/customers/{customer.pk}/claim/")
    response = client.post(f"/customers/{other.pk}/claim/", {"next": "/customers/pools/"}, follow=True)
    assert "1" in response.content.decode()  # the daily limit, in the message
    other.refresh_from_db()
    assert other.owner is None


def test_someone_outside_the_pool_sees_no_pool(cast):
    setup_pool(cast)
    page = cast.client_for(cast.other_branch_rep).get("/customers/pools/").content.decode()
    assert "公海客户" not in page


def test_the_owner_releases_and_a_manager_assigns_from_the_customer_page(cast):
    pool, customer = setup_pool(cast)
    client = cast.client_for(cast.rep)
    client.post(f"/customers/{customer.pk}/claim/")
    client.post(f"/customers/{customer.pk}/release/", {"pool_id": pool.pk})
    customer.refresh_from_db()
    assert customer.owner is None
    pools.pool_set_members(actor=cast.admin, pool_id=pool.pk, member_ids=[cast.rep.pk], admin_ids=[cast.manager.pk])
    cast.client_for(cast.manager).post(f"/customers/{customer.pk}/assign/", {"owner_id": cast.rep2.pk})
    customer.refresh_from_db()
    assert customer.owner == cast.rep2
    assert (
        cast.client_for(cast.rep).post(f"/customers/{customer.pk}/assign/", {"owner_id": cast.rep.pk}).status_code
        == 403
    )


def test_an_admin_sets_up_a_pool_with_rules_and_members(cast):
    client = cast.client_for(cast.admin)
    data = {
        "name": "华北公海", "description": "", "protection_days": 20, "extension_days": 5, "max_protection_days": 60,
        "notify_days_before": 3, "daily_claim_limit": 5, "holding_cap": 100, "reclaim_cooldown_days": 7,
        "member_ids": [cast.other_branch_rep.pk], "admin_ids": [],
    }  # fmt: skip
    response = client.post("/customers/pools/new/", data)
    pool = CustomerPool.objects.get(name="华北公海")
    assert response.status_code == 302
    assert pool.protection_days == 20
    assert list(pool.memberships.values_list("employee_id", flat=True)) == [cast.other_branch_rep.pk]
    bad = client.post(f"/customers/pools/{pool.pk}/", data | {"max_protection_days": 10})
    assert 'data-testid="error-max_protection_days"' in bad.content.decode()
    assert cast.client_for(cast.manager).get("/customers/pools/new/").status_code == 403
