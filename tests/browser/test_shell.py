"""The web UI shell as a user meets it: sign in, language, departments and employees, scope, phone layout."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from conftest import Cast
from fieldloop.org.models import Employee

from .conftest import ARTIFACTS, PHONE, NewPage, login

pytestmark = pytest.mark.browser

ZH_CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"


def _screenshot(page: Page, name: str, *, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


def _zh_translates_sign_out() -> bool:
    """The server (this process) renders "Sign out" in Chinese only if the compiled catalogue says so."""
    if not ZH_CATALOGUE.exists():
        return False
    with translation.override("zh-hans"):
        return translation.gettext("Sign out") != "Sign out"


def _option_value(page: Page, select: str, text: str) -> str:
    """The value of the one option of <select> whose label contains text (labels are indented with U+3000)."""
    option = page.locator(f"{select} option", has_text=text)
    expect(option).to_have_count(1)
    value = option.get_attribute("value")
    assert value
    return value


def test_user_logs_in_and_sees_home(page: Page, live_server: LiveServer, live_cast: Cast, new_page: NewPage) -> None:
    login(page, live_server, "ada", live_cast.password)
    expect(page.locator(".page-title")).to_contain_text("Ada")
    expect(page.locator("[data-testid=visible-count]")).to_be_visible()
    _screenshot(page, "home-desktop.png")

    stranger = new_page()
    stranger.goto(f"{live_server.url}/login/")
    stranger.fill("#id_username", "ada")
    stranger.fill("#id_password", "not-the-password")
    stranger.click("form[action='/login/'] button[type=submit]")
    expect(stranger.locator("[data-testid=login-error]")).to_be_visible()
    assert stranger.url.split("?")[0] == f"{live_server.url}/login/"
    expect(stranger.locator("[data-testid=logout]")).to_have_count(0)


def test_user_switches_language(page: Page, live_server: LiveServer, live_cast: Cast) -> None:
    """On a desktop the switch is in the top bar and on the profile; the choice is the user's, on every page."""
    login(page, live_server, "ada", live_cast.password)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-hans")
    sign_out = page.get_by_test_id("logout")

    page.click("[data-testid=lang-en]")
    expect(html).to_have_attribute("lang", "en")
    expect(sign_out).to_have_text("Sign out")
    page.goto(f"{live_server.url}/profile/")
    expect(html).to_have_attribute("lang", "en")
    expect(sign_out).to_have_text("Sign out")
    expect(page.get_by_test_id("profile-lang-en")).to_have_attribute("aria-pressed", "true")

    page.click("[data-testid=profile-lang-zh-hans]")
    expect(html).to_have_attribute("lang", "zh-hans")
    if _zh_translates_sign_out():
        expect(sign_out).to_have_text("退出登录")
    page.click("[data-testid=lang-en]")  # and back from the top bar, on the profile
    expect(html).to_have_attribute("lang", "en")
    page.click("[data-testid=lang-zh-hans]")
    expect(html).to_have_attribute("lang", "zh-hans")
    page.goto(f"{live_server.url}/profile/")
    expect(html).to_have_attribute("lang", "zh-hans")
    live_cast.admin.refresh_from_db()
    assert live_cast.admin.language == "zh-hans"


def test_on_a_phone_the_language_switch_and_sign_out_are_on_the_profile(
    live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    phone = new_page(**PHONE)
    login(phone, live_server, "rex", live_cast.password)
    html = phone.locator("html")
    expect(phone.locator("#language-switch")).to_be_hidden()  # one top bar row
    expect(phone.get_by_test_id("logout")).to_be_hidden()
    phone.get_by_test_id("bottom-profile").click()
    phone.wait_for_url(f"{live_server.url}/profile/")
    phone.click("[data-testid=profile-lang-en]")
    expect(html).to_have_attribute("lang", "en")
    expect(phone.get_by_test_id("profile-logout")).to_have_text("Sign out")
    expect(phone.get_by_test_id("more-pages")).to_contain_text("My records")  # the pages the bottom bar leaves out
    _screenshot(phone, "profile-phone-en.png", full_page=False)
    live_cast.rep.refresh_from_db()
    assert live_cast.rep.language == "en"
    phone.get_by_test_id("profile-logout").click()
    phone.wait_for_url(re.compile(r".*/login/"))


def test_admin_creates_department_and_employee(
    page: Page, live_server: LiveServer, live_cast: Cast, new_page: NewPage
) -> None:
    login(page, live_server, "ada", live_cast.password)

    page.goto(f"{live_server.url}/departments/")
    page.click("[data-testid=new-department]")
    page.wait_for_url(f"{live_server.url}/departments/new/")
    page.fill("#id_name", "杭州分公司")
    page.select_option("#id_parent_id", value=_option_value(page, "#id_parent_id", "销售部"))
    page.click(".page-body form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/departments/")
    expect(page.locator("[data-testid=department-tree]")).to_contain_text("杭州分公司")

    page.goto(f"{live_server.url}/employees/")
    page.click("[data-testid=new-employee]")
    page.wait_for_url(f"{live_server.url}/employees/new/")
    page.fill("#id_name", "Hana")
    page.fill("#id_phone", "13912345678")
    page.fill("#id_employee_number", "HZ-001")
    page.select_option("#id_department_id", value=_option_value(page, "#id_department_id", "杭州分公司"))
    page.select_option("#id_role", value="rep")
    page.select_option("#id_language", value="zh-hans")
    page.fill("#id_username", "hana")
    page.fill("#id_password", "Str0ng-pass-2026")
    page.click(".page-body form button[type=submit]")
    page.wait_for_url(re.compile(rf"^{re.escape(live_server.url)}/employees/\d+/$"))
    expect(page.locator(".page-title")).to_have_text("Hana")
    expect(page.locator(".page-body")).to_contain_text("杭州分公司")

    newcomer = new_page()
    login(newcomer, live_server, "hana", "Str0ng-pass-2026")
    assert newcomer.url == f"{live_server.url}/today/"  # a new rep signs in to her day
    newcomer.goto(f"{live_server.url}/profile/")
    expect(newcomer.locator(".page-body")).to_contain_text("Hana")


def test_bad_input_shows_field_errors(page: Page, live_server: LiveServer, live_cast: Cast) -> None:
    login(page, live_server, "ada", live_cast.password)
    before = Employee.objects.count()

    page.goto(f"{live_server.url}/employees/new/")
    page.fill("#id_name", "Copycat")
    page.fill("#id_phone", live_cast.rep.phone)
    page.select_option("#id_department_id", value=str(live_cast.shanghai.pk))
    page.fill("#id_username", "copycat")
    page.fill("#id_password", "Str0ng-pass-2026")
    page.click(".page-body form button[type=submit]")

    expect(page.locator("[data-testid=error-phone]")).to_be_visible()
    assert page.url == f"{live_server.url}/employees/new/"
    expect(page.locator("#id_name")).to_have_value("Copycat")  # what she typed is kept
    assert Employee.objects.count() == before
    assert not Employee.objects.filter(user__username="copycat").exists()


def test_manager_sees_only_her_subtree(page: Page, live_server: LiveServer, live_cast: Cast) -> None:
    login(page, live_server, "mia", live_cast.password)
    page.goto(f"{live_server.url}/employees/")
    table = page.locator("[data-testid=employee-table]")
    expect(table).to_be_visible()
    names = table.locator("tbody tr td:first-child a").all_inner_texts()
    assert sorted(names) == ["Mia", "Rex", "Ria"]
    for outsider in ("Ben", "Dora", "Ada", "Otto"):
        expect(table.get_by_text(outsider, exact=True)).to_have_count(0)


def test_phone_layout_has_bottom_navigation(live_server: LiveServer, live_cast: Cast, new_page: NewPage) -> None:
    phone = new_page(**PHONE)
    login(phone, live_server, "ada", live_cast.password)
    expect(phone.locator("nav.bottom-nav")).to_be_visible()
    expect(phone.locator("aside.navbar-vertical")).to_be_hidden()
    expect(phone.locator(".page-title")).to_contain_text("Ada")
    # Viewport shots: a full-page shot would paint the fixed bottom bar mid-page.
    _screenshot(phone, "home-phone.png", full_page=False)
    # evaluate() runs through the DevTools protocol, which the page's CSP (no eval) does not block.
    phone.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    at_bottom = "() => window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 1"
    assert phone.evaluate(at_bottom)
    _screenshot(phone, "home-phone-bottom.png", full_page=False)
    # Scrolled to the end, the last link of the page is not hidden behind the bottom bar.
    last = phone.locator(".page-body .list-group-item").last.bounding_box()
    bar = phone.locator("nav.bottom-nav").bounding_box()
    assert last is not None and bar is not None
    assert last["y"] + last["height"] <= bar["y"]
