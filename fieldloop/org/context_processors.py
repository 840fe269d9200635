"""Navigation for the web UI shell: what the signed-in employee may open."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .decorators import employee_of
from .permissions import Permission, has_permission

# (url name, label, icon, permission needed or None, shown in the phone's bottom bar)
NAVIGATION: list[tuple[str, Any, str, Permission | None, bool]] = [
    ("home", _("Home"), "ti-home", None, True),
    ("phone_today", _("Today"), "ti-map-pin", None, True),
    ("customer_list", _("Customers"), "ti-building-store", None, True),
    ("pool_list", _("Public pool"), "ti-lifebuoy", None, False),
    ("record_feed", _("Team work"), "ti-notes", None, True),
    ("visit_list", _("Visits"), "ti-map-pin-check", None, False),
    ("attendance_clock", _("Attendance"), "ti-clock-check", None, False),
    ("employee_list", _("Employees"), "ti-users", Permission.VIEW_EMPLOYEES, True),
    ("department_tree", _("Departments"), "ti-sitemap", Permission.VIEW_DEPARTMENTS, True),
    ("organization_settings", _("Organization"), "ti-building", Permission.MANAGE_ORGANIZATION, False),
    ("formtemplate_list", _("Form templates"), "ti-forms", Permission.MANAGE_ORGANIZATION, False),
    ("profile", _("Profile"), "ti-user-circle", None, True),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    employee = employee_of(request)
    if employee is None:
        return {"nav_items": [], "languages": settings.LANGUAGES}
    path = request.path
    items = []
    for name, label, icon, permission, in_bottom_bar in NAVIGATION:
        if permission is not None and not has_permission(employee, permission):
            continue
        url = reverse(name)
        items.append({"url": url, "label": label, "icon": icon, "active": False, "bottom": in_bottom_bar})
    # The item whose URL is the longest prefix of the path is the current one ("/" only for itself).
    matches = [i for i in items if path == i["url"] or (i["url"] != "/" and path.startswith(i["url"]))]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return {"nav_items": items, "languages": settings.LANGUAGES, "employee": employee}
