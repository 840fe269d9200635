"""Demo schedules: every demo rep's plan, day by day, for the months the demo's visits cover and the week ahead,
with a realistic completion: most of the visits they made were planned (done, linked to the visit), some were not
(unplanned work), some planned visits did not happen (missed, a few cancelled); half the calls were planned (done,
linked to the call record); a weekly team meeting (a series) on Monday mornings; the coming days planned. Bulk
inserts, deterministic per seed."""

import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fieldloop.activities.models import Visit, WorkRecord
from fieldloop.core.bulk import allocate_ids, insert_rows
from fieldloop.customers.models import Customer
from fieldloop.formtemplates.models import Purpose
from fieldloop.org.models import Role
from fieldloop.schedules.models import (
    CustomerVisitFrequency,
    Frequency,
    ItemKind,
    ItemState,
    ScheduleItem,
    ScheduleSeries,
)

from .context import DemoContext

PLANNED_VISIT_SHARE = 0.85  # of the visits made, those that were on the plan
PLANNED_CALL_SHARE = 0.5
MISSED_PER_DAY = 0.12  # a planned visit that did not happen, per rep and working day
CANCELLED_SHARE = 0.15  # of those, cancelled beforehand rather than missed
DAYS_AHEAD = 7
MEETING_WEEKS = 16
TASKS = ["整理报价单", "准备周报", "跟进回款", "更新客户资料", "参加产品培训", "准备投标文件"]
OWN_EVERY_DAYS = [3, 5, 10, 21, 45, None]  # a customer's own visit frequency (None: not on a schedule)
DONE_NOTES = ["已完成", "已参加", "已发给客户", "已与经理确认"]

FIELDS = (
    "created_at", "updated_at", "org_id", "client_id", "employee_id", "created_by_id", "day", "start_time",
    "end_time", "kind", "title", "customer_id", "contact_id", "notes", "state", "done_at", "done_note",
    "fulfilled_visit_id", "fulfilled_record_id", "series_id", "series_day", "is_exception",
)  # fmt: skip


def _slot(at: datetime, rng: Any) -> tuple[time, time]:
    """A planned start a little before the real one (on the half hour) and an hour later."""
    minutes = max(7 * 60, min(at.hour * 60 + at.minute - rng.choice([0, 0, 30]), 19 * 60))
    minutes -= minutes % 30
    start = time(minutes // 60, minutes % 60)
    end = time(min(minutes // 60 + 1, 23), minutes % 60)
    return start, end


def _working_days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1) if (first + timedelta(n)).weekday() < 5]


def build_schedules(ctx: DemoContext) -> None:
    if ctx.org is None:
        raise ValueError("build_org runs first")
    rng, org, now = ctx.rng, ctx.org, ctx.now
    zone = ZoneInfo(org.time_zone)
    today = now.astimezone(zone).date()
    reps = [e for e in ctx.employees if e.role == Role.REP and e.is_active]
    rep_ids = {e.pk for e in reps}
    boss = {e.pk: e.manager_id or e.pk for e in reps}
    customers: dict[int, list[int]] = defaultdict(list)
    for pk, owner_id in Customer.objects.filter(org=org, owner_id__in=rep_ids).values_list("pk", "owner_id"):
        customers[owner_id].append(pk)
    rows: list[tuple[Any, ...]] = []
    planned_days: dict[int, set[date]] = defaultdict(set)

    def row(employee_id: int, day: date, kind: str, state: str, **extra: Any) -> None:
        start, end = extra.pop("times", (None, None))
        done_at = extra.pop("done_at", None)
        if state == ItemState.DONE and done_at is None:
            done_at = datetime.combine(day, end or time(17), tzinfo=zone)
        created = datetime.combine(day - timedelta(days=rng.randint(1, 4)), time(18, rng.randint(0, 59)), tzinfo=zone)
        rows.append((
            min(created, now), min(done_at or created, now), org.pk, uuid.UUID(int=rng.getrandbits(128)), employee_id,
            extra.pop("created_by", employee_id), day, start, end, kind, extra.pop("title", ""),
            extra.pop("customer_id", None), None, "", state, done_at, extra.pop("done_note", ""),
            extra.pop("visit_id", None), extra.pop("record_id", None), extra.pop("series_id", None),
            extra.pop("series_day", None), False,
        ))  # fmt: skip
        planned_days[employee_id].add(day)

    # the visits they made: most were planned (done by the check-in), the rest are unplanned work
    visits = Visit.objects.filter(org=org, employee_id__in=rep_ids, customer__isnull=False, checked_in_at__lt=now)
    first_day = today
    for pk, employee_id, customer_id, at in visits.values_list("pk", "employee_id", "customer_id", "checked_in_at"):
        local = at.astimezone(zone)
        first_day = min(first_day, local.date())
        if rng.random() < PLANNED_VISIT_SHARE:
            row(employee_id, local.date(), ItemKind.VISIT, ItemState.DONE, times=_slot(local, rng),
                customer_id=customer_id, visit_id=pk, done_at=at)  # fmt: skip
    calls = WorkRecord.objects.filter(
        org=org, author_id__in=rep_ids, template__purpose=Purpose.CALL, customer__isnull=False, captured_at__lt=now
    )
    for pk, author_id, customer_id, at in calls.values_list("pk", "author_id", "customer_id", "captured_at"):
        if rng.random() < PLANNED_CALL_SHARE:
            local = at.astimezone(zone)
            row(author_id, local.date(), ItemKind.CALL, ItemState.DONE, times=_slot(local, rng),
                customer_id=customer_id, record_id=pk, done_at=at)  # fmt: skip
    # planned visits that did not happen, a task now and then, and the days ahead
    for rep in reps:
        own = customers.get(rep.pk) or []
        for day in _working_days(first_day, today + timedelta(days=DAYS_AHEAD)):
            ahead = day >= today
            if own and (ahead or rng.random() < MISSED_PER_DAY):
                for _n in range(rng.randint(2, 4) if ahead else 1):
                    hour = rng.randint(9, 16)
                    state = ItemState.PLANNED if ahead else (
                        ItemState.CANCELLED if rng.random() < CANCELLED_SHARE else ItemState.MISSED
                    )  # fmt: skip
                    by = boss[rep.pk] if rng.random() < 0.2 else rep.pk  # now and then the manager plans it
                    row(rep.pk, day, ItemKind.VISIT, state, times=(time(hour), time(hour + 1)),
                        customer_id=rng.choice(own), created_by=by)  # fmt: skip
            if rng.random() < 0.25:
                state = ItemState.PLANNED if ahead else rng.choice([ItemState.DONE] * 4 + [ItemState.MISSED])
                row(rep.pk, day, ItemKind.TASK, state, title=rng.choice(TASKS),
                    done_note=rng.choice(DONE_NOTES) if state == ItemState.DONE else "")  # fmt: skip
    # the weekly team meeting on Monday mornings: a series per rep, past occurrences attended (a few missed)
    monday = today - timedelta(days=today.weekday()) - timedelta(weeks=MEETING_WEEKS - 2)
    series_ids = allocate_ids(ScheduleSeries, len(reps))
    series = []
    for series_id, rep in zip(series_ids, reps, strict=True):
        series.append(ScheduleSeries(
            pk=series_id, org=org, employee=rep, created_by_id=boss[rep.pk], frequency=Frequency.WEEKLY, weekdays=[0],
            starts_on=monday, count=MEETING_WEEKS, kind=ItemKind.MEETING, title="周例会", start_time=time(9),
            end_time=time(10),
        ))  # fmt: skip
        for week in range(MEETING_WEEKS):
            day = monday + timedelta(weeks=week)
            state = ItemState.PLANNED if day >= today else rng.choice([ItemState.DONE] * 9 + [ItemState.MISSED])
            row(rep.pk, day, ItemKind.MEETING, state, times=(time(9), time(10)), title="周例会",
                created_by=boss[rep.pk], series_id=series_id, series_day=day,
                done_note="已参加" if state == ItemState.DONE else "")  # fmt: skip
    ScheduleSeries.objects.bulk_create(series)
    insert_rows(ScheduleItem, FIELDS, rows)
    ctx.counts["schedule items"] = len(rows)
    _own_frequencies(ctx)


def _own_frequencies(ctx: DemoContext) -> None:
    """The levels' visit frequencies are the organization's defaults (created with it); a few customers have their
    own: a key account visited every few days, a dormant one never on a schedule."""
    org = ctx.org
    if org is None:
        raise ValueError("build_org runs first")
    ids = list(Customer.objects.filter(org=org).order_by("id").values_list("pk", flat=True))
    chosen = ctx.rng.sample(ids, min(len(ids), max(5, len(ids) // 100)))
    CustomerVisitFrequency.objects.bulk_create(
        [CustomerVisitFrequency(org=org, customer_id=pk, every_days=ctx.rng.choice(OWN_EVERY_DAYS)) for pk in chosen]
    )
    ctx.counts["own visit frequencies"] = len(chosen)
