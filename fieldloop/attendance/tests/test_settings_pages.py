"""The settings page's whitelist (白名单) and workday calendar rows: an administrator takes a person off the
whitelist or deletes a holiday / make-up workday from the page (htmx: the row goes, a message says what follows;
a plain form: the page again with the message), through the same services as the API; managers and reps are
refused, and a row that is not there any more is not found, with the reason."""

import html
from datetime import timedelta

import pytest

from conftest import Cast
from fieldloop.attendance import services
from fieldloop.attendance.models import CalendarDay, DailyStatus, DayStatus, StatsExemption

from .helpers import a_group

pytestmark = pytest.mark.django_db

EN = {"Accept-Language": "en"}
HTMX = {"HX-Request": "true"}


def remove_url(employee_id: int) -> str:
    return f"/attendance/settings/whitelist/{employee_id}/remove/"


def delete_url(day: object) -> str:
    return f"/attendance/settings/calendar/{day}/delete/"


def test_the_page_offers_each_current_entry_and_each_day_with_a_confirmation(cast: Cast) -> None:
    today = services.local_today(cast.org)
    StatsExemption.objects.create(org=cast.org, employee=cast.rep, effective_from=today - timedelta(days=9),
                                  added_by=cast.admin)  # fmt: skip
    StatsExemption.objects.create(org=cast.org, employee=cast.rep2, effective_from=today - timedelta(days=9),
                                  effective_until=today - timedelta(days=2), added_by=cast.admin)  # fmt: skip
    holiday = today.replace(month=10, day=1)
    services.calendar_day_set(actor=cast.admin, day=holiday, kind="holiday", name="国庆")
    page = html.unescape(cast.client_for(cast.admin).get("/attendance/settings/", headers=EN).content.decode())
    assert f'hx-post="{remove_url(cast.rep.pk)}"' in page
    assert remove_url(cast.rep2.pk) not in page  # an entry already ended has nothing to remove
    assert page.count('data-testid="whitelist-remove"') == 1
    assert f"将 {cast.rep.name} 移出白名单？明天起重新计入统计。" in page
    assert f'hx-post="{delete_url(holiday.isoformat())}"' in page and 'data-testid="calendar-delete"' in page
    assert "？该日将恢复按每周班次上班。" in page
    assert 'id="settings-messages"' in page


def test_an_administrator_takes_a_rep_off_the_whitelist_and_the_row_goes(cast: Cast) -> None:
    today = services.local_today(cast.org)
    StatsExemption.objects.create(org=cast.org, employee=cast.rep, effective_from=today - timedelta(days=3),
                                  added_by=cast.admin)  # fmt: skip
    r = cast.client_for(cast.admin).post(remove_url(cast.rep.pk), headers={**HTMX, **EN})
    assert r.status_code == 200
    body = r.content.decode()
    assert StatsExemption.objects.get(employee=cast.rep).effective_until == today  # left out today still
    # the row as it now is (ended today, nothing to remove), then the message out of band
    row, message = body.split('<div id="settings-messages" hx-swap-oob="true"')
    assert 'data-testid="whitelist-entry"' in row and remove_url(cast.rep.pk) not in row
    assert f"{cast.rep.name} · " in row and " – " in row  # "from <day> - <today>"
    assert "已移出白名单：明天起重新计入统计。" in message
    page = cast.client_for(cast.admin).get("/attendance/settings/").content.decode()
    assert remove_url(cast.rep.pk) not in page


def test_an_entry_not_yet_in_effect_goes_altogether(cast: Cast) -> None:
    services.exemption_add(actor=cast.admin, employee_id=cast.rep.pk)  # from tomorrow
    r = cast.client_for(cast.admin).post(remove_url(cast.rep.pk), headers={**HTMX, **EN})
    assert r.status_code == 200 and not StatsExemption.objects.filter(employee=cast.rep).exists()
    # the list's "—" (it was the only entry) and the message out of band
    assert r.content.decode().startswith('<span class="text-secondary">—</span><div id="settings-messages"')


def test_without_htmx_the_form_comes_back_to_the_page_with_the_message(cast: Cast) -> None:
    services.exemption_add(actor=cast.admin, employee_id=cast.rep.pk)  # from tomorrow: removing it forgets it
    admin = cast.client_for(cast.admin)
    r = admin.post(remove_url(cast.rep.pk), follow=True, headers=EN)
    assert r.redirect_chain == [("/attendance/settings/", 302)]
    assert "已移出白名单" in r.content.decode()
    assert not StatsExemption.objects.filter(employee=cast.rep).exists()


def test_an_administrator_deletes_a_holiday_and_the_days_statuses_follow_the_shifts_again(cast: Cast) -> None:
    a_group(cast.admin, [cast.sales.pk])  # 9:00-18:00 every day
    yesterday = services.local_today(cast.org) - timedelta(days=1)
    services.calendar_day_set(actor=cast.admin, day=yesterday, kind="holiday", name="公司假日")
    services.all_orgs_close_days(day=yesterday)
    assert DailyStatus.objects.get(employee=cast.rep, day=yesterday).status == DayStatus.REST
    r = cast.client_for(cast.admin).post(delete_url(yesterday.isoformat()), headers={**HTMX, **EN})
    assert r.status_code == 200 and "已恢复按每周班次上班。" in r.content.decode()
    assert r.content.decode().startswith('<span class="text-secondary">—</span>')  # the list is empty now
    assert not CalendarDay.objects.filter(org=cast.org).exists()
    assert DailyStatus.objects.get(employee=cast.rep, day=yesterday).status == DayStatus.ABSENT  # no clock


@pytest.mark.parametrize("who", ["manager", "rep", "director"])
def test_only_administrators_remove_rows_of_the_settings(cast: Cast, who: str) -> None:
    today = services.local_today(cast.org)
    StatsExemption.objects.create(org=cast.org, employee=cast.rep, effective_from=today - timedelta(days=3),
                                  added_by=cast.admin)  # fmt: skip
    services.calendar_day_set(actor=cast.admin, day=today, kind="holiday")
    client = cast.client_for(getattr(cast, who))
    assert client.post(remove_url(cast.rep.pk), headers=HTMX).status_code == 403
    assert client.post(delete_url(today.isoformat())).status_code == 403
    assert StatsExemption.objects.get(employee=cast.rep).effective_until is None
    assert CalendarDay.objects.filter(org=cast.org, day=today).exists()


def test_a_row_already_gone_is_not_found_with_the_reason(cast: Cast) -> None:
    admin = cast.client_for(cast.admin)
    gone = admin.post(
        remove_url(cast.rep.pk), headers={**HTMX, **EN}
    )  # nobody put Rex on the whitelist (or was quicker)
    assert gone.status_code == 404 and gone["HX-Refresh"] == "true"  # htmx reloads the page, with the reason
    assert "此人不在白名单中。" in admin.get("/attendance/settings/", headers=EN).content.decode()
    plain = admin.post(remove_url(cast.rep.pk), follow=True, headers=EN)
    assert plain.redirect_chain == [("/attendance/settings/", 302)]
    assert "此人不在白名单中。" in plain.content.decode()
    other_org = admin.post(remove_url(cast.outsider.pk), headers={**HTMX, **EN})
    assert other_org.status_code == 404 and cast.outsider.name not in other_org.content.decode()
    nothing = "该日未设置法定节假日或调休上班。"
    for day in ("2026-10-01", "2026-02-30", "yesterday", "2026-1-1"):
        assert admin.post(delete_url(day), headers=HTMX).status_code == 404, day
        assert nothing in admin.post(delete_url(day), follow=True, headers=EN).content.decode(), day
