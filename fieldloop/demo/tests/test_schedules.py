"""The demo's schedules: every rep plans, most planned visits are done by their check-in, some are missed, some
visits were unplanned, and the week ahead is planned."""

from django.db.models import Count

from fieldloop.activities.models import Visit
from fieldloop.demo.company import build_demo_company
from fieldloop.org.models import Employee, Role
from fieldloop.schedules.models import ItemKind, ItemState, ScheduleItem, ScheduleSeries
from fieldloop.schedules.services import all_orgs_close_schedule_days, org_today


def test_every_rep_has_months_of_plans_with_a_realistic_completion(db):
    ctx = build_demo_company(size="small", seed=5)
    reps = set(Employee.objects.filter(role=Role.REP).values_list("pk", flat=True))
    planners = set(ScheduleItem.objects.values_list("employee_id", flat=True).distinct())
    assert reps <= planners
    visits = ScheduleItem.objects.filter(kind=ItemKind.VISIT)
    by_state = dict(visits.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    assert by_state[ItemState.DONE] > 4 * by_state[ItemState.MISSED] > 0 and by_state[ItemState.CANCELLED] > 0
    linked = visits.filter(fulfilled_visit__isnull=False).count()
    assert Visit.objects.filter(customer__isnull=False).count() > linked > 0.7 * by_state[ItemState.DONE]
    assert ScheduleSeries.objects.count() == len(reps)
    assert ScheduleItem.objects.filter(state=ItemState.PLANNED, day__gt=org_today(ctx.employees[0])).exists()
    # nothing of the past is left planned: the nightly close finds nothing to do
    assert sum(all_orgs_close_schedule_days().values()) == 0
