"""The daily close card (日清): built from the day, filed once before the deadline, copied and read, reviewed by the
manager, stored unfiled by the nightly close, and the reminders around it."""

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fieldloop.activities.models import WorkRecord
from fieldloop.activities.tests.helpers import DAILY_VALUES, customer, file_call
from fieldloop.activities.tests.test_visits import api, post
from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.customers.models import Customer
from fieldloop.formtemplates.models import Purpose
from fieldloop.notifications.models import Notification
from fieldloop.org.models import Employee
from fieldloop.schedules import card_selectors as cs
from fieldloop.schedules import card_services
from fieldloop.schedules.cards import register_card_figure
from fieldloop.schedules.models import CardReader, CardStatus, DailyCard, DailyCloseSettings, ItemKind, ItemState

from .helpers import plan, today


def settings_for(employee: Employee, **fields: object) -> DailyCloseSettings:
    row, _created = DailyCloseSettings.objects.update_or_create(org_id=employee.org_id, defaults=fields)
    return row


def always_on_time(employee: Employee) -> None:
    settings_for(employee, deadline_time=time(23, 59), deadline_next_day=True, working_weekdays=list(range(7)))


def file(employee: Employee, day=None, values=None, **extra) -> DailyCard:
    card, _filed = card_services.card_file(
        actor=employee, client_id=uuid.uuid4(), day=day or today(employee), values=values or DAILY_VALUES, **extra
    )
    return card


def local(employee: Employee, day, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(employee.org.time_zone))


def test_the_card_is_built_from_the_day_and_starts_filled_in_without_a_customer(cast):
    always_on_time(cast.rep)
    shop = customer(cast.rep)
    done = plan(cast.rep, kind=ItemKind.CALL, customer_id=shop.pk, title="报价")
    plan(cast.rep, kind=ItemKind.TASK, title="整理样品")
    plan(
        cast.rep, kind=ItemKind.VISIT, customer_id=shop.pk, day=today(cast.rep) + timedelta(days=1), start_time=time(9)
    )
    file_call(cast.rep, shop)  # turns the planned call done by itself
    assert cast.rep.schedule_items.get(pk=done.pk).state == ItemState.DONE
    client = cast.client_for(cast.rep)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/close/")
    assert page.status_code == 200
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    html = page.content.decode()
    assert 'data-testid="fig-planned">2<' in html and 'data-testid="fig-done">1<' in html
    assert 'data-testid="fig-calls">1<' in html and 'data-testid="fig-new-customers">1<' in html
    assert "customer_id" not in html  # the write-up asks for no customer
    assert "09:00" in html and shop.name in html  # tomorrow's plan is filled in
    assert f'action="/close/{today(cast.rep)}/"' in html  # the same form from /close/cards/<id>/ files the day
    summary = html.split('name="v-done_today"', 1)[1].split("</textarea>", 1)[0]
    assert "2" in summary and "1" in summary  # the day in one sentence: 2 planned, 1 done, 1 call, 1 new customer


def test_filing_stores_the_figures_and_the_write_up_once_and_a_replay_changes_nothing(cast):
    always_on_time(cast.rep)
    plan(cast.rep, kind=ItemKind.TASK, title="整理样品")
    client = api(cast.rep)
    key = uuid.uuid4()
    body = {"day": today(cast.rep).isoformat(), "values": DAILY_VALUES}
    first = post(client, "/api/v1/daily-cards", body, key)
    assert first.status_code == 201, first.content
    card = first.json()
    assert (card["status"], card["on_time"], card["late"]) == ("filed", True, False)
    assert card["figures"]["items"] == {"planned": 1, "done": 0, "missed": 0, "open": 1}
    assert card["values"]["done_today"] == DAILY_VALUES["done_today"]
    record = WorkRecord.objects.get(pk=card["record_id"])
    assert record.customer_id is None and record.template.purpose == Purpose.DAILY_REPORT
    replay = post(client, "/api/v1/daily-cards", body, key)
    assert (replay.status_code, replay.json()) == (201, card)
    again = post(client, "/api/v1/daily-cards", body)  # another filing of a filed day
    assert again.status_code == 409 and "day" in again.json()["fields"]
    assert DailyCard.objects.count() == 1 and WorkRecord.objects.count() == 1


def test_bad_filings_get_field_errors_and_write_nothing(cast):
    always_on_time(cast.rep)
    client = api(cast.rep)
    day = today(cast.rep)
    cases = [
        ({"day": (day + timedelta(days=1)).isoformat(), "values": DAILY_VALUES}, "day"),
        ({"day": "1999-01-01", "values": DAILY_VALUES}, "day"),
        ({"day": day.isoformat(), "values": DAILY_VALUES, "employee_id": cast.rep2.pk}, "employee_id"),
        ({"day": day.isoformat(), "values": {"done_today": ""}}, "values.done_today"),
        ({"day": day.isoformat(), "values": DAILY_VALUES, "copy_to": [cast.outsider.pk]}, "employee_ids"),
        ({"day": day.isoformat(), "values": DAILY_VALUES, "copy_to": [0]}, "copy_to.0"),
    ]
    for body, field in cases:
        response = post(client, "/api/v1/daily-cards", body)
        assert response.status_code in (400, 422), (body, response.content)
        assert field in response.json()["fields"], (body, response.json())
    assert not DailyCard.objects.exists() and not WorkRecord.objects.exists()
    future = client.get("/api/v1/daily-cards/draft", {"day": (day + timedelta(days=1)).isoformat()})
    assert future.status_code == 400 and "day" in future.json()["fields"]
    assert cast.client_for(cast.rep).get(f"/close/{day + timedelta(days=1)}/").status_code == 404


def test_a_card_filed_after_the_deadline_is_late(cast):
    settings_for(cast.rep, deadline_time=time(0, 0), deadline_next_day=False)
    card = file(cast.rep)
    assert card.is_filed and card.is_late and not card.on_time
    page = cast.client_for(cast.rep).get(f"/close/{card.day}/")
    assert 'data-testid="card-status">' in page.content.decode() and card.status == CardStatus.FILED


def test_the_html_card_files_with_the_daily_report_form_and_copies_to_a_colleague(cast):
    always_on_time(cast.rep)
    client = cast.client_for(cast.rep)
    day = today(cast.rep)
    response = client.post(
        f"/close/{day}/",
        {
            "client_id": str(uuid.uuid4()),
            "v-done_today": "跑了三家",
            "v-plan_tomorrow": "回访",
            "copy_to": [cast.rep2.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    card = DailyCard.objects.get(employee=cast.rep, day=day)
    assert card.record is not None and card.record.values["done_today"] == "跑了三家"
    reader = CardReader.objects.get(card=card)
    assert (reader.employee_id, reader.copied, reader.read_at) == (cast.rep2.pk, True, None)
    assert Notification.objects.filter(recipient=cast.rep2, kind=card_services.KIND_COPIED).count() == 1
    # the colleague opens it (a GET writes nothing), then says they have read it
    colleague = cast.client_for(cast.rep2)
    assert colleague.get(f"/close/cards/{card.pk}/").status_code == 200
    assert CardReader.objects.get(card=card).read_at is None
    assert colleague.post(f"/close/cards/{card.pk}/read/").status_code == 302
    assert CardReader.objects.get(card=card).read_at is not None
    mine = api(cast.rep).get(f"/api/v1/daily-cards/{card.pk}").json()
    assert [(r["employee"]["id"], r["copied"], r["read_at"] is not None) for r in mine["readers"]] == [
        (cast.rep2.pk, True, True)
    ]
    # someone it was not copied to does not see it; a missing value keeps the form with its error
    assert cast.client_for(cast.other_branch_rep).get(f"/close/cards/{card.pk}/").status_code == 404
    refused = cast.client_for(cast.rep2).post(f"/close/{day}/", {"client_id": str(uuid.uuid4()), "v-done_today": ""})
    assert refused.status_code == 400 and not DailyCard.objects.filter(employee=cast.rep2).exists()


def test_the_manager_reviews_once_with_a_score_and_the_rep_is_notified(cast):
    always_on_time(cast.rep)
    card = file(cast.rep)
    client = api(cast.manager)
    queue = client.get("/api/v1/daily-cards/review-queue").json()
    assert [c["id"] for c in queue["items"]] == [card.pk]
    for score in (0, 6):
        bad = post(client, f"/api/v1/daily-cards/{card.pk}/review", {"score": score})
        assert bad.status_code == 400 and "score" in bad.json()["fields"]
    assert post(api(cast.rep), f"/api/v1/daily-cards/{card.pk}/review", {"score": 5}).status_code == 403
    assert post(api(cast.other_branch_rep), f"/api/v1/daily-cards/{card.pk}/review", {"score": 5}).status_code == 404
    assert not DailyCard.objects.get(pk=card.pk).is_reviewed
    done = post(client, f"/api/v1/daily-cards/{card.pk}/review", {"score": 4, "comment": "拜访量不错"})
    assert done.status_code == 200 and done.json()["review"]["score"] == 4
    twice = post(client, f"/api/v1/daily-cards/{card.pk}/review", {"score": 5})
    assert twice.status_code == 409 and DailyCard.objects.get(pk=card.pk).score == 4
    notice = Notification.objects.get(recipient=cast.rep, kind=card_services.KIND_REVIEWED)
    assert notice.link == f"/close/cards/{card.pk}/" and notice.params["score"] == 4
    assert client.get("/api/v1/daily-cards/review-queue").json()["items"] == []
    # the reviewer is a reader who has read it
    assert CardReader.objects.get(card=card, employee=cast.manager).read_at is not None


def test_the_html_review_form_shows_field_errors(cast):
    always_on_time(cast.rep)
    card = file(cast.rep)
    client = cast.client_for(cast.manager)
    unreviewed = client.get(f"/close/cards/{card.pk}/").content.decode()
    assert 'data-testid="review-form"' in unreviewed
    assert 'data-testid="mark-read"' not in unreviewed  # reviewing marks it read: one button, not two
    bad = client.post(f"/close/cards/{card.pk}/review/", {"score": "9"})
    assert bad.status_code == 400 and 'data-testid="error-score"' in bad.content.decode()
    ok = client.post(f"/close/cards/{card.pk}/review/", {"score": "3", "comment": "明天多打电话"})
    assert ok.status_code == 302 and DailyCard.objects.get(pk=card.pk).score == 3
    assert client.get("/close/review/").status_code == 200


def test_the_review_queue_costs_the_same_queries_for_3_or_12_cards(cast, django_assert_max_num_queries):
    always_on_time(cast.rep)
    day = today(cast.rep)
    for back in range(3):
        file(cast.rep, day=day - timedelta(days=back))
    client, browser = api(cast.manager), cast.client_for(cast.manager)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get("/api/v1/daily-cards/review-queue").json()["items"]) == 3
    with CaptureQueriesContext(connection) as few_html:
        assert browser.get("/close/review/").status_code == 200
    for back in range(3, 12):
        file(cast.rep, day=day - timedelta(days=back))
    with django_assert_max_num_queries(len(few)):
        response = client.get("/api/v1/daily-cards/review-queue")
    assert [c["day"] for c in response.json()["items"]] == sorted(c["day"] for c in response.json()["items"])
    assert len(response.json()["items"]) == 12
    with django_assert_max_num_queries(len(few_html)):
        assert browser.get("/close/review/").content.decode().count('data-testid="queue-card"') == 12


def test_the_nightly_close_stores_not_filed_cards_once_with_the_days_figures(cast):
    # the deadline is the day's last minute: the rep files before it whenever the test runs (but in that minute)
    settings_for(cast.rep, deadline_time=time(23, 59), deadline_next_day=False, working_weekdays=list(range(7)))
    day = today(cast.rep)
    plan(cast.rep2, kind=ItemKind.TASK, title="未完成")
    file(cast.rep)
    before_deadline = local(cast.rep, day, time(23, 58))
    assert card_services.all_orgs_close_daily_cards(now=before_deadline) == 0
    after = local(cast.rep, day + timedelta(days=1), time(0, 1))
    stored = card_services.all_orgs_close_daily_cards(now=after)
    unfiled = DailyCard.objects.filter(day=day, status=CardStatus.NOT_FILED)
    # the reps and managers of both organizations' working days, the rep who filed left out
    assert set(unfiled.values_list("employee_id", flat=True)) >= {
        cast.rep2.pk,
        cast.manager.pk,
        cast.other_branch_rep.pk,
    }
    assert cast.rep.pk not in set(unfiled.values_list("employee_id", flat=True))
    assert not unfiled.filter(employee__role__in=["admin", "director"]).exists()
    assert stored == unfiled.count()
    assert unfiled.get(employee=cast.rep2).figures["items"]["planned"] == 1
    assert card_services.all_orgs_close_daily_cards(now=after) == 0  # idempotent
    rows = list(cs.not_filed(actor=cast.manager, day=day))
    assert [e.pk for e in rows] == [cast.rep2.pk] and rows[0].card_status == CardStatus.NOT_FILED  # type: ignore[attr-defined]
    page = cast.client_for(cast.manager).get("/close/not-filed/", {"day": day.isoformat()})
    assert page.status_code == 200 and cast.rep2.name in page.content.decode()
    api_rows = api(cast.manager).get("/api/v1/daily-cards/not-filed", {"day": day.isoformat()}).json()["items"]
    assert [(r["employee"]["id"], r["status"]) for r in api_rows] == [(cast.rep2.pk, "not_filed")]
    # filing after the deadline turns the stored fact into a late card; the close rate counts it as not on time
    unfiled.filter(employee=cast.rep2).update(deadline=timezone.now() - timedelta(minutes=1))
    late = file(cast.rep2)
    assert late.pk == unfiled.model.objects.get(employee=cast.rep2, day=day).pk and late.is_filed
    stats = cs.close_stats_many(actor=cast.manager, employee_ids=[cast.rep.pk, cast.rep2.pk], day_from=day, day_to=day)
    assert (stats[cast.rep.pk].close_rate, stats[cast.rep2.pk].close_rate) == (1.0, 0.0)


def test_reminders_go_out_once_each(cast):
    settings_for(
        cast.rep, deadline_time=time(21), deadline_next_day=False, working_weekdays=list(range(7)),
        remind_before_minutes=15, plan_reminder_time=time(18),
    )  # fmt: skip
    day = today(cast.rep)
    soon = plan(cast.rep, kind=ItemKind.TASK, title="见王总", start_time=time(9, 10))
    plan(cast.rep2, kind=ItemKind.TASK, title="明天的事", day=day + timedelta(days=1))
    at_nine = local(cast.rep, day, time(9, 0))
    card_services.all_orgs_send_schedule_reminders(now=at_nine)
    card_services.all_orgs_send_schedule_reminders(now=at_nine + timedelta(minutes=5))
    starting = Notification.objects.filter(kind=card_services.KIND_ITEM_STARTING)
    assert list(starting.values_list("recipient_id", flat=True)) == [cast.rep.pk]
    assert starting.get().dedupe_key.endswith(str(soon.pk))
    evening = local(cast.rep, day, time(21, 30))
    for _ in range(2):
        card_services.all_orgs_send_schedule_reminders(now=evening)
    plan_notes = Notification.objects.filter(kind=card_services.KIND_PLAN_TOMORROW)
    assert cast.rep.pk in set(plan_notes.values_list("recipient_id", flat=True))
    assert cast.rep2.pk not in set(plan_notes.values_list("recipient_id", flat=True))  # has tomorrow planned
    unfiled = Notification.objects.filter(kind=card_services.KIND_NOT_FILED, recipient=cast.rep)
    assert unfiled.count() == 1 and unfiled.get().link == f"/close/{day}/"
    # a card filed and waiting more than a day: the manager is reminded once
    always_on_time(cast.rep)
    card = file(cast.rep)
    DailyCard.objects.filter(pk=card.pk).update(filed_at=timezone.now() - timedelta(days=2))
    for _ in range(2):
        card_services.all_orgs_send_schedule_reminders()
    review = Notification.objects.filter(kind=card_services.KIND_TO_REVIEW)
    assert list(review.values_list("recipient_id", "params")) == [(cast.manager.pk, {"n": 1})]


def test_a_registered_figure_shows_on_every_card_computed_for_all_at_once(cast):
    calls: list[list[int]] = []

    def orders(org_id, employee_ids, first_day, last_day, zone):
        calls.append(list(employee_ids))
        return {(employee_ids[0], first_day): 3}

    register_card_figure("tests.orders", label="Orders", compute=orders)
    try:
        figures = cs.day_figures_many(
            org_id=cast.rep.org_id, zone=ZoneInfo("Asia/Shanghai"), employee_ids=[cast.rep.pk, cast.rep2.pk],
            day=today(cast.rep),
        )  # fmt: skip
    finally:
        from fieldloop.schedules import cards

        cards._FIGURES.pop("tests.orders")
    assert calls == [[cast.rep.pk, cast.rep2.pk]]
    mine = [figures[e]["extra"]["tests.orders"] for e in (cast.rep.pk, cast.rep2.pk)]
    assert mine == [3, 0]  # beside the figures the installed apps register (sales' orders.amount)


def test_the_figures_of_many_days_come_in_the_same_few_queries_each_on_its_own_local_day(cast):
    """The demo and any report over weeks read every day at once: what happened at 23:30 and at 00:30 (the
    organization's time, Asia/Shanghai) lands on two days, and each day's figures are those of that day alone."""
    zone = ZoneInfo(cast.org.time_zone)
    day = today(cast.rep) - timedelta(days=3)
    late, early = file_call(cast.rep, customer(cast.rep)), file_call(cast.rep, customer(cast.rep))
    WorkRecord.objects.filter(pk=late.pk).update(captured_at=local(cast.rep, day, time(23, 30)))
    WorkRecord.objects.filter(pk=early.pk).update(captured_at=local(cast.rep, day + timedelta(days=1), time(0, 30)))
    assert late.customer_id is not None
    Customer.objects.filter(pk=late.customer_id).update(created_at=local(cast.rep, day, time(23, 59)))
    plan(cast.rep, day=day, title="整理样品")
    plan(cast.rep2, day=day + timedelta(days=1), title="送样")
    ids = [cast.rep.pk, cast.rep2.pk]

    def read(first_day, last_day):
        with CaptureQueriesContext(connection) as queries:
            figures = cs.figures_by_day_many(
                org_id=cast.org.pk, zone=zone, employee_ids=ids, first_day=first_day, last_day=last_day
            )
        return figures, len(queries)

    one_day, few = read(day, day)
    three_days, same = read(day - timedelta(days=1), day + timedelta(days=1))
    assert same == few  # a constant number of queries, whatever the number of days
    assert len(three_days) == 6 and one_day[(cast.rep.pk, day)] == three_days[(cast.rep.pk, day)]
    mine = {d: three_days[(cast.rep.pk, day + timedelta(days=d))] for d in (-1, 0, 1)}
    assert [mine[d]["calls"] for d in (-1, 0, 1)] == [0, 1, 1]
    assert [mine[d]["new_customers"] for d in (-1, 0, 1)] == [0, 1, 0]
    assert [mine[d]["items"]["planned"] for d in (-1, 0, 1)] == [0, 1, 0]
    assert three_days[(cast.rep2.pk, day + timedelta(days=1))]["items"]["planned"] == 1
    for d in (-1, 0, 1):  # a day read alone is the same
        on = day + timedelta(days=d)
        alone = cs.day_figures_many(org_id=cast.org.pk, zone=zone, employee_ids=ids, day=on)
        assert alone == {pk: three_days[(pk, on)] for pk in ids}


def test_the_phone_daily_report_opens_the_card_and_the_daily_report_form_asks_no_customer(cast):
    client = cast.client_for(cast.rep)
    response = client.get("/today/daily-report/")
    assert response.status_code == 302 and response["Location"] == "/close/"
    template = cs.daily_report_template(actor=cast.rep)
    assert template is not None
    template_id = template.pk
    form = client.get(f"/work/new/{template_id}/").content.decode()
    assert 'name="customer_id"' not in form


def test_copy_and_read_are_refused_where_they_do_not_apply(cast):
    always_on_time(cast.rep)
    card = file(cast.rep)
    with pytest.raises(ServiceError) as e:
        card_services.card_copy(actor=cast.rep2, card_id=card.pk, employee_ids=[cast.manager.pk])
    assert e.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(ServiceError) as e:
        card_services.card_copy(actor=cast.rep, card_id=card.pk, employee_ids=[cast.rep.pk])
    assert "employee_ids" in e.value.fields
    with pytest.raises(ServiceError) as e:
        card_services.card_mark_read(actor=cast.rep, card_id=card.pk)
    assert e.value.code == ErrorCode.FORBIDDEN
    card_services.card_copy(actor=cast.rep, card_id=card.pk, employee_ids=[cast.rep2.pk])
    card_services.card_copy(actor=cast.rep, card_id=card.pk, employee_ids=[cast.rep2.pk])
    assert CardReader.objects.filter(card=card).count() == 1
    assert Notification.objects.filter(kind=card_services.KIND_COPIED).count() == 1


def test_close_settings_are_saved_by_an_administrator_only(cast):
    admin = cast.client_for(cast.admin)
    # reached from the review queue, where only an administrator is offered the settings
    assert 'data-testid="settings-link"' in admin.get("/close/review/").content.decode()
    assert 'data-testid="settings-link"' not in cast.client_for(cast.manager).get("/close/review/").content.decode()
    assert admin.get("/close/settings/").status_code == 200
    response = admin.post(
        "/close/settings/",
        {"deadline_time": "09:00", "deadline_next_day": "on", "working_weekdays": ["0", "1", "2", "3", "4"],
         "remind_before_minutes": "30", "plan_reminder_time": "17:30"},
    )  # fmt: skip
    assert response.status_code == 302
    row = DailyCloseSettings.objects.get(org_id=cast.admin.org_id)
    assert (row.deadline_time, row.deadline_next_day, row.working_weekdays) == (time(9), True, [0, 1, 2, 3, 4])
    assert cast.client_for(cast.rep).get("/close/settings/").status_code == 403
    with pytest.raises(ServiceError):
        card_services.close_settings_update(
            actor=cast.admin, deadline_time=time(9), deadline_next_day=False, working_weekdays=[],
            remind_before_minutes=5, plan_reminder_time=None,
        )  # fmt: skip


def test_the_commands_close_the_days_and_send_the_reminders(cast):
    from io import StringIO

    from django.core.management import call_command

    settings_for(cast.rep, deadline_time=time(0, 0), deadline_next_day=False, working_weekdays=list(range(7)))
    out = StringIO()
    call_command("close_daily_cards", stdout=out)
    assert DailyCard.objects.filter(employee=cast.rep, day=today(cast.rep), status=CardStatus.NOT_FILED).exists()
    assert "not filed" in out.getvalue()
    call_command("send_schedule_reminders", stdout=out)
    assert Notification.objects.filter(recipient=cast.rep, kind=card_services.KIND_NOT_FILED).count() == 1


def test_a_daily_report_filed_earlier_that_day_becomes_the_cards_write_up_not_a_second_one(cast):
    from fieldloop.activities.tests.helpers import file_daily

    always_on_time(cast.rep)
    earlier = file_daily(cast.rep)
    page = cast.client_for(cast.rep).get("/close/").content.decode()
    assert DAILY_VALUES["done_today"] in page  # the card starts from it
    card = file(cast.rep, values={"done_today": "补充：又打了两个电话", "plan_tomorrow": "回访"})
    assert card.record_id == earlier.pk and WorkRecord.objects.count() == 1
    earlier.refresh_from_db()
    assert earlier.values["done_today"] == "补充：又打了两个电话" and earlier.revisions.count() == 1


def test_the_nightly_close_costs_the_same_queries_for_a_team_of_5_or_25(cast):
    """Set-based: the figures of every unfiled employee of a day come from a handful of queries, one insert."""
    from fieldloop.org.models import Role
    from fieldloop.org.tests.factories import EmployeeFactory

    settings_for(cast.rep, deadline_time=time(23, 59), deadline_next_day=False, working_weekdays=list(range(7)))
    DailyCloseSettings.objects.update_or_create(org_id=cast.outsider.org_id, defaults={"working_weekdays": []})
    day = today(cast.rep)
    after = local(cast.rep, day + timedelta(days=1), time(0, 1))

    def close() -> tuple[int, int]:
        DailyCard.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            stored = card_services.all_orgs_close_daily_cards(now=after)
        return stored, len(queries)

    few = close()
    for n in range(20):
        EmployeeFactory.create(department=cast.rep.department, role=Role.REP, name=f"新人{n}", user__username=f"new{n}")
    many = close()
    assert many[0] == few[0] + 20 and many[1] == few[1]
