"""A locked plan's revision from the page: several months of a department and its members (and of other
departments, kept as a draft while the planner moves between them) submitted as one revision with a reason; the
quarters and years follow their months; refused, with nothing written, without a reason, when the plan would not
add up or when a month is not a number; planners only."""

import pytest

from fieldloop.org.tests.factories import EmployeeFactory
from fieldloop.targets.models import TargetRevision, TargetValue

from .helpers import a_plan, locked_plan

pytestmark = pytest.mark.django_db


def url(plan):
    return f"/targets/plans/{plan.pk}/revise/"


def value_of(plan, period, **node):
    return TargetValue.objects.get(plan=plan, period=period, **node).target


def snapshot(plan):
    rows = TargetValue.objects.filter(plan=plan).values_list("department_id", "employee_id", "period", "target")
    return sorted(rows, key=str)


def test_a_planner_moves_a_month_between_two_reps_as_one_revision(cast):
    """Rex's May 10 → 6, Ria's 10 → 14: 上海 still 20; both reps' Q2 and year follow; six changes, one reason."""
    plan = locked_plan(cast)
    director = cast.client_for(cast.director)
    page = director.get(url(plan) + f"?node=d{cast.shanghai.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'name="c-e{cast.rep.pk}-M5"' in html and f'name="c-d{cast.shanghai.pk}-M5"' in html
    assert (
        f'data-testid="column-d{cast.shanghai.pk}"' in html and "data-parent-gap" in html
    )  # the parent (销售部) and its gap
    r = director.post(
        url(plan),
        {"node": f"d{cast.shanghai.pk}", "tier": "target", "action": "submit", "reason": "Rex 五月休假",
         f"c-e{cast.rep.pk}-M5": "6", f"c-e{cast.rep2.pk}-M5": "14", f"c-e{cast.rep.pk}-M6": "10.00"},
    )  # fmt: skip
    assert r.status_code == 302 and r["Location"].startswith(f"/targets/plans/{plan.pk}/")
    assert value_of(plan, "M5", employee=cast.rep) == 6 and value_of(plan, "Q2", employee=cast.rep) == 26
    assert value_of(plan, "Y", employee=cast.rep) == 116 and value_of(plan, "Y", employee=cast.rep2) == 124
    assert value_of(plan, "M5", department=cast.shanghai) == 20
    revisions = TargetRevision.objects.filter(plan=plan)
    assert revisions.count() == 6
    assert {r.reason for r in revisions} == {"Rex 五月休假"} and {r.author_id for r in revisions} == {cast.director.pk}
    assert revisions.get(employee=cast.rep, period="Y").old_value == 120
    # the plan page shows the history: who, node, period, old → new, reason
    history = director.get(f"/targets/plans/{plan.pk}/").content.decode()
    assert history.count('data-testid="revision"') == 6 and "Rex 五月休假" in history and "Dora" in history
    assert "120 → 116" in history


def test_a_revision_across_two_branches_is_kept_as_a_draft_while_moving_between_them(cast):
    """January: 5 from Rex (上海) to Ben (北京); both branches change, 销售部 stays 25: typed on two screens."""
    plan = locked_plan(cast)
    director = cast.client_for(cast.director)
    shanghai = {f"c-e{cast.rep.pk}-M1": "5", f"c-d{cast.shanghai.pk}-M1": "15"}
    r = director.post(url(plan), {"node": f"d{cast.beijing.pk}", "tier": "target", "action": "check", **shanghai})
    html = r.content.decode()
    assert r.status_code == 200 and not TargetRevision.objects.exists()
    assert f'type="hidden" name="c-e{cast.rep.pk}-M1" value="5"' in html  # kept while 北京 is on screen
    assert 'data-testid="problems"' in html and "销售部 · M1 · 目标：25.00，下级合计 20" in html
    r = director.post(
        url(plan),
        {"node": f"d{cast.beijing.pk}", "tier": "target", "action": "submit", "reason": "客户划到北京",
         **shanghai, f"c-e{cast.other_branch_rep.pk}-M1": "10", f"c-d{cast.beijing.pk}-M1": "10"},
    )  # fmt: skip
    assert r.status_code == 302
    assert TargetRevision.objects.filter(plan=plan).count() == 12  # four nodes, each M1, Q1 and Y
    assert value_of(plan, "Y", department=cast.beijing) == 65 and value_of(plan, "Y", department=cast.shanghai) == 235
    assert value_of(plan, "M1", department=cast.sales) == 25


def test_without_a_reason_nothing_is_written(cast):
    plan = locked_plan(cast)
    before = snapshot(plan)
    r = cast.client_for(cast.director).post(
        url(plan),
        {"node": f"d{cast.shanghai.pk}", "action": "submit", "reason": " ",
         f"c-e{cast.rep.pk}-M5": "6", f"c-e{cast.rep2.pk}-M5": "14"},
    )  # fmt: skip
    html = r.content.decode()
    assert r.status_code == 400 and 'data-testid="error-reason"' in html
    assert f'name="c-e{cast.rep.pk}-M5" data-col' in html and 'value="6"' in html  # what was typed is still there
    assert snapshot(plan) == before and not TargetRevision.objects.exists()


def test_a_revision_that_does_not_add_up_lists_the_places_and_writes_nothing(cast):
    """Rex +4 in May alone: 上海 (and above it) no longer equal their members."""
    plan = locked_plan(cast)
    before = snapshot(plan)
    r = cast.client_for(cast.director).post(
        url(plan),
        {"node": f"d{cast.shanghai.pk}", "action": "submit", "reason": "多给 Rex", f"c-e{cast.rep.pk}-M5": "14"},
    )
    html = r.content.decode()
    assert r.status_code == 400 and 'data-testid="form-error"' in html
    assert (
        "上海分公司 · M5 · 目标：20.00，下级合计 24" in html and "上海分公司 · Y · 目标：240.00，下级合计 244" in html
    )
    assert snapshot(plan) == before and not TargetRevision.objects.exists()


def test_a_month_that_is_not_a_number_is_shown_on_its_cell(cast):
    plan = locked_plan(cast)
    before = snapshot(plan)
    r = cast.client_for(cast.director).post(
        url(plan),
        {"node": f"d{cast.shanghai.pk}", "action": "submit", "reason": "x", f"c-e{cast.rep.pk}-M5": "-4",
         f"c-e{cast.rep2.pk}-M5": "abc"},
    )  # fmt: skip
    html = r.content.decode()
    assert r.status_code == 400 and html.count('data-testid="cell-error"') == 2
    assert "目标值不能为负数。" in html and "请输入数字。" in html
    assert snapshot(plan) == before and not TargetRevision.objects.exists()


def test_nothing_changed_is_not_a_revision(cast):
    plan = locked_plan(cast)
    r = cast.client_for(cast.director).post(
        url(plan), {"node": f"d{cast.shanghai.pk}", "action": "submit", "reason": "x", f"c-e{cast.rep.pk}-M5": "10"}
    )
    assert r.status_code == 400 and not TargetRevision.objects.exists()


@pytest.mark.parametrize("who", ["manager", "rep"])
def test_managers_and_reps_may_not_revise(cast, who):
    plan = locked_plan(cast)
    before = snapshot(plan)
    client = cast.client_for(getattr(cast, who))
    assert client.get(url(plan)).status_code == 403
    r = client.post(
        url(plan),
        {"node": f"d{cast.shanghai.pk}", "action": "submit", "reason": "x",
         f"c-e{cast.rep.pk}-M5": "6", f"c-e{cast.rep2.pk}-M5": "14"},
    )  # fmt: skip
    assert r.status_code == 403 and snapshot(plan) == before and not TargetRevision.objects.exists()
    assert 'data-testid="revise-link"' not in client.get(f"/targets/plans/{plan.pk}/").content.decode()


def test_a_draft_plan_is_edited_directly(cast):
    plan = a_plan(cast)
    r = cast.client_for(cast.admin).get(url(plan))
    assert r.status_code == 302 and r["Location"] == f"/targets/plans/{plan.pk}/"


def test_the_locked_plan_page_offers_the_revision_instead_of_inputs(cast):
    plan = locked_plan(cast)
    html = cast.client_for(cast.director).get(f"/targets/plans/{plan.pk}/").content.decode()
    assert 'data-testid="revise-link"' in html and f'data-testid="revise-d{cast.shanghai.pk}"' in html
    assert 'name="v-' not in html and 'data-testid="save"' not in html


def test_in_english(cast):
    plan = locked_plan(cast)
    cast.director.language = "en"
    cast.director.save(update_fields=["language"])
    director = cast.client_for(cast.director)
    html = director.get(url(plan) + f"?node=d{cast.shanghai.pk}").content.decode()
    assert "Revise the plan" in html and "Parent’s gap" in html and "Save the revision" in html
    r = director.post(url(plan), {"node": f"d{cast.shanghai.pk}", "action": "submit", "reason": "",
                                  f"c-e{cast.rep.pk}-M5": "6", f"c-e{cast.rep2.pk}-M5": "14"})  # fmt: skip
    assert r.status_code == 400 and "A locked plan changes only through a revision: say why." in r.content.decode()


def test_the_page_runs_the_same_queries_for_five_or_fifty_people(cast):
    plan = locked_plan(cast)
    director = cast.client_for(cast.director)
    director.get(url(plan))

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            r = director.post(url(plan), {"node": f"d{cast.shanghai.pk}", "action": "check",
                                          f"c-e{cast.rep.pk}-M5": "6", f"c-e{cast.rep2.pk}-M5": "14"})  # fmt: skip
            assert r.status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(45):
        EmployeeFactory.create(department=cast.beijing if i % 2 else cast.shanghai, name=f"新人{i}")
    assert count() == few


def test_choosing_another_tier_starts_its_own_draft(cast):
    """A month typed for the target is not carried over as a sprint value when the planner switches tier."""
    plan = locked_plan(cast, tiers=2)
    director = cast.client_for(cast.director)
    typed = {"node": f"d{cast.shanghai.pk}", f"c-e{cast.rep.pk}-M5": "6", f"c-e{cast.rep2.pk}-M5": "14"}
    kept = director.post(url(plan), {**typed, "action": "check", "tier": "target", "draft_tier": "target"})
    assert 'data-testid="revision-changes"' in kept.content.decode()
    switched = director.post(url(plan), {**typed, "action": "check", "tier": "sprint", "draft_tier": "target"})
    html = switched.content.decode()
    assert switched.status_code == 200 and 'data-testid="revision-changes"' not in html
    assert 'name="draft_tier" value="sprint"' in html
