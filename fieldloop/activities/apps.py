from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "fieldloop.activities"
    label = "activities"
    verbose_name = _("Work records")

    def ready(self) -> None:
        from fieldloop.customers.duplicates import on_customer_merged, rows_moved
        from fieldloop.org.defaults import register_defaults

        from .builtin import activity_defaults_create
        from .ground import register as register_ground
        from .models import Visit, WorkRecord
        from .summary import register as register_summary
        from .timeline import register
        from .visit_review import register_review_notices
        from .visits import register_notices

        register_defaults("activities.settings_and_builtin_templates", activity_defaults_create)
        register()
        register_ground()
        register_summary()
        register_notices()
        register_review_notices()
        on_customer_merged("visits", rows_moved(Visit), _("Visits moved"))
        on_customer_merged("work_records", rows_moved(WorkRecord), _("Work records moved"))
