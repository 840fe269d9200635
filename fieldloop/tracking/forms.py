from django import forms
from django.utils.translation import gettext_lazy as _

from fieldloop.core.forms import StyledForm

WEEKDAYS = [
    (1, _("Monday")), (2, _("Tuesday")), (3, _("Wednesday")), (4, _("Thursday")), (5, _("Friday")),
    (6, _("Saturday")), (7, _("Sunday")),
]  # fmt: skip


class TrackingSettingsForm(StyledForm):
    enabled = forms.BooleanField(label=_("Track field staff's positions in working hours"), required=False)
    interval_seconds = forms.IntegerField(label=_("Interval (seconds)"), min_value=30, max_value=3600)
    day_start = forms.TimeField(label=_("Working hours start"), widget=forms.TimeInput(attrs={"type": "time"}))
    day_end = forms.TimeField(label=_("Working hours end"), widget=forms.TimeInput(attrs={"type": "time"}))
    workdays = forms.TypedMultipleChoiceField(
        label=_("Workdays"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    stop_minutes = forms.IntegerField(label=_("A stop lasts at least (minutes)"), min_value=1, max_value=240)
    stop_radius_m = forms.IntegerField(label=_("A stop stays within (metres)"), min_value=10, max_value=2000)
    gap_minutes = forms.IntegerField(
        label=_("A gap longer than this is unverified (minutes)"), min_value=1, max_value=720
    )
    customer_radius_m = forms.IntegerField(
        label=_("A stop is at a customer within (metres)"), min_value=10, max_value=5000
    )
    poor_accuracy_m = forms.IntegerField(
        label=_("A point less accurate than this is grey (metres)"), min_value=5, max_value=5000
    )
