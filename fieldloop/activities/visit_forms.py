"""Forms of the visit pages: check-in (type, customer, the phone's position fix), check-out, visit types."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldloop.core.forms import StyledForm
from fieldloop.formtemplates.values_form import PickerInput, picker_labels
from fieldloop.org.models import Role

from .models import DistanceMode
from .visits import MAX_STEPS

STEP_ROWS = MAX_STEPS  # at most this many step rows; the page shows the steps there are and one empty row
NEW_ROW = "__i__"  # the index in the names of the page's template row, replaced by the next one when added


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


class CheckOutForm(PositionForm):
    # Set by the page's second tap ("End the visit anyway") when the visit will not be effective.
    confirm_not_effective = forms.BooleanField(required=False, widget=forms.HiddenInput)


class CheckInForm(PositionForm):
    # Set by the page's second tap ("Check in anyway") when the check-in will be flagged.
    confirm_flagged = forms.BooleanField(required=False, widget=forms.HiddenInput)
    visit_type_id = forms.TypedChoiceField(label=_("Visit type"), coerce=int, choices=())
    customer_id = forms.IntegerField(label=_("Customer"), required=False, widget=PickerInput("customer"))

    def __init__(self, *args: object, types: list[tuple[int, str]], org_id: int, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.fields["visit_type_id"].choices = types  # type: ignore[attr-defined]
        picker_labels(self, org_id)


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
        self.max_steps = STEP_ROWS
        self.step_count = self._step_count()
        for i in range(self.step_count):
            self.fields[f"step_{i}"], self.fields[f"step_{i}_optional"] = self._step_fields(templates, i + 1)
        self._new_row = self._step_fields(templates, None)
        self.style_fields()
        self.fields["department_ids"].choices = departments  # type: ignore[attr-defined]
        self.fields["copied_ids"].choices = employees  # type: ignore[attr-defined]
        for name in ("department_ids", "roles", "copied_ids"):
            self.fields[name].widget.attrs.update({"class": "form-select", "size": "6"})

    @staticmethod
    def _step_fields(templates: list[tuple[int, str]], number: int | None) -> tuple[forms.Field, forms.Field]:
        step = forms.TypedChoiceField(
            label=_("Step %(n)d") % {"n": number} if number else _("Step"), coerce=int, required=False,
            empty_value=None, choices=[("", "—"), *templates],
        )  # fmt: skip
        step.widget.attrs["class"] = "form-select"
        optional = forms.BooleanField(label=_("optional"), required=False)
        optional.widget.attrs["class"] = "form-check-input"
        return step, optional

    def _step_count(self) -> int:
        """Rows to read: those posted (the page adds rows); unposted, the type's steps and one empty row."""
        if self.is_bound:
            posted = [int(k[5:]) for k in self.data if k.startswith("step_") and k[5:].isdigit()]
            return min(max(posted, default=0) + 1, STEP_ROWS)
        filled = [k for k in self.initial if k.startswith("step_") and k[5:].isdigit()]
        return min(len(filled) + 1, STEP_ROWS)

    def step_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"step_{i}"], self[f"step_{i}_optional"]) for i in range(self.step_count)]

    def new_step_row(self) -> tuple[forms.BoundField, forms.BoundField]:
        """The template row the page clones to add a step (its names carry NEW_ROW for the index)."""
        step, optional = self._new_row
        return step.get_bound_field(self, f"step_{NEW_ROW}"), optional.get_bound_field(self, f"step_{NEW_ROW}_optional")

    def values(self) -> dict[str, object]:
        data = dict(self.cleaned_data)
        steps = []
        for i in range(self.step_count):
            template_id, optional = data.pop(f"step_{i}", None), data.pop(f"step_{i}_optional", False)
            if template_id is not None:
                steps.append({"template_id": template_id, "required": not optional})
        data["steps"] = steps
        return data
