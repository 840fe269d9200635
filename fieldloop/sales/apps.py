from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "fieldloop.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from fieldloop.customers.duplicates import on_customer_merged, rows_moved
        from fieldloop.customers.panels import register_customer_panel
        from fieldloop.formtemplates import references

        from . import order_hooks
        from .contracts import register_notices
        from .customer_panel import sales_panel
        from .models import Order
        from .references import product_labels, product_visible

        references.register("product", product_visible, product_labels)
        register_notices()
        register_customer_panel("sales.contract_and_receivable", sales_panel)
        order_hooks.register()
        on_customer_merged("orders", rows_moved(Order), _("Orders moved"))
