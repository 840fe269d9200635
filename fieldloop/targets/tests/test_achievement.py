"""Achievement against a hand computation: March 2026 (fiscal year 2026 from January) in the cast's company.

Orders (confirmed, fed to the rollup as the order services do):
- 3 March: 1,000.01 split 60/40 between Rex and Ria (Shanghai): Rex 600.01, Ria 400.00 (60 % rounded half up).
- 2 March: 300.00 for Ria, signed while she was in Beijing (credited there; she is in Shanghai now).
- 10 March: 500.00 for Ben (Beijing).
- 20 February: 200.00 for Rex (M2, not M3).
- a cancelled March order for Rex: never in the rollup, never in his list.

Working days: Monday to Saturday (the default), 9 March a public holiday, Sunday 15 March a make-up workday:
March has 31 - 5 Sundays - 1 holiday + 1 make-up = 26; by Monday 16 March (today) 13 have passed: 50 %.

Totals in March: Shanghai 1,000.01, Beijing 800.00, Sales = company 1,800.01.
Targets (M3): Shanghai 2,000 (sprint 2,500), Beijing 2,500, Rex 1,000, Ria 400.
Shanghai 50.0 % (pace 1.00: on track), sprint 40.0 % (0.80: at risk); Beijing 32.0 % (0.64: behind);
Rex 60.0 % (1.20: ahead); Ria in Shanghai 400.00 = 100.0 % (ahead), as a person 700.00 = 175.0 %.
"""

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from fieldloop.activities.tests.helpers import customer
from fieldloop.attendance.models import CalendarDay, DayKind
from fieldloop.core.errors import ServiceError
from fieldloop.notifications.models import Notification
from fieldloop.org.models import Employee
from fieldloop.org.tests.factories import DepartmentFactory, EmployeeFactory
from fieldloop.sales.models import Order, OrderCredit, OrderKind, OrderStatus
from fieldloop.sales.rollup import order_deltas, order_shares, sales_day_add
from fieldloop.targets import achievement as ach
from fieldloop.targets.achievement_services import KIND_AT_RISK, all_orgs_remind_targets_at_risk
from fieldloop.targets.models import Metric, PlanStatus, TargetPlan, TargetSettings, TargetValue
from fieldloop.targets.periods import period_bounds

TODAY = date(2026, 3, 16)
D = Decimal


def an_order(cast, *, total, signed_on, credits, status=OrderStatus.CONFIRMED, kind=OrderKind.REPEAT) -> Order:
    order = Order.objects.create(
        org=cast.org, client_id=uuid.uuid4(), number=f"SO-{uuid.uuid4().hex[:8]}", customer=customer(cast.rep),
        owner=credits[0][0], created_by=credits[0][0], status=status, kind=kind, signed_on=signed_on,
        currency="CNY", total=D(total),
    )  # fmt: skip
    for employee, department, percent in credits:
        OrderCredit.objects.create(
            org=cast.org, order=order, employee=employee, department=department, share_percent=D(percent)
        )
    if status == OrderStatus.CONFIRMED:
        sales_day_add(
            cast.org.pk,
            order_deltas(signed_on=signed_on, kind=kind, total=order.total, shares=order_shares(order)),
        )
    return order


def value(plan, node, period, target, sprint=None) -> TargetValue:
    field = "department" if node.__class__.__name__ == "Department" else "employee"
    return TargetValue.objects.create(
        org=plan.org, plan=plan, period=period, target=D(target), sprint=None if sprint is None else D(sprint),
        **{field: node},
    )  # fmt: skip


@pytest.fixture
def march(cast):
    CalendarDay.objects.create(org=cast.org, day=date(2026, 3, 9), kind=DayKind.HOLIDAY, name="假日")
    CalendarDay.objects.create(org=cast.org, day=date(2026, 3, 15), kind=DayKind.WORKDAY, as_weekday=0)
    plan = TargetPlan.objects.create(
        org=cast.org, name="2026 销售额", metric=Metric.SALES_AMOUNT, fiscal_year=2026, start_month=1, tiers=2,
        status=PlanStatus.LOCKED, created_by=cast.admin,
    )  # fmt: skip
    split = an_order(
        cast, total="1000.01", signed_on=date(2026, 3, 3), kind=OrderKind.NEW,
        credits=[(cast.rep, cast.shanghai, "60"), (cast.rep2, cast.shanghai, "40")],
    )  # fmt: skip
    an_order(cast, total="300", signed_on=date(2026, 3, 2), credits=[(cast.rep2, cast.beijing, "100")])
    an_order(cast, total="500", signed_on=date(2026, 3, 10), credits=[(cast.other_branch_rep, cast.beijing, "100")])
    an_order(cast, total="200", signed_on=date(2026, 2, 20), credits=[(cast.rep, cast.shanghai, "100")])
    an_order(
        cast, total="999", signed_on=date(2026, 3, 11), status=OrderStatus.CANCELLED,
        credits=[(cast.rep, cast.shanghai, "100")],
    )  # fmt: skip
    value(plan, cast.root, "M3", "4500")
    value(plan, cast.root, "Y", "54000")
    value(plan, cast.shanghai, "M3", "2000", sprint="2500")
    value(plan, cast.beijing, "M3", "2500")
    value(plan, cast.rep, "M3", "1000")
    value(plan, cast.rep, "M2", "150")
    value(plan, cast.rep2, "M3", "400")
    return plan, split


def test_period_bounds_follow_the_fiscal_year_start():
    assert period_bounds((2026, 1), "M3") == (date(2026, 3, 1), date(2026, 3, 31))
    assert period_bounds((2026, 4), "Y") == (date(2026, 4, 1), date(2027, 3, 31))
    assert period_bounds((2026, 4), "Q4") == (date(2027, 1, 1), date(2027, 3, 31))
    assert period_bounds((2026, 11), "M3") == (date(2027, 1, 1), date(2027, 1, 31))
    assert period_bounds((2024, 2), "M1") == (date(2024, 2, 1), date(2024, 2, 29))


def test_status_thresholds_compare_attainment_with_the_elapsed_share():
    half = D("0.5")
    assert ach.status_of(D("55.0"), half) == ach.AHEAD  # pace 1.10
    assert ach.status_of(D("54.9"), half) == ach.ON_TRACK
    assert ach.status_of(D("47.5"), half) == ach.ON_TRACK  # 0.95
    assert ach.status_of(D("47.4"), half) == ach.AT_RISK
    assert ach.status_of(D("40.0"), half) == ach.AT_RISK  # 0.80
    assert ach.status_of(D("39.9"), half) == ach.BEHIND
    assert ach.status_of(D("0"), D("0")) == ach.ON_TRACK  # nothing expected yet
    assert ach.status_of(None, half) is None  # no target
    assert ach.attainment_of(D("5"), D("0")) is None


def test_the_company_and_its_branches_against_the_hand_computation(cast, march):
    plan, _ = march
    result = ach.achievement(actor=cast.admin, plan=plan, period="M3", today=TODAY)
    assert (result.working_days, result.working_days_elapsed, result.elapsed) == (26, 13, D("0.5"))
    assert result.node.id == cast.root.pk
    assert result.node.actual == D("1800.01")
    assert result.node.attainment["target"] == D("40.0")  # 1,800.01 / 4,500
    assert [(c.kind, c.name, c.actual) for c in result.children] == [
        ("department", "销售部", D("1800.01")),
        ("employee", "Ada", D("0")),
    ]
    sales = ach.achievement(actor=cast.admin, plan=plan, period="M3", department_id=cast.sales.pk, today=TODAY)
    branches = {c.id: c for c in sales.children if c.kind == "department"}
    shanghai, beijing = branches[cast.shanghai.pk], branches[cast.beijing.pk]
    assert shanghai.actual == D("1000.01")
    assert (shanghai.attainment, shanghai.status) == (
        {"target": D("50.0"), "sprint": D("40.0")},
        {"target": ach.ON_TRACK, "sprint": ach.AT_RISK},
    )
    assert beijing.actual == D("800.00")
    assert (beijing.attainment["target"], beijing.status["target"]) == (D("32.0"), ach.BEHIND)
    assert sum((c.actual for c in sales.children), D(0)) == sales.node.actual  # split credit never doubled


def test_a_moved_employee_counts_where_the_order_was_signed(cast, march):
    plan, _ = march
    beijing = ach.achievement(actor=cast.admin, plan=plan, period="M3", department_id=cast.beijing.pk, today=TODAY)
    people = {c.id: c for c in beijing.children}
    assert people[cast.other_branch_rep.pk].actual == D("500.00")
    assert (people[cast.rep2.pk].actual, people[cast.rep2.pk].note) == (D("300.00"), "moved")
    shanghai = ach.achievement(actor=cast.admin, plan=plan, period="M3", department_id=cast.shanghai.pk, today=TODAY)
    people = {c.id: c for c in shanghai.children}
    assert people[cast.rep.pk].actual == D("600.01")
    assert (people[cast.rep.pk].attainment["target"], people[cast.rep.pk].status["target"]) == (D("60.0"), ach.AHEAD)
    assert (people[cast.rep2.pk].actual, people[cast.rep2.pk].attainment["target"]) == (D("400.00"), D("100.0"))
    ria = ach.achievement(actor=cast.admin, plan=plan, period="M3", employee_id=cast.rep2.pk, today=TODAY)
    assert (ria.node.actual, ria.node.attainment["target"]) == (D("700.00"), D("175.0"))


def test_periods_of_the_year_add_up(cast, march):
    plan, _ = march
    rex = ach.achievement(actor=cast.admin, plan=plan, period="M3", employee_id=cast.rep.pk, today=TODAY)
    by = {p.period: p for p in rex.periods}
    assert (by["M2"].figure.actual, by["M3"].figure.actual, by["M4"].figure.actual) == (D("200"), D("600.01"), 0)
    assert by["Q1"].figure.actual == by["Y"].figure.actual == D("800.01")
    assert by["M2"].elapsed == 1 and by["M4"].elapsed == 0
    assert (by["M2"].figure.attainment["target"], by["M2"].figure.status["target"]) == (D("133.3"), ach.AHEAD)
    company = ach.achievement(actor=cast.admin, plan=plan, period="Y", today=TODAY)
    assert {p.period: p.figure.actual for p in company.periods}["Y"] == D("2000.01")


def test_the_orders_behind_a_persons_number(cast, march):
    plan, split = march
    lines, count = ach.credited_orders(actor=cast.admin, plan=plan, employee_id=cast.rep2.pk, period="M3")
    assert count == 2
    assert [(line.day, line.credited, line.share_percent, line.department) for line in lines] == [
        (date(2026, 3, 2), D("300.00"), D("100.00"), "北京分公司"),
        (date(2026, 3, 3), D("400.00"), D("40.00"), "上海分公司"),
    ]
    rex, _ = ach.credited_orders(actor=cast.admin, plan=plan, employee_id=cast.rep.pk, period="M3")
    assert [line.order_id for line in rex] == [split.pk]  # the cancelled order is not behind the number


def test_visibility_managers_their_subtree_reps_themselves(cast, march):
    plan, _ = march
    mine = ach.achievement(actor=cast.manager, plan=plan, period="M3", today=TODAY)
    assert (mine.node.kind, mine.node.id, mine.breadcrumb) == ("department", cast.shanghai.pk, [])
    with pytest.raises(ServiceError):
        ach.achievement(actor=cast.manager, plan=plan, period="M3", department_id=cast.beijing.pk, today=TODAY)
    with pytest.raises(ServiceError):
        ach.achievement(actor=cast.manager, plan=plan, period="M3", employee_id=cast.other_branch_rep.pk)
    own = ach.achievement(actor=cast.rep, plan=plan, period="M3", today=TODAY)
    assert (own.node.kind, own.node.id, own.node.actual, own.children) == ("employee", cast.rep.pk, D("600.01"), [])
    with pytest.raises(ServiceError):
        ach.achievement(actor=cast.rep, plan=plan, period="M3", employee_id=cast.rep2.pk, today=TODAY)
    with pytest.raises(ServiceError):
        ach.credited_orders(actor=cast.rep, plan=plan, employee_id=cast.rep2.pk, period="M3")
    with pytest.raises(ServiceError):
        ach.plan_get(actor=cast.outsider, plan_id=plan.pk)


def test_a_department_and_all_its_children_in_constant_queries(cast, march, django_assert_max_num_queries):
    plan, _ = march
    admin = Employee.objects.select_related("org", "department").get(pk=cast.admin.pk)
    with django_assert_max_num_queries(8):
        before = ach.achievement(actor=admin, plan=plan, period="M3", department_id=cast.sales.pk, today=TODAY)
    for n in range(15):  # more teams, people and orders: the same number of queries
        team = DepartmentFactory.create(org=cast.org, name=f"组 {n}", parent=cast.sales)
        rep = EmployeeFactory.create(department=team, name=f"员工 {n}")
        EmployeeFactory.create(department=cast.sales, name=f"销售 {n}")
        an_order(cast, total="10", signed_on=date(2026, 3, 4), credits=[(rep, team, "100")])
    with django_assert_max_num_queries(8):
        after = ach.achievement(actor=admin, plan=plan, period="M3", department_id=cast.sales.pk, today=TODAY)
    assert len(after.children) == len(before.children) + 30  # 15 teams and 15 people more, each with its figure
    assert after.node.actual == before.node.actual + 150  # their 15 orders of 10 counted in the department


def test_the_page_drills_down_to_the_orders(cast, march, django_assert_max_num_queries):
    plan, split = march
    client = cast.client_for(cast.director)
    page = client.get(f"/targets/achievement/?plan={plan.pk}&period=M3&department={cast.shanghai.pk}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="node-actual">1,000.01 <span class="fs-5 text-secondary">CNY' in html
    assert re.search(r'data-testid="elapsed">[^<]*26[^<]*26[^<]* · 100 %', html)  # March 2026 is over: 50 % is behind
    assert '<span class="badge bg-red-lt" data-testid="status" data-status="behind">' in html
    person = client.get(f"/targets/achievement/?plan={plan.pk}&period=M3&employee={cast.rep.pk}")
    assert person.status_code == 200
    assert f'data-order-id="{split.pk}"' in person.content.decode()
    assert "600.01" in person.content.decode()
    with django_assert_max_num_queries(20):
        client.get(f"/targets/achievement/?plan={plan.pk}&period=M3&department={cast.sales.pk}")
    manager = cast.client_for(cast.manager)
    assert manager.get(f"/targets/achievement/?plan={plan.pk}&department={cast.beijing.pk}").status_code == 404
    assert manager.get("/targets/achievement/?department=abc").status_code == 404
    assert manager.get(f"/targets/achievement/?plan={plan.pk}&period=Z9&tier=nope").status_code == 200


def test_the_api_gives_every_tier_and_the_children(cast, march):
    plan, _ = march
    client = cast.client_for(cast.director)
    body = client.get(f"/api/v1/targets/plans/{plan.pk}/achievement?period=M3&department={cast.sales.pk}").json()
    assert body["node"]["actual"] == "1800.01"
    assert body["tiers"] == ["target", "sprint"]
    shanghai = next(c for c in body["children"] if c["id"] == cast.shanghai.pk)
    assert shanghai["targets"] == {"target": "2000.00", "sprint": "2500.00"}
    assert len(body["periods"]) == 17
    bad = client.get(f"/api/v1/targets/plans/{plan.pk}/achievement?period=M13")
    assert bad.status_code == 400 and "period" in bad.json()["fields"]
    outsider = cast.client_for(cast.outsider)
    assert outsider.get(f"/api/v1/targets/plans/{plan.pk}/achievement").status_code == 404


def test_managers_are_reminded_once_a_day_on_the_chosen_weekdays(cast, march):
    TargetSettings.objects.create(org=cast.org, reminder_weekdays=[0])  # Mondays
    monday = datetime(2026, 3, 16, 9, tzinfo=ZoneInfo(cast.org.time_zone))
    tuesday = datetime(2026, 3, 17, 9, tzinfo=ZoneInfo(cast.org.time_zone))
    TargetValue.objects.filter(employee=cast.rep, period="M3").update(target=D("2000"))  # 30 %: behind
    assert all_orgs_remind_targets_at_risk(tuesday) == 0
    all_orgs_remind_targets_at_risk(monday)
    all_orgs_remind_targets_at_risk(monday)  # a second run the same day sends nothing new
    notices = Notification.objects.filter(org=cast.org, kind=KIND_AT_RISK)
    # Rex is behind; Ria (175 %) is not. His manager Mia manages Shanghai; Dora manages Sales; Ada the company.
    assert sorted(n.recipient_id for n in notices) == sorted([cast.manager.pk, cast.director.pk, cast.admin.pk])
    assert all(n.params["names"] == "Rex" and n.params["n"] == 1 for n in notices)
