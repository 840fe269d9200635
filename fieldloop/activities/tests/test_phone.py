"""The rep's phone pages: Today's customers nearby (ordering, bounds, visibility, constant queries, the page's
weight), a call in two taps, today's daily report once a day, and a record's own capture time from the phone."""

import gzip
import io
import re
import uuid
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from fieldloop.activities.models import WorkRecord
from fieldloop.customers import services as customer_services
from fieldloop.customers.models import Customer
from fieldloop.customers.selectors import customers_nearby
from fieldloop.formtemplates.models import Attachment, Purpose

from .helpers import customer, file_call, file_daily, template

# People's Square, Shanghai
HERE = (31.2304, 121.4737)
# Budgets of the Today page with 20 customers as the server renders it and as it travels gzipped, and of
# the static files it makes the phone fetch (cached after the first visit by the service worker).
TODAY_HTML_BYTES = 30_000
TODAY_HTML_GZIP_BYTES = 5_000
TODAY_STATIC_REQUESTS = 4  # the one stylesheet, htmx, outbox.js, phone_today.js (the favicon is inline)


def placed(owner, name, north_m, east_m=0.0) -> Customer:
    """A customer of `owner` `north_m` metres north and `east_m` east of HERE."""
    shop = customer(owner, name)
    lat = HERE[0] + north_m / 111_320
    lon = HERE[1] + east_m / (111_320 * 0.8553)  # cos(31.23°)
    Customer.objects.filter(pk=shop.pk).update(latitude=Decimal(f"{lat:.6f}"), longitude=Decimal(f"{lon:.6f}"))
    shop.refresh_from_db()
    return shop


def today(client, position=HERE, accuracy=20, **headers):
    query = f"?lat={position[0]}&lon={position[1]}&acc={accuracy}" if position else ""
    return client.get(f"/today/{query}", **headers)


def listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-testid="nearby-customer" data-customer-id="(\d+)"', html)]


def test_nearby_customers_come_nearest_first_with_their_distance(cast):
    far = placed(cast.rep, "远的客户", 2_500)
    near = placed(cast.rep, "近的客户", 300)
    middle = placed(cast.rep, "中间的客户", 0, -1_200)
    nearby = customers_nearby(actor=cast.rep, latitude=HERE[0], longitude=HERE[1])
    assert [n.customer.pk for n in nearby] == [near.pk, middle.pk, far.pk]
    assert [round(n.distance_m or 0, -1) for n in nearby] == [300, 1200, 2500]
    html = today(cast.client_for(cast.rep), HTTP_HX_REQUEST="true").content.decode()
    assert listed(html) == [near.pk, middle.pk, far.pk]
    assert "300 米" in html and "1.2 公里" in html  # the test client speaks zh-Hans
    assert "<html" not in html  # the partial only


def test_nearby_is_bounded_by_the_box_and_the_limit(cast):
    placed(cast.rep, "另一个城市", 80_000)
    no_position = customer(cast.rep, "没有坐标")
    for i in range(25):
        placed(cast.rep, f"客户{i}", 100 * (i + 1))
    nearby = customers_nearby(actor=cast.rep, latitude=HERE[0], longitude=HERE[1])
    assert len(nearby) == 20
    assert [n.customer.name for n in nearby][:3] == ["客户0", "客户1", "客户2"]
    wide = customers_nearby(actor=cast.rep, latitude=HERE[0], longitude=HERE[1], limit=100)
    assert "另一个城市" not in {n.customer.name for n in wide}
    assert no_position.pk not in {n.customer.pk for n in wide}
    assert len(wide) == 25


def test_a_rep_never_sees_another_branchs_customers_nearby(cast):
    mine = placed(cast.rep, "我的客户", 500)
    placed(cast.other_branch_rep, "北京的客户", 100)
    placed(cast.rep2, "同事的客户", 50)
    html = today(cast.client_for(cast.rep), HTTP_HX_REQUEST="true").content.decode()
    assert listed(html) == [mine.pk]
    assert "北京的客户" not in html and "同事的客户" not in html
    # the manager sees her reps' customers, not the other branch's
    names = [n.customer.name for n in customers_nearby(actor=cast.manager, latitude=HERE[0], longitude=HERE[1])]
    assert names == ["同事的客户", "我的客户"]


def test_without_a_position_the_rep_gets_his_own_customers_by_recent_activity(cast):
    older = customer(cast.rep, "早的客户")
    newer = customer(cast.rep, "新的客户")
    Customer.objects.filter(pk=older.pk).update(updated_at=timezone.now() - timedelta(days=3))
    customer(cast.rep2, "同事的客户")
    html = today(cast.client_for(cast.rep), position=None).content.decode()
    assert listed(html) == [newer.pk, older.pk]
    assert 'data-positioned="0"' in html
    # a position that is no fix (no accuracy, out of range) is no position
    client = cast.client_for(cast.rep)
    assert 'data-positioned="0"' in client.get("/today/?lat=31.2&lon=121.4").content.decode()
    assert 'data-positioned="0"' in client.get("/today/?lat=91&lon=121.4&acc=5").content.decode()


def test_each_nearby_customer_has_call_navigate_and_maybe_start_visit_buttons(cast):
    shop = placed(cast.rep, "上海精工", 200)
    html = today(cast.client_for(cast.rep), HTTP_HX_REQUEST="true").content.decode()
    assert f'href="/today/call/{shop.pk}/?next=/today/"' in html
    assert f'href="geo:{shop.latitude},{shop.longitude}?q={shop.latitude},{shop.longitude}"' in html
    try:
        from django.urls import reverse

        start = reverse("visit_start")
    except Exception:  # the visit flow is not there yet: no button rather than a broken link
        assert 'data-testid="start-visit"' not in html
    else:
        assert f'href="{start}?customer={shop.pk}"' in html


def test_the_today_page_costs_the_same_queries_for_3_and_20_customers(cast):
    client = cast.client_for(cast.rep)
    for i in range(3):
        placed(cast.rep, f"客户{i}", 100 * (i + 1))
    today(client)
    today(client, position=None)
    with CaptureQueriesContext(connection) as few:
        today(client)
    with CaptureQueriesContext(connection) as few_unplaced:
        today(client, position=None)
    for i in range(3, 20):
        placed(cast.rep, f"客户{i}", 100 * (i + 1))
    with CaptureQueriesContext(connection) as many:
        assert len(listed(today(client).content.decode())) == 20
    with CaptureQueriesContext(connection) as many_unplaced:
        today(client, position=None)
    assert len(few) == len(many)
    assert len(few_unplaced) == len(many_unplaced)
    with CaptureQueriesContext(connection) as partial:
        today(client, HTTP_HX_REQUEST="true")
    assert len(partial) < len(many)


def test_the_today_page_stays_within_its_byte_and_request_budget(cast):
    for i in range(20):
        placed(cast.rep, f"上海市浦东新区张江高科技园区某某机械设备有限公司{i}", 100 * (i + 1))
    html = today(cast.client_for(cast.rep)).content.decode()
    assert len(html.encode()) < TODAY_HTML_BYTES
    assert len(gzip.compress(html.encode(), mtime=0)) < TODAY_HTML_GZIP_BYTES
    statics = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(/static/[^"]+)"', html)
    assert len(statics) <= TODAY_STATIC_REQUESTS, statics
    assert not [s for s in statics if "echarts" in s or "leaflet" in s or "tabler.min.js" in s]
    assert "<script>" not in html  # no inline script


def test_a_reps_home_is_today_and_a_leaders_home_is_the_overview(cast):
    rep = cast.client_for(cast.rep)
    assert rep.get("/").headers["Location"] == "/today/"  # an old bookmark
    response = rep.post("/login/", {"username": "rex", "password": cast.password})
    assert response.headers["Location"] == "/today/"  # sign-in goes there directly, no extra hop
    html = rep.get("/today/").content.decode()
    assert 'data-testid="bottom-phone_today"' in html and 'data-testid="bottom-home"' not in html
    assert 'href="/api/v1/docs"' not in html and 'data-testid="visible-count"' not in html
    for leader in (cast.manager, cast.director, cast.admin):
        client = cast.client_for(leader)
        overview = client.get("/")
        assert overview.status_code == 200
        assert 'data-testid="visible-count"' in overview.content.decode()
        assert 'data-testid="bottom-home"' in overview.content.decode()


def test_today_shows_the_count_of_todays_records_the_outbox_and_a_place_for_the_plan(cast):
    shop = customer(cast.rep, "上海精工")
    client = cast.client_for(cast.rep)
    html = today(client).content.decode()
    assert 'data-testid="filed-none"' in html and 'data-testid="filed-count">0<' in html
    assert "data-outbox-count" in html and 'data-testid="today-outbox"' in html  # outbox.js fills the count
    for _i in range(4):
        file_call(cast.rep, shop)
    html = today(client).content.decode()
    assert 'data-testid="filed-count">4<' in html
    assert html.count('data-testid="filed-record"') == 3  # the latest three


# --- A call in two taps ---------------------------------------------------------------------------------


def test_the_call_form_has_the_customer_its_primary_contact_and_the_direction_filled(cast):
    shop = customer(cast.rep, "上海精工")
    for name, is_primary in (("张经理", False), ("李总", True)):
        customer_services.contact_create(
            actor=cast.rep, customer_id=shop.pk, client_id=uuid.uuid4(), name=name, is_primary=is_primary
        )
    page = cast.client_for(cast.rep).get(f"/today/call/{shop.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert page["X-Fieldloop-Offline"] == "1"  # the phone keeps the form for when there is no signal
    assert 'data-outbox="' in html and 'name="captured_at"' in html and 'name="client_id"' in html
    primary = shop.contacts.get(name="李总")
    assert f'name="contact_id" value="{primary.pk}" checked' in html and "李总" in html  # the contact picker
    assert re.search(r'value="outbound"[^>]*checked', html)
    assert 'data-testid="result-follow_up"' in html


def test_one_tap_on_a_result_logs_the_call(cast):
    shop = customer(cast.rep, "上海精工")
    contact, _ = customer_services.contact_create(
        actor=cast.rep, customer_id=shop.pk, client_id=uuid.uuid4(), name="李总"
    )
    client = cast.client_for(cast.rep)
    html = client.get(f"/today/call/{shop.pk}/?next=/today/").content.decode()
    client_id = re.search(r'name="client_id" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    posted = {
        "client_id": client_id,
        "captured_at": "",
        "next": "/today/",
        "contact_id": str(contact.pk),
        "v-direction": "outbound",
        "v-duration_minutes": "",
        "v-notes": "",
        "v-result": "no_answer",  # the button tapped
    }
    response = client.post(f"/today/call/{shop.pk}/", posted)
    assert response.status_code == 302 and response["Location"] == "/today/"
    record = WorkRecord.objects.get()
    assert record.template.purpose == Purpose.CALL
    assert (record.customer, record.contact, record.author) == (shop, contact, cast.rep)
    assert record.values == {"direction": "outbound", "result": "no_answer"}
    client.post(f"/today/call/{shop.pk}/", posted)  # sent again (the outbox): stored once
    assert WorkRecord.objects.count() == 1


def test_a_call_without_a_result_is_refused_on_the_form(cast):
    shop = customer(cast.rep)
    client = cast.client_for(cast.rep)
    response = client.post(
        f"/today/call/{shop.pk}/", {"client_id": str(uuid.uuid4()), "v-direction": "outbound", "next": "https://x.io"}
    )
    assert response.status_code == 200
    assert 'data-testid="error-result"' in response.content.decode()
    assert not WorkRecord.objects.exists()


def test_a_rep_cannot_log_a_call_for_another_branchs_customer(cast):
    theirs = customer(cast.other_branch_rep)
    client = cast.client_for(cast.rep)
    assert client.get(f"/today/call/{theirs.pk}/").status_code == 404
    response = client.post(f"/today/call/{theirs.pk}/", {"client_id": str(uuid.uuid4()), "v-result": "no_answer"})
    assert response.status_code == 404
    assert not WorkRecord.objects.exists()


def test_the_customer_page_has_the_log_call_button(cast):
    shop = customer(cast.rep)
    html = cast.client_for(cast.rep).get(f"/customers/{shop.pk}/").content.decode()
    assert f'href="/today/call/{shop.pk}/"' in html


# --- The daily report, once a day -------------------------------------------------------------------------


def test_the_daily_report_opens_the_daily_close_card_whose_write_up_it_is(cast):
    """The daily report and the daily close card (日清, schedules) are one: Today's tile is the card's (it says
    whether today's card is filed: schedules/tests/test_today.py), and the daily report's link opens the card."""
    client = cast.client_for(cast.rep)
    assert client.get("/today/daily-report/")["Location"] == "/close/"
    file_daily(cast.rep)  # a report written today is the card's write-up; the card itself is not filed yet
    html = today(client).content.decode()
    tile = html[html.index('data-testid="daily-report"') - 300 : html.index('data-testid="daily-report"')]
    assert 'href="/close/"' in tile and "ti-circle-check" not in html
    assert cast.client_for(cast.rep2).get("/today/daily-report/")["Location"] == "/close/"


# --- The record form offline --------------------------------------------------------------------------------


def test_the_record_form_can_be_kept_on_the_phone_and_takes_the_capture_time(cast):
    competitor = template(cast.rep, Purpose.COMPETITOR)
    client = cast.client_for(cast.rep)
    page = client.get(f"/work/new/{competitor.pk}/")
    html = page.content.decode()
    assert page["X-Fieldloop-Offline"] == "1"
    assert 'data-outbox="' in html and 'name="captured_at"' in html
    captured = timezone.now() - timedelta(hours=5)
    response = client.post(
        f"/work/new/{competitor.pk}/",
        {
            "client_id": str(uuid.uuid4()),
            "captured_at": captured.isoformat().replace("+00:00", "Z"),
            "v-competitor": "三一重工",
            "v-product": "挖掘机",
        },
    )
    assert response.status_code == 302
    record = WorkRecord.objects.get()
    assert abs(record.captured_at - captured) < timedelta(seconds=1)
    assert record.received_at > record.captured_at + timedelta(hours=4)


def test_a_capture_time_in_the_future_is_refused_on_the_form(cast):
    competitor = template(cast.rep, Purpose.COMPETITOR)
    response = cast.client_for(cast.rep).post(
        f"/work/new/{competitor.pk}/",
        {
            "client_id": str(uuid.uuid4()),
            "captured_at": (timezone.now() + timedelta(days=1)).isoformat(),
            "v-competitor": "三一重工",
            "v-product": "挖掘机",
        },
    )
    assert response.status_code == 200
    assert 'data-testid="error-captured_at"' in response.content.decode()
    assert not WorkRecord.objects.exists()


def test_a_record_with_a_photo_sent_twice_is_stored_once_with_one_photo(cast):
    competitor = template(cast.rep, Purpose.COMPETITOR)
    client = cast.client_for(cast.rep)
    client_id = str(uuid.uuid4())

    def send() -> str:
        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, "PNG")
        photo = SimpleUploadedFile("shop.png", buffer.getvalue(), content_type="image/png")
        data = {"client_id": client_id, "v-competitor": "三一重工", "v-product": "挖掘机", "v-photos": photo}
        response = client.post(f"/work/new/{competitor.pk}/", data)
        assert response.status_code == 302
        return response["Location"]

    first, again = send(), send()  # the outbox sends again when the first answer was lost
    record = WorkRecord.objects.get()
    assert first == again == f"/work/{record.pk}/"
    assert len(record.values["photos"]) == 1
    assert Attachment.objects.count() == 1


def explain(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ") + sql)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_the_nearby_box_reads_the_position_index(cast):
    """3,000 customers across eastern China, with statistics as production has them (PostgreSQL: ANALYZE)."""
    Customer.objects.bulk_create(
        Customer(org=cast.org, client_id=uuid.uuid4(), name=f"客户{n}", owner=cast.rep, created_by=cast.rep,
                 latitude=Decimal(f"{20 + (n * 7919 % 2500) / 100:.6f}"),
                 longitude=Decimal(f"{100 + (n * 104729 % 2500) / 100:.6f}"))
        for n in range(3000)
    )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customer")
    for actor in (cast.admin, cast.rep):
        with CaptureQueriesContext(connection) as queries:
            found = customers_nearby(actor=actor, latitude=HERE[0], longitude=HERE[1])
        assert all((n.distance_m or 0) < 45_000 for n in found)
        nearby = next(q["sql"] for q in queries.captured_queries if "latitude" in q["sql"])  # not the tags' read
        text = explain(nearby)
        assert "customer_org_position" in text, text
