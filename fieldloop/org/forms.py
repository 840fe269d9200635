"""HTML forms of the org app: they parse; services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldloop.core.forms import DayInput, StyledForm

from .models import DataScope, Department, Employee, Language, Role


class SignupForm(StyledForm):
    org_name = forms.CharField(label=_("Company name"), max_length=120)
    admin_name = forms.CharField(label=_("Your name"), max_length=80)
    admin_phone = forms.CharField(label=_("Your phone"), max_length=32)
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)
    time_zone = forms.CharField(label=_("Time zone"), initial="Asia/Shanghai", max_length=64)
    currency = forms.CharField(label=_("Currency"), initial="CNY", max_length=3)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices, initial=Language.ZH_HANS)


class OrganizationForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    time_zone = forms.CharField(label=_("Time zone"), max_length=64)
    currency = forms.CharField(label=_("Currency"), max_length=3)
    language = forms.ChoiceField(label=_("Default language"), choices=Language.choices)
    export_roles = forms.MultipleChoiceField(
        label=_("Roles that may export customers"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("Administrators always may."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for role in Role:
            self.fields[f"scope_{role.value}"] = forms.ChoiceField(
                label=role.label, choices=DataScope.choices, required=True
            )
        self.style_fields()

    def data_scopes(self) -> dict[str, str]:
        return {role.value: self.cleaned_data[f"scope_{role.value}"] for role in Role}


def department_choices(org_id: int) -> list[tuple[int, str]]:
    return [
        (d.pk, "\u3000" * d.depth + d.name)
        for d in Department.objects.filter(org_id=org_id, archived_at__isnull=True).order_by("path")
    ]


def employee_choices(org_id: int) -> list[tuple[str, str]]:
    rows = Employee.objects.filter(org_id=org_id).active().order_by("name").values_list("pk", "name", "employee_number")
    return [("", "—")] + [(str(pk), f"{name} {number}".strip()) for pk, name, number in rows]


class DepartmentForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=120)
    parent_id = forms.TypedChoiceField(label=_("Parent department"), coerce=int)
    manager_id = forms.TypedChoiceField(
        label=pgettext_lazy("department head", "Manager"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, org_id: int, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent_id"].choices = department_choices(org_id)  # type: ignore[attr-defined]
        self.fields["manager_id"].choices = employee_choices(org_id)  # type: ignore[attr-defined]
        if editing:
            del self.fields["parent_id"]


class DepartmentMoveForm(StyledForm):
    parent_id = forms.TypedChoiceField(label=_("New parent department"), coerce=int)

    def __init__(self, *args: Any, org_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent_id"].choices = department_choices(org_id)  # type: ignore[attr-defined]


class EmployeeForm(StyledForm):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=80)
    phone = forms.CharField(label=_("Phone"), max_length=32)
    employee_number = forms.CharField(label=_("Employee number"), max_length=32, required=False)
    department_id = forms.TypedChoiceField(label=_("Department"), coerce=int)
    manager_id = forms.TypedChoiceField(label=_("Reports to"), coerce=int, required=False, empty_value=None)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.REP)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, max_length=128)

    def __init__(self, *args: Any, org_id: int, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department_id"].choices = department_choices(org_id)  # type: ignore[attr-defined]
        self.fields["manager_id"].choices = employee_choices(org_id)  # type: ignore[attr-defined]
        if editing:
            del self.fields["username"]
            del self.fields["password"]


class ResetPasswordForm(StyledForm):
    new_password = forms.CharField(label=_("New password"), widget=forms.PasswordInput, max_length=128)


class PasswordChangeForm(StyledForm):
    old_password = forms.CharField(label=_("Current password"), widget=forms.PasswordInput, max_length=128)
    new_password = forms.CharField(label=_("New password"), widget=forms.PasswordInput, max_length=128)


class LanguageForm(StyledForm):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)


class ApiTokenForm(StyledForm):
    name = forms.CharField(label=_("Token name"), max_length=80)
    expires_on = forms.DateField(label=_("Expires on"), required=False, widget=DayInput())
