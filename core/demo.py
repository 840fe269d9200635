"""The one demo-data generator: the demo, the tests that need volume and the benchmarks all use it.

`build_demo_company(size=..., seed=...)` builds a realistic company, deterministically for
a seed: a department tree, directors, managers and reps with Chinese names and phone
numbers. Later domains add their own step to `DEMO_STEPS` (customers, visits, orders, ...),
each taking the shared `DemoContext`.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from faker import Faker

from org.models import Department, Employee, Organization, Role, User

DEMO_PASSWORD = "fieldloop-demo"
DEMO_ORG_NAME = "华东机械有限公司"

REGIONS = ["华东大区", "华北大区", "华南大区", "西南大区", "华中大区", "东北大区", "西北大区"]
CITIES = [
    "上海",
    "北京",
    "广州",
    "深圳",
    "杭州",
    "南京",
    "成都",
    "重庆",
    "武汉",
    "西安",
    "苏州",
    "天津",
    "长沙",
    "郑州",
    "青岛",
    "宁波",
    "厦门",
    "合肥",
    "济南",
    "沈阳",
    "大连",
    "昆明",
    "福州",
    "无锡",
    "哈尔滨",
    "长春",
    "南昌",
    "贵阳",
    "南宁",
    "太原",
]
TEAMS = ["一组", "二组", "三组", "四组", "五组", "六组"]


@dataclass(frozen=True)
class DemoSize:
    """The tree's shape: branching per level below the sales centre, and reps per leaf team."""

    fanout: tuple[int, ...]
    reps_per_team: int


SIZES: dict[str, DemoSize] = {
    "small": DemoSize(fanout=(3,), reps_per_team=8),  # 3 levels, ~30 employees
    "medium": DemoSize(fanout=(4, 4), reps_per_team=15),  # 4 levels, ~270 employees
    "large": DemoSize(fanout=(5, 5, 4), reps_per_team=18),  # 5 levels, ~2,000 employees
}


@dataclass
class DemoLogin:
    role: str
    username: str
    name: str
    department: str


@dataclass
class DemoContext:
    size_name: str
    size: DemoSize
    rng: random.Random
    faker: Faker
    org: Organization | None = None
    employees: list[Employee] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)
    logins: list[DemoLogin] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # what each step built, for the summary
    today: date = field(default_factory=date.today)
    now: datetime = field(default_factory=timezone.now)


class _People:
    """Unique names, phones and employee numbers, deterministic for the seed."""

    def __init__(self, ctx: DemoContext) -> None:
        self.ctx = ctx
        self.phones: set[str] = set()
        self.count = 0

    def phone(self) -> str:
        while True:
            number = self.ctx.faker.phone_number()
            if number not in self.phones:
                self.phones.add(number)
                return number

    def next_number(self) -> str:
        self.count += 1
        return f"E{self.count:05d}"


def build_org(ctx: DemoContext) -> None:
    org = Organization.objects.create(name=DEMO_ORG_NAME, time_zone="Asia/Shanghai", currency="CNY")
    ctx.org = org
    password = make_password(DEMO_PASSWORD)
    people = _People(ctx)
    pending: list[tuple[Employee, str, Department | None]] = []  # employee, username, department it manages

    def department(name: str, parent: Department | None) -> Department:
        d = Department.objects.create(org=org, name=name, parent=parent)
        d.path = f"{parent.path if parent else ''}{d.pk}/"
        d.depth = (parent.depth + 1) if parent else 0
        d.save(update_fields=["path", "depth"])
        ctx.departments.append(d)
        return d

    def person(
        role: Role, dept: Department, username: str, manages: Department | None = None, manager: Employee | None = None
    ) -> Employee:
        joined = ctx.today - timedelta(days=ctx.rng.randint(30, 2000))
        e = Employee(
            org=org,
            name=ctx.faker.name(),
            phone=people.phone(),
            employee_number=people.next_number(),
            department=dept,
            role=role,
            manager=manager,
            joined_on=joined,
            language="zh-hans",
        )
        pending.append((e, username, manages))
        return e

    root = department(DEMO_ORG_NAME, None)
    sales = department("销售中心", root)
    admin = person(Role.ADMIN, root, "admin", manages=root)
    director = person(Role.DIRECTOR, sales, "director", manages=sales)

    cities = iter(CITIES * 10)
    counters = {"manager": 0, "rep": 0}

    def username(kind: str) -> str:
        counters[kind] += 1
        n = counters[kind]
        return kind if n == 1 else f"{kind}{n}"

    def grow(parent: Department, parent_boss: Employee, level: int) -> None:
        fanout = ctx.size.fanout
        for i in range(fanout[level]):
            leaf = level == len(fanout) - 1
            if level == 0 and len(fanout) > 1:
                name = REGIONS[i % len(REGIONS)]
            elif leaf and len(fanout) > 2:
                name = TEAMS[i % len(TEAMS)]
            else:
                name = f"{next(cities)}分公司"
            d = department(name, parent)
            boss = person(Role.MANAGER, d, username("manager"), manages=d, manager=parent_boss)
            if leaf:
                for _ in range(ctx.size.reps_per_team):
                    person(Role.REP, d, username("rep"), manager=boss)
            else:
                grow(d, boss, level + 1)

    # Managers must exist before their reports point at them: create level by level.
    grow(sales, director, 0)
    users = User.objects.bulk_create([User(username=u, password=password) for _, u, _ in pending])
    for (e, _, _), user in zip(pending, users, strict=True):
        e.user = user
    # `pending` lists every manager before her reports, so saving in order resolves `manager`.
    for e, _, _ in pending:
        e.save()
    managed = [(d, e) for e, _, d in pending if d is not None]
    for d, e in managed:
        d.manager = e
    Department.objects.bulk_update([d for d, _ in managed], ["manager"])
    ctx.employees = [e for e, _, _ in pending]
    ctx.counts |= {"departments": len(ctx.departments), "employees": len(ctx.employees)}
    first_rep = next(e for e in ctx.employees if e.role == Role.REP)
    first_manager = next(e for e in ctx.employees if e.pk == first_rep.manager_id)
    for role, e in (
        (Role.ADMIN, admin),
        (Role.DIRECTOR, director),
        (Role.MANAGER, first_manager),
        (Role.REP, first_rep),
    ):
        ctx.logins.append(
            DemoLogin(role=str(role.label), username=e.user.username, name=e.name, department=e.department.name)
        )


# Each domain's step, by dotted path (so core imports no domain app); they run in order in one transaction.
DEMO_STEPS: list[str] = [
    "core.demo.build_org",
    "customers.demo.build_customers",
    "activities.demo.build_work_records",
    "activities.demo.build_visits",
]


def build_demo_company(*, size: str = "small", seed: int = 42, until: str | None = None) -> DemoContext:
    """Build the demo company; `until` (a step's dotted path) stops after that step, for a benchmark
    or test that needs only the first domains."""
    if until is not None and until not in DEMO_STEPS:
        raise ValueError(f"unknown demo step {until!r}")
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    ctx = DemoContext(size_name=size, size=SIZES[size], rng=random.Random(seed), faker=faker)
    with transaction.atomic():
        for path in DEMO_STEPS:
            step: Callable[[DemoContext], None] = import_string(path)
            step(ctx)
            if path == until:
                break
    return ctx


def demo_logins() -> list[DemoLogin]:
    """The logins of an existing demo company (first admin, director, manager and rep)."""
    org = Organization.objects.filter(name=DEMO_ORG_NAME).order_by("id").first()
    if org is None:
        return []
    logins = []
    for role in (Role.ADMIN, Role.DIRECTOR, Role.MANAGER, Role.REP):
        e = Employee.objects.filter(org=org, role=role).select_related("user", "department").order_by("id").first()
        if e is not None:
            logins.append(
                DemoLogin(role=str(role.label), username=e.user.username, name=e.name, department=e.department.name)
            )
    return logins
