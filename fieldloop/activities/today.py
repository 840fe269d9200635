"""What other apps add to a rep's Today page, above the calls and the customers nearby.

An app above activities (schedules: today's plan and the day's close card) registers a builder in its
AppConfig.ready. The Today view calls each builder with the signed-in employee; a builder returns the template
to include and its context, or None when it has nothing to show; a section in the DAILY_TILE slot takes the
place of the daily report's tile (the daily close card knows which day it closes; a report filed today may close
yesterday). A builder reads (a GET never writes) and costs
a query or two whatever the data. activities imports no app above it.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from fieldloop.org.models import Employee

TOP, DAILY_TILE = "top", "daily_tile"  # where a section goes: above the tiles, or in place of the daily report's


@dataclass(frozen=True)
class TodaySection:
    template: str  # included with `section` = this object
    context: Mapping[str, object]
    slot: str = TOP  # DAILY_TILE: the app owns the day's close and says whether it is filed (schedules' card)


_BUILDERS: dict[str, Callable[[Employee], TodaySection | None]] = {}


def register_today_section(name: str, build: Callable[[Employee], TodaySection | None]) -> None:
    _BUILDERS[name] = build


def today_sections(actor: Employee) -> list[TodaySection]:
    """The sections of the actor's Today, in the order their apps registered them."""
    return [s for s in (build(actor) for build in _BUILDERS.values()) if s is not None]
