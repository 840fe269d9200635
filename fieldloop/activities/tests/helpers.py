"""What the activities tests share: the organization's built-in templates, a customer, a filed record."""

import uuid
from typing import Any

from fieldloop.activities import services
from fieldloop.activities.models import WorkRecord
from fieldloop.customers import services as customer_services
from fieldloop.customers.models import Customer
from fieldloop.formtemplates.models import FormTemplate, Purpose
from fieldloop.org.models import Employee

CALL_VALUES = {"direction": "outbound", "duration_minutes": 12, "result": "follow_up", "notes": "谈了新报价"}
VISIT_VALUES = {"purpose": "routine", "outcome": "客户下月补货", "competitor_price": "12.5"}
DAILY_VALUES = {"done_today": "拜访三家客户", "plan_tomorrow": "整理报价"}


def template(employee: Employee, purpose: str) -> FormTemplate:
    return FormTemplate.objects.get(org_id=employee.org_id, purpose=purpose, is_active=True)


def customer(owner: Employee, name: str = "") -> Customer:
    name = name or f"{owner.name} 的客户 {uuid.uuid4().hex[:6]}"
    return customer_services.customer_create(actor=owner, client_id=uuid.uuid4(), name=name, allow_duplicates=True)[0]


def file_call(author: Employee, on: Customer, **extra: Any) -> WorkRecord:
    extra.setdefault("values", CALL_VALUES)
    record, _ = services.record_create(
        actor=author,
        client_id=extra.pop("client_id", uuid.uuid4()),
        template_id=template(author, Purpose.CALL).pk,
        customer_id=on.pk,
        **extra,
    )
    return record


def file_daily(author: Employee, **extra: Any) -> WorkRecord:
    record, _ = services.record_create(
        actor=author,
        client_id=uuid.uuid4(),
        template_id=template(author, Purpose.DAILY_REPORT).pk,
        values=DAILY_VALUES,
        **extra,
    )
    return record


def many_records(author: Employee, on: Customer, n: int) -> None:
    """n records by `author` about `on` (calls and visits alternating), written in bulk."""
    from django.utils import timezone

    from fieldloop.formtemplates.models import Purpose

    call, visit = template(author, Purpose.CALL), template(author, Purpose.VISIT)
    now = timezone.now()
    WorkRecord.objects.bulk_create(
        WorkRecord(
            org_id=author.org_id,
            client_id=uuid.uuid4(),
            template=t,
            template_version=t.current_version,
            author=author,
            customer=on,
            values=CALL_VALUES if t == call else {**VISIT_VALUES, "competitor_price": "12.50"},
            captured_at=now,
            received_at=now,
        )
        for t in (call if i % 2 else visit for i in range(n))
    )
