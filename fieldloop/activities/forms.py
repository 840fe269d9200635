"""HTML forms of the activities app: they parse; services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldloop.core.errors import ServiceError
from fieldloop.core.forms import StyledForm, add_service_error
from fieldloop.customers.models import Customer
from fieldloop.formtemplates.values_form import PickerInput, picker_labels
from fieldloop.org.models import Employee

from .services import MAX_COMMENT_LENGTH, MAX_EDIT_WINDOW_HOURS


class RecordForm(StyledForm):
    """What a record is about: the customer (and contact). The template's own fields are a TemplateValuesForm."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    # When the phone captured the record (filled by static/js/outbox.js; a record kept offline is sent later).
    captured_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    customer_id = forms.IntegerField(label=_("Customer"), required=False, widget=PickerInput("customer"))
    contact_id = forms.IntegerField(label=_("Contact"), required=False, widget=PickerInput("contact"))

    def __init__(
        self,
        *args: Any,
        actor: Employee,
        customer: Customer | None,
        about_customer: bool = True,
        fixed: bool = False,
        **kwargs: Any,
    ) -> None:
        """`about_customer`: False for a daily report (about the day). `fixed`: the customer is the visit's, shown
        and sent but not chosen (the service refuses another)."""
        super().__init__(*args, **kwargs)
        self.customer_fixed = fixed and customer is not None and about_customer
        if self.customer_fixed:
            self.fields["customer_id"].widget = forms.HiddenInput()
        if not about_customer:
            del self.fields["customer_id"], self.fields["contact_id"]
        elif customer is not None:
            self.fields["customer_id"].initial = customer.pk
            self.fields["contact_id"].widget = PickerInput("contact", params={"customer": customer.pk})
        else:
            del self.fields["contact_id"]
        picker_labels(self, actor.org_id)


def add_record_error(record_form: forms.Form, values_form: forms.Form, error: ServiceError) -> None:
    """A refused create or edit: `values.<key>` errors go to the template's fields, the rest to the record form."""
    values_errors = {k.removeprefix("values."): v for k, v in error.fields.items() if k.startswith("values.")}
    other = {k: v for k, v in error.fields.items() if not k.startswith("values.")}
    if values_errors:
        add_service_error(values_form, ServiceError(error.code, error.message, values_errors))
    if other or not values_errors:
        add_service_error(record_form, ServiceError(error.code, error.message, other))


class CommentForm(StyledForm):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    parent_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    body = forms.CharField(
        label=_("Comment"),
        max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Write a comment…")}),
    )


class ActivitySettingsForm(StyledForm):
    edit_window_hours = forms.IntegerField(
        label=_("Authors may edit a record for (hours)"),
        min_value=0,
        max_value=MAX_EDIT_WINDOW_HOURS,
        help_text=_("0: records cannot be edited after they are filed. Every edit keeps a history."),
    )
