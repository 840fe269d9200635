"""What tracking tests share: a past workday inside the default tracking hours, and points on it."""

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")


def last_workday(before: date | None = None) -> date:
    """The latest Monday-to-Friday before `before` (today in Shanghai): its working hours are wholly past."""
    day = (before or timezone.now().astimezone(SHANGHAI).date()) - timedelta(days=1)
    while day.isoweekday() > 5:
        day -= timedelta(days=1)
    return day


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI)


def point(when: datetime, lat: float = 31.2304, lon: float = 121.4737, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(extra.pop("id", uuid.uuid4())), "at": when.isoformat(), "latitude": lat, "longitude": lon,
        "accuracy": extra.pop("accuracy", 12), "speed": extra.pop("speed", 0.5), "heading": 90, "provider": "gps",
        "battery": 80, "mocked": False, **extra,
    }  # fmt: skip


def employed(employee: Any, day: date) -> Any:
    """The employee joined a month before `day` (the factory's employee joined today)."""
    employee.joined_on = day - timedelta(days=30)
    employee.save(update_fields=["joined_on"])
    return employee
