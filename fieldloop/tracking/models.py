"""Where field staff were: the positions their phones sent (a narrow table, partitioned by month on
PostgreSQL), each employee's last position (the live map's one query), and a quality rollup per person
and day (positioning rate, 灰点率), kept by the ingest.

The organization's tracking settings say when tracking runs (working hours, workdays, the interval) and how
a day is read (stops, gaps); each employee has a switch, on unless someone turned it off.
"""

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fieldloop.core.models import OrgScopedModel

DEFAULT_WORKDAYS = [1, 2, 3, 4, 5]  # ISO weekdays: Monday to Friday


def default_workdays() -> list[int]:
    return list(DEFAULT_WORKDAYS)


class TrackingSettings(OrgScopedModel):
    """Per organization: when phones send positions and how a day's track is read."""

    enabled = models.BooleanField(_("tracking enabled"), default=True)
    interval_seconds = models.PositiveIntegerField(
        _("interval (seconds)"), default=300, help_text=_("How often a phone sends its position.")
    )
    day_start = models.TimeField(_("working hours start"), default=datetime.time(9, 0))
    day_end = models.TimeField(_("working hours end"), default=datetime.time(18, 0))
    workdays = models.JSONField(_("workdays"), default=default_workdays, help_text=_("ISO weekdays, 1 = Monday."))
    stop_minutes = models.PositiveSmallIntegerField(_("a stop lasts at least (minutes)"), default=10)
    stop_radius_m = models.PositiveSmallIntegerField(_("a stop stays within (metres)"), default=150)
    gap_minutes = models.PositiveSmallIntegerField(_("a gap longer than this is unverified (minutes)"), default=20)
    customer_radius_m = models.PositiveSmallIntegerField(_("a stop is at a customer within (metres)"), default=300)
    poor_accuracy_m = models.PositiveSmallIntegerField(
        _("a point less accurate than this is grey (metres)"), default=100
    )

    class Meta:
        ordering = ["org"]
        verbose_name = _("tracking settings")
        verbose_name_plural = _("tracking settings")
        constraints = [
            models.UniqueConstraint(fields=["org"], name="trackingsettings_one_per_org"),
            models.CheckConstraint(
                condition=Q(interval_seconds__gte=30, interval_seconds__lte=3600),
                name="trackingsettings_interval_30s_to_1h",
            ),
            models.CheckConstraint(condition=Q(day_start__lt=models.F("day_end")), name="trackingsettings_hours_order"),
        ]

    def __str__(self) -> str:
        return f"{self.org_id}: {self.day_start}-{self.day_end} / {self.interval_seconds}s"


class TrackingSwitch(OrgScopedModel):
    """An employee's tracking switch; no row means on."""

    employee = models.OneToOneField(
        "org.Employee", on_delete=models.CASCADE, related_name="+", verbose_name=_("employee")
    )
    enabled = models.BooleanField(_("tracking on"), default=True)
    changed_by = models.ForeignKey(
        "org.Employee", on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("changed by")
    )

    class Meta:
        ordering = ["employee"]
        verbose_name = _("tracking switch")
        verbose_name_plural = _("tracking switches")

    def __str__(self) -> str:
        return f"{self.employee_id}: {self.enabled}"


class Provider(models.TextChoices):
    GPS = "gps", "GPS"
    NETWORK = "network", _("Network")
    FUSED = "fused", _("Fused")
    UNKNOWN = "unknown", _("Unknown")


class LocationPoint(models.Model):
    """One position a phone sent: narrow (no created/updated columns), written in bulk by the ingest.

    On PostgreSQL the table is range-partitioned by month on `at` (migration 0002, partitions kept by the
    `tracking_partitions` command); its primary key is then (id, at) and the client point id is unique per
    (org, employee, client point id, at), the ingest checking a replay with another time itself (one employee's
    batches one after the other, under an advisory lock)."""

    id = models.BigAutoField(primary_key=True)
    org = models.ForeignKey("org.Organization", on_delete=models.PROTECT, related_name="+", db_index=False)
    employee = models.ForeignKey("org.Employee", on_delete=models.PROTECT, related_name="+", db_index=False)
    at = models.DateTimeField(_("time"))
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    accuracy_m = models.FloatField(_("accuracy (m)"))
    speed_mps = models.FloatField(_("speed (m/s)"), null=True)
    heading = models.FloatField(_("heading"), null=True)
    provider = models.CharField(_("provider"), max_length=8, choices=Provider.choices, default=Provider.UNKNOWN)
    battery = models.SmallIntegerField(_("battery (%)"), null=True)
    mocked = models.BooleanField(_("mocked"), default=False)
    client_point_id = models.UUIDField(_("client point id"))
    received_at = models.DateTimeField(_("received at"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("location point")
        verbose_name_plural = _("location points")
        indexes = [
            models.Index(fields=["org", "employee", "at"], name="locationpoint_org_employee_at"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["org", "employee", "client_point_id"], name="locationpoint_unique_client"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.at:%Y-%m-%d %H:%M}"


class LastPosition(OrgScopedModel):
    """An employee's newest position (upserted by the ingest, never moved back by a late point)."""

    employee = models.OneToOneField(
        "org.Employee", on_delete=models.CASCADE, related_name="+", verbose_name=_("employee")
    )
    at = models.DateTimeField(_("time"))
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    accuracy_m = models.FloatField(_("accuracy (m)"))
    speed_mps = models.FloatField(_("speed (m/s)"), null=True)
    mocked = models.BooleanField(_("mocked"), default=False)

    class Meta:
        ordering = ["employee"]
        verbose_name = _("last position")
        verbose_name_plural = _("last positions")
        indexes = [models.Index(fields=["org", "at"], name="lastposition_org_at")]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.at:%Y-%m-%d %H:%M}"


class DayQuality(OrgScopedModel):
    """Per employee and day (the organization's time zone): points received in working hours, grey ones
    among them (less accurate than the setting), and the samples expected (hours ÷ interval)."""

    employee = models.ForeignKey("org.Employee", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField(_("day"))
    received = models.PositiveIntegerField(_("points received"), default=0)
    grey = models.PositiveIntegerField(_("grey points"), default=0)
    expected = models.PositiveIntegerField(_("points expected"), default=0)

    class Meta:
        ordering = ["employee", "day"]
        verbose_name = _("tracking quality")
        verbose_name_plural = _("tracking quality")
        constraints = [
            models.UniqueConstraint(fields=["org", "employee", "day"], name="dayquality_unique_employee_day"),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} {self.day}: {self.received}/{self.expected}"

    @property
    def positioning_rate(self) -> float:
        """received ÷ expected, at most 1; nothing expected (a day of leave) is nothing missed: 1."""
        return min(1.0, self.received / self.expected) if self.expected else 1.0

    @property
    def grey_rate(self) -> float:
        return self.grey / self.received if self.received else 0.0
