from django import forms
from django.utils.translation import gettext_lazy as _

from fieldloop.core.forms import StyledForm

from .models import ReviewState
from .visit_review_services import MAX_REASON


class ReviewForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(ReviewState.CONFIRMED, _("Confirm")), (ReviewState.REJECTED, _("Reject"))],
    )
    reason = forms.CharField(label=_("Reason for rejection"), required=False, max_length=MAX_REASON)
