"""The designer pages' own forms (a template's fields are edited by `designer.py`; a version is filled in through
`values_form.TemplateValuesForm`)."""

from django import forms
from django.utils.translation import gettext_lazy

from fieldloop.core.forms import StyledForm

from .models import Purpose


class TemplateCreateForm(StyledForm):
    purpose = forms.ChoiceField(label=gettext_lazy("Purpose"), choices=Purpose.choices, initial=Purpose.VISIT)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    name_en = forms.CharField(label=gettext_lazy("English name"), max_length=120, required=False)
    description = forms.CharField(
        label=gettext_lazy("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
