"""Visit plans (拜访计划): frequencies, the due-for-visit list, a day's route and applying it, and the visit
report's next visit planning a visit."""

import uuid
from datetime import time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from fieldloop.activities import services as activity_services
from fieldloop.activities.models import Visit
from fieldloop.activities.tests.helpers import VISIT_VALUES, customer, template
from fieldloop.activities.tests.test_visits import check_in, located_customer, routine
from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.core.pagination import keyset_page
from fieldloop.customers.models import Customer
from fieldloop.formtemplates.models import Purpose
from fieldloop.org.models import Employee, Role
from fieldloop.org.tests.factories import OrganizationFactory
from fieldloop.schedules import plan_selectors, plan_services
from fieldloop.schedules.models import (
    CustomerVisitFrequency,
    ItemKind,
    ItemState,
    ScheduleItem,
    VisitFrequency,
)

from .helpers import plan, today


def fields_of(excinfo: pytest.ExceptionInfo[ServiceError]) -> set[str]:
    return set(excinfo.value.fields)


def level_customer(owner, level, *, created_days_ago=0, at=None):
    c = located_customer(owner, at) if at else customer(owner)
    Customer.objects.filter(pk=c.pk).update(level=level, created_at=timezone.now() - timedelta(days=created_days_ago))
    c.refresh_from_db()
    return c


def visited(rep, shop, days_ago, *, effective=True):
    vt = routine(Employee.objects.get(org_id=rep.org_id, role=Role.ADMIN))
    if shop.latitude is None:
        Customer.objects.filter(pk=shop.pk).update(latitude=Decimal("31.230400"), longitude=Decimal("121.473700"))
        shop.refresh_from_db()
    visit = check_in(rep, vt, shop)
    Visit.objects.filter(pk=visit.pk).update(
        checked_in_at=timezone.now() - timedelta(days=days_ago), effective=effective, status="closed"
    )
    return visit


def test_a_new_organization_starts_with_the_default_frequencies(cast):
    other = OrganizationFactory.create(name="新公司")
    assert plan_selectors.level_frequencies(org_id=other.pk) == {"A": 7, "B": 14, "C": 30, "D": None}
    assert plan_selectors.level_frequencies(org_id=cast.org.pk) == {"A": 7, "B": 14, "C": 30, "D": None}


def test_the_due_list_is_the_reps_own_customers_most_overdue_first_with_planned_visits_shown(cast):
    a_overdue = level_customer(cast.rep, "A", created_days_ago=100)
    visited(cast.rep, a_overdue, 10)  # due 3 days ago
    b_fresh = level_customer(cast.rep, "B", created_days_ago=100)
    visited(cast.rep, b_fresh, 3)  # due in 11 days
    c_never = level_customer(cast.rep, "C", created_days_ago=40)  # never visited: due 10 days ago
    level_customer(cast.rep, "D", created_days_ago=400)  # no regular visits
    c_ineffective = level_customer(cast.rep, "C", created_days_ago=100)
    visited(cast.rep, c_ineffective, 35)  # the effective visit: due 5 days ago
    visited(cast.rep, c_ineffective, 1, effective=False)  # too short: does not count
    own = level_customer(cast.rep, "D", created_days_ago=100)
    CustomerVisitFrequency.objects.create(org=cast.org, customer=own, every_days=5)
    visited(cast.rep, own, 6)  # its own frequency: due yesterday
    level_customer(cast.rep2, "A", created_days_ago=100)  # someone else's
    tomorrow = today(cast.rep) + timedelta(days=1)
    plan(cast.rep, kind=ItemKind.VISIT, customer_id=a_overdue.pk, day=tomorrow)

    rows: list[Any] = list(plan_selectors.due_for_visit(actor=cast.rep).order_by(*plan_selectors.DUE_ORDERING))

    assert [r.pk for r in rows] == [c_never.pk, c_ineffective.pk, a_overdue.pk, own.pk]
    t = today(cast.rep)
    assert [(t - r.due_on).days for r in rows] == [10, 5, 3, 1]
    assert [r.planned_on for r in rows] == [None, None, tomorrow, None]
    assert rows[0].last_visit_on is None and rows[2].last_visit_on == t - timedelta(days=10)
    ahead = plan_selectors.due_for_visit(actor=cast.rep, within_days=14)
    assert b_fresh.pk in {r.pk for r in ahead}


def test_the_due_list_costs_the_same_few_queries_whatever_the_number_of_customers(cast, django_assert_max_num_queries):
    def page():
        actor = type(cast.rep).objects.select_related("org", "department").get(pk=cast.rep.pk)
        qs = plan_selectors.due_for_visit(actor=actor)
        return keyset_page(qs, ordering=plan_selectors.DUE_ORDERING, cursor=None, limit=50).items

    for n in range(3):
        visited(cast.rep, level_customer(cast.rep, "A", created_days_ago=100), 20 + n)
    with django_assert_max_num_queries(2):
        assert len(page()) == 3
    for n in range(25):
        visited(cast.rep, level_customer(cast.rep, "A", created_days_ago=100), 20 + n)
    with django_assert_max_num_queries(2):
        assert len(page()) == 28


def test_the_due_list_pages_by_cursor(cast):
    for n in range(5):
        level_customer(cast.rep, "C", created_days_ago=40 + n)
    qs = plan_selectors.due_for_visit(actor=cast.rep)
    first = keyset_page(qs, ordering=plan_selectors.DUE_ORDERING, cursor=None, limit=3)
    second = keyset_page(qs, ordering=plan_selectors.DUE_ORDERING, cursor=first.next_cursor, limit=3)
    ids = [c.pk for c in first.items + second.items]
    assert len(ids) == len(set(ids)) == 5 and second.next_cursor is None


def test_a_manager_reads_a_visible_reps_list_and_a_rep_no_one_elses(cast):
    shop = level_customer(cast.rep, "C", created_days_ago=40)
    assert [c.pk for c in plan_selectors.due_for_visit(actor=cast.manager, employee_id=cast.rep.pk)] == [shop.pk]
    for actor, employee in ((cast.rep2, cast.rep), (cast.other_branch_rep, cast.rep), (cast.outsider, cast.rep)):
        with pytest.raises(ServiceError) as excinfo:
            plan_selectors.due_for_visit(actor=actor, employee_id=employee.pk)
        assert fields_of(excinfo) == {"employee_id"}
    with pytest.raises(ServiceError) as excinfo:
        plan_selectors.due_for_visit(actor=cast.rep, within_days=-1)
    assert fields_of(excinfo) == {"within_days"}


def test_an_admin_sets_the_frequencies_and_absurd_ones_are_refused_on_their_field(cast):
    assert plan_services.visit_frequencies_set(actor=cast.admin, every_days={"A": 3, "D": 90}) == {
        "A": 3, "B": 14, "C": 30, "D": 90,
    }  # fmt: skip
    for bad in (-1, 0, 366, 10**9, "7", 2.5, True):
        with pytest.raises(ServiceError) as excinfo:
            plan_services.visit_frequencies_set(actor=cast.admin, every_days={"B": 1, "C": bad})
        assert fields_of(excinfo) == {"C"}
    with pytest.raises(ServiceError) as excinfo:
        plan_services.visit_frequencies_set(actor=cast.admin, every_days={"E": 3})
    assert fields_of(excinfo) == {"E"}
    with pytest.raises(ServiceError) as excinfo:
        plan_services.visit_frequencies_set(actor=cast.manager, every_days={"A": 1})
    assert excinfo.value.code == ErrorCode.FORBIDDEN
    assert dict(VisitFrequency.objects.filter(org=cast.org).values_list("level", "every_days")) == {
        "A": 3, "B": 14, "C": 30, "D": 90,
    }  # fmt: skip


def test_a_customer_gets_its_own_frequency_and_follows_its_level_again(cast):
    shop = customer(cast.rep)
    row = plan_services.customer_visit_frequency_set(actor=cast.admin, customer_id=shop.pk, every_days=None)
    assert row is not None and row.every_days is None  # no regular visits for this one
    plan_services.customer_visit_frequency_set(actor=cast.admin, customer_id=shop.pk, every_days=10)
    assert CustomerVisitFrequency.objects.get(customer=shop).every_days == 10
    with pytest.raises(ServiceError) as excinfo:
        plan_services.customer_visit_frequency_set(actor=cast.admin, customer_id=shop.pk, every_days=-4)
    assert fields_of(excinfo) == {"every_days"}
    plan_services.customer_visit_frequency_set(
        actor=cast.admin, customer_id=shop.pk, every_days=None, follow_level=True
    )
    assert not CustomerVisitFrequency.objects.exists()
    with pytest.raises(ServiceError):
        plan_services.customer_visit_frequency_set(actor=cast.outsider, customer_id=shop.pk, every_days=3)


# --- a day's route --------------------------------------------------------------------------------------------

WEST = (Decimal("31.230000"), Decimal("121.400000"))
MIDDLE = (Decimal("31.230000"), Decimal("121.450000"))
EAST = (Decimal("31.230000"), Decimal("121.500000"))


def plan_day(rep):
    """Three visits tomorrow, planned in a zigzag: east, west, middle (and one customer with no location)."""
    day = today(rep) + timedelta(days=1)
    shops = [located_customer(rep, at) for at in (EAST, WEST, MIDDLE)]
    nowhere = customer(rep)
    items = [
        plan(rep, kind=ItemKind.VISIT, customer_id=s.pk, day=day, start_time=time(9 + n))
        for n, s in enumerate([*shops, nowhere])
    ]
    return day, items


def test_the_days_route_goes_from_the_first_visit_without_zigzag_and_the_rep_applies_it(cast):
    day, (east, west, middle, nowhere) = plan_day(cast.rep)
    route = plan_selectors.day_route(actor=cast.rep, employee_id=None, day=day)
    assert route.item_ids == [east.pk, middle.pk, west.pk, nowhere.pk]
    # east→middle→west (2 steps of 0.05°) vs as planned east→west→middle (0.1° + 0.05°)
    assert route.after_m == pytest.approx(route.before_m * 2 / 3, rel=0.01)
    assert [s.located for s in route.stops] == [True, True, True, False]
    from_west = plan_selectors.day_route(actor=cast.rep, employee_id=None, day=day, latitude=31.23, longitude=121.39)
    assert from_west.item_ids == [west.pk, middle.pk, east.pk, nowhere.pk]

    plan_services.route_apply(actor=cast.rep, day=day, item_ids=from_west.item_ids, start_time=time(8, 30))
    times = dict(ScheduleItem.objects.values_list("pk", "start_time"))
    assert [times[pk] for pk in from_west.item_ids] == [time(8, 30), time(9, 15), time(10, 0), time(10, 45)]
    assert ScheduleItem.objects.get(pk=nowhere.pk).end_time == time(11, 30)


def test_a_manager_sees_a_reps_route_and_no_one_sees_outside_scope(cast):
    day, _items = plan_day(cast.rep)
    assert len(plan_selectors.day_route(actor=cast.manager, employee_id=cast.rep.pk, day=day).stops) == 4
    for actor in (cast.rep2, cast.other_branch_rep, cast.outsider):
        with pytest.raises(ServiceError) as excinfo:
            plan_selectors.day_route(actor=actor, employee_id=cast.rep.pk, day=day)
        assert fields_of(excinfo) == {"employee_id"}


@pytest.mark.parametrize(
    ("kwargs", "bad"),
    [
        ({"day": "tomorrow"}, "day"),
        ({"latitude": 91, "longitude": 0}, "latitude"),
        ({"latitude": 31.2}, "longitude"),
    ],
)
def test_bad_route_requests_are_field_errors(cast, kwargs, bad):
    kwargs.setdefault("day", today(cast.rep))
    with pytest.raises(ServiceError) as excinfo:
        plan_selectors.day_route(actor=cast.rep, employee_id=None, **kwargs)
    assert fields_of(excinfo) == {bad}


def test_a_day_in_an_absurd_year_is_a_field_error(cast):
    with pytest.raises(ServiceError) as excinfo:
        plan_selectors.day_route(actor=cast.rep, employee_id=None, day=today(cast.rep).replace(year=9999))
    assert fields_of(excinfo) == {"day"}


def test_applying_an_order_checks_it_names_the_days_visits_and_writes_nothing_otherwise(cast):
    day, items = plan_day(cast.rep)
    ids = [i.pk for i in items]
    for kwargs, bad in (
        ({"item_ids": ids[:2]}, "item_ids"),
        ({"item_ids": [*ids, ids[0]]}, "item_ids"),
        ({"item_ids": ids, "minutes_each": 400}, "minutes_each"),
        ({"item_ids": ids, "minutes_each": -5}, "minutes_each"),
        ({"item_ids": ids, "start_time": "nine"}, "start_time"),
    ):
        with pytest.raises(ServiceError) as excinfo:
            plan_services.route_apply(actor=cast.rep, day=day, **kwargs)
        assert bad in fields_of(excinfo)
    with pytest.raises(ServiceError) as excinfo:
        plan_services.route_apply(actor=cast.rep2, employee_id=cast.rep.pk, day=day, item_ids=ids)
    assert fields_of(excinfo) == {"employee_id"}
    assert [i.start_time for i in ScheduleItem.objects.order_by("pk")] == [time(9), time(10), time(11), time(12)]
    plan_services.route_apply(actor=cast.manager, employee_id=cast.rep.pk, day=day, item_ids=ids[::-1])
    assert ScheduleItem.objects.get(pk=ids[-1]).start_time == time(9)


# --- the visit report's next visit ----------------------------------------------------------------------------


def file_visit_report(rep, shop, next_visit_on, client_id=None):
    values = {**VISIT_VALUES, "next_visit_on": next_visit_on.isoformat() if next_visit_on else None}
    record, _created = activity_services.record_create(
        actor=rep, client_id=client_id or uuid.uuid4(), template_id=template(rep, Purpose.VISIT).pk,
        customer_id=shop.pk, values={k: v for k, v in values.items() if v is not None},
    )  # fmt: skip
    return record


def test_the_visit_reports_next_visit_plans_a_visit_and_an_edit_moves_it(cast):
    shop = customer(cast.rep)
    later = today(cast.rep) + timedelta(days=3)
    key = uuid.uuid4()
    record = file_visit_report(cast.rep, shop, later, client_id=key)
    file_visit_report(cast.rep, shop, later, client_id=key)  # a replay
    item = ScheduleItem.objects.get()
    assert (item.employee, item.customer, item.day, item.kind, item.state) == (
        cast.rep, shop, later, ItemKind.VISIT, ItemState.PLANNED,
    )  # fmt: skip
    moved = today(cast.rep) + timedelta(days=5)
    activity_services.record_update(actor=cast.rep, record_id=record.pk, values={"next_visit_on": moved.isoformat()})
    item.refresh_from_db()
    assert ScheduleItem.objects.count() == 1 and item.day == moved
    activity_services.record_update(actor=cast.rep, record_id=record.pk, values={"next_visit_on": None})
    item.refresh_from_db()
    assert item.state == ItemState.CANCELLED


def test_a_next_visit_in_the_past_or_absent_plans_nothing_and_the_report_is_filed(cast):
    shop = customer(cast.rep)
    file_visit_report(cast.rep, shop, today(cast.rep) - timedelta(days=2))
    file_visit_report(cast.rep, shop, None)
    assert not ScheduleItem.objects.exists()
