"""Reads of work records, always through the actor's visibility.

- The feed (下属工作): records whose author the actor may see (org.selectors' reach), newest capture first.
- A record: visible when its author is, or when its customer is (a customer's timeline shows every record
  about it, so whoever sees the customer may open them); otherwise not found.
- A customer's records: every record about a customer the caller has already shown to be visible.
- Visits: the visit types that apply to an employee, the visits of the employees the actor sees (newest
  check-in first), a visit (visible by its employee or its customer, like a record), its steps.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.core.days import days_bounds
from fieldloop.core.errors import invalid, not_found
from fieldloop.customers.models import Customer
from fieldloop.customers.selectors import visible_customers
from fieldloop.formtemplates.models import Attachment, FormTemplate, FormTemplateVersion, Purpose
from fieldloop.formtemplates.selectors import held_attachment
from fieldloop.org.models import Department, Employee
from fieldloop.org.selectors import scope_to_visible

from .models import Visit, VisitStatus, VisitType, VisitTypeStep, WorkRecord, WorkRecordComment, WorkRecordRevision
from .visits import StepPrefill, applies_to, step_prefill

FEED_ORDERING = ("-captured_at", "-id")
RECORD_RELATED = ("author", "template", "customer", "contact")
# What a list (the feed, a customer's timeline: cards and the API's items) shows of a record's related rows; the
# rest of those rows (a customer has 34 columns) is left unread. Reading another of their fields would cost a query
# per row: the list tests, which compare query counts of short and long pages, catch that.
LISTED_RELATED_FIELDS = (
    "author__name",
    "template__purpose",
    "template__name",
    "template__name_en",
    "customer__name",
    "contact__name",
)


def page_version_queryset() -> QuerySet[FormTemplateVersion]:
    """The template versions a page's records share, with their org (money fields show its currency)."""
    return FormTemplateVersion.objects.select_related("org")


def _page_versions() -> Prefetch:
    """A page's records share a few template versions: each distinct one is read once for the page, in one query
    (with its org: money fields show its currency), and shared by its records, which then parse its fields once;
    joined instead, its fields JSON would come with every row."""
    return Prefetch("template_version", queryset=page_version_queryset())


def _listed(qs: QuerySet[WorkRecord]) -> QuerySet[WorkRecord]:
    """`qs` as lists read it: the record, what it shows of its related rows, and its page's template versions."""
    record_fields = [f.name for f in WorkRecord._meta.concrete_fields]
    return (
        qs.select_related(*RECORD_RELATED)
        .only(*record_fields, *LISTED_RELATED_FIELDS)
        .prefetch_related(_page_versions())
    )


@dataclass(frozen=True)
class FeedFilters:
    employee_id: int | None = None
    department_id: int | None = None
    template_id: int | None = None
    customer_id: int | None = None
    date_from: date | None = None  # days of the organization's time zone, both ends included
    date_to: date | None = None
    include_archived: bool = False


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def feed_filters_from_query(query: dict[str, str]) -> FeedFilters:
    """The feed's filters from a query string (employee, department, template, customer, from, to); junk is
    ignored."""
    return FeedFilters(
        employee_id=_int(query.get("employee")),
        department_id=_int(query.get("department")),
        template_id=_int(query.get("template")),
        customer_id=_int(query.get("customer")),
        date_from=_date(query.get("from")),
        date_to=_date(query.get("to")),
    )


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def record_feed(*, actor: Employee, filters: FeedFilters | None = None) -> QuerySet[WorkRecord]:
    """The records of the employees the actor sees, filtered; keyset-page it on FEED_ORDERING."""
    f = filters or FeedFilters()
    qs = scope_to_visible(WorkRecord.objects.all(), actor=actor, owner_field="author")
    if not f.include_archived:
        qs = qs.filter(archived_at__isnull=True)
    if f.employee_id is not None:
        qs = qs.filter(author_id=f.employee_id)
    if f.department_id is not None:
        path = Department.objects.filter(org_id=actor.org_id, pk=f.department_id).values_list("path", flat=True).first()
        if path is None:
            return qs.none()
        qs = qs.filter(author__department__path__startswith=path)
    if f.template_id is not None:
        qs = qs.filter(template_id=f.template_id)
    if f.customer_id is not None:
        qs = qs.filter(customer_id=f.customer_id)
    zone = ZoneInfo(actor.org.time_zone)
    if f.date_from is not None:
        qs = qs.filter(captured_at__gte=_day_start(f.date_from, zone))
    if f.date_to is not None:
        qs = qs.filter(captured_at__lt=_day_start(f.date_to + timedelta(days=1), zone))
    return _listed(qs)


def record_get(*, actor: Employee, record_id: int) -> WorkRecord:
    """A record the actor may see (by its author, or by its customer), or not found."""
    if not actor.is_active:
        raise not_found()
    record = (
        WorkRecord.objects.filter(org_id=actor.org_id, pk=record_id)
        .select_related(*RECORD_RELATED, "template_version__org", "author__department")
        .first()
    )
    if record is None:
        raise not_found()
    # one's own record needs no check: every data scope includes the actor (and the row is of the actor's org)
    by_author = (
        record.author_id == actor.pk
        or scope_to_visible(WorkRecord.objects.filter(pk=record.pk), actor=actor, owner_field="author").exists()
    )
    if not by_author and not (
        record.customer_id is not None
        and visible_customers(actor=actor, include_archived=True).filter(pk=record.customer_id).exists()
    ):
        raise not_found()
    return record


def record_attachment(*, actor: Employee, record_id: int, attachment_id: int) -> Attachment:
    """A photo or file of a record the actor may see, or not found (also when the record does not hold it)."""
    record = record_get(actor=actor, record_id=record_id)
    return held_attachment(
        holder=record, version=record.template_version, values=record.values, attachment_id=attachment_id
    )


def customer_records(*, actor: Employee, customer: Customer) -> QuerySet[WorkRecord]:
    """Every (not archived) record about `customer`, which the caller has checked the actor may see."""
    if customer.org_id != actor.org_id or not actor.is_active:
        return WorkRecord.objects.none()
    return _listed(WorkRecord.objects.filter(org_id=actor.org_id, customer=customer, archived_at__isnull=True))


def comment_list(*, record: WorkRecord) -> QuerySet[WorkRecordComment]:
    """A (visible) record's comments and replies, oldest first."""
    return WorkRecordComment.objects.filter(record=record).select_related("author", "parent__author")


def revision_list(*, record: WorkRecord) -> QuerySet[WorkRecordRevision]:
    return WorkRecordRevision.objects.filter(record=record).select_related("editor")


def purpose_template(*, actor: Employee, purpose: str) -> FormTemplate | None:
    """The organization's active template of a purpose (the built-in one, unless an admin added another:
    then the oldest), for the phone's one-tap shortcuts."""
    return (
        FormTemplate.objects.filter(org_id=actor.org_id, purpose=purpose, is_active=True)
        .exclude(current_version__isnull=True)
        .order_by("created_at", "id")
        .first()
    )


def records_today(*, actor: Employee) -> QuerySet[WorkRecord]:
    """The actor's own (not archived) records captured today, in the organization's time zone, newest first."""
    zone = ZoneInfo(actor.org.time_zone)
    today = timezone.now().astimezone(zone).date()
    return (
        WorkRecord.objects.filter(
            org_id=actor.org_id,
            author=actor,
            archived_at__isnull=True,
            captured_at__gte=_day_start(today, zone),
            captured_at__lt=_day_start(today + timedelta(days=1), zone),
        )
        .select_related("template", "customer")
        .order_by("-captured_at", "-id")
    )


def daily_report_today(*, actor: Employee, template: FormTemplate) -> WorkRecord | None:
    """The actor's own (not archived) record of `template` captured today, in the organization's time zone."""
    return records_today(actor=actor).filter(template=template).first()


def record_of_client(*, actor: Employee, client_id: object) -> WorkRecord | None:
    """The record the actor already filed with this client_id (a replayed submission), if any."""
    try:
        key = uuid.UUID(str(client_id))
    except ValueError:
        return None
    return WorkRecord.objects.filter(org_id=actor.org_id, author=actor, client_id=key).first()


# --- Visits ---------------------------------------------------------------------------------------------

VISIT_ORDERING = ("-checked_in_at", "-id")
VISIT_RELATED = ("employee", "customer", "visit_type")
# what the feed's visit card shows of a visit's related rows (as LISTED_RELATED_FIELDS for records)
VISIT_LISTED_FIELDS = ("employee__name", "customer__name", "visit_type__name", "visit_type__name_en")


def visit_types_for(*, actor: Employee) -> list[VisitType]:
    """The active visit types that apply to the actor (two queries)."""
    types = list(
        VisitType.objects.filter(org_id=actor.org_id, is_active=True).prefetch_related("departments").order_by("name")
    )
    return [t for t in types if applies_to(t, actor, [d.path for d in t.departments.all()])]


def visit_type_list(*, actor: Employee, include_inactive: bool = False) -> QuerySet[VisitType]:
    qs = VisitType.objects.filter(org_id=actor.org_id)
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return qs.prefetch_related("departments", "copied", "steps__template").order_by("name", "id")


def visit_type_get(*, actor: Employee, visit_type_id: int) -> VisitType:
    vt = visit_type_list(actor=actor, include_inactive=True).filter(pk=visit_type_id).first()
    if vt is None:
        raise not_found()
    return vt


@dataclass(frozen=True)
class VisitFilters:
    employee_id: int | None = None
    customer_id: int | None = None
    date_from: date | None = None  # days of the organization's time zone, both ends included
    date_to: date | None = None
    effective: bool | None = None
    status: str = ""


def visit_filters_from_query(query: dict[str, str]) -> VisitFilters:
    """The visit list's filters from a query string (employee, customer, from, to, effective=1/0); junk is
    ignored."""
    effective = {"1": True, "0": False}.get(query.get("effective", ""))
    status = query.get("status", "")
    return VisitFilters(
        employee_id=_int(query.get("employee")),
        customer_id=_int(query.get("customer")),
        date_from=_date(query.get("from")),
        date_to=_date(query.get("to")),
        effective=effective,
        status=status if status in VisitStatus.values else "",
    )


def visit_list(*, actor: Employee, filters: VisitFilters | None = None) -> QuerySet[Visit]:
    """The visits of the employees the actor sees, newest check-in first; keyset-page on VISIT_ORDERING."""
    f = filters or VisitFilters()
    qs = scope_to_visible(Visit.objects.all(), actor=actor, owner_field="employee")
    if f.employee_id is not None:
        qs = qs.filter(employee_id=f.employee_id)
    if f.customer_id is not None:
        qs = qs.filter(customer_id=f.customer_id)
    zone = ZoneInfo(actor.org.time_zone)
    if f.date_from is not None:
        qs = qs.filter(checked_in_at__gte=datetime.combine(f.date_from, time.min, tzinfo=zone))
    if f.date_to is not None:
        qs = qs.filter(checked_in_at__lt=datetime.combine(f.date_to + timedelta(days=1), time.min, tzinfo=zone))
    if f.effective is not None:
        qs = qs.filter(effective=f.effective)
    if f.status:
        qs = qs.filter(status=f.status)
    return qs.select_related(*VISIT_RELATED)


def visit_feed(*, actor: Employee, filters: FeedFilters | None = None) -> QuerySet[Visit]:
    """The visits of the employees the actor sees, by the feed's filters (a template: the visits with a step of
    it); keyset-page it on VISIT_ORDERING (the visit_org_time index)."""
    f = filters or FeedFilters()
    qs = scope_to_visible(Visit.objects.all(), actor=actor, owner_field="employee")
    if f.employee_id is not None:
        qs = qs.filter(employee_id=f.employee_id)
    if f.department_id is not None:
        path = Department.objects.filter(org_id=actor.org_id, pk=f.department_id).values_list("path", flat=True).first()
        if path is None:
            return qs.none()
        qs = qs.filter(employee__department__path__startswith=path)
    if f.template_id is not None:
        steps = WorkRecord.objects.filter(visit_id=OuterRef("pk"), template_id=f.template_id, archived_at__isnull=True)
        qs = qs.filter(Exists(steps))
    if f.customer_id is not None:
        qs = qs.filter(customer_id=f.customer_id)
    zone = ZoneInfo(actor.org.time_zone)
    if f.date_from is not None:
        qs = qs.filter(checked_in_at__gte=_day_start(f.date_from, zone))
    if f.date_to is not None:
        qs = qs.filter(checked_in_at__lt=_day_start(f.date_to + timedelta(days=1), zone))
    return qs.select_related("employee", "customer", "visit_type").only(
        *[f.name for f in Visit._meta.concrete_fields], *VISIT_LISTED_FIELDS
    )


def visit_get(*, actor: Employee, visit_id: int) -> Visit:
    """A visit the actor may see (by its employee, or by its customer, as for work records), or not found."""
    visit = visit_list(actor=actor).filter(pk=visit_id).first()
    if visit is None and actor.is_active:
        visit = (
            Visit.objects.filter(org_id=actor.org_id, pk=visit_id)
            .filter(customer__in=visible_customers(actor=actor, include_archived=True))
            .select_related(*VISIT_RELATED)
            .first()
        )
    if visit is None:
        raise not_found()
    return visit


def customer_visits(*, actor: Employee, customer: Customer) -> QuerySet[Visit]:
    """Every visit to `customer`, which the caller has checked the actor may see."""
    if customer.org_id != actor.org_id or not actor.is_active:
        return Visit.objects.none()
    return Visit.objects.filter(org_id=actor.org_id, customer=customer).select_related(*VISIT_RELATED)


def open_visit_of(*, actor: Employee) -> Visit | None:
    """The actor's open visit (at most one), with its related rows."""
    if not actor.is_active:
        return None
    return Visit.objects.filter(employee=actor, status=VisitStatus.OPEN).select_related(*VISIT_RELATED).first()


def visit_steps(*, visit: Visit) -> list[tuple[VisitTypeStep, WorkRecord | None]]:
    """The visit type's steps in order, each with the visit's latest record of its template (or None)."""
    steps = list(VisitTypeStep.objects.filter(visit_type_id=visit.visit_type_id).select_related("template"))
    latest: dict[int, WorkRecord] = {}
    for r in WorkRecord.objects.filter(visit=visit, archived_at__isnull=True).order_by("captured_at", "id"):
        latest[r.template_id] = r
    return [(s, latest.get(s.template_id)) for s in steps]


def visit_record_check(*, actor: Employee, visit_id: int) -> Visit:
    """The visit a new record of the actor's belongs to: one of the actor's own visits."""
    visit = Visit.objects.filter(org_id=actor.org_id, pk=visit_id, employee=actor).select_related("customer").first()
    if visit is None:
        raise invalid("visit_id", _("Choose one of your own visits."))
    return visit


def visit_step_records(*, visit: Visit) -> QuerySet[WorkRecord]:
    return WorkRecord.objects.filter(visit=visit, archived_at__isnull=True).select_related("template_version")


def visit_step_prefill(*, visit: Visit, template: FormTemplate) -> StepPrefill | None:
    """What the visit's earlier steps already captured for a step of `template` (one query): the values and the
    photos offered for reuse (`visits.step_prefill`), the same on the page and in the API."""
    if template.current_version is None:
        return None
    earlier = list(visit_step_records(visit=visit).order_by("-captured_at", "-id"))
    return step_prefill(template.current_version.definitions, earlier)


def visit_prefill(*, actor: Employee, visit_id: int, template_id: int | None) -> tuple[Visit, StepPrefill]:
    """The values a step of `template_id` starts from in a visit the actor may see (its rep, or whoever may read
    it; else not found). The template is one a record may be filed with (else a field error)."""
    visit = visit_get(actor=actor, visit_id=visit_id)
    template = (
        FormTemplate.objects.select_related("current_version")
        .filter(org_id=actor.org_id, pk=template_id, is_active=True)
        .exclude(purpose=Purpose.CUSTOMER)
        .first()
        if template_id is not None
        else None
    )
    prefill = visit_step_prefill(visit=visit, template=template) if template is not None else None
    if prefill is None:
        raise invalid("template_id", _("Choose one of the organization's active work record templates."))
    return visit, prefill


# --- a day's work of many employees at once (the daily close card) --------------------------------------------


@dataclass(frozen=True)
class TemplateCount:
    template_id: int
    name: str
    name_en: str
    purpose: str
    count: int

    def display_name(self, language: str | None) -> str:
        return self.name_en if language and language.startswith("en") and self.name_en else self.name


@dataclass
class DayWork:
    """What one employee did between two instants: visits (effective ones apart), calls, records by template."""

    visits: int = 0
    effective_visits: int = 0
    calls: int = 0
    records: list[TemplateCount] = field(default_factory=list)


def work_by_day_many(
    *, org_id: int, employee_ids: list[int], first_day: date, last_day: date, zone: ZoneInfo
) -> dict[tuple[int, date], DayWork]:
    """The visits (by check-in) and the not archived records (by capture) of `employee_ids` on each of the
    organization's days (in `zone`) from `first_day` to `last_day`: two queries whatever the number of employees
    and days; (employee id, day) -> work, a pair with no work left out. The caller has already scoped
    `employee_ids` to what its actor may see. A record of a visit step counts as a record; a call is a record of
    a call-log template."""
    start, end = days_bounds(first_day, last_day, zone)
    work: dict[tuple[int, date], DayWork] = {}
    visits = (
        Visit.objects.filter(
            org_id=org_id, employee_id__in=employee_ids, checked_in_at__gte=start, checked_in_at__lt=end
        )
        .values("employee_id", day=TruncDate("checked_in_at", tzinfo=zone))
        .annotate(n=Count("id"), effective=Count("id", filter=Q(effective=True)))
        .order_by()
    )
    for row in visits:
        w = work.setdefault((row["employee_id"], row["day"]), DayWork())
        w.visits, w.effective_visits = row["n"], row["effective"]
    records = (
        WorkRecord.objects.filter(
            org_id=org_id, author_id__in=employee_ids, archived_at__isnull=True, captured_at__gte=start,
            captured_at__lt=end,
        )
        .values(
            "author_id", "template_id", "template__name", "template__name_en", "template__purpose",
            day=TruncDate("captured_at", tzinfo=zone),
        )
        .annotate(n=Count("id"))
        .order_by("author_id", "day", "template_id")
    )  # fmt: skip
    for r in records:
        w = work.setdefault((r["author_id"], r["day"]), DayWork())
        w.records.append(
            TemplateCount(r["template_id"], r["template__name"], r["template__name_en"], r["template__purpose"], r["n"])
        )
        if r["template__purpose"] == Purpose.CALL:
            w.calls += r["n"]
    return work
