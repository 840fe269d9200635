"""Money on a page: two decimals, grouped by thousands in every language (Django's zh-Hans number format does
not group, so 1280000.00 would be hard to read beside 128000.00)."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def money(value: Decimal | int | float | None) -> str:
    """`{{ order.total|money }}` → 128,576.00 (None → —)."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"
