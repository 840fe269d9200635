"""What schedules registers with the apps below it (called from SchedulesConfig.ready)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy, ngettext

from fieldloop.activities.hooks import register_after_check_in, register_after_record_create
from fieldloop.customers.duplicates import on_customer_merged, rows_moved
from fieldloop.customers.handover import register_handover_follower
from fieldloop.org.departures import Holding, register_holding

from . import services
from .models import ScheduleItem, ScheduleSeries


def register() -> None:
    register_after_check_in("schedules.fulfil", services.fulfil_by_visit)
    register_after_record_create("schedules.fulfil", services.fulfil_by_record)
    register_handover_follower("schedules.items", services.items_follow_handover)
    on_customer_merged("schedule_items", rows_moved(ScheduleItem), gettext_lazy("Schedule items moved"))
    on_customer_merged("schedule_series", rows_moved(ScheduleSeries), gettext_lazy("Repeating schedules moved"))
    register_holding(
        "schedules",
        Holding(
            label=lambda n: ngettext("%(n)d planned schedule item", "%(n)d planned schedule items", n) % {"n": n},
            count=services.open_items_count,
            # the customer handover chooses the successors; the items follow their customers
            handover_url=lambda e: reverse("customer_handover", kwargs={"employee_id": e.pk}),
        ),
    )
