"""Doubtful visits (存疑拜访): the signals that put a visit up for its employee's manager's review, and the
registry through which higher apps add their own.

A signal is a code and a small detail (a distance, a speed, a count), stored on the visit (`review_signals`)
and shown in the reader's language. None of them rejects a visit by itself: a signal puts the visit in the
manager's queue (`review_state` pending), the manager confirms or rejects it (visit_review_services).

What activities knows itself:
- `first_location`: the check-in set the customer's location (the customer had none), so nothing checked
  where the rep was.
- `mock_location`: the device said its position was mocked (a client's claim: shown, never trusted alone).
- `photo_not_on_site`: a photo of the visit's steps without a camera capture time (EXIF DateTimeOriginal,
  read before the metadata is stripped) or taken before the check-in: picked from the gallery (the page's
  camera-only input is a browser hint; the server accepts any photo).
- the check-in's fix signals against the employee's previous visits (repeated, too fast).

What a higher app adds through `register_signal_source`: tracking compares the check-in with the rep's
trajectory (off the track, a jump, frozen coordinates).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldloop.core.geo import FixSignal, distance_text
from fieldloop.formtemplates.models import Attachment, AttachmentKind, holder_of
from fieldloop.notifications.kinds import register_kind

from .models import ReviewState, Visit, WorkRecord

PHOTO_SLACK = timedelta(minutes=5)  # a camera's clock a little behind the phone's is no signal
VISIT_REVIEWED = "activities.visit_reviewed"  # the notification kind


class Signal:
    """The codes of the review signals."""

    OFF_TRACK = "off_track"
    JUMP = "jump"
    FROZEN = "frozen"
    MOCK_LOCATION = "mock_location"
    PHOTO_NOT_ON_SITE = "photo_not_on_site"
    FIRST_LOCATION = "first_location"
    REPEATED = str(FixSignal.REPEATED)
    TOO_FAST = str(FixSignal.TOO_FAST)


SIGNAL_LABELS: dict[str, Promise] = {
    Signal.OFF_TRACK: gettext_lazy("Off the track"),
    Signal.JUMP: gettext_lazy("Position jump"),
    Signal.FROZEN: gettext_lazy("Frozen coordinates"),
    Signal.MOCK_LOCATION: gettext_lazy("Mock location"),
    Signal.PHOTO_NOT_ON_SITE: gettext_lazy("Photo not taken on site"),
    Signal.FIRST_LOCATION: gettext_lazy("First location"),
    Signal.REPEATED: gettext_lazy("Position identical to the previous ones"),
    Signal.TOO_FAST: gettext_lazy("Implausible speed from the previous position"),
}


@dataclass(frozen=True)
class VisitSignal:
    code: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "detail": self.detail}


def signal_label(code: str) -> str:
    label = SIGNAL_LABELS.get(code)
    return str(label) if label is not None else code


def signal_text(signal: dict[str, Any]) -> str:
    """What a stored signal says, in the reader's language (its label and, when known, its figures)."""
    code = str(signal.get("code", ""))
    d = signal.get("detail") or {}
    try:
        if code == Signal.OFF_TRACK and "distance_m" in d:
            distance = distance_text(float(d["distance_m"]))
            return _("Checked in %(distance)s from the track around that time") % {"distance": distance}
        if code == Signal.JUMP and "speed_kmh" in d:
            return _("Position jump: %(speed)d km/h between the track and the check-in") % {"speed": d["speed_kmh"]}
        if code == Signal.FROZEN and "count" in d:
            return _("Frozen coordinates: the same position %(count)d times") % {"count": d["count"]}
        if code == Signal.MOCK_LOCATION:
            return _("Mock location reported by the device (a claim of the phone, not a proof)")
        if code == Signal.PHOTO_NOT_ON_SITE:
            if d.get("taken_at"):
                return _("Photo taken before the visit (%(taken_at)s)") % {"taken_at": d["taken_at"]}
            return _("Photo without a capture time (not from the camera)")
        if code == Signal.FIRST_LOCATION:
            return _("First location: this check-in set the customer's location")
    except (TypeError, ValueError, KeyError):
        pass
    return signal_label(code)


def signal_codes(visit: Visit) -> list[str]:
    return [str(s.get("code")) for s in visit.review_signals if isinstance(s, dict)]


# --- The registry --------------------------------------------------------------------------------------------

# A source takes visits (of one organization) and answers each visit's signals by id; it reads in bounded
# queries (one per employee-day, say), never one per visit.
SignalSource = Callable[[Sequence[Visit]], dict[int, list[VisitSignal]]]
_SOURCES: dict[str, SignalSource] = {}


def register_signal_source(name: str, source: SignalSource) -> None:
    """Add a source of review signals (called from a higher app's AppConfig.ready)."""
    _SOURCES[name] = source


def registered_sources() -> dict[str, SignalSource]:
    return dict(_SOURCES)


# --- Activities' own signals ---------------------------------------------------------------------------------


def _fix_signals(visit: Visit) -> list[VisitSignal]:
    found: list[VisitSignal] = []
    if visit.check_in_mocked or visit.check_out_mocked:
        sides = [side for side, m in (("check_in", visit.check_in_mocked), ("check_out", visit.check_out_mocked)) if m]
        found.append(VisitSignal(Signal.MOCK_LOCATION, {"source": "device", "sides": sides}))
    for code in (Signal.REPEATED, Signal.TOO_FAST):
        if code in (visit.check_in_signals or []) or code in (visit.check_out_signals or []):
            found.append(VisitSignal(code))
    if visit.located_customer:
        found.append(VisitSignal(Signal.FIRST_LOCATION))
    return found


def _photo_signals(visits: Sequence[Visit]) -> dict[int, list[VisitSignal]]:
    """Photos of the visits' steps taken before the check-in or without a capture time: two queries (the steps'
    values name their attachments by id: the photos are read by primary key, held by those steps only)."""
    records = list(
        WorkRecord.objects.filter(visit__in=[v.pk for v in visits], archived_at__isnull=True).values_list(
            "pk", "visit_id", "values"
        )
    )
    visit_of: dict[str, int] = {}
    ids: set[int] = set()
    for pk, visit_id, values in records:
        visit_of[holder_of(WorkRecord(pk=pk))] = visit_id
        for value in (values or {}).values():
            if isinstance(value, list):
                ids.update(i for i in value if isinstance(i, int) and not isinstance(i, bool))
    if not ids:
        return {}
    by_id = {v.pk: v for v in visits}
    found: dict[int, list[VisitSignal]] = {}
    photos = Attachment.objects.filter(org_id=visits[0].org_id, kind=AttachmentKind.PHOTO, pk__in=ids).values_list(
        "pk", "holder", "exif_taken_at"
    )
    for pk, holder, taken_at in photos.order_by("pk"):
        if holder not in visit_of:
            continue  # named by a step's values but held by something else: not this visit's photo
        visit = by_id[visit_of[holder]]
        if taken_at is None:
            detail: dict[str, Any] = {"attachment_id": pk, "taken_at": None}
        elif taken_at < visit.checked_in_at - PHOTO_SLACK:
            detail = {"attachment_id": pk, "taken_at": taken_at.isoformat(timespec="minutes")}
        else:
            continue
        found.setdefault(visit.pk, []).append(VisitSignal(Signal.PHOTO_NOT_ON_SITE, detail))
    return found


def compute_signals(visits: Sequence[Visit], *, photos: bool = True) -> dict[int, list[VisitSignal]]:
    """Every signal of each visit (activities' own, then each registered source's), by visit id."""
    visits = list(visits)
    if not visits:
        return {}
    result: dict[int, list[VisitSignal]] = {v.pk: _fix_signals(v) for v in visits}
    sources: list[SignalSource] = [_photo_signals, *_SOURCES.values()] if photos else list(_SOURCES.values())
    for source in sources:
        for visit_id, found in source(visits).items():
            result.setdefault(visit_id, []).extend(found)
    return result


def next_state(current: str, signals: Iterable[Any]) -> str:
    """A visit's review state once its signals are known: a decision stays (a later one is the manager's), a
    visit without a decision is pending while it has a signal."""
    if current in (ReviewState.CONFIRMED, ReviewState.REJECTED):
        return current
    return ReviewState.PENDING if list(signals) else ReviewState.NONE


# --- Notifications ------------------------------------------------------------------------------------------


def _visit_reviewed_message(p: Any) -> str:
    if p.get("decision") == ReviewState.REJECTED:
        return _("%(reviewer)s rejected your visit at %(customer)s: %(reason)s") % p
    return _("%(reviewer)s confirmed your visit at %(customer)s.") % p


def register_review_notices() -> None:
    register_kind(VISIT_REVIEWED, message=_visit_reviewed_message, icon="ti-shield-check")
