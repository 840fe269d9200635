"""Filing, editing, archiving and commenting on work records: idempotent, all-or-nothing, with history."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from fieldloop.activities import services
from fieldloop.activities.builtin import BUILTIN_TEMPLATES, activity_settings
from fieldloop.activities.models import DEFAULT_EDIT_WINDOW_HOURS, WorkRecord, WorkRecordComment, WorkRecordRevision
from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.customers import pools
from fieldloop.customers.models import Contact, Customer, CustomerEventKind
from fieldloop.formtemplates.models import FormTemplate, Purpose
from fieldloop.org import services as org_services
from fieldloop.org.tests.factories import TEST_PASSWORD

from .helpers import CALL_VALUES, VISIT_VALUES, customer, file_call, file_daily, template


def test_a_new_organization_starts_with_the_built_in_templates_and_settings(db):
    org = org_services.organization_sign_up(
        org_name="新开公司", admin_name="Nora", admin_phone="13900000001", username="nora", password=TEST_PASSWORD
    ).org
    built_in = FormTemplate.objects.filter(org=org).exclude(purpose=Purpose.CUSTOMER)
    assert sorted(built_in.values_list("name", flat=True)) == sorted(name for _, name, *_rest in BUILTIN_TEMPLATES)
    visit = built_in.get(purpose=Purpose.VISIT)
    assert visit.name_en == "Customer visit"
    assert visit.current_version is not None
    assert {d.key for d in visit.current_version.definitions} >= {"purpose", "outcome", "storefront_photo"}
    settings = activity_settings(org_id=org.pk)
    assert settings.edit_window_hours == DEFAULT_EDIT_WINDOW_HOURS
    assert settings.builtin_templates_installed


def test_a_rep_files_a_call_for_his_customer(cast):
    shop = customer(cast.rep)
    record = file_call(cast.rep, shop)
    assert record.author == cast.rep
    assert record.customer == shop
    assert record.values == CALL_VALUES
    assert record.template_version == record.template.current_version
    assert record.received_at == record.captured_at  # no capture time sent: now


def test_a_replayed_record_returns_the_original_and_writes_nothing(cast):
    shop = customer(cast.rep)
    client_id = uuid.uuid4()
    first = file_call(cast.rep, shop, client_id=client_id)
    again, created = services.record_create(
        actor=cast.rep,
        client_id=client_id,
        template_id=first.template_id,
        customer_id=shop.pk,
        values={**CALL_VALUES, "notes": "sent twice"},
    )
    assert (again.pk, created) == (first.pk, False)
    assert WorkRecord.objects.count() == 1


def test_a_record_for_a_customer_the_author_may_not_see_is_refused(cast):
    theirs = customer(cast.other_branch_rep)
    with pytest.raises(ServiceError) as e:
        file_call(cast.rep, theirs)
    assert "customer_id" in e.value.fields
    assert WorkRecord.objects.count() == 0


def test_another_organizations_customer_and_template_are_refused(cast):
    theirs = customer(cast.outsider)
    with pytest.raises(ServiceError) as e:
        services.record_create(
            actor=cast.rep,
            client_id=uuid.uuid4(),
            template_id=template(cast.outsider, Purpose.CALL).pk,
            customer_id=theirs.pk,
            values=CALL_VALUES,
        )
    assert {"template_id", "customer_id"} <= set(e.value.fields)


def test_bad_values_are_refused_field_by_field_and_nothing_is_written(cast):
    shop = customer(cast.rep)
    with pytest.raises(ServiceError) as e:
        file_call(cast.rep, shop, values={"direction": "sideways", "duration_minutes": "long"})
    assert e.value.code == ErrorCode.INVALID
    assert {"values.direction", "values.duration_minutes", "values.result"} <= set(e.value.fields)
    assert WorkRecord.objects.count() == 0


def test_a_call_needs_a_customer_and_a_daily_report_does_not(cast):
    with pytest.raises(ServiceError) as e:
        services.record_create(
            actor=cast.rep, client_id=uuid.uuid4(), template_id=template(cast.rep, Purpose.CALL).pk, values=CALL_VALUES
        )
    assert "customer_id" in e.value.fields
    assert file_daily(cast.rep).customer is None


def test_a_contact_must_belong_to_the_records_customer(cast):
    shop, other = customer(cast.rep), customer(cast.rep)
    contact = Contact.objects.create(org=cast.org, customer=other, client_id=uuid.uuid4(), name="王经理")
    with pytest.raises(ServiceError) as e:
        file_call(cast.rep, shop, contact_id=contact.pk)
    assert "contact_id" in e.value.fields
    record, _ = services.record_create(
        actor=cast.rep,
        client_id=uuid.uuid4(),
        template_id=template(cast.rep, Purpose.CALL).pk,
        contact_id=contact.pk,
        values=CALL_VALUES,
    )
    assert record.customer == other  # the contact's customer


def test_the_capture_time_is_kept_as_sent_within_sane_bounds(cast):
    yesterday = timezone.now() - timedelta(days=1)
    record = file_daily(cast.rep, captured_at=yesterday)
    assert record.captured_at == yesterday
    assert record.received_at > yesterday
    for bad in (timezone.now() + timedelta(hours=2), timezone.now() - timedelta(days=400)):
        with pytest.raises(ServiceError) as e:
            file_daily(cast.rep, captured_at=bad)
        assert "captured_at" in e.value.fields


def test_the_author_edits_within_the_window_and_each_edit_is_a_revision(cast):
    record = file_call(cast.rep, customer(cast.rep))
    services.record_update(actor=cast.rep, record_id=record.pk, values={"result": "interested", "notes": None})
    record.refresh_from_db()
    assert record.values["result"] == "interested"
    assert "notes" not in record.values
    assert record.edited_at is not None
    revision = WorkRecordRevision.objects.get(record=record)
    assert revision.editor == cast.rep
    assert revision.changes == {"notes": ["谈了新报价", None], "result": ["follow_up", "interested"]}


def test_an_edit_that_changes_nothing_leaves_no_revision(cast):
    record = file_call(cast.rep, customer(cast.rep))
    services.record_update(actor=cast.rep, record_id=record.pk, values={"result": "follow_up"})
    assert not WorkRecordRevision.objects.exists()


def test_a_bad_edit_changes_nothing(cast):
    record = file_call(cast.rep, customer(cast.rep))
    with pytest.raises(ServiceError) as e:
        services.record_update(actor=cast.rep, record_id=record.pk, values={"result": None, "duration_minutes": -3})
    assert {"values.result", "values.duration_minutes"} <= set(e.value.fields)
    record.refresh_from_db()
    assert record.values == CALL_VALUES
    assert not WorkRecordRevision.objects.exists()


def test_after_the_edit_window_the_author_may_not_edit(cast):
    record = file_call(cast.rep, customer(cast.rep))
    WorkRecord.objects.filter(pk=record.pk).update(received_at=timezone.now() - timedelta(hours=25))
    with pytest.raises(ServiceError) as e:
        services.record_update(actor=cast.rep, record_id=record.pk, values={"result": "interested"})
    assert e.value.code == ErrorCode.CONFLICT
    services.settings_update(actor=cast.admin, edit_window_hours=48)
    services.record_update(actor=cast.rep, record_id=record.pk, values={"result": "interested"})


def test_only_the_author_edits_not_even_his_manager(cast):
    record = file_call(cast.rep, customer(cast.rep))
    with pytest.raises(ServiceError) as e:
        services.record_update(actor=cast.manager, record_id=record.pk, values={"result": "interested"})
    assert e.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(ServiceError) as e:
        services.record_update(actor=cast.rep2, record_id=record.pk, values={"result": "interested"})
    assert e.value.code == ErrorCode.NOT_FOUND


def test_only_an_admin_sets_the_edit_window_within_bounds(cast):
    with pytest.raises(ServiceError) as e:
        services.settings_update(actor=cast.manager, edit_window_hours=2)
    assert e.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(ServiceError) as e:
        services.settings_update(actor=cast.admin, edit_window_hours=1000)
    assert "edit_window_hours" in e.value.fields
    assert services.settings_update(actor=cast.admin, edit_window_hours=0).edit_window_hours == 0
    record = file_daily(cast.rep)
    assert not services.can_edit(actor=cast.rep, record=record)


def test_the_manager_archives_a_reps_record_and_a_colleague_may_not(cast):
    record = file_daily(cast.rep)
    with pytest.raises(ServiceError):
        services.record_archive(actor=cast.rep2, record_id=record.pk)
    services.record_archive(actor=cast.manager, record_id=record.pk)
    record.refresh_from_db()
    assert record.is_archived


def test_the_manager_comments_and_the_rep_replies_once_per_client_id(cast):
    record = file_call(cast.rep, customer(cast.rep))
    comment, _ = services.comment_create(actor=cast.manager, record_id=record.pk, client_id=uuid.uuid4(), body="好")
    key = uuid.uuid4()
    reply, created = services.comment_create(
        actor=cast.rep, record_id=record.pk, client_id=key, body="收到", parent_id=comment.pk
    )
    again, created_again = services.comment_create(actor=cast.rep, record_id=record.pk, client_id=key, body="收到")
    assert (created, created_again, again.pk) == (True, False, reply.pk)
    assert reply.parent == comment
    record.refresh_from_db()
    assert record.comment_count == 2


def test_a_comment_needs_a_body_and_a_parent_of_the_same_record(cast):
    record, other = file_daily(cast.rep), file_daily(cast.rep)
    foreign, _ = services.comment_create(actor=cast.rep, record_id=other.pk, client_id=uuid.uuid4(), body="x")
    for body, parent_id, field in (("  ", None, "body"), ("hi", foreign.pk, "parent_id")):
        with pytest.raises(ServiceError) as e:
            services.comment_create(
                actor=cast.manager, record_id=record.pk, client_id=uuid.uuid4(), body=body, parent_id=parent_id
            )
        assert field in e.value.fields
    assert WorkRecordComment.objects.filter(record=record).count() == 0


def test_nobody_outside_the_records_reach_comments(cast):
    record = file_daily(cast.rep)
    for outsider in (cast.other_branch_rep, cast.outsider, cast.rep2):
        with pytest.raises(ServiceError) as e:
            services.comment_create(actor=outsider, record_id=record.pk, client_id=uuid.uuid4(), body="?")
        assert e.value.code == ErrorCode.NOT_FOUND


def test_a_visit_keeps_money_as_text(cast):
    record, _ = services.record_create(
        actor=cast.rep,
        client_id=uuid.uuid4(),
        template_id=template(cast.rep, Purpose.VISIT).pk,
        customer_id=customer(cast.rep).pk,
        values=VISIT_VALUES,
    )
    assert record.values["competitor_price"] == "12.50"


def test_a_visit_carries_a_stock_table_and_a_bad_cell_is_refused_where_it_is(cast):
    shop = customer(cast.rep)
    visit = template(cast.rep, Purpose.VISIT)
    stock: list[dict[str, Any]] = [{"sku": "液压泵", "stock": 12, "demand": 30}, {"sku": "轴承", "stock": "many"}]
    with pytest.raises(ServiceError) as e:
        services.record_create(
            actor=cast.rep,
            client_id=uuid.uuid4(),
            template_id=visit.pk,
            customer_id=shop.pk,
            values={**VISIT_VALUES, "stock": stock},
        )
    assert "values.stock.1.stock" in e.value.fields
    assert not WorkRecord.objects.exists()
    stock[1]["stock"] = 3
    record, _ = services.record_create(
        actor=cast.rep,
        client_id=uuid.uuid4(),
        template_id=visit.pk,
        customer_id=shop.pk,
        values={**VISIT_VALUES, "stock": stock},
    )
    assert record.values["stock"][1] == {"sku": "轴承", "stock": 3}


def _claimed(cast, days_ago: int):
    """A customer rex claimed from a pool (30 days' protection, +7 per follow-up, at most 60) days_ago."""
    pool = pools.pool_create(actor=cast.admin, name=f"公海 {uuid.uuid4().hex[:4]}", extension_days=7)
    pools.pool_set_members(actor=cast.admin, pool_id=pool.pk, member_ids=[cast.rep.pk])
    on = customer(cast.admin)
    Customer.objects.filter(pk=on.pk).update(pool=pool)
    pools.customer_release(actor=cast.admin, customer_id=on.pk)
    claimed_at = timezone.now() - timedelta(days=days_ago)
    return pools.customer_claim(actor=cast.rep, customer_id=on.pk, now=claimed_at)


def test_the_owners_record_is_a_follow_up_that_extends_the_protection(cast):
    on = _claimed(cast, days_ago=28)  # protected for 2 more days
    record = file_call(cast.rep, on)

    on.refresh_from_db()
    assert on.protected_until == record.captured_at + timedelta(days=7)
    assert on.events.filter(kind=CustomerEventKind.PROTECTION_EXTENDED).count() == 1


def test_someone_elses_record_keeps_nobodys_claim_alive(cast):
    on = _claimed(cast, days_ago=28)
    before = on.protected_until
    file_call(cast.manager, on)

    on.refresh_from_db()
    assert on.protected_until == before
