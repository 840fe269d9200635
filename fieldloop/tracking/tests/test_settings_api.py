"""Tracking's settings and switch through the API, as the settings page and the trajectory page keep them, and
the caller's own status (the employee always sees when tracking is on); working hours taken from the
employee's attendance shifts when they have some, else the organization's."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from fieldloop.attendance import services as attendance_services
from fieldloop.tracking import selectors, services
from fieldloop.tracking.models import DayQuality, LocationPoint, TrackingSettings, TrackingSwitch

from .helpers import SHANGHAI, at, employed, last_workday, point


def patch(client, url, body):
    return client.patch(f"/api/v1{url}", body, content_type="application/json")


def put(client, url, body):
    return client.put(f"/api/v1{url}", body, content_type="application/json")


def test_an_administrator_changes_the_settings_and_bad_values_get_field_errors(cast):
    admin = cast.client_for(cast.admin)
    r = patch(admin, "/tracking/settings", {"interval_seconds": 120, "day_start": "08:30", "workdays": [1, 2, 3]})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert (body["interval_seconds"], body["day_start"], body["day_end"], body["workdays"]) == (
        120, "08:30:00", "18:00:00", [1, 2, 3])  # fmt: skip
    saved = TrackingSettings.objects.get(org=cast.org)
    assert (saved.interval_seconds, saved.stop_minutes) == (120, 10)  # what was left out stays
    bad = patch(admin, "/tracking/settings", {"interval_seconds": 5, "day_end": "07:00", "gap_minutes": 0})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"interval_seconds", "day_end", "gap_minutes"}
    assert patch(admin, "/tracking/settings", {"workdays": [0, 8]}).status_code == 400
    assert TrackingSettings.objects.get(org=cast.org).interval_seconds == 120
    assert patch(cast.client_for(cast.manager), "/tracking/settings", {"enabled": False}).status_code == 403
    assert cast.client_for(cast.rep).get("/api/v1/tracking/settings").json()["interval_seconds"] == 120


def test_a_manager_switches_a_reps_tracking_off_and_the_rep_is_told(cast):
    manager = cast.client_for(cast.manager)
    assert manager.get(f"/api/v1/tracking/employees/{cast.rep.pk}/switch").json()["enabled"] is True
    r = put(manager, f"/tracking/employees/{cast.rep.pk}/switch", {"enabled": False})
    assert r.status_code == 200 and r.json()["enabled"] is False and r.json()["changed_by"]["id"] == cast.manager.pk
    assert TrackingSwitch.objects.get(employee=cast.rep).enabled is False
    me = cast.client_for(cast.rep).get("/api/v1/tracking/me").json()
    assert (me["switched_on"], me["on_now"]) == (False, False)
    own = put(cast.client_for(cast.rep), f"/tracking/employees/{cast.rep.pk}/switch", {"enabled": True})
    assert own.status_code == 403  # not their own to switch
    colleague = put(cast.client_for(cast.rep2), f"/tracking/employees/{cast.rep.pk}/switch", {"enabled": True})
    assert colleague.status_code in (403, 404)
    assert put(manager, f"/tracking/employees/{cast.outsider.pk}/switch", {"enabled": False}).status_code == 404
    assert TrackingSwitch.objects.get(employee=cast.rep).enabled is False


def a_late_shift(cast, start=time(13), end=time(21), flex=0):
    """The Shanghai branch's attendance group (Mia, Rex and Ria): one shift every day."""
    group = attendance_services.group_create(actor=cast.admin, name="晚班组", department_ids=[cast.shanghai.pk])
    attendance_services.shift_create(actor=cast.admin, group_id=group.pk, name="班", weekdays=list(range(7)),
                                     start=start, end=end, flex_minutes=flex)  # fmt: skip
    return group


def test_the_rep_sees_the_hours_of_their_shifts_and_the_organizations_otherwise(cast):
    me = cast.client_for(cast.rep).get("/api/v1/tracking/me").json()
    today = timezone.now().astimezone(SHANGHAI).date()
    organization_hours = today.isoweekday() <= 5  # the default: 9:00-18:00, Monday to Friday
    assert me["hours_from_shifts"] is False and len(me["today"]) == int(organization_hours)
    a_late_shift(cast)
    me = cast.client_for(cast.rep).get("/api/v1/tracking/me").json()
    assert me["hours_from_shifts"] is True
    assert [(s["start"][11:16], s["end"][11:16]) for s in me["today"]] == [("13:00", "21:00")]
    page = cast.client_for(cast.rep).get("/tracking/me/").content.decode()
    assert "13:00–21:00" in page and 'data-testid="tracking-from-shifts"' in page
    now_in = datetime.combine(today, time(14), SHANGHAI)
    assert selectors.my_status(actor=cast.rep, now=now_in).on_now
    assert not selectors.my_status(actor=cast.rep, now=now_in - timedelta(hours=4)).on_now  # 10:00: not theirs
    assert selectors.my_status(actor=cast.outsider, now=now_in - timedelta(hours=4)).on_now is (today.isoweekday() <= 5)


def test_points_are_taken_in_the_shifts_hours_and_the_positioning_rate_expects_their_samples(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    a_late_shift(cast)
    result = services.location_batch_ingest(actor=rep, points=[point(at(day, 10)), point(at(day, 20, 30))])
    assert [(r.index, r.field) for r in result.rejected] == [(0, "at")]  # 10:00 is before the shift
    assert result.accepted == 1
    quality = DayQuality.objects.get(employee=rep, day=day)
    assert quality.expected == 8 * 3600 // 300  # 13:00-21:00, a position every 5 minutes: 96
    # someone without shifts keeps the organization's hours: 9:00-18:00, 108 samples
    other = employed(cast.other_branch_rep, day)
    assert services.location_batch_ingest(actor=other, points=[point(at(day, 10))]).accepted == 1
    assert DayQuality.objects.get(employee=other, day=day).expected == 9 * 3600 // 300


def test_a_night_shift_is_tracked_into_the_morning_and_each_day_expects_its_part(cast):
    day = last_workday()
    rep = employed(cast.rep, day - timedelta(days=1))
    a_late_shift(cast, start=time(22), end=time(6))
    morning, evening = at(day, 5, 30), at(day, 23)
    result = services.location_batch_ingest(actor=rep, points=[point(morning), point(evening), point(at(day, 12))])
    assert result.accepted == 2 and [r.index for r in result.rejected] == [2]
    assert LocationPoint.objects.filter(employee=rep).count() == 2
    # the day's working time: 00:00-06:00 (the night before's shift) and 22:00-24:00: 8 hours, 96 samples
    assert DayQuality.objects.get(employee=rep, day=day).expected == 96


def test_a_flexible_shift_is_tracked_to_its_latest_end_and_expects_its_length(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    a_late_shift(cast, flex=30)  # 13:00-21:00, starting up to 30 minutes later and ending as much later
    result = services.location_batch_ingest(actor=rep, points=[point(at(day, 21, 20)), point(at(day, 21, 35))])
    assert result.accepted == 1 and [r.index for r in result.rejected] == [1]  # 21:30 is the latest end
    assert DayQuality.objects.get(employee=rep, day=day).expected == 96  # 8 hours whenever they start
