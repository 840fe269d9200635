"""What every page's shell shows of notifications: the bell's unread count, rendered with the page.

The count is read only when a template asks for it (the shell's bell; htmx partials never do), once per
render: one indexed COUNT instead of a request of its own from the phone after the page has loaded.
"""

from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import HttpRequest

from fieldloop.org.decorators import employee_of

from .selectors import notification_unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    employee = employee_of(request)
    if employee is None:
        return {}
    unread: Callable[[], int] = cache(lambda: notification_unread_count(actor=employee))
    return {"unread_notifications": unread}
