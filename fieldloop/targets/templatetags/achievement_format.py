"""Figures of the achievement page: grouped by thousands in every language (Django's zh-Hans formats do not group),
money with two decimals, counts (credit-weighted, so possibly fractional) without trailing zeros."""

from decimal import Decimal

from django import template

from fieldloop.core.templatetags.money import money as money_format

register = template.Library()

STATUS_CLASSES = {"ahead": "green", "on_track": "azure", "at_risk": "yellow", "behind": "red"}


@register.filter
def figure(value: Decimal | None, money: bool = True) -> str:
    if value is None:
        return "—"
    if money:
        return money_format(value)
    text = f"{value:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def status_colour(status: str) -> str:
    """The Tabler colour of a status: ahead green, on track azure, at risk yellow, behind red."""
    return STATUS_CLASSES.get(status, "secondary")
