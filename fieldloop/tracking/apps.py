from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "fieldloop.tracking"
    label = "tracking"
    verbose_name = _("Location tracking")

    def ready(self) -> None:
        from fieldloop.activities.visit_review import register_signal_source
        from fieldloop.org.defaults import register_defaults

        from .services import tracking_defaults_create
        from .visit_checks import trajectory_signals

        register_defaults("tracking.settings", tracking_defaults_create)
        register_signal_source("tracking.trajectory", trajectory_signals)
