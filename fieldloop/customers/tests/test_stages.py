"""Lifecycle stages per organization: create, rename, reorder, mark won, deactivate, delete; audited;
a deactivated stage stays on its customers and is no new choice; the API and the admin page."""

import uuid

import pytest
from django.utils import translation

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.customers import services, stages
from fieldloop.customers.duplicates import duplicate_settings
from fieldloop.customers.models import Customer, CustomerStage, DuplicateAction
from fieldloop.customers.tests.test_api import api, post
from fieldloop.org import services as org_services
from fieldloop.org.models import AuditEntry
from fieldloop.org.tests.factories import TEST_PASSWORD


def names(actor, include_inactive=False):
    return [s.name for s in stages.stage_list(actor=actor, include_inactive=include_inactive)]


def stage_named(cast, name):
    return CustomerStage.objects.get(org=cast.org, name=name)


def test_a_new_organization_starts_with_the_four_default_stages_and_warning_duplicate_rules(db):
    admin = org_services.organization_sign_up(
        org_name="新开公司", admin_name="Nora", admin_phone="13900000001", username="nora", password=TEST_PASSWORD
    ).admin
    assert [(s.name, s.name_en, s.is_won) for s in stages.stage_list(actor=admin)] == [
        ("潜在客户", "Lead", False), ("意向客户", "Prospect", False),
        ("成交客户", "Won", True), ("流失客户", "Lost", False),
    ]  # fmt: skip
    rules = duplicate_settings(org_id=admin.org_id)
    assert (rules.duplicate_name, rules.duplicate_phone) == (DuplicateAction.WARN, DuplicateAction.WARN)


def test_an_admin_adds_a_stage_last_and_it_is_audited(cast):
    stage = stages.stage_create(actor=cast.admin, name="试用客户", name_en="Trial", is_won=False)
    assert names(cast.admin) == ["潜在客户", "意向客户", "成交客户", "流失客户", "试用客户"]
    entry = AuditEntry.objects.get(action="customer_stage.create")
    assert entry.actor == cast.admin and entry.object_id == str(stage.pk)
    assert entry.changes["name"] == [None, "试用客户"]


def test_stage_names_are_unique_in_the_organization_but_not_across_organizations(cast):
    stages.stage_list(actor=cast.admin)
    with pytest.raises(ServiceError) as e:
        stages.stage_create(actor=cast.admin, name="潜在客户")
    assert e.value.code == ErrorCode.DUPLICATE and "name" in e.value.fields
    with pytest.raises(ServiceError) as e:
        stages.stage_create(actor=cast.admin, name="新阶段", name_en="LEAD")
    assert "name_en" in e.value.fields
    with pytest.raises(ServiceError) as e:
        stages.stage_create(actor=cast.admin, name="  ")
    assert "name" in e.value.fields
    stages.stage_create(actor=cast.outsider, name="试用客户")
    stages.stage_create(actor=cast.admin, name="试用客户")


def test_rename_and_mark_won_are_audited_old_to_new(cast):
    lead = stages.stage_list(actor=cast.admin)[0]
    stages.stage_update(actor=cast.admin, stage_id=lead.pk, name="线索", name_en="Clue", is_won=True)
    lead.refresh_from_db()
    assert (lead.name, lead.name_en, lead.is_won) == ("线索", "Clue", True)
    entry = AuditEntry.objects.get(action="customer_stage.update")
    assert entry.changes["name"] == ["潜在客户", "线索"]
    assert entry.changes["is_won"] == [False, True]


def test_reorder_by_position_and_by_the_whole_order(cast):
    lost = stages.stage_list(actor=cast.admin)[3]
    stages.stage_update(actor=cast.admin, stage_id=lost.pk, position=0)
    assert names(cast.admin) == ["流失客户", "潜在客户", "意向客户", "成交客户"]
    order = [s.pk for s in reversed(stages.stage_list(actor=cast.admin))]
    stages.stage_reorder(actor=cast.admin, stage_ids=order)
    assert names(cast.admin) == ["成交客户", "意向客户", "潜在客户", "流失客户"]
    with pytest.raises(ServiceError) as e:
        stages.stage_reorder(actor=cast.admin, stage_ids=order[:2])
    assert "stage_ids" in e.value.fields
    with pytest.raises(ServiceError):
        stages.stage_update(actor=cast.admin, stage_id=lost.pk, position=9)


def test_a_stage_in_use_is_only_deactivated_and_the_last_active_one_stays(cast):
    customer, _ = services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="上海精工机械有限公司")
    used = customer.stage
    assert used is not None
    with pytest.raises(ServiceError) as e:
        stages.stage_delete(actor=cast.admin, stage_id=used.pk)
    assert e.value.code == ErrorCode.CONFLICT
    stages.stage_update(actor=cast.admin, stage_id=used.pk, is_active=False)
    assert used.name not in names(cast.admin)
    assert used.name in names(cast.admin, include_inactive=True)
    unused = stage_named(cast, "流失客户")
    stages.stage_delete(actor=cast.admin, stage_id=unused.pk)
    assert not CustomerStage.objects.filter(pk=unused.pk).exists()
    assert AuditEntry.objects.filter(action="customer_stage.delete", object_id=str(unused.pk)).exists()
    others = [s for s in stages.stage_list(actor=cast.admin)]
    for stage in others[:-1]:
        stages.stage_update(actor=cast.admin, stage_id=stage.pk, is_active=False)
    with pytest.raises(ServiceError) as e:
        stages.stage_update(actor=cast.admin, stage_id=others[-1].pk, is_active=False)
    assert "is_active" in e.value.fields
    with pytest.raises(ServiceError):
        stages.stage_delete(actor=cast.admin, stage_id=others[-1].pk)
    assert len(names(cast.admin)) == 1


def test_a_deactivated_stage_stays_on_its_customers_but_is_no_new_choice(cast):
    customer, _ = services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="上海精工机械有限公司")
    old = customer.stage
    assert old is not None
    stages.stage_update(actor=cast.admin, stage_id=old.pk, is_active=False)
    client = cast.client_for(cast.rep)
    assert old.name in client.get(f"/customers/{customer.pk}/").content.decode()
    edit = client.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert f'<option value="{old.pk}" selected>{old.name}</option>' in edit
    assert f'value="{old.pk}"' not in client.get("/customers/new/").content.decode()
    services.customer_update(actor=cast.rep, customer_id=customer.pk, stage_id=old.pk, name="上海精工")
    assert Customer.objects.get(pk=customer.pk).stage == old
    with pytest.raises(ServiceError) as e:
        services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="新客户", stage_id=old.pk)
    assert "stage_id" in e.value.fields
    other = stages.stage_list(actor=cast.admin)[0]
    services.customer_update(actor=cast.rep, customer_id=customer.pk, stage_id=other.pk)
    with pytest.raises(ServiceError):
        services.customer_update(actor=cast.rep, customer_id=customer.pk, stage_id=old.pk)


def test_only_administrators_configure_stages(cast):
    with pytest.raises(ServiceError) as e:
        stages.stage_create(actor=cast.manager, name="试用客户")
    assert e.value.code == ErrorCode.FORBIDDEN
    assert cast.client_for(cast.manager).get("/customers/stages/").status_code == 403
    lead = stages.stage_list(actor=cast.admin)[0]
    with pytest.raises(ServiceError) as e:
        stages.stage_update(actor=cast.outsider, stage_id=lead.pk, name="偷改")
    assert e.value.code == ErrorCode.NOT_FOUND


def test_the_admin_page_adds_renames_moves_and_deactivates(cast):
    client = cast.client_for(cast.admin)
    page = client.get("/customers/stages/")
    assert page.status_code == 200 and "潜在客户" in page.content.decode()
    assert client.post("/customers/stages/", {"name": "试用客户", "name_en": "Trial"}).status_code == 302
    refused = client.post("/customers/stages/", {"name": "试用客户"})
    assert refused.status_code == 400
    trial = stage_named(cast, "试用客户")
    client.post(f"/customers/stages/{trial.pk}/", {"action": "up", "position": "4"})
    assert names(cast.admin)[3] == "试用客户"
    client.post(
        f"/customers/stages/{trial.pk}/", {"action": "save", "name": "试用", "name_en": "Trial", "is_won": "on"}
    )
    trial.refresh_from_db()
    assert trial.name == "试用" and trial.is_won
    client.post(f"/customers/stages/{trial.pk}/", {"action": "deactivate"})
    trial.refresh_from_db()
    assert not trial.is_active
    with translation.override("en"):
        assert 'data-testid="stages-link"' in client.get("/customers/").content.decode()


# --- API --------------------------------------------------------------------------------------------------


def test_the_api_lists_adds_once_and_changes_stages(cast):
    client = api(cast.admin)
    listed = client.get("/api/v1/customer-stages").json()
    assert [s["name"] for s in listed] == ["潜在客户", "意向客户", "成交客户", "流失客户"]
    key = uuid.uuid4()
    first = post(client, "/api/v1/customer-stages", {"name": "试用客户", "name_en": "Trial"}, key)
    replay = post(client, "/api/v1/customer-stages", {"name": "试用客户", "name_en": "Trial"}, key)
    assert first.status_code == replay.status_code == 201
    assert first.json() == replay.json()
    assert CustomerStage.objects.filter(org=cast.org, name="试用客户").count() == 1
    stage_id = first.json()["id"]
    changed = client.patch(
        f"/api/v1/customer-stages/{stage_id}", {"is_active": False, "position": 0}, content_type="application/json"
    )
    assert changed.status_code == 200
    assert changed.json()["is_active"] is False and changed.json()["position"] == 0
    assert stage_id not in [s["id"] for s in client.get("/api/v1/customer-stages").json()]
    assert stage_id in [s["id"] for s in client.get("/api/v1/customer-stages?include_inactive=true").json()]
    duplicate = post(client, "/api/v1/customer-stages", {"name": "潜在客户"})
    assert duplicate.status_code == 409 and "name" in duplicate.json()["fields"]
    assert client.delete(f"/api/v1/customer-stages/{stage_id}").status_code == 204


def test_the_api_refuses_other_organizations_stages_and_non_admins(cast):
    lead = stages.stage_list(actor=cast.admin)[0]
    response = api(cast.outsider).patch(
        f"/api/v1/customer-stages/{lead.pk}", {"name": "偷改"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert post(api(cast.manager), "/api/v1/customer-stages", {"name": "试用客户"}).status_code == 403
    lead.refresh_from_db()
    assert lead.name == "潜在客户"


def test_a_system_stage_move_is_on_the_timeline_and_only_to_an_active_stage_of_the_organization(
    cast, django_assert_num_queries
):
    """`customer_stage_move` (what a first confirmed order calls for the won stage): no right of `by` is asked,
    the move is recorded as a stage change (old -> new, by, why), in two statements; a customer already there, an
    inactive stage or another organization's stage write nothing."""
    shop, _ = services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="成交测试客户")
    first = shop.stage_id
    won = CustomerStage.objects.get(org=cast.org, is_won=True)
    lost = CustomerStage.objects.get(org=cast.org, name_en="Lost")
    theirs = CustomerStage.objects.filter(org=cast.outsider.org).earliest("id")
    with django_assert_num_queries(2):
        assert services.customer_stage_move(customer=shop, stage_id=won.pk, by=cast.rep2, summary="SO-2026-000001")
    shop.refresh_from_db()
    event = shop.events.latest("id")
    assert shop.stage_id == won.pk
    assert (event.actor_id, event.kind, event.changes, event.summary) == (
        cast.rep2.pk,
        "updated",
        {"stage_id": [first, won.pk]},
        "SO-2026-000001",
    )
    events = shop.events.count()
    with django_assert_num_queries(0):
        assert not services.customer_stage_move(customer=shop, stage_id=won.pk, by=None)
    CustomerStage.objects.filter(pk=lost.pk).update(is_active=False)
    assert not services.customer_stage_move(customer=shop, stage_id=lost.pk, by=None)
    assert not services.customer_stage_move(customer=shop, stage_id=theirs.pk, by=None)
    shop.refresh_from_db()
    assert (shop.stage_id, shop.events.count()) == (won.pk, events)
