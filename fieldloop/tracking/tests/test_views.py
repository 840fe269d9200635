"""The tracking pages over HTTP: the rep's page says when tracking runs and that a closed page records
nothing; a manager opens a rep's day and the live map (and its JSON); settings and the switch."""

from fieldloop.tracking import services
from fieldloop.tracking.models import TrackingSettings, TrackingSwitch

from .helpers import at, employed, last_workday, point


def test_the_rep_sees_when_tracking_runs_and_that_a_closed_page_records_nothing(cast):
    page = cast.client_for(cast.rep).get("/tracking/me/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="tracking-background"' in html
    assert 'data-testid="tracking-on"' in html or 'data-testid="tracking-off"' in html
    assert 'src="/static/js/tracking.js"' in html or "tracking.js" in html


def test_a_manager_opens_a_reps_day_with_its_points_stops_and_gaps(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    services.location_batch_ingest(
        actor=rep,
        points=[point(at(day, 9, m)) for m in range(0, 30, 5)] + [point(at(day, 11, 0), lat=31.25)],
    )
    page = cast.client_for(cast.manager).get(f"/tracking/employees/{rep.pk}/?day={day}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="track-data"' in html
    assert 'data-testid="point-count">7<' in html
    assert 'data-testid="stop-count">1<' in html  # 09:00-09:25 in one place
    assert 'data-testid="gap-count">1<' in html  # 09:25-11:00 without a position
    assert cast.client_for(cast.rep2).get(f"/tracking/employees/{rep.pk}/?day={day}").status_code == 404


def test_the_live_map_and_its_json_list_the_visible_team(cast):
    manager = cast.client_for(cast.manager)
    assert manager.get("/tracking/").status_code == 200
    names = [m["name"] for m in manager.get("/tracking/team.json").json()["members"]]
    assert set(names) == {"Mia", "Rex", "Ria"}
    assert cast.client_for(cast.rep).get("/tracking/").status_code == 403


def test_an_admin_sets_the_hours_and_bad_hours_get_a_field_error(cast):
    admin = cast.client_for(cast.admin)
    data = {"enabled": "on", "interval_seconds": "120", "day_start": "08:30", "day_end": "17:30",
            "workdays": ["1", "2", "3"], "stop_minutes": "8", "stop_radius_m": "100", "gap_minutes": "15",
            "customer_radius_m": "200", "poor_accuracy_m": "80"}  # fmt: skip
    assert admin.post("/tracking/settings/", data).status_code == 302
    saved = TrackingSettings.objects.get(org=cast.org)
    assert (saved.interval_seconds, saved.workdays, str(saved.day_start)) == (120, [1, 2, 3], "08:30:00")
    refused = admin.post("/tracking/settings/", {**data, "day_end": "08:00"})
    assert refused.status_code == 200 and b'data-testid="error-day_end"' in refused.content
    assert cast.client_for(cast.manager).get("/tracking/settings/").status_code == 403


def test_the_manager_switches_a_reps_tracking_off_and_the_phone_is_told(cast):
    day = last_workday()
    manager = cast.client_for(cast.manager)
    response = manager.post(f"/tracking/employees/{cast.rep.pk}/switch/?day={day}", {"enabled": "0"})
    assert response.status_code == 302
    assert TrackingSwitch.objects.get(employee=cast.rep).enabled is False
    assert "Tracking is switched off for you" in cast.client_for(cast.rep).get("/tracking/me/").content.decode() or (
        "您的定位已被关闭" in cast.client_for(cast.rep).get("/tracking/me/").content.decode()
    )
    assert (
        cast.client_for(cast.rep).post(f"/tracking/employees/{cast.rep.pk}/switch/", {"enabled": "1"}).status_code
        == 302
    )
    assert TrackingSwitch.objects.get(employee=cast.rep).enabled is False  # not their own to switch
