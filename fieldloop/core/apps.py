from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "fieldloop.core"
    label = "core"
    verbose_name = "Core"
