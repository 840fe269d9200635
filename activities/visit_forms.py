"""Forms of the visit pages: check-in (type, customer, the phone's position fix), check-out, visit types."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StyledForm
from org.models import Role

from .models import DistanceMode

STEP_ROWS = 6


class PositionForm(StyledForm):
    """The hidden fields the page's script fills from navigator.geolocation; checked by the service."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    captured_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    accuracy = forms.CharField(required=False, widget=forms.HiddenInput)
    fix_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    mocked = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reread = forms.CharField(required=False, widget=forms.HiddenInput)


class CheckInForm(PositionForm):
    visit_type_id = forms.TypedChoiceField(label=_("Visit type"), coerce=int, choices=())
    customer_id = forms.TypedChoiceField(label=_("Customer"), coerce=int, required=False, empty_value=None, choices=())

    def __init__(self, *args: object, types: list[tuple[int, str]], customers: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)
        self.fields["visit_type_id"].choices = types  # type: ignore[attr-defined]
        self.fields["customer_id"].choices = [("", "—"), *customers]  # type: ignore[attr-defined]


class VisitTypeForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=60)
    name_en = forms.CharField(label=_("English name"), max_length=60, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    department_ids = forms.TypedMultipleChoiceField(
        label=_("Departments (with sub-departments); none: all"), coerce=int, required=False, choices=()
    )
    roles = forms.MultipleChoiceField(label=_("Roles; none: all"), required=False, choices=Role.choices)
    max_distance_m = forms.IntegerField(label=_("Allowed check-in distance (metres)"), required=False, min_value=1)
    distance_mode = forms.ChoiceField(label=_("When farther"), choices=DistanceMode.choices)
    photo_required = forms.BooleanField(label=_("Photo required"), required=False)
    customer_required = forms.BooleanField(label=_("Customer required"), required=False, initial=True)
    min_duration_minutes = forms.IntegerField(
        label=_("Minimum duration of an effective visit (minutes)"), min_value=0, initial=0
    )
    check_out_required = forms.BooleanField(label=_("Check-out required"), required=False, initial=True)
    copied_ids = forms.TypedMultipleChoiceField(label=_("Copied"), coerce=int, required=False, choices=())

    def __init__(
        self,
        *args: object,
        templates: list[tuple[int, str]],
        departments: list[tuple[int, str]],
        employees: list[tuple[int, str]],
        **kwargs: object,
    ):
        super().__init__(*args, **kwargs)
        for i in range(STEP_ROWS):
            self.fields[f"step_{i}"] = forms.TypedChoiceField(
                label=_("Step %(n)d") % {"n": i + 1}, coerce=int, required=False, empty_value=None,
                choices=[("", "—"), *templates],
            )  # fmt: skip
            self.fields[f"step_{i}_optional"] = forms.BooleanField(label=_("optional"), required=False)
        self.style_fields()
        self.fields["department_ids"].choices = departments  # type: ignore[attr-defined]
        self.fields["copied_ids"].choices = employees  # type: ignore[attr-defined]
        for name in ("department_ids", "roles", "copied_ids"):
            self.fields[name].widget.attrs.update({"class": "form-select", "size": "6"})

    def step_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"step_{i}"], self[f"step_{i}_optional"]) for i in range(STEP_ROWS)]

    def values(self) -> dict[str, object]:
        data = dict(self.cleaned_data)
        steps = []
        for i in range(STEP_ROWS):
            template_id, optional = data.pop(f"step_{i}", None), data.pop(f"step_{i}_optional", False)
            if template_id is not None:
                steps.append({"template_id": template_id, "required": not optional})
        data["steps"] = steps
        return data
