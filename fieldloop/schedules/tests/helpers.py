"""What the schedules tests share: planning an item, checking in at a customer."""

import uuid
from datetime import date
from typing import Any

from fieldloop.org.models import Employee
from fieldloop.schedules import services
from fieldloop.schedules.models import ItemKind, ScheduleItem


def today(employee: Employee) -> date:
    return services.org_today(employee)


def plan(actor: Employee, **fields: Any) -> ScheduleItem:
    fields.setdefault("day", today(actor))
    fields.setdefault("kind", ItemKind.TASK)
    item, _created = services.schedule_item_create(
        actor=actor, client_id=fields.pop("client_id", uuid.uuid4()), **fields
    )
    return item
