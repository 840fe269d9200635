"""An organization's days as instants: a day runs from its midnight to the next one, in the organization's zone."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def days_bounds(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """From the first instant of `first_day` to the first instant after `last_day`, in `zone` (half open)."""
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    return start, datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone)
