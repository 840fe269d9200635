"""Writes of visits: visit types (administrators), check-in and check-out, the nightly close of abandoned visits.

Writes are keyword-only, the acting employee first, one transaction each; a check-in is idempotent by the
client's `client_id`, a check-out by its own (a replay returns the first result and writes nothing).

- A check-in carries the phone's position fix (latitude, longitude, accuracy, when it was read, whether
  the device says it is mocked) and when the phone captured the check-in. A fix read longer before the
  capture than the organization allows is refused (the page reads it again); a check-in captured offline
  and received late is accepted and marked late, never refused for lateness.
- The distance to the customer is checked against the visit type's rule: hard refuses (saying how far),
  soft accepts and the visit is classified not effective ("too far"). A customer without a location gets
  the first check-in's position.
- Anti-cheat signals (core.geo) are recorded beside each fix, against the employee's previous fixes.
- Closing a visit (check-out, or the nightly run) classifies it by `visits.classify` and tells the
  employees the visit type copies.
"""

import copy
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fieldloop.core import progress
from fieldloop.core.db import create_or_winner
from fieldloop.core.errors import ErrorCode, ServiceError, invalid, not_found
from fieldloop.core.geo import Fix, SentFix, check_capture_times, fix_signals, position_errors
from fieldloop.customers import pools
from fieldloop.customers import services as customer_services
from fieldloop.customers.models import Customer
from fieldloop.customers.selectors import visible_customers
from fieldloop.formtemplates.models import Attachment, AttachmentKind, FormTemplate, Purpose, holder_of
from fieldloop.formtemplates.services import attachment_copy
from fieldloop.notifications.services import Notice, notify_many
from fieldloop.org.models import Department, Employee, Role
from fieldloop.org.permissions import Permission
from fieldloop.org.services import audit, require_permission

from . import hooks, visits
from .builtin import activity_settings
from .models import ActivitySettings, DistanceMode, Visit, VisitStatus, VisitType, VisitTypeStep, WorkRecord
from .selectors import (
    VISIT_RELATED,
    open_visit_of,
    visit_get,
    visit_record_check,
    visit_step_records,
    visit_type_get,
)
from .visit_review_services import visit_signals_refresh
from .visits import (
    ABANDONED_AFTER,
    MAX_DISTANCE_M,
    MAX_MIN_DURATION,
    MAX_STEPS,
    VISIT_CLOSED,
    applies_to,
    classify,
)

PREVIOUS_FIXES = 3  # the employee's previous fixes compared with a new one

# --- Visit types ------------------------------------------------------------------------------------------


TYPE_FIELDS = (
    "name", "name_en", "is_active", "roles", "max_distance_m", "distance_mode", "photo_required",
    "customer_required", "min_duration_minutes", "check_out_required",
)  # fmt: skip


def _clean_type(actor: Employee, values: dict[str, Any], *, vt: VisitType | None) -> dict[str, Any]:
    """Check a visit type's fields (all at once); keys absent from `values` are left as they are."""
    errors: dict[str, list[Any]] = {}
    clean: dict[str, Any] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for key in ("name", "name_en"):
        if key in values or (vt is None and key == "name"):
            text = str(values.get(key) or "").strip()
            if key == "name" and not text:
                fail(key, _("This field is required."))
            elif len(text) > 60:
                fail(key, _("At most %(n)d characters.") % {"n": 60})
            clean[key] = text
    if clean.get("name"):
        taken = VisitType.objects.filter(org_id=actor.org_id, name=clean["name"])
        if vt is not None:
            taken = taken.exclude(pk=vt.pk)
        if taken.exists():
            fail("name", _("A visit type with this name already exists."))
    for key in ("is_active", "photo_required", "customer_required", "check_out_required"):
        if key in values:
            if not isinstance(values[key], bool):
                fail(key, _("Expected true or false."))
            clean[key] = values[key]
    if "roles" in values:
        roles = values["roles"] or []
        if not isinstance(roles, list) or any(r not in Role.values for r in roles):
            fail("roles", _("Choose among: %(roles)s.") % {"roles": ", ".join(Role.values)})
        else:
            clean["roles"] = sorted(set(roles))
    if "max_distance_m" in values:
        d = values["max_distance_m"]
        if d is not None and (isinstance(d, bool) or not isinstance(d, int) or not 1 <= d <= MAX_DISTANCE_M):
            fail("max_distance_m", _("Enter a whole number from 1 to %(max)d, or nothing.") % {"max": MAX_DISTANCE_M})
        clean["max_distance_m"] = d
    if "distance_mode" in values:
        if values["distance_mode"] not in DistanceMode.values:
            fail("distance_mode", _("Choose soft or hard."))
        clean["distance_mode"] = values["distance_mode"]
    if "min_duration_minutes" in values:
        m = values["min_duration_minutes"]
        if isinstance(m, bool) or not isinstance(m, int) or not 0 <= m <= MAX_MIN_DURATION:
            fail("min_duration_minutes", _("Enter a whole number from 0 to %(max)d.") % {"max": MAX_MIN_DURATION})
        clean["min_duration_minutes"] = m
    if "department_ids" in values:
        ids = values["department_ids"] or []
        found = set(
            Department.objects.filter(org_id=actor.org_id, pk__in=[i for i in ids if isinstance(i, int)]).values_list(
                "pk", flat=True
            )
        )
        if not isinstance(ids, list) or set(ids) != found:
            fail("department_ids", _("Choose departments of your organization."))
        clean["department_ids"] = sorted(found)
    if "copied_ids" in values:
        ids = values["copied_ids"] or []
        found = set(
            Employee.objects.filter(org_id=actor.org_id, pk__in=[i for i in ids if isinstance(i, int)]).values_list(
                "pk", flat=True
            )
        )
        if not isinstance(ids, list) or set(ids) != found:
            fail("copied_ids", _("Choose employees of your organization."))
        clean["copied_ids"] = sorted(found)
    if "steps" in values:
        clean["steps"] = _clean_steps(actor, values["steps"], fail)
    if errors:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)
    return clean


def _clean_steps(actor: Employee, raw: Any, fail: Any) -> list[tuple[int, bool]]:
    """[(template id, required)] from [{"template_id": .., "required": ..}], in order."""
    if not isinstance(raw, list) or len(raw) > MAX_STEPS:
        fail("steps", _("Give at most %(n)d steps.") % {"n": MAX_STEPS})
        return []
    ids = [s.get("template_id") for s in raw if isinstance(s, dict)]
    usable = set(
        FormTemplate.objects.filter(org_id=actor.org_id, is_active=True, pk__in=[i for i in ids if isinstance(i, int)])
        .exclude(purpose=Purpose.CUSTOMER)
        .values_list("pk", flat=True)
    )
    steps: list[tuple[int, bool]] = []
    for i, step in enumerate(raw):
        template_id = step.get("template_id") if isinstance(step, dict) else None
        if template_id not in usable:
            fail(f"steps.{i}.template_id", _("Choose one of the organization's active work record templates."))
        elif any(template_id == t for t, _r in steps):
            fail(f"steps.{i}.template_id", _("This template is already a step."))
        else:
            steps.append((template_id, bool(step.get("required", True))))
    return steps


def _apply_type(actor: Employee, vt: VisitType, clean: dict[str, Any], *, creating: bool) -> None:
    changes = {k: [getattr(vt, k), v] for k, v in clean.items() if k in TYPE_FIELDS and getattr(vt, k) != v}
    for key, value in clean.items():
        if key in TYPE_FIELDS:
            setattr(vt, key, value)
    vt.save()
    if "department_ids" in clean:
        vt.departments.set(clean["department_ids"])
        changes["department_ids"] = [None, clean["department_ids"]]
    if "copied_ids" in clean:
        vt.copied.set(clean["copied_ids"])
        changes["copied_ids"] = [None, clean["copied_ids"]]
    if "steps" in clean:
        VisitTypeStep.objects.filter(visit_type=vt).delete()
        VisitTypeStep.objects.bulk_create(
            VisitTypeStep(org_id=vt.org_id, visit_type=vt, template_id=t, position=i, required=r)
            for i, (t, r) in enumerate(clean["steps"])
        )
        changes["steps"] = [None, [[t, r] for t, r in clean["steps"]]]
    if changes:
        action = "visittype.create" if creating else "visittype.update"
        audit(actor=actor, org=actor.org, action=action, obj=vt, changes=_plain(changes))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@transaction.atomic
def visit_type_create(*, actor: Employee, **values: Any) -> VisitType:
    """An administrator creates a visit type: name, steps [{template_id, required}], rules."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    clean = _clean_type(actor, values, vt=None)
    vt = VisitType(org_id=actor.org_id)
    _apply_type(actor, vt, clean, creating=True)
    return visit_type_get(actor=actor, visit_type_id=vt.pk)


@transaction.atomic
def visit_type_update(*, actor: Employee, visit_type_id: int, **values: Any) -> VisitType:
    """An administrator changes a visit type; absent keys stay as they are. Visits already made keep their
    classification."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    vt = visit_type_get(actor=actor, visit_type_id=visit_type_id)
    vt = VisitType.objects.select_for_update().get(pk=vt.pk)
    clean = _clean_type(actor, values, vt=vt)
    _apply_type(actor, vt, clean, creating=False)
    return visit_type_get(actor=actor, visit_type_id=vt.pk)


# --- Check-in and check-out ----------------------------------------------------------------------------


def _fix(position: SentFix, at: datetime) -> Fix:
    return Fix(
        latitude=float(position.latitude),
        longitude=float(position.longitude),
        accuracy_m=float(position.accuracy_m),
        at=at,
        mocked=bool(position.mocked),
    )


def _previous_fixes(employee: Employee, before: datetime, exclude_pk: int | None = None) -> list[Fix]:
    """The employee's latest fixes (check-ins and check-outs of their recent visits) read before `before`,
    newest first."""
    return _fixes_before(list(_latest_visits(employee, before, exclude_pk)), before)


def _latest_visits(employee: Employee, before: datetime, exclude_pk: int | None = None) -> QuerySet[Visit]:
    visits = Visit.objects.filter(employee=employee, check_in_fix_at__lt=before)
    if exclude_pk is not None:
        visits = visits.exclude(pk=exclude_pk)
    return visits.order_by("-check_in_fix_at", "-id")[:PREVIOUS_FIXES]


def _fixes_before(visits: Iterable[Visit], before: datetime) -> list[Fix]:
    """The latest PREVIOUS_FIXES fixes of `visits` (check-ins and check-outs) read before `before`, newest first."""
    latest = sorted((v for v in visits if v.check_in_fix_at < before), key=lambda v: (v.check_in_fix_at, v.pk))
    fixes: list[Fix] = []
    for v in latest[-PREVIOUS_FIXES:]:
        if (
            v.check_out_fix_at is not None
            and v.check_out_fix_at < before
            and v.check_out_latitude is not None
            and v.check_out_longitude is not None
        ):
            fixes.append(
                Fix(float(v.check_out_latitude), float(v.check_out_longitude), v.check_out_accuracy_m or 0.0,
                    v.check_out_fix_at, v.check_out_mocked)
            )  # fmt: skip
        fixes.append(
            Fix(float(v.check_in_latitude), float(v.check_in_longitude), v.check_in_accuracy_m, v.check_in_fix_at,
                v.check_in_mocked)
        )  # fmt: skip
    fixes.sort(key=lambda f: f.at, reverse=True)
    return fixes[:PREVIOUS_FIXES]


@dataclass(frozen=True)
class _CheckInVisits:
    replay: Visit | None  # the visit this client_id made already
    open: Visit | None  # the employee's open visit
    latest: list[Visit]  # the employee's latest visits by fix time (PREVIOUS_FIXES, before the new fix)


def _check_in_visits(actor: Employee, client_id: uuid.UUID, before: datetime | None) -> _CheckInVisits:
    """What a check-in needs of the visits already made, in one statement: a UNION ALL of the visit this
    client_id made, the employee's open visit, and their latest visits before `before` (each part an index
    lookup: the unique (org, client_id), the one-open-visit-per-employee constraint, the employee's time)."""
    parts = [
        Visit.objects.filter(org_id=actor.org_id, client_id=client_id),
        Visit.objects.filter(employee=actor, status=VisitStatus.OPEN),
    ]
    if before is not None and not timezone.is_naive(before):
        parts.append(Visit.objects.filter(pk__in=_latest_visits(actor, before).values("pk")))
    parts = [part.order_by() for part in parts]  # no default ordering inside a compound statement
    rows = list(parts[0].union(*parts[1:], all=True))
    replay = next((v for v in rows if v.client_id == client_id and v.org_id == actor.org_id), None)
    open_visit = next((v for v in rows if v.employee_id == actor.pk and v.is_open), None)
    latest = list({v.pk: v for v in rows if v.employee_id == actor.pk}.values())
    return _CheckInVisits(replay=replay, open=open_visit, latest=latest)


def _visit_type_for_check_in(actor: Employee, visit_type_id: int | None) -> tuple[VisitType | None, ActivitySettings]:
    """The active visit type `visit_type_id` if it applies to the actor, and the organization's settings: one
    query (the type's row once per department it is limited to, the settings as subqueries)."""
    settings = ActivitySettings.objects.filter(org_id=actor.org_id)
    rows = []
    if visit_type_id is not None:
        rows = list(
            VisitType.objects.filter(org_id=actor.org_id, is_active=True, pk=visit_type_id).annotate(
                department_path=F("departments__path"),
                fix_max_age=Subquery(settings.values("fix_max_age_seconds")[:1]),
                poor_accuracy=Subquery(settings.values("poor_accuracy_m")[:1]),
            )
        )
    if not rows or rows[0].fix_max_age is None:  # type: ignore[attr-defined]
        org_settings = activity_settings(org_id=actor.org_id)
    else:
        org_settings = ActivitySettings(
            org_id=actor.org_id,
            fix_max_age_seconds=rows[0].fix_max_age,
            poor_accuracy_m=rows[0].poor_accuracy,  # type: ignore[attr-defined]
        )
    if not rows:
        return None, org_settings
    vt = rows[0]
    paths = [r.department_path for r in rows if r.department_path]  # type: ignore[attr-defined]
    return (vt if applies_to(vt, actor, paths) else None), org_settings


def _distance(customer: Customer | None, fix: Fix) -> float | None:
    if customer is None or customer.latitude is None or customer.longitude is None:
        return None
    return round(fix.distance_m(float(customer.latitude), float(customer.longitude)), 1)


def _already_open(visit: Visit) -> ServiceError:
    where = visit.customer.name if visit.customer else visit.visit_type.name
    return invalid(
        "visit",
        _("You are still checked in at %(where)s; check out first.") % {"where": where},
        code=ErrorCode.CONFLICT,
    )


def _check_in_customer(
    actor: Employee, vt: VisitType | None, customer_id: int | None, errors: dict[str, list[Any]]
) -> Customer | None:
    customer = None
    if customer_id is not None:
        customer = visible_customers(actor=actor).filter(pk=customer_id).first()
        if customer is None:
            errors["customer_id"] = [_("Not found, or not visible to you.")]
    elif vt is not None and vt.customer_required:
        errors["customer_id"] = [_("Choose the customer you are visiting.")]
    return customer


def _judge_check_in(
    vt: VisitType, settings: ActivitySettings, customer: Customer | None, fix: Fix, captured_at: datetime,
    latest: list[Visit],
) -> tuple[visits.CheckInVerdict, list[str]]:  # fmt: skip
    """The verdict of a check-in (visits.judge_check_in) and its fix's signals."""
    signals = fix_signals(
        fix,
        now=captured_at,
        previous=_fixes_before(latest, fix.at),
        max_age_s=settings.fix_max_age_seconds,
        poor_accuracy_m=settings.poor_accuracy_m,
    )
    codes = [str(s) for s in signals]
    verdict = visits.judge_check_in(
        visit_type=vt,
        distance_m=_distance(customer, fix),
        signals=codes,
        locates_customer=customer is not None and (customer.latitude is None or customer.longitude is None),
    )
    return verdict, codes


def flagged_message(verdict: visits.CheckInVerdict) -> str:
    """Why a check-in is flagged or refused, in the reader's language."""
    if verdict.outcome == visits.Outcome.REFUSED and verdict.distance_m is not None:
        return _("You are %(distance)d m from the customer; check in within %(max)d m.") % {
            "distance": verdict.distance_m,
            "max": verdict.max_distance_m,
        }
    reasons = "; ".join(visits.reasons_text(verdict.reasons))
    if not verdict.counts:
        return _("This check-in will be flagged (%(reasons)s) and the visit will not count as effective.") % {
            "reasons": reasons
        }
    if verdict.reviewed:
        return _(
            "This check-in goes to your manager for review (%(reasons)s); the visit counts unless they reject it."
        ) % {"reasons": reasons}
    return _("This check-in will be flagged for your manager: %(reasons)s.") % {"reasons": reasons}


def visit_check_in_preview(
    *, actor: Employee, visit_type_id: int | None, customer_id: int | None, position: SentFix
) -> visits.CheckInVerdict:
    """What a check-in with this position would be, now: the verdict the check-in service would apply
    (read-only: it writes nothing). Field errors as the check-in's (position, visit type, customer)."""
    now = timezone.now()
    vt, settings = _visit_type_for_check_in(actor, visit_type_id)
    errors: dict[str, list[Any]] = {
        k: [m] for k, m in position_errors(position.latitude, position.longitude, position.accuracy_m).items()
    }
    if position.fix_at is None or timezone.is_naive(position.fix_at):
        errors["fix_at"] = [_("The position has no time; read it again.")]
    if vt is None:
        errors["visit_type_id"] = [_("Choose one of the visit types that apply to you.")]
    customer = _check_in_customer(actor, vt, customer_id, errors)
    if errors or vt is None or position.fix_at is None:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)
    fix = _fix(position, position.fix_at)
    latest = list(_latest_visits(actor, fix.at))
    return _judge_check_in(vt, settings, customer, fix, now, latest)[0]


def visit_check_in(
    *,
    actor: Employee,
    client_id: uuid.UUID,
    visit_type_id: int | None,
    customer_id: int | None,
    position: SentFix,
    captured_at: datetime | None = None,
    confirm_flagged: bool = False,
) -> tuple[Visit, bool]:
    """Check in; returns (visit, created). A replayed `client_id` returns the first visit. A check-in that
    `visits.judge_check_in` flags is refused (on `confirm_flagged`, saying why) unless the rep confirmed it."""
    if not actor.is_active:
        raise not_found()
    made = _check_in_visits(actor, client_id, position.fix_at)
    existing = made.replay
    if existing is not None:
        if existing.employee_id != actor.pk:
            raise invalid("client_id", _("This id was already used."), code=ErrorCode.IDEMPOTENCY_MISMATCH)
        return existing, False
    now = timezone.now()
    vt, settings = _visit_type_for_check_in(actor, visit_type_id)
    errors: dict[str, list[Any]] = {
        k: [m] for k, m in position_errors(position.latitude, position.longitude, position.accuracy_m).items()
    }
    try:
        captured_at = check_capture_times(position, captured_at, now, settings.fix_max_age_seconds)
    except ServiceError as e:
        errors |= e.fields
    if vt is None:
        errors["visit_type_id"] = [_("Choose one of the visit types that apply to you.")]
    customer = _check_in_customer(actor, vt, customer_id, errors)
    if errors:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)
    if vt is None or captured_at is None or position.fix_at is None:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."))
    fix = _fix(position, position.fix_at)
    if made.open is not None:
        raise _already_open(made.open)
    verdict, signals = _judge_check_in(vt, settings, customer, fix, captured_at, made.latest)
    distance = verdict.distance_m
    if verdict.outcome == visits.Outcome.REFUSED:
        raise invalid("position", flagged_message(verdict))
    if verdict.outcome == visits.Outcome.FLAGGED and not confirm_flagged:
        raise invalid("confirm_flagged", flagged_message(verdict))

    def write() -> Visit:
        located = False
        if customer is not None and distance is None:  # the first check-in locates the customer
            located = customer_services.customer_locate_from_visit(
                actor=actor, customer_id=customer.pk, latitude=_coordinate(fix.latitude),
                longitude=_coordinate(fix.longitude),
            )  # fmt: skip
        visit = Visit.objects.create(
            org_id=actor.org_id,
            client_id=client_id,
            visit_type=vt,
            employee=actor,
            customer=customer,
            check_in_latitude=_coordinate(fix.latitude),
            check_in_longitude=_coordinate(fix.longitude),
            check_in_accuracy_m=fix.accuracy_m,
            check_in_fix_at=fix.at,
            check_in_mocked=fix.mocked,
            check_in_distance_m=distance,
            check_in_signals=signals,
            checked_in_at=captured_at,
            check_in_received_at=now,
            check_in_late=(now - captured_at).total_seconds() > settings.fix_max_age_seconds,
            located_customer=located,
        )
        visit_signals_refresh([visit], photos=False)  # review signals (visit_review): a new visit has no photo
        if customer is not None:
            customer_services.customer_visited(customer_id=customer.pk, at=captured_at)  # and followed up
            # pools extends only the protection of a customer its visitor owns: the row just read says when
            # that cannot be, which spares the call its query (as for a work record)
            if customer.owner_id == actor.pk and customer.protected_until is not None:
                pools.customer_followed_up(customer_id=customer.pk, by=actor, at=captured_at)
        hooks.checked_in(visit)
        return visit

    try:
        visit, created = create_or_winner(Visit.objects.filter(org_id=actor.org_id, client_id=client_id), write)
    except IntegrityError:  # not this client_id: the one-open-visit rule, two check-ins at once
        open_visit = open_visit_of(actor=actor)
        if open_visit is not None:  # the other one won
            raise _already_open(open_visit) from None
        raise
    return visit, created


def _coordinate(value: float) -> Decimal:
    return Decimal(str(round(value, 6)))


def visit_check_out(
    *,
    actor: Employee,
    client_id: uuid.UUID,
    visit_id: int | None,
    position: SentFix,
    captured_at: datetime | None = None,
    confirm_not_effective: bool = False,
) -> tuple[Visit, bool]:
    """Check out of the actor's open visit (`visit_id`, or the open one when None); returns (visit,
    changed). A replayed `client_id` returns the closed visit unchanged. Only the one who checked in checks
    out: someone else's visit is forbidden when the actor may see it, not found otherwise. A check-out that
    leaves the visit not effective is refused (on `confirm_not_effective`, saying why) unless the rep
    confirmed it."""
    if not actor.is_active:
        raise not_found()
    if visit_id is not None:
        visit = Visit.objects.filter(org_id=actor.org_id, pk=visit_id).first()
        if visit is None:
            raise not_found()
        if visit.employee_id != actor.pk:
            visit_get(actor=actor, visit_id=visit.pk)  # not found, unless the actor may see the visit
            raise ServiceError(ErrorCode.FORBIDDEN, _("You do not have permission to do this."))
    else:
        visit = open_visit_of(actor=actor)
        if visit is None:
            raise invalid("visit", _("You are not checked in; check in first."), code=ErrorCode.CONFLICT)
    if visit.check_out_client_id == client_id:
        return visit, False
    if not visit.is_open:
        raise invalid("visit", _("This visit is already closed; check in again."), code=ErrorCode.CONFLICT)
    now = timezone.now()
    settings = activity_settings(org_id=actor.org_id)
    errors: dict[str, list[Any]] = {
        k: [m] for k, m in position_errors(position.latitude, position.longitude, position.accuracy_m).items()
    }
    try:
        captured_at = check_capture_times(position, captured_at, now, settings.fix_max_age_seconds)
    except ServiceError as e:
        errors |= e.fields
    if not errors and captured_at is not None and captured_at < visit.checked_in_at:
        errors["captured_at"] = [_("The check-out is earlier than the check-in; check the device's clock.")]
    if errors:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)
    if captured_at is None or position.fix_at is None:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."))
    fix = _fix(position, position.fix_at)
    with transaction.atomic():
        visit = Visit.objects.select_for_update(of=("self",)).select_related(*VISIT_RELATED).get(pk=visit.pk)
        if visit.check_out_client_id == client_id:
            return visit, False
        if not visit.is_open:
            raise invalid("visit", _("This visit is already closed; check in again."), code=ErrorCode.CONFLICT)
        previous = [
            Fix(float(visit.check_in_latitude), float(visit.check_in_longitude), visit.check_in_accuracy_m,
                visit.check_in_fix_at, visit.check_in_mocked)
        ]  # fmt: skip
        signals = fix_signals(
            fix,
            now=captured_at,
            previous=previous + _previous_fixes(actor, visit.check_in_fix_at, exclude_pk=visit.pk),
            max_age_s=settings.fix_max_age_seconds,
            poor_accuracy_m=settings.poor_accuracy_m,
        )
        visit.check_out_client_id = client_id
        visit.check_out_latitude = _coordinate(fix.latitude)
        visit.check_out_longitude = _coordinate(fix.longitude)
        visit.check_out_accuracy_m = fix.accuracy_m
        visit.check_out_fix_at = fix.at
        visit.check_out_mocked = fix.mocked
        visit.check_out_distance_m = _distance(visit.customer, fix)
        visit.check_out_signals = [str(s) for s in signals]
        visit.checked_out_at = captured_at
        visit.check_out_received_at = now
        visit.check_out_late = (now - captured_at).total_seconds() > settings.fix_max_age_seconds
        visit.duration_s = int((captured_at - visit.checked_in_at).total_seconds())
        reasons = classify(visit=visit, records=list(visit_step_records(visit=visit)))
        if reasons and not confirm_not_effective:
            raise invalid("confirm_not_effective", not_effective_message(visit, reasons, captured_at))
        _close(visit, reasons)
    return visit, True


def not_effective_message(visit: Visit, reasons: list[str], at: datetime) -> str:
    """Why checking out now leaves the visit not effective, in the reader's language."""
    text = "; ".join(visits.reasons_text(reasons))
    minutes = visits.remaining_minutes(visit=visit, at=at)
    if visits.Reason.TOO_SHORT in reasons and minutes:
        needed = ngettext("%(n)d more minute needed", "%(n)d more minutes needed", minutes) % {"n": minutes}
        return _("%(needed)s for an effective visit. Checking out now: not effective (%(reasons)s).") % {
            "needed": needed,
            "reasons": text,
        }
    return _("Checking out now: the visit will not be effective (%(reasons)s).") % {"reasons": text}


@dataclass(frozen=True)
class CheckOutPreview:
    outcome: str  # visits.Outcome: fine, or flagged (confirm before ending a visit that will not count)
    reasons: list[str]  # why the visit would not be effective if it ended now
    remaining_minutes: int  # still needed for the minimum duration
    message: str  # in the reader's language; empty when fine


def visit_check_out_preview(*, actor: Employee, visit_id: int) -> CheckOutPreview:
    """What checking out of the actor's open visit now would make of it (read-only): the classification of
    the visit as it stands, by the rule the check-out applies (the check-out's own position is not known yet)."""
    visit = visit_get(actor=actor, visit_id=visit_id)
    if visit.employee_id != actor.pk or not visit.is_open:
        raise invalid("visit", _("This visit is already closed; check in again."), code=ErrorCode.CONFLICT)
    return check_out_preview(visit=visit)


def check_out_preview(*, visit: Visit, at: datetime | None = None) -> CheckOutPreview:
    """`visit_check_out_preview` of a visit already read (two queries: its records and required steps)."""
    now = at or timezone.now()
    visit = copy.copy(visit)  # the caller's instance keeps no duration
    visit.duration_s = int((now - visit.checked_in_at).total_seconds())
    reasons = classify(visit=visit, records=list(visit_step_records(visit=visit)))
    return CheckOutPreview(
        outcome=visits.check_out_outcome(reasons),
        reasons=reasons,
        remaining_minutes=visits.remaining_minutes(visit=visit, at=now),
        message=not_effective_message(visit, reasons, now) if reasons else "",
    )


def _close(visit: Visit, reasons: list[str] | None = None) -> None:
    """Classify and save a visit being closed, and tell the copied employees (inside a transaction)."""
    visit.status = VisitStatus.CLOSED
    visit_signals_refresh([visit], save=False)  # review signals, saved below with the rest
    if reasons is None:
        reasons = classify(visit=visit, records=list(visit_step_records(visit=visit)))
    visit.reasons = reasons
    visit.effective = not visit.reasons
    visit.save()
    copied = visit.visit_type.copied.filter(status="active").exclude(pk=visit.employee_id).values_list("pk", flat=True)
    link = reverse("visit_detail", args=[visit.pk])
    params = {
        "employee": visit.employee.name,
        "customer": visit.customer.name if visit.customer else "",
        "effective": bool(visit.effective),
    }
    notify_many(
        Notice(org_id=visit.org_id, recipient_id=pk, kind=VISIT_CLOSED, params=params, link=link,
               dedupe_key=f"visit-closed-{visit.pk}")
        for pk in copied
    )  # fmt: skip


def all_orgs_close_abandoned_visits(*, now: datetime | None = None, older_than: timedelta = ABANDONED_AFTER) -> int:
    """Close the open visits checked in longer ago than `older_than` (the nightly run): no check-out, so
    no duration; classified like any visit. Returns how many were closed."""
    now = now or timezone.now()
    closed = 0
    stale = Visit.objects.filter(status=VisitStatus.OPEN, checked_in_at__lt=now - older_than).values_list(
        "pk", flat=True
    )
    for pk in progress.track(list(stale), label="open visits"):
        with transaction.atomic():
            visit = Visit.objects.select_for_update(of=("self",)).select_related(*VISIT_RELATED).get(pk=pk)
            if not visit.is_open:
                continue
            visit.closed_automatically = True
            _close(visit)
            closed += 1
    return closed


@transaction.atomic
def visit_locate_customer(*, actor: Employee, visit_id: int) -> Customer:
    """An administrator sets the visit's customer's location to the visit's check-in position."""
    visit = visit_get(actor=actor, visit_id=visit_id)
    if visit.customer is None:
        raise invalid("customer_id", _("This visit has no customer."))
    return customer_services.customer_set_location(
        actor=actor,
        customer_id=visit.customer.pk,
        latitude=visit.check_in_latitude,
        longitude=visit.check_in_longitude,
    )


def visit_photos_reuse(
    *, actor: Employee, visit_id: int, attachment_ids: list[int], namespace: uuid.UUID, field: str = ""
) -> list[int]:
    """Copies, for a new step of the actor's own visit, of photos its earlier records hold (a photo held by one
    record cannot be held by another: `attachment_copy`); the copies are the actor's fresh uploads, claimed when
    the step's record is saved. Once per (`namespace`, `field`, photo): a resent form copies nothing again, and
    one photo reused in two fields of the step is two copies. A photo not held by a record of this visit is
    refused, as not found."""
    visit = visit_record_check(actor=actor, visit_id=visit_id)
    wanted = list(dict.fromkeys(attachment_ids))
    holders = [holder_of(r) for r in WorkRecord.objects.filter(visit=visit, archived_at__isnull=True).only("pk")]
    sources = {
        a.pk: a
        for a in Attachment.objects.filter(
            org_id=actor.org_id, pk__in=wanted, holder__in=holders, kind=AttachmentKind.PHOTO
        )
    }
    missing = [i for i in wanted if i not in sources]
    if missing:
        raise invalid("attachment_ids", _("Attachment %(id)d was not found; upload it first.") % {"id": missing[0]})
    return [
        attachment_copy(
            actor=actor,
            source=sources[i],
            client_id=uuid.uuid5(namespace, f"reuse:{field}:{i}" if field else f"reuse:{i}"),
        ).pk
        for i in wanted
    ]
