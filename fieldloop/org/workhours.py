"""When an employee works, as an app that schedules people knows it: a registry `org` owns and a higher app fills
in its `AppConfig.ready` (attendance: its shifts and calendar).

Apps beside each other (`attendance` and `tracking` are siblings: neither imports the other) meet here: tracking
asks `working_spans` when to collect positions and how many it expected, without knowing where the answer comes
from; attendance answers from its shifts without knowing who asks. An employee no source knows (no attendance
group with shifts) is left out of the answer, and the caller falls back to its own hours.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from .models import Organization


@dataclass(frozen=True, order=True)
class Span:
    """A stretch of work, as aware instants: scheduled from `start` to `end` (what a full stretch lasts), and
    possibly ending as late as `latest_end` (a flexible start moves the end)."""

    start: datetime
    end: datetime
    latest_end: datetime | None = None

    @property
    def until(self) -> datetime:
        """The latest the stretch may end: work may be under way until then."""
        return self.latest_end or self.end


# A source takes the organization, employee ids and an interval [start, end) and answers, for each employee it
# schedules, their working spans overlapping the interval up to their latest end (an empty list: off the whole
# time). It reads in a few queries whatever the number of employees and days.
WorkingHoursSource = Callable[[Organization, Sequence[int], datetime, datetime], dict[int, list[Span]]]
_SOURCES: dict[str, WorkingHoursSource] = {}


def register_working_hours(name: str, source: WorkingHoursSource) -> None:
    """Add a source of working hours (called from a higher app's AppConfig.ready)."""
    _SOURCES[name] = source


def working_spans(
    *, org: Organization, employee_ids: Sequence[int], start: datetime, end: datetime
) -> dict[int, list[Span]]:
    """Each scheduled employee's working spans overlapping [start, end), in order; employees no source
    schedules are absent."""
    found: dict[int, list[Span]] = {}
    for source in _SOURCES.values():
        for employee_id, spans in source(org, employee_ids, start, end).items():
            found.setdefault(employee_id, []).extend(spans)
    return {employee_id: sorted(spans) for employee_id, spans in found.items()}


# A listener takes the organization, employee ids and the days [first, last] whose working hours changed; it runs
# in the transaction of the change, in a few queries whatever the number of employees and days.
WorkingHoursListener = Callable[[Organization, Sequence[int], date, date], None]
_LISTENERS: dict[str, WorkingHoursListener] = {}


def on_working_hours_changed(name: str, listener: WorkingHoursListener) -> None:
    """Be told when a source's working hours change (called from a higher app's AppConfig.ready)."""
    _LISTENERS[name] = listener


def working_hours_changed(*, org: Organization, employee_ids: Sequence[int], first: date, last: date) -> None:
    """A source's answer changed for these employees on the days [first, last]: tell the listeners."""
    for listener in _LISTENERS.values():
        listener(org, employee_ids, first, last)
