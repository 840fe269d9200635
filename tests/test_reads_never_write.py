"""A GET never writes: not on any page, not on any API route, not for any role, not on an organization's
first day.

The walk reuses the isolation walk's enumeration (tests/test_isolation.py: every URL pattern of the
project, with PARAM_TARGETS saying which rows to try for a path parameter), so a route added by a later
app is covered without touching this file. It signs up a new organization through the real service, adds
a manager and a rep, and GETs every route as each of them while recording the SQL: any INSERT, UPDATE or
DELETE fails the test, naming the route and the statement. The routes without parameters are walked
first, before anything else has happened in the organization, so a default created "on first use" by a
read is caught; then the routes with parameters, on rows of the new organization (PARAM_TARGETS makes
"another organization's" rows through `cast.outsider`, here the new organization's admin). A GET whose
write is the point of the request (an export's audit entry, a followed notification marked read) is listed
in RECORDING_READS with the one table it may write.

The clients are signed in before the walk (`force_login`), so the session row is written then, not during
a GET (axes records only sign-ins through the login form): no table is left out of the check.
"""

import dataclasses
import re
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import Cast
from fieldloop.org import services
from fieldloop.org.models import Employee, Role
from fieldloop.org.tests.factories import TEST_PASSWORD
from tests.test_isolation import DETAIL_ROUTES, LIST_ROUTES, PARAM, PARAM_TARGETS, targets_for

WRITE = re.compile(r"^\s*(?:INSERT(?: OR \w+)? INTO|UPDATE|DELETE FROM|REPLACE INTO)\s+\"?(\w+)", re.IGNORECASE)
ROLES = ("admin", "manager", "rep")

# GETs whose one write is what the request is for: the route, the only table it may write, and why. Nothing
# else is allowed, on these routes or any other; a new entry needs a reason a reviewer accepts.
RECORDING_READS = {
    "customers/export/": ("org_auditentry", "who took which customers is audited when they take them"),
    "api/v1/customers/export": ("org_auditentry", "the same export through the API"),
    "notifications/<int:notification_id>/": ("notifications_notification", "following a notification reads it"),
}


@dataclasses.dataclass
class NewOrganization:
    admin: Employee
    manager: Employee
    rep: Employee

    def clients(self) -> Iterator[tuple[str, Client]]:
        for role in ROLES:
            client = Client()
            client.force_login(getattr(self, role).user)
            yield role, client


def sign_up() -> NewOrganization:
    """An organization as a customer gets it: signed up, then a manager and a rep added by its admin."""
    admin = services.organization_sign_up(
        org_name="新开公司", admin_name="Nora", admin_phone="13900000001", username="nora", password=TEST_PASSWORD
    ).admin
    branch = services.department_create(actor=admin, name="杭州分公司", parent_id=admin.department_id)

    def employee(role: Role, name: str, phone: str, manager: Employee | None = None) -> Employee:
        return services.employee_create(
            actor=admin, name=name, phone=phone, username=name.lower(), password=TEST_PASSWORD,
            department_id=branch.pk, role=role, manager_id=manager.pk if manager else None,
        )  # fmt: skip

    manager = employee(Role.MANAGER, "Nick", "13900000002")
    return NewOrganization(admin=admin, manager=manager, rep=employee(Role.REP, "Nell", "13900000003", manager))


def writes_of(client: Client, route: str, url: str) -> list[str]:
    """The INSERT/UPDATE/DELETE statements that one GET of `url` runs (its body read to the end), but for
    the one RECORDING_READS allows."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        response.getvalue()  # a streamed download runs its queries while it is read
    assert response.status_code < 500, f"GET {url}: {response.status_code}"
    allowed = RECORDING_READS.get(route, ("", ""))[0]
    writes = [(m.group(1), q["sql"]) for q in queries.captured_queries if (m := WRITE.match(q["sql"]))]
    return [sql for table, sql in writes if table != allowed]


def test_no_get_writes_for_any_role_of_a_new_organization(cast: Cast) -> None:
    new = sign_up()
    clients = list(new.clients())
    found: dict[str, list[str]] = {}

    def walk(urls: list[tuple[str, str]]) -> None:
        for route, url in urls:
            for role, client in clients:
                writes = writes_of(client, route, url)
                if writes:
                    found[f"GET {url} as {role}"] = writes

    walk([(route, "/" + route) for route in LIST_ROUTES])  # the organization's first day: only its defaults
    # Rows of the new organization for the routes with parameters: PARAM_TARGETS creates "another
    # organization's" rows through its outsider, who is here the new organization's admin.
    as_new = dataclasses.replace(cast, other_org=new.admin.org, outsider=new.admin)
    targets = {name: targets_for(name, as_new).other_org for name in PARAM_TARGETS}
    urls = []
    for route in DETAIL_ROUTES:
        first = PARAM.search(route)
        assert first is not None
        urls += [(route, "/" + PARAM.sub(str(value), route)) for value in targets[first.group(2)]]
    walk(urls)
    assert not found, "\n".join(f"{where}: {writes[0][:200]}" for where, writes in found.items())


def test_the_walk_reaches_pages_and_api_reads_of_the_organizations_own_rows(cast: Cast) -> None:
    """The walk above would prove little if every route answered 404: the admin opens real rows."""
    new = sign_up()
    as_new = dataclasses.replace(cast, other_org=new.admin.org, outsider=new.admin)
    _, client = next(new.clients())
    customer = targets_for("customer_id", as_new).other_org[0]
    assert client.get(f"/customers/{customer}/").status_code == 200
    assert client.get(f"/api/v1/customers/{customer}").status_code == 200


@pytest.mark.parametrize(
    "statement",
    ['INSERT INTO "x" (a) VALUES (1)', "INSERT OR IGNORE INTO x VALUES (1)", ' update "x" set a = 1',
     'DELETE FROM "x" WHERE id = 1', "REPLACE INTO x VALUES (1)"],
)  # fmt: skip
def test_the_check_recognises_a_write_and_its_table(statement: str) -> None:
    match = WRITE.match(statement)
    assert match is not None
    assert match.group(1) == "x"


def test_the_recording_reads_are_routes_of_the_project() -> None:
    assert set(RECORDING_READS) <= set(LIST_ROUTES) | set(DETAIL_ROUTES)


def test_the_list_brought_back_after_a_refused_bulk_action_writes_nothing(cast: Cast) -> None:
    """A refused bulk action sends the list back with the customers ticked and the values chosen in its query
    string (customers/pool_views.py KEPT); the bar's new client_id is only a value in the page, stored by no GET."""
    new = sign_up()
    kept = "chosen=1&chosen=2&bulk_owner=3&bulk_level=A&bulk_stage=4&bulk_tag=5&bulk_tag=x"
    for role, client in new.clients():
        for route in ("customers/", "customers/pools/"):
            assert writes_of(client, route, f"/{route}?{kept}") == [], f"GET /{route}?{kept} as {role}"
