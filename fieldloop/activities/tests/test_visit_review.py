"""Doubtful visits: each review signal against hand-made track points and photos, the manager's queue (scope,
order, constant queries), confirm/reject with history, notice and the effective count, the pages and the API."""

import uuid
from datetime import UTC, datetime, timedelta
from io import BytesIO, StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from PIL import Image

from fieldloop.activities import services, visit_review_services
from fieldloop.activities.models import ReviewState, Visit, VisitReview
from fieldloop.activities.visit_review import Signal, signal_codes, signal_text
from fieldloop.activities.visits import Reason
from fieldloop.core.errors import ServiceError
from fieldloop.customers.models import Customer
from fieldloop.formtemplates.models import Purpose
from fieldloop.formtemplates.services import attachment_upload
from fieldloop.notifications.models import Notification
from fieldloop.tracking.models import LocationPoint

from .helpers import VISIT_VALUES, customer, template
from .test_visits import SHOP, api, check_in, check_out, located_customer, near, post, routine

NORTH = 1 / 111_195  # a metre north, in degrees


def track(employee, points):
    """Hand-made track points: (minutes from now, metres north of the shop[, mocked])."""
    now = timezone.now()
    LocationPoint.objects.bulk_create(
        LocationPoint(
            org_id=employee.org_id, employee_id=employee.pk, at=now + timedelta(minutes=minutes),
            latitude=float(SHOP[0]) + north * NORTH, longitude=float(SHOP[1]), accuracy_m=10.0,
            mocked=bool(rest and rest[0]), client_point_id=uuid.uuid4(), received_at=now,
        )
        for minutes, north, *rest in points
    )  # fmt: skip


def exif_photo(taken_at: datetime | None) -> bytes:
    """A JPEG whose EXIF says when the camera took it (DateTimeOriginal), or that has no EXIF at all."""
    image = Image.new("RGB", (64, 48), (20, 90, 200))
    out = BytesIO()
    if taken_at is None:
        image.save(out, "JPEG")
    else:
        exif = Image.Exif()
        exif.get_ifd(0x8769)[36867] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        exif.get_ifd(0x8769)[36881] = "+00:00"
        image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def step_with_photo(rep, visit, taken_at):
    photo = attachment_upload(
        actor=rep, client_id=uuid.uuid4(), kind="photo",
        upload=SimpleUploadedFile("shop.jpg", exif_photo(taken_at), content_type="image/jpeg"),
    )  # fmt: skip
    services.record_create(
        actor=rep, client_id=uuid.uuid4(), template_id=template(rep, Purpose.VISIT).pk, visit_id=visit.pk,
        values={**VISIT_VALUES, "storefront_photo": [photo.pk]},
    )  # fmt: skip
    return photo


def flagged_visit(cast, *, rep=None):
    """A visit checked in 2 km off the rep's track (and closed): pending review."""
    rep = rep or cast.rep
    vt, shop = routine(cast.admin), located_customer(rep)
    track(rep, [(-8, 2000), (-4, 2000), (-1, 2005)])
    visit = check_in(rep, vt, shop)
    services.record_create(
        actor=rep, client_id=uuid.uuid4(), template_id=template(rep, Purpose.VISIT).pk, visit_id=visit.pk,
        values=VISIT_VALUES,
    )  # fmt: skip
    return check_out(rep, visit, near(5))


# --- The signals ---------------------------------------------------------------------------------------------


def test_a_check_in_near_the_track_has_no_signal(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    track(cast.rep, [(-9, 300), (-6, 120), (-3, 20), (-1, 3)])
    visit = check_in(cast.rep, vt, shop)
    assert visit.review_signals == [] and visit.review_state == ReviewState.NONE


def test_a_check_in_far_from_the_track_is_off_track_with_the_distance(cast):
    visit = flagged_visit(cast)
    visit.refresh_from_db()
    off = next(s for s in visit.review_signals if s["code"] == Signal.OFF_TRACK)
    assert 1900 < off["detail"]["distance_m"] < 2100
    assert visit.review_state == ReviewState.PENDING
    # said as a phone says a distance, in the reader's language; the queue's row shows the check-in's distance so
    far = {"code": Signal.OFF_TRACK, "detail": {"distance_m": 2274}}
    with translation.override("zh-hans"):
        assert signal_text(far) == "签到位置距当时的轨迹 2.3 公里"
    with translation.override("en"):
        km = off["detail"]["distance_m"] / 1000
        assert signal_text(off) == f"Checked in {km:.1f} km from the track around that time"
        assert signal_text({"code": Signal.OFF_TRACK, "detail": {"distance_m": 640}}).startswith("Checked in 640 m ")
    Visit.objects.filter(pk=visit.pk).update(check_in_distance_m=2274.4)
    queue = cast.client_for(cast.manager).get("/visits/review/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert " · 2.3 公里</div>" in queue


def test_an_implausible_speed_between_the_neighbouring_points_and_the_check_in_is_a_jump(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    track(cast.rep, [(-2, 0), (-1, 0), (1, 0)])  # on site, but 30 km away 30 seconds before the check-in
    LocationPoint.objects.filter(employee=cast.rep).update(latitude=float(SHOP[0]))
    track(cast.rep, [(-0.5, 30_000)])
    visit = check_in(cast.rep, vt, shop)
    jump = next(s for s in visit.review_signals if s["code"] == Signal.JUMP)
    assert jump["detail"]["speed_kmh"] > 1000


def test_the_same_position_repeated_is_frozen(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    track(cast.rep, [(-9, 0), (-6, 0), (-3, 0), (-1, 0)])  # to the micro-degree, four times: a replayed fix
    visit = check_in(cast.rep, vt, shop, near(0))
    frozen = next(s for s in visit.review_signals if s["code"] == Signal.FROZEN)
    assert frozen["detail"]["count"] >= 3


def test_the_mock_flag_is_a_signal_shown_never_a_rejection_by_itself(cast):
    optional_step = [{"template_id": template(cast.admin, Purpose.VISIT).pk, "required": False}]
    vt, shop = routine(cast.admin, steps=optional_step), located_customer(cast.rep)
    visit = check_in(cast.rep, vt, shop, near(mocked=True))
    assert signal_codes(visit) == [Signal.MOCK_LOCATION] and visit.review_state == ReviewState.PENDING
    closed = check_out(cast.rep, visit, near(5))
    assert closed.reasons == [] and closed.effective, closed.reasons  # the claim alone discounts nothing
    assert closed.review_state == ReviewState.PENDING  # but a person looks at it
    decided, _changed = visit_review_services.visit_review_decide(
        actor=cast.manager, visit_id=closed.pk, decision="confirmed"
    )
    assert decided.effective and decided.review_state == ReviewState.CONFIRMED
    rejected, _changed = visit_review_services.visit_review_decide(
        actor=cast.manager, visit_id=closed.pk, decision="rejected", reason="定位软件"
    )
    assert not rejected.effective and rejected.reasons == ["rejected"]  # the manager's rejection does


def test_the_first_visit_that_locates_a_customer_is_marked(cast):
    vt, shop = routine(cast.admin), customer(cast.rep)  # no location yet
    visit = check_in(cast.rep, vt, shop)
    assert visit.located_customer
    assert signal_codes(visit) == [Signal.FIRST_LOCATION] and visit.review_state == ReviewState.PENDING


def test_a_photo_taken_before_the_visit_or_without_a_capture_time_is_not_taken_on_site(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    visit = check_in(cast.rep, vt, shop)
    on_site = step_with_photo(cast.rep, visit, datetime.now(UTC))
    assert on_site.exif_taken_at is not None
    visit.refresh_from_db()
    assert visit.review_signals == []
    old = step_with_photo(cast.rep, visit, datetime.now(UTC) - timedelta(days=3))
    screenshot = step_with_photo(cast.rep, visit, None)
    assert screenshot.exif_taken_at is None
    visit.refresh_from_db()
    photos = [s["detail"] for s in visit.review_signals if s["code"] == Signal.PHOTO_NOT_ON_SITE]
    assert [p["attachment_id"] for p in photos] == [old.pk, screenshot.pk]
    assert photos[0]["taken_at"] and photos[1]["taken_at"] is None
    assert visit.review_state == ReviewState.PENDING
    stored = old.file.read()
    assert not Image.open(BytesIO(stored)).getexif()  # the time was read, the metadata still stripped


def test_late_points_are_caught_by_the_recheck_command(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    visit = check_in(cast.rep, vt, shop)
    assert visit.review_state == ReviewState.NONE
    track(cast.rep, [(-5, 3000), (-2, 3000)])  # sent later through the outbox
    out = StringIO()
    call_command("recheck_visit_signals", day=timezone.localdate().isoformat(), stdout=out)
    assert "visits rechecked" in out.getvalue()
    visit.refresh_from_db()
    assert Signal.OFF_TRACK in signal_codes(visit) and visit.review_state == ReviewState.PENDING


# --- The queue -----------------------------------------------------------------------------------------------


def test_the_queue_is_the_managers_scope_oldest_first_never_ones_own(cast):
    first = flagged_visit(cast)
    LocationPoint.objects.all().delete()
    second = flagged_visit(cast, rep=cast.rep2)
    from fieldloop.activities.visit_review_selectors import review_queue

    assert list(review_queue(actor=cast.manager)) == [first, second]
    assert list(review_queue(actor=cast.director)) == [first, second]
    assert list(review_queue(actor=cast.rep)) == []  # a rep reviews nobody, not even himself
    assert list(review_queue(actor=cast.outsider)) == []
    with pytest.raises(ServiceError) as refused:
        visit_review_services.visit_review_decide(actor=cast.rep, visit_id=first.pk, decision="confirmed")
    assert refused.value.code == "forbidden"
    with pytest.raises(ServiceError) as hidden:
        visit_review_services.visit_review_decide(actor=cast.outsider, visit_id=first.pk, decision="confirmed")
    assert hidden.value.code == "not_found"
    assert not VisitReview.objects.exists()


def test_the_queue_narrows_to_one_employee_or_days_on_the_page_and_in_the_api(cast):
    first = flagged_visit(cast)
    LocationPoint.objects.all().delete()
    second = flagged_visit(cast, rep=cast.rep2)
    client = cast.client_for(cast.manager)
    page = client.get("/visits/review/").content.decode()
    assert 'data-testid="review-filters"' in page and "2 个拜访待审核" in page
    page = client.get("/visits/review/", {"employee": cast.rep2.pk}).content.decode()
    assert f'data-visit="{second.pk}"' in page and f'data-visit="{first.pk}"' not in page
    assert "1 个拜访待审核" in page and f'<option value="{cast.rep2.pk}" selected>' in page
    tomorrow = (first.checked_in_at + timedelta(days=1)).date().isoformat()
    assert 'data-testid="review-empty"' in client.get("/visits/review/", {"from": tomorrow}).content.decode()
    # someone the manager does not see: nothing, as for nobody (no hint that the id exists)
    for employee in (cast.other_branch_rep.pk, cast.outsider.pk, 999_999, "x"):
        page = client.get("/visits/review/", {"employee": employee}).content.decode()
        assert page.count('data-testid="review-row"') == (2 if employee == "x" else 0)  # junk is ignored
    api_client = api(cast.manager)
    items = api_client.get("/api/v1/visits/review-queue", {"employee_id": cast.rep.pk}).json()["items"]
    assert [i["visit"]["id"] for i in items] == [first.pk]
    junk = api_client.get("/api/v1/visits/review-queue", {"employee_id": "x"})
    assert junk.status_code == 422 and "employee_id" in junk.json()["fields"]
    assert api_client.get("/api/v1/visits/review-queue", {"date_from": tomorrow}).json()["items"] == []


def test_the_queue_pages_in_constant_queries(cast):
    flagged_visit(cast)
    client = api(cast.manager)
    client.get("/api/v1/me")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/api/v1/visits/review-queue")
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json()["items"])

    few = queries()
    Visit.objects.filter(review_state="none").update(review_state="pending")
    for _ in range(4):
        LocationPoint.objects.all().delete()
        flagged_visit(cast, rep=cast.rep2)
    many = queries()
    assert few[1] == 1 and many[1] == 5
    assert few[0] == many[0]


# --- The decision --------------------------------------------------------------------------------------------


def test_rejecting_needs_a_reason_stops_the_visit_counting_keeps_history_and_tells_the_rep(cast):
    visit = flagged_visit(cast)
    visit.refresh_from_db()
    assert visit.effective is True
    Customer.objects.filter(pk=visit.customer_id).update(last_visited_at=visit.checked_in_at)
    with translation.override("zh-hans"), pytest.raises(ServiceError) as missing:
        visit_review_services.visit_review_decide(actor=cast.manager, visit_id=visit.pk, decision="rejected")
    assert list(missing.value.fields) == ["reason"]
    rejected, changed = visit_review_services.visit_review_decide(
        actor=cast.manager, visit_id=visit.pk, decision="rejected", reason="轨迹显示人在公司"
    )
    assert changed and rejected.effective is False and Reason.REJECTED in rejected.reasons
    assert Customer.objects.get(pk=visit.customer_id).last_visited_at is None  # its only visit no longer counts
    from fieldloop.activities import selectors

    effective = selectors.visit_list(actor=cast.manager, filters=selectors.VisitFilters(effective=True))
    assert visit.pk not in set(effective.values_list("pk", flat=True))
    notice = Notification.objects.get(recipient=cast.rep, kind="activities.visit_reviewed")
    assert notice.link == f"/visits/{visit.pk}/"
    # the same decision again: nothing new
    _again, changed_again = visit_review_services.visit_review_decide(
        actor=cast.manager, visit_id=visit.pk, decision="rejected", reason="轨迹显示人在公司"
    )
    assert not changed_again and VisitReview.objects.filter(visit=visit).count() == 1
    # a second decision is recorded beside the first
    confirmed, _ = visit_review_services.visit_review_decide(
        actor=cast.director, visit_id=visit.pk, decision="confirmed", reason="客户证明在场"
    )
    assert confirmed.effective is True
    history = list(VisitReview.objects.filter(visit=visit).order_by("id").values_list("reviewer", "decision"))
    assert history == [(cast.manager.pk, "rejected"), (cast.director.pk, "confirmed")]
    assert Customer.objects.get(pk=visit.customer_id).last_visited_at == visit.checked_in_at
    assert Notification.objects.filter(recipient=cast.rep, kind="activities.visit_reviewed").count() == 2


def test_a_visit_without_a_signal_is_not_reviewed(cast):
    vt, shop = routine(cast.admin), located_customer(cast.rep)
    visit = check_in(cast.rep, vt, shop)
    with pytest.raises(ServiceError) as e:
        visit_review_services.visit_review_decide(actor=cast.manager, visit_id=visit.pk, decision="confirmed")
    assert e.value.code == "conflict"


# --- Pages and API -------------------------------------------------------------------------------------------


def test_the_queue_page_and_the_visit_page_show_the_signals_and_take_the_decision(cast):
    visit = flagged_visit(cast)
    client = cast.client_for(cast.manager)
    page = client.get("/visits/review/").content.decode()
    assert f'data-visit="{visit.pk}"' in page and "距当时的轨迹" in page  # the manager reads Chinese
    refused = client.post(f"/visits/{visit.pk}/review/", {"decision": "rejected", "reason": " "})
    assert refused.status_code == 200 and 'data-testid="review-error"' in refused.content.decode()
    done = client.post(
        f"/visits/{visit.pk}/review/", {"decision": "rejected", "reason": "不在现场", "next": "/visits/review/"}
    )
    assert done.status_code == 302 and done["Location"] == "/visits/review/"
    assert 'data-testid="review-empty"' in client.get("/visits/review/").content.decode()
    detail = client.get(f"/visits/{visit.pk}/").content.decode()
    assert 'data-testid="review-history"' in detail and "不在现场" in detail
    rep_page = cast.client_for(cast.rep).get(f"/visits/{visit.pk}/").content.decode()
    assert 'data-testid="review-signals"' in rep_page and 'data-testid="review-form"' not in rep_page
    assert cast.client_for(cast.rep).post(f"/visits/{visit.pk}/review/", {"decision": "confirmed"}).status_code == 200
    assert Visit.objects.get(pk=visit.pk).review_state == ReviewState.REJECTED


def test_the_api_lists_the_queue_shows_signals_and_decides_idempotently(cast):
    visit = flagged_visit(cast)
    client = api(cast.manager)
    queue = client.get("/api/v1/visits/review-queue").json()
    assert [i["visit"]["id"] for i in queue["items"]] == [visit.pk]
    assert queue["items"][0]["signals"][0]["code"] == Signal.OFF_TRACK
    bad = post(client, f"/api/v1/visits/{visit.pk}/review", {"decision": "rejected"})
    assert bad.status_code == 400 and "reason" in bad.json()["fields"]
    junk = post(client, f"/api/v1/visits/{visit.pk}/review", {"decision": "maybe"})
    assert junk.status_code == 422 and "decision" in str(junk.json()["fields"])
    body = {"decision": "rejected", "reason": "fake"}
    first = post(client, f"/api/v1/visits/{visit.pk}/review", body)
    again = post(client, f"/api/v1/visits/{visit.pk}/review", body)
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert first.json()["review_state"] == "rejected" and len(first.json()["reviews"]) == 1
    signals = api(cast.rep).get(f"/api/v1/visits/{visit.pk}/signals").json()
    assert signals["review_state"] == "rejected" and signals["reviews"][0]["reason"] == "fake"
    assert post(api(cast.rep), f"/api/v1/visits/{visit.pk}/review", {"decision": "confirmed"}).status_code == 403
    assert post(api(cast.outsider), f"/api/v1/visits/{visit.pk}/review", {"decision": "confirmed"}).status_code == 404
    assert api(cast.outsider).get(f"/api/v1/visits/{visit.pk}/signals").status_code == 404


def test_a_capture_time_without_an_offset_is_read_in_the_organizations_time_zone():
    from zoneinfo import ZoneInfo

    from fieldloop.core.photos import process_photo

    image = Image.new("RGB", (32, 32), (0, 0, 0))
    exif = Image.Exif()
    exif.get_ifd(0x8769)[36867] = "2026:03:04 09:30:00"
    out = BytesIO()
    image.save(out, "JPEG", exif=exif)
    processed = process_photo(out.getvalue(), watermark=[], zone=ZoneInfo("Asia/Shanghai"))
    assert processed.exif_taken_at == datetime(2026, 3, 4, 1, 30, tzinfo=UTC)
    assert not Image.open(BytesIO(processed.jpeg)).getexif()
    broken = Image.Exif()
    broken.get_ifd(0x8769)[36867] = "not a date"
    out = BytesIO()
    image.save(out, "JPEG", exif=broken)
    assert process_photo(out.getvalue(), watermark=[]).exif_taken_at is None
