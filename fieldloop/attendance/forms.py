"""Forms of the attendance pages: the clock (hidden position fields filled by js/visit_geo.js), requests,
a decision, and the administrators' small forms."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldloop.core.forms import DayInput, StyledForm

from .models import ClockKind, DayKind, Half, LeaveType, RequestKind

WEEKDAYS = [(0, _("Mon")), (1, _("Tue")), (2, _("Wed")), (3, _("Thu")), (4, _("Fri")), (5, _("Sat")), (6, _("Sun"))]


class ClockForm(StyledForm):
    kind = forms.ChoiceField(choices=ClockKind.choices, widget=forms.HiddenInput)
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    captured_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    accuracy = forms.CharField(required=False, widget=forms.HiddenInput)
    fix_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    mocked = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reread = forms.CharField(required=False, widget=forms.HiddenInput)


class RequestForm(StyledForm):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Type"), choices=RequestKind.choices)
    employee_id = forms.TypedChoiceField(label=_("Employee"), coerce=int, required=False, empty_value=None, choices=())
    leave_type = forms.ChoiceField(label=_("Leave type"), choices=[("", "—"), *LeaveType.choices], required=False)
    start_day = forms.DateField(label=_("From"), required=False, widget=DayInput())
    start_half = forms.ChoiceField(label=_("From half"), choices=Half.choices, initial=Half.AM)
    end_day = forms.DateField(label=_("To"), required=False, widget=DayInput())
    end_half = forms.ChoiceField(label=_("To half"), choices=Half.choices, initial=Half.PM)
    clock_kind = forms.ChoiceField(label=_("Missing clock"), choices=[("", "—"), *ClockKind.choices], required=False)
    clock_at = forms.DateTimeField(label=_("Time of the missing clock"), required=False,
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))  # fmt: skip
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, employees: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.fields["employee_id"].choices = [("", _("Myself")), *employees]  # type: ignore[attr-defined]


class DecisionForm(StyledForm):
    approve = forms.TypedChoiceField(
        coerce=lambda v: v == "1", choices=[("1", "1"), ("0", "0")], widget=forms.HiddenInput
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class GroupForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=60)
    field_staff = forms.BooleanField(label=_("Field staff: clock in anywhere, position recorded"), required=False)
    department_ids = forms.TypedMultipleChoiceField(label=_("Departments (with sub-departments)"), coerce=int,
                                                    required=False, choices=())  # fmt: skip
    employee_ids = forms.TypedMultipleChoiceField(label=_("People"), coerce=int, required=False, choices=())

    def __init__(self, *args: object, departments: list[tuple[int, str]], employees: list[tuple[int, str]],
                 **kwargs: object):  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["department_ids"].choices = departments  # type: ignore[attr-defined]
        self.fields["employee_ids"].choices = employees  # type: ignore[attr-defined]


class ShiftForm(StyledForm):
    group_id = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=60)
    weekdays = forms.TypedMultipleChoiceField(label=_("Weekdays"), coerce=int, choices=WEEKDAYS,
                                              widget=forms.CheckboxSelectMultiple, initial=[0, 1, 2, 3, 4])  # fmt: skip
    start = forms.TimeField(label=_("Start"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("End"), widget=forms.TimeInput(attrs={"type": "time"}),
                          help_text=_("An end before the start is a night shift, ending the next day."))  # fmt: skip
    late_grace_minutes = forms.IntegerField(label=_("Late grace (minutes)"), initial=0, min_value=0)
    early_grace_minutes = forms.IntegerField(label=_("Early-leave grace (minutes)"), initial=0, min_value=0)
    flex_minutes = forms.IntegerField(label=_("Flexible start (minutes)"), initial=0, min_value=0)


class PlaceForm(StyledForm):
    group_id = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=60)
    latitude = forms.CharField(label=_("Latitude"))
    longitude = forms.CharField(label=_("Longitude"))
    radius_m = forms.IntegerField(label=_("Radius (metres)"), initial=200)


class CalendarDayForm(StyledForm):
    day = forms.DateField(label=_("Day"), widget=DayInput())
    kind = forms.ChoiceField(label=_("Kind"), choices=DayKind.choices)
    name = forms.CharField(label=_("Name"), max_length=60, required=False)
    as_weekday = forms.TypedChoiceField(label=_("Works like"), coerce=int, choices=WEEKDAYS, initial=0)


class ExemptionForm(StyledForm):
    employee_id = forms.TypedChoiceField(label=_("Employee"), coerce=int, choices=())

    def __init__(self, *args: object, employees: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.fields["employee_id"].choices = employees  # type: ignore[attr-defined]
