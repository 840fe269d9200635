from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "fieldloop.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from . import order_hooks

        order_hooks.register()
