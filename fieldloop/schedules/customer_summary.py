"""Schedules' fact on the customer page's summary (customers.summary): the open follow-ups, the planned schedule
items about the customer of the employees the actor sees, and the next one's day. One query."""

from datetime import datetime

from django.db.models import Count, Min
from django.utils.translation import gettext as _

from fieldloop.customers.models import Customer
from fieldloop.customers.summary import SummaryFact, register_summary
from fieldloop.org.models import Employee
from fieldloop.org.selectors import scope_to_visible

from .models import ItemState, ScheduleItem


def open_follow_ups(actor: Employee, customer: Customer, now: datetime) -> list[SummaryFact]:
    planned = ScheduleItem.objects.filter(customer_id=customer.pk, state=ItemState.PLANNED)
    row = scope_to_visible(planned, actor=actor, owner_field="employee").aggregate(n=Count("pk"), next_day=Min("day"))
    n, next_day = row["n"], row["next_day"]
    detail = _("next on %(day)s") % {"day": next_day.isoformat()} if next_day else ""
    return [SummaryFact(key="open_follow_ups", label=_("Open follow-ups"), value=str(n), detail=detail, number=n)]


def register() -> None:
    register_summary("schedules.open_follow_ups", open_follow_ups)
