"""The demo company's people: a department tree, directors, managers and reps with Chinese names and
phone numbers."""

from datetime import timedelta

from django.contrib.auth.hashers import make_password

from fieldloop.org.defaults import organization_defaults_create
from fieldloop.org.models import Department, Employee, Organization, Role, User

from .context import CITIES, DEMO_ORG_NAME, DEMO_PASSWORD, REGIONS, TEAMS, DemoContext, DemoLogin


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
    organization_defaults_create(org=org)  # what organization_sign_up gives every new organization
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
