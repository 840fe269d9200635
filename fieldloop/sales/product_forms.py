"""The catalogue's HTML forms: parse what a page posts; the services check the rules."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fieldloop.core.forms import StyledForm

from .product_selectors import CategoryNode
from .product_services import CATEGORY_NAME_LIMIT, DESCRIPTION_LIMIT, NAME_LIMIT, SKU_LIMIT, UNIT_LIMIT


def category_choices(nodes: list[CategoryNode], *, blank: str, exclude: int | None = None) -> list[tuple[str, str]]:
    """The category tree as choices, indented by depth ("　" per level)."""
    return [
        ("", blank),
        *((str(n.category.pk), "　" * n.depth + n.category.name) for n in nodes if n.category.pk != exclude),
    ]


class ProductForm(StyledForm):
    sku = forms.CharField(label=_("SKU code"), max_length=SKU_LIMIT)
    name = forms.CharField(label=_("Product name"), max_length=NAME_LIMIT)
    category_id = forms.TypedChoiceField(label=_("Category"), required=False, coerce=int, empty_value=None)
    unit = forms.CharField(label=_("Unit"), max_length=UNIT_LIMIT, required=False, help_text=_("e.g. 台, 箱, 吨"))
    list_price = forms.DecimalField(
        label=_("List price"),
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    description = forms.CharField(
        label=_("Description"), max_length=DESCRIPTION_LIMIT, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, categories: list[CategoryNode], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category_id"].choices = category_choices(categories, blank="—")  # type: ignore[attr-defined]


class CategoryForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=CATEGORY_NAME_LIMIT)
    parent_id = forms.TypedChoiceField(label=_("Inside"), required=False, coerce=int, empty_value=None)
    sort_order = forms.IntegerField(label=_("Order"), required=False, min_value=0, max_value=9999)

    def __init__(self, *args: Any, categories: list[CategoryNode], exclude: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = category_choices(categories, blank=str(_("(top level)")), exclude=exclude)
        self.fields["parent_id"].choices = choices  # type: ignore[attr-defined]
        if exclude is not None:  # a row of the tree: as small as the row's other inputs
            self.fields["parent_id"].widget.attrs["class"] = "form-select form-select-sm"
