"""Geography on WGS-84 coordinates: distances by haversine, and the checks a device's position fix
goes through before anything trusts it."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ErrorCode, ServiceError

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS-84 points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


# --- Position fixes and how far to trust them -----------------------------------------------------------

MAX_ACCURACY_M = 5_000  # a fix vaguer than this is a cell-tower guess, not a position
REPEATED_FIXES = 3  # real GPS jitters: the same coordinates this many times in a row are suspicious
MAX_SPEED_MPS = 70  # ~250 km/h: faster than a car or a fast train between two fixes is implausible
MIN_SECONDS_FOR_SPEED = 1.0


def distance_text(metres: float | None) -> str:
    """A distance as a phone shows it: "150 m" under a kilometre, "2.4 km" beyond ("" when unknown)."""
    if metres is None:
        return ""
    if metres < 1000:
        return _("%(n)d m") % {"n": round(metres)}
    return _("%(n).1f km") % {"n": metres / 1000}


class FixSignal(StrEnum):
    """Why a position may not be what it claims, recorded beside it (never silently dropped)."""

    STALE = "stale"  # older than allowed when it reached the server
    POOR_ACCURACY = "poor_accuracy"
    REPEATED = "repeated"  # identical to the previous fixes: replayed or faked
    TOO_FAST = "too_fast"  # implausible speed from the previous fix
    MOCKED = "mocked"  # the device said so


@dataclass(frozen=True)
class Point:
    """A place: WGS-84 degrees."""

    latitude: float
    longitude: float

    def distance_m(self, latitude: float, longitude: float) -> float:
        return haversine_m(self.latitude, self.longitude, latitude, longitude)


@dataclass(frozen=True)
class Position(Point):
    """Where a device was, checked: a point and the accuracy radius in metres. Clients send the radius as
    `accuracy` (the API's and the forms' field name); in Python it is `accuracy_m`, as in the models."""

    accuracy_m: float


@dataclass(frozen=True)
class SentFix:
    """A fix as a client sent it, not yet checked (numbers or their text, or nothing): what a check-in or
    check-out service checks field by field, so that every error is reported at once."""

    latitude: Any
    longitude: Any
    accuracy_m: Any
    fix_at: datetime | None
    mocked: bool = False


@dataclass(frozen=True)
class Fix(Position):
    """A position with when the device measured it, and whether the device said it was mocked."""

    at: datetime
    mocked: bool = False


def position_from(latitude: Any, longitude: Any, accuracy: Any) -> Position:
    """A position as a client sent it (numbers or their text), checked by `position_errors`; refused
    with ServiceError(INVALID) and the errors on the client's field names otherwise."""
    errors = position_errors(latitude, longitude, accuracy)
    if errors:
        raise ServiceError(ErrorCode.INVALID, next(iter(errors.values())), {k: [m] for k, m in errors.items()})
    return Position(float(latitude), float(longitude), float(accuracy))


def position_errors(latitude: Any, longitude: Any, accuracy_m: Any) -> dict[str, str]:
    """Field errors of a position as a client sent it (empty when it is usable). Field names are
    `latitude`, `longitude`, `accuracy`; messages in the active language."""
    errors: dict[str, str] = {}
    bounds = (("latitude", latitude, 90), ("longitude", longitude, 180))
    for name, value, limit in bounds:
        if value is None or value == "":
            errors[name] = _("The position is missing; allow location access and try again.")
        elif not _number(value) or not -limit <= float(value) <= limit:
            errors[name] = _("Enter a number between -%(limit)d and %(limit)d.") % {"limit": limit}
    if accuracy_m is None or accuracy_m == "":
        errors["accuracy"] = _("The position has no accuracy; the device must report one.")
    elif not _number(accuracy_m) or not 0 < float(accuracy_m) <= MAX_ACCURACY_M:
        errors["accuracy"] = _("The accuracy must be between 0 and %(limit)d metres.") % {"limit": MAX_ACCURACY_M}
    return errors


def _number(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def fix_signals(
    fix: Fix,
    *,
    now: datetime,
    previous: Sequence[Fix] = (),
    max_age_s: float,
    poor_accuracy_m: float,
) -> list[FixSignal]:
    """The anti-cheat signals of `fix`, given the same device's `previous` fixes, newest first."""
    signals = []
    if (now - fix.at).total_seconds() > max_age_s:
        signals.append(FixSignal.STALE)
    if fix.accuracy_m > poor_accuracy_m:
        signals.append(FixSignal.POOR_ACCURACY)
    recent = previous[:REPEATED_FIXES]
    if len(recent) == REPEATED_FIXES and all(
        (p.latitude, p.longitude) == (fix.latitude, fix.longitude) for p in recent
    ):
        signals.append(FixSignal.REPEATED)
    if previous:
        last = previous[0]
        seconds = abs((fix.at - last.at).total_seconds())
        metres = max(0.0, fix.distance_m(last.latitude, last.longitude) - fix.accuracy_m - last.accuracy_m)
        if metres > 0 and metres / max(seconds, MIN_SECONDS_FOR_SPEED) > MAX_SPEED_MPS:
            signals.append(FixSignal.TOO_FAST)
    if fix.mocked:
        signals.append(FixSignal.MOCKED)
    return signals


CAPTURE_FUTURE_SLACK = timedelta(minutes=10)  # a phone clock a little ahead is tolerated
CAPTURE_MAX_AGE = timedelta(days=90)  # the oldest capture the outbox may still deliver


def check_capture_times(position: SentFix, captured_at: datetime | None, now: datetime, max_age_s: int) -> datetime:
    """The capture time (now by default), after checking it and the fix's time (read at most `max_age_s` before
    it); field errors otherwise. A visit's check-in/out and an attendance clock judge their times alike."""
    errors: dict[str, list[Any]] = {}
    if captured_at is None:
        captured_at = now
    elif timezone.is_naive(captured_at):
        errors["captured_at"] = [_("Send the capture time with its time zone (ISO 8601).")]
    elif captured_at > now + CAPTURE_FUTURE_SLACK:
        errors["captured_at"] = [_("The capture time is in the future; check the device's clock.")]
    elif captured_at < now - CAPTURE_MAX_AGE:
        errors["captured_at"] = [_("The capture time is more than %(n)d days ago.") % {"n": CAPTURE_MAX_AGE.days}]
    fix_at = position.fix_at
    if fix_at is None:
        errors["fix_at"] = [_("The position has no time; read it again.")]
    elif timezone.is_naive(fix_at):
        errors["fix_at"] = [_("Send the position's time with its time zone (ISO 8601).")]
    elif not errors and fix_at > captured_at + CAPTURE_FUTURE_SLACK:
        errors["fix_at"] = [_("The position was read after the capture time; check the device's clock.")]
    elif not errors and (captured_at - fix_at).total_seconds() > max_age_s:
        errors["fix_at"] = [
            _("The position is %(age)d seconds old (at most %(max)d); re-read the position.")
            % {"age": (captured_at - fix_at).total_seconds(), "max": max_age_s}
        ]
    if errors:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)
    return captured_at
