"""Template helpers of the customer list: days since a moment."""

from datetime import datetime

from django import template

register = template.Library()


@register.simple_tag
def days_since(moment: datetime | None, now: datetime) -> str:
    """Whole days from `moment` to `now` ("" without a moment): the list's "days since the last visit"."""
    if moment is None:
        return ""
    return str(max((now - moment).days, 0))
