"""HTML forms of schedule items: what a page posts, parsed; the rules are the services'."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldloop.core.forms import DayInput, StyledForm

from .models import Frequency, ItemKind
from .services import Recurrence

WEEKDAYS = [
    (0, _("Mon")), (1, _("Tue")), (2, _("Wed")), (3, _("Thu")), (4, _("Fri")), (5, _("Sat")), (6, _("Sun")),
]  # fmt: skip


class ItemForm(StyledForm):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    employee_id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=2**63 - 1)
    day = forms.DateField(label=_("Day"), widget=DayInput())
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices, initial=ItemKind.VISIT)
    customer_id = forms.TypedChoiceField(label=_("Customer"), coerce=int, required=False, empty_value=None)
    start_time = forms.TimeField(
        label=_("Starts at"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Ends at"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    title = forms.CharField(
        label=_("Title"), required=False, max_length=120, widget=forms.TextInput(attrs={"placeholder": _("Title")})
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("Notes")}),
    )  # fmt: skip
    repeat = forms.ChoiceField(
        label=_("Repeat"), required=False, choices=[("", _("Does not repeat")), *Frequency.choices]
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("On"), required=False, coerce=int, choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    ends_on = forms.DateField(label=_("Until"), required=False, widget=DayInput())
    count = forms.IntegerField(label=_("Or times"), required=False, min_value=1, max_value=500)

    def __init__(self, *args: Any, customers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer_id"].choices = [("", "—"), *customers]  # type: ignore[attr-defined]
        self.fields["weekdays"].widget.attrs["class"] = "form-check-input"

    def recurrence(self) -> Recurrence | None:
        data = self.cleaned_data
        if not data.get("repeat"):
            return None
        return Recurrence(
            frequency=data["repeat"], weekdays=data.get("weekdays") or [], ends_on=data.get("ends_on"),
            count=data.get("count"),
        )  # fmt: skip


class EditForm(StyledForm):
    day = forms.DateField(label=_("Day"), widget=DayInput())
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices)
    customer_id = forms.TypedChoiceField(label=_("Customer"), coerce=int, required=False, empty_value=None)
    start_time = forms.TimeField(
        label=_("Starts at"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label=_("Ends at"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    title = forms.CharField(label=_("Title"), required=False, max_length=120)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, customers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer_id"].choices = [("", "—"), *customers]  # type: ignore[attr-defined]


class MoveForm(forms.Form):
    """The calendar's drop: a new day, and the start and end the item now has (empty: untimed)."""

    day = forms.DateField()
    start_time = forms.TimeField(required=False)
    end_time = forms.TimeField(required=False)
    timed = forms.BooleanField(required=False)  # whether the times are sent at all (a drop on a day keeps them)


class DoneForm(StyledForm):
    note = forms.CharField(label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
