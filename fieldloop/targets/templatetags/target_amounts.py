"""`{{ value|amount }}`: a target value with thousands grouped, cents only when there are any (12,000 / 1,234.50)."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

register = template.Library()


@register.filter
def amount(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    text = f"{number:,.2f}"
    return text[:-3] if text.endswith(".00") else text
