"""Schemas of /api/v1/target-settings and /api/v1/target-plans."""

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Schema

from fieldloop.org.schemas import EmployeeRef

# A target value as sent: a number, or text the service reads as one (so "abc" is a field error in the user's
# language, not a schema error).
Amount = float | str | None


class TargetSettingsIn(Schema):
    fiscal_year_start_month: int = Field(..., description="1-12: the month the fiscal year starts in.")
    reminder_weekdays: list[int] = Field(default_factory=list, description="0 = Monday … 6 = Sunday.")


class TargetSettingsOut(Schema):
    fiscal_year_start_month: int
    reminder_weekdays: list[int]


class PlanIn(Schema):
    name: str = Field(..., max_length=100)
    metric: str = Field(..., description="sales_amount, order_count, new_customers, new_customer_amount, "
                        "renewal_amount, payments, effective_visits or calls.")  # fmt: skip
    fiscal_year: int = Field(..., description="The calendar year in which the fiscal year starts.")
    tiers: int = Field(1, description="1: target; 2: and sprint; 3: and challenge.")
    allow_department_surplus: bool = False


class PeriodOut(Schema):
    period: str
    first_day: datetime.date
    last_day: datetime.date


class PlanOut(Schema):
    id: int
    name: str
    metric: str
    fiscal_year: int
    start_month: int
    tiers: int
    status: Literal["draft", "locked"]
    allow_department_surplus: bool
    locked_at: datetime.datetime | None
    locked_by: EmployeeRef | None
    periods: list[PeriodOut]


class ValueIn(Schema):
    department_id: int | None = None
    employee_id: int | None = None
    period: str = Field(..., description="Y, Q1-Q4 or M1-M12 (fiscal months).")
    target: Amount = None
    sprint: Amount = None
    challenge: Amount = None


class ValuesIn(Schema):
    values: list[ValueIn]
    reason: str = Field("", description="Required when the plan is locked: the change is recorded as a revision.")


class ValuesChangedOut(Schema):
    changed: int


class PeriodValueOut(Schema):
    period: str
    target: Decimal | None
    sprint: Decimal | None
    challenge: Decimal | None


class NodeValuesOut(Schema):
    department_id: int | None
    employee_id: int | None
    name: str
    parent_department_id: int | None
    explanation: str
    values: list[PeriodValueOut]


class PlanValuesOut(Schema):
    items: list[NodeValuesOut]


class ProblemOut(Schema):
    department_id: int | None
    employee_id: int | None
    name: str
    period: str
    tier: str
    kind: Literal["tree", "time"]
    value: Decimal
    parts: Decimal
    message: str


class ProblemsOut(Schema):
    adds_up: bool
    items: list[ProblemOut]


class RevisionOut(Schema):
    id: int
    department_id: int | None
    employee_id: int | None
    node: str
    period: str
    tier: str
    old_value: Decimal | None
    new_value: Decimal | None
    reason: str
    author: EmployeeRef
    created_at: datetime.datetime


class SpreadIn(Schema):
    node: str = Field(..., description='"d<id>" for a department, "e<id>" for an employee.')
    along: Literal["tree", "time"] = Field(
        "tree", description="tree: the node's value to its children; time: the node's year to its months."
    )
    period: str = Field("Y", description="Along the tree: the period to split.")
    tier: str = "target"
    method: str = Field("equal", description="tree: equal or share (last year's); time: equal or seasonality.")
    recursive: bool = True
    reason: str = ""


class SuggestionOut(Schema):
    department_id: int | None
    employee_id: int | None
    name: str
    year: Decimal
    months: list[Decimal]
    last_year: Decimal
    trend: Decimal
    share: Decimal | None
    role_default: bool
    explanation: str


class SuggestionsOut(Schema):
    scale: Decimal
    items: list[SuggestionOut]


class AcceptIn(Schema):
    scale: Amount = Field(1, description="1.2: the company +20 %, distributed by share.")
    role_defaults: dict[str, Amount] = Field(
        default_factory=dict, description="A year's target per role for people without history."
    )


class NewcomerIn(Schema):
    employee_id: int
    annual_default: Amount = Field(..., description="A year's target of the role; pro-rated to the months left.")
    reason: str = ""
