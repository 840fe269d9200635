"""What other apps add to a rep's Today page, above the calls and the customers nearby.

An app above activities (schedules: today's plan and the day's close card) registers a builder in its
AppConfig.ready. The Today view calls each builder with the signed-in employee; a builder returns the template
to include and its context, or None when it has nothing to show. A builder reads (a GET never writes) and costs
a query or two whatever the data. activities imports no app above it.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from fieldloop.org.models import Employee


@dataclass(frozen=True)
class TodaySection:
    template: str  # included with `section` = this object
    context: Mapping[str, object]


_BUILDERS: dict[str, Callable[[Employee], TodaySection | None]] = {}


def register_today_section(name: str, build: Callable[[Employee], TodaySection | None]) -> None:
    _BUILDERS[name] = build


def today_sections(actor: Employee) -> list[TodaySection]:
    """The sections of the actor's Today, in the order their apps registered them."""
    return [s for s in (build(actor) for build in _BUILDERS.values()) if s is not None]
