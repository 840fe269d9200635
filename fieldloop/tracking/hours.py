"""When tracking runs: an employee's working hours in the organization's time zone.

They are the employee's attendance shifts when an app schedules them (`org.workhours`, filled by attendance),
else the organization's tracking hours on its workdays. The ingest refuses points outside them, the quality
rollup expects a sample per interval within them, and the rep's page collects and says so within them.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fieldloop.org.workhours import Span

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
    """How many positions a phone tracking all the organization's working hours of `day` sends."""
    if day.isoweekday() not in settings.workdays:
        return 0
    start = datetime.combine(day, settings.day_start)
    end = datetime.combine(day, settings.day_end)
    return max(0, int((end - start).total_seconds() // settings.interval_seconds))


def tracking_now(now: datetime, settings: TrackingSettings, zone: ZoneInfo) -> bool:
    return settings.enabled and in_working_hours(now, settings, zone)


@dataclass(frozen=True)
class WorkingHours:
    """One employee's working hours over a stretch of time: `spans` from their shifts, or None for the
    organization's tracking hours (`settings`)."""

    settings: TrackingSettings
    zone: ZoneInfo
    spans: tuple[Span, ...] | None = None

    @property
    def from_shifts(self) -> bool:
        return self.spans is not None

    def contains(self, at: datetime) -> bool:
        """Is `at` in working hours (to a flexible shift's latest end)?"""
        if self.spans is None:
            return in_working_hours(at, self.settings, self.zone)
        return any(s.start <= at < s.until for s in self.spans)

    def day_spans(self, day: date) -> list[Span]:
        """The scheduled working spans within the local `day` (a night shift's part of it)."""
        lo, hi = day_bounds(day, self.zone)
        if self.spans is None:
            if day.isoweekday() not in self.settings.workdays:
                return []
            return [Span(datetime.combine(day, self.settings.day_start, self.zone),
                         datetime.combine(day, self.settings.day_end, self.zone))]  # fmt: skip
        return [Span(max(s.start, lo), min(s.end, hi)) for s in self.spans if s.start < hi and s.end > lo]

    def expected_samples(self, day: date) -> int:
        """How many positions a phone tracking all the scheduled working hours of the local `day` sends (a
        flexible shift lasts as long, whenever it starts)."""
        if self.spans is None:
            return expected_samples(day, self.settings)
        seconds = sum((s.end - s.start).total_seconds() for s in self.day_spans(day))
        return int(seconds // self.settings.interval_seconds)
