from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "fieldloop.targets"
    label = "targets"
    verbose_name = _("Targets")

    def ready(self) -> None:
        from fieldloop.customers.handover import register_handover_follower

        from . import plan_services
        from .achievement_services import register_notices

        # a leaver's remaining months of target go to the successor with the customers
        register_handover_follower("targets.plans", plan_services.targets_follow_handover)
        register_notices()
