"""Writes of the daily close (日清): keyword-only, the acting employee first, one transaction each, `ServiceError`
with every field's message on refusal (nothing is written then).

- Filing: an employee files their own card of today or a past day (never a day to come, never someone else's).
  The write-up is a work record of the organization's daily-report template, filed with the card in one
  transaction; the card keeps the day's figures as they were. Filing is idempotent: the same filing sent again
  (its client_id) returns the card as it is; another one for a filed day is refused (409). A card filed after
  the deadline is late (`on_time` False).
- Copying (抄送) to active colleagues, who are notified; 已读: a copied colleague or a reviewer marks it read.
- Review: a manager scores a subordinate's filed card from 1 to 5 with a comment, once; the author is notified.
- The nightly close (`all_orgs_close_daily_cards`): every working day whose deadline has passed gets a card for
  each employee who must file one, "not filed" when they did not: a stored fact, with the day's figures.
- Reminders (`all_orgs_send_schedule_reminders`), each sent at most once (a notification dedupe key).
"""

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fieldloop.activities.services import can_edit, record_create, record_update
from fieldloop.core import progress
from fieldloop.core.db import create_or_winner
from fieldloop.core.errors import ErrorCode, ServiceError, not_found
from fieldloop.notifications.services import Notice, notify_many
from fieldloop.org.models import Employee, Organization
from fieldloop.org.permissions import Permission
from fieldloop.org.services import audit, require_permission

from . import card_selectors as cs
from .cards import CARD_ROLES, CLOSE_DAYS_BACK, FILE_DAYS_BACK, MAX_COMMENT, day_bounds, deadline_of, is_working_day
from .models import CardReader, CardStatus, DailyCard, DailyCloseSettings, ItemState, ScheduleItem

Errors = dict[str, list[Any]]

KIND_REVIEWED = "schedules.card_reviewed"
KIND_COPIED = "schedules.card_copied"
KIND_ITEM_STARTING = "schedules.item_starting"
KIND_PLAN_TOMORROW = "schedules.plan_tomorrow"
KIND_NOT_FILED = "schedules.card_not_filed"
KIND_TO_REVIEW = "schedules.cards_to_review"
MAX_COPIED = 50


def _refuse(errors: Errors) -> ServiceError:
    return ServiceError(ErrorCode.INVALID, _("Please correct the errors below."), errors)


def card_path(card: DailyCard) -> str:
    return reverse("daily_card", args=[card.pk])


def check_card_day(errors: Errors, day: Any, today: date) -> date | None:
    """`day` if a card may be filed (or drafted) for it: today or up to FILE_DAYS_BACK before; else a field error."""
    if not isinstance(day, date) or isinstance(day, datetime):
        errors["day"] = [_("Enter a date.")]
        return None
    if day > today:
        errors["day"] = [_("A day that has not come yet cannot be closed.")]
        return None
    if day < today - timedelta(days=FILE_DAYS_BACK):
        errors["day"] = [
            _("Choose a day from %(first)s to %(last)s.")
            % {"first": today - timedelta(days=FILE_DAYS_BACK), "last": today}
        ]
        return None
    return day


def _copy_targets(errors: Errors, actor: Employee, employee_ids: Iterable[Any]) -> list[Employee]:
    """The active colleagues of `employee_ids` (not the actor); a field error on `employee_ids` otherwise."""
    ids = list(dict.fromkeys(employee_ids))
    if not ids:
        return []
    if len(ids) > MAX_COPIED:
        errors["employee_ids"] = [_("Copy to at most %(n)d colleagues.") % {"n": MAX_COPIED}]
        return []
    if any(not isinstance(i, int) or isinstance(i, bool) for i in ids):
        errors["employee_ids"] = [_("Choose colleagues from the list.")]
        return []
    found = list(cs.copy_candidates(actor=actor).filter(pk__in=ids))
    if len(found) != len(ids):
        errors["employee_ids"] = [_("Choose active colleagues of your organization (not yourself).")]
        return []
    return found


def _copy(card: DailyCard, author: Employee, targets: Sequence[Employee]) -> None:
    """Copy the card to `targets`: one insert (those already readers are kept), one update, one notice each."""
    if not targets:
        return
    ids = [t.pk for t in targets]
    CardReader.objects.bulk_create(
        [CardReader(org_id=card.org_id, card=card, employee_id=pk, copied=True) for pk in ids], ignore_conflicts=True
    )
    CardReader.objects.filter(card=card, employee_id__in=ids, copied=False).update(
        copied=True, updated_at=timezone.now()
    )
    params = {"author": author.name, "day": card.day.isoformat()}
    notify_many(
        Notice(
            org_id=card.org_id, recipient_id=pk, kind=KIND_COPIED, params=params, link=card_path(card),
            dedupe_key=f"{KIND_COPIED}:{card.pk}",
        )
        for pk in ids
    )  # fmt: skip


# --- filing -------------------------------------------------------------------------------------------------


@transaction.atomic
def card_file(
    *,
    actor: Employee,
    client_id: uuid.UUID,
    day: Any,
    values: dict[str, Any],
    employee_id: int | None = None,
    copy_to: Iterable[Any] = (),
) -> tuple[DailyCard, bool]:
    """File the actor's card of `day` with the daily-report template's `values` (its write-up), copied to
    `copy_to`; returns (card, filed now). The same filing sent again returns the card unchanged (writes nothing);
    another filing of a filed day is refused."""
    if not actor.is_active:
        raise not_found()
    errors: Errors = {}
    if employee_id is not None and employee_id != actor.pk:
        errors["employee_id"] = [_("You can file only your own card.")]
    today = cs.today_of(actor)
    day = check_card_day(errors, day, today)
    if day is not None:
        filed = DailyCard.objects.filter(org_id=actor.org_id, employee=actor, day=day, status=CardStatus.FILED)
        existing = filed.select_related(*cs.CARD_RELATED).first()
        if existing is not None and not errors:
            if existing.record is not None and existing.record.client_id == client_id:
                return existing, False  # the same filing sent again (the phone's outbox): it stands
            raise ServiceError(
                ErrorCode.CONFLICT,
                _("This day's card is already filed; edit its write-up instead."),
                {"day": [_("This day's card is already filed.")]},
            )
    targets = _copy_targets(errors, actor, copy_to)
    template = cs.daily_report_template(actor=actor)
    if errors or day is None:
        raise _refuse(errors)
    record = None
    if template is not None:  # an organization that archived its daily report still closes its days
        earlier = cs.unlinked_daily_report(actor=actor, template=template, day=day)
        if earlier is not None and can_edit(actor=actor, record=earlier):  # one report a day: the card takes it over
            record = record_update(actor=actor, record_id=earlier.pk, values=values)
        else:
            record, _created = record_create(actor=actor, client_id=client_id, template_id=template.pk, values=values)
    now = timezone.now()
    card = DailyCard.objects.select_for_update().filter(org_id=actor.org_id, employee=actor, day=day).first()
    # the deadline the nightly close stored with an unfiled card stands; else today's settings say
    deadline = (
        card.deadline
        if card is not None
        else deadline_of(cs.close_settings(org_id=actor.org_id), day, cs.org_zone(actor))
    )
    fields = {
        "status": CardStatus.FILED, "figures": cs.figures_of(actor, day), "record": record, "filed_at": now,
        "on_time": now <= deadline, "deadline": deadline,
    }  # fmt: skip
    if card is not None:  # found unfiled by the nightly close: filed late
        for name, value in fields.items():
            setattr(card, name, value)
        card.save(update_fields=[*fields, "updated_at"])
    else:
        card, created = create_or_winner(
            DailyCard.objects.filter(org_id=actor.org_id, employee=actor, day=day),
            lambda: DailyCard.objects.create(org_id=actor.org_id, employee=actor, day=day, **fields),
        )
        if not created:  # filed at the same moment from another device: that one stands, this record is undone
            raise ServiceError(ErrorCode.CONFLICT, _("This card was just filed."))
    _copy(card, actor, targets)
    return card, True


@transaction.atomic
def card_copy(*, actor: Employee, card_id: int, employee_ids: Iterable[Any]) -> DailyCard:
    """Copy the actor's own filed card to more colleagues (抄送); they are notified once."""
    card = cs.card_get(actor=actor, card_id=card_id)
    if card.employee_id != actor.pk:
        raise ServiceError(ErrorCode.FORBIDDEN, _("Only its author copies a card."))
    if card.status != CardStatus.FILED:
        raise ServiceError(ErrorCode.CONFLICT, _("File the card first."))
    errors: Errors = {}
    targets = _copy_targets(errors, actor, employee_ids)
    if not errors and not targets:
        errors["employee_ids"] = [_("Choose at least one colleague.")]
    if errors:
        raise _refuse(errors)
    _copy(card, actor, targets)
    return card


@transaction.atomic
def card_mark_read(*, actor: Employee, card_id: int) -> DailyCard:
    """A copied colleague or a reviewer marks a filed card read (已读): the author sees who and when. Marking it
    again changes nothing."""
    card = cs.card_get(actor=actor, card_id=card_id)
    if card.employee_id == actor.pk:
        raise ServiceError(ErrorCode.FORBIDDEN, _("This is your own card."))
    if card.status != CardStatus.FILED:
        raise ServiceError(ErrorCode.CONFLICT, _("This card has not been filed."))
    reader = CardReader.objects.select_for_update().filter(card=card, employee_id=actor.pk).first()
    if reader is None:
        if not cs.may_review(actor=actor, card=card):
            raise ServiceError(ErrorCode.FORBIDDEN, _("This card was not copied to you."))
        CardReader.objects.create(org_id=card.org_id, card=card, employee=actor, read_at=timezone.now())
    elif reader.read_at is None:
        reader.read_at = timezone.now()
        reader.save(update_fields=["read_at", "updated_at"])
    return card


# --- review -------------------------------------------------------------------------------------------------


@transaction.atomic
def card_review(*, actor: Employee, card_id: int, score: Any, comment: str = "") -> DailyCard:
    """Review a subordinate's filed card: a score of 1 to 5 and a comment, once. The author is notified."""
    found = cs.card_get(actor=actor, card_id=card_id)
    card = DailyCard.objects.select_for_update().get(pk=found.pk)
    if not cs.may_review(actor=actor, card=card):
        raise ServiceError(ErrorCode.FORBIDDEN, _("You may review only the cards of the people you manage."))
    if card.status != CardStatus.FILED:
        raise ServiceError(ErrorCode.CONFLICT, _("This card has not been filed."))
    if card.is_reviewed:
        raise ServiceError(ErrorCode.CONFLICT, _("This card has already been reviewed."))
    errors: Errors = {}
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        errors["score"] = [_("Give a score from 1 to 5.")]
    comment = comment.strip() if isinstance(comment, str) else ""
    if len(comment) > MAX_COMMENT:
        errors["comment"] = [_("At most %(n)d characters.") % {"n": MAX_COMMENT}]
    if errors:
        raise _refuse(errors)
    now = timezone.now()
    card.reviewed_by, card.reviewed_at, card.score, card.review_comment = actor, now, score, comment
    card.save(update_fields=["reviewed_by", "reviewed_at", "score", "review_comment", "updated_at"])
    reader = CardReader.objects.filter(card=card, employee_id=actor.pk)
    if not reader.update(read_at=now, updated_at=now):
        CardReader.objects.create(org_id=card.org_id, card=card, employee=actor, read_at=now)
    notify_many(
        [
            Notice(
                org_id=card.org_id, recipient_id=card.employee_id, kind=KIND_REVIEWED,
                params={"reviewer": actor.name, "day": card.day.isoformat(), "score": score},
                link=card_path(card), dedupe_key=f"{KIND_REVIEWED}:{card.pk}",
            )
        ]
    )  # fmt: skip
    return card


# --- settings -----------------------------------------------------------------------------------------------


@transaction.atomic
def close_settings_update(
    *,
    actor: Employee,
    deadline_time: time,
    deadline_next_day: bool,
    working_weekdays: Sequence[int],
    remind_before_minutes: int,
    plan_reminder_time: time | None,
) -> DailyCloseSettings:
    """An administrator sets the card deadline, the working days and the reminders of the organization."""
    require_permission(actor, Permission.MANAGE_ORGANIZATION)
    errors: Errors = {}
    days = sorted(set(working_weekdays))
    if not days or any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
        errors["working_weekdays"] = [_("Choose at least one working day.")]
    if not isinstance(remind_before_minutes, int) or not 0 <= remind_before_minutes <= 1440:
        errors["remind_before_minutes"] = [_("From 0 to 1440 minutes.")]
    if errors:
        raise _refuse(errors)
    row = DailyCloseSettings.objects.select_for_update().filter(org_id=actor.org_id).first()
    row = row or DailyCloseSettings(org_id=actor.org_id)
    before = {"deadline_time": str(row.deadline_time), "deadline_next_day": row.deadline_next_day}
    row.deadline_time, row.deadline_next_day, row.working_weekdays = deadline_time, deadline_next_day, days
    row.remind_before_minutes, row.plan_reminder_time = remind_before_minutes, plan_reminder_time
    row.save()
    audit(
        actor=actor, org=actor.org, action="dailyclosesettings.update", obj=row,
        changes={k: [v, str(getattr(row, k))] for k, v in before.items()},
    )  # fmt: skip
    return row


def close_defaults_create(org: Organization) -> None:
    """A new organization's daily close settings (registered in `org.defaults`)."""
    DailyCloseSettings.objects.create(org=org)


# --- the nightly close --------------------------------------------------------------------------------------


def _settings_by_org() -> dict[int, DailyCloseSettings]:
    return {s.org_id: s for s in DailyCloseSettings.objects.all()}


def _required(org_id: int, end: datetime) -> Any:
    return Employee.objects.filter(org_id=org_id, role__in=CARD_ROLES, created_at__lt=end).active()


def all_orgs_close_daily_cards(*, now: datetime | None = None) -> int:
    """Every working day of the last CLOSE_DAYS_BACK days whose deadline has passed gets a card for each employee
    who must file one: "not filed" (with the day's figures) for those who did not. Set-based per organization and
    day (a handful of queries for the whole company); idempotent. Returns how many cards were stored unfiled."""
    now = now or timezone.now()
    stored = 0
    settings_of = _settings_by_org()
    for org in progress.track(list(Organization.objects.order_by("id")), label="organizations' cards closed"):
        settings = settings_of.get(org.pk) or cs.default_settings(org.pk)
        zone = ZoneInfo(org.time_zone)
        today = now.astimezone(zone).date()
        for back in range(CLOSE_DAYS_BACK, -1, -1):
            day = today - timedelta(days=back)
            deadline = deadline_of(settings, day, zone)
            if deadline > now or not is_working_day(settings, day):
                continue
            _start, end = day_bounds(day, zone)
            cards = DailyCard.objects.filter(org_id=org.pk, employee_id=OuterRef("pk"), day=day)
            ids = list(_required(org.pk, end).exclude(Exists(cards)).values_list("pk", flat=True))
            with transaction.atomic():
                DailyCard.objects.filter(org_id=org.pk, day=day, status=CardStatus.OPEN).update(
                    status=CardStatus.NOT_FILED, updated_at=now
                )
                if not ids:
                    continue
                figures = cs.day_figures_many(org_id=org.pk, zone=zone, employee_ids=ids, day=day)
                DailyCard.objects.bulk_create(
                    [
                        DailyCard(
                            org_id=org.pk, employee_id=pk, day=day, status=CardStatus.NOT_FILED, deadline=deadline,
                            figures=figures[pk],
                        )
                        for pk in ids
                    ],
                    ignore_conflicts=True,
                )  # fmt: skip
                stored += len(ids)
    return stored


# --- reminders ----------------------------------------------------------------------------------------------


def _item_reminders(org: Organization, settings: DailyCloseSettings, local: datetime) -> list[Notice]:
    minutes = settings.remind_before_minutes
    if not minutes:
        return []
    until = local + timedelta(minutes=minutes)
    last = until.time() if until.date() == local.date() else time.max
    items = ScheduleItem.objects.filter(
        org_id=org.pk, day=local.date(), state=ItemState.PLANNED, start_time__gte=local.time(), start_time__lte=last,
        employee__status="active",
    ).select_related("customer")  # fmt: skip
    return [
        Notice(
            org_id=org.pk, recipient_id=i.employee_id, kind=KIND_ITEM_STARTING,
            params={"title": i.title or (i.customer.name if i.customer else ""), "time": f"{i.start_time:%H:%M}"},
            dedupe_key=f"{KIND_ITEM_STARTING}:{i.pk}",
        )
        for i in items
        if i.start_time is not None
    ]  # fmt: skip


def _plan_reminders(org: Organization, settings: DailyCloseSettings, local: datetime) -> list[Notice]:
    at = settings.plan_reminder_time
    tomorrow = local.date() + timedelta(days=1)
    if at is None or local.time() < at or not is_working_day(settings, tomorrow):
        return []
    _start, end = day_bounds(local.date(), ZoneInfo(org.time_zone))
    ids = list(_required(org.pk, end).values_list("pk", flat=True))
    planned = cs.planned_tomorrow_ids(org_id=org.pk, employee_ids=ids, day=tomorrow)
    return [
        Notice(
            org_id=org.pk, recipient_id=pk, kind=KIND_PLAN_TOMORROW, params={"day": tomorrow.isoformat()},
            dedupe_key=f"{KIND_PLAN_TOMORROW}:{tomorrow.isoformat()}",
        )
        for pk in ids
        if pk not in planned
    ]  # fmt: skip


def _unfiled_reminders(org: Organization, settings: DailyCloseSettings, now: datetime) -> list[Notice]:
    zone = ZoneInfo(org.time_zone)
    today = now.astimezone(zone).date()
    notices = []
    for day in (today - timedelta(days=1), today):
        deadline = deadline_of(settings, day, zone)
        # only within a day of the deadline: a new installation does not remind anyone of last month
        if not is_working_day(settings, day) or not deadline <= now < deadline + timedelta(days=1):
            continue
        _start, end = day_bounds(day, zone)
        filed = DailyCard.objects.filter(employee_id=OuterRef("pk"), day=day, status=CardStatus.FILED)
        ids = _required(org.pk, end).exclude(Exists(filed)).values_list("pk", flat=True)
        link = reverse("daily_card_day", args=[day.isoformat()])
        notices += [
            Notice(
                org_id=org.pk, recipient_id=pk, kind=KIND_NOT_FILED, params={"day": day.isoformat()}, link=link,
                dedupe_key=f"{KIND_NOT_FILED}:{day.isoformat()}",
            )
            for pk in ids
        ]  # fmt: skip
    return notices


def _review_reminders(org: Organization, now: datetime) -> list[Notice]:
    """Managers with filed cards unreviewed for more than a day: one notice a day each, with how many."""
    waiting = DailyCard.objects.filter(
        org_id=org.pk, status=CardStatus.FILED, reviewed_at__isnull=True, filed_at__lte=now - timedelta(days=1)
    ).values_list("employee_id", "employee__manager_id", "employee__department__manager_id")
    counts: Counter[int] = Counter()
    for employee_id, manager_id, head_id in waiting:
        reviewer = manager_id if manager_id not in (None, employee_id) else head_id
        if reviewer is not None and reviewer != employee_id:
            counts[reviewer] += 1
    if not counts:
        return []
    active = set(Employee.objects.filter(org_id=org.pk, pk__in=counts).active().values_list("pk", flat=True))
    today = now.astimezone(ZoneInfo(org.time_zone)).date().isoformat()
    link = reverse("daily_card_review_queue")
    return [
        Notice(
            org_id=org.pk, recipient_id=pk, kind=KIND_TO_REVIEW, params={"n": n}, link=link,
            dedupe_key=f"{KIND_TO_REVIEW}:{today}",
        )
        for pk, n in counts.items()
        if pk in active
    ]  # fmt: skip


def all_orgs_send_schedule_reminders(*, now: datetime | None = None) -> int:
    """Send the reminders due now, each at most once (a dedupe key per reminder): an item about to start, nothing
    planned for tomorrow, a card not filed by its deadline, cards unreviewed for more than a day. A few queries per
    organization and one insert for all its reminders. Returns how many were asked for (repeats are skipped)."""
    now = now or timezone.now()
    settings_of = _settings_by_org()
    total = 0
    for org in progress.track(list(Organization.objects.order_by("id")), label="organizations reminded"):
        settings = settings_of.get(org.pk) or cs.default_settings(org.pk)
        local = now.astimezone(ZoneInfo(org.time_zone))
        notices = [
            *_item_reminders(org, settings, local),
            *_plan_reminders(org, settings, local),
            *_unfiled_reminders(org, settings, now),
            *_review_reminders(org, now),
        ]
        with transaction.atomic():
            notify_many(notices)
        total += len(notices)
    return total
