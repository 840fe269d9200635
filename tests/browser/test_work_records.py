"""Work records as people meet them: a rep logs a call from his customer's page on a phone; his manager
finds it in 下属工作 and on the customer's timeline, and comments in place. Screenshots of the pages in
both languages, at desktop and phone width."""

import uuid

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.activities.models import WorkRecord, WorkRecordComment
from fieldloop.activities.tests.helpers import customer, file_call, file_daily
from fieldloop.org.services import employee_set_language

from .conftest import ARTIFACTS, PHONE, NewPage, login

pytestmark = pytest.mark.browser


def test_a_rep_logs_a_call_and_his_manager_sees_it_and_comments(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    shop = customer(live_cast.rep, "杭州湖滨五金店")

    phone = new_page(**PHONE)
    login(phone, live_server, "rex", live_cast.password)
    phone.goto(f"{live_server.url}/customers/{shop.pk}/")
    phone.get_by_role("tab", name="相关工作").click()
    phone.get_by_test_id("timeline-actions").locator("a[href^='/work/new/']").click()
    phone.get_by_test_id("choose-call").click()
    phone.select_option("#id_v-result", "follow_up")
    phone.fill("#id_v-duration_minutes", "900")  # more than the field allows
    phone.get_by_test_id("save-record").click()
    expect(phone.get_by_test_id("error-duration_minutes")).to_be_visible()
    phone.fill("#id_v-duration_minutes", "8")
    phone.fill("#id_v-notes", "客户要新报价，下周再打")
    phone.get_by_test_id("save-record").click()
    expect(phone.get_by_test_id("record-values")).to_contain_text("需跟进")
    record = WorkRecord.objects.get()
    assert (record.author_id, record.customer_id) == (live_cast.rep.pk, shop.pk)

    page = new_page()
    login(page, live_server, "mia", live_cast.password)
    page.goto(f"{live_server.url}/work/")
    card = page.get_by_test_id(f"record-{record.pk}")
    expect(card).to_contain_text("杭州湖滨五金店")
    expect(card).to_contain_text("Rex")
    card.get_by_test_id(f"open-{record.pk}").click()
    page.locator("[data-testid=comment-form] textarea").fill("报价前先跟我确认折扣")
    page.get_by_test_id("send-comment").click()
    expect(page.get_by_test_id("comments")).to_contain_text("报价前先跟我确认折扣")
    assert page.url.endswith(f"/work/{record.pk}/")  # in place: the page did not reload
    assert WorkRecordComment.objects.get().author_id == live_cast.manager.pk

    page.goto(f"{live_server.url}/customers/{shop.pk}/")
    page.get_by_role("tab", name="相关工作").click()
    expect(page.get_by_test_id(f"timeline-record-{record.pk}")).to_contain_text("电话记录")
    expect(page.get_by_test_id(f"timeline-record-{record.pk}")).to_contain_text("1 条评论")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_screenshots_of_the_feed_and_a_record(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    employee_set_language(actor=live_cast.manager, language=language)
    shop = customer(live_cast.rep, "上海精工机械有限公司")
    record = file_call(live_cast.rep, shop)
    file_daily(live_cast.rep2)
    from fieldloop.activities import services

    services.comment_create(
        actor=live_cast.manager, record_id=record.pk, client_id=uuid.uuid4(), body="很好，继续跟进。"
    )
    for size, options in (("desktop", {}), ("phone", PHONE)):
        page: Page = new_page(**options)
        login(page, live_server, "mia", live_cast.password)
        page.goto(f"{live_server.url}/work/")
        expect(page.get_by_test_id(f"record-{record.pk}")).to_be_visible()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"work-feed-{size}-{language}.png"), full_page=True)
        page.goto(f"{live_server.url}/work/{record.pk}/")
        page.screenshot(path=str(ARTIFACTS / f"work-record-{size}-{language}.png"), full_page=True)
        page.goto(f"{live_server.url}/customers/{shop.pk}/")
        page.locator("a[href='#tab-work']").click()
        expect(page.get_by_test_id(f"timeline-record-{record.pk}")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / f"work-timeline-{size}-{language}.png"), full_page=True)
        page.goto(f"{live_server.url}/work/new/?customer={shop.pk}")
        page.get_by_test_id("choose-visit").click()
        page.screenshot(path=str(ARTIFACTS / f"work-new-visit-{size}-{language}.png"), full_page=True)
