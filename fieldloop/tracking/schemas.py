"""API schemas for tracking: the location batch, trajectories, stops, quality, the team's last positions."""

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from fieldloop.core.schemas import LocalTime
from fieldloop.org.schemas import EmployeeRef


class PointsIn(Schema):
    points: list[Any] = Field(
        description=(
            "At most 1,000 points, each {id (a UUID the phone gives it), at (ISO 8601 with a time zone), latitude, "
            "longitude, accuracy (metres), speed (m/s, optional), heading (degrees, optional), provider "
            "(gps|network|fused|unknown), battery (%, optional), mocked (bool)}. Each point is checked alone: "
            "bad ones are reported by index, the good ones stored."
        )
    )


class RejectedOut(Schema):
    index: int = Field(description="The point's position in the batch (from 0).")
    field: str
    message: str


class IngestOut(Schema):
    accepted: int = Field(description="Points stored by this request.")
    duplicates: int = Field(description="Points already stored (a replay): stored once, nothing changed.")
    rejected: list[RejectedOut]


class PointOut(Schema):
    at: datetime
    latitude: float
    longitude: float
    accuracy: float
    speed: float | None
    mocked: bool


class GapOut(Schema):
    start: datetime
    end: datetime
    minutes: float


class TrajectoryOut(Schema):
    employee: EmployeeRef
    day: date
    simplified: bool
    raw_count: int = Field(description="Points stored that day; `points` holds fewer when simplified.")
    distance_m: float
    points: list[PointOut]
    gaps: list[GapOut] = Field(description="Longer than the setting without a position: unverified.")


class CustomerRef(Schema):
    id: int
    name: str


class StopOut(Schema):
    start: datetime
    end: datetime
    minutes: float
    latitude: float
    longitude: float
    customer: CustomerRef | None = Field(description="The visit's customer, else the nearest within the radius.")
    customer_distance_m: float | None
    visit_id: int | None = Field(description="A visit checked in during the stop.")


class QualityOut(Schema):
    employee: EmployeeRef
    day: date
    received: int
    expected: int
    grey: int
    positioning_rate: float = Field(
        description="received ÷ expected samples in working hours (at most 1; 1 when none was expected, as on a day "
        "of leave)."
    )
    grey_rate: float = Field(description="grey (poorly accurate) ÷ received.")


class PositionOut(Schema):
    at: datetime
    latitude: float
    longitude: float
    accuracy: float
    speed: float | None


class TeamMemberOut(Schema):
    employee: EmployeeRef
    state: str = Field(description="visiting | moving | idle | no_signal")
    age_s: int | None = Field(description="Seconds since the last position; null: none yet.")
    position: PositionOut | None


class TrackingSettingsOut(Schema):
    enabled: bool = Field(description="Tracking runs at all in the organization.")
    interval_seconds: int = Field(description="How often a phone sends its position (30 to 3600).")
    day_start: LocalTime = Field(
        description="Working hours for employees without attendance shifts (theirs are their shifts)."
    )
    day_end: LocalTime
    workdays: list[int] = Field(description="ISO weekdays, 1 = Monday (employees without attendance shifts).")
    stop_minutes: int
    stop_radius_m: int
    gap_minutes: int
    customer_radius_m: int
    poor_accuracy_m: int


class TrackingSettingsPatch(Schema):
    enabled: bool | None = None
    interval_seconds: int | None = None
    day_start: LocalTime | None = None
    day_end: LocalTime | None = None
    workdays: list[int] | None = None
    stop_minutes: int | None = None
    stop_radius_m: int | None = None
    gap_minutes: int | None = None
    customer_radius_m: int | None = None
    poor_accuracy_m: int | None = None


class SpanOut(Schema):
    start: datetime
    end: datetime


class MyTrackingOut(Schema):
    on_now: bool = Field(description="Positions are being collected right now.")
    switched_on: bool = Field(description="Tracking is on for the caller (the organization's and their own switch).")
    interval_seconds: int
    hours_from_shifts: bool = Field(description="Today's working hours are the caller's attendance shifts.")
    today: list[SpanOut] = Field(description="Today's working hours: positions are collected only within them.")


class SwitchIn(Schema):
    enabled: bool


class SwitchOut(Schema):
    employee: EmployeeRef
    enabled: bool = Field(description="The employee's own tracking switch (on unless someone turned it off).")
    changed_by: EmployeeRef | None
    changed_at: datetime | None
