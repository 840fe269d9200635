"""Visits (拜访): the rules a visit is judged by, shared by the writes (visit_services), the reads
(selectors) and the pages.

- A visit type says where and how a visit counts: who it applies to (`applies_to`), how far from the
  customer a check-in may be (hard refuses, soft accepts and marks the visit not effective), the minimum
  duration, a required photo and required steps.
- Before a check-in counts, `judge_check_in` says what it will be (fine, accepted and flagged, or refused)
  from the distance, the type's range and the fix's signals: the check-in page shows it once the position is
  read, and the service applies it (a flagged check-in needs the rep's explicit confirmation). The device's
  mock-location flag is a claim: it sends the visit to the manager's review and the visit still counts unless
  the manager rejects it; the signals the server measures (a repeated position, an implausible speed) keep the
  visit from counting until the manager confirms it.
- At check-out (or when the nightly run closes an abandoned visit) a visit is classified effective or not
  (`classify`), with reason codes rendered in the reader's language (`reason_label`). Before a check-out,
  the same classification of the visit as it stands (`classify` with the duration so far) says whether it
  will count and how many minutes are still needed (`remaining_minutes`); ending a visit that will not count
  needs the rep's confirmation too.

Writes (visit types, check-in, check-out, the nightly close) are in `visit_services`; reads (visit types
for an employee, the list, a visit, its steps) in `selectors`.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fieldloop.core.geo import FixSignal
from fieldloop.formtemplates.fields import FieldDefinition, FieldType
from fieldloop.notifications.kinds import register_kind
from fieldloop.org.models import Employee

from .models import DistanceMode, Visit, VisitType, VisitTypeStep, WorkRecord

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


# Signals of a fix that put a visit up for a manager's review (a poor accuracy alone is only recorded).
REVIEW_SIGNALS = (FixSignal.MOCKED, FixSignal.REPEATED, FixSignal.TOO_FAST)
# Among them, those the server itself measured (against the employee's previous fixes): the visit does not count
# until a manager confirms it. The device's mock-location flag is not among them: a client's claim, never trusted
# alone, it only sends the visit to the manager, whose rejection (not the claim) makes it not effective.
DISCOUNTING_SIGNALS = (FixSignal.REPEATED, FixSignal.TOO_FAST)

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


class Outcome:
    """What a check-in (or check-out) will be if the rep confirms it."""

    FINE = "fine"
    FLAGGED = "flagged"  # accepted, with reasons a manager sees; the rep confirms it explicitly
    REFUSED = "refused"


# A check-in's flags: the signals that send the visit to the manager's review, and a poor accuracy (only
# recorded, but the rep is told before confirming, since a vague position is why a manager doubts a visit).
FLAG_SIGNALS = (*REVIEW_SIGNALS, FixSignal.POOR_ACCURACY)


@dataclass(frozen=True)
class CheckInVerdict:
    outcome: str  # Outcome
    distance_m: float | None  # from the customer's location; None without a customer or a located one
    max_distance_m: int | None  # the visit type's allowed range; None: unchecked
    reasons: list[str]  # Reason.TOO_FAR and FLAG_SIGNALS codes, why it is flagged or refused
    locates_customer: bool  # the customer has no location yet: this check-in sets it
    counts: bool  # the visit can still be effective (nothing here makes it not effective)

    @property
    def reviewed(self) -> bool:
        """The check-in goes to the manager's review queue (a review signal), though it may still count."""
        return any(str(s) in self.reasons for s in REVIEW_SIGNALS)


def judge_check_in(
    *, visit_type: VisitType, distance_m: float | None, signals: Iterable[str], locates_customer: bool = False
) -> CheckInVerdict:
    """What a check-in `distance_m` from the customer with these fix `signals` will be: refused (farther than a
    hard range), flagged (farther than a soft range, or a signal of FLAG_SIGNALS), or fine; and whether the visit
    can still count (not too far, no DISCOUNTING_SIGNALS: a mocked fix alone goes to review and still counts).
    The one rule of the check-in service and the page that shows it before the rep confirms."""
    signals = [str(s) for s in signals]
    reasons: list[str] = []
    too_far = (
        visit_type.max_distance_m is not None and distance_m is not None and distance_m > visit_type.max_distance_m
    )
    if too_far:
        reasons.append(Reason.TOO_FAR)
    reasons += [str(s) for s in FLAG_SIGNALS if str(s) in signals]
    if too_far and visit_type.distance_mode == DistanceMode.HARD:
        outcome = Outcome.REFUSED
    else:
        outcome = Outcome.FLAGGED if reasons else Outcome.FINE
    counts = not too_far and not any(str(s) in signals for s in DISCOUNTING_SIGNALS)
    return CheckInVerdict(
        outcome=outcome,
        distance_m=distance_m,
        max_distance_m=visit_type.max_distance_m,
        reasons=reasons,
        locates_customer=locates_customer,
        counts=counts,
    )


def remaining_minutes(*, visit: Visit, at: datetime) -> int:
    """Whole minutes (rounded up) the open visit still needs at `at` to reach its type's minimum duration."""
    needed = visit.visit_type.min_duration_minutes * 60 - (at - visit.checked_in_at).total_seconds()
    return max(0, math.ceil(needed / 60))


def check_out_outcome(reasons: Sequence[str]) -> str:
    """A check-out that leaves the visit not effective (any reason) is flagged: the rep confirms it first."""
    return Outcome.FLAGGED if reasons else Outcome.FINE


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
        for signal in DISCOUNTING_SIGNALS:  # a mock claim alone waits for the manager, it discounts nothing
            if signal in visit.check_in_signals or signal in visit.check_out_signals:
                reasons.append(str(signal))
    return reasons


def _has_photo(record: WorkRecord) -> bool:
    return any(d.type == FieldType.PHOTO and record.values.get(d.key) for d in record.template_version.definitions)


# --- One flow: what a step may take from the visit's earlier steps -------------------------------------------


@dataclass(frozen=True)
class StepPrefill:
    values: dict[str, Any]  # field key -> a value filled in an earlier step (the form's initial value)
    photos: dict[str, list[tuple[int, int]]]  # photo field key -> [(record id, attachment id)] offered for reuse


def step_prefill(definitions: Sequence[FieldDefinition], earlier: Sequence[WorkRecord]) -> StepPrefill:
    """What a step's fields (`definitions`) take from the visit's `earlier` records (newest first), so that
    nothing is entered twice: a field of the same key and type gets the latest value (a sub-table its rows, in
    the columns of the same key and type); a photo field is offered the photos of the same field, or else of
    the latest record's photo fields (a storefront photo is one photo, whatever the templates call it)."""
    values: dict[str, Any] = {}
    photos: dict[str, list[tuple[int, int]]] = {}
    for d in definitions:
        if d.retired or d.type == FieldType.FILE:
            continue
        same = [(r, e) for r in earlier for e in r.template_version.definitions if e.key == d.key and e.type == d.type]
        if d.type == FieldType.PHOTO:
            found = [(r.pk, i) for r, e in same[:1] for i in _ids(r.values.get(e.key))]
            if not found:
                found = next(
                    (
                        [
                            (r.pk, i)
                            for e in r.template_version.definitions
                            if e.type == FieldType.PHOTO
                            for i in _ids(r.values.get(e.key))
                        ]
                        for r in earlier
                        if any(
                            e.type == FieldType.PHOTO and _ids(r.values.get(e.key))
                            for e in r.template_version.definitions
                        )
                    ),
                    [],
                )
            if found:
                photos[d.key] = found[: int(d.option("max_count") or len(found))]
            continue
        for record, earlier_definition in same:
            value = record.values.get(d.key)
            if value in (None, "", []):
                continue
            if d.type == FieldType.SUBTABLE:
                value = _rows_for(d, earlier_definition, value)
                if not value:
                    continue
            values[d.key] = value
            break
    return StepPrefill(values=values, photos=photos)


def _ids(value: Any) -> list[int]:
    return [i for i in value if isinstance(i, int) and not isinstance(i, bool)] if isinstance(value, list) else []


def _rows_for(target: FieldDefinition, source: FieldDefinition, rows: Any) -> list[dict[str, Any]]:
    """A sub-table's rows kept in the target's columns of the same key and type."""
    kept = {c.key for c in target.columns if not c.retired} & {
        c.key for c in source.columns if any(t.key == c.key and t.type == c.type for t in target.columns)
    }
    out = (
        [{k: v for k, v in row.items() if k in kept} for row in rows if isinstance(row, dict)]
        if isinstance(rows, list)
        else []
    )
    return [row for row in out if any(v not in (None, "") for v in row.values())]


# --- Notifications ------------------------------------------------------------------------------------------


def _visit_closed_message(p: Any) -> str:
    if p.get("effective"):
        return _("%(employee)s finished an effective visit at %(customer)s.") % p
    return _("%(employee)s finished a visit at %(customer)s that is not effective.") % p


def register_notices() -> None:
    register_kind(VISIT_CLOSED, message=_visit_closed_message, icon="ti-map-pin-check")
