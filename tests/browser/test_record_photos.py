"""A rep's storefront photo through the visit form: chosen on the phone (a thumbnail shows before sending,
the browser's position goes with it), stored watermarked, and seen as a thumbnail by his manager on the
record, in the feed and on the customer's timeline. Screenshots in both languages."""

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import FilePayload, Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.activities.models import WorkRecord
from fieldloop.activities.tests.helpers import customer, template
from fieldloop.formtemplates.models import Attachment, Purpose
from fieldloop.org.services import employee_set_language

from .conftest import ARTIFACTS, PHONE, NewPage, login

pytestmark = pytest.mark.browser

SHANGHAI = {"latitude": 31.2304, "longitude": 121.4737, "accuracy": 12}


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def storefront_jpeg() -> bytes:
    image = Image.new("RGB", (1200, 900), (40, 120, 200))
    image.paste((230, 190, 40), (200, 150, 1000, 500))  # a shop sign
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def wait_loaded(page: Page, selector: str) -> None:
    """Wait until the image has arrived and decoded (a refused or broken URL never gets a natural width)."""
    page.wait_for_function(
        "s => { const img = document.querySelector(s); return img && img.complete && img.naturalWidth > 0 }",
        arg=selector,
    )


def fill_visit_with_photo(phone: Page, live_server: LiveServer, cast: Cast, shop_id: int) -> None:
    visit = template(cast.rep, Purpose.VISIT)
    phone.goto(f"{live_server.url}/work/new/{visit.pk}/?customer={shop_id}")
    phone.select_option("#id_v-purpose", "routine")
    phone.fill("#id_v-outcome", "门头已更新，客户下月补货")
    photo: FilePayload = {"name": "门头.jpg", "mimeType": "image/jpeg", "buffer": storefront_jpeg()}
    phone.set_input_files("#id_v-storefront_photo", files=[photo])
    preview = phone.get_by_test_id("photo-preview-v-storefront_photo").locator("img")
    expect(preview).to_have_count(1)
    wait_loaded(phone, "[data-testid='photo-preview-v-storefront_photo'] img")
    expect(phone.locator("input[name='v-storefront_photo-accuracy']")).to_have_value("12")


def test_a_rep_sends_a_storefront_photo_and_his_manager_sees_its_thumbnail(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    shop = customer(live_cast.rep, "杭州湖滨五金店")
    phone = new_page(**PHONE, geolocation=SHANGHAI, permissions=["geolocation"])
    login(phone, live_server, "rex", live_cast.password)
    fill_visit_with_photo(phone, live_server, live_cast, shop.pk)
    phone.get_by_test_id("save-record").click()
    expect(phone.get_by_test_id("record-values")).to_contain_text("门头已更新")

    record = WorkRecord.objects.get()
    [photo_id] = record.values["storefront_photo"]
    attachment = Attachment.objects.get(pk=photo_id)
    assert attachment.original_name == "门头.jpg" and attachment.thumbnail
    thumbnail = f"[data-testid='photo-{photo_id}'] img"
    expect(phone.locator(thumbnail)).to_be_visible()
    wait_loaded(phone, thumbnail)

    page = new_page()
    login(page, live_server, "mia", live_cast.password)
    page.goto(f"{live_server.url}/work/")
    expect(page.get_by_test_id(f"record-{record.pk}").locator(thumbnail)).to_be_visible()
    wait_loaded(page, f"[data-testid='record-{record.pk}'] {thumbnail}")
    page.goto(f"{live_server.url}/customers/{shop.pk}/")
    page.locator("a[href='#tab-work']").click()
    expect(page.get_by_test_id(f"timeline-record-{record.pk}").locator(thumbnail)).to_be_visible()
    with page.expect_popup() as popup:
        page.get_by_test_id(f"timeline-record-{record.pk}").locator(f"[data-testid='photo-{photo_id}']").click()
    full = popup.value
    full.wait_for_load_state()
    assert full.url.endswith(f"/work/{record.pk}/attachments/{photo_id}/")

    ben = new_page()
    login(ben, live_server, "ben", live_cast.password)
    response = ben.goto(f"{live_server.url}/work/{record.pk}/attachments/{photo_id}/thumbnail/")
    assert response is not None and response.status == 404


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_screenshots_of_a_photo_chosen_and_stored(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    employee_set_language(actor=live_cast.rep, language=language)
    employee_set_language(actor=live_cast.manager, language=language)
    shop = customer(live_cast.rep, "上海精工机械有限公司")
    ARTIFACTS.mkdir(exist_ok=True)
    phone = new_page(**PHONE, geolocation=SHANGHAI, permissions=["geolocation"])
    login(phone, live_server, "rex", live_cast.password)
    fill_visit_with_photo(phone, live_server, live_cast, shop.pk)
    phone.locator("[data-field-key='storefront_photo']").evaluate("el => el.scrollIntoView({block: 'center'})")
    phone.screenshot(path=str(ARTIFACTS / f"record-photo-chosen-phone-{language}.png"))
    phone.get_by_test_id("save-record").click()
    expect(phone.get_by_test_id("record-values")).to_be_visible()
    phone.screenshot(path=str(ARTIFACTS / f"record-photo-stored-phone-{language}.png"), full_page=True)
    record = WorkRecord.objects.get()
    photo_id = record.values["storefront_photo"][0]
    phone.goto(f"{live_server.url}/work/{record.pk}/attachments/{photo_id}/")
    phone.screenshot(path=str(ARTIFACTS / f"record-photo-full-phone-{language}.png"))
    desktop = new_page()
    login(desktop, live_server, "mia", live_cast.password)
    desktop.goto(f"{live_server.url}/work/")
    expect(desktop.get_by_test_id(f"record-{record.pk}")).to_be_visible()
    desktop.screenshot(path=str(ARTIFACTS / f"record-photo-feed-desktop-{language}.png"), full_page=True)
