from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "fieldloop.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from fieldloop.formtemplates import references

        from .references import product_labels, product_visible

        references.register("product", product_visible, product_labels)
