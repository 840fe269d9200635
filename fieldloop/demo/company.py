"""The one demo-data generator: the demo, the tests that need volume and the benchmarks all use it.

`build_demo_company(size=..., seed=...)` builds a realistic company, deterministically for a seed:
each domain's step (`DEMO_STEPS`, in order) adds its part, taking the shared `DemoContext`. This app
sits above every other, so it names the steps directly; no app imports it.
"""

import gc
import random
from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from faker import Faker

from fieldloop.core import bulk, progress
from fieldloop.org.models import Employee, Organization, Role

from . import (
    activities,
    attendance,
    cards,
    customers,
    history,
    org,
    sales,
    schedules,
    target_plan,
    tracking,
    visit_review,
)
from .context import DEMO_ORG_NAME, SIZES, DemoContext, DemoLogin, StepRecord

# Each domain's step by name, run in this order in one transaction.
DEMO_STEPS: dict[str, Callable[[DemoContext], None]] = {
    "org": org.build_org,
    "customers": customers.build_customers,
    "work_records": activities.build_work_records,
    "visits": activities.build_visits,
    "schedules": schedules.build_schedules,
    # attendance before the trajectories: a rep's track follows their shifts, less approved leave
    "attendance": attendance.build_attendance,
    "trajectories": tracking.build_trajectories,
    "doubtful_visits": visit_review.build_doubtful_visits,
    "products": sales.build_products,
    "orders": sales.build_orders,
    # the customers' creation and update dates spread over the months the visits, records and orders above cover
    "history": history.spread_customer_dates,
    # after the visits, schedules, orders and the customers' dates: a card stores the figures of its day, orders
    # and new customers included
    "daily_cards": cards.build_daily_cards,
    # after the orders (their rollup is the plan's history): this year's plan, suggested, +20 %, decomposed, locked
    "target_plan": target_plan.build_target_plan,
}


def build_demo_company(*, size: str = "small", seed: int = 42, until: str | None = None) -> DemoContext:
    """Build the demo company; `until` (a step's name) stops after that step, for a benchmark or test
    that needs only the first domains."""
    if until is not None and until not in DEMO_STEPS:
        raise ValueError(f"unknown demo step {until!r}")
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    ctx = DemoContext(size_name=size, size=SIZES[size], rng=random.Random(seed), faker=faker)
    steps = list(DEMO_STEPS)
    steps = steps[: steps.index(until) + 1] if until is not None else steps
    # The steps hold hundreds of thousands of rows at a time and make no reference cycles: the cyclic collector,
    # which would walk them all again every few thousand allocations, is paused while they run.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with transaction.atomic(), bulk.foreign_keys_checked_once():
            _run_steps(ctx, steps)
    finally:
        if collecting:
            gc.enable()
    return ctx


def _run_steps(ctx: DemoContext, steps: list[str]) -> None:
    for number, name in enumerate(steps, start=1):
        with progress.step(f"[{number}/{len(steps)}] {name.replace('_', ' ')}") as shown:
            ctx.progress = shown
            before = dict(ctx.counts)
            DEMO_STEPS[name](ctx)
            made = {what: n - before.get(what, 0) for what, n in ctx.counts.items() if before.get(what) != n}
            shown.done = max(shown.done, sum(made.values()))
            shown.summary = ", ".join(f"{n:,} {what}" for what, n in made.items()) or "done"
            ctx.steps.append(StepRecord(name=name, seconds=shown.elapsed, made=made))


def demo_logins() -> list[DemoLogin]:
    """The logins of an existing demo company (first admin, director, manager and rep)."""
    org = Organization.objects.filter(name=DEMO_ORG_NAME).order_by("id").first()
    if org is None:
        return []
    people = Employee.objects.filter(org=org).select_related("user", "department").order_by("id")
    chosen = [people.filter(role=role).first() for role in (Role.ADMIN, Role.DIRECTOR, Role.MANAGER, Role.REP)]
    # A second branch's manager and one of their reps, so that what each manager sees can be compared.
    rep = chosen[3]
    if rep is not None:
        beside = people.filter(
            role=Role.MANAGER, department__manager_id=F("id"), department__parent_id=rep.department.parent_id
        ).exclude(department_id=rep.department_id)
        for boss in beside[:1]:
            chosen += [boss, people.filter(role=Role.REP, department_id=boss.department_id).first()]
    return [
        DemoLogin(role=str(e.get_role_display()), username=e.user.username, name=e.name, department=e.department.name)
        for e in chosen
        if e is not None
    ]
