"""Visits (拜访): the rules a visit is judged by, shared by the writes (visit_services), the reads
(selectors) and the pages.

- A visit type says where and how a visit counts: who it applies to (`applies_to`), how far from the
  customer a check-in may be (hard refuses, soft accepts and marks the visit not effective), the minimum
  duration, a required photo and required steps.
- At check-out (or when the nightly run closes an abandoned visit) a visit is classified effective or not
  (`classify`), with reason codes rendered in the reader's language (`reason_label`).

Writes (visit types, check-in, check-out, the nightly close) are in `visit_services`; reads (visit types
for an employee, the list, a visit, its steps) in `selectors`.
"""

from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldloop.core.geo import FixSignal
from fieldloop.formtemplates.fields import FieldType
from fieldloop.notifications.kinds import register_kind
from fieldloop.org.models import Employee

from .models import Visit, VisitType, VisitTypeStep, WorkRecord

ABANDONED_AFTER = timedelta(hours=12)  # an open visit older than this is closed by the nightly run
# A visit type's limits.
MAX_DISTANCE_M = 100_000
MAX_MIN_DURATION = 24 * 60
MAX_STEPS = 20
VISIT_CLOSED = "activities.visit_closed"  # the notification kind


class Reason:
    """Why a visit is not effective (stored as codes; shown in the reader's language)."""

    TOO_SHORT = "too_short"
    TOO_FAR = "too_far"
    PHOTO_MISSING = "photo_missing"
    STEPS_MISSING = "steps_missing"
    NO_CHECK_OUT = "no_check_out"
    REJECTED = "rejected"  # by the manager who reviewed it (visit_review_services)


# Signals that put a visit up for a manager's review (a poor accuracy alone is only recorded).
REVIEW_SIGNALS = (FixSignal.MOCKED, FixSignal.REPEATED, FixSignal.TOO_FAST)

REASON_LABELS: dict[str, Promise] = {
    Reason.TOO_SHORT: gettext_lazy("Shorter than the minimum duration"),
    Reason.TOO_FAR: gettext_lazy("Checked in too far from the customer"),
    Reason.PHOTO_MISSING: gettext_lazy("Required photo missing"),
    Reason.STEPS_MISSING: gettext_lazy("Required steps missing"),
    Reason.NO_CHECK_OUT: gettext_lazy("No check-out"),
    Reason.REJECTED: gettext_lazy("Rejected by the reviewer"),
    FixSignal.MOCKED: gettext_lazy("Mock location reported by the device"),
    FixSignal.REPEATED: gettext_lazy("Position identical to the previous ones"),
    FixSignal.TOO_FAST: gettext_lazy("Implausible speed from the previous position"),
    FixSignal.POOR_ACCURACY: gettext_lazy("Poor accuracy"),
    FixSignal.STALE: gettext_lazy("Old position"),
}


def reason_label(code: str) -> str:
    label = REASON_LABELS.get(code)
    return str(label) if label is not None else code


def reasons_text(codes: Iterable[str]) -> list[str]:
    return [reason_label(c) for c in codes]


# --- Visit types ------------------------------------------------------------------------------------------


def applies_to(visit_type: VisitType, employee: Employee, department_paths: Sequence[str]) -> bool:
    """Whether `visit_type` (whose departments' paths are given) applies to `employee`."""
    if visit_type.roles and employee.role not in visit_type.roles:
        return False
    if department_paths:
        mine = employee.department.path
        return any(mine.startswith(path) for path in department_paths)
    return True


# --- Check-in, check-out and classification ---------------------------------------------------------------


def classify(*, visit: Visit, records: Iterable[WorkRecord]) -> list[str]:
    """The reasons the visit is not effective (none: effective), by the rules of its type."""
    vt = visit.visit_type
    records = list(records)
    reasons: list[str] = []
    if visit.closed_automatically and vt.check_out_required:
        reasons.append(Reason.NO_CHECK_OUT)
    if vt.min_duration_minutes and visit.duration_s is not None and visit.duration_s < vt.min_duration_minutes * 60:
        reasons.append(Reason.TOO_SHORT)
    if vt.max_distance_m is not None and (visit.check_in_distance_m or 0) > vt.max_distance_m:
        reasons.append(Reason.TOO_FAR)
    if vt.photo_required and not any(_has_photo(r) for r in records):
        reasons.append(Reason.PHOTO_MISSING)
    done = {r.template_id for r in records}
    required = set(VisitTypeStep.objects.filter(visit_type=vt, required=True).values_list("template_id", flat=True))
    if required - done:
        reasons.append(Reason.STEPS_MISSING)
    if visit.review_state == "rejected":  # the manager's decision: a rejected visit never counts
        reasons.append(Reason.REJECTED)
    elif visit.review_state != "confirmed":  # a confirmed visit's signals were checked by a person
        for signal in REVIEW_SIGNALS:
            if signal in visit.check_in_signals or signal in visit.check_out_signals:
                reasons.append(str(signal))
    return reasons


def _has_photo(record: WorkRecord) -> bool:
    return any(d.type == FieldType.PHOTO and record.values.get(d.key) for d in record.template_version.definitions)


# --- Notifications ------------------------------------------------------------------------------------------


def _visit_closed_message(p: Any) -> str:
    if p.get("effective"):
        return _("%(employee)s finished an effective visit at %(customer)s.") % p
    return _("%(employee)s finished a visit at %(customer)s that is not effective.") % p


def register_notices() -> None:
    register_kind(VISIT_CLOSED, message=_visit_closed_message, icon="ti-map-pin-check")
