from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# what the export log (org/export_log.py) calls the customer list's filters an export was made with
EXPORT_FILTER_LABELS = {
    "search": _("Search"),
    "owner_id": _("Owner"),
    "level": _("Level"),
    "stage_id": _("Stage"),
    "include_archived": _("Archived"),
    "expiring": _("Returning to the pool soon"),
    "not_visited_days": _("Not visited for N days"),
    "in_pool": _("In the pool"),
}


class CustomersConfig(AppConfig):
    name = "fieldloop.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from fieldloop.formtemplates import references
        from fieldloop.org.defaults import register_defaults
        from fieldloop.org.export_log import register_export_action

        from .handover import register as register_handover
        from .notices import register as register_notices
        from .references import contact_labels, contact_visible, customer_labels, customer_visible
        from .services import customer_defaults_create

        register_defaults("customers.stages_and_rules", customer_defaults_create)
        register_handover()
        register_export_action("customers.export", _("Customers"), EXPORT_FILTER_LABELS)
        register_notices()
        references.register("customer", customer_visible, customer_labels)
        references.register("contact", contact_visible, contact_labels)
