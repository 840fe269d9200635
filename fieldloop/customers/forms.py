"""HTML forms of the customers app: they parse; services decide."""

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fieldloop.core.forms import DayInput, StyledForm
from fieldloop.org.models import Employee
from fieldloop.org.permissions import Permission, has_permission
from fieldloop.org.selectors import visible_employees

from . import credit_code
from .models import CustomerLevel, CustomerPool, CustomerSource, CustomerStage, DuplicateAction, Tag, TagColour


class ServiceCheckedChoiceField(forms.TypedChoiceField):
    """A select whose choices are read only to render it (lazily): the service decides whether the value
    submitted is allowed (customers.services._clean checks the stage and the owner), so a valid POST reads
    no choices at all."""

    def valid_value(self, value: Any) -> bool:
        return True


class ServiceCheckedTagsField(forms.TypedMultipleChoiceField):
    """The customer's tags: any ids are accepted here, the service checks they are the organization's and
    active (`customers.tags.tags_for_customer`), so a valid POST reads no choices."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit() and len(str(value)) < 12


class CustomerForm(StyledForm):
    name = forms.CharField(label=pgettext_lazy("company", "Name"), max_length=120)
    short_name = forms.CharField(label=_("Short name"), max_length=40, required=False)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=30, required=False)
    industry = forms.CharField(label=_("Industry"), max_length=60, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=CustomerLevel.choices, initial=CustomerLevel.C)
    stage_id = ServiceCheckedChoiceField(label=_("Stage"), coerce=int)
    source = forms.ChoiceField(label=_("Source"), choices=CustomerSource.choices, initial=CustomerSource.OTHER)
    phone = forms.CharField(label=pgettext_lazy("company", "Phone"), max_length=32, required=False)
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    province = forms.CharField(label=_("Province"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=20, required=False)
    district = forms.CharField(label=_("District"), max_length=20, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    latitude = forms.DecimalField(label=_("Latitude"), required=False, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("Longitude"), required=False, max_digits=10, decimal_places=6)
    tag_ids = ServiceCheckedTagsField(
        label=_("Tags"), coerce=int, required=False, help_text=_("Hold Ctrl (⌘ on a Mac) to choose several.")
    )
    owner_id = ServiceCheckedChoiceField(label=_("Owner"), coerce=int)
    client_id = forms.UUIDField(widget=forms.HiddenInput, required=False)
    allow_duplicates = forms.BooleanField(label=_("It is a different company: save it anyway"), required=False)

    def __init__(self, *args: Any, actor: Employee, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # active stages, and the customer's own even if it has been deactivated since
        current = Q(pk=self.initial["stage_id"]) if self.initial.get("stage_id") else Q(pk__in=[])
        stages = CustomerStage.objects.filter(Q(is_active=True) | current, org_id=actor.org_id)
        people = visible_employees(actor=actor).active().order_by("name").values_list("pk", "name")
        # callables: read when the form is rendered, not when a POST is validated
        self.fields["stage_id"].choices = lambda: [(s.pk, s.label(language)) for s in stages]  # type: ignore[attr-defined]
        self.fields["owner_id"].choices = lambda: list(people)  # type: ignore[attr-defined]
        # active tags, and the customer's own even if archived since
        kept = Q(pk__in=self.initial.get("tag_ids") or [])
        tags = Tag.objects.filter(Q(archived_at__isnull=True) | kept, org_id=actor.org_id).order_by("group", "name")
        self.fields["tag_ids"].choices = lambda: [  # type: ignore[attr-defined]
            (t.pk, f"{t.group} · {t.name}" if t.group else t.name) for t in tags
        ]
        self.fields["tag_ids"].widget.attrs.update({"class": "form-select", "size": "6", "data-testid": "tag-picker"})

    SECTIONS = (
        (_("Basic information"), ("name", "short_name", "credit_code", "industry", "level", "stage_id", "source")),
        (_("Ownership"), ("owner_id", "tag_ids")),
        (_("Contact and location"), ("phone", "website", "province", "city", "district", "address")),
        (_("Coordinates"), ("latitude", "longitude")),
    )

    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def clean_credit_code(self) -> str:
        code = credit_code.normalise(self.cleaned_data["credit_code"])
        if code and not credit_code.is_valid(code):
            raise forms.ValidationError(
                _("This is not a valid unified social credit code (18 characters, check digit).")
            )
        return code


class ContactForm(StyledForm):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60)
    title = forms.CharField(label=_("Title"), max_length=60, required=False)
    mobile = forms.CharField(label=_("Mobile"), max_length=32, required=False)
    phone = forms.CharField(label=_("Office phone"), max_length=32, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    wechat = forms.CharField(label=_("WeChat"), max_length=60, required=False)
    birthday = forms.DateField(label=_("Birthday"), required=False, widget=DayInput())
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_primary = forms.BooleanField(label=_("Primary contact"), required=False)
    client_id = forms.UUIDField(widget=forms.HiddenInput)


class ContactEditForm(ContactForm):
    """A contact's page: its fields. The primary contact's box is fixed: another contact is made primary instead."""

    client_id = None  # type: ignore[assignment]

    def __init__(self, *args: Any, primary: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if primary:
            field = self.fields["is_primary"]
            field.disabled = True
            field.help_text = _("To change it, make another contact of this customer the primary one.")


class PoolForm(StyledForm):
    name = forms.CharField(label=pgettext_lazy("pool", "Name"), max_length=60)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    protection_days = forms.IntegerField(label=_("Protection days after claim"), min_value=0, max_value=10_000)
    extension_days = forms.IntegerField(label=_("Extension days after a follow-up"), min_value=0, max_value=10_000)
    max_protection_days = forms.IntegerField(label=_("Maximum protection days"), min_value=0, max_value=10_000)
    notify_days_before = forms.IntegerField(label=_("Warn the owner days before return"), min_value=0, max_value=365)
    daily_claim_limit = forms.IntegerField(label=_("Claims per rep per day"), min_value=0, max_value=10_000)
    holding_cap = forms.IntegerField(label=_("Customers a rep may hold"), min_value=0, max_value=10_000)
    reclaim_cooldown_days = forms.IntegerField(
        label=_("Days before a previous owner may re-claim"), min_value=0, max_value=10_000
    )
    keep_stage_ids = forms.TypedMultipleChoiceField(
        label=_("Stages never returned to the pool"), coerce=int, required=False
    )
    member_ids = forms.TypedMultipleChoiceField(label=_("Members who may claim"), coerce=int, required=False)
    admin_ids = forms.TypedMultipleChoiceField(label=_("Pool administrators"), coerce=int, required=False)

    def __init__(self, *args: Any, actor: Employee, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stages = CustomerStage.objects.filter(org_id=actor.org_id, is_active=True)
        self.fields["keep_stage_ids"].choices = [(s.pk, s.label(language)) for s in stages]  # type: ignore[attr-defined]
        people = list(Employee.objects.filter(org_id=actor.org_id).active().order_by("name").values_list("pk", "name"))
        self.fields["member_ids"].choices = people  # type: ignore[attr-defined]
        self.fields["admin_ids"].choices = people  # type: ignore[attr-defined]
        for name in ("keep_stage_ids", "member_ids", "admin_ids"):
            self.fields[name].widget.attrs.update({"class": "form-select", "size": "6"})


class ReleaseForm(StyledForm):
    pool_id = forms.TypedChoiceField(label=_("Pool"), coerce=int)

    def __init__(self, *args: Any, actor: Employee, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = CustomerPool.objects.filter(org_id=actor.org_id, archived_at__isnull=True).values_list("pk", "name")
        self.fields["pool_id"].choices = list(choices)  # type: ignore[attr-defined]


class AssignForm(StyledForm):
    owner_id = forms.TypedChoiceField(label=_("New owner"), coerce=int)

    def __init__(self, *args: Any, actor: Employee, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = visible_employees(actor=actor).active().order_by("name").values_list("pk", "name")
        self.fields["owner_id"].choices = list(people)  # type: ignore[attr-defined]


class HandoverForm(StyledForm):
    successor_ids = forms.TypedMultipleChoiceField(label=_("Successors"), coerce=int)
    mark_left = forms.BooleanField(label=_("Then mark as left"), required=False)

    def __init__(self, *args: Any, actor: Employee, leaver: Employee, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = visible_employees(actor=actor).active().exclude(pk=leaver.pk).order_by("name")
        self.fields["successor_ids"].choices = list(people.values_list("pk", "name"))  # type: ignore[attr-defined]
        self.fields["successor_ids"].widget.attrs.update({"class": "form-select", "size": "8"})
        self.fields["successor_ids"].help_text = _("Customers are spread evenly over the successors you choose.")
        if not has_permission(actor, Permission.MANAGE_EMPLOYEES):
            del self.fields["mark_left"]  # only an administrator marks people as left


class DuplicateRulesForm(StyledForm):
    duplicate_name = forms.ChoiceField(label=_("Same company name"), choices=DuplicateAction.choices)
    duplicate_phone = forms.ChoiceField(label=_("Same phone"), choices=DuplicateAction.choices)


class BulkActionForm(StyledForm):
    """A bulk action on chosen customers: what, with which value (the new owner, level, stage or tags), which
    customers (`customer_ids`, from the rows' checkboxes), and the request's `client_id`, so a double submit
    changes nothing twice. The moves and the archive are confirmed on a page first (`CONFIRMED`); the level,
    stage and tags change at once. The values are parsed here; the services decide whether they are allowed."""

    ACTIONS = (
        ("assign", _("Assign")),
        ("transfer", _("Transfer")),
        ("release", _("Release to the pool")),
        ("level", _("Set level")),
        ("stage", _("Set stage")),
        ("tags_add", _("Add tags")),
        ("tags_remove", _("Remove tags")),
        ("archive", _("Archive")),
    )
    CONFIRMED = ("assign", "transfer", "release", "archive")
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    owner_id = forms.TypedChoiceField(label=_("New owner"), coerce=int, required=False, empty_value=None)
    level = forms.CharField(label=_("Level"), max_length=8, required=False)
    stage_id = forms.IntegerField(label=_("Stage"), min_value=1, max_value=2**63 - 1, required=False)
    client_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, receivers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].choices = [("", _("Choose an employee")), *receivers]  # type: ignore[attr-defined]

    def _ids(self, name: str) -> list[int]:
        raw = self.data.getlist(name) if hasattr(self.data, "getlist") else []
        return [int(v) for v in raw if str(v).isdigit() and len(str(v)) < 19]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["customer_ids"] = self._ids("customer_ids")
        data["tag_ids"] = self._ids("tag_ids")
        if not data["customer_ids"]:
            self.add_error(None, _("Choose at least one customer."))
        action = data.get("action")
        if action in ("assign", "transfer") and not data.get("owner_id"):
            self.add_error("owner_id", _("Choose who receives them."))
        if action == "level" and not data.get("level"):
            self.add_error("level", _("Choose a level."))
        if action == "stage" and not data.get("stage_id") and "stage_id" not in self.errors:
            self.add_error("stage_id", _("Choose a stage."))
        if action in ("tags_add", "tags_remove") and not data["tag_ids"]:
            self.add_error(None, _("Choose at least one tag."))
        return data


class StageForm(StyledForm):
    name = forms.CharField(label=_("Name (Chinese)"), max_length=40)
    name_en = forms.CharField(label=_("Name (English)"), max_length=40, required=False)
    is_won = forms.BooleanField(label=_("Counts as won"), required=False)


class TagForm(StyledForm):
    name = forms.CharField(label=pgettext_lazy("tag", "Name"), max_length=20)
    colour = forms.ChoiceField(label=_("Colour"), choices=TagColour.choices, initial=TagColour.BLUE)
    group = forms.CharField(
        label=_("Group"), max_length=20, required=False, help_text=_("Optional: tags of one group are listed together.")
    )
