"""Writes of the org app: the tree, employees, the last admin, tokens; bad input writes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from conftest import sign_in
from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.org import defaults as defaults_registry
from fieldloop.org import services
from fieldloop.org.models import AuditEntry, Department, Employee, EmployeeStatus, Organization, Role


def test_signup_creates_organization_root_department_and_admin(db):
    result = services.organization_sign_up(
        org_name="新公司", admin_name="张三", admin_phone="13800001111", username="zhang", password="a-Strong-pass-1"
    )
    assert result.org.time_zone == "Asia/Shanghai"
    assert result.org.currency == "CNY"
    assert result.org.language == "zh-hans"
    assert result.admin.role == Role.ADMIN
    assert result.admin.department.parent is None
    assert result.admin.department.manager == result.admin


def test_signup_gives_the_new_organization_every_registered_apps_defaults(db, monkeypatch):
    made: list[str] = []

    def defaults(org: Organization) -> None:  # what a domain app registers in its AppConfig.ready
        made.append(org.name)

    monkeypatch.setitem(defaults_registry._CREATORS, "tests.defaults", defaults)
    services.organization_sign_up(
        org_name="新公司", admin_name="张三", admin_phone="13800001111", username="zhang", password="a-Strong-pass-1"
    )
    assert made == ["新公司"]


def test_signup_whose_defaults_fail_writes_nothing(db, monkeypatch):
    def failing(org: Organization) -> None:
        raise RuntimeError("an app could not create its defaults")

    monkeypatch.setitem(defaults_registry._CREATORS, "tests.failing", failing)
    with pytest.raises(RuntimeError):
        services.organization_sign_up(
            org_name="新公司",
            admin_name="张三",
            admin_phone="13800001111",
            username="zhang",
            password="a-Strong-pass-1",
        )
    assert not Organization.objects.exists()
    assert not AuditEntry.objects.exists()


def test_signup_with_an_unknown_time_zone_is_refused_and_writes_nothing(db):
    with pytest.raises(ServiceError) as e:
        services.organization_sign_up(
            org_name="新公司",
            admin_name="张三",
            admin_phone="13800001111",
            username="zhang",
            password="a-Strong-pass-1",
            time_zone="Mars/Olympus",
        )
    assert "time_zone" in e.value.fields
    assert not Organization.objects.exists()


def test_department_create_sets_the_path_under_its_parent(cast):
    d = services.department_create(actor=cast.admin, name="杭州分公司", parent_id=cast.sales.pk)
    assert d.path == f"{cast.sales.path}{d.pk}/"
    assert d.depth == cast.sales.depth + 1
    assert AuditEntry.objects.filter(object_type="department", object_id=str(d.pk), action="department.create").exists()


def test_department_names_are_unique_among_active_siblings(cast):
    with pytest.raises(ServiceError) as e:
        services.department_create(actor=cast.admin, name="上海分公司", parent_id=cast.sales.pk)
    assert e.value.code == ErrorCode.DUPLICATE
    assert "name" in e.value.fields


def test_moving_a_department_moves_its_subtree(cast):
    team = services.department_create(actor=cast.admin, name="一组", parent_id=cast.shanghai.pk)
    services.department_move(actor=cast.admin, department_id=cast.shanghai.pk, new_parent_id=cast.root.pk)
    cast.shanghai.refresh_from_db()
    team.refresh_from_db()
    assert cast.shanghai.path == f"{cast.root.path}{cast.shanghai.pk}/"
    assert team.path == f"{cast.shanghai.path}{team.pk}/"
    assert team.depth == 2


def test_moving_a_department_under_its_own_descendant_is_refused(cast):
    paths_before = dict(Department.objects.values_list("pk", "path"))
    with pytest.raises(ServiceError) as e:
        services.department_move(actor=cast.admin, department_id=cast.sales.pk, new_parent_id=cast.shanghai.pk)
    assert e.value.code == ErrorCode.TREE_CYCLE
    assert "parent" in e.value.fields
    assert dict(Department.objects.values_list("pk", "path")) == paths_before


def test_moving_a_department_under_itself_is_refused(cast):
    with pytest.raises(ServiceError) as e:
        services.department_move(actor=cast.admin, department_id=cast.sales.pk, new_parent_id=cast.sales.pk)
    assert e.value.code == ErrorCode.TREE_CYCLE


def test_archiving_a_department_with_active_members_is_refused(cast):
    with pytest.raises(ServiceError) as e:
        services.department_archive(actor=cast.admin, department_id=cast.sales.pk)
    assert e.value.code == ErrorCode.DEPARTMENT_HAS_MEMBERS
    cast.sales.refresh_from_db()
    assert not cast.sales.is_archived


def test_archiving_an_empty_department_archives_its_subtree(cast):
    empty = services.department_create(actor=cast.admin, name="空部门", parent_id=cast.root.pk)
    child = services.department_create(actor=cast.admin, name="空小组", parent_id=empty.pk)
    services.department_archive(actor=cast.admin, department_id=empty.pk)
    child.refresh_from_db()
    assert child.is_archived


def test_a_manager_may_not_change_the_tree(cast):
    with pytest.raises(ServiceError) as e:
        services.department_create(actor=cast.manager, name="x", parent_id=cast.shanghai.pk)
    assert e.value.code == ErrorCode.FORBIDDEN


def _new_employee(cast, **overrides):
    values = dict(
        actor=cast.admin,
        name="新人",
        phone="13900000001",
        username="newbie",
        password="Str0ng-pass-2026",
        department_id=cast.shanghai.pk,
        employee_number="E-NEW",
    )
    values.update(overrides)
    return services.employee_create(**values)


def test_admin_creates_an_employee_who_can_sign_in(cast, client):
    employee = _new_employee(cast)
    assert employee.language == cast.org.language
    assert sign_in(client, "newbie", "Str0ng-pass-2026")


@pytest.mark.parametrize("field", ["phone", "employee_number"])
def test_duplicate_phone_or_employee_number_in_one_organization_is_refused(cast, field):
    count = Employee.objects.count()
    taken = getattr(cast.rep, field)
    with pytest.raises(ServiceError) as e:
        _new_employee(cast, **{field: taken})
    assert e.value.code == ErrorCode.DUPLICATE
    assert field in e.value.fields
    assert Employee.objects.count() == count


def test_the_same_phone_is_fine_in_another_organization(cast):
    created = services.employee_create(
        actor=cast.outsider,
        name="x",
        phone=cast.rep.phone,
        username="otherx",
        password="Str0ng-pass-2026",
        department_id=cast.outsider.department_id,
    )
    assert created.org_id == cast.other_org.pk
    assert created.phone == cast.rep.phone
    assert Employee.objects.filter(phone=cast.rep.phone).count() == 2  # one in each organization


def test_an_invalid_phone_or_weak_password_is_refused(cast):
    with pytest.raises(ServiceError) as e:
        _new_employee(cast, phone="abc")
    assert "phone" in e.value.fields
    with pytest.raises(ServiceError) as e:
        _new_employee(cast, password="123")
    assert "password" in e.value.fields


def test_a_department_of_another_organization_is_refused(cast):
    other_department = cast.outsider.department
    with pytest.raises(ServiceError) as e:
        _new_employee(cast, department_id=other_department.pk)
    assert "department" in e.value.fields


def test_marking_someone_as_left_stops_their_login_and_tokens(cast, client):
    issued = services.api_token_create(actor=cast.rep, name="phone")
    services.employee_mark_left(actor=cast.admin, employee_id=cast.rep.pk)
    cast.rep.refresh_from_db()
    assert cast.rep.status == EmployeeStatus.LEFT
    assert cast.rep.left_on == timezone.localdate()
    assert not sign_in(client, "rex", cast.password)
    with pytest.raises(ServiceError) as e:
        services.api_token_authenticate(issued.secret)
    assert e.value.code == ErrorCode.TOKEN_INVALID


def test_an_open_session_stops_when_the_person_leaves(cast):
    client = cast.client_for(cast.rep)
    assert client.get("/today/", HTTP_HOST="127.0.0.1").status_code == 200  # a rep's home
    services.employee_mark_left(actor=cast.admin, employee_id=cast.rep.pk)
    response = client.get("/today/", HTTP_HOST="127.0.0.1")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_last_active_admin_cannot_leave_or_be_demoted(cast):
    with pytest.raises(ServiceError) as e:
        services.employee_mark_left(actor=cast.admin, employee_id=cast.admin.pk)
    assert e.value.code == ErrorCode.LAST_ADMIN
    with pytest.raises(ServiceError) as e:
        services.employee_update(actor=cast.admin, employee_id=cast.admin.pk, role=Role.REP)
    assert e.value.code == ErrorCode.LAST_ADMIN
    cast.admin.refresh_from_db()
    assert cast.admin.role == Role.ADMIN
    assert cast.admin.status == EmployeeStatus.ACTIVE


def test_employee_update_records_old_and_new_values(cast):
    services.employee_update(actor=cast.admin, employee_id=cast.rep.pk, department_id=cast.beijing.pk)
    entry = AuditEntry.objects.get(object_type="employee", object_id=str(cast.rep.pk), action="employee.update")
    assert entry.changes == {"department": [cast.shanghai.pk, cast.beijing.pk]}
    assert entry.actor == cast.admin


def test_an_employee_cannot_report_to_themselves(cast):
    with pytest.raises(ServiceError) as e:
        services.employee_update(actor=cast.admin, employee_id=cast.rep.pk, manager_id=cast.rep.pk)
    assert "manager" in e.value.fields


def test_organization_data_scopes_are_validated(cast):
    with pytest.raises(ServiceError):
        services.organization_update(actor=cast.admin, data_scopes={"rep": "everything"})
    org = services.organization_update(actor=cast.admin, data_scopes={"rep": "department"})
    assert org.data_scope_for(Role.REP) == "department"
    assert org.data_scope_for(Role.MANAGER) == "department_tree"


def test_a_token_is_stored_hashed_and_authenticates_its_owner(cast):
    issued = services.api_token_create(actor=cast.rep, name="phone")
    assert issued.secret.startswith("flp_")
    assert issued.secret not in issued.token.token_hash
    assert services.api_token_authenticate(issued.secret) == cast.rep


def test_an_expired_or_revoked_token_is_refused(cast):
    issued = services.api_token_create(actor=cast.rep, name="phone", expires_at=timezone.now() + timedelta(days=1))
    issued.token.expires_at = timezone.now() - timedelta(seconds=1)
    issued.token.save()
    with translation.override("en"), pytest.raises(ServiceError) as e:
        services.api_token_authenticate(issued.secret)
    assert e.value.code == ErrorCode.TOKEN_INVALID
    assert "expired" in str(e.value.message)
    other = services.api_token_create(actor=cast.rep, name="laptop")
    services.api_token_revoke(actor=cast.rep, token_id=other.token.pk)
    with pytest.raises(ServiceError):
        services.api_token_authenticate(other.secret)


def test_nobody_revokes_someone_elses_token(cast):
    issued = services.api_token_create(actor=cast.rep, name="phone")
    with pytest.raises(ServiceError) as e:
        services.api_token_revoke(actor=cast.rep2, token_id=issued.token.pk)
    assert e.value.code == ErrorCode.NOT_FOUND
