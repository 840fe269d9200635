from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulesConfig(AppConfig):
    name = "fieldloop.schedules"
    label = "schedules"
    verbose_name = _("Schedules")

    def ready(self) -> None:
        from fieldloop.activities.today import register_today_section
        from fieldloop.org.defaults import register_defaults
        from fieldloop.org.waiting import Queue, leaders_queue, register_waiting

        from . import plan_hooks
        from .card_notices import register as register_card_notices
        from .card_selectors import review_queue as card_review_queue
        from .card_services import close_defaults_create
        from .customer_summary import register as register_customer_summary
        from .hooks import register
        from .today import today_card_tile, today_plan

        register()
        register_customer_summary()
        plan_hooks.register()
        register_card_notices()
        register_defaults("schedules.daily_close_settings", close_defaults_create)
        register_today_section("schedules.today_plan", today_plan)
        register_today_section("schedules.today_card_tile", today_card_tile)
        register_waiting(
            "schedules.card_review",
            Queue(_("Daily close reviews"), "daily_card_review_queue", leaders_queue(card_review_queue)),
        )
