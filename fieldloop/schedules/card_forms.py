"""HTML forms of the daily close: they parse; card_services decides."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldloop.core.forms import StyledForm
from fieldloop.org.models import Employee

from .cards import MAX_COMMENT

WEEKDAYS = [
    (0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")), (4, _("Friday")),
    (5, _("Saturday")), (6, _("Sunday")),
]  # fmt: skip


class ColleaguesField(forms.TypedMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=int, required=False, **kwargs)


def colleague_choices(people: Any) -> list[tuple[int, str]]:
    return [(e.pk, e.name) for e in people]


class CardFileForm(StyledForm):
    """Filing a card: the write-up is a TemplateValuesForm of the daily-report template beside this one."""

    client_id = forms.UUIDField(widget=forms.HiddenInput)
    copy_to = ColleaguesField(label=_("Copy to"))

    def __init__(self, *args: Any, colleagues: list[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["copy_to"].choices = colleague_choices(colleagues)  # type: ignore[attr-defined]
        self.fields["copy_to"].widget.attrs["class"] = "form-check-input"


class CardCopyForm(StyledForm):
    employee_ids = ColleaguesField(label=_("Copy to"))

    def __init__(self, *args: Any, colleagues: list[Employee], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["employee_ids"].choices = colleague_choices(colleagues)  # type: ignore[attr-defined]
        self.fields["employee_ids"].widget.attrs["class"] = "form-check-input"


class CardReviewForm(StyledForm):
    score = forms.TypedChoiceField(
        label=_("Score"), coerce=int, choices=[(n, str(n)) for n in range(1, 6)], widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["score"].widget.attrs["class"] = "form-check-input"


class CloseSettingsForm(StyledForm):
    deadline_time = forms.TimeField(label=_("Card deadline"), widget=forms.TimeInput(attrs={"type": "time"}))
    deadline_next_day = forms.BooleanField(
        label=_("The deadline is the next morning"), required=False,
        help_text=_("Unchecked: the deadline is on the day itself."),
    )  # fmt: skip
    working_weekdays = forms.TypedMultipleChoiceField(
        label=_("Working days"), coerce=int, choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    remind_before_minutes = forms.IntegerField(
        label=_("Remind before an item starts (minutes)"), min_value=0, max_value=1440, help_text=_("0: no reminder.")
    )
    plan_reminder_time = forms.TimeField(
        label=_("Remind reps with nothing planned for tomorrow at"), required=False,
        widget=forms.TimeInput(attrs={"type": "time"}), help_text=_("Empty: no reminder."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["working_weekdays"].widget.attrs["class"] = "form-check-input"
