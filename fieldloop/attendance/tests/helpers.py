"""A group for the shared cast: the sales department, 9:00-18:00 on weekdays, one office in Shanghai."""

from datetime import datetime, time
from typing import Any

from django.utils import timezone

from fieldloop.attendance import services
from fieldloop.core.geo import SentFix
from fieldloop.org.models import Employee

OFFICE = (31.2304, 121.4737)


def a_group(admin: Employee, departments: list[int], *, field_staff: bool = False, name: str = "销售考勤") -> Any:
    group = services.group_create(actor=admin, name=name, field_staff=field_staff, department_ids=departments)
    services.shift_create(actor=admin, group_id=group.pk, name="白班", weekdays=[0, 1, 2, 3, 4, 5, 6],
                          start=time(9), end=time(18), late_grace_minutes=5, early_grace_minutes=5)  # fmt: skip
    services.place_create(actor=admin, group_id=group.pk, name="上海办公室", latitude=OFFICE[0], longitude=OFFICE[1],
                          radius_m=300)  # fmt: skip
    return group


def fix_at(lat: float = OFFICE[0], lon: float = OFFICE[1], at: datetime | None = None) -> SentFix:
    return SentFix(lat, lon, 15, at or timezone.now())
