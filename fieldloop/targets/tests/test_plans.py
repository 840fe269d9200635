"""Target plans through the API and the services: create, values in bulk, lock, revisions, visibility."""

import json
from decimal import Decimal

import pytest

from fieldloop.org.tests.factories import EmployeeFactory
from fieldloop.targets import plan_services
from fieldloop.targets.models import PlanStatus, TargetPlan, TargetRevision, TargetValue

from .helpers import a_plan, consistent_values, key, locked_plan, node_values

pytestmark = pytest.mark.django_db


def put(client, url, body):
    return client.put(url, json.dumps(body), content_type="application/json")


def post(client, url, body, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def test_an_admin_creates_a_plan_once_in_the_organizations_fiscal_year(cast):
    admin = cast.client_for(cast.admin)
    assert (
        put(admin, "/api/v1/target-settings", {"fiscal_year_start_month": 4, "reminder_weekdays": [0, 3]}).status_code
        == 200
    )
    body = {"name": "2026 销售额", "metric": "sales_amount", "fiscal_year": 2026, "tiers": 2}
    headers = key()
    first = post(admin, "/api/v1/target-plans", body, **headers)
    again = post(admin, "/api/v1/target-plans", body, **headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert TargetPlan.objects.filter(org=cast.org).count() == 1
    plan = first.json()
    assert (plan["start_month"], plan["status"], plan["tiers"]) == (4, "draft", 2)
    assert plan["periods"][0] == {"period": "Y", "first_day": "2026-04-01", "last_day": "2027-03-31"}


def test_a_plan_with_bad_fields_is_refused_field_by_field(cast):
    admin = cast.client_for(cast.admin)
    r = post(admin, "/api/v1/target-plans", {"name": " ", "metric": "profit", "fiscal_year": 1900, "tiers": 4}, **key())
    assert r.status_code == 400
    assert set(r.json()["fields"]) == {"name", "metric", "fiscal_year", "tiers"}


def test_a_rep_may_read_plans_but_not_create_or_set_them(cast):
    plan = a_plan(cast)
    rex = cast.client_for(cast.rep)
    assert rex.get("/api/v1/target-plans").json()[0]["id"] == plan.pk
    assert (
        post(rex, "/api/v1/target-plans", {"name": "x", "metric": "calls", "fiscal_year": 2026}, **key()).status_code
        == 403
    )
    r = put(rex, f"/api/v1/target-plans/{plan.pk}/values", {"values": node_values("employee_id", cast.rep.pk, 1)})
    assert r.status_code == 403
    assert not TargetValue.objects.exists()


def test_many_values_are_set_in_a_few_statements(cast, django_assert_max_num_queries):
    plan = a_plan(cast)
    admin = cast.client_for(cast.admin)
    values = consistent_values(cast)
    with django_assert_max_num_queries(16):  # session, plan, nodes, tree (3), explanations, delete, insert, ...
        r = put(admin, f"/api/v1/target-plans/{plan.pk}/values", {"values": values})
    assert r.json() == {"changed": len(values)}
    assert TargetValue.objects.filter(plan=plan).count() == len(values)
    # the same again changes nothing
    assert put(admin, f"/api/v1/target-plans/{plan.pk}/values", {"values": values}).json() == {"changed": 0}


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"target": "abc"}, "values.1.target"),
        ({"target": -5}, "values.1.target"),
        ({"target": "NaN"}, "values.1.target"),
        ({"period": "Q5", "target": 1}, "values.1.period"),
        ({"sprint": 3}, "values.1.sprint"),  # a one-tier plan has no sprint
    ],
)
def test_a_bad_value_is_a_field_error_and_nothing_is_written(cast, item, field):
    plan = a_plan(cast)
    admin = cast.client_for(cast.admin)
    good = {"employee_id": cast.rep.pk, "period": "M1", "target": 10}
    bad = {"employee_id": cast.rep2.pk, "period": "M1", **item}
    r = put(admin, f"/api/v1/target-plans/{plan.pk}/values", {"values": [good, bad]})
    assert r.status_code == 400, r.content
    assert field in r.json()["fields"]
    assert not TargetValue.objects.exists()


def test_a_node_of_another_organization_is_refused(cast):
    plan = a_plan(cast)
    admin = cast.client_for(cast.admin)
    r = put(admin, f"/api/v1/target-plans/{plan.pk}/values",
            {"values": [{"employee_id": cast.outsider.pk, "period": "Y", "target": 1}]})  # fmt: skip
    assert r.status_code == 400
    assert "values.0.employee_id" in r.json()["fields"]
    assert cast.client_for(cast.outsider).get(f"/api/v1/target-plans/{plan.pk}").status_code == 404


def test_an_inconsistent_plan_is_not_locked_and_the_places_are_named(cast):
    plan = a_plan(cast)
    values = consistent_values(cast)
    values = [v for v in values if not (v.get("employee_id") == cast.rep.pk and v["period"] == "M1")]
    values.append({"employee_id": cast.rep.pk, "period": "M1", "target": 7})  # 3 short in M1, so Q1 and 上海 too
    plan_services.plan_values_set(actor=cast.admin, plan_id=plan.pk, values=values)
    admin = cast.client_for(cast.admin)
    r = post(admin, f"/api/v1/target-plans/{plan.pk}/lock", {})
    assert r.status_code == 400
    lines = r.json()["fields"]["plan"]
    assert any(line.startswith("Rex · Q1 · 目标") for line in lines)  # Q1 30, its months 27
    assert any(line.startswith("上海分公司 · M1 · 目标") for line in lines)  # 20, its members 17
    assert TargetPlan.objects.get(pk=plan.pk).status == PlanStatus.DRAFT
    found = admin.get(f"/api/v1/target-plans/{plan.pk}/problems").json()
    assert not found["adds_up"] and {p["kind"] for p in found["items"]} == {"tree", "time"}


def test_a_department_may_exceed_its_members_only_when_the_plan_allows_it(cast):
    for allow in (False, True):
        plan = plan_services.plan_create(actor=cast.admin, name=f"surplus {allow}", metric="calls", fiscal_year=2026,
                                         allow_department_surplus=allow)  # fmt: skip
        values = [v for v in consistent_values(cast) if v.get("department_id") != cast.root.pk]
        values += node_values("department_id", cast.root.pk, 30)  # 30 a month over members' 25
        plan_services.plan_values_set(actor=cast.admin, plan_id=plan.pk, values=values)
        r = post(cast.client_for(cast.admin), f"/api/v1/target-plans/{plan.pk}/lock", {})
        assert r.status_code == (200 if allow else 400)


def test_a_locked_plan_changes_only_through_a_revision_that_adds_up(cast):
    plan = locked_plan(cast)
    admin = cast.client_for(cast.admin)
    url = f"/api/v1/target-plans/{plan.pk}/values"
    # Rex hands 4 of May to Ria: months, Q2 and the years move together, 上海 unchanged
    move = [
        {"employee_id": cast.rep.pk, "period": "M5", "target": 6},
        {"employee_id": cast.rep.pk, "period": "Q2", "target": 26},
        {"employee_id": cast.rep.pk, "period": "Y", "target": 116},
        {"employee_id": cast.rep2.pk, "period": "M5", "target": 14},
        {"employee_id": cast.rep2.pk, "period": "Q2", "target": 34},
        {"employee_id": cast.rep2.pk, "period": "Y", "target": 124},
    ]
    no_reason = put(admin, url, {"values": move})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["fields"]
    half = put(admin, url, {"values": move[:3], "reason": "调整"})
    assert half.status_code == 400 and "values" in half.json()["fields"]  # 上海 would no longer add up
    assert not TargetRevision.objects.exists()
    ok = put(admin, url, {"values": move, "reason": "Rex 五月休假"})
    assert ok.json() == {"changed": 6}
    revisions = admin.get(f"/api/v1/target-plans/{plan.pk}/revisions").json()
    assert len(revisions) == 6
    may = next(r for r in revisions if r["employee_id"] == cast.rep.pk and r["period"] == "M5")
    assert (Decimal(may["old_value"]), Decimal(may["new_value"]), may["reason"], may["author"]["name"]) == (
        Decimal(10),
        Decimal(6),
        "Rex 五月休假",
        "Ada",
    )
    assert post(admin, f"/api/v1/target-plans/{plan.pk}/suggestions/accept", {"scale": 1}).status_code == 400


def test_a_rep_sees_their_own_values_and_their_department_only(cast):
    plan = locked_plan(cast)
    items = cast.client_for(cast.rep).get(f"/api/v1/target-plans/{plan.pk}/values").json()["items"]
    names = {i["name"] for i in items}
    assert names == {"上海分公司", "Rex"}
    mia = {
        i["name"] for i in cast.client_for(cast.manager).get(f"/api/v1/target-plans/{plan.pk}/values").json()["items"]
    }
    assert {"上海分公司", "Mia", "Rex", "Ria"} <= mia and "Ben" not in mia and "北京分公司" not in mia


def test_spreads_split_down_the_tree_and_over_the_months(cast):
    plan = a_plan(cast)
    plan_services.plan_values_set(actor=cast.admin, plan_id=plan.pk,
                                  values=[{"department_id": cast.root.pk, "period": "Y", "target": 1200}])  # fmt: skip
    # 华东机械's children: 销售部 and Ada; 销售部's: 上海, 北京 and Dora; 上海's: Mia, Rex, Ria
    plan_services.plan_spread_down(actor=cast.admin, plan_id=plan.pk, node=f"d{cast.root.pk}", period="Y")
    year = dict(
        TargetValue.objects.filter(plan=plan, period="Y", department__isnull=False).values_list(
            "department__name", "target"
        )
    )
    assert year == {"华东机械": 1200, "销售部": 600, "上海分公司": 200, "北京分公司": 200}
    assert TargetValue.objects.get(plan=plan, period="Y", employee=cast.rep).target == Decimal("66.67")
    plan_services.plan_spread_time(actor=cast.admin, plan_id=plan.pk, node=f"d{cast.root.pk}", method="equal")
    rex = dict(TargetValue.objects.filter(plan=plan, employee=cast.rep).values_list("period", "target"))
    assert sum(rex[f"M{m}"] for m in range(1, 13)) == rex["Y"] == Decimal("66.67")
    assert rex["Q1"] == rex["M1"] + rex["M2"] + rex["M3"]
    r = post(cast.client_for(cast.admin), f"/api/v1/target-plans/{plan.pk}/lock", {})
    assert r.status_code == 200, r.json()


def test_a_newcomer_gets_the_role_default_for_the_months_left(cast):
    from fieldloop.targets.plan_selectors import org_today

    today = org_today(cast.admin)
    plan = locked_plan(cast, year=today.year)
    newcomer = EmployeeFactory.create(department=cast.shanghai, name="Nina", joined_on=today)
    r = post(cast.client_for(cast.admin), f"/api/v1/target-plans/{plan.pk}/newcomers",
             {"employee_id": newcomer.pk, "annual_default": 1200, "reason": "新人"}, **key())  # fmt: skip
    assert r.status_code == 200, r.content
    left = 12 - today.month + 1  # this month included
    nina = dict(TargetValue.objects.filter(plan=plan, employee=newcomer).values_list("period", "target"))
    assert nina["Y"] == Decimal(100 * left)  # 1,200 * left / 12, 100 a month
    assert nina[f"M{today.month}"] == 100
    shanghai_y = TargetValue.objects.get(plan=plan, department=cast.shanghai, period="Y").target
    assert shanghai_y == 240 + 100 * left
    assert not plan_services.problems(
        plan_services.plan_selectors.plan_tree(actor=cast.admin, plan=plan), tiers=1, allow_department_surplus=False
    )


def test_a_leavers_remaining_months_go_to_the_successor_with_the_handover(cast):
    from fieldloop.customers import handover
    from fieldloop.targets.plan_selectors import org_today, plan_tree

    today = org_today(cast.admin)
    plan = locked_plan(cast, year=today.year)
    handover.customer_handover(actor=cast.admin, from_employee_id=cast.rep.pk, successor_ids=[cast.other_branch_rep.pk])
    rex = dict(TargetValue.objects.filter(plan=plan, employee=cast.rep).values_list("period", "target"))
    ben = dict(TargetValue.objects.filter(plan=plan, employee=cast.other_branch_rep).values_list("period", "target"))
    left = 12 - today.month + 1
    assert rex[f"M{today.month}"] == 0 and rex["Y"] == 10 * (12 - left)
    assert ben[f"M{today.month}"] == 15 and ben["Y"] == 60 + 10 * left
    # the departments follow: 上海 down, 北京 up, 销售部 unchanged; the locked plan still adds up
    tree = plan_tree(actor=cast.admin, plan=plan)
    assert not plan_services.problems(tree, tiers=1, allow_department_surplus=False)
    assert TargetRevision.objects.filter(plan=plan, employee=cast.rep).exists()
