"""Schedules (日程): each employee's plan, day by day, and what became of it.

An item is one thing an employee plans for a day (a visit, a call, a meeting, a task), optionally at a time and
about a customer. Its state says what became of it: planned, then done (by hand with a note, or by itself when the
rep checks in at that customer or logs a call to them that day: it then links to the visit or record that
fulfilled it), missed (still planned when the day ended, set by the nightly close) or cancelled.

A recurring item is a series (daily, weekly on chosen weekdays, monthly, bounded by an end date or a count of at
most MAX_OCCURRENCES) whose occurrences are materialised as items when it is created; an occurrence edited on its
own becomes an exception (`is_exception`), and a date skipped is in the series' `exceptions`.
"""

import uuid
from datetime import time

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldloop.core.models import OrgScopedModel
from fieldloop.customers.models import CustomerLevel

MAX_OCCURRENCES = 500


def default_working_weekdays() -> list[int]:
    return [0, 1, 2, 3, 4, 5]  # Monday to Saturday: field sales work Saturdays


class ItemKind(models.TextChoices):
    VISIT = "visit", pgettext_lazy("schedule item kind", "Visit")
    CALL = "call", pgettext_lazy("schedule item kind", "Call")
    MEETING = "meeting", pgettext_lazy("schedule item kind", "Meeting")
    TASK = "task", pgettext_lazy("schedule item kind", "Task")
    OTHER = "other", pgettext_lazy("schedule item kind", "Other")


class ItemState(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("schedule item state", "Planned")
    DONE = "done", pgettext_lazy("schedule item state", "Done")
    MISSED = "missed", pgettext_lazy("schedule item state", "Missed")
    CANCELLED = "cancelled", pgettext_lazy("schedule item state", "Cancelled")


class Frequency(models.TextChoices):
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("Every month")


class ScheduleSeries(OrgScopedModel):
    """A recurrence rule and the item it repeats. Its occurrences are ScheduleItems linked to it."""

    employee = models.ForeignKey("org.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("employee"))
    created_by = models.ForeignKey(
        "org.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    frequency = models.CharField(_("repeats"), max_length=8, choices=Frequency.choices)
    interval = models.PositiveSmallIntegerField(_("every"), default=1, help_text=_("Every n days, weeks or months."))
    weekdays = models.JSONField(
        _("weekdays"), default=list, blank=True, help_text=_("Weekly: the days of the week, 0 (Monday) to 6.")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("occurrences"), null=True, blank=True)
    exceptions = models.JSONField(
        _("skipped days"), default=list, blank=True, help_text=_("Days (ISO dates) the series skips.")
    )
    # what every occurrence starts as
    kind = models.CharField(_("kind"), max_length=8, choices=ItemKind.choices)
    title = models.CharField(_("title"), max_length=120, blank=True, default="")
    start_time = models.TimeField(_("starts at"), null=True, blank=True)
    end_time = models.TimeField(_("ends at"), null=True, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("customer"),
    )  # fmt: skip
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("contact"),
    )  # fmt: skip
    notes = models.TextField(_("notes"), max_length=2000, blank=True, default="")

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("recurring schedule item")
        verbose_name_plural = _("recurring schedule items")
        indexes = [models.Index(fields=["org", "employee", "starts_on"], name="scheduleseries_org_employee")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=False) | Q(count__isnull=False), name="scheduleseries_bounded"
            ),
            models.CheckConstraint(
                condition=Q(count__isnull=True) | Q(count__gte=1, count__lte=MAX_OCCURRENCES),
                name="scheduleseries_count_range",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="scheduleseries_ends_after"
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=["daily", "weekly", "monthly"]), name="scheduleseries_frequency_valid"
            ),
            models.CheckConstraint(condition=Q(interval__gte=1), name="scheduleseries_interval_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.frequency} from {self.starts_on}"


class ScheduleItem(OrgScopedModel):
    """One planned thing of one employee on one day, and what became of it."""

    client_id = models.UUIDField(
        _("client id"), default=uuid.uuid4, help_text=_("Generated by the client; a replay creates nothing.")
    )
    employee = models.ForeignKey(
        "org.Employee", on_delete=models.PROTECT, related_name="schedule_items", verbose_name=_("employee")
    )
    created_by = models.ForeignKey(
        "org.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    day = models.DateField(_("day"))
    start_time = models.TimeField(_("starts at"), null=True, blank=True)
    end_time = models.TimeField(_("ends at"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=ItemKind.choices, default=ItemKind.VISIT)
    title = models.CharField(_("title"), max_length=120, blank=True, default="")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("customer"),
    )  # fmt: skip
    contact = models.ForeignKey(
        "customers.Contact", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("contact"),
    )  # fmt: skip
    notes = models.TextField(_("notes"), max_length=2000, blank=True, default="")
    state = models.CharField(_("state"), max_length=9, choices=ItemState.choices, default=ItemState.PLANNED)
    # what became of it
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_note = models.TextField(_("what was done"), max_length=2000, blank=True, default="")
    fulfilled_visit = models.ForeignKey(
        "activities.Visit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("fulfilled by visit"),
    )  # fmt: skip
    fulfilled_record = models.ForeignKey(
        "activities.WorkRecord", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("fulfilled by record"),
    )  # fmt: skip
    # recurrence
    series = models.ForeignKey(
        ScheduleSeries, on_delete=models.PROTECT, null=True, blank=True, related_name="items",
        verbose_name=_("series"),
    )  # fmt: skip
    series_day = models.DateField(_("occurrence of"), null=True, blank=True)
    is_exception = models.BooleanField(
        _("changed on its own"), default=False, help_text=_("An occurrence edited apart from its series.")
    )

    class Meta:
        ordering = ["day", F("start_time").asc(nulls_first=True), "id"]
        verbose_name = _("schedule item")
        verbose_name_plural = _("schedule items")
        indexes = [
            models.Index(fields=["org", "employee", "day"], name="scheduleitem_org_employee_day"),
            models.Index(fields=["org", "day", "state"], name="scheduleitem_org_day_state"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["org", "client_id"], name="scheduleitem_unique_client_id_per_org"),
            models.UniqueConstraint(
                fields=["series", "series_day"],
                condition=Q(series__isnull=False),
                name="scheduleitem_one_per_occurrence",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["planned", "done", "missed", "cancelled"]), name="scheduleitem_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["visit", "call", "meeting", "task", "other"]), name="scheduleitem_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True) | Q(end_time__isnull=True) | Q(end_time__gte=F("start_time")),
                name="scheduleitem_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(end_time__isnull=True) | Q(start_time__isnull=False), name="scheduleitem_end_has_start"
            ),
            models.CheckConstraint(
                condition=Q(contact__isnull=True) | Q(customer__isnull=False), name="scheduleitem_contact_has_customer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.day} {self.kind}"

    @property
    def is_planned(self) -> bool:
        return self.state == ItemState.PLANNED


# --- visit plans (拜访计划): how often each customer should be visited ---------------------------------------

MAX_EVERY_DAYS = 365


class VisitFrequency(OrgScopedModel):
    """How often the organization wants a customer of a level visited: every `every_days` days, or not on a
    schedule (null). One row per level, created with the organization (`plans.DEFAULT_EVERY_DAYS`)."""

    level = models.CharField(_("level"), max_length=1, choices=CustomerLevel.choices)
    every_days = models.PositiveSmallIntegerField(
        _("visit every (days)"), null=True, blank=True, help_text=_("Empty: no regular visits.")
    )

    class Meta:
        ordering = ["level"]
        verbose_name = _("visit frequency")
        verbose_name_plural = _("visit frequencies")
        constraints = [
            models.UniqueConstraint(fields=["org", "level"], name="visitfrequency_one_per_level"),
            models.CheckConstraint(
                condition=Q(every_days__isnull=True) | Q(every_days__gte=1, every_days__lte=MAX_EVERY_DAYS),
                name="visitfrequency_every_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level}: {self.every_days}"


class CustomerVisitFrequency(OrgScopedModel):
    """One customer's own visit frequency, in place of its level's: every `every_days` days, or none (null)."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    every_days = models.PositiveSmallIntegerField(
        _("visit every (days)"), null=True, blank=True, help_text=_("Empty: no regular visits.")
    )

    class Meta:
        ordering = ["customer_id"]
        verbose_name = _("customer visit frequency")
        verbose_name_plural = _("customer visit frequencies")
        constraints = [
            models.CheckConstraint(
                condition=Q(every_days__isnull=True) | Q(every_days__gte=1, every_days__lte=MAX_EVERY_DAYS),
                name="customervisitfrequency_every_days_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.every_days}"


# --- the daily close (日清) -------------------------------------------------------------------------------


class CardStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("daily card status", "Not filed yet")
    FILED = "filed", pgettext_lazy("daily card status", "Filed")
    NOT_FILED = "not_filed", pgettext_lazy("daily card status", "Not filed")


class DailyCard(OrgScopedModel):
    """日清卡: one employee's close of one working day. Its figures are built from the day (schedules, visits, calls,
    records, new customers, and what other apps register) and kept as they were when the card was filed (or found
    unfiled by the nightly close). The write-up is a work record of the organization's daily-report template
    (`record`), so a company's own daily-report design applies; the card needs no customer.

    The row also answers reports at one row per employee per day: `on_time` (filed before the deadline) for the
    daily close rate, `score` for the average."""

    employee = models.ForeignKey("org.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("employee"))
    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=9, choices=CardStatus.choices, default=CardStatus.OPEN)
    deadline = models.DateTimeField(_("deadline"))
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    record = models.OneToOneField(
        "activities.WorkRecord", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("daily report"),
    )  # fmt: skip
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    on_time = models.BooleanField(_("filed on time"), default=False)
    # the review
    reviewed_by = models.ForeignKey(
        "org.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("reviewed by"),
    )  # fmt: skip
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), max_length=2000, blank=True, default="")

    class Meta:
        ordering = ["-day", "employee_id", "id"]
        verbose_name = _("daily close card")
        verbose_name_plural = _("daily close cards")
        indexes = [
            models.Index(fields=["org", "day", "status"], name="dailycard_org_day_status"),
            models.Index(fields=["org", "status", "filed_at", "id"], name="dailycard_org_queue"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["org", "employee", "day"], name="dailycard_one_per_employee_day"),
            models.CheckConstraint(
                condition=Q(status__in=["open", "filed", "not_filed"]), name="dailycard_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5), name="dailycard_score_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(status="filed") | Q(filed_at__isnull=True, reviewed_at__isnull=True, on_time=False),
                name="dailycard_filed_before_reviewed",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True, score__isnull=True)
                | Q(reviewed_at__isnull=False, score__isnull=False, reviewed_by__isnull=False),
                name="dailycard_review_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.day} {self.status}"

    @property
    def is_filed(self) -> bool:
        return self.status == CardStatus.FILED

    @property
    def is_late(self) -> bool:
        return self.is_filed and not self.on_time

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_at is not None


class CardReader(OrgScopedModel):
    """Someone a card was copied to (抄送), or its reviewer, and when they marked it read (已读)."""

    card = models.ForeignKey(DailyCard, on_delete=models.CASCADE, related_name="readers")
    employee = models.ForeignKey("org.Employee", on_delete=models.PROTECT, related_name="+", verbose_name=_("employee"))
    copied = models.BooleanField(_("copied"), default=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["card", "id"]
        verbose_name = _("daily card reader")
        verbose_name_plural = _("daily card readers")
        indexes = [models.Index(fields=["org", "employee", "card"], name="cardreader_org_employee")]
        constraints = [models.UniqueConstraint(fields=["card", "employee"], name="cardreader_one_per_employee")]

    def __str__(self) -> str:
        return f"{self.card_id} -> {self.employee_id}"


class DailyCloseSettings(OrgScopedModel):
    """Per organization: when a day's card is due, which days are working days, and when reminders go out."""

    deadline_time = models.TimeField(_("card deadline"), default=time(21, 0))
    deadline_next_day = models.BooleanField(
        _("deadline is the next morning"), default=False, help_text=_("The deadline time is on the day after.")
    )
    working_weekdays = models.JSONField(
        _("working days"), default=default_working_weekdays, help_text=_("0 (Monday) to 6 (Sunday).")
    )
    remind_before_minutes = models.PositiveSmallIntegerField(
        _("remind before an item starts (minutes)"), default=15, help_text=_("0: no reminder.")
    )
    plan_reminder_time = models.TimeField(
        _("remind to plan tomorrow at"), null=True, blank=True, default=time(18, 0),
        help_text=_("Reps with nothing planned for tomorrow are reminded then; empty: never."),
    )  # fmt: skip

    class Meta:
        ordering = ["org"]
        verbose_name = _("daily close settings")
        verbose_name_plural = _("daily close settings")
        constraints = [
            models.UniqueConstraint(fields=["org"], name="dailyclosesettings_one_per_org"),
            models.CheckConstraint(
                condition=Q(remind_before_minutes__lte=1440), name="dailyclosesettings_remind_at_most_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_id}: {self.deadline_time}"
