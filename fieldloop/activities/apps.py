from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "fieldloop.activities"
    label = "activities"
    verbose_name = _("Work records")

    def ready(self) -> None:
        from fieldloop.customers.duplicates import on_customer_merged, rows_moved
        from fieldloop.org.defaults import register_defaults
        from fieldloop.org.waiting import Queue, leaders_queue, register_waiting

        from .builtin import activity_defaults_create
        from .ground import register as register_ground
        from .models import Visit, WorkRecord
        from .summary import register as register_summary
        from .timeline import register
        from .visit_review import register_review_notices
        from .visit_review_selectors import review_queue
        from .visits import register_notices

        register_defaults("activities.settings_and_builtin_templates", activity_defaults_create)
        register()
        register_ground()
        register_summary()
        register_notices()
        register_review_notices()
        register_waiting(
            "activities.visit_review", Queue(_("Doubtful visits"), "visit_review_queue", leaders_queue(review_queue))
        )
        on_customer_merged("visits", rows_moved(Visit), _("Visits moved"))
        on_customer_merged("work_records", rows_moved(WorkRecord), _("Work records moved"))
