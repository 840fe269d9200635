from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "fieldloop.targets"
    label = "targets"
    verbose_name = _("Targets")

    def ready(self) -> None:
        from .achievement_services import register_notices

        register_notices()
