"""API schemas of orders and contracts."""

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from ninja import Field, Schema

from fieldloop.core.schemas import RowId
from fieldloop.org.schemas import DepartmentRef, EmployeeRef

from .models import OrderKind, OrderStatus


class NamedRef(Schema):
    id: int
    name: str


class ProductRef(Schema):
    id: int
    sku: str
    name: str
    unit: str


class OrderLineOut(Schema):
    position: int
    product: ProductRef
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    amount: Decimal = Field(description="quantity × unit price × (1 − discount/100), rounded to the cent")


class OrderCreditOut(Schema):
    employee: EmployeeRef
    department: DepartmentRef = Field(description="Where the employee was when the order was signed.")
    share_percent: Decimal


class OrderAmendmentOut(Schema):
    revision: int
    author: EmployeeRef
    reason: str
    before: dict[str, object]
    after: dict[str, object]
    created_at: datetime


class OrderSummaryOut(Schema):
    id: int
    client_id: UUID
    number: str
    customer: NamedRef
    owner: EmployeeRef
    status: OrderStatus
    kind: OrderKind | None = Field(description="Set when confirmed: new customer, repeat order or renewal.")
    signed_on: date
    starts_on: date | None
    ends_on: date | None
    currency: str
    total: Decimal
    paid: Decimal
    revision: int
    created_at: datetime


class OrderOut(OrderSummaryOut):
    created_by: EmployeeRef
    visit_id: int | None
    renews_id: int | None
    note: str
    confirmed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    lines: list[OrderLineOut]
    credits: list[OrderCreditOut]
    amendments: list[OrderAmendmentOut] = Field(description="Newest first.")
    updated_at: datetime


class OrderPage(Schema):
    items: list[OrderSummaryOut]
    next_cursor: str | None


class OrderLineIn(Schema):
    product_id: RowId
    quantity: Decimal = Field(description="More than 0, at most 3 decimals.")
    unit_price: Decimal = Field(description="0 or more, at most 2 decimals.")
    discount_percent: Decimal = Field(Decimal(0), description="0 to 100.")


class OrderCreditIn(Schema):
    employee_id: RowId
    share_percent: Decimal = Field(description="The employee's share; the shares of an order sum to 100.")


class OrderIn(Schema):
    customer_id: RowId
    lines: list[OrderLineIn]
    credits: list[OrderCreditIn] = Field(
        default_factory=list, description="Who the order counts for (default: the owner, 100 %)."
    )
    owner_id: RowId | None = Field(None, description="Default: the caller.")
    signed_on: date | None = Field(None, description="Default: today.")
    starts_on: date | None = Field(None, description="A contract's start (with ends_on).")
    ends_on: date | None = Field(None, description="A contract's end.")
    renews_id: RowId | None = Field(None, description="The confirmed order (contract) of the customer it renews.")
    visit_id: RowId | None = Field(None, description="The caller's visit the order was taken in.")
    note: str = ""
    confirm: bool = Field(False, description="Confirm at once (otherwise a draft).")


class OrderAmendIn(Schema):
    reason: str = Field("", description="Required for a confirmed order: it is recorded with the amendment.")
    lines: list[OrderLineIn] | None = Field(None, description="The new lines (all of them); omitted: unchanged.")
    credits: list[OrderCreditIn] | None = Field(None, description="The new credits; omitted: unchanged.")
    signed_on: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    note: str | None = None


class OrderCancelIn(Schema):
    reason: str
