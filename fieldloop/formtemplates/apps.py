from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormTemplatesConfig(AppConfig):
    name = "fieldloop.formtemplates"
    label = "formtemplates"
    verbose_name = _("Form templates")

    def ready(self) -> None:
        from fieldloop.org.defaults import register_defaults

        from .services import customer_template_create

        register_defaults("formtemplates.customer_template", customer_template_create)
