"""Navigation for the web UI shell: what the signed-in employee may open.

Two shapes of the same entries: the desktop's sidebar lists every page the employee may open; the phone's
bottom bar has at most five, the ones used every day. Someone who starts on Today (`org.selectors.starts_on_today`:
a rep, who leads nobody) and a leader (or an administrator) get different homes, feeds and bottom bars.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .decorators import employee_of
from .permissions import Permission, has_permission
from .selectors import starts_on_today

LEADERS, OTHERS = "leaders", "others"  # who an entry is for (leaders and administrators, or reps); None: all


@dataclass(frozen=True)
class Entry:
    name: str  # the URL name
    label: Any
    icon: str
    permission: Permission | None = None
    only: str | None = None  # LEADERS or OTHERS


NAVIGATION: list[Entry] = [
    Entry("home", _("Home"), "ti-home", only=LEADERS),
    Entry("phone_today", _("Today"), "ti-map-pin"),
    Entry("customer_list", _("Customers"), "ti-building-store"),
    Entry("contact_list", _("Contacts"), "ti-address-book"),
    Entry("pool_list", _("Public pool"), "ti-lifebuoy"),
    Entry("record_feed", _("Team work"), "ti-notes", only=LEADERS),
    Entry("record_feed", _("My records"), "ti-notes", only=OTHERS),
    Entry("visit_list", _("Visits"), "ti-map-pin-check"),
    Entry("schedule_day", _("Schedule"), "ti-calendar"),
    Entry("schedule_team", _("Subordinates' schedules"), "ti-calendar-user", Permission.VIEW_EMPLOYEES, only=LEADERS),
    Entry("visit_plan_due", _("Visit plans"), "ti-calendar-due"),
    Entry("order_list", _("Orders"), "ti-file-dollar"),
    Entry("target_achievement", _("Target achievement"), "ti-target-arrow"),
    Entry(
        "daily_card_review_queue", _("Daily close reviews"), "ti-clipboard-check", Permission.CHANGE_SUBORDINATE_RECORDS
    ),
    Entry("receivables", _("Receivables"), "ti-report-money"),
    Entry("target_plan_list", _("Target plans"), "ti-target", Permission.MANAGE_TARGETS),
    Entry("attendance_clock", _("Attendance"), "ti-clock-check"),
    Entry("attendance_team", _("Team attendance"), "ti-calendar-check", Permission.CHANGE_SUBORDINATE_RECORDS),
    Entry("attendance_settings", _("Attendance settings"), "ti-settings", Permission.MANAGE_ORGANIZATION),
    Entry("tracking_team", _("Live map"), "ti-map-2", Permission.VIEW_EMPLOYEES, only=LEADERS),
    Entry("tracking_mine", _("My tracking"), "ti-current-location"),
    Entry("product_list", _("Products"), "ti-package"),
    Entry("employee_list", _("Employees"), "ti-users", Permission.VIEW_EMPLOYEES),
    Entry("department_tree", _("Departments"), "ti-sitemap", Permission.VIEW_DEPARTMENTS),
    Entry("organization_settings", _("Organization"), "ti-building", Permission.MANAGE_ORGANIZATION),
    Entry("formtemplate_list", _("Form templates"), "ti-forms", Permission.MANAGE_ORGANIZATION),
    Entry("export_log", _("Export log"), "ti-file-export", Permission.MANAGE_ORGANIZATION),
    Entry("profile", _("Profile"), "ti-user-circle"),
]

# The phone's bottom bar: five entries at most, with short labels.
MESSAGES = Entry("notification_list", pgettext_lazy("bottom bar", "Messages"), "ti-bell")
ME = Entry("profile", pgettext_lazy("bottom bar", "Me"), "ti-user-circle")
BOTTOM_BAR: dict[str, list[Entry]] = {
    OTHERS: [
        Entry("phone_today", _("Today"), "ti-map-pin"),
        Entry("customer_list", _("Customers"), "ti-building-store"),
        Entry("visit_list", _("Visits"), "ti-map-pin-check"),
        MESSAGES,
        ME,
    ],
    LEADERS: [
        Entry("home", _("Home"), "ti-home"),
        Entry("customer_list", _("Customers"), "ti-building-store"),
        Entry("record_feed", _("Team work"), "ti-notes"),
        MESSAGES,
        ME,
    ],
}


def _mark_active(items: list[dict[str, Any]], path: str) -> None:
    """The item whose URL is the longest prefix of the path is the current one ("/" only for itself)."""
    for i in items:
        i["active"] = False
    matches = [i for i in items if path == i["url"] or (i["url"] != "/" and path.startswith(i["url"]))]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True


def navigation(request: HttpRequest) -> dict[str, Any]:
    employee = employee_of(request)
    if employee is None:
        return {"nav_items": [], "bottom_items": [], "languages": settings.LANGUAGES}
    on_today = employee.is_active and starts_on_today(actor=employee)
    who = OTHERS if on_today else LEADERS
    bottom_names = {e.name for e in BOTTOM_BAR[who]}
    items = []
    for entry in NAVIGATION:
        if entry.only is not None and entry.only != who:
            continue
        if entry.permission is not None and not has_permission(employee, entry.permission):
            continue
        bottom_too = entry.name in bottom_names
        items.append({"url": reverse(entry.name), "label": entry.label, "icon": entry.icon, "bottom": bottom_too})
    bottom = [{"url": reverse(e.name), "label": e.label, "icon": e.icon, "testid": e.name} for e in BOTTOM_BAR[who]]
    _mark_active(items, request.path)
    _mark_active(bottom, request.path)
    return {
        "nav_items": items,
        "bottom_items": bottom,
        "home_url": reverse("phone_today" if on_today else "home"),
        "starts_on_today": on_today,
        "languages": settings.LANGUAGES,
        "employee": employee,
    }
