from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo company builder: the one app that may import every other."""

    name = "fieldloop.demo"
    label = "demo"
    verbose_name = _("Demo data")
