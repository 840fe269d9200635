"""Customer and contact writes: validation, idempotency, history, and who may see what."""

import uuid

import pytest

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.customers import credit_code, services
from fieldloop.customers.models import Contact, Customer, CustomerEvent, Tag
from fieldloop.customers.selectors import customer_get, visible_customers

VALID_CODE = "91350100M000100Y43"


def create(actor, **fields):
    fields.setdefault("name", "上海精工机械有限公司")
    fields.setdefault("allow_duplicates", True)  # these tests are not about duplicates
    customer, _ = services.customer_create(actor=actor, client_id=uuid.uuid4(), **fields)
    return customer


@pytest.mark.parametrize(
    ("code", "valid"),
    [(VALID_CODE, True), ("91350100M000100Y44", False), ("9135010OM000100Y43", False), ("123", False), ("", False)],
)
def test_credit_code_check_digit(code, valid):
    assert credit_code.is_valid(code) is valid


def test_a_rep_creates_a_customer_he_owns_with_the_first_stage(cast):
    key, tool = (Tag.objects.create(org=cast.org, name=name) for name in ("重点", "机床"))
    customer = create(cast.rep, credit_code=VALID_CODE.lower(), tag_ids=[key.pk, key.pk, tool.pk])
    assert customer.owner == cast.rep
    assert customer.credit_code == VALID_CODE
    assert customer.stage.name == "潜在客户"
    assert sorted(t.name for t in customer.tags.all()) == ["机床", "重点"]
    event = CustomerEvent.objects.get(customer=customer)
    assert event.kind == "created"
    assert event.changes["name"] == [None, "上海精工机械有限公司"]


def test_a_replayed_create_returns_the_first_customer_and_writes_nothing(cast):
    key = uuid.uuid4()
    first, created = services.customer_create(actor=cast.rep, client_id=key, name="甲公司")
    again, created_again = services.customer_create(actor=cast.rep, client_id=key, name="甲公司")
    assert created and not created_again
    assert first.pk == again.pk
    assert Customer.objects.count() == 1


def test_bad_input_reports_every_field_and_writes_nothing(cast):
    with pytest.raises(ServiceError) as e:
        create(
            cast.rep,
            name="",
            credit_code="91350100M000100Y44",
            phone="abc",
            latitude=95,
            longitude=10,
            website="ftp://x",
            level="Z",
        )
    assert set(e.value.fields) == {"name", "credit_code", "phone", "latitude", "website", "level"}
    assert not Customer.objects.exists()


def test_a_duplicate_credit_code_is_refused(cast):
    create(cast.rep, credit_code=VALID_CODE)
    with pytest.raises(ServiceError) as e:
        create(cast.rep2, name="另一家", credit_code=VALID_CODE)
    assert e.value.code == ErrorCode.DUPLICATE
    assert "credit_code" in e.value.fields


def test_a_rep_cannot_give_a_customer_to_someone_else_but_a_manager_can(cast):
    with pytest.raises(ServiceError) as e:
        create(cast.rep, owner_id=cast.rep2.pk)
    assert "owner_id" in e.value.fields
    customer = create(cast.manager, owner_id=cast.rep2.pk)
    assert customer.owner == cast.rep2


def test_nobody_assigns_to_someone_who_left_or_outside_their_reach(cast):
    from fieldloop.org.services import employee_mark_left

    employee_mark_left(actor=cast.admin, employee_id=cast.rep2.pk)
    with pytest.raises(ServiceError):
        create(cast.manager, owner_id=cast.rep2.pk)
    with pytest.raises(ServiceError):
        create(cast.manager, owner_id=cast.other_branch_rep.pk)


def test_visibility_follows_the_owner_and_collaborators(cast):
    mine = create(cast.rep)
    peers = create(cast.rep2, collaborator_ids=[cast.rep.pk])
    other_branch = create(cast.other_branch_rep)
    assert set(visible_customers(actor=cast.rep)) == {mine, peers}
    assert set(visible_customers(actor=cast.manager)) == {mine, peers}
    assert set(visible_customers(actor=cast.director)) == {mine, peers, other_branch}
    assert set(visible_customers(actor=cast.admin)) == {mine, peers, other_branch}
    assert not visible_customers(actor=cast.outsider).exists()
    with pytest.raises(ServiceError) as e:
        customer_get(actor=cast.rep, customer_id=other_branch.pk)
    assert e.value.code == ErrorCode.NOT_FOUND


def test_updates_keep_a_history_of_old_and_new_values(cast):
    customer = create(cast.rep, level="C")
    services.customer_update(actor=cast.manager, customer_id=customer.pk, level="A", owner_id=cast.rep2.pk)
    event = CustomerEvent.objects.filter(customer=customer, kind="updated").get()
    assert event.changes == {"level": ["C", "A"], "owner_id": [cast.rep.pk, cast.rep2.pk]}
    assert event.actor == cast.manager


def test_a_customer_always_has_an_owner(cast):
    customer = create(cast.rep)
    with pytest.raises(ServiceError):
        services.customer_update(actor=cast.manager, customer_id=customer.pk, owner_id=None)


def test_a_rep_cannot_change_a_peers_customer_he_only_collaborates_on(cast):
    customer = create(cast.rep2, collaborator_ids=[cast.rep.pk])
    with pytest.raises(ServiceError) as e:
        services.customer_update(actor=cast.rep, customer_id=customer.pk, level="A")
    assert e.value.code == ErrorCode.FORBIDDEN


def test_archived_customers_leave_the_list_but_keep_their_page(cast):
    customer = create(cast.rep)
    services.customer_archive(actor=cast.rep, customer_id=customer.pk)
    assert not visible_customers(actor=cast.rep).exists()
    assert customer_get(actor=cast.rep, customer_id=customer.pk).is_archived


def test_the_first_contact_is_primary_and_a_new_primary_replaces_it(cast):
    customer = create(cast.rep)
    first, _ = services.contact_create(actor=cast.rep, customer_id=customer.pk, client_id=uuid.uuid4(), name="王经理")
    second, _ = services.contact_create(
        actor=cast.rep, customer_id=customer.pk, client_id=uuid.uuid4(), name="李工", is_primary=True
    )
    first.refresh_from_db()
    assert second.is_primary and not first.is_primary
    assert Contact.objects.filter(customer=customer, is_primary=True).count() == 1


def test_a_contact_with_a_bad_email_or_phone_is_refused(cast):
    customer = create(cast.rep)
    with pytest.raises(ServiceError) as e:
        services.contact_create(
            actor=cast.rep, customer_id=customer.pk, client_id=uuid.uuid4(), name="x", email="nope", mobile="abc"
        )
    assert set(e.value.fields) == {"email", "mobile"}


def test_nobody_adds_contacts_to_a_customer_they_cannot_see(cast):
    customer = create(cast.other_branch_rep)
    with pytest.raises(ServiceError) as e:
        services.contact_create(actor=cast.rep, customer_id=customer.pk, client_id=uuid.uuid4(), name="x")
    assert e.value.code == ErrorCode.NOT_FOUND


def test_the_demo_company_has_customers_near_real_cities_with_valid_credit_codes(db):
    from fieldloop.demo.company import build_demo_company

    ctx = build_demo_company(size="small", seed=5)
    customers = Customer.objects.filter(org=ctx.org)
    assert customers.count() == 2_000
    sample = list(customers.select_related("owner").order_by("id")[:300])
    assert all(c.owner.role == "rep" for c in sample if c.owner is not None)
    assert 0 < sum(c.owner is None for c in sample) < 100  # about one in ten waits in the pool
    codes = [c for c in customers.values_list("credit_code", flat=True) if c]
    assert len(codes) > 1_000
    assert all(credit_code.is_valid(c) for c in codes)
    located = customers.filter(latitude__isnull=False)
    assert (
        located.filter(latitude__gt=20, latitude__lt=42, longitude__gt=100, longitude__lt=123).count()
        == located.count()
    )
    assert Contact.objects.filter(org=ctx.org, is_primary=True).count() == 2_000
