"""What the rep sees around the outbox: a form kept on the phone is clean again (no stale photo thumbnails),
a kept record sent later is confirmed by a toast on whatever page is open, with the server's own message,
and a form sent at once still shows the server's message on the page it opens. Both languages."""

import io

import pytest
from PIL import Image
from playwright.sync_api import FilePayload, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.activities.models import WorkRecord
from fieldloop.customers.models import Customer
from fieldloop.formtemplates.models import FormTemplate, Purpose
from fieldloop.org.services import employee_set_language

from .conftest import ARTIFACTS, PHONE, NewPage, kept_on_the_device, login, outbox_ready, signal_returns

pytestmark = pytest.mark.browser

SENT = {"zh-hans": "已发送：竞品信息", "en": "Sent: Competitor"}
SAVED = {"zh-hans": "记录已保存", "en": "Record saved."}


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 40)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_record_kept_offline_leaves_a_clean_form_and_is_confirmed_by_a_toast_when_sent(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    employee_set_language(actor=live_cast.rep, language=language)
    competitor = FormTemplate.objects.get(org=live_cast.org, purpose=Purpose.COMPETITOR, is_active=True)
    phone = new_page(**{**PHONE, "locale": "en-US" if language == "en" else "zh-CN"})
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/work/new/{competitor.pk}/")
    kept_on_the_device(phone)

    phone.context.set_offline(True)
    phone.reload()  # the form opens from the phone's cache
    outbox_ready(phone)
    phone.fill("#id_v-competitor", "三一重工")
    phone.fill("#id_v-product", "SY75C 挖掘机")
    phone.fill("#id_v-price", "268000")
    photo: FilePayload = {"name": "shop.png", "mimeType": "image/png", "buffer": png()}
    phone.set_input_files("#id_v-photos", files=[photo])
    expect(phone.get_by_test_id("photo-preview-v-photos").locator("img")).to_have_count(1)
    phone.get_by_test_id("save-record").click()

    expect(phone.get_by_test_id("outbox-notice")).to_be_visible()
    expect(phone.get_by_test_id("outbox-count")).to_contain_text("1")
    expect(phone.get_by_test_id("photo-preview-v-photos").locator("img")).to_have_count(0)  # the form is clean
    expect(phone.locator("#id_v-competitor")).to_have_value("")
    assert phone.eval_on_selector("#id_v-photos", "input => input.files.length") == 0
    expect(phone.get_by_test_id("outbox-toast")).to_have_count(0)  # nothing was sent yet
    assert not WorkRecord.objects.exists()
    phone.screenshot(path=str(ARTIFACTS / f"outbox-kept-clean-form-{language}.png"))

    phone.goto(f"{live_server.url}/outbox/")  # another page (kept on the phone too) is open when the signal returns
    expect(phone.get_by_test_id("outbox-item")).to_have_count(1)
    signal_returns(phone)
    toast = phone.get_by_test_id("outbox-toast")
    expect(toast).to_have_count(1)
    expect(toast).to_contain_text(SENT[language])
    expect(toast).to_contain_text(SAVED[language])  # the server's message, not lost to the background send
    expect(phone.get_by_test_id("outbox-count")).to_be_hidden()
    expect(phone.get_by_test_id("outbox-empty")).to_be_visible()
    phone.screenshot(path=str(ARTIFACTS / f"outbox-sent-toast-{language}.png"))
    assert WorkRecord.objects.get().values["competitor"] == "三一重工"

    toast.get_by_role("button").click()  # closed by hand (it also goes by itself after a while)
    expect(toast).to_have_count(0)
    phone.reload()
    expect(phone.get_by_test_id("outbox-toast")).to_have_count(0)  # shown once
    expect(phone.locator("[data-message]")).to_have_count(0)  # and the message is not shown again


def test_a_form_sent_at_once_shows_the_servers_message_on_the_page_it_opens(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    phone = new_page(**PHONE)
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/customers/new/")
    phone.fill("#id_name", "杭州湖滨五金店")
    phone.locator(".page-body form button[type=submit]").click()

    expect(phone.locator("[data-message]")).to_contain_text("杭州湖滨五金店")
    customer = Customer.objects.get(name="杭州湖滨五金店")
    assert phone.url.endswith(f"/customers/{customer.pk}/")
    expect(phone.get_by_test_id("outbox-toast")).to_have_count(0)
    phone.reload()
    expect(phone.locator("[data-message]")).to_have_count(0)  # once
