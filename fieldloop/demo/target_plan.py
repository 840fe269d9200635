"""Demo target plan (step "target_plan"): this year's sales-amount plan for the demo company, built the way a
sales director would: suggested from each node's own history (the orders of the steps before), the company scaled
+20 % and distributed by share, people without history given a rep's default, one team raised by 10 % and
re-decomposed to its reps, every node's year spread over the months by its seasonality, and locked.

It runs after the demo's orders (their daily sales rollup is the history); without orders every rep starts from
the role default and the plan still adds up and locks."""

from decimal import Decimal

from fieldloop.org.models import Employee, Role
from fieldloop.targets import plan_services
from fieldloop.targets.decomposition import Key, TreeNode
from fieldloop.targets.models import TargetValue
from fieldloop.targets.plan_selectors import plan_tree

from .context import DemoContext

SCALE = Decimal("1.2")  # the company +20 %
ROLE_DEFAULTS = {Role.REP: Decimal(360000), Role.MANAGER: Decimal(0), Role.DIRECTOR: Decimal(0)}  # a year's target
TEAM_RAISE = Decimal("1.1")  # the team the director believes in: +10 %


def build_target_plan(ctx: DemoContext) -> None:
    admin = Employee.objects.filter(org=ctx.org, role=Role.ADMIN).select_related("org", "department").order_by("pk")[0]
    plan_services.target_settings_update(actor=admin, fiscal_year_start_month=1, reminder_weekdays=[0])
    year = ctx.today.year
    plan = plan_services.plan_create(
        actor=admin, name=f"{year} 年销售额目标", metric="sales_amount", fiscal_year=year, tiers=3
    )
    plan_services.plan_suggestion_accept(
        actor=admin, plan_id=plan.pk, scale=SCALE, role_defaults={str(r): v for r, v in ROLE_DEFAULTS.items()}
    )
    # one team, chosen by the seed among the leaf teams with people, raised by 10 %: the team and every department
    # above it take the difference, then the team's year goes to its reps by their share of last year
    tree = plan_tree(actor=admin, plan=plan)
    teams = [n for n in tree.walk() if n.kind == "d" and n.children and all(c.kind == "e" for c in n.children)]
    if teams:
        team = teams[ctx.rng.randrange(len(teams))]
        old = team.values.get(("Y", "target"), Decimal(0))
        raise_by = (old * TEAM_RAISE - old).quantize(Decimal(1))
        chain: list[Key] = []
        node: TreeNode | None = team
        while node is not None:
            chain.append(node.key)
            node = node.parent
        values = [
            {("department_id" if k[0] == "d" else "employee_id"): k[1], "period": "Y",
             "target": tree.nodes[k].values.get(("Y", "target"), Decimal(0)) + raise_by}
            for k in chain
        ]  # fmt: skip
        plan_services.plan_values_set(actor=admin, plan_id=plan.pk, values=values)
        plan_services.plan_spread_down(
            actor=admin, plan_id=plan.pk, node=team.field_name, period="Y", method="share", recursive=True
        )
    # every year to its months by seasonality, along the whole tree, then lock
    for root in tree.roots:
        plan_services.plan_spread_time(
            actor=admin, plan_id=plan.pk, node=root.field_name, tier="target", method="seasonality", recursive=True
        )
    plan_services.plan_lock(actor=admin, plan_id=plan.pk)
    ctx.counts["target values"] = TargetValue.objects.filter(plan=plan).count()
