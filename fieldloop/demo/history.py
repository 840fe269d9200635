"""The demo step after every visit, record and order (before the daily cards, which count the customers each rep
added on their day): the customers' own dates told as a history, not as the moment the demo was built.

Every customer is written by the customers step, so without this each would say it was created and last
updated when `make demo` ran, and the list sorted by "updated" would be a tie. Here each customer gets a
creation day spread over the months the demo covers (by its id, so the same seed gives the same dates)
and before the owners' claims (the last 25 days), or just before its claim for one its rep added, moved
earlier where its own records say it existed before: followed up, visited, or ordered (a month ahead of the
first order, as a sale takes time).
Its "updated" is the latest of its creation, records and visits (not its claim: the demo's claims fall at the
build's time of day, so they would tie the newest customers at the build's instant), and its "created" event
on the timeline says the same day as the customer. Its last visit and last follow-up (the list's
`last_visited_at` and `last_followed_up_at` rollups) are set here too, once every visit and record exists.
Set-based: two UPDATE statements whatever the size, each customer written once (on PostgreSQL with the
customers' indexes built again after it, cheaper than a new entry per row in each)."""

from datetime import UTC, datetime, timedelta

from django.db.models import Case, DateTimeField, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest, Least, Mod
from django.db.models.lookups import Exact

from fieldloop.activities.follow_ups import follow_up_visits, last_follow_up_at
from fieldloop.activities.models import Visit, WorkRecord
from fieldloop.core.bulk import indexes_rebuilt_after
from fieldloop.customers.models import Customer, CustomerEvent, CustomerEventKind
from fieldloop.sales.models import Order

from .context import DemoContext

SPREAD_DAYS = 540  # about eighteen months of a company's customer list
BEFORE_CLAIMS = timedelta(days=26)  # the customers step claims within the last 25 days
BUCKETS = 36  # creation days come in this many steps of SPREAD_DAYS / BUCKETS days
LEAD_BEFORE_ORDER = timedelta(days=30)
LEAD_BEFORE_WORK = timedelta(days=1)
ADDED_BEFORE_CLAIM = timedelta(minutes=5)
NEVER = Value(datetime(1970, 1, 1, tzinfo=UTC))  # before any creation: a missing date that Greatest passes over


def _earliest(model: type[Visit] | type[WorkRecord], field: str) -> Subquery:
    first = model.objects.filter(customer_id=OuterRef("pk")).order_by(field).values(field)[:1]
    return Subquery(first, output_field=DateTimeField())


def _first_order() -> Subquery:
    orders = Order.objects.filter(customer_id=OuterRef("pk")).order_by("created_at")  # drafts and cancelled too
    return Subquery(orders.values("created_at")[:1], output_field=DateTimeField())


def _or_else(value: object, fallback: object) -> Coalesce:
    """A date that may be missing, as `fallback` when it is (Least and Greatest return NULL on SQLite as soon as one
    argument is NULL)."""
    return Coalesce(value, fallback, output_field=DateTimeField())


def _created(now: datetime) -> Least:
    """A customer's creation: its day of the spread (by its id), moved earlier where its records say it existed
    before."""
    step = SPREAD_DAYS // BUCKETS
    spread = Case(
        *(
            When(
                Exact(Mod("id", BUCKETS), bucket),
                then=Value(now - BEFORE_CLAIMS - timedelta(days=step * bucket, hours=bucket * 7 % 24)),
            )
            for bucket in range(BUCKETS)
        ),
        output_field=DateTimeField(),
    )
    # a customer its rep added (the customers step's REP_CREATED_EVERY) was added just before the rep's claim
    added_by_owner = Case(
        When(created_by_id=F("owner_id"), then=F("claimed_at") - ADDED_BEFORE_CLAIM),
        default=spread,
        output_field=DateTimeField(),
    )
    return Least(
        added_by_owner,
        _or_else(_earliest(WorkRecord, "captured_at") - LEAD_BEFORE_WORK, spread),
        _or_else(_earliest(Visit, "checked_in_at") - LEAD_BEFORE_WORK, spread),
        _or_else(_first_order() - LEAD_BEFORE_ORDER, spread),
    )


def spread_customer_dates(ctx: DemoContext) -> None:
    if ctx.org is None:
        raise ValueError("build_org runs first")
    customers: QuerySet[Customer] = Customer.objects.filter(org=ctx.org)
    # every visit and record exists by now (this step runs last): the three dates in one UPDATE, each row written
    # once (on PostgreSQL a row's every version goes into each of the customers' indexes). The "updated" date reads
    # the new creation, so it says it again (an UPDATE's expressions read the row as it was).
    latest_record = WorkRecord.objects.filter(customer_id=OuterRef("pk")).order_by("-captured_at")
    latest = Subquery(latest_record.values("captured_at")[:1], output_field=DateTimeField())
    visits = follow_up_visits(Visit.objects.filter(customer_id=OuterRef("pk"))).order_by("-checked_in_at")
    last_visit = Subquery(visits.values("checked_in_at")[:1], output_field=DateTimeField())
    with indexes_rebuilt_after(Customer):
        customers.update(
            last_visited_at=last_visit,
            last_followed_up_at=last_follow_up_at(),
            created_at=_created(ctx.now),
            updated_at=Greatest(_created(ctx.now), _or_else(last_visit, NEVER), _or_else(latest, NEVER)),
        )
    creation = Customer.objects.filter(pk=OuterRef("customer_id")).values("created_at")[:1]
    CustomerEvent.objects.filter(org=ctx.org, kind=CustomerEventKind.CREATED).update(created_at=Subquery(creation))
