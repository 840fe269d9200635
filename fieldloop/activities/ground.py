"""The work activities holds about customers, as customers' "team's ground" conditions
(`customers.selectors.register_ground`): a leader reads every customer one of their visible employees visited or
recorded work on. Each is one EXISTS over the customer's rows, answered by an index that starts with the customer
(visit_customer_time, workrecord_customer_feed) and then the employee's row. No organization condition inside:
the outer customer is of the actor's organization and so is every visit and record about it (with one, SQLite
walked the organization's visits by the org index instead)."""

from django.db.models import Exists, OuterRef

from fieldloop.customers.selectors import register_ground
from fieldloop.org.models import Employee
from fieldloop.org.selectors import Visibility

from .models import Visit, WorkRecord


def visited_by_team(actor: Employee, visibility: Visibility) -> Exists:
    visits = Visit.objects.filter(customer_id=OuterRef("pk"))
    return Exists(visits.filter(visibility.condition("employee__")))


def recorded_by_team(actor: Employee, visibility: Visibility) -> Exists:
    records = WorkRecord.objects.filter(customer_id=OuterRef("pk"))
    return Exists(records.filter(visibility.condition("author__")))


def register() -> None:
    register_ground("visits", visited_by_team)
    register_ground("work_records", recorded_by_team)
