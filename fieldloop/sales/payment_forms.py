"""HTML forms of payments, payment plans, receivables and the sales settings: they parse; payment_services
decides (amounts above zero, not above what is outstanding, ...)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldloop.core.forms import DayInput, StyledForm


def _amount_field(**kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, **kwargs)


class PaymentForm(StyledForm):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    amount = _amount_field()
    received_on = forms.DateField(label=_("Received on"), widget=DayInput)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class InstalmentForm(StyledForm):
    due_on = forms.DateField(label=_("Due on"), widget=DayInput)
    amount = _amount_field()
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


InstalmentFormSet = forms.formset_factory(InstalmentForm, extra=2, max_num=60, validate_max=True, can_delete=True)


class PaymentCorrectForm(StyledForm):
    amount = _amount_field()
    received_on = forms.DateField(label=_("Received on"), widget=DayInput)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class PaymentDeleteForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class SalesSettingsForm(StyledForm):
    contract_reminder_days = forms.IntegerField(
        label=_("Remind owners of contracts ending within (days)"),
        min_value=0,
        max_value=365,
        help_text=_("0: no reminders. The owner is reminded once per contract."),
    )


class ReceivablesFilterForm(StyledForm):
    by = forms.ChoiceField(
        label=_("Show"), choices=[("order", _("By order")), ("customer", _("By customer"))], required=False
    )
    owner_id = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)
    department_id = forms.TypedChoiceField(label=_("Department"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, owners: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].choices = [("", _("Everyone"))] + [(e.pk, e.name) for e in owners]  # type: ignore[attr-defined]
        self.fields["department_id"].choices = [("", _("All departments"))] + [  # type: ignore[attr-defined]
            (d.pk, d.name) for d in departments
        ]
