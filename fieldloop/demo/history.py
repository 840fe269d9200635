"""The last demo step: the customers' own dates told as a history, not as the moment the demo was built.

Every customer is written by the customers step, so without this each would say it was created and last
updated when `make demo` ran, and the list sorted by "updated" would be a tie. Here each customer gets a
creation day spread over the months the demo covers (by its id, so the same seed gives the same dates)
and before the owners' claims (the last 25 days), moved earlier where its own records say it existed
before: followed up, visited, or ordered (a month ahead of the first order, as a sale takes time).
Its "updated" is the latest of its creation, records and visits (not its claim: the demo's claims fall at the
build's time of day, so they would tie the newest customers at the build's instant), and its "created" event
on the timeline says the same day as the customer. Set-based: a few UPDATE statements whatever the size.
"""

from datetime import timedelta

from django.db.models import DateTimeField, F, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, Least, Mod

from fieldloop.activities.models import Visit, WorkRecord
from fieldloop.customers.models import Customer, CustomerEvent, CustomerEventKind
from fieldloop.sales.models import Order

from .context import DemoContext

SPREAD_DAYS = 540  # about eighteen months of a company's customer list
BEFORE_CLAIMS = timedelta(days=26)  # the customers step claims within the last 25 days
BUCKETS = 36  # creation days come in this many steps of SPREAD_DAYS / BUCKETS days
LEAD_BEFORE_ORDER = timedelta(days=30)
LEAD_BEFORE_WORK = timedelta(days=1)


def _earliest(model: type[Visit] | type[WorkRecord], field: str) -> Subquery:
    first = model.objects.filter(customer_id=OuterRef("pk")).order_by(field).values(field)[:1]
    return Subquery(first, output_field=DateTimeField())


def _first_order() -> Subquery:
    orders = Order.objects.filter(customer_id=OuterRef("pk")).order_by("created_at")  # drafts and cancelled too
    return Subquery(orders.values("created_at")[:1], output_field=DateTimeField())


def _or_created(value: object) -> Coalesce:
    """A date that may be missing, as the customer's creation date when it is (Least and Greatest
    return NULL on SQLite as soon as one argument is NULL)."""
    return Coalesce(value, F("created_at"), output_field=DateTimeField())


def spread_customer_dates(ctx: DemoContext) -> None:
    if ctx.org is None:
        raise ValueError("build_org runs first")
    customers: QuerySet[Customer] = Customer.objects.filter(org=ctx.org)
    step = SPREAD_DAYS // BUCKETS
    for bucket in range(BUCKETS):
        created = ctx.now - BEFORE_CLAIMS - timedelta(days=step * bucket, hours=bucket * 7 % 24)
        customers.alias(bucket=Mod("id", BUCKETS)).filter(bucket=bucket).update(created_at=Value(created))
    customers.update(
        created_at=Least(
            F("created_at"),
            _or_created(_earliest(WorkRecord, "captured_at") - LEAD_BEFORE_WORK),
            _or_created(_earliest(Visit, "checked_in_at") - LEAD_BEFORE_WORK),
            _or_created(_first_order() - LEAD_BEFORE_ORDER),
        )
    )
    latest_record = WorkRecord.objects.filter(customer_id=OuterRef("pk")).order_by("-captured_at")
    customers.update(
        updated_at=Greatest(
            F("created_at"),
            _or_created(F("last_visited_at")),
            _or_created(Subquery(latest_record.values("captured_at")[:1], output_field=DateTimeField())),
        )
    )
    creation = Customer.objects.filter(pk=OuterRef("customer_id")).values("created_at")[:1]
    CustomerEvent.objects.filter(org=ctx.org, kind=CustomerEventKind.CREATED).update(created_at=Subquery(creation))
