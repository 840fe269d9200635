"""Reads of the daily close (日清): a day's figures for many employees at once, a card, the review queue, who has not
filed, the close rate and average score. Every read starts from the actor's visibility (org.selectors); a card is
also visible to whom it was copied.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from fieldloop.activities.models import WorkRecord
from fieldloop.activities.selectors import DayWork, purpose_template, work_by_day_many
from fieldloop.core.errors import not_found
from fieldloop.customers.selectors import customers_created_by_day_many
from fieldloop.formtemplates.models import FormTemplate, Purpose
from fieldloop.org.models import Department, Employee, EmployeeQuerySet
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import scope_to_visible, visibility_for, visible_employees

from .cards import CARD_ROLES, card_figures, day_bounds, deadline_of, default_settings, figure_json, is_working_day
from .models import CardReader, CardStatus, DailyCard, DailyCloseSettings, ItemState, ScheduleItem
from .selectors import DayCounts, counts_by_day_many

CARD_RELATED = ("employee", "reviewed_by", "record")
QUEUE_ORDERING = ("day", "id")  # the review queue: oldest day first
LIST_ORDERING = ("-day", "-id")


def close_settings(*, org_id: int) -> DailyCloseSettings:
    """The organization's settings: its own row, or the defaults until an administrator saves them."""
    return DailyCloseSettings.objects.filter(org_id=org_id).first() or default_settings(org_id)


def org_zone(employee: Employee) -> ZoneInfo:
    return ZoneInfo(employee.org.time_zone)


def today_of(employee: Employee, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(org_zone(employee)).date()


# --- figures ----------------------------------------------------------------------------------------------


def figures_by_day_many(
    *, org_id: int, zone: ZoneInfo, employee_ids: list[int], first_day: date, last_day: date
) -> dict[tuple[int, date], dict[str, Any]]:
    """The card figures of `employee_ids` on each day from `first_day` to `last_day`, as a card stores them: four
    queries plus one per registered figure, whatever the number of employees and days. The caller has scoped
    `employee_ids` to what its actor may see."""
    counts = counts_by_day_many(employee_ids, first_day, last_day, org_id=org_id)
    work = work_by_day_many(org_id=org_id, employee_ids=employee_ids, first_day=first_day, last_day=last_day, zone=zone)
    created = customers_created_by_day_many(
        org_id=org_id, employee_ids=employee_ids, first_day=first_day, last_day=last_day, zone=zone
    )
    extra = {f.key: f.compute(org_id, employee_ids, first_day, last_day, zone) for f in card_figures()}
    figures: dict[tuple[int, date], dict[str, Any]] = {}
    nothing, idle = DayCounts(), DayWork()
    for day in (first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)):
        for pk in employee_ids:
            c, w = counts.get((pk, day), nothing), work.get((pk, day), idle)
            figures[(pk, day)] = {
                "items": {"planned": c.total, "done": c.done, "missed": c.missed, "open": c.planned},
                "visits": w.visits,
                "effective_visits": w.effective_visits,
                "calls": w.calls,
                "new_customers": created.get((pk, day), 0),
                "records": [
                    {"template_id": t.template_id, "name": t.name, "name_en": t.name_en, "count": t.count}
                    for t in w.records
                ],
                "extra": {key: figure_json(values.get((pk, day), 0)) for key, values in extra.items()},
            }
    return figures


def day_figures_many(*, org_id: int, zone: ZoneInfo, employee_ids: list[int], day: date) -> dict[int, dict[str, Any]]:
    """The card figures of `employee_ids` for `day` (`figures_by_day_many` of one day): employee id -> figures."""
    figures = figures_by_day_many(org_id=org_id, zone=zone, employee_ids=employee_ids, first_day=day, last_day=day)
    return {pk: figures[(pk, day)] for pk in employee_ids}


def figures_of(employee: Employee, day: date) -> dict[str, Any]:
    return day_figures_many(org_id=employee.org_id, zone=org_zone(employee), employee_ids=[employee.pk], day=day)[
        employee.pk
    ]


# --- a card -------------------------------------------------------------------------------------------------


def card_of_day(*, actor: Employee, day: date) -> DailyCard:
    """The actor's own card of `day`: the stored one, or (not filed yet) an unsaved card with the day's figures as
    they are now. A read never writes: the card is stored when it is filed or the nightly close finds it unfiled."""
    card = DailyCard.objects.select_related(*CARD_RELATED).filter(org_id=actor.org_id, employee=actor, day=day).first()
    if card is None:
        settings = close_settings(org_id=actor.org_id)
        card = DailyCard(
            org_id=actor.org_id, employee=actor, day=day, status=CardStatus.OPEN,
            deadline=deadline_of(settings, day, org_zone(actor)),
        )  # fmt: skip
    if card.status != CardStatus.FILED:
        card.figures = figures_of(actor, day)
    return card


def _visible_cards(actor: Employee) -> QuerySet[DailyCard]:
    """Cards of the employees the actor sees, and cards copied to the actor."""
    if not actor.is_active:
        return DailyCard.objects.none()
    copied = CardReader.objects.filter(org_id=actor.org_id, employee_id=actor.pk, copied=True).values("card_id")
    condition = visibility_for(actor).condition("employee__")
    qs = DailyCard.objects.filter(org_id=actor.org_id)
    if visibility_for(actor).sees_whole_org:
        return qs
    return qs.filter(condition | Q(pk__in=copied))


def card_get(*, actor: Employee, card_id: int) -> DailyCard:
    """A card the actor may see (its employee's, a visible employee's, or copied to the actor), or not found. An
    unfiled card shows the day's figures as they are now."""
    card = _visible_cards(actor).select_related(*CARD_RELATED).filter(pk=card_id).first()
    if card is None:
        raise not_found()
    if card.status != CardStatus.FILED:
        card.figures = figures_of(card.employee, card.day)
    return card


def may_review(*, actor: Employee, card: DailyCard) -> bool:
    """A manager (someone who may change the rows of the people they see) reviews the filed cards of those people,
    never their own."""
    return (
        card.employee_id != actor.pk
        and actor.is_active
        and has_permission(actor, Permission.CHANGE_SUBORDINATE_RECORDS)
        and visible_employees(actor=actor).filter(pk=card.employee_id).exists()
    )


@dataclass(frozen=True)
class Reader:
    employee: Employee
    copied: bool
    read_at: datetime | None


def card_readers(*, card: DailyCard) -> list[Reader]:
    """Who the card was copied to and who reviewed or marked it read, with when they read it (已读)."""
    if card.pk is None:
        return []
    rows = CardReader.objects.filter(card=card).select_related("employee").order_by("id")
    return [Reader(r.employee, r.copied, r.read_at) for r in rows]


def reader_of(*, actor: Employee, card: DailyCard) -> CardReader | None:
    if card.pk is None:
        return None
    return CardReader.objects.filter(card=card, employee_id=actor.pk).first()


def copy_candidates(*, actor: Employee) -> EmployeeQuerySet:
    """Whom the actor may copy a card to (抄送): the active colleagues they see, those of their own department, and
    the managers above them (their manager, and the heads of their department and of those it belongs to). Another
    branch stays out of a rep's reach."""
    path = actor.department.path
    ancestors = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"]
    heads = Department.objects.filter(org_id=actor.org_id, path__in=ancestors, manager__isnull=False).values(
        "manager_id"
    )
    reach = (
        Q(pk__in=visible_employees(actor=actor).values("pk")) | Q(department_id=actor.department_id) | Q(pk__in=heads)
    )
    if actor.manager_id is not None:
        reach |= Q(pk=actor.manager_id)
    return (
        Employee.objects.filter(org_id=actor.org_id).filter(reach).active().exclude(pk=actor.pk).order_by("name", "id")
    )


def daily_report_template(*, actor: Employee) -> FormTemplate | None:
    """The organization's daily-report template: the card's write-up (None when an administrator archived it)."""
    return purpose_template(actor=actor, purpose=Purpose.DAILY_REPORT)


def unlinked_daily_report(*, actor: Employee, template: FormTemplate, day: date) -> WorkRecord | None:
    """The actor's own daily report of `day` filed as a plain work record (before the card existed, or from the
    records page) and not yet the write-up of a card: the card takes it over instead of filing a second one."""
    start, end = day_bounds(day, org_zone(actor))
    linked = DailyCard.objects.filter(org_id=actor.org_id, employee_id=actor.pk, record__isnull=False)
    return (
        WorkRecord.objects.filter(
            org_id=actor.org_id, author_id=actor.pk, template=template, archived_at__isnull=True,
            captured_at__gte=start, captured_at__lt=end,
        )
        .exclude(pk__in=linked.values("record_id"))
        .select_related("template_version")
        .order_by("-captured_at", "-id")
        .first()
    )  # fmt: skip


# --- lists ----------------------------------------------------------------------------------------------------


def my_cards(*, actor: Employee) -> QuerySet[DailyCard]:
    """The actor's own stored cards (filed, or found unfiled), newest day first (LIST_ORDERING)."""
    return DailyCard.objects.filter(org_id=actor.org_id, employee_id=actor.pk).select_related(*CARD_RELATED)


def card_list(
    *, actor: Employee, day_from: date | None = None, day_to: date | None = None, employee_id: int | None = None
) -> QuerySet[DailyCard]:
    """The stored cards the actor sees (LIST_ORDERING), optionally of one employee and days."""
    qs = _visible_cards(actor).select_related(*CARD_RELATED)
    if day_from is not None:
        qs = qs.filter(day__gte=day_from)
    if day_to is not None:
        qs = qs.filter(day__lte=day_to)
    if employee_id is not None:
        qs = qs.filter(employee_id=employee_id)
    return qs


def review_queue(*, actor: Employee) -> QuerySet[DailyCard]:
    """The filed, unreviewed cards of the people the actor reviews (not their own), oldest day first
    (QUEUE_ORDERING). Each card's figures are stored: a page of 50 costs the same few queries as a page of 1."""
    if not actor.is_active or not has_permission(actor, Permission.CHANGE_SUBORDINATE_RECORDS):
        return DailyCard.objects.none()
    return (
        scope_to_visible(DailyCard.objects.all(), actor=actor, owner_field="employee")
        .filter(status=CardStatus.FILED, reviewed_at__isnull=True)
        .exclude(employee_id=actor.pk)
        .select_related(*CARD_RELATED)
    )


def required_employees(*, actor: Employee, day: date) -> EmployeeQuerySet:
    """The people the actor sees who close `day` on a card: active reps and managers who had joined by then."""
    _start, end = day_bounds(day, org_zone(actor))
    return visible_employees(actor=actor).active().filter(role__in=CARD_ROLES, created_at__lt=end)


def not_filed(*, actor: Employee, day: date) -> EmployeeQuerySet:
    """The people the actor sees who have not filed their card of `day` (by name), each with `card_status` (
    "not_filed" once the nightly close stored the fact, else None) and `card_id`. A manager's own card is theirs to
    see on their card page, so it is left out."""
    cards = DailyCard.objects.filter(org_id=actor.org_id, employee_id=OuterRef("pk"), day=day)
    return (
        required_employees(actor=actor, day=day)
        .exclude(pk=actor.pk)
        .exclude(Exists(cards.filter(status=CardStatus.FILED)))
        .annotate(
            card_status=cards.values("status")[:1],
            card_id=cards.values("pk")[:1],
        )
        .select_related("department")
        .order_by("name", "id")
    )


def is_day_required(*, org_id: int, day: date) -> bool:
    return is_working_day(close_settings(org_id=org_id), day)


# --- the close rate and score ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CloseStats:
    working_days: int
    on_time: int
    filed: int
    reviewed: int
    average_score: float | None

    @property
    def close_rate(self) -> float | None:
        """Filed on time ÷ working days (a working day is a day with a card: filed, or found unfiled)."""
        return self.on_time / self.working_days if self.working_days else None


def close_stats_many(
    *, actor: Employee, employee_ids: list[int], day_from: date, day_to: date
) -> dict[int, CloseStats]:
    """The daily close rate and average score of each visible employee over days: one query."""
    rows = (
        scope_to_visible(DailyCard.objects.all(), actor=actor, owner_field="employee")
        .filter(employee_id__in=employee_ids, day__gte=day_from, day__lte=day_to)
        .values("employee_id")
        .annotate(
            days=Count("id"),
            on_time_n=Count("id", filter=Q(on_time=True)),
            filed_n=Count("id", filter=Q(status=CardStatus.FILED)),
            reviewed_n=Count("id", filter=Q(reviewed_at__isnull=False)),
            average=Avg("score"),
        )
        .order_by()
    )
    stats = {pk: CloseStats(0, 0, 0, 0, None) for pk in employee_ids}
    for r in rows:
        stats[r["employee_id"]] = CloseStats(r["days"], r["on_time_n"], r["filed_n"], r["reviewed_n"], r["average"])
    return stats


# --- for the reminders ----------------------------------------------------------------------------------------


def planned_tomorrow_ids(*, org_id: int, employee_ids: list[int], day: date) -> set[int]:
    """Of `employee_ids`, those with something (not cancelled) planned on `day`: one query."""
    return set(
        ScheduleItem.objects.filter(org_id=org_id, employee_id__in=employee_ids, day=day)
        .exclude(state=ItemState.CANCELLED)
        .values_list("employee_id", flat=True)
        .distinct()
    )
