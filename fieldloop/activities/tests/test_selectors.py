"""Who sees which records: the feed by the authors' visibility, a record by its author or its customer,
and the feed's filters."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from fieldloop.activities import selectors
from fieldloop.activities.models import WorkRecord
from fieldloop.activities.selectors import FeedFilters, feed_filters_from_query, record_feed
from fieldloop.core.errors import ServiceError
from fieldloop.formtemplates.models import Purpose

from .helpers import customer, file_call, file_daily, template


@pytest.fixture
def records(cast):
    """One daily report by each of the sales people of the cast."""
    people = (cast.admin, cast.director, cast.manager, cast.rep, cast.rep2, cast.other_branch_rep)
    return {e.name: file_daily(e) for e in people}


def authors(actor, **filters):
    return sorted(r.author.name for r in record_feed(actor=actor, filters=FeedFilters(**filters)))


def test_each_role_sees_the_records_of_the_people_it_sees(cast, records):
    assert authors(cast.admin) == ["Ada", "Ben", "Dora", "Mia", "Rex", "Ria"]
    assert authors(cast.director) == ["Ben", "Dora", "Mia", "Rex", "Ria"]
    assert authors(cast.manager) == ["Mia", "Rex", "Ria"]
    assert authors(cast.rep) == ["Rex"]
    assert authors(cast.outsider) == []


def test_a_record_is_not_found_outside_its_reach(cast, records):
    ben = records["Ben"]
    assert selectors.record_get(actor=cast.director, record_id=ben.pk) == ben
    for actor in (cast.manager, cast.rep, cast.outsider):
        with pytest.raises(ServiceError):
            selectors.record_get(actor=actor, record_id=ben.pk)


def test_whoever_sees_the_customer_sees_the_records_about_it(cast):
    shop = customer(cast.rep)
    by_manager = file_call(cast.manager, shop)
    assert selectors.record_get(actor=cast.rep, record_id=by_manager.pk) == by_manager
    assert list(selectors.customer_records(actor=cast.rep, customer=shop)) == [by_manager]
    with pytest.raises(ServiceError):
        selectors.record_get(actor=cast.rep2, record_id=by_manager.pk)


def test_the_feed_filters_by_employee_department_template_and_customer(cast, records):
    shop = customer(cast.rep)
    call = file_call(cast.rep, shop)
    assert authors(cast.admin, employee_id=cast.rep.pk) == ["Rex", "Rex"]
    assert authors(cast.admin, department_id=cast.shanghai.pk) == ["Mia", "Rex", "Rex", "Ria"]
    assert authors(cast.admin, department_id=cast.beijing.pk) == ["Ben"]
    assert list(record_feed(actor=cast.admin, filters=FeedFilters(customer_id=shop.pk))) == [call]
    call_template = template(cast.admin, Purpose.CALL)
    assert list(record_feed(actor=cast.admin, filters=FeedFilters(template_id=call_template.pk))) == [call]
    assert authors(cast.admin, department_id=cast.outsider.department_id) == []


def test_the_feed_cuts_days_in_the_organizations_time_zone(cast):
    shanghai = ZoneInfo("Asia/Shanghai")
    today = timezone.now().astimezone(shanghai).date()
    late_yesterday = datetime.combine(today - timedelta(days=1), datetime.min.time(), tzinfo=shanghai) + timedelta(
        hours=23, minutes=30
    )
    early_today = late_yesterday + timedelta(hours=1)
    if early_today > timezone.now():
        pytest.skip("the first hour of the day in Shanghai")
    a = file_daily(cast.rep, captured_at=late_yesterday)
    b = file_daily(cast.rep, captured_at=early_today)
    feed = record_feed(actor=cast.rep, filters=FeedFilters(date_from=today, date_to=today))
    assert list(feed) == [b]
    feed = record_feed(actor=cast.rep, filters=FeedFilters(date_to=today - timedelta(days=1)))
    assert list(feed) == [a]


def test_archived_records_leave_the_feed_unless_asked_for(cast, records):
    WorkRecord.objects.filter(pk=records["Rex"].pk).update(archived_at=timezone.now())
    assert authors(cast.rep) == []
    assert authors(cast.rep, include_archived=True) == ["Rex"]


def test_junk_in_the_query_string_is_ignored():
    filters = feed_filters_from_query({"employee": "x", "template": "3", "from": "2026-13-01", "to": "2026-01-31"})
    assert filters == FeedFilters(template_id=3, date_to=date(2026, 1, 31))
