"""The visit type form's steps: the steps there are plus one empty row; "Add step" adds a row, the cross removes
one; what is saved is the chosen steps in page order. Screenshots in both languages."""

import pytest
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.activities.models import VisitType
from fieldloop.activities.tests.helpers import template
from fieldloop.formtemplates.models import Purpose
from fieldloop.org.services import employee_set_language

from .conftest import ARTIFACTS, NewPage, login

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_admin_adds_and_removes_step_rows_and_saves_the_steps_in_order(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage, language: str
) -> None:
    employee_set_language(actor=live_cast.admin, language=language)
    report, call = template(live_cast.admin, Purpose.VISIT), template(live_cast.admin, Purpose.CALL)
    daily = template(live_cast.admin, Purpose.DAILY_REPORT)
    page = new_page()
    login(page, live_server, "ada", live_cast.password)
    page.goto(f"{live_server.url}/visits/types/new/")
    rows = page.get_by_test_id("visit-type-steps").locator("[data-step-rows] [data-step-row]")
    expect(rows).to_have_count(1)  # one empty row to fill in, not six

    page.fill("#id_name", "收款拜访")
    page.select_option("#id_step_0", str(call.pk))
    page.get_by_test_id("add-step").click()
    page.get_by_test_id("add-step").click()
    expect(rows).to_have_count(3)
    page.select_option("#id_step_1", str(daily.pk))
    page.select_option("#id_step_2", str(report.pk))
    page.check("input[name='step_2_optional']")
    rows.nth(1).locator("[data-step-remove]").click()  # changed her mind: no daily report
    expect(rows).to_have_count(2)
    page.get_by_test_id("save-visit-type").click()

    vt = VisitType.objects.get()
    expect(page.get_by_text("收款拜访")).to_be_visible()
    assert list(vt.steps.order_by("position").values_list("template_id", "required")) == [
        (call.pk, True),
        (report.pk, False),
    ]
    page.goto(f"{live_server.url}/visits/types/{vt.pk}/")
    expect(rows).to_have_count(3)  # its two steps and an empty row
    expect(page.locator("#id_step_1")).to_have_value(str(report.pk))
    expect(page.locator("#id_step_2")).to_have_value("")
    page.screenshot(path=str(ARTIFACTS / f"visit-type-steps-{language}.png"), full_page=True)
