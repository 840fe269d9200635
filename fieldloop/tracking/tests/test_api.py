"""The tracking API over HTTP: the batch (token and session auth), the trajectory raw and simplified, stops at
customers with their visit, quality, the team's last positions; everyone sees only whom they may see."""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.test import Client

from fieldloop.activities.models import Visit, VisitStatus, VisitType
from fieldloop.customers.models import Customer
from fieldloop.org import services as org_services

from .helpers import at, employed, last_workday, point

SHOP = (31.2304, 121.4737)


def api(employee):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {org_services.api_token_create(actor=employee, name='t').secret}"
    return client


def send(client, points):
    return client.post("/api/v1/tracking/points", {"points": points}, content_type="application/json")


def a_day_at_a_shop(rep, day):
    """09:00-10:00 driving east to the shop, 10:00-10:40 there (a stop), then on: a point every 5 minutes."""
    points = [point(at(day, 9, m), lat=SHOP[0], lon=SHOP[1] - 0.02 + m * 0.0003, speed=8) for m in range(0, 60, 5)]
    points += [point(at(day, 10, m), lat=SHOP[0] + 0.00005 * (m % 2), lon=SHOP[1], speed=0) for m in range(0, 45, 5)]
    points += [point(at(day, 10, 50 + m), lat=SHOP[0] + 0.001 * (m + 1), lon=SHOP[1], speed=6) for m in range(0, 10, 5)]
    return points


def test_a_phone_sends_a_batch_and_a_replay_stores_nothing_twice(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    client = api(rep)
    batch = [point(at(day, 10, m)) for m in range(0, 30, 5)] + [point(at(day, 10, 40), lat=100)]
    first = send(client, batch)
    assert first.status_code == 200
    assert first.json()["accepted"] == 6
    assert first.json()["rejected"] == [
        {"index": 6, "field": "latitude", "message": first.json()["rejected"][0]["message"]}
    ]
    again = send(client, batch)
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 6)


def test_more_than_a_thousand_points_answer_a_field_error_and_store_nothing(cast):
    day = last_workday()
    response = send(api(employed(cast.rep, day)), [point(at(day, 10))] * 1001)
    assert response.status_code == 400
    assert "points" in response.json()["fields"]


def test_the_browser_session_sends_points_with_its_csrf_token(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    client = Client(enforce_csrf_checks=True)
    client.force_login(rep.user)
    client.get("/tracking/me/")
    refused = send(client, [point(at(day, 10))])
    assert refused.status_code in {401, 403}
    token = client.cookies["csrftoken"].value
    sent = client.post("/api/v1/tracking/points", {"points": [point(at(day, 10))]}, content_type="application/json",
                       HTTP_X_CSRFTOKEN=token)  # fmt: skip
    assert sent.status_code == 200 and sent.json()["accepted"] == 1


def test_the_manager_reads_the_reps_day_its_stop_at_the_customer_and_the_visit(cast):
    day = last_workday()
    rep = employed(cast.rep, day)
    send(api(rep), a_day_at_a_shop(rep, day))
    shop = Customer.objects.create(
        org=rep.org, owner=rep, created_by=rep, client_id=uuid.uuid4(), name="静安门店",
        latitude=Decimal("31.23045"), longitude=Decimal("121.473700"),
    )  # fmt: skip
    vt = VisitType.objects.create(org=rep.org, name="例行拜访")
    visit = Visit.objects.create(
        org=rep.org, client_id=uuid.uuid4(), visit_type=vt, employee=rep, customer=shop, status=VisitStatus.CLOSED,
        check_in_latitude=Decimal("31.2304"), check_in_longitude=Decimal("121.4737"), check_in_accuracy_m=10,
        check_in_fix_at=at(day, 10, 2), checked_in_at=at(day, 10, 2), check_in_received_at=at(day, 10, 2),
        checked_out_at=at(day, 10, 38),
    )  # fmt: skip
    manager = api(cast.manager)
    raw = manager.get(f"/api/v1/tracking/employees/{rep.pk}/trajectory?day={day}&simplified=false").json()
    simple = manager.get(f"/api/v1/tracking/employees/{rep.pk}/trajectory?day={day}").json()
    assert raw["raw_count"] == len(raw["points"]) == 23
    assert len(simple["points"]) < len(raw["points"]) and simple["raw_count"] == 23
    assert raw["distance_m"] > 1500
    stops = manager.get(f"/api/v1/tracking/employees/{rep.pk}/stops?day={day}").json()
    assert len(stops) == 1
    assert stops[0]["customer"] == {"id": shop.pk, "name": "静安门店"}
    assert stops[0]["visit_id"] == visit.pk
    assert stops[0]["minutes"] >= 40
    quality = manager.get(f"/api/v1/tracking/quality?date_from={day}&date_to={day}").json()
    assert [(q["employee"]["id"], q["received"], q["expected"]) for q in quality] == [(rep.pk, 23, 108)]


def test_nobody_reads_the_day_of_someone_they_cannot_see(cast):
    day = last_workday()
    send(api(employed(cast.rep, day)), [point(at(day, 10))])
    for who in (cast.rep2, cast.other_branch_rep, cast.outsider):
        response = api(who).get(f"/api/v1/tracking/employees/{cast.rep.pk}/trajectory?day={day}")
        assert response.status_code == 404
    assert api(cast.rep2).get(f"/api/v1/tracking/quality?date_from={day}&date_to={day}").json() == []


def test_the_team_shows_each_visible_employee_with_the_state_of_their_last_position(cast):
    from django.utils import timezone

    from fieldloop.tracking.models import LastPosition

    now = timezone.now()
    LastPosition.objects.create(org=cast.org, employee=cast.rep, at=now - timedelta(minutes=2), latitude=31.2,
                                longitude=121.4, accuracy_m=10, speed_mps=9)  # fmt: skip
    LastPosition.objects.create(org=cast.org, employee=cast.rep2, at=now - timedelta(hours=3), latitude=31.3,
                                longitude=121.5, accuracy_m=10, speed_mps=0)  # fmt: skip
    team = {m["employee"]["name"]: m for m in api(cast.manager).get("/api/v1/tracking/team").json()}
    assert team["Rex"]["state"] == "moving" and 100 <= team["Rex"]["age_s"] <= 200
    assert team["Ria"]["state"] == "no_signal"
    assert team["Mia"]["state"] == "no_signal" and team["Mia"]["position"] is None
    assert "Ben" not in team
    assert [m["employee"]["name"] for m in api(cast.rep).get("/api/v1/tracking/team").json()] == ["Rex"]
