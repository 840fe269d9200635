"""What visit plans register with the apps below them (called from SchedulesConfig.ready)."""

from django.utils.translation import gettext_lazy

from fieldloop.activities.hooks import register_after_record_create, register_after_record_update
from fieldloop.customers.duplicates import on_customer_merged
from fieldloop.org.defaults import register_defaults

from . import plan_services


def register() -> None:
    register_defaults("schedules.visit_frequencies", plan_services.visit_frequency_defaults_create)
    register_after_record_create("schedules.next_visit", plan_services.next_visit_from_record)
    register_after_record_update("schedules.next_visit", plan_services.next_visit_follow_edit)
    on_customer_merged(
        "visit_frequency", plan_services.visit_frequency_follows_merge, gettext_lazy("Own visit frequency moved")
    )
