"""A check-in tells the truth before it counts: the page and the API show what a check-in or a check-out will
be (by the rule the service applies), and the service refuses a flagged check-in, or a check-out that leaves the
visit not effective, unless the rep confirmed it."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from fieldloop.activities import services, visit_services, visits
from fieldloop.activities.models import DistanceMode, Visit
from fieldloop.activities.visits import Outcome, Reason
from fieldloop.core.errors import ServiceError
from fieldloop.core.geo import FixSignal, SentFix
from fieldloop.formtemplates.models import Purpose

from .helpers import VISIT_VALUES, customer, template
from .test_visits import SHOP, api, check_in, located_customer, near, post, routine


def test_the_rule_refuses_beyond_a_hard_range_flags_beyond_a_soft_one_or_on_a_signal_and_passes_the_rest(cast):
    soft = routine(cast.admin, max_distance_m=300, distance_mode=DistanceMode.SOFT)
    hard = routine(cast.admin, max_distance_m=300, distance_mode=DistanceMode.HARD)
    unchecked = routine(cast.admin)
    fine = visits.judge_check_in(visit_type=soft, distance_m=120.0, signals=[])
    assert (fine.outcome, fine.reasons, fine.counts) == (Outcome.FINE, [], True)
    far = visits.judge_check_in(visit_type=soft, distance_m=1271.0, signals=[])
    assert (far.outcome, far.reasons, far.counts) == (Outcome.FLAGGED, [Reason.TOO_FAR], False)
    assert visits.judge_check_in(visit_type=hard, distance_m=1271.0, signals=[]).outcome == Outcome.REFUSED
    vague = visits.judge_check_in(visit_type=soft, distance_m=10.0, signals=[FixSignal.POOR_ACCURACY])
    assert (vague.outcome, vague.reasons, vague.counts) == (Outcome.FLAGGED, ["poor_accuracy"], True)
    mocked = visits.judge_check_in(visit_type=unchecked, distance_m=None, signals=[FixSignal.MOCKED])
    assert (mocked.outcome, mocked.counts, mocked.reviewed) == (Outcome.FLAGGED, True, True)  # a claim: reviewed
    repeated = visits.judge_check_in(visit_type=unchecked, distance_m=None, signals=[FixSignal.REPEATED])
    assert (repeated.outcome, repeated.counts) == (Outcome.FLAGGED, False)  # measured by the server
    stale_only = visits.judge_check_in(visit_type=unchecked, distance_m=5000.0, signals=[FixSignal.STALE])
    assert stale_only.outcome == Outcome.FINE  # no range, and an old fix is refused by the service itself


def test_a_mocked_position_alone_is_previewed_as_going_to_review_and_still_counting(cast):
    vt, shop = routine(cast.admin, max_distance_m=300), located_customer(cast.rep)
    position = near(20)
    preview = visit_services.visit_check_in_preview(
        actor=cast.rep, visit_type_id=vt.pk, customer_id=shop.pk,
        position=SentFix(position.latitude, position.longitude, position.accuracy_m, position.fix_at, mocked=True),
    )  # fmt: skip
    assert (preview.outcome, preview.counts, preview.reasons) == (Outcome.FLAGGED, True, [str(FixSignal.MOCKED)])
    with translation.override("en"):
        message = visit_services.flagged_message(preview)
    assert "review" in message and "counts unless they reject it" in message and "will not count" not in message


def test_a_flagged_check_in_is_refused_until_the_rep_confirms_it_and_the_preview_said_so(cast):
    vt, shop = routine(cast.admin, max_distance_m=300), located_customer(cast.rep)
    preview = visit_services.visit_check_in_preview(
        actor=cast.rep, visit_type_id=vt.pk, customer_id=shop.pk, position=near(1271)
    )
    assert preview.outcome == Outcome.FLAGGED and preview.max_distance_m == 300
    assert preview.distance_m is not None and 1265 < preview.distance_m < 1277
    with pytest.raises(ServiceError) as e:
        check_in(cast.rep, vt, shop, near(1271), confirm_flagged=False)
    assert set(e.value.fields) == {"confirm_flagged"} and not Visit.objects.exists()
    with translation.override("en"):
        assert "will not count" in visit_services.flagged_message(preview)
    visit = check_in(cast.rep, vt, shop, near(1271), confirm_flagged=True)
    assert 1265 < visit.check_in_distance_m < 1277


def test_the_preview_gives_the_services_verdict_for_every_case(cast):
    shop = located_customer(cast.rep)
    cases = [
        (routine(cast.admin, max_distance_m=300), near(50), Outcome.FINE),
        (routine(cast.admin, max_distance_m=300), near(900), Outcome.FLAGGED),
        (routine(cast.admin, max_distance_m=300), near(50, accuracy=900), Outcome.FLAGGED),
        (routine(cast.admin, max_distance_m=300, distance_mode=DistanceMode.HARD), near(900), Outcome.REFUSED),
    ]
    for vt, position, outcome in cases:
        preview = visit_services.visit_check_in_preview(
            actor=cast.rep, visit_type_id=vt.pk, customer_id=shop.pk, position=position
        )
        assert preview.outcome == outcome
        if outcome == Outcome.FINE:
            visit = check_in(cast.rep, vt, shop, position, confirm_flagged=False)
            Visit.objects.filter(pk=visit.pk).delete()
            continue
        with pytest.raises(ServiceError) as e:
            check_in(cast.rep, vt, shop, position, confirm_flagged=False)
        assert set(e.value.fields) == ({"confirm_flagged"} if outcome == Outcome.FLAGGED else {"position"})


def test_a_customer_without_a_location_is_located_by_the_first_check_in_and_the_preview_says_so(cast):
    vt, shop = routine(cast.admin, max_distance_m=300), customer(cast.rep)
    preview = visit_services.visit_check_in_preview(
        actor=cast.rep, visit_type_id=vt.pk, customer_id=shop.pk, position=near(0)
    )
    assert preview.outcome == Outcome.FINE and preview.distance_m is None and preview.locates_customer
    page = cast.client_for(cast.rep).get(
        "/visits/start/preview/",
        {"visit_type_id": vt.pk, "customer_id": shop.pk, "latitude": SHOP[0], "longitude": SHOP[1],
         "accuracy": "10", "fix_at": timezone.now().isoformat()},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert 'data-testid="verdict-locates"' in page.content.decode()
    assert check_in(cast.rep, vt, shop, near(0), confirm_flagged=False).located_customer


def test_a_check_out_of_a_visit_that_will_not_count_says_the_minutes_needed_and_waits_for_confirmation(cast):
    vt, shop = routine(cast.admin, min_duration_minutes=10), located_customer(cast.rep)
    start = timezone.now() - timedelta(seconds=61)
    visit = check_in(cast.rep, vt, shop, near(0, at=start), captured_at=start)
    services.record_create(
        actor=cast.rep, client_id=uuid.uuid4(), template_id=template(cast.rep, Purpose.VISIT).pk,
        values=VISIT_VALUES, visit_id=visit.pk,
    )  # fmt: skip
    preview = visit_services.visit_check_out_preview(actor=cast.rep, visit_id=visit.pk)
    assert preview.outcome == Outcome.FLAGGED and preview.reasons == [Reason.TOO_SHORT]
    assert preview.remaining_minutes == 9
    with translation.override("en"):
        assert visit_services.visit_check_out_preview(actor=cast.rep, visit_id=visit.pk).message.startswith(
            "9 more minutes needed"
        )
    with pytest.raises(ServiceError) as e:
        visit_services.visit_check_out(actor=cast.rep, client_id=uuid.uuid4(), visit_id=visit.pk, position=near())
    assert set(e.value.fields) == {"confirm_not_effective"}
    visit.refresh_from_db()
    assert visit.is_open
    closed, _ = visit_services.visit_check_out(
        actor=cast.rep, client_id=uuid.uuid4(), visit_id=visit.pk, position=near(), confirm_not_effective=True
    )
    assert closed.effective is False and closed.reasons == [Reason.TOO_SHORT]


def test_a_check_out_that_counts_needs_no_confirmation(cast):
    vt, shop = routine(cast.admin, min_duration_minutes=10), located_customer(cast.rep)
    start = timezone.now() - timedelta(minutes=12)
    visit = check_in(cast.rep, vt, shop, near(0, at=start), captured_at=start)
    services.record_create(
        actor=cast.rep, client_id=uuid.uuid4(), template_id=template(cast.rep, Purpose.VISIT).pk,
        values=VISIT_VALUES, visit_id=visit.pk,
    )  # fmt: skip
    preview = visit_services.visit_check_out_preview(actor=cast.rep, visit_id=visit.pk)
    assert (preview.outcome, preview.remaining_minutes, preview.message) == (Outcome.FINE, 0, "")
    closed, _ = visit_services.visit_check_out(
        actor=cast.rep, client_id=uuid.uuid4(), visit_id=visit.pk, position=near(5)
    )
    assert closed.effective is True


def test_the_api_previews_and_refuses_an_unconfirmed_flagged_check_in_with_a_field_error(cast):
    vt, shop = routine(cast.admin, max_distance_m=300), located_customer(cast.rep)
    client = api(cast.rep)
    far = near(1271)
    fix = {"latitude": far.latitude, "longitude": far.longitude, "accuracy": 12, "fix_at": timezone.now().isoformat()}
    preview = client.get(
        "/api/v1/visits/check-in-preview", {"visit_type_id": vt.pk, "customer_id": shop.pk, **fix},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert body["outcome"] == "flagged" and body["max_distance_m"] == 300 and 1265 < body["distance_m"] < 1277
    assert body["reasons"][0]["code"] == "too_far" and body["counts"] is False and body["message"]
    bad = client.get("/api/v1/visits/check-in-preview", {"visit_type_id": vt.pk, "customer_id": shop.pk})
    assert bad.status_code == 400 and {"latitude", "longitude", "accuracy", "fix_at"} <= set(bad.json()["fields"])
    payload = {"visit_type_id": vt.pk, "customer_id": shop.pk, **fix}
    refused = post(client, "/api/v1/visits", payload)
    assert refused.status_code == 400 and "confirm_flagged" in refused.json()["fields"]
    made = post(client, "/api/v1/visits", {**payload, "confirm_flagged": True})
    assert made.status_code == 201
    out = client.get(f"/api/v1/visits/{made.json()['id']}/check-out-preview")
    assert out.status_code == 200 and out.json()["outcome"] == "flagged"  # too far, and its step is not filled
    assert {r["code"] for r in out.json()["reasons"]} == {"too_far", "steps_missing"}
    assert api(cast.rep2).get(f"/api/v1/visits/{made.json()['id']}/check-out-preview").status_code == 404


def test_the_check_in_page_previews_with_constant_queries_and_writes_nothing(cast, django_assert_max_num_queries):
    vt, shop = routine(cast.admin, max_distance_m=300), located_customer(cast.rep)
    client = cast.client_for(cast.rep)
    client.get("/visits/start/")
    far = near(1271)
    query = {"visit_type_id": vt.pk, "customer_id": shop.pk, "latitude": far.latitude, "longitude": far.longitude,
             "accuracy": "12", "fix_at": timezone.now().isoformat()}  # fmt: skip
    with django_assert_max_num_queries(8):
        page = client.get("/visits/start/preview/", query, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-verdict="flagged"' in html
    assert "1.3 公里" in html and "300 米以内" in html and 'data-testid="confirm-flagged"' in html  # the rep's language
    assert not Visit.objects.exists()
    missing = client.get("/visits/start/preview/", {"visit_type_id": vt.pk, "customer_id": shop.pk})
    assert missing.status_code == 400 and 'data-verdict="error"' in missing.content.decode()
    refused = client.post("/visits/start/", {
        "client_id": str(uuid.uuid4()), "visit_type_id": vt.pk, "customer_id": shop.pk, "latitude": far.latitude,
        "longitude": far.longitude, "accuracy": "12", "fix_at": timezone.now().isoformat(),
    })  # fmt: skip
    assert refused.status_code == 200 and 'data-testid="confirm-flagged"' in refused.content.decode()
    assert not Visit.objects.exists()


def test_the_visit_page_shows_the_minutes_still_needed(cast):
    vt, shop = routine(cast.admin, min_duration_minutes=10), located_customer(cast.rep)
    start = timezone.now() - timedelta(seconds=61)
    visit = check_in(cast.rep, vt, shop, near(0, at=start), captured_at=start)
    client = cast.client_for(cast.rep)
    html = client.get(f"/visits/{visit.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "还需 9 分钟" in html and 'data-verdict="flagged"' in html  # the rep's language, not the browser's
    partial = client.get(f"/visits/{visit.pk}/check-out/preview/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="remaining-minutes"' in partial
    assert cast.client_for(cast.rep2).get(f"/visits/{visit.pk}/check-out/preview/").status_code == 404
