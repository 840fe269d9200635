"""The demo generator: deterministic for a seed, the shape each size promises, usable logins."""

import io
from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Max, Min

from fieldloop.activities.models import Visit, WorkRecord
from fieldloop.core import progress
from fieldloop.customers.models import Customer, CustomerEvent, CustomerEventKind
from fieldloop.demo.company import DEMO_STEPS, build_demo_company, demo_logins
from fieldloop.demo.context import DEMO_PASSWORD
from fieldloop.org.models import Department, Employee
from fieldloop.org.selectors import visible_employees
from fieldloop.sales.models import Order


def shape(ctx):
    people = [(e.name, e.phone, e.department.name, e.role) for e in ctx.employees]
    orders = list(
        Order.objects.order_by("number").values_list(
            "number", "customer__name", "owner__name", "status", "kind", "signed_on", "ends_on", "total", "paid"
        )
    )
    return people, orders


def test_small_company_has_three_levels_and_about_thirty_people(db):
    build_demo_company(size="small", seed=7)
    assert 25 <= Employee.objects.count() <= 35
    assert max(Department.objects.values_list("depth", flat=True)) == 2
    assert all(d.manager_id for d in Department.objects.all())


def build_and_roll_back(seed):
    with transaction.atomic():
        result = shape(build_demo_company(size="small", seed=seed))
        transaction.set_rollback(True)
    return result


def test_the_same_seed_builds_the_same_company_and_another_seed_another(db):
    first = build_and_roll_back(7)
    assert len(first[1]) > 1000  # its orders too
    assert build_and_roll_back(7) == first
    assert build_and_roll_back(8) != first


def test_demo_logins_sign_in_and_see_what_their_role_sees(db, client):
    build_demo_company(size="small", seed=3)
    logins = {login.username: login for login in demo_logins()}
    assert list(logins)[:4] == ["admin", "director", "manager", "rep"]
    # a second branch's manager and rep, beside the first: each manager sees their own branch only
    other_manager, other_rep = list(logins)[4:]
    response = client.post("/login/", {"username": "manager", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    manager, second = Employee.objects.get(user__username="manager"), Employee.objects.get(user__username=other_manager)
    rep, rep2 = Employee.objects.get(user__username="rep"), Employee.objects.get(user__username=other_rep)
    assert second.department_id != manager.department_id and rep2.department_id == second.department_id
    for boss, own_rep, other in ((manager, rep, rep2), (second, rep2, rep)):
        seen = set(visible_employees(actor=boss).values_list("pk", flat=True))
        assert own_rep.pk in seen and other.pk not in seen
        assert set(visible_employees(actor=boss).values_list("department_id", flat=True)) == {boss.department_id}


def test_until_stops_after_the_named_step(db):
    build_demo_company(size="small", seed=7, until="org")

    assert Employee.objects.exists()
    assert not Customer.objects.exists()


def test_until_an_unknown_step_is_refused_before_anything_is_built(db):
    with pytest.raises(ValueError, match="unknown demo step"):
        build_demo_company(size="small", until="no_such_step")
    assert not Employee.objects.exists()


def test_the_customers_dates_tell_a_history_not_the_build(db):
    ctx = build_demo_company(size="small", seed=7)
    customers = list(Customer.objects.filter(org=ctx.org))
    created_days = {c.created_at.date() for c in customers}
    assert len(created_days) >= 30  # spread over the months, not one build day
    assert min(created_days) <= ctx.today - timedelta(days=365)
    assert all(c.created_at <= c.updated_at for c in customers)
    assert all(c.claimed_at is None or c.created_at < c.claimed_at for c in customers)
    waiting = [c for c in customers if c.owner_id is None]  # the pool page's "In the pool since"
    assert waiting and all(c.released_at is not None and c.created_at < c.released_at for c in waiting)
    first_visit = dict(
        Visit.objects.filter(org=ctx.org).values_list("customer_id").annotate(first=Min("checked_in_at"))
    )
    first_record = dict(
        WorkRecord.objects.filter(org=ctx.org, customer__isnull=False)
        .values_list("customer_id")
        .annotate(first=Min("captured_at"))
    )
    first_order = dict(Order.objects.filter(org=ctx.org).values_list("customer_id").annotate(first=Min("created_at")))
    assert first_visit and first_record and first_order
    for c in customers:  # a customer existed before its visits, records and orders
        for first in (first_visit.get(c.pk), first_record.get(c.pk), first_order.get(c.pk)):
            assert first is None or c.created_at < first
    created = CustomerEvent.objects.filter(org=ctx.org, kind=CustomerEventKind.CREATED)
    events = dict(created.values_list("customer_id", "created_at"))
    assert all(events[c.pk] == c.created_at for c in customers)
    # the list sorted by "updated" is not one tie at the build's instant
    ties = Counter(c.updated_at for c in customers).most_common(1)[0][1]
    assert ties < len(customers) // 10
    newest = sorted((c.updated_at for c in customers), reverse=True)[:20]  # the list's first page
    assert len(set(newest)) > 15
    # the list's last follow-up: the newest visit not rejected or record outside a visit not archived
    latest: dict[int, datetime] = {}
    for customer_id, at in [
        *Visit.objects.filter(org=ctx.org).exclude(review_state="rejected").values_list("customer_id", "checked_in_at"),
        *WorkRecord.objects.filter(org=ctx.org, visit__isnull=True, archived_at__isnull=True).values_list(
            "customer_id", "captured_at"
        ),
    ]:
        if customer_id is not None:
            latest[customer_id] = max(at, latest.get(customer_id, at))
    assert len(latest) > len(customers) // 2
    assert {c.pk: c.last_followed_up_at for c in customers} == {c.pk: latest.get(c.pk) for c in customers}
    # the list's last visit: the newest check-in of a visit not rejected (none: never visited)
    visited = dict(
        Visit.objects.filter(org=ctx.org, customer__isnull=False)
        .exclude(review_state="rejected")
        .values("customer_id")
        .annotate(at=Max("checked_in_at"))
        .values_list("customer_id", "at")
    )
    assert len(visited) > len(customers) // 4
    assert {c.pk: c.last_visited_at for c in customers} == {c.pk: visited.get(c.pk) for c in customers}


def test_the_builder_reports_each_step_with_what_it_made(db):
    out = io.StringIO()
    with progress.reporting(out):
        ctx = build_demo_company(size="small", seed=3, until="customers")
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["[1/2] org", "[2/2] customers"]
    assert lines[0].startswith(
        f"[1/2] org: {ctx.counts['departments']} departments, {ctx.counts['employees']} employees"
    )
    assert lines[1].startswith(f"[2/2] customers: {ctx.counts['customers']:,} customers in ")
    assert Customer.objects.count() == ctx.counts["customers"]


def test_demo_data_says_what_it_builds_before_the_first_step_ends(db):
    out = io.StringIO()
    call_command("demo_data", size="small", seed=5, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Building the demo company (small, seed 5)…"
    steps = [line for line in lines if line.startswith("[")]
    assert len(steps) == len(DEMO_STEPS)  # one line per step in a log, nothing while it runs
    assert steps[2].startswith(f"[3/{len(DEMO_STEPS)}] work records: ") and " work records" in steps[2]
    assert lines[-1].startswith("Built ")
