"""Attendance (考勤): groups with their shifts, allowed places and members; the organization's workday
calendar; the clocks (打卡); leave, trip and correction requests with their history; and the daily status
rollup (one row per person per day) that monthly statistics read instead of the clocks."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from fieldloop.core.models import OrgScopedModel
from fieldloop.org.models import Department, Employee


class AttendanceGroup(OrgScopedModel):
    """考勤组: who it applies to (members), when they work (shifts), where they may clock (places)."""

    name = models.CharField(_("name"), max_length=60)
    field_staff = models.BooleanField(_("field staff (clock in anywhere, position recorded)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="attendance_group_unique_name")]

    def __str__(self) -> str:
        return self.name


class GroupMember(OrgScopedModel):
    """A department (with its sub-departments) or one person in a group. A department or a person is
    named by at most one group; an employee's group is the most specific: a group naming the person,
    else the group naming their deepest department (see rules.group_of)."""

    group = models.ForeignKey(AttendanceGroup, on_delete=models.CASCADE, related_name="members")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(department__isnull=True, employee__isnull=False)
                | models.Q(department__isnull=False, employee__isnull=True),
                name="attendance_member_department_xor_employee",
            ),
            models.UniqueConstraint(fields=["org", "department"], name="attendance_member_unique_department"),
            models.UniqueConstraint(fields=["org", "employee"], name="attendance_member_unique_employee"),
        ]


class Shift(OrgScopedModel):
    """班次: a working period on some weekdays (0 = Monday). Several shifts on one weekday make a split day.
    A flexible shift may start up to `flex_minutes` later and then ends as much later. A shift whose end is at or
    before its start is a night shift (22:00-06:00): it belongs to the weekday it starts on and ends the next day."""

    group = models.ForeignKey(AttendanceGroup, on_delete=models.CASCADE, related_name="shifts")
    name = models.CharField(_("name"), max_length=60)
    weekdays = models.JSONField(_("weekdays"), default=list)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    late_grace_minutes = models.PositiveSmallIntegerField(_("late grace (minutes)"), default=0)
    early_grace_minutes = models.PositiveSmallIntegerField(_("early-leave grace (minutes)"), default=0)
    flex_minutes = models.PositiveSmallIntegerField(_("flexible start (minutes)"), default=0)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(end=models.F("start")), name="shift_end_differs_from_start")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def overnight(self) -> bool:
        """A night shift: it ends the day after it starts."""
        return self.end <= self.start


class AllowedPlace(OrgScopedModel):
    """Where a group's non-field members may clock: a circle."""

    group = models.ForeignKey(AttendanceGroup, on_delete=models.CASCADE, related_name="places")
    name = models.CharField(_("name"), max_length=60)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    radius_m = models.PositiveIntegerField(_("radius (metres)"), default=200)

    class Meta:
        ordering = ["name", "id"]


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Public holiday")
    WORKDAY = "workday", _("Make-up workday")


class CalendarDay(OrgScopedModel):
    """An exception to the weekly pattern: a public holiday (rest) or a make-up workday (调休上班), which
    takes the shifts of `as_weekday`."""

    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=8, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=60, blank=True, default="")
    as_weekday = models.PositiveSmallIntegerField(_("works like weekday"), default=0)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["org", "day"], name="attendance_calendar_unique_day")]


class StatsExemption(OrgScopedModel):
    """白名单: a person left out of statistics from `effective_from` (the day after it was added) until
    `effective_until` (the day it was removed), inclusive."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    effective_from = models.DateField()
    effective_until = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["org", "employee"], name="attendance_exempt_employee")]


class ClockKind(models.TextChoices):
    IN = "in", _("Clock in")
    OUT = "out", _("Clock out")


class ClockSource(models.TextChoices):
    PHONE = "phone", _("Phone")
    CORRECTION = "correction", _("Correction")


class Clock(OrgScopedModel):
    """打卡: one clock-in or clock-out, at the capture time on the phone, with its position fix and checks,
    or one made by an approved correction (no position)."""

    client_id = models.UUIDField()
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=3, choices=ClockKind.choices)
    source = models.CharField(max_length=10, choices=ClockSource.choices, default=ClockSource.PHONE)
    at = models.DateTimeField(_("time"))
    day = models.DateField()  # `at`'s date in the organization's time zone
    received_at = models.DateTimeField()
    late = models.BooleanField(default=False)  # captured offline, received later than a fix may be old
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    fix_at = models.DateTimeField(null=True, blank=True)
    mocked = models.BooleanField(default=False)
    signals = models.JSONField(default=list)
    place = models.ForeignKey(AllowedPlace, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    distance_m = models.FloatField(null=True, blank=True)  # to the nearest allowed place
    outside = models.BooleanField(default=False)  # a field employee clocked away from every place

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["org", "client_id"], name="attendance_clock_unique_client")]
        indexes = [models.Index(fields=["org", "employee", "day"], name="attendance_clock_employee_day")]


class RequestKind(models.TextChoices):
    LEAVE = "leave", _("Leave")
    TRIP = "trip", _("Business trip")
    CORRECTION = "correction", _("Correction")


class LeaveType(models.TextChoices):
    ANNUAL = "annual", _("Annual leave")
    SICK = "sick", _("Sick leave")
    PERSONAL = "personal", _("Personal leave")
    OTHER = "other", _("Other leave")


class Half(models.TextChoices):
    AM = "am", _("Morning")
    PM = "pm", _("Afternoon")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Pending approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class AttendanceRequest(OrgScopedModel):
    """A leave, a business trip (from a start half-day to an end half-day) or a correction (补卡: a missing
    clock at a time), asked by the employee or made by a manager, approved by a manager."""

    client_id = models.UUIDField()
    employee = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    leave_type = models.CharField(_("leave type"), max_length=10, choices=LeaveType.choices, blank=True, default="")
    start_day = models.DateField(_("start"))
    start_half = models.CharField(max_length=2, choices=Half.choices, default=Half.AM)
    end_day = models.DateField(_("end"))
    end_half = models.CharField(max_length=2, choices=Half.choices, default=Half.PM)
    clock_kind = models.CharField(max_length=3, choices=ClockKind.choices, blank=True, default="")
    clock_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decided_by = models.ForeignKey(Employee, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True, default="")
    clock = models.ForeignKey(Clock, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["org", "client_id"], name="attendance_request_unique_client"),
            models.CheckConstraint(
                condition=models.Q(end_day__gte=models.F("start_day")), name="request_ends_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["org", "employee", "start_day"], name="attendance_request_employee"),
            models.Index(fields=["org", "status", "id"], name="attendance_request_status"),
        ]


class RequestEvent(OrgScopedModel):
    """A request's history: asked, made, approved, rejected; who, when, with what note."""

    request = models.ForeignKey(AttendanceRequest, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(Employee, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16)
    note = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]


class DayStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")
    LATE = "late", _("Late")
    EARLY = "early", _("Early leave")
    MISSING = "missing", _("Missing clock")
    ABSENT = "absent", _("Absent")
    LEAVE = "leave", _("On leave")
    TRIP = "trip", _("On a trip")
    REST = "rest", _("Rest day")
    OPEN = "open", _("In progress")


class DailyStatus(OrgScopedModel):
    """One person's day, computed by rules.compute_day and kept current by the services (and closed by the
    nightly `close_attendance_days`). Statistics sum these rows; they never rescan the clocks."""

    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    group = models.ForeignKey(AttendanceGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=8, choices=DayStatus.choices)
    workday = models.BooleanField(default=False)
    scheduled_minutes = models.PositiveIntegerField(default=0)
    worked_minutes = models.PositiveIntegerField(default=0)
    late_minutes = models.PositiveIntegerField(default=0)
    early_minutes = models.PositiveIntegerField(default=0)
    missing_clocks = models.PositiveSmallIntegerField(default=0)
    absent = models.BooleanField(default=False)
    on_leave = models.BooleanField(default=False)  # leave for the day or half of it: a leave day in statistics
    leave_hours = models.DecimalField(max_digits=4, decimal_places=1, default=0)
    trip = models.BooleanField(default=False)
    overtime_minutes = models.PositiveIntegerField(default=0)
    first_in = models.DateTimeField(null=True, blank=True)
    last_out = models.DateTimeField(null=True, blank=True)
    exempt = models.BooleanField(default=False)  # on the whitelist that day: left out of statistics
    closed = models.BooleanField(default=False)  # the day is over: final

    class Meta:
        ordering = ["day", "employee_id"]
        constraints = [models.UniqueConstraint(fields=["org", "employee", "day"], name="attendance_daily_unique_day")]
        indexes = [models.Index(fields=["org", "day", "employee"], name="attendance_daily_day")]
