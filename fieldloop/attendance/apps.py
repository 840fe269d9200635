from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    name = "fieldloop.attendance"
    label = "attendance"
    verbose_name = _("Attendance")

    def ready(self) -> None:
        from fieldloop.activities.today import TodaySection, register_today_section
        from fieldloop.org.waiting import Queue, leaders_queue, register_waiting
        from fieldloop.org.workhours import register_working_hours

        from .rules import register_notices
        from .selectors import requests_to_approve
        from .workhours import shift_spans

        register_notices()
        register_working_hours("attendance.shifts", shift_spans)
        register_today_section("attendance.clock", lambda actor: TodaySection("attendance/_today_clock.html", {}))
        register_waiting(
            "attendance.requests",
            Queue(_("Leave, trips and corrections"), "attendance_requests", leaders_queue(requests_to_approve)),
        )
