"""Demo daily close cards (日清): every demo rep and manager closes each working day of the demo's months on a card,
most filed before the deadline, a few late (the next morning), a few not filed (what the nightly close stores).
A filed card's write-up is a daily-report work record (the rep's own report of that day when there is one, as
`card_file` takes it over; else a new one, written when the card was filed). The figures are each day's real ones,
computed by `card_selectors.figures_by_day_many` once the write-ups exist (a few queries for every day and
everyone), so a card agrees with a recomputation. Most filed cards are reviewed by the employee's manager with a
score and a comment; the latest ones, and a few older, still wait. Set-based: one bulk insert per table;
deterministic per seed.
"""

import json
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fieldloop.activities.models import WorkRecord
from fieldloop.core.bulk import JsonText, allocate_ids, insert_rows
from fieldloop.formtemplates.models import FormTemplate, Purpose
from fieldloop.org.models import Department, Employee
from fieldloop.schedules.card_selectors import close_settings, figures_by_day_many
from fieldloop.schedules.cards import CARD_ROLES, deadline_of, is_working_day
from fieldloop.schedules.models import CardReader, CardStatus, DailyCard

from .activities import DAYS, DONE, PLANS, PROBLEMS
from .context import DemoContext

NOT_FILED_SHARE = 0.06  # of the employee-days, no card filed (the nightly close's "not filed")
LATE_SHARE = 0.08  # of the filed cards, filed the next morning, after the deadline
UNREVIEWED_SHARE = 0.12  # of the filed cards older than REVIEW_LAG, still waiting for the manager
REVIEW_LAG = timedelta(hours=36)  # the newest cards are still in the queue
SCORES = [1, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5]
REVIEW_COMMENTS = [
    "很好，继续保持。",
    "拜访量不错，注意有效拜访的比例。",
    "明日计划再具体一些。",
    "重点客户要多跟进。",
    "收到，辛苦了。",
    "漏掉的拜访要尽快补上。",
    "",
]
RECORD_FIELDS = (
    "id", "created_at", "updated_at", "org_id", "client_id", "template_id", "template_version_id", "author_id",
    "values", "captured_at", "received_at", "comment_count",
)  # fmt: skip
CARD_FIELDS = (
    "id", "created_at", "updated_at", "org_id", "employee_id", "day", "status", "deadline", "figures", "record_id",
    "filed_at", "on_time", "reviewed_by_id", "reviewed_at", "score", "review_comment",
)  # fmt: skip
READER_FIELDS = ("created_at", "updated_at", "org_id", "card_id", "employee_id", "copied", "read_at")
IMPROVE = ["提前规划拜访路线", "拜访前准备好报价资料", "及时更新客户信息", "按时提交日清", "多跟进意向客户"]


def _write_up(rng: Any) -> dict[str, Any]:
    values = {"done_today": rng.choice(DONE), "plan_tomorrow": rng.choice(PLANS) + rng.choice(IMPROVE) + "。"}
    if problem := rng.choice(PROBLEMS):
        values["problems"] = problem
    return values


def _reviewer(e: Employee, heads: Mapping[int, int | None]) -> int | None:
    """Who reviews e's cards: their manager, else their department's head (never themselves)."""
    for pk in (e.manager_id, heads.get(e.department_id)):
        if pk is not None and pk != e.pk:
            return pk
    return None


def build_daily_cards(ctx: DemoContext) -> None:
    if ctx.org is None:
        raise ValueError("build_org runs first")
    rng, org, now = ctx.rng, ctx.org, ctx.now
    zone = ZoneInfo(org.time_zone)
    today = now.astimezone(zone).date()
    settings = close_settings(org_id=org.pk)
    first = today - timedelta(days=DAYS)
    days = [
        d
        for d in (first + timedelta(days=n) for n in range(DAYS))
        if is_working_day(settings, d) and deadline_of(settings, d, zone) < now
    ]
    people = [e for e in ctx.employees if e.role in CARD_ROLES and e.is_active]
    if not days or not people:
        return
    # the demo's people had joined before the first day they close (a card is required from the day one joins)
    joined = datetime.combine(first - timedelta(days=30), time(9), tzinfo=zone)
    Employee.objects.filter(org=org, created_at__gt=joined).update(created_at=joined)
    heads = dict(Department.objects.filter(org=org).values_list("pk", "manager_id"))
    template = (
        FormTemplate.objects.filter(org=org, purpose=Purpose.DAILY_REPORT, is_active=True)
        .select_related("current_version")
        .order_by("id")
        .first()
    )
    # the daily reports the reps already wrote (the work records step): the card takes each day's first one over
    earlier: dict[tuple[int, date], tuple[int, datetime]] = {}
    if template is not None:
        reports = WorkRecord.objects.filter(
            org=org, template=template, archived_at__isnull=True, captured_at__lt=now
        ).order_by("captured_at", "id")
        for pk, author_id, at in reports.values_list("pk", "author_id", "captured_at"):
            earlier.setdefault((author_id, at.astimezone(zone).date()), (pk, at))

    # 1. who filed which day, when, and with which write-up
    plans: list[dict[str, Any]] = []
    new_records: list[tuple[Any, ...]] = []
    for day in days:
        deadline = deadline_of(settings, day, zone)
        for e in people:
            plan: dict[str, Any] = {"employee_id": e.pk, "day": day, "deadline": deadline}
            plans.append(plan)
            found = earlier.get((e.pk, day))
            if found is None and rng.random() < NOT_FILED_SHARE:
                continue
            if found is not None:  # the report written that evening became the card's write-up
                plan["record_id"], filed_at = found
                filed_at = max(filed_at, datetime.combine(day, time(17, 30), tzinfo=zone))
            elif rng.random() < LATE_SHARE:
                on = day + timedelta(days=1)
                filed_at = datetime.combine(on, time(rng.randint(7, 10), rng.randint(0, 59)), tzinfo=zone)
            else:
                filed_at = datetime.combine(day, time(rng.randint(17, 20), rng.randint(0, 59)), tzinfo=zone)
            plan["filed_at"] = filed_at = min(filed_at, now - timedelta(minutes=1))
            if template is not None and "record_id" not in plan:
                plan["record_id"] = len(new_records)  # replaced by the record's id below
                plan["new_record"] = True
                new_records.append((
                    filed_at, filed_at, org.pk, uuid.UUID(int=rng.getrandbits(128)), template.pk,
                    template.current_version_id, e.pk, JsonText(json.dumps(_write_up(rng), ensure_ascii=False)),
                    filed_at, filed_at, 0,
                ))  # fmt: skip
            reviewer = _reviewer(e, heads)
            reviewed_at = filed_at + timedelta(hours=rng.randint(1, 30), minutes=rng.randint(0, 59))
            if reviewer is not None and now - filed_at > REVIEW_LAG and rng.random() >= UNREVIEWED_SHARE:
                plan["review"] = (reviewer, min(reviewed_at, now), rng.choice(SCORES), rng.choice(REVIEW_COMMENTS))
    record_ids = allocate_ids(WorkRecord, len(new_records))
    insert_rows(WorkRecord, RECORD_FIELDS, [(pk, *r) for pk, r in zip(record_ids, new_records, strict=True)])

    # 2. each day's figures, as filing would have computed them (the write-ups included), for everyone at once
    ids = [e.pk for e in people]
    figures = figures_by_day_many(org_id=org.pk, zone=zone, employee_ids=ids, first_day=days[0], last_day=days[-1])

    # 3. the cards, and the reviewers who read them
    card_ids = allocate_ids(DailyCard, len(plans))
    cards, readers = [], []
    for card_id, plan in zip(card_ids, plans, strict=True):
        e_id, day, deadline = plan["employee_id"], plan["day"], plan["deadline"]
        filed: datetime | None = plan.get("filed_at")
        record_id: int | None = plan.get("record_id")
        if plan.get("new_record"):
            record_id = record_ids[int(plan["record_id"])]
        reviewer, reviewed_at, score, comment = plan.get("review", (None, None, None, ""))
        status = CardStatus.FILED if filed is not None else CardStatus.NOT_FILED
        stored = filed or deadline  # an unfiled card is stored by the nightly close after the deadline
        cards.append((
            card_id, stored, reviewed_at or stored, org.pk, e_id, day, status, deadline,
            JsonText(json.dumps(figures[(e_id, day)])), record_id, filed,
            filed is not None and filed <= deadline, reviewer, reviewed_at, score, comment,
        ))  # fmt: skip
        if reviewer is not None:
            readers.append((reviewed_at, reviewed_at, org.pk, card_id, reviewer, False, reviewed_at))
    insert_rows(DailyCard, CARD_FIELDS, cards)
    insert_rows(CardReader, READER_FIELDS, readers)
    ctx.counts["daily cards"] = len(cards)
    ctx.counts["daily card reviews"] = len(readers)
