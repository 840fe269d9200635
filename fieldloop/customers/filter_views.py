"""What the customer list's and the map's filter controls offer: the same controls on both pages, read once
per page (a query each for the stages, owners, tags and departments, whatever the customers)."""

from typing import Any

from django.utils.translation import get_language

from fieldloop.org.models import Employee
from fieldloop.org.selectors import filter_departments, visible_employees

from . import tags
from .models import CustomerLevel, CustomerSource
from .selectors import MAX_NOT_VISITED_DAYS, CustomerFilters
from .stages import stage_list


def filter_choices(*, actor: Employee, filters: CustomerFilters, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The template context of the filter controls: the filters in force, what the query asked that was
    dropped (`filter_errors`, shown above the list), and each control's options. Archived tags are offered
    too (they still filter the customers that keep them), after the active ones."""
    every_tag = sorted(tags.tag_list(actor=actor, include_archived=True), key=lambda t: (t.archived_at is not None,))
    rows = filter_departments(actor=actor).select_related(None).only("pk", "name", "path")
    top = min((d.path.count("/") for d in rows), default=1)  # a branch manager's tree starts at their branch
    departments = [(d.pk, d.name, d.path.count("/") - top) for d in rows]
    return {
        "filters": filters,
        "filter_errors": [message for messages in errors.values() for message in messages],
        "levels": CustomerLevel.choices,
        "sources": CustomerSource.choices,
        "stages": stage_list(actor=actor),
        "owners": visible_employees(actor=actor).active().order_by("name").values_list("pk", "name"),
        "tag_choices": every_tag,
        "departments": departments,
        "max_not_visited": MAX_NOT_VISITED_DAYS,
        "language": get_language(),
    }
