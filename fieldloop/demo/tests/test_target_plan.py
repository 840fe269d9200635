"""The demo's target plan: this year's, suggested, scaled, decomposed to every team, rep and month, and locked."""

from fieldloop.demo.company import build_demo_company
from fieldloop.org.models import Employee, EmployeeStatus
from fieldloop.targets.decomposition import problems
from fieldloop.targets.models import PlanStatus, TargetPlan, TargetValue
from fieldloop.targets.plan_selectors import plan_tree


def test_the_demo_plan_reaches_everyone_every_month_and_is_locked(db):
    ctx = build_demo_company(size="small", seed=7)
    plan = TargetPlan.objects.get(org=ctx.org)
    assert plan.status == PlanStatus.LOCKED and plan.fiscal_year == ctx.today.year and plan.tiers == 3
    people = set(Employee.objects.filter(org=ctx.org, status=EmployeeStatus.ACTIVE).values_list("pk", flat=True))
    with_months = set(TargetValue.objects.filter(plan=plan, period="M12").values_list("employee_id", flat=True))
    assert people <= with_months
    admins = Employee.objects.filter(org=ctx.org, role="admin").select_related("org", "department")
    admin = admins.order_by("pk").first()
    assert admin is not None
    tree = plan_tree(actor=admin, plan=plan)
    assert not problems(tree, tiers=plan.tiers, allow_department_surplus=plan.allow_department_surplus)
    root = tree.roots[0]
    assert root.values[("Y", "target")] > 0
    assert TargetValue.objects.filter(plan=plan, period="Y").exclude(explanation="").exists()
