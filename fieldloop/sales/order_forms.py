"""Forms of the order pages: the order (customer, dates, note), its lines and credits as sub-tables (formsets),
and the reason an amendment or a cancellation asks for. The forms parse; `order_services` checks (its field
errors land on the fields: `lines.0.quantity` on the first line's quantity)."""

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django import forms
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from fieldloop.core.errors import ServiceError
from fieldloop.core.forms import DayInput, StyledForm, add_service_error
from fieldloop.formtemplates.values_form import PickerInput

EXTRA_LINES = 2  # blank lines a new order offers (more with "Add a line")
EXTRA_CREDITS = 1


def product_widget(choices: Sequence[tuple[Any, str]]) -> forms.Widget:
    """The product picker: the catalogue's searchable picker when it has one (a `product_pick` route), else a
    select of the active products (bounded)."""
    try:
        reverse("product_pick")
    except NoReverseMatch:
        return forms.Select(choices=[("", "—"), *choices], attrs={"data-picker": "product"})
    return PickerInput("product")


class OrderForm(StyledForm):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    customer_id = forms.IntegerField(label=_("Customer"), widget=PickerInput("customer"))
    visit_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    owner_id = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False)
    signed_on = forms.DateField(label=_("Date signed"), widget=DayInput())
    starts_on = forms.DateField(label=_("Contract start"), required=False, widget=DayInput())
    ends_on = forms.DateField(label=_("Contract end"), required=False, widget=DayInput())
    renews_id = forms.TypedChoiceField(label=_("Renews"), coerce=int, required=False, empty_value=None)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self,
        *args: Any,
        owners: Sequence[tuple[int, str]] = (),
        renewable: Sequence[tuple[int, str]] = (),
        customer_fixed: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["owner_id"]).choices = list(owners)
        if len(owners) <= 1:
            self.fields["owner_id"].widget = forms.HiddenInput()
        cast(forms.ChoiceField, self.fields["renews_id"]).choices = [("", _("Nothing (not a renewal)")), *renewable]
        if not renewable:
            self.fields["renews_id"].widget = forms.HiddenInput()
        if customer_fixed:
            self.fields["customer_id"].widget = forms.HiddenInput()


class LineForm(StyledForm):
    product_id = forms.CharField(label=_("Product"), required=False)
    quantity = forms.CharField(
        label=_("Quantity"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    unit_price = forms.CharField(
        label=_("Unit price"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    discount_percent = forms.CharField(
        label=_("Discount (%)"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )

    def __init__(
        self, *args: Any, products: Sequence[tuple[Any, str]] = (), labels: Mapping[int, str] | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        widget = product_widget(products)
        if isinstance(widget, PickerInput):  # the chosen product shows its code and name, not its id
            widget.labels = dict(labels or {})
        self.fields["product_id"].widget = widget
        self.style_fields()

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(str(data.get(name) or "").strip() for name in ("product_id", "quantity", "unit_price"))


class CreditForm(StyledForm):
    """One credit: the employee from a searchable picker (`order_credit_pick`: the employees the actor sees and
    the actor's teammates, `order_selectors.creditable_employees`) and the share."""

    employee_id = forms.IntegerField(label=_("Employee"), required=False, widget=PickerInput("order_credit"))
    share_percent = forms.CharField(
        label=_("Share (%)"), required=False, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )

    def __init__(self, *args: Any, labels: Mapping[int, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(PickerInput, self.fields["employee_id"].widget).labels = dict(labels or {})

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return data.get("employee_id") is None and not str(data.get("share_percent") or "").strip()


LineFormSet = forms.formset_factory(LineForm, extra=0, max_num=200, validate_max=True)
CreditFormSet = forms.formset_factory(CreditForm, extra=0, max_num=20, validate_max=True)


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


def rows_of(formset: forms.BaseFormSet) -> list[tuple[int, forms.Form]]:
    """The filled rows of a sub-table, with their index among the filled ones (the service's `lines.<i>`)."""
    return [(i, form) for i, form in enumerate(f for f in formset.forms if not f.is_blank())]


def add_order_error(
    form: forms.Form, lines: forms.BaseFormSet, credits: forms.BaseFormSet, error: ServiceError
) -> None:
    """A service's refusal on the right field: `lines.<i>.<field>` and `credits.<i>.<field>` on the sub-tables'
    rows, `lines`/`credits` above their table, the rest on the order's form."""
    rest: dict[str, list[Any]] = {}
    for name, messages in error.fields.items():
        table, _dot, tail = name.partition(".")
        formset = {"lines": lines, "credits": credits}.get(table)
        if formset is None:
            rest[name] = messages
            continue
        index, _dot, field = tail.partition(".")
        filled = [f for f in formset.forms if not f.is_blank()]
        if index.isdigit() and int(index) < len(filled) and field in filled[int(index)].fields:
            for message in messages:
                filled[int(index)].add_error(field, str(message))
        else:
            formset.table_errors = [*getattr(formset, "table_errors", []), *map(str, messages)]  # type: ignore[attr-defined]
    if rest or not error.fields:
        add_service_error(form, ServiceError(error.code, error.message, rest))


def new_client_id() -> uuid.UUID:
    return uuid.uuid4()
