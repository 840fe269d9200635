"""The rep's phone: Today lists the customers nearest to the (faked) position, a call is logged in two taps,
and a competitor record filed without a signal (with its photo) is stored once, with its capture time,
when the signal returns. Screenshots at 390 px in zh-Hans and English."""

import io
import uuid
from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import FilePayload, Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.activities.models import WorkRecord
from fieldloop.customers import services as customer_services
from fieldloop.customers.models import Customer
from fieldloop.formtemplates.models import FormTemplate, Purpose
from fieldloop.org.services import employee_set_language

from .conftest import ARTIFACTS, PHONE, NewPage, kept_on_the_device, login, outbox_ready, signal_returns

pytestmark = pytest.mark.browser
HERE = {"latitude": 31.2304, "longitude": 121.4737, "accuracy": 25}
DISTANCES = {"zh-hans": ("150 米", "2.4 公里"), "en": ("150 m", "2.4 km")}
CALL_LOG = {"zh-hans": "电话记录", "en": "Call log"}


def placed(owner, name: str, north_m: float) -> Customer:
    shop, _ = customer_services.customer_create(
        actor=owner, client_id=uuid.uuid4(), name=name, allow_duplicates=True, address="南京东路100号"
    )
    lat = HERE["latitude"] + north_m / 111_320
    Customer.objects.filter(pk=shop.pk).update(latitude=Decimal(f"{lat:.6f}"), longitude=Decimal("121.473700"))
    shop.refresh_from_db()
    return shop


def phone_at_here(new_page: NewPage, language: str) -> Page:
    locale = "en-US" if language == "en" else "zh-CN"
    return new_page(**{**PHONE, "locale": locale, "geolocation": HERE, "permissions": ["geolocation"]})


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_rep_sees_the_nearest_customers_and_logs_a_call_in_two_taps(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    employee_set_language(actor=live_cast.rep, language=language)
    placed(live_cast.rep, "上海远东五金批发", 2_400)
    near = placed(live_cast.rep, "南京路精工机械", 150)
    placed(live_cast.other_branch_rep, "北京朝阳机电", 10)  # another branch: never listed for Rex
    customer_services.contact_create(actor=live_cast.rep, customer_id=near.pk, client_id=uuid.uuid4(), name="李总")
    phone = phone_at_here(new_page, language)
    login(phone, live_server, "rex", live_cast.password)

    assert phone.url == f"{live_server.url}/today/"  # a rep signs in to his day
    rows = phone.get_by_test_id("nearby-customer")
    expect(phone.get_by_test_id("nearby-list")).to_have_attribute("data-positioned", "1")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("南京路精工机械")
    expect(rows.nth(0).get_by_test_id("distance")).to_have_text(DISTANCES[language][0])
    expect(rows.nth(1)).to_contain_text("上海远东五金批发")
    expect(rows.nth(1).get_by_test_id("distance")).to_have_text(DISTANCES[language][1])
    expect(rows.nth(0).get_by_test_id("navigate")).to_have_attribute(
        "href", f"geo:{near.latitude},121.473700?q={near.latitude},121.473700"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / f"phone-today-{language}.png"), full_page=True)

    rows.nth(0).get_by_test_id("log-call").click()  # tap 1
    expect(phone.get_by_test_id("call-customer")).to_contain_text("南京路精工机械")
    expect(phone.locator("input[name=contact_id]:checked")).to_have_value(str(near.contacts.get().pk))
    phone.screenshot(path=str(ARTIFACTS / f"phone-call-{language}.png"), full_page=True)
    phone.get_by_test_id("result-follow_up").click()  # tap 2
    phone.wait_for_url(f"{live_server.url}/today/")
    expect(phone.get_by_test_id("filed-record")).to_contain_text(f"{CALL_LOG[language]}南京路精工机械")
    phone.screenshot(path=str(ARTIFACTS / f"phone-today-after-call-{language}.png"), full_page=True)
    record = WorkRecord.objects.get()
    assert (record.customer_id, record.author_id) == (near.pk, live_cast.rep.pk)
    assert record.values["result"] == "follow_up" and record.values["direction"] == "outbound"
    assert record.contact is not None and record.contact.name == "李总"


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 40)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_competitor_record_filed_without_signal_is_stored_once_with_its_capture_time_and_photo(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    competitor = FormTemplate.objects.get(org=live_cast.org, purpose=Purpose.COMPETITOR, is_active=True)
    phone = phone_at_here(new_page, "zh-hans")
    login(phone, live_server, "rex", live_cast.password)
    url = f"{live_server.url}/work/new/{competitor.pk}/"
    phone.goto(url)
    kept_on_the_device(phone)

    phone.context.set_offline(True)
    phone.reload()  # the form opens from the phone's cache
    outbox_ready(phone)
    phone.fill("#id_v-competitor", "三一重工")
    phone.fill("#id_v-product", "SY75C 挖掘机")
    phone.fill("#id_v-price", "268000")
    photo: FilePayload = {"name": "shop.png", "mimeType": "image/png", "buffer": png()}
    phone.set_input_files("#id_v-photos", files=[photo])
    phone.get_by_test_id("save-record").click()
    expect(phone.get_by_test_id("outbox-notice")).to_be_visible()
    expect(phone.get_by_test_id("outbox-count")).to_contain_text("1")
    assert not WorkRecord.objects.exists()
    phone.screenshot(path=str(ARTIFACTS / "phone-record-offline-zh-hans.png"), full_page=True)

    phone.wait_for_timeout(1500)  # the signal returns a little later: received_at comes after captured_at
    signal_returns(phone)
    expect(phone.get_by_test_id("outbox-count")).to_be_hidden()
    phone.evaluate("window.fieldloopOutbox.flush()")  # sent again for good measure: still one
    record = WorkRecord.objects.get()
    assert record.values["competitor"] == "三一重工"
    assert record.author_id == live_cast.rep.pk
    assert record.received_at > record.captured_at
    assert len(record.values.get("photos", [])) == 1


def test_without_a_position_today_lists_the_reps_own_customers(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    employee_set_language(actor=live_cast.rep, language="en")
    placed(live_cast.rep, "南京路精工机械", 150)
    placed(live_cast.rep2, "同事的客户", 50)
    phone = new_page(**{**PHONE, "locale": "en-US"})  # location access not granted
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/today/")
    expect(phone.get_by_test_id("nearby-title")).to_have_text("No position: your customers by recent activity.")
    expect(phone.get_by_test_id("nearby-customer")).to_have_count(1)
    expect(phone.get_by_test_id("nearby-customer")).to_contain_text("南京路精工机械")
    expect(phone.get_by_test_id("distance")).to_have_count(0)
