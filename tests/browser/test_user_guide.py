"""The user guide's walk (docs/guide/), in the demo company a new user meets with `make demo`: a rep's day on a
360-px phone, a manager's week and an admin's set-up on a 1280-px desktop, in zh-Hans and English. Each page is
checked for what the guide tells its reader to rely on; with FIELDLOOP_GUIDE_SHOTS=1 (`make guide`) each is also
photographed into docs/guide/img/<language>/, the pictures the guide shows.

The demo company is built once per language (small, seed 42, as `make demo` builds it). The project has no way to
move the app's clock, so the day walked is the day the test runs: the rep plans a visit for today and makes it, the
way the guide says, and the manager then finds it in his team's pages."""

import io
import os
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import FilePayload, Geolocation, Page, expect
from pytest_django.live_server_helper import LiveServer

from fieldloop.activities.models import Visit, WorkRecord
from fieldloop.attendance.models import Clock
from fieldloop.customers.models import Customer
from fieldloop.demo.company import build_demo_company
from fieldloop.demo.context import DEMO_PASSWORD
from fieldloop.org.models import Employee
from fieldloop.org.services import employee_set_language
from fieldloop.schedules.models import DailyCard
from fieldloop.schedules.services import org_today

from .conftest import DESKTOP, PHONE, NewPage, fresh_fix, htmx_settled, login, outbox_ready, signal_returns

pytestmark = pytest.mark.browser

GUIDE_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "guide" / "img"
AT_LEAST_ONE = re.compile(r"^[1-9]\d*$")
ZONE = {"timezone_id": "Asia/Shanghai"}  # the phone's clock and the demo company's are in one time zone
FOLDER = {"zh-hans": "zh-Hans", "en": "en"}  # the guide's files are named by the language tag
PHONE_360 = {**PHONE, "viewport": {"width": 360, "height": 780}}
WORDS: dict[str, dict[str, str]] = {
    "zh-hans": {
        "today": "今日",
        "added": "已加入日程",
        "check_in": "签到",
        "done": "已完成",
        "call": "电话记录",
        "outbox": "待发送",
        "filed": "日清卡已提交。",
        "effective": "有效",
        "team_schedules": "下属日程",
        "card_text": "拜访一家，电话两通。",
        "review": "不错，记得送样。",
        "reviewed": "已评阅。",
    },
    "en": {
        "today": "Today",
        "added": "Added to the schedule",
        "check_in": "Check in",
        "done": "Done",
        "call": "Call log",
        "outbox": "Waiting to send",
        "filed": "Daily close card filed.",
        "effective": "Effective",
        "team_schedules": "Subordinates' schedules",
        "card_text": "One visit, two calls.",
        "review": "Good; mind the samples.",
        "reviewed": "Card reviewed.",
    },
}


def shooter(language: str) -> Callable[[Page, str], None]:
    """shot(page, name): with FIELDLOOP_GUIDE_SHOTS=1, what the reader sees of the page (the viewport: 360 px wide
    on the phone, 1280 on the desktop) into the guide's folder for the language, as a small PNG (a 256-colour
    palette, optimized). Without it, nothing: the walk's checks run all the same."""
    folder = GUIDE_IMAGES / FOLDER[language]

    def shot(page: Page, name: str) -> None:
        if os.environ.get("FIELDLOOP_GUIDE_SHOTS") != "1":
            return
        page.wait_for_load_state("networkidle")
        image = Image.open(io.BytesIO(page.screenshot())).convert("RGB")
        folder.mkdir(parents=True, exist_ok=True)
        small = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        small.save(folder / f"{name}.png", optimize=True)

    return shot


def a_customer_in_town(rep: Employee) -> Customer:
    """One of the rep's own customers in Shanghai with a position: where the rep's day goes."""
    customer = (
        Customer.objects.filter(owner=rep, city="上海", archived_at__isnull=True, latitude__isnull=False)
        .order_by("pk")
        .first()
    )
    assert customer is not None, "the demo gives the Shanghai rep customers in Shanghai"
    return customer


def near(customer: Customer) -> Geolocation:
    """About 11 m north of the customer, as a phone's GPS reports it."""
    return {
        "latitude": float(customer.latitude or 0) + 0.0001,
        "longitude": float(customer.longitude or 0),
        "accuracy": 10,
    }


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_user_guide_walk(live_server: LiveServer, transactional_db: None, new_page: NewPage, language: str) -> None:
    company = build_demo_company(size="small", seed=42)
    org = company.org
    assert org is not None
    people = {e.user.username: e for e in Employee.objects.filter(org=org).select_related("user")}
    for username in ("rep", "manager", "admin"):
        employee_set_language(actor=people[username], language=language)
    shot = shooter(language)
    customer = a_customer_in_town(people["rep"])
    visit = rep_day(live_server, new_page, language, shot, people["rep"], customer)
    manager_week(live_server, new_page, language, shot, people["rep"], customer, visit)
    admin_setup(live_server, new_page, language, shot)


def rep_day(
    live_server: LiveServer,
    new_page: NewPage,
    language: str,
    shot: Callable[[Page, str], None],
    rep: Employee,
    customer: Customer,
) -> Visit:
    words = WORDS[language]
    url = live_server.url
    locale = "en-US" if language == "en" else "zh-CN"
    phone = new_page(
        **{**PHONE_360, **ZONE, "locale": locale, "geolocation": near(customer), "permissions": ["geolocation"]}
    )
    login(phone, live_server, "rep", DEMO_PASSWORD)
    day = org_today(rep)
    records = WorkRecord.objects.filter(author=rep, customer=customer)
    records_before = records.count()
    clocks_before = Clock.objects.filter(employee=rep, day=day).count()

    # the schedule: a visit to the customer planned for today
    phone.get_by_test_id("today-plan-schedule").click()  # Today's plan links the day's schedule
    form = phone.get_by_test_id("quick-add")
    form.locator("input[name=day]").fill(day.isoformat())
    form.locator("select[name=customer_id]").select_option(str(customer.pk))
    form.locator("input[name=start_time]").fill("10:00")
    form.locator("input[name=end_time]").fill("11:00")
    phone.get_by_test_id("add-item").click()
    expect(phone.get_by_test_id("day-item").filter(has_text=customer.name)).to_have_count(1)
    shot(phone, "rep-schedule")

    # Today: the plan with a check-in beside the visit, and the nearest customers, this one first
    phone.get_by_test_id("bottom-phone_today").click()
    plan = phone.get_by_test_id("today-plan-item").filter(has_text=customer.name)
    expect(plan).to_have_count(1)
    expect(plan.get_by_test_id("today-plan-check-in")).to_have_text(words["check_in"])
    expect(phone.get_by_test_id("today-plan-progress")).to_have_text(re.compile(r"^0/\d+$"))
    expect(phone.get_by_test_id("nearby-customer").first).to_contain_text(customer.name)
    expect(phone.get_by_test_id("nearby-customer").first.get_by_test_id("distance")).to_contain_text(
        "11 m" if language == "en" else "11 米"
    )
    shot(phone, "rep-today")

    # check in on site: the page says how far the rep is from the customer before the tap
    plan.get_by_test_id("today-plan-check-in").click()
    verdict = phone.get_by_test_id("check-in-verdict")
    expect(verdict).to_contain_text("11 m" if language == "en" else "11 米")
    shot(phone, "rep-check-in")
    flagged = verdict.get_attribute("data-verdict") == "flagged"
    phone.get_by_test_id("check-in").click()
    if flagged:  # a signal the demo's past trajectory raises (said before it counts): taken on a second tap
        phone.get_by_test_id("confirm-flagged").click()
    expect(phone.get_by_test_id("visit-status")).to_be_visible()
    visit = Visit.objects.filter(employee=rep, customer=customer).latest("pk")
    assert visit.checked_out_at is None
    assert visit.check_in_distance_m is not None and visit.check_in_distance_m < 20

    # the visit form: the visit type's required step (客户拜访), filled and saved
    required = phone.get_by_test_id("visit-step").filter(has=phone.get_by_test_id("fill-step")).last
    required.get_by_test_id("fill-step").click()
    expect(phone.get_by_test_id("record-form")).to_be_visible()
    phone.select_option("#id_v-purpose", "routine")
    phone.fill(
        "#id_v-outcome", "客户下月补货，报价已发。" if language == "zh-hans" else "Restocking next month; quote sent."
    )
    shot(phone, "rep-visit-form")
    phone.get_by_test_id("save-record").click()
    expect(phone.get_by_test_id("step-done").first).to_be_visible()
    # the visit lasted half an hour (the demo's visit type wants ten minutes; the test cannot wait them)
    Visit.objects.filter(pk=visit.pk).update(checked_in_at=timezone.now() - timedelta(minutes=30))
    phone.reload()
    fresh_fix(phone, near(customer))
    phone.get_by_test_id("check-out").click()
    if phone.get_by_test_id("confirm-not-effective").count():
        phone.get_by_test_id("confirm-not-effective").click()
    expect(phone.get_by_test_id("check-out")).to_have_count(0)
    expect(phone.get_by_test_id("duration")).to_be_visible()
    shot(phone, "rep-visit-done")
    phone.goto(f"{url}/today/")
    expect(phone.get_by_test_id("today-plan-item").filter(has_text=customer.name)).to_have_attribute(
        "data-state", "done"
    )

    # a work record: a call logged from Today, one tap on its result
    nearest = phone.get_by_test_id("nearby-customer").first
    expect(nearest).to_contain_text(customer.name)  # once the page has read the position (first: the rep's own)
    nearest.get_by_test_id("log-call").click()
    expect(phone.get_by_test_id("call-customer")).to_contain_text(customer.name)
    phone.locator("textarea").first.fill("约下周二送样。" if language == "zh-hans" else "Samples on Tuesday.")
    shot(phone, "rep-call")
    phone.get_by_test_id("results").locator("button").first.click()
    expect(phone.get_by_test_id("filed-record").filter(has_text=words["call"])).to_have_count(1)
    assert records.count() == records_before + 2  # the visit's report and the call

    # no signal: the call is kept on the phone and the top bar counts it; it is sent when the signal returns
    phone.goto(f"{url}/today/call/{customer.pk}/")
    outbox_ready(phone)
    phone.wait_for_load_state("networkidle")
    phone.context.set_offline(True)
    phone.locator("textarea").first.fill("电梯里没有信号。" if language == "zh-hans" else "No signal in the lift.")
    phone.get_by_test_id("results").locator("button").first.click()
    expect(phone.get_by_test_id("outbox-notice")).to_be_visible()
    expect(phone.get_by_test_id("outbox-count")).to_contain_text("1")
    phone.get_by_test_id("outbox-notice").get_by_role("link").click()
    expect(phone.get_by_test_id("outbox-item")).to_have_count(1)
    shot(phone, "rep-outbox")
    assert records.count() == records_before + 2  # not sent yet
    signal_returns(phone)
    expect(phone.get_by_test_id("outbox-empty")).to_be_visible()
    assert records.count() == records_before + 3  # sent, once

    # clock in: the demo's field group clocks anywhere and keeps the position
    phone.get_by_test_id("bottom-phone_today").click()
    phone.get_by_test_id("attendance").click()
    phone.get_by_test_id(re.compile("^clock-(in|out)$")).click()
    expect(phone.get_by_test_id("clock")).to_be_visible()
    shot(phone, "rep-clock-in")
    assert Clock.objects.filter(employee=rep, day=day).count() == clocks_before + 1

    # the daily close card: the day's figures already counted, a few lines, filed
    phone.get_by_test_id("bottom-phone_today").click()
    phone.get_by_test_id("daily-report").click()
    # (the demo may have given the rep more work today, before the test ran: at least what the walk did)
    expect(phone.get_by_test_id("fig-visits")).to_have_text(AT_LEAST_ONE)
    expect(phone.get_by_test_id("fig-done")).to_have_text(AT_LEAST_ONE)
    phone.fill("#id_v-done_today", words["card_text"])
    phone.fill("#id_v-plan_tomorrow", "送样。" if language == "zh-hans" else "Deliver the samples.")
    phone.evaluate("window.scrollTo(0, 0)")
    shot(phone, "rep-daily-card")
    boss = Employee.objects.get(org=rep.org, user__username="manager")
    phone.get_by_test_id("copy-to").locator("summary").click()
    phone.get_by_test_id("copy-to").get_by_text(boss.name).click()  # 抄送: the manager is told
    phone.get_by_test_id("file-card").click()
    expect(phone.locator(".alert-success")).to_contain_text(words["filed"])
    assert DailyCard.objects.filter(employee=rep, day=day, filed_at__isnull=False).exists()
    return visit


def manager_week(
    live_server: LiveServer,
    new_page: NewPage,
    language: str,
    shot: Callable[[Page, str], None],
    rep: Employee,
    customer: Customer,
    visit: Visit,
) -> None:
    words = WORDS[language]
    url = live_server.url
    locale = "en-US" if language == "en" else "zh-CN"
    desk = new_page(**{**DESKTOP, **ZONE, "locale": locale})
    login(desk, live_server, "manager", DEMO_PASSWORD)
    day = org_today(rep)

    def sidebar(path: str) -> None:
        desk.locator(f"aside a[href='{path}']").click()
        desk.wait_for_url(f"{url}{path}")

    # 下属日程: the rep's column says plan vs done, the visit done
    sidebar("/schedule/team/")
    column = desk.get_by_test_id("team-column").filter(has=desk.get_by_test_id("column-name").get_by_text(rep.name))
    expect(column.get_by_test_id("plan-vs-done")).to_contain_text("1")
    planned = column.get_by_test_id("team-item").filter(has_text=customer.name)
    expect(planned).to_have_count(1)
    expect(planned.get_by_test_id("state-done")).to_have_count(1)
    shot(desk, "manager-team-schedules")

    # the customer list, filtered with its controls: the team's A customers not visited for 14 days
    sidebar("/customers/")
    filters = desk.get_by_test_id("customer-filters")
    filters.locator("select[name=level]").select_option("A")
    filters.get_by_test_id("more-filters").locator("summary").click()
    filters.get_by_test_id("filter-not-visited").fill("14")
    filters.get_by_test_id("filter-submit").click()
    desk.wait_for_url(re.compile(r"not_visited=14"))
    rows = desk.get_by_test_id("customer-table").locator("tbody tr")
    expect(rows.first).to_be_visible()
    shown = []
    for n in range(min(rows.count(), 10)):
        expect(rows.nth(n).locator("td").nth(2)).to_have_text("A")
        shown.append(int(rows.nth(n).get_by_test_id(re.compile(r"choose-\d+")).get_attribute("value") or 0))
    # "not visited" is about visits; the Days since column counts any follow-up (a call too), so ask the records
    cutoff = timezone.now() - timedelta(days=14)
    visited = Customer.objects.filter(pk__in=shown, last_visited_at__gte=cutoff).values_list("name", flat=True)
    assert len(shown) == min(rows.count(), 10) and not list(visited), list(visited)
    shot(desk, "manager-customers")

    # the same filter on the map
    desk.get_by_test_id("customer-map-link").click()
    expect(desk.get_by_test_id("customer-map")).to_be_visible()
    expect(desk.locator("select[name=level]")).to_have_value("A")
    expect(desk.get_by_test_id("filter-not-visited")).to_have_value("14")
    expect(desk.get_by_test_id("map-status")).to_contain_text(re.compile(r"\d"))
    shot(desk, "manager-customer-map")

    # the team's ground: the rep's visit as one card in the team's work, with its step inside
    sidebar("/work/")
    card = desk.get_by_test_id(f"visit-card-{visit.pk}")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(customer.name)
    expect(card).to_contain_text("11 m" if language == "en" else "11 米")  # the check-in's distance
    visit.refresh_from_db()
    if visit.effective:  # the usual day (a visit flagged by the demo's own trajectory waits for review instead)
        expect(card).to_contain_text(words["effective"])
    card.evaluate("card => card.scrollIntoView({block: 'center'})")
    shot(desk, "manager-team-work")

    # the customer's page: a summary of the ground covered (the visit counted, by the rep, today)
    card.get_by_test_id(f"visit-customer-{visit.pk}").click()
    expect(desk.get_by_test_id("customer-summary")).to_be_visible()
    expect(desk.get_by_test_id("summary-last_follow_up")).to_contain_text(rep.name)
    shot(desk, "manager-customer")

    # doubtful visits to confirm or reject
    sidebar("/visits/")
    desk.get_by_test_id("review-queue-link").click()
    expect(desk.get_by_test_id("review-row").first).to_be_visible()
    expect(desk.get_by_test_id("review-row").first.get_by_test_id("review-signal").first).not_to_be_empty()
    shot(desk, "manager-visit-review")

    # the team's attendance this month: one row per person, the rep's included
    sidebar("/attendance/team/")
    expect(desk.get_by_test_id("team-row").filter(has_text=rep.name)).to_have_count(1)
    shot(desk, "manager-attendance")

    # target achievement: the branch's actual against its target, each rep's row with a status
    sidebar("/targets/achievement/")
    expect(desk.get_by_test_id("node-target").first).to_have_text(re.compile(r"\d[\d,]*\.\d\d"))
    expect(desk.get_by_test_id("child").filter(has_text=rep.name).get_by_test_id("status")).not_to_be_empty()
    shot(desk, "manager-targets")

    # the rep's card of today, copied to the manager: the bell says so and opens it, to read and score it
    desk.get_by_test_id("bell").click()
    notice = desk.get_by_test_id("notification").filter(has_text=rep.name).first
    expect(notice).to_contain_text(day.isoformat())
    notice.click()
    expect(desk.get_by_test_id("card-writeup")).to_contain_text(words["card_text"])
    expect(desk.get_by_test_id("fig-visits")).to_have_text(AT_LEAST_ONE)
    desk.get_by_test_id("review-form").locator("input[name=score][value='4']").check()
    desk.get_by_test_id("review-form").locator("textarea[name=comment]").fill(words["review"])
    shot(desk, "manager-card-review")
    desk.get_by_test_id("review-card").click()
    expect(desk.locator(".alert-success")).to_contain_text(words["reviewed"])  # and the next card to review opens
    assert DailyCard.objects.get(employee=rep, day=day).score == 4

    # the review queue: every filed card not yet scored, oldest first
    sidebar("/close/review/")
    expect(desk.get_by_test_id("queue-card").first).to_be_visible()
    expect(desk.get_by_test_id("not-filed-link")).to_be_visible()


def admin_setup(live_server: LiveServer, new_page: NewPage, language: str, shot: Callable[[Page, str], None]) -> None:
    """Every page reached by clicking, as the guide says: the sidebar, then the page's own links."""
    url = live_server.url
    locale = "en-US" if language == "en" else "zh-CN"
    desk = new_page(**{**DESKTOP, **ZONE, "locale": locale})
    login(desk, live_server, "admin", DEMO_PASSWORD)

    def sidebar(path: str) -> None:
        desk.locator(f"aside a[href='{path}']").click()
        desk.wait_for_url(f"{url}{path}")

    sidebar("/departments/")
    expect(desk.get_by_test_id("department-tree")).to_contain_text("上海分公司")
    expect(desk.get_by_test_id("new-department")).to_be_visible()
    shot(desk, "admin-departments")

    sidebar("/employees/")
    expect(desk.get_by_role("row")).to_have_count(30)  # the header and the demo's 29 people
    expect(desk.get_by_role("row").filter(has_text="吴兰英")).to_have_count(1)
    shot(desk, "admin-employees")

    sidebar("/attendance/settings/")
    expect(desk.get_by_test_id("group")).to_have_count(2)  # the demo's field staff and head office groups
    expect(desk.get_by_test_id("group-form")).to_be_attached()
    shot(desk, "admin-attendance")

    sidebar("/form-templates/")
    desk.get_by_role("link", name=re.compile("库存盘点")).first.click()
    expect(desk.get_by_test_id("field-palette")).to_be_visible()
    rows = desk.get_by_test_id("designer-row")
    before = rows.count()
    desk.get_by_test_id("field-palette").locator("[data-testid^=add-]").first.click()
    expect(rows).to_have_count(before + 1)
    expect(rows.last.get_by_test_id("field-key")).to_have_attribute("type", "hidden")  # no key to type
    shot(desk, "admin-form-designer")

    sidebar("/customers/")
    desk.get_by_test_id("import-customers").click()
    csv = "客户名称,联系电话,城市\n上海新桥五金有限公司,021-55550001,上海\n"
    spreadsheet: FilePayload = {"name": "customers.csv", "mimeType": "text/csv", "buffer": csv.encode()}
    desk.get_by_test_id("import-file").set_input_files(files=[spreadsheet])
    desk.get_by_test_id("import-check").click()
    expect(desk.get_by_test_id("import-mapping")).to_be_visible()
    expect(desk.get_by_test_id("import-mapping-select-0")).to_have_value("name")  # 客户名称 is the name
    shot(desk, "admin-import")

    sidebar("/customers/")
    desk.get_by_test_id("more-filters").locator("summary").click()
    desk.get_by_test_id("tags-link").click()
    expect(desk.get_by_test_id("tag-table")).to_contain_text("经销商")
    shot(desk, "admin-tags")

    sidebar("/customers/pools/")
    expect(desk.get_by_test_id("pool-table")).to_be_visible()
    expect(desk.get_by_test_id("new-pool")).to_be_visible()
    shot(desk, "admin-pools")

    sidebar("/targets/plans/")
    desk.get_by_test_id("plan").first.click()
    expect(desk.get_by_test_id("plan-tree")).to_be_visible()
    expect(desk.get_by_test_id("plan-status")).to_be_visible()
    expect(desk.get_by_test_id("adds-up").first).to_be_attached()
    shot(desk, "admin-target-plan")
    htmx_settled(desk)
