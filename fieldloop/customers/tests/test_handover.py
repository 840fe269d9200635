"""Handover: a leaving rep's customers go to successors with their history; nobody leaves holding any."""

import uuid

import pytest
from django.test import Client

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.customers import handover, services
from fieldloop.customers.models import Customer, CustomerEvent
from fieldloop.org import services as org_services


def customers_of(cast, owner, n=3):
    return [
        services.customer_create(actor=owner, client_id=uuid.uuid4(), name=f"{owner.name}客户{i}")[0] for i in range(n)
    ]


def test_marking_someone_as_left_is_refused_while_they_own_customers(cast):
    customers_of(cast, cast.rep)
    with pytest.raises(ServiceError) as e:
        org_services.employee_mark_left(actor=cast.admin, employee_id=cast.rep.pk)
    assert e.value.code == ErrorCode.CONFLICT
    cast.rep.refresh_from_db()
    assert cast.rep.is_active


def test_handover_spreads_customers_keeps_history_and_then_the_rep_leaves(cast):
    owned = customers_of(cast, cast.rep, 3)
    services.customer_update(actor=cast.rep, customer_id=owned[0].pk, level="A")
    result = handover.customer_handover(
        actor=cast.admin, from_employee_id=cast.rep.pk, successor_ids=[cast.rep2.pk, cast.manager.pk], mark_left=True
    )
    assert sorted(result.moved.values()) == [1, 2]
    assert not Customer.objects.filter(owner=cast.rep).exists()
    first = Customer.objects.get(pk=owned[0].pk)
    assert first.level == "A"
    assert [e.kind for e in CustomerEvent.objects.filter(customer=first)] == ["handed_over", "updated", "created"]
    cast.rep.refresh_from_db()
    assert not cast.rep.is_active


def test_handover_to_someone_who_left_or_outside_reach_is_refused_and_moves_nothing(cast):
    customers_of(cast, cast.rep, 2)
    org_services.employee_mark_left(actor=cast.admin, employee_id=cast.rep2.pk)
    for successors in ([cast.rep2.pk], [cast.other_branch_rep.pk], [cast.rep.pk], []):
        with pytest.raises(ServiceError):
            handover.customer_handover(actor=cast.manager, from_employee_id=cast.rep.pk, successor_ids=successors)
    assert Customer.objects.filter(owner=cast.rep).count() == 2


def test_a_rep_cannot_hand_over_anyones_customers(cast):
    customers_of(cast, cast.rep2, 1)
    with pytest.raises(ServiceError) as e:
        handover.customer_handover(actor=cast.rep, from_employee_id=cast.rep2.pk, successor_ids=[cast.rep.pk])
    assert e.value.code == ErrorCode.FORBIDDEN


def test_the_wizard_and_the_api_hand_over(cast):
    customers_of(cast, cast.rep, 2)
    page = cast.client_for(cast.admin).get(f"/employees/{cast.rep.pk}/").content.decode()
    assert 'data-testid="holdings"' in page and f"/customers/handover/{cast.rep.pk}/" in page
    response = cast.client_for(cast.admin).post(
        f"/customers/handover/{cast.rep.pk}/", {"successor_ids": [cast.rep2.pk], "mark_left": "on"}
    )
    assert response.status_code == 302
    cast.rep.refresh_from_db()
    assert not cast.rep.is_active
    assert Customer.objects.filter(owner=cast.rep2).count() == 2
    customers_of(cast, cast.rep2, 1)
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer " + org_services.api_token_create(actor=cast.admin, name="t").secret
    body = client.post(
        f"/api/v1/employees/{cast.rep2.pk}/customer-handover", {"successor_ids": [cast.manager.pk]},
        content_type="application/json",
    ).json()  # fmt: skip
    assert body == {"moved": {str(cast.manager.pk): 3}, "left": False}
