from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FormTemplatesConfig(AppConfig):
    name = "fieldloop.formtemplates"
    label = "formtemplates"
    verbose_name = _("Form templates")
