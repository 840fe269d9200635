"""When tracking runs: the organization's working hours on its workdays, in its time zone."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .models import TrackingSettings


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants a local day starts and ends (end excluded)."""
    return datetime.combine(day, time.min, tzinfo=zone), datetime.combine(
        day + timedelta(days=1), time.min, tzinfo=zone
    )


def in_working_hours(at: datetime, settings: TrackingSettings, zone: ZoneInfo) -> bool:
    local = at.astimezone(zone)
    return local.isoweekday() in settings.workdays and settings.day_start <= local.time() < settings.day_end


def expected_samples(day: date, settings: TrackingSettings) -> int:
    """How many positions a phone tracking all the working hours of `day` sends."""
    if day.isoweekday() not in settings.workdays:
        return 0
    start = datetime.combine(day, settings.day_start)
    end = datetime.combine(day, settings.day_end)
    return max(0, int((end - start).total_seconds() // settings.interval_seconds))


def tracking_now(now: datetime, settings: TrackingSettings, zone: ZoneInfo) -> bool:
    return settings.enabled and in_working_hours(now, settings, zone)
