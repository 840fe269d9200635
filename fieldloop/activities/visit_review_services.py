"""Writes of the review of doubtful visits (activities/visit_review.py): keeping a visit's signals current, and
the manager's decision.

- `visit_signals_refresh` recomputes the signals of some visits (at check-in, check-out, when a step's photos
  change, and by the `recheck_visit_signals` command, since track points may arrive late through the outbox)
  and puts a visit with a signal and no decision in the queue.
- `visit_review_decide`: the employee's manager (someone who sees the employee and may change their records,
  never the employee) confirms or rejects a flagged visit, a reason required to reject. Each decision is a row
  of `VisitReview` (a second one is a recorded change); the same decision again changes nothing. A rejected
  visit is not effective (`visits.classify`), stops being its customer's last visit, and its employee is told.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from fieldloop.core import progress
from fieldloop.core.errors import ErrorCode, ServiceError, invalid
from fieldloop.customers import services as customer_services
from fieldloop.notifications.services import Notice, notify_many
from fieldloop.org.models import Employee
from fieldloop.org.selectors import can_change_owned_by

from .follow_ups import last_follow_up_at
from .models import ReviewState, Visit, VisitReview, VisitStatus
from .selectors import VISIT_RELATED, visit_get, visit_step_records
from .visit_review import VISIT_REVIEWED, compute_signals, next_state
from .visits import classify

MAX_REASON = 500
RECHECK_CHUNK = 500


def visit_signals_refresh(visits: Sequence[Visit], *, photos: bool = True, save: bool = True) -> None:
    """Recompute the review signals of `visits` (one organization's or several) and save those that changed,
    with their review state (pending while a signal waits for a decision). A few queries per organization and
    source, whatever the number of visits. `photos=False`: a visit just checked in has no step yet; `save=False`:
    the caller saves the visits (the check-out does, once)."""
    changed: list[Visit] = []
    ordered = sorted(visits, key=lambda v: v.org_id)
    for _org, group in groupby(ordered, key=lambda v: v.org_id):
        batch = list(group)
        found = compute_signals(batch, photos=photos)
        for visit in batch:
            signals = [s.as_json() for s in found.get(visit.pk, [])]
            state = next_state(visit.review_state, signals)
            if signals != visit.review_signals or state != visit.review_state:
                visit.review_signals = signals
                visit.review_state = state
                changed.append(visit)
    if changed and save:
        Visit.objects.bulk_update(changed, ["review_signals", "review_state"], batch_size=RECHECK_CHUNK)


def all_orgs_recheck_visit_signals(*, day: date) -> int:
    """Recompute the signals of every visit checked in on `day` (wide enough for every time zone: a visit of
    the day before or after is rechecked too, harmlessly). Returns how many visits were rechecked."""
    start = datetime.combine(day, time.min, tzinfo=UTC) - timedelta(hours=14)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC) + timedelta(hours=14)
    qs = Visit.objects.filter(checked_in_at__gte=start, checked_in_at__lt=end).order_by("org_id", "employee_id", "pk")
    done = 0
    last_pk = 0
    with progress.step("visits rechecked") as shown:
        while True:
            chunk = list(qs.filter(pk__gt=last_pk).order_by("pk")[:RECHECK_CHUNK])
            if not chunk:
                return done
            with transaction.atomic():
                visit_signals_refresh(chunk)
            done += len(chunk)
            shown.advance(len(chunk))
            last_pk = chunk[-1].pk


def may_review(*, actor: Employee, visit: Visit) -> bool:
    """The employee's manager: someone else who sees the employee and may change their records."""
    return visit.employee_id != actor.pk and can_change_owned_by(actor=actor, owner=visit.employee)


def _clean_decision(decision: Any, reason: Any) -> tuple[str, str]:
    errors: dict[str, list[Any]] = {}
    if decision not in (ReviewState.CONFIRMED, ReviewState.REJECTED):
        errors["decision"] = [_("Choose confirm or reject.")]
    text = reason.strip() if isinstance(reason, str) else ""
    if reason is not None and not isinstance(reason, str):
        errors["reason"] = [_("Expected text.")]
    elif len(text) > MAX_REASON:
        errors["reason"] = [_("At most %(n)d characters.") % {"n": MAX_REASON}]
    elif decision == ReviewState.REJECTED and not text:
        errors["reason"] = [_("Say why the visit is rejected.")]
    if errors:
        raise ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)
    return str(decision), text


def visit_review_decide(*, actor: Employee, visit_id: int, decision: str, reason: str = "") -> tuple[Visit, bool]:
    """The manager confirms or rejects a flagged visit; returns (visit, changed). Deciding what was last
    decided (same decision and reason) changes nothing."""
    visit = visit_get(actor=actor, visit_id=visit_id)  # not found unless the actor sees it
    if not may_review(actor=actor, visit=visit):
        raise ServiceError(ErrorCode.FORBIDDEN, _("Only the employee's manager may review this visit."))
    decision, reason = _clean_decision(decision, reason)
    with transaction.atomic():
        visit = Visit.objects.select_for_update(of=("self",)).select_related(*VISIT_RELATED).get(pk=visit.pk)
        if visit.review_state == ReviewState.NONE:
            raise invalid("visit", _("This visit has no signal to review."), code=ErrorCode.CONFLICT)
        last = VisitReview.objects.filter(visit=visit).order_by("-created_at", "-id").first()
        if last is not None and last.decision == decision and last.reason == reason:
            return visit, False
        review = VisitReview.objects.create(
            org_id=visit.org_id,
            visit=visit,
            reviewer=actor,
            decision=decision,
            reason=reason,
            signals=visit.review_signals,
        )
        visit.review_state = decision
        if visit.status == VisitStatus.CLOSED:
            visit.reasons = classify(visit=visit, records=list(visit_step_records(visit=visit)))
            visit.effective = not visit.reasons
        visit.save(update_fields=["review_state", "reasons", "effective", "updated_at"])
        if visit.customer_id is not None:
            latest = (
                Visit.objects.filter(customer_id=visit.customer_id)
                .exclude(review_state=ReviewState.REJECTED)
                .aggregate(at=Max("checked_in_at"))["at"]
            )
            customer_services.customer_last_visit_set(customer_id=visit.customer_id, at=latest)
            customer_services.customer_last_follow_up_set(customer_id=visit.customer_id, at=last_follow_up_at())
        params = {
            "reviewer": actor.name,
            "customer": visit.customer.name if visit.customer else "",
            "decision": decision,
            "reason": reason,
        }
        notify_many(
            [
                Notice(
                    org_id=visit.org_id,
                    recipient_id=visit.employee_id,
                    kind=VISIT_REVIEWED,
                    params=params,
                    link=reverse("visit_detail", args=[visit.pk]),
                    dedupe_key=f"visit-reviewed-{review.pk}",
                )
            ]
        )
    return visit, True
