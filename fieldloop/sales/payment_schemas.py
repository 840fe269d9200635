"""API schemas of payment plans, payments received, receivables, contract status and the sales settings.
Amounts are decimal strings in the organization's currency (`currency`)."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Field, Schema

from fieldloop.core.schemas import RowId
from fieldloop.org.schemas import EmployeeRef


class CustomerRef(Schema):
    id: int
    name: str


class OrderMoneyOut(Schema):
    """An order's money: what it is worth, what was received, what is still owed and how much of it is late."""

    id: int
    number: str
    customer: CustomerRef
    owner: EmployeeRef
    status: str
    currency: str
    total: Decimal
    paid: Decimal
    outstanding: Decimal
    overdue: Decimal = Field(description="Instalments due before today beyond what was received.")


class InstalmentIn(Schema):
    due_on: date
    amount: Decimal = Field(description="Above zero, at most two decimals.")
    note: str = Field("", max_length=200)


class PaymentPlanIn(Schema):
    items: list[InstalmentIn] = Field(
        max_length=60, description="The whole plan (it replaces the current one); together at most the order's total."
    )


class InstalmentOut(Schema):
    id: int
    due_on: date
    amount: Decimal
    note: str
    covered: Decimal = Field(description="How much of it the payments received cover (earliest due, first paid).")
    status: str = Field(description="paid, partly_paid, due or overdue.")


class PaymentPlanOut(Schema):
    order: OrderMoneyOut
    items: list[InstalmentOut]
    planned: Decimal
    unplanned: Decimal = Field(description="The part of the total no instalment asks for.")
    due: Decimal = Field(description="Instalments due from today on beyond what was received.")


class PaymentIn(Schema):
    received_on: date = Field(description="Today or before, in the organization's time zone.")
    amount: Decimal = Field(description="Above zero, at most the outstanding amount, at most two decimals.")
    note: str = Field("", max_length=200)


class PaymentOut(Schema):
    id: int
    order_id: int
    received_on: date
    amount: Decimal
    note: str
    recorded_by: EmployeeRef
    created_at: datetime


class PaymentListOut(Schema):
    order: OrderMoneyOut
    items: list[PaymentOut]


class PaymentCreatedOut(Schema):
    payment: PaymentOut
    order: OrderMoneyOut


class PaymentCorrectIn(Schema):
    reason: str = Field(max_length=500, description="Why the payment is changed: kept in the history.")
    amount: Decimal | None = None
    received_on: date | None = None


class PaymentDeleteIn(Schema):
    reason: str = Field(max_length=500, description="Why the payment is deleted: kept in the history.")


class ReceivableFiltersIn(Schema):
    owner_id: RowId | None = None
    department_id: RowId | None = Field(None, description="The owner's department or one below it.")


class ReceivableSummaryOut(Schema):
    outstanding: Decimal
    overdue: Decimal
    order_count: int


class ReceivableOrderOut(Schema):
    id: int
    number: str
    customer: CustomerRef
    owner: EmployeeRef
    signed_on: date
    currency: str
    total: Decimal
    paid: Decimal
    outstanding: Decimal
    overdue: Decimal
    next_due_on: date | None


class ReceivableOrderPage(Schema):
    summary: ReceivableSummaryOut
    items: list[ReceivableOrderOut]
    next_cursor: str | None


class ReceivableCustomerOut(Schema):
    customer: CustomerRef
    owner: EmployeeRef | None
    order_count: int
    outstanding: Decimal
    overdue: Decimal


class ReceivableCustomerPage(Schema):
    summary: ReceivableSummaryOut
    currency: str
    items: list[ReceivableCustomerOut]
    next_cursor: str | None


class ContractStatusOut(Schema):
    customer: CustomerRef
    status: str = Field(description="none, active, ending (within the reminder days) or expired.")
    order_id: int | None
    number: str
    ends_on: date | None
    days_left: int | None = Field(description="Days from today to the end; negative once expired.")
    text: str


class SalesSettingsIn(Schema):
    contract_reminder_days: int = Field(ge=0, le=365, description="0: no reminders.")


class SalesSettingsOut(Schema):
    contract_reminder_days: int
