"""The organization's customer template: its fields are asked on every customer, kept with their version."""

import uuid

import pytest
from django.test import Client

from fieldloop.core.errors import ServiceError
from fieldloop.customers import services
from fieldloop.customers.stages import stage_list
from fieldloop.formtemplates.selectors import customer_template
from fieldloop.formtemplates.services import template_publish
from fieldloop.org import services as org_services

PURCHASE = {"key": "annual_purchase", "type": "decimal", "label": "年采购额", "label_en": "Annual purchase",
            "required": True, "options": {"unit": "万元", "decimals": 1}}  # fmt: skip
CHOICES = [{"value": "direct", "label": "直销"}, {"value": "dealer", "label": "经销"}]
CHANNEL = {
    "key": "channel",
    "type": "single_choice",
    "label": "渠道",
    "required": False,
    "options": {"choices": CHOICES},
}


@pytest.fixture
def template(cast):
    template = customer_template(org=cast.org)
    template_publish(actor=cast.admin, template_id=template.pk, fields=[PURCHASE, CHANNEL])
    return template


def test_a_required_custom_field_is_asked_with_the_fixed_fields(cast, template):
    with pytest.raises(ServiceError) as e:
        services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="", custom_values={"channel": "x"})
    assert {"name", "custom_values.annual_purchase", "custom_values.channel"} <= set(e.value.fields)


def test_custom_values_are_stored_with_their_version_and_still_shown_after_a_new_version(cast, template):
    customer, _ = services.customer_create(
        actor=cast.rep, client_id=uuid.uuid4(), name="甲公司", custom_values={"annual_purchase": "120.5"}
    )
    assert customer.custom_values == {"annual_purchase": "120.5"}
    first_version = customer.template_version
    retired = dict(PURCHASE, retired=True)
    template_publish(actor=cast.admin, template_id=template.pk, fields=[retired, CHANNEL])
    page = cast.client_for(cast.rep).get(f"/customers/{customer.pk}/").content.decode()
    assert "年采购额" in page and "120.5" in page
    services.customer_update(actor=cast.rep, customer_id=customer.pk, custom_values={"channel": "dealer"})
    customer.refresh_from_db()
    assert customer.custom_values == {"annual_purchase": "120.5", "channel": "dealer"}  # retired value kept
    assert customer.template_version != first_version


def test_the_api_takes_custom_values_and_reports_their_errors(cast, template):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer " + org_services.api_token_create(actor=cast.rep, name="t").secret
    bad = client.post("/api/v1/customers", {"name": "乙公司", "custom_values": {"annual_purchase": "abc"}},
                      content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))  # fmt: skip
    assert bad.status_code == 400
    assert "custom_values.annual_purchase" in bad.json()["fields"]
    good = client.post("/api/v1/customers", {"name": "乙公司", "custom_values": {"annual_purchase": 30}},
                       content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))  # fmt: skip
    assert good.status_code == 201
    assert good.json()["custom_values"] == {"annual_purchase": "30.0"}


def test_the_customer_form_shows_the_template_fields_and_their_errors(cast, template):
    client = cast.client_for(cast.rep)
    assert 'data-testid="custom-fields"' in client.get("/customers/new/").content.decode()
    stage_id = stage_list(actor=cast.admin)[0].pk
    data = {"name": "丙公司", "level": "C", "stage_id": stage_id, "source": "other", "owner_id": cast.rep.pk,
            "client_id": str(uuid.uuid4())}  # fmt: skip
    response = client.post("/customers/new/", data)
    assert 'data-testid="error-annual_purchase"' in response.content.decode().split('data-testid="custom-fields"')[1]
    response = client.post("/customers/new/", data | {"custom-annual_purchase": "12"})
    assert response.status_code == 302
