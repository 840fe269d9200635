"""Template filters for the customers' import and export buttons."""

from django import template

from fieldloop.org.models import Employee
from fieldloop.org.permissions import may_export_customers

register = template.Library()


@register.filter
def may_export(employee: Employee | None) -> bool:
    return employee is not None and may_export_customers(employee)
