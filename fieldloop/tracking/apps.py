from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "fieldloop.tracking"
    label = "tracking"
    verbose_name = _("Location tracking")

    def ready(self) -> None:
        from fieldloop.activities.visit_review import register_signal_source
        from fieldloop.org.defaults import register_defaults
        from fieldloop.org.workhours import on_working_hours_changed

        from .services import quality_expected_refresh, tracking_defaults_create
        from .visit_checks import trajectory_signals

        register_defaults("tracking.settings", tracking_defaults_create)
        on_working_hours_changed("tracking.quality", quality_expected_refresh)
        register_signal_source("tracking.trajectory", trajectory_signals)
