"""Activities' facts on the customer page's summary (customers.summary): visits and records (outside visits) in
the last 30 and 90 days, and the last follow-up (the newest visit or record, as activities.follow_ups defines
it) with who made it. One query: every count and the newest of each kind are subqueries of a one-row select on
the customer, each on an index that starts with the customer (visit_customer_time, workrecord_customer_feed)."""

from datetime import datetime, timedelta

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fieldloop.customers.models import Customer
from fieldloop.customers.summary import WINDOWS, SummaryFact, register_summary
from fieldloop.org.models import Employee

from .follow_ups import follow_up_records, follow_up_visits
from .models import Visit, WorkRecord


def _count(qs: object) -> Coalesce:
    counted = qs.order_by().values("customer_id").annotate(n=Count("pk")).values("n")  # type: ignore[attr-defined]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def activity_summary(actor: Employee, customer: Customer, now: datetime) -> list[SummaryFact]:
    visits = Visit.objects.filter(customer_id=OuterRef("pk"))
    records = follow_up_records(WorkRecord.objects.filter(customer_id=OuterRef("pk")))
    # the last follow-up as activities.follow_ups defines it (and the list's `last_followed_up_at` rollup keeps)
    newest_visit = follow_up_visits(visits).order_by("-checked_in_at", "-id")
    newest_record = records.order_by("-captured_at", "-id")
    annotations = {
        **{f"visits_{d}": _count(visits.filter(checked_in_at__gte=now - timedelta(days=d))) for d in WINDOWS},
        **{f"records_{d}": _count(records.filter(captured_at__gte=now - timedelta(days=d))) for d in WINDOWS},
        "visit_at": Subquery(newest_visit.values("checked_in_at")[:1]),
        "visit_by": Subquery(newest_visit.values("employee__name")[:1]),
        "visit_id": Subquery(newest_visit.values("pk")[:1]),
        "record_at": Subquery(newest_record.values("captured_at")[:1]),
        "record_by": Subquery(newest_record.values("author__name")[:1]),
        "record_id": Subquery(newest_record.values("pk")[:1]),
    }
    row = Customer.objects.filter(pk=customer.pk).annotate(**annotations).values(*annotations).first()
    if row is None:
        return []
    short, long = WINDOWS
    facts = [
        SummaryFact(
            key="visits", label=_("Visits in %(short)d / %(long)d days") % {"short": short, "long": long},
            value=f"{row[f'visits_{short}']} / {row[f'visits_{long}']}", number=row[f"visits_{short}"],
            url=f"{reverse('visit_list')}?customer={customer.pk}",
        ),
        SummaryFact(
            key="records", label=_("Other records in %(short)d / %(long)d days") % {"short": short, "long": long},
            value=f"{row[f'records_{short}']} / {row[f'records_{long}']}", number=row[f"records_{short}"],
            url=f"{reverse('record_feed')}?customer={customer.pk}",
        ),
    ]  # fmt: skip
    last = _last_follow_up(row, now)
    if last is not None:
        facts.append(last)
    else:
        facts.append(SummaryFact(key="last_follow_up", label=_("Last follow-up"), value=_("Never"), warn=True))
    return facts


def _last_follow_up(row: dict[str, object], now: datetime) -> SummaryFact | None:
    candidates = [
        (at, by, reverse(name, args=[pk]))
        for at, by, name, pk in (
            (row["visit_at"], row["visit_by"], "visit_detail", row["visit_id"]),
            (row["record_at"], row["record_by"], "record_detail", row["record_id"]),
        )
        if isinstance(at, datetime)
    ]
    if not candidates:
        return None
    at, by, url = max(candidates, key=lambda c: c[0])
    days = max(0, (now - at).days)
    when = timezone.localtime(at).strftime("%Y-%m-%d")
    if days == 0:
        detail = _("today, by %(name)s") % {"name": by}
    else:
        detail = ngettext("%(days)d day ago, by %(name)s", "%(days)d days ago, by %(name)s", days) % {
            "days": days, "name": by,
        }  # fmt: skip
    return SummaryFact(
        key="last_follow_up", label=_("Last follow-up"), value=when, detail=detail, url=url, warn=days > 30,
        number=days,
    )  # fmt: skip


def register() -> None:
    register_summary("activities.work", activity_summary)
