from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "fieldloop.activities"
    label = "activities"
    verbose_name = _("Work records")

    def ready(self) -> None:
        from .timeline import register
        from .visits import register_notices

        register()
        register_notices()
