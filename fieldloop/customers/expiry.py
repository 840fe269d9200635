"""The owner's warning before protection ends: a daily digest per owner, from the nightly job."""

import math
import zoneinfo
from datetime import datetime, timedelta

from django.db.models import Count, Max
from django.utils import timezone

from fieldloop.core import progress
from fieldloop.notifications.services import notify_many
from fieldloop.org.models import Organization

from . import notices
from .models import Customer, CustomerPool
from .selectors import protection_ending


def all_orgs_warn_protection_ending(*, now: datetime | None = None) -> int:
    """Warn each owner whose customers' protection ends within their pool's `notify_days_before`: one
    notification per owner per day (the organization's day), however often the job runs that day.
    Customers already expired, or in a stage their pool keeps, are not counted. Returns how many
    owners were warned (or had already been warned today)."""
    now = now or timezone.now()
    windows_by_org: dict[int, list[tuple[int, int]]] = {}
    pools = CustomerPool.objects.filter(notify_days_before__gt=0).order_by("org_id", "pk")
    for org_id, pool_id, days in pools.values_list("org_id", "pk", "notify_days_before"):
        windows_by_org.setdefault(org_id, []).append((pool_id, days))
    zones = dict(Organization.objects.filter(pk__in=windows_by_org).values_list("pk", "time_zone"))
    warned = 0
    for org_id, windows in progress.track(windows_by_org.items(), label="organizations warned"):  # a query each
        day = timezone.localtime(now, zoneinfo.ZoneInfo(zones[org_id])).date().isoformat()
        owners = (
            Customer.objects.filter(protection_ending(windows=windows, now=now), org_id=org_id)
            .values("owner_id")
            .annotate(count=Count("id"), last=Max("protected_until"))
            .order_by("owner_id")
        )
        batch = [
            notices.protection_ending_notice(
                org_id=org_id, owner_id=row["owner_id"], count=row["count"], days=_days_until(row["last"], now), day=day
            )
            for row in owners
        ]
        notify_many(batch)
        warned += len(batch)
    return warned


def _days_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now) / timedelta(days=1)))
