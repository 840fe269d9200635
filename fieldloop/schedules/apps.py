from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchedulesConfig(AppConfig):
    name = "fieldloop.schedules"
    label = "schedules"
    verbose_name = _("Schedules")

    def ready(self) -> None:
        from . import plan_hooks
        from .hooks import register

        register()
        plan_hooks.register()
