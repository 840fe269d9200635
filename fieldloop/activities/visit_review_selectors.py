"""Reads of the review of doubtful visits: the manager's queue, a visit's signals and its decisions."""

from django.db.models import QuerySet

from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission

from .models import ReviewState, Visit, VisitReview
from .selectors import VisitFilters, visit_list

QUEUE_ORDERING = ("checked_in_at", "id")  # oldest first


def review_queue(*, actor: Employee, filters: VisitFilters | None = None) -> QuerySet[Visit]:
    """The flagged visits waiting for the actor's decision: of the employees the actor sees and may change
    the records of, never the actor's own, narrowed by the visit list's filters (employee, customer, days);
    oldest first (keyset-page on QUEUE_ORDERING)."""
    if not actor.is_active or not has_permission(actor, Permission.CHANGE_SUBORDINATE_RECORDS):
        return Visit.objects.none()
    return (
        visit_list(actor=actor, filters=filters)
        .filter(review_state=ReviewState.PENDING)
        .exclude(employee_id=actor.pk)
        .order_by(*QUEUE_ORDERING)
    )


def review_history(*, visit: Visit) -> QuerySet[VisitReview]:
    """The decisions on a visit the caller may see, newest first."""
    return VisitReview.objects.filter(visit=visit).select_related("reviewer").order_by("-created_at", "-id")
