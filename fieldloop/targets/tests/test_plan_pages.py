"""The plan pages: the editor shows parent, children's sum and gap; edits, spreads, lock and revisions through
the forms; read-only for everyone else; constant queries whatever the number of people."""

import pytest

from fieldloop.org.tests.factories import EmployeeFactory
from fieldloop.targets.models import PlanStatus, TargetPlan, TargetRevision, TargetValue

from .helpers import a_plan, locked_plan

pytestmark = pytest.mark.django_db


def test_an_admin_creates_a_plan_and_lands_on_its_suggestions(cast):
    admin = cast.client_for(cast.admin)
    r = admin.post("/targets/plans/", {"name": "2026 回款", "metric": "payments", "fiscal_year": 2026, "tiers": 1})
    plan = TargetPlan.objects.get(org=cast.org)
    assert r.status_code == 302 and r["Location"] == f"/targets/plans/{plan.pk}/suggestions/"
    page = admin.get(r["Location"])
    assert page.status_code == 200 and "华东机械" in page.content.decode()


def test_the_settings_page_saves_the_start_month_and_reminder_days(cast):
    admin = cast.client_for(cast.admin)
    assert (
        admin.post("/targets/settings/", {"fiscal_year_start_month": 7, "reminder_weekdays": [0, 4]}).status_code == 302
    )
    assert admin.get("/api/v1/target-settings").json() == {"fiscal_year_start_month": 7, "reminder_weekdays": [0, 4]}
    assert cast.client_for(cast.rep).get("/targets/settings/").status_code == 403


def test_the_editor_shows_the_gap_and_saves_a_grid_in_one_go(cast):
    plan = a_plan(cast)
    admin = cast.client_for(cast.admin)
    url = f"/targets/plans/{plan.pk}/?period=Y"
    r = admin.post(url, {"action": "save", "period": "Y", "tier": "target", f"v-d{cast.shanghai.pk}": "300",
                         f"v-e{cast.rep.pk}": "120", f"v-e{cast.rep2.pk}": "100"})  # fmt: skip
    assert r.status_code == 302
    page = admin.get(url).content.decode()
    assert 'data-testid="problems"' in page
    row = page.split(f'data-testid="node-d{cast.shanghai.pk}"')[1].split("</tr>")[0]
    assert ">220<" in row and ">80<" in row  # members' sum 120 + 100, gap 300 - 220


def test_a_bad_cell_is_shown_on_that_cell_and_nothing_is_saved(cast):
    plan = a_plan(cast)
    cells = {"action": "save", "period": "Y", "tier": "target", f"v-e{cast.rep.pk}": "12", f"v-e{cast.rep2.pk}": "-3"}
    r = cast.client_for(cast.admin).post(f"/targets/plans/{plan.pk}/", cells)
    assert r.status_code == 400
    page = r.content.decode()
    assert 'data-testid="cell-error"' in page and "目标值不能为负数。" in page
    assert not TargetValue.objects.exists()


def test_spread_buttons_and_the_lock(cast):
    plan = a_plan(cast)
    admin = cast.client_for(cast.admin)
    url = f"/targets/plans/{plan.pk}/"
    admin.post(url, {"action": "save", "period": "Y", "tier": "target", f"v-d{cast.root.pk}": "1200"})
    assert (
        admin.post(url, {"spread": f"spread_down:equal:d{cast.root.pk}", "period": "Y", "tier": "target"}).status_code
        == 302
    )
    assert (
        admin.post(
            url, {"spread": f"spread_time:seasonality:d{cast.root.pk}", "period": "Y", "tier": "target"}
        ).status_code
        == 302
    )
    assert admin.post(url, {"action": "lock", "period": "Y", "tier": "target"}).status_code == 302
    assert TargetPlan.objects.get(pk=plan.pk).status == PlanStatus.LOCKED


def test_locking_an_inconsistent_plan_lists_the_places(cast):
    plan = a_plan(cast)
    admin = cast.client_for(cast.admin)
    admin.post(
        f"/targets/plans/{plan.pk}/", {"action": "save", "period": "Y", "tier": "target", f"v-d{cast.root.pk}": "5"}
    )
    r = admin.post(f"/targets/plans/{plan.pk}/", {"action": "lock", "period": "Y", "tier": "target"})
    assert r.status_code == 400
    assert "华东机械 · Y · 目标：5.00，下级合计 0" in r.content.decode()


def test_a_locked_plan_refuses_a_one_period_save_and_shows_the_history(cast):
    plan = locked_plan(cast)
    admin = cast.client_for(cast.admin)
    url = f"/targets/plans/{plan.pk}/"
    # Ria's M5 target goes from 10 to 14 and Rex's from 10 to 6: the quarters would not follow...
    cells = {"action": "save", "period": "M5", "tier": "target", f"v-e{cast.rep.pk}": "6", f"v-e{cast.rep2.pk}": "14"}
    r = admin.post(url, {**cells, "reason": "Rex 五月休假"})
    assert r.status_code == 400 and "Rex · Q2" in r.content.decode()  # Q2 30, its months 26
    assert not TargetRevision.objects.exists()
    # ...so the revision page sends the months, quarters and years at once (test_revision_page.py); the API too
    from fieldloop.targets import plan_services

    move = [{"employee_id": e.pk, "period": p, "target": v} for e, p, v in (
        (cast.rep, "M5", 6), (cast.rep, "Q2", 26), (cast.rep, "Y", 116),
        (cast.rep2, "M5", 14), (cast.rep2, "Q2", 34), (cast.rep2, "Y", 124))]  # fmt: skip
    plan_services.plan_values_set(actor=cast.admin, plan_id=plan.pk, values=move, reason="Rex 五月休假")
    page = admin.get(url + "?period=M5").content.decode()
    assert page.count('data-testid="revision"') == 6 and "Rex 五月休假" in page


def test_the_read_only_view_for_a_rep_has_no_inputs(cast):
    plan = locked_plan(cast)
    page = cast.client_for(cast.rep).get(f"/targets/plans/{plan.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and 'name="v-' not in html and "Ben" not in html
    assert cast.client_for(cast.rep).post(f"/targets/plans/{plan.pk}/", {"action": "lock"}).status_code == 403
    assert cast.client_for(cast.rep).get(f"/targets/plans/{plan.pk}/suggestions/").status_code == 403


def test_the_editor_runs_the_same_queries_for_five_or_fifty_people(cast, django_assert_max_num_queries):
    plan = locked_plan(cast)
    admin = cast.client_for(cast.admin)
    admin.get(f"/targets/plans/{plan.pk}/")  # warm the session and the caches

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert admin.get(f"/targets/plans/{plan.pk}/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(45):
        EmployeeFactory.create(department=cast.beijing if i % 2 else cast.shanghai, name=f"新人{i}")
    assert count() == few
    with django_assert_max_num_queries(few):
        admin.get(f"/targets/plans/{plan.pk}/suggestions/")
