"""Demo doubtful visits: on the last workdays before today, a few visits are made doubtful on purpose (a
check-in moved 2.5 km off the rep's track, a device that says its position is mocked, a customer located by
its first visit), then that day's visits get their review signals from the real rules
(activities.visit_review_services.visit_signals_refresh, with tracking's trajectory checks): the managers find
them in their queue, the trajectory page links them."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from fieldloop.activities.models import Visit
from fieldloop.activities.visit_review_services import visit_signals_refresh
from fieldloop.tracking.models import TrackingSettings

from .context import DemoContext

OFF_TRACK_M = 2_500
DOUBTFUL = 3  # visits made doubtful on purpose, one of each kind
DAYS_BACK = 4  # the days before today whose visits are checked (the trajectories cover them)


def build_doubtful_visits(ctx: DemoContext) -> None:
    if ctx.org is None:
        raise ValueError("build_org runs first")
    org = ctx.org
    zone = ZoneInfo(org.time_zone)
    hours = TrackingSettings.objects.get(org=org)
    today = datetime.combine(ctx.now.astimezone(zone).date(), time.min, tzinfo=zone)
    visits = list(
        Visit.objects.filter(
            org=org, checked_in_at__gte=today - timedelta(days=DAYS_BACK), checked_in_at__lt=today
        ).order_by("-checked_in_at", "pk")
    )
    chosen: list[Visit] = []
    for visit in visits:  # the latest visit in working hours of each of the first reps found, newest first
        local = visit.checked_in_at.astimezone(zone)
        in_hours = local.isoweekday() in hours.workdays and hours.day_start <= local.time() <= hours.day_end
        if in_hours and len(chosen) < DOUBTFUL and all(v.employee_id != visit.employee_id for v in chosen):
            chosen.append(visit)
    for kind, visit in enumerate(chosen):
        if kind == 0:  # checked in from far away: off the track (and too far from the customer)
            visit.check_in_latitude = Decimal(str(round(float(visit.check_in_latitude) + OFF_TRACK_M / 111_195, 6)))
            visit.check_in_distance_m = (visit.check_in_distance_m or 0) + OFF_TRACK_M
        elif kind == 1:  # the phone says its position was mocked
            visit.check_in_mocked = True
        else:  # the customer had no location: this visit set it
            visit.located_customer = True
    Visit.objects.bulk_update(
        chosen, ["check_in_latitude", "check_in_distance_m", "check_in_mocked", "located_customer"]
    )
    visit_signals_refresh(visits)
    ctx.counts["doubtful visits"] = Visit.objects.filter(org=org, review_state="pending").count()
