"""What a follow-up (跟进) of a customer is, in one place: a visit at the customer, dated by its check-in, unless
its reviewer rejected it; or a work record about the customer made outside a visit (a call log, a competitor note,
...), dated by its capture, unless archived. A record filed as a step of a visit is part of that visit, which is
dated by its check-in (so a rejected visit's steps do not count either).

The customer page's summary (activities.summary) shows the last one and who made it; the customer list reads the
`Customer.last_followed_up_at` rollup the services keep with the same definition (`last_follow_up_at`: moved
forward by a new visit or record, recomputed in one UPDATE when one stops counting), the demo sets it in one
UPDATE, and the migration that added it (activities 0006) backfilled it with a frozen copy of this definition."""

from typing import Any

from django.db.models import DateTimeField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from .models import ReviewState, Visit, WorkRecord


def follow_up_visits(visits: QuerySet[Any]) -> QuerySet[Any]:
    """The visits of `visits` that count as follow-ups (each of a customer, dated by `checked_in_at`)."""
    return visits.filter(customer__isnull=False).exclude(review_state=ReviewState.REJECTED)


def follow_up_records(records: QuerySet[Any]) -> QuerySet[Any]:
    """The work records of `records` that count as follow-ups (each of a customer, dated by `captured_at`)."""
    return records.filter(customer__isnull=False, visit__isnull=True, archived_at__isnull=True)


def last_follow_up_at(customer: Any = None, *, visit_model: Any = Visit, record_model: Any = WorkRecord) -> Greatest:
    """The customer's last follow-up time as an expression (NULL when none), by default of the outer query's row
    (`OuterRef("pk")` of a customer query): the newer of its newest counting visit's check-in and its newest
    counting record's capture, each one index read (visit_customer_time, workrecord_customer_feed). The models
    can be a migration's historical ones."""
    customer = OuterRef("pk") if customer is None else customer
    visits = follow_up_visits(visit_model.objects.filter(customer_id=customer))
    records = follow_up_records(record_model.objects.filter(customer_id=customer))
    visit_at = Subquery(visits.order_by("-checked_in_at").values("checked_in_at")[:1], output_field=DateTimeField())
    record_at = Subquery(records.order_by("-captured_at").values("captured_at")[:1], output_field=DateTimeField())
    # Greatest is NULL on SQLite as soon as one argument is: each side falls back on the other
    return Greatest(Coalesce(visit_at, record_at), Coalesce(record_at, visit_at), output_field=DateTimeField())
