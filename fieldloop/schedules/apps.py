from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulesConfig(AppConfig):
    name = "fieldloop.schedules"
    label = "schedules"
    verbose_name = _("Schedules")

    def ready(self) -> None:
        from .hooks import register

        register()
