"""Visibility: every data scope x role x position in the tree, and rows scoped by their owner."""

import pytest

from fieldloop.org.models import ApiToken, DataScope, Role
from fieldloop.org.selectors import (
    can_change_owned_by,
    can_see_employee,
    filter_departments,
    scope_to_visible,
    visible_employees,
)

ALL = {"Ada", "Dora", "Mia", "Rex", "Ria", "Ben"}
SALES = {"Dora", "Mia", "Rex", "Ria", "Ben"}
SHANGHAI = {"Mia", "Rex", "Ria"}

# scope -> actor -> names the actor sees
EXPECTED: dict[DataScope, dict[str, set[str]]] = {
    DataScope.ORG: {"admin": ALL, "director": ALL, "manager": ALL, "rep": ALL, "other_branch_rep": ALL},
    DataScope.SELF: {
        "admin": {"Ada"},
        "director": {"Dora"},
        "manager": {"Mia"},
        "rep": {"Rex"},
        "other_branch_rep": {"Ben"},
    },
    DataScope.DEPARTMENT: {
        "admin": {"Ada"},
        "director": {"Dora"},
        "manager": SHANGHAI,
        "rep": SHANGHAI,
        "other_branch_rep": {"Ben"},
    },
    DataScope.DEPARTMENT_TREE: {
        "admin": ALL,
        "director": SALES,
        "manager": SHANGHAI,
        "rep": SHANGHAI,
        "other_branch_rep": {"Ben"},
    },
    DataScope.SUBORDINATES: {
        "admin": ALL,
        "director": SALES,
        "manager": SHANGHAI,
        "rep": {"Rex"},
        "other_branch_rep": {"Ben"},
    },
}

CASES = [(scope, actor, names) for scope, by_actor in EXPECTED.items() for actor, names in by_actor.items()]


def actor_under(cast, scope: DataScope, actor_name: str):
    """The cast member `actor_name`, in an organization that gives every role `scope`."""
    cast.org.data_scopes = {role: scope for role in Role.values}
    cast.org.save()
    actor = getattr(cast, actor_name)
    actor.org.refresh_from_db()
    return actor


@pytest.mark.parametrize(("scope", "actor_name", "expected"), CASES, ids=[f"{s}-{a}" for s, a, _ in CASES])
def test_each_scope_role_and_position_sees_exactly_its_reach(cast, scope, actor_name, expected):
    actor = actor_under(cast, scope, actor_name)

    names = set(visible_employees(actor=actor).values_list("name", flat=True))

    assert names == expected
    assert "Otto" not in names


@pytest.mark.parametrize(("scope", "actor_name", "expected"), CASES, ids=[f"{s}-{a}" for s, a, _ in CASES])
def test_rows_are_scoped_by_their_owner_the_same_way(cast, scope, actor_name, expected):
    for e in (cast.admin, cast.director, cast.manager, cast.rep, cast.rep2, cast.other_branch_rep, cast.outsider):
        ApiToken.objects.create(org_id=e.org_id, employee=e, name=e.name, prefix="x", token_hash=f"hash-{e.pk}")
    actor = actor_under(cast, scope, actor_name)

    owners = set(
        scope_to_visible(ApiToken.objects.all(), actor=actor, owner_field="employee").values_list("name", flat=True)
    )

    assert owners == expected


def test_default_scopes_let_a_manager_see_her_branch_only(cast):
    names = set(visible_employees(actor=cast.manager).values_list("name", flat=True))
    assert names == SHANGHAI


def test_rep_cannot_see_rep_of_other_branch(cast):
    assert not can_see_employee(actor=cast.rep, employee=cast.other_branch_rep)


def test_nobody_sees_across_organizations(cast):
    assert not can_see_employee(actor=cast.admin, employee=cast.outsider)
    assert not can_see_employee(actor=cast.outsider, employee=cast.admin)


def test_an_employee_who_left_sees_nothing(cast):
    cast.manager.status = "left"
    cast.manager.save()
    assert not visible_employees(actor=cast.manager).exists()


def test_manager_may_change_her_reps_rows_but_a_rep_may_not_change_his_peers(cast):
    assert can_change_owned_by(actor=cast.manager, owner=cast.rep)
    assert can_change_owned_by(actor=cast.rep, owner=cast.rep)
    assert not can_change_owned_by(actor=cast.rep, owner=cast.rep2)
    assert not can_change_owned_by(actor=cast.manager, owner=cast.other_branch_rep)


def test_scope_needs_the_same_queries_for_a_deep_tree_as_for_a_flat_one(cast, django_assert_num_queries):
    from fieldloop.org.tests.factories import DepartmentFactory, EmployeeFactory

    parent = cast.shanghai
    for level in range(6):
        parent = DepartmentFactory(org=cast.org, name=f"L{level}", parent=parent)
        EmployeeFactory(department=parent)
    director = type(cast.director).objects.select_related("org", "department").get(pk=cast.director.pk)
    with django_assert_num_queries(1):
        assert len(list(visible_employees(actor=director))) == len(SALES) + 6


@pytest.mark.parametrize(("scope", "actor_name", "expected"), CASES, ids=[f"{s}-{a}" for s, a, _ in CASES])
def test_a_department_filter_offers_the_departments_of_the_people_one_sees(cast, scope, actor_name, expected):
    """Every department where the actor sees someone is offered, and none where they would see nobody."""
    actor = actor_under(cast, scope, actor_name)

    offered = list(filter_departments(actor=actor))
    seen = list(visible_employees(actor=actor).select_related("department"))

    assert {e.department.name for e in seen} <= {d.name for d in offered}
    for department in offered:
        assert any(e.department.path.startswith(department.path) for e in seen), department.name


def test_a_branch_manager_is_not_offered_another_branch_to_filter_by(cast):
    names = {d.name for d in filter_departments(actor=cast.manager)}
    assert "上海分公司" in names and "北京分公司" not in names
    assert {"上海分公司", "北京分公司", "销售部"} <= {d.name for d in filter_departments(actor=cast.admin)}
    for path in ("/customers/", "/work/", "/receivables/", "/schedule/team/"):  # the lists' department filters
        page = cast.client_for(cast.manager).get(path)
        assert page.status_code == 200, path
        assert "上海分公司</option>" in page.content.decode(), path
        assert "北京分公司</option>" not in page.content.decode(), path
        assert "北京分公司</option>" in cast.client_for(cast.admin).get(path).content.decode(), path
