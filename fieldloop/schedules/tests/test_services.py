import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest

from fieldloop.activities.tests.helpers import customer, file_call
from fieldloop.activities.tests.test_visits import check_in, located_customer, routine
from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.customers.handover import customer_handover
from fieldloop.customers.models import Customer
from fieldloop.org.departures import holdings_of
from fieldloop.schedules import services
from fieldloop.schedules.models import ItemKind, ItemState, ScheduleItem, ScheduleSeries
from fieldloop.schedules.selectors import day_counts, items_for
from fieldloop.schedules.services import Recurrence

from .helpers import plan, today


def fields_of(excinfo: pytest.ExceptionInfo[ServiceError]) -> set[str]:
    return set(excinfo.value.fields)


def test_a_rep_plans_an_item_and_a_replay_returns_it_without_writing(cast, django_assert_max_num_queries):
    shop = customer(cast.rep)
    key = uuid.uuid4()
    with django_assert_max_num_queries(6):
        item = plan(cast.rep, client_id=key, kind=ItemKind.VISIT, customer_id=shop.pk, start_time=time(9))
    again = plan(cast.rep, client_id=key, kind=ItemKind.VISIT, customer_id=shop.pk, start_time=time(9))
    assert again.pk == item.pk and ScheduleItem.objects.count() == 1
    assert (item.employee, item.state, item.customer) == (cast.rep, ItemState.PLANNED, shop)


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"start_time": time(10), "end_time": time(9)}, "end_time"),
        ({"end_time": time(9)}, "start_time"),
        ({"day": date(9999, 1, 1)}, "day"),
        ({"day": date(1900, 1, 1)}, "day"),
        ({"kind": "party"}, "kind"),
        ({"kind": ItemKind.VISIT}, "customer_id"),
        ({"title": "x" * 121}, "title"),
        ({"recurrence": Recurrence(frequency="daily")}, "recurrence.ends_on"),
        ({"recurrence": Recurrence(frequency="daily", count=501)}, "recurrence.count"),
        ({"recurrence": Recurrence(frequency="weekly", weekdays=[7], count=3)}, "recurrence.weekdays"),
    ],
)
def test_bad_input_is_refused_on_its_field_and_nothing_is_written(cast, fields, bad):
    with pytest.raises(ServiceError) as excinfo:
        plan(cast.rep, **fields)
    assert bad in fields_of(excinfo)
    assert not ScheduleItem.objects.exists() and not ScheduleSeries.objects.exists()


def test_a_customer_the_rep_may_not_see_is_refused(cast):
    theirs = customer(cast.rep2)
    with pytest.raises(ServiceError) as excinfo:
        plan(cast.rep, kind=ItemKind.VISIT, customer_id=theirs.pk)
    assert fields_of(excinfo) == {"customer_id"}
    # a manager planning for the rep is held to what the rep may see, too
    with pytest.raises(ServiceError) as excinfo:
        plan(cast.manager, employee_id=cast.rep.pk, kind=ItemKind.VISIT, customer_id=theirs.pk)
    assert fields_of(excinfo) == {"customer_id"}


def test_a_daily_series_without_an_end_over_500_days_is_refused(cast):
    far = today(cast.rep) + timedelta(days=600)
    with pytest.raises(ServiceError) as excinfo:
        plan(cast.rep, recurrence=Recurrence(frequency="daily", ends_on=far))
    assert "recurrence.ends_on" in fields_of(excinfo)
    assert not ScheduleSeries.objects.exists()


def test_a_weekly_series_is_written_in_one_insert_and_editing_one_occurrence_makes_an_exception(
    cast, django_assert_max_num_queries
):
    start = today(cast.rep)
    r = Recurrence(frequency="weekly", weekdays=[0, 2, 4], count=30, exceptions=[])
    with django_assert_max_num_queries(8):  # the replay look-up, the checks, the series, one insert, the first item
        first = plan(cast.rep, day=start, start_time=time(8, 30), recurrence=r, title="晨会")
    items = list(ScheduleItem.objects.filter(series=first.series).order_by("day"))
    assert len(items) == 30 and items[0].pk == first.pk
    assert {i.day.weekday() for i in items} <= {0, 2, 4, start.weekday()}
    second = items[1]
    services.schedule_item_move(actor=cast.rep, item_id=second.pk, day=second.day, start_time=time(10))
    second.refresh_from_db()
    assert second.is_exception and second.start_time == time(10)
    assert ScheduleItem.objects.filter(series=first.series, is_exception=False).count() == 29


def test_a_monthly_series_skips_months_without_the_day_and_honours_exceptions(cast):
    from fieldloop.schedules.recurrence import occurrences

    days = occurrences(starts_on=date(2027, 1, 31), frequency="monthly", count=4, exceptions={date(2027, 3, 31)})
    # February, April and June have no 31st; the four are January, March, May and July; March is skipped by hand
    assert days == [date(2027, 1, 31), date(2027, 5, 31), date(2027, 7, 31)]
    assert occurrences(starts_on=date(2027, 1, 1), frequency="daily", interval=2, ends_on=date(2027, 1, 7)) == [
        date(2027, 1, 1), date(2027, 1, 3), date(2027, 1, 5), date(2027, 1, 7)
    ]  # fmt: skip


def test_a_check_in_at_the_customer_turns_that_days_planned_visit_done_and_links_it(cast):
    vt, shop = routine(cast.admin, max_distance_m=500), located_customer(cast.rep)
    other = located_customer(cast.rep)
    item = plan(cast.rep, kind=ItemKind.VISIT, customer_id=shop.pk)
    elsewhere = plan(cast.rep, kind=ItemKind.VISIT, customer_id=other.pk)
    tomorrow = plan(cast.rep, kind=ItemKind.VISIT, customer_id=shop.pk, day=today(cast.rep) + timedelta(days=1))
    visit = check_in(cast.rep, vt, shop)
    item.refresh_from_db()
    assert (item.state, item.fulfilled_visit_id) == (ItemState.DONE, visit.pk)
    assert ScheduleItem.objects.get(pk=elsewhere.pk).state == ItemState.PLANNED
    assert ScheduleItem.objects.get(pk=tomorrow.pk).state == ItemState.PLANNED
    assert day_counts(cast.rep, today(cast.rep)).as_dict() == {"planned": 1, "done": 1, "missed": 0, "cancelled": 0}


def test_a_call_logged_to_the_customer_turns_the_planned_call_done(cast):
    shop = customer(cast.rep)
    call = plan(cast.rep, kind=ItemKind.CALL, customer_id=shop.pk)
    visit = plan(cast.rep, kind=ItemKind.VISIT, customer_id=shop.pk)
    record = file_call(cast.rep, shop)
    call.refresh_from_db()
    visit.refresh_from_db()
    assert (call.state, call.fulfilled_record_id) == (ItemState.DONE, record.pk)
    assert visit.state == ItemState.PLANNED  # a call does not fulfil a visit


def test_done_by_hand_needs_a_note_and_only_for_planned_or_missed_items(cast):
    item = plan(cast.rep)
    with pytest.raises(ServiceError) as excinfo:
        services.schedule_item_done(actor=cast.rep, item_id=item.pk, note="  ")
    assert fields_of(excinfo) == {"note"}
    done = services.schedule_item_done(actor=cast.rep, item_id=item.pk, note="电话里谈妥了")
    assert (done.state, done.done_note) == (ItemState.DONE, "电话里谈妥了")
    with pytest.raises(ServiceError) as excinfo:
        services.schedule_item_cancel(actor=cast.rep, item_id=item.pk)
    assert excinfo.value.code == ErrorCode.CONFLICT


def test_someone_elses_items_are_not_found_or_forbidden(cast):
    item = plan(cast.rep)
    for stranger in (cast.rep2, cast.other_branch_rep, cast.outsider):
        with pytest.raises(ServiceError) as excinfo:
            services.schedule_item_cancel(actor=stranger, item_id=item.pk)
        assert excinfo.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(ServiceError) as excinfo:
        plan(cast.rep, employee_id=cast.rep2.pk)
    assert "employee_id" in fields_of(excinfo)
    # the manager may: the rep is his
    assert services.schedule_item_cancel(actor=cast.manager, item_id=item.pk).state == ItemState.CANCELLED
    assert ScheduleItem.objects.get(pk=item.pk).state == ItemState.CANCELLED


def test_the_nightly_close_marks_yesterdays_planned_items_missed_once_in_the_orgs_time_zone(cast):
    yesterday = today(cast.rep) - timedelta(days=1)
    late = plan(cast.rep, day=yesterday)
    done = plan(cast.rep, day=yesterday)
    services.schedule_item_done(actor=cast.rep, item_id=done.pk, note="好了")
    now_item = plan(cast.rep)
    first = services.all_orgs_close_schedule_days()
    second = services.all_orgs_close_schedule_days()
    assert sum(first.values()) == 1 and sum(second.values()) == 0
    states = dict(ScheduleItem.objects.values_list("pk", "state"))
    assert states == {late.pk: ItemState.MISSED, done.pk: ItemState.DONE, now_item.pk: ItemState.PLANNED}


def test_the_close_follows_each_organizations_midnight(cast):
    cast.org.time_zone = "Asia/Shanghai"
    cast.org.save()
    item = plan(cast.rep)
    ScheduleItem.objects.filter(pk=item.pk).update(day=date(2026, 3, 1))
    # 23:30 in Shanghai on 1 March is 15:30 UTC: the day has not ended there
    services.all_orgs_close_schedule_days(now=datetime(2026, 3, 1, 15, 30, tzinfo=UTC))
    assert ScheduleItem.objects.get(pk=item.pk).state == ItemState.PLANNED
    services.all_orgs_close_schedule_days(now=datetime(2026, 3, 1, 16, 30, tzinfo=UTC))
    assert ScheduleItem.objects.get(pk=item.pk).state == ItemState.MISSED


def test_a_leavers_future_items_follow_their_customers_to_the_successors(cast):
    shop_a, shop_b = customer(cast.rep), customer(cast.rep)
    tomorrow = today(cast.rep) + timedelta(days=1)
    visit_a = plan(cast.rep, kind=ItemKind.VISIT, customer_id=shop_a.pk, day=tomorrow)
    visit_b = plan(cast.rep, kind=ItemKind.VISIT, customer_id=shop_b.pk, day=tomorrow)
    task = plan(cast.rep, day=tomorrow)
    past = plan(cast.rep, day=tomorrow - timedelta(days=3))
    assert "schedules" in {name for name, *_ in holdings_of(cast.rep)}
    customer_handover(
        actor=cast.admin, from_employee_id=cast.rep.pk, successor_ids=[cast.rep2.pk, cast.manager.pk],
        mark_left=True,
    )  # fmt: skip
    owners = dict(Customer.objects.filter(pk__in=[shop_a.pk, shop_b.pk]).values_list("pk", "owner_id"))
    assert set(owners.values()) == {cast.rep2.pk, cast.manager.pk}
    moved = dict(ScheduleItem.objects.values_list("pk", "employee_id"))
    assert moved[visit_a.pk] == owners[shop_a.pk] and moved[visit_b.pk] == owners[shop_b.pk]
    assert moved[task.pk] == min(cast.rep2.pk, cast.manager.pk)  # the first successor (the handover orders by id)
    assert moved[past.pk] == cast.rep.pk  # the past stays the leaver's
    cast.rep.refresh_from_db()
    assert not cast.rep.is_active


def test_items_for_reads_only_what_the_actor_sees(cast):
    mine, theirs = plan(cast.rep), plan(cast.rep2)
    day = today(cast.rep)
    assert list(items_for(cast.rep, [cast.rep, cast.rep2], day, day)) == [mine]
    assert set(items_for(cast.manager, [cast.rep.pk, cast.rep2.pk], day, day)) == {mine, theirs}
    assert not items_for(cast.other_branch_rep, [cast.rep], day, day).exists()


def test_the_nightly_command_closes_each_organizations_day_at_its_own_midnight(cast):
    from io import StringIO

    from django.core.management import call_command

    cast.other_org.time_zone = "America/Los_Angeles"
    cast.other_org.save()
    shanghai, los_angeles = plan(cast.rep), plan(cast.outsider)
    ScheduleItem.objects.update(day=date(2026, 3, 1))
    # 17:00 UTC on 1 March: the day has ended in Shanghai (01:00 on the 2nd), not in Los Angeles (09:00 on the 1st)
    marked = services.all_orgs_close_schedule_days(now=datetime(2026, 3, 1, 17, 0, tzinfo=UTC))
    assert marked == {"America/Los_Angeles": 0, "Asia/Shanghai": 1}
    assert ScheduleItem.objects.get(pk=shanghai.pk).state == ItemState.MISSED
    assert ScheduleItem.objects.get(pk=los_angeles.pk).state == ItemState.PLANNED
    out = StringIO()
    call_command("close_schedule_days", stdout=out)  # now: both days are long over
    assert out.getvalue().splitlines()[-1].startswith("1 planned items marked missed")  # after its progress line
    assert ScheduleItem.objects.get(pk=los_angeles.pk).state == ItemState.MISSED
