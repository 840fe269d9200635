"""A manager reads their team's ground: every customer a visible employee visited or recorded work on (pool
customers included) and the pools the team draws from. Reading only: changes keep their rules."""

import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fieldloop.customers import pools, services
from fieldloop.customers.models import Customer
from fieldloop.customers.selectors import customer_read, readable_customers, visible_customers

from .helpers import customer, file_call
from .test_visits import api, check_in, located_customer, routine


@pytest.fixture
def pool(cast):
    pool = pools.pool_create(actor=cast.admin, name="华东公海")
    pools.pool_set_members(actor=cast.admin, pool_id=pool.pk, member_ids=[cast.rep.pk])
    return pool


def pooled(cast, pool, name="公海客户"):
    c, _ = services.customer_create(actor=cast.admin, client_id=uuid.uuid4(), name=name, allow_duplicates=True)
    Customer.objects.filter(pk=c.pk).update(pool=pool, latitude="31.230400", longitude="121.473700")
    return pools.customer_release(actor=cast.admin, customer_id=c.pk)


def test_the_manager_opens_a_pool_customer_his_rep_visited_from_the_visit(cast, pool):
    shop = pooled(cast, pool)
    visit = check_in(cast.rep, routine(cast.admin), shop)
    # the pool is no longer the team's: what remains is the visit
    pools.pool_set_members(actor=cast.admin, pool_id=pool.pk, member_ids=[cast.other_branch_rep.pk])
    mia = cast.client_for(cast.manager)
    page = mia.get(f"/visits/{visit.pk}/")
    assert page.status_code == 200 and f"/customers/{shop.pk}/" in page.content.decode()
    detail = mia.get(f"/customers/{shop.pk}/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert shop.name in html and 'data-testid="read-only"' in html
    assert 'data-testid="edit"' not in html and 'data-testid="pool-actions"' not in html
    assert api(cast.manager).get(f"/api/v1/customers/{shop.pk}").json()["name"] == shop.name
    assert api(cast.manager).get(f"/api/v1/customers/{shop.pk}/timeline").status_code == 200
    # reading is not editing or claiming: Mia is no member of the pool and owns nothing of it
    assert mia.get(f"/customers/{shop.pk}/edit/").status_code == 404
    assert mia.post(f"/customers/{shop.pk}/claim/").status_code in (302, 404)
    assert Customer.objects.get(pk=shop.pk).owner_id is None
    patch = api(cast.manager).patch(
        f"/api/v1/customers/{shop.pk}", json.dumps({"name": "改名"}), content_type="application/json"
    )
    assert patch.status_code == 404
    assert Customer.objects.get(pk=shop.pk).name == shop.name


def test_a_customer_of_another_branch_a_rep_recorded_work_on_is_readable_not_changeable(cast):
    ben_shop = customer(cast.other_branch_rep, "北京客户")
    ben_shop.collaborators.add(cast.rep)
    file_call(cast.rep, ben_shop)
    assert getattr(customer_read(actor=cast.manager, customer_id=ben_shop.pk), "within_reach", None) is False
    mia = cast.client_for(cast.manager)
    assert mia.get(f"/customers/{ben_shop.pk}/").status_code == 200
    assert mia.get(f"/customers/{ben_shop.pk}/edit/").status_code == 404
    assert api(cast.manager).get(f"/api/v1/customers/{ben_shop.pk}/contacts").status_code == 200  # as the page
    assigned = api(cast.manager).post(
        f"/api/v1/customers/{ben_shop.pk}/assign", json.dumps({"owner_id": cast.rep2.pk}),
        content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
    )  # fmt: skip
    assert assigned.status_code == 404
    assert Customer.objects.get(pk=ben_shop.pk).owner_id == cast.other_branch_rep.pk
    # Ben's other customers, which nobody of Mia's team touched, stay out of her reach
    untouched = customer(cast.other_branch_rep, "北京另一家")
    assert mia.get(f"/customers/{untouched.pk}/").status_code == 404
    # and a rep reads no more than before: Ria did not work on Ben's customer
    assert cast.client_for(cast.rep2).get(f"/customers/{ben_shop.pk}/").status_code == 404


def test_managers_and_directors_read_the_pools_their_team_draws_from(cast, pool):
    shop = pooled(cast, pool)  # nobody worked on it; Rex is a member of its pool
    assert cast.client_for(cast.manager).get(f"/customers/{shop.pk}/").status_code == 200
    assert cast.client_for(cast.director).get(f"/customers/{shop.pk}/").status_code == 200
    assert cast.client_for(cast.other_branch_rep).get(f"/customers/{shop.pk}/").status_code == 404
    assert cast.client_for(cast.rep2).get(f"/customers/{shop.pk}/").status_code == 404
    # the list stays what each one owns or sees: reading the ground does not widen it
    assert not visible_customers(actor=cast.manager).filter(pk=shop.pk).exists()


def test_another_organization_never_reads_the_ground(cast, pool):
    shop = pooled(cast, pool)
    check_in(cast.rep, routine(cast.admin), shop)
    assert cast.client_for(cast.outsider).get(f"/customers/{shop.pk}/").status_code == 404
    assert not readable_customers(actor=cast.outsider).filter(pk=shop.pk).exists()


def test_reading_a_customer_is_one_query_whatever_the_team_did(cast, pool, django_assert_max_num_queries):
    shop = located_customer(cast.rep)
    vt = routine(cast.admin)
    for _ in range(3):
        file_call(cast.rep, shop)
    check_in(cast.rep, vt, shop)
    with django_assert_max_num_queries(1):
        customer_read(actor=cast.manager, customer_id=shop.pk)
    with CaptureQueriesContext(connection) as queries:
        readable_customers(actor=cast.manager).filter(pk=shop.pk).exists()
    assert len(queries) == 1 and "EXISTS" in queries[0]["sql"].upper()


def plan(qs) -> str:
    """The database's plan: SQLite's EXPLAIN QUERY PLAN; PostgreSQL's EXPLAIN with sequential scans off, so a
    usable index shows even on a table of a few rows."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        text = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        return text


def test_the_ground_is_looked_up_by_customer_on_an_index(cast, pool):
    """Each EXISTS is answered by an index, never by a walk of the organization's visits or records: one that
    leads with the customer (the foreign key's or visit_customer_time; workrecord_customer_feed or the foreign
    key's), or the visible employees' (PostgreSQL may hash their work once on small tables)."""
    shop = pooled(cast, pool)
    check_in(cast.rep, routine(cast.admin), shop)
    text = plan(readable_customers(actor=cast.manager).filter(pk=shop.pk))
    # from the customer (its index), or, as PostgreSQL may choose on small tables, the visible employees' work
    # hashed once (by the employee's index): a set the size of the team's work, never the organization's
    visits = ("visit_customer_time", "activities_visit_customer_id", "activities_visit_employee_id")
    records = ("workrecord_customer_feed", "activities_workrecord_customer_id", "activities_workrecord_author_id")
    assert any(index in text for index in visits), text
    assert any(index in text for index in records), text
    # the pools: SQLite looks up the pool's members by pool; PostgreSQL hashes the visible employees' memberships
    # once (by the membership's employee index), a set the size of the team, not of the customers
    assert "poolmembership_pool_id" in text or "poolmembership_1" in text or "poolmembership_employee_id" in text, text
    assert "visit_org" not in text and "workrecord_org" not in text, text
