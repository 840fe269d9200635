"""Who may call each write service on whose rows: one table, asserted for every role and every position.

The rule (`org.selectors.can_change_owned_by`, the data scopes of `org.selectors`, CONTRIBUTING.md):
a rep changes their own rows; a manager or director also the rows of the people in the department tree
they manage (Mia: Shanghai, Rex's and Ria's; Dora: Sales, so Beijing too, Ben's); an admin every row of the
organization. A row the actor cannot see is not found
(404), so an id reveals nothing; a row the actor sees but may not change (a customer they only collaborate
on, a record of someone they see) is forbidden (403). Administration (employees, departments, templates,
stages, pools, visit types, settings) is the admin's: everyone else is forbidden.

Every write service, found by walking the apps' modules for public functions with a keyword-only
`actor`, is either a row of MATRIX or has a written reason in EXEMPT, so a new service without the
change rule fails `test_every_write_service_is_in_the_matrix_or_exempt` until someone decides who may
call it. Reads are the isolation walk's (tests/test_isolation.py): selectors modules are skipped, and
the read-only functions of the other modules are listed in READS.

Each case builds one row in one position relative to the actor (the shared cast of the root conftest.py:
Mia manages Rex and Ria in Shanghai, Ben is a rep in Beijing, Dora directs Sales above both branches, Ada
is the admin; the actors are Rex, Mia, Dora and Ada):

- own: a row of the actor;
- subordinate: a row of Rex (Mia's report; for Dora and Ada, someone below them); a rep has no
  subordinate, so for Rex it is his peer Ria's row;
- other_branch: a row of Ben, in the other branch than Shanghai's (within Dora's tree, not Mia's);
- collaborator: a row of Ben that the actor only collaborates on (a customer listing the actor among its
  collaborators; a record or visit about such a customer);
- organization: a row of the organization's configuration, owned by nobody (templates, stages, ...).

A refused call must write nothing: every row of every model is compared before and after. An allowed call
must write something, so a case cannot pass by doing nothing.
"""

import importlib
import inspect
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone, translation

import fieldloop
from conftest import Cast
from fieldloop.activities import services as activity_services
from fieldloop.activities import visit_review_services, visit_services
from fieldloop.activities.tests.helpers import file_call, file_daily
from fieldloop.attendance import services as attendance_services
from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.core.geo import SentFix
from fieldloop.customers import bulk_changes, duplicates, handover, pools, saved_filters, stages, tags
from fieldloop.customers import services as customer_services
from fieldloop.customers.models import Customer
from fieldloop.formtemplates import services as template_services
from fieldloop.notifications import services as notification_services
from fieldloop.notifications.models import Notification
from fieldloop.org import services as org_services
from fieldloop.org.models import Employee
from fieldloop.sales import order_services, payment_services, product_imports, product_services
from fieldloop.schedules import card_services, plan_services
from fieldloop.schedules import services as schedule_services
from fieldloop.targets import plan_services as target_plan_services
from fieldloop.tracking import services as tracking_services

ROLES = ("rep", "manager", "director", "admin")
ROLE_ATTRIBUTE = {"rep": "rep", "manager": "manager", "director": "director", "admin": "admin"}
POSITIONS = ("own", "subordinate", "other_branch", "collaborator", "organization")

ALLOWED, FORBIDDEN, NOT_FOUND, NOT_APPLICABLE = "A", "F", "N", "-"
OUTCOME_NAMES = {ALLOWED: "allowed", FORBIDDEN: "forbidden (403)", NOT_FOUND: "not found (404)"}


# --- The rules, as (rep, manager, director, admin) outcomes per position --------------------------------------

# The change rule: own rows; a manager's reports' rows; the admin's whole organization. Seeing is not changing.
CHANGE = {"own": "AAAA", "subordinate": "NAAA", "other_branch": "NNAA", "collaborator": "FFAA"}
# Seeing is enough (a comment on a record): whoever may see the row.
SEE = {"own": "AAAA", "subordinate": "NAAA", "other_branch": "NNAA", "collaborator": "AAAA"}
# The author alone, whoever else sees the row (a record's values, a visit's check-out).
AUTHOR = {"own": "AAAA", "subordinate": "NFFF", "other_branch": "NNFF", "collaborator": "FFFF"}
# The change rule behind a permission that only managers and admins have (assign, transfer, merge).
ASSIGN = {"own": "FAAA", "subordinate": "FAAA", "other_branch": "FNAA", "collaborator": "FFAA"}
# Admin only, the permission checked before anything is looked up.
ADMIN_FIRST = {"own": "FFFA", "subordinate": "FFFA", "other_branch": "FFFA", "collaborator": "FFFA"}
# Admin only, the row looked up (through the actor's visibility) before the permission.
ADMIN_AFTER_LOOKUP = {"own": "FFFA", "subordinate": "NFFA", "other_branch": "NNFA", "collaborator": "FFFA"}
# The change rule for rows nobody collaborates on (schedule items).
SCHEDULE = {k: v for k, v in CHANGE.items() if k != "collaborator"}
# The recipient's alone, invisible to everyone else (not even an admin reads Ben's notifications).
PRIVATE = {"own": "AAAA", "subordinate": "NNNN", "other_branch": "NNNN"}
# The organization's configuration: administrators change it.
CONFIGURATION = {"organization": "FFFA"}
# Target plans: the sales director plans with the administrator.
PLANNING = {"organization": "FFAA"}
# Employees: the row is the employee themself (own: the actor). Managing people is the admin's.
PEOPLE = {"own": "FFFA", "subordinate": "FFFA", "other_branch": "FFFA"}
# Departments: own: a sub-department of the actor's department; other_branch: one of Beijing.
DEPARTMENTS = {"own": "FFFA", "other_branch": "FFFA"}


@dataclass(frozen=True)
class Where:
    """Where a case's row sits: the actor, the row's owner (or the employee/department the row is), and
    whether the actor only collaborates on it."""

    cast: Cast
    actor: Employee
    owner: Employee
    collaborating: bool


@dataclass(frozen=True)
class Case:
    id: str
    service: str  # "<app>.<module>.<function>", as discovery names it
    make: Callable[[Where], Any]  # builds the row; returns what `call` needs
    call: Callable[[Where, Any], object]
    expect: dict[str, str]  # position -> outcomes for (rep, manager, director, admin); "-": not applicable
    note: str = ""  # what a position means for this row, and why one is missing


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def now_position() -> SentFix:
    return SentFix(31.2304, 121.4737, 10, timezone.now())


# --- Row makers -------------------------------------------------------------------------------------------------


def a_customer(w: Where) -> int:
    customer = customer_services.customer_create(
        actor=w.owner, client_id=uuid.uuid4(), name=unique(f"{w.owner.name} 的客户"), allow_duplicates=True
    )[0]
    if w.collaborating:
        customer.collaborators.add(w.actor)
    return customer.pk


def a_customer_and_a_tag(w: Where) -> tuple[int, int]:
    return a_customer(w), tags.tag_create(actor=w.cast.admin, name=unique("标签")[:20]).pk


def a_pooled_customer(w: Where) -> int:
    """A customer its owner claimed from a pool the admin set up (so it has somewhere to go back to)."""
    pk = a_customer(w)
    pool = pools.pool_create(actor=w.cast.admin, name=unique("公海"))
    now = timezone.now()
    Customer.objects.filter(pk=pk).update(pool=pool, claimed_at=now, protected_until=now + timedelta(days=30))
    return pk


def an_own_customer_beside(w: Where) -> tuple[int, int]:
    """(the positioned customer, a customer of the actor's own): for a merge."""
    own = customer_services.customer_create(
        actor=w.actor, client_id=uuid.uuid4(), name=unique(f"{w.actor.name} 的客户"), allow_duplicates=True
    )[0]
    return a_customer(w), own.pk


def a_contact(w: Where) -> int:
    customer_id = a_customer(w)
    return customer_services.contact_create(
        actor=w.owner, customer_id=customer_id, client_id=uuid.uuid4(), name="王经理"
    )[0].pk


def an_archived_customer(w: Where) -> int:
    pk = a_customer(w)
    customer_services.customer_archive(actor=w.owner, customer_id=pk)
    return pk


def a_record(w: Where) -> tuple[int, dict[str, Any]]:
    """(record id, values to change). Collaborator: Ben's call about Ben's customer the actor collaborates on."""
    if w.collaborating:
        customer = Customer.objects.get(pk=a_customer(w))
        return file_call(w.owner, customer).pk, {"notes": "改过的记录"}
    return file_daily(w.owner).pk, {"done_today": "改过的日报"}


def an_open_visit(w: Where) -> int:
    """The owner checked in at a customer of theirs (collaborator: Ben's customer the actor collaborates on),
    whose position was then set somewhere else (so that re-locating it is a change)."""
    vt = visit_services.visit_type_create(actor=w.cast.admin, name=unique("巡店"))
    customer_id = a_customer(w)
    visit, _created = visit_services.visit_check_in(
        actor=w.owner, client_id=uuid.uuid4(), visit_type_id=vt.pk, customer_id=customer_id, position=now_position()
    )
    Customer.objects.filter(pk=customer_id).update(latitude=Decimal("30.000000"), longitude=Decimal("120.000000"))
    return visit.pk


def a_notification(w: Where) -> int:
    notification_services.notify(
        recipient=w.owner, kind="customers.assigned", params={"actor": "Ada", "customer": "某客户"}
    )
    return Notification.objects.filter(recipient=w.owner).latest("id").pk


def a_saved_filter(w: Where) -> int:
    return saved_filters.saved_filter_create(actor=w.owner, name=unique("筛选"), query="level=A").pk


def an_api_token(w: Where) -> int:
    return org_services.api_token_create(actor=w.owner, name=unique("token")).token.pk


def the_employee(w: Where) -> int:
    return w.owner.pk


def the_department(w: Where) -> int:
    return w.owner.department_id


def a_sub_department(w: Where) -> int:
    """An empty department under the owner's department (own: the actor's; other_branch: Beijing)."""
    return org_services.department_create(actor=w.cast.admin, name=unique("小组"), parent_id=w.owner.department_id).pk


def a_template(w: Where) -> int:
    return template_services.template_create(actor=w.cast.admin, purpose="visit", name=unique("拜访模板")).pk


def a_stage(w: Where) -> int:
    return stages.stage_create(actor=w.cast.admin, name=unique("阶段")).pk


def a_pool(w: Where) -> int:
    return pools.pool_create(actor=w.cast.admin, name=unique("公海")).pk


def a_visit_type(w: Where) -> int:
    return visit_services.visit_type_create(actor=w.cast.admin, name=unique("巡店")).pk


def a_sku(prefix: str = "SKU") -> str:
    return unique(prefix).replace(" ", "-")


def a_product(w: Where) -> int:
    return product_services.product_create(actor=w.cast.admin, sku=a_sku(), name="挖掘机", list_price="1").pk


def a_product_category(w: Where) -> int:
    return product_services.category_create(actor=w.cast.admin, name=unique("类别")).pk


def a_product_file() -> bytes:
    return f"SKU code,Product name,List price\n{a_sku('IMP')},导入产品,5\n".encode()


def nothing(w: Where) -> None:
    return None


def a_phone() -> str:
    return f"139{uuid.uuid4().int % 10**8:08d}"


def a_tag(w: Where) -> int:
    return tags.tag_create(actor=w.cast.admin, name=unique("标签")[:20]).pk


def stage_ids_reversed(w: Where) -> list[int]:
    return [s.pk for s in reversed(stages.stage_list(actor=w.cast.admin, include_inactive=True))]


def a_schedule_item(w: Where) -> int:
    return schedule_services.schedule_item_create(
        actor=w.owner, client_id=uuid.uuid4(), day=schedule_services.org_today(w.owner), kind="task", title="整理报价"
    )[0].pk


def a_planned_visit(w: Where) -> tuple[int, int]:
    """A visit of the owner tomorrow (the owner's day to put in order): (employee id, item id)."""
    customer_id = a_customer(w)
    item = schedule_services.schedule_item_create(
        actor=w.owner, client_id=uuid.uuid4(), day=schedule_services.org_today(w.owner) + timedelta(days=1),
        kind="visit", customer_id=customer_id,
    )[0]  # fmt: skip
    return w.owner.pk, item.pk


def a_filed_card(w: Where) -> int:
    from fieldloop.schedules.card_selectors import today_of

    return card_services.card_file(
        actor=w.owner, client_id=uuid.uuid4(), day=today_of(w.owner),
        values={"done_today": "拜访三家客户", "plan_tomorrow": "整理报价"},
    )[0].pk  # fmt: skip


def an_order(w: Where, *, confirm: bool = False) -> int:
    """An order of the owner for a customer of theirs (a product made directly: the catalogue is another part)."""
    from fieldloop.sales.models import Product
    from fieldloop.sales.order_services import LineIn, order_create

    product = Product.objects.create(org=w.owner.org, sku=uuid.uuid4().hex[:8], name="挖掘机", list_price=100)
    return order_create(
        actor=w.owner, client_id=uuid.uuid4(), customer_id=a_customer(w), lines=[LineIn(product.pk, "1", "100")],
        confirm=confirm,
    )[0].pk  # fmt: skip


def a_confirmed_order(w: Where) -> int:
    return an_order(w, confirm=True)


def a_colleague_of(w: Where) -> int:
    return (w.cast.rep2 if w.actor.pk != w.cast.rep2.pk else w.cast.rep).pk


def an_attendance_group(w: Where) -> Any:
    from fieldloop.attendance.tests.helpers import a_group

    return a_group(w.cast.admin, [], name=unique("考勤组"))


def a_pending_correction(w: Where) -> int:
    req, _ = attendance_services.request_create(
        actor=w.owner, client_id=uuid.uuid4(), kind="correction", reason="忘记打卡", clock_kind="in",
        clock_at=timezone.now() - timedelta(hours=1))  # fmt: skip
    return req.pk


def a_calendar_day(w: Where) -> date:
    day = date(2026, 1, 1) + timedelta(days=uuid.uuid4().int % 300)
    attendance_services.calendar_day_set(actor=w.cast.admin, day=day, kind="holiday", name="假日")
    return day


def no_exemption(w: Where) -> int:
    from fieldloop.attendance.models import StatsExemption

    StatsExemption.objects.filter(employee=w.cast.rep).delete()
    return w.cast.rep.pk


def an_exemption(w: Where) -> int:
    pk = no_exemption(w)
    attendance_services.exemption_add(actor=w.cast.admin, employee_id=pk)
    return pk


SHIFT = {"name": "白班", "weekdays": [0], "start": time(9), "end": time(12)}
# Another person's leave, trip or correction: made (approved at once) or decided by whoever may approve for them
# (a manager who sees them; an administrator may approve their own).
APPROVE_FOR = {"own": "AAAA", "subordinate": "NAAA", "other_branch": "NNAA"}
DECIDE = {"own": "FFFA", "subordinate": "NAAA", "other_branch": "NNAA"}


def a_target_plan(w: Where) -> int:
    from fieldloop.targets.tests.helpers import a_plan

    return a_plan(w.cast, name=unique("目标")).pk


def a_consistent_target_plan(w: Where) -> int:
    from fieldloop.targets.tests.helpers import consistent_values

    pk = a_target_plan(w)
    target_plan_services.plan_values_set(actor=w.cast.admin, plan_id=pk, values=consistent_values(w.cast))
    return pk


def a_target_plan_with_a_root_value(w: Where) -> int:
    pk = a_target_plan(w)
    target_plan_services.plan_values_set(
        actor=w.cast.admin, plan_id=pk, values=[{"department_id": w.cast.root.pk, "period": "Y", "target": 1200}]
    )
    return pk


# --- The matrix -------------------------------------------------------------------------------------------------

ON_COLLABORATION = "collaborator: a record/visit by Ben about Ben's customer that the actor collaborates on"


def an_order_with_money(w: Where) -> int:
    """A confirmed order of the owner (collaborator: Ben's, on a customer of his the actor collaborates on)."""
    from fieldloop.sales.tests.payment_factories import an_order as order
    from fieldloop.sales.tests.payment_factories import collaborated_order

    return (collaborated_order(w.owner, w.actor) if w.collaborating else order(w.owner)).pk


def a_payment(w: Where) -> int:
    """A payment the owner recorded on their order (collaborator: on Ben's order, as for an_order_with_money)."""
    order_id = an_order_with_money(w)
    return payment_services.payment_record(
        actor=w.owner,
        order_id=order_id,
        client_id=uuid.uuid4(),
        received_on=payment_services.org_today(w.owner),
        amount="100.00",
    )[0].pk


# The managers' correction of money received: the change rule behind the permission to change others' records,
# the row looked up first (a rep is refused even their own payment).
CORRECT_PAYMENTS = {"own": "FAAA", "subordinate": "NAAA", "other_branch": "NNAA", "collaborator": "FFAA"}
ON_ORDER = (
    "the row is an order (or its payment) of the owner; collaborator: Ben's order on a customer of his the "
    "actor collaborates on (seeing the customer is not the right to handle its money)"
)

MATRIX: list[Case] = [
    # customers
    Case("customer_update", "customers.services.customer_update", a_customer,
         lambda w, pk: customer_services.customer_update(actor=w.actor, customer_id=pk, address="新地址 1 号"), CHANGE),
    Case("customer_archive", "customers.services.customer_archive", a_customer,
         lambda w, pk: customer_services.customer_archive(actor=w.actor, customer_id=pk), CHANGE),
    Case("customer_merge_keep", "customers.duplicates.customer_merge", an_own_customer_beside,
         lambda w, ids: duplicates.customer_merge(actor=w.actor, keep_id=ids[0], merge_id=ids[1]), ASSIGN,
         "the positioned customer is the one kept; the actor's own is merged into it"),
    Case("customer_merge_gone", "customers.duplicates.customer_merge", an_own_customer_beside,
         lambda w, ids: duplicates.customer_merge(actor=w.actor, keep_id=ids[1], merge_id=ids[0]), ASSIGN,
         "the positioned customer is merged into the actor's own"),
    Case("contact_create", "customers.services.contact_create", a_customer,
         lambda w, pk: customer_services.contact_create(
             actor=w.actor, customer_id=pk, client_id=uuid.uuid4(), name="李经理"), CHANGE),
    Case("contact_update", "customers.services.contact_update", a_contact,
         lambda w, pk: customer_services.contact_update(actor=w.actor, contact_id=pk, title="采购经理"), CHANGE),
    Case("contact_archive", "customers.services.contact_archive", a_contact,
         lambda w, pk: customer_services.contact_archive(actor=w.actor, contact_id=pk), CHANGE),
    Case("customer_restore", "customers.services.customer_restore", an_archived_customer,
         lambda w, pk: customer_services.customer_restore(actor=w.actor, customer_id=pk), CHANGE,
         "whoever may archive the customer may restore it"),
    Case("customer_set_location", "customers.services.customer_set_location", a_customer,
         lambda w, pk: customer_services.customer_set_location(
             actor=w.actor, customer_id=pk, latitude=Decimal("31.100000"), longitude=Decimal("121.100000")),
         ADMIN_FIRST),
    Case("customer_release", "customers.pools.customer_release", a_pooled_customer,
         lambda w, pk: pools.customer_release(actor=w.actor, customer_id=pk), CHANGE),
    Case("customer_assign", "customers.pools.customer_assign", a_customer,
         lambda w, pk: pools.customer_assign(actor=w.actor, customer_id=pk, owner_id=w.cast.rep2.pk), ASSIGN,
         "assigned to Ria, whom managers and admins see"),
    Case("customers_bulk_assign", "customers.pools.customers_bulk_assign", a_customer,
         lambda w, pk: pools.customers_bulk_assign(actor=w.actor, customer_ids=[pk], owner_id=w.cast.rep2.pk),
         ASSIGN, "assigned to Ria; a bulk refusal is `invalid` listing each customer: '#id: not found.' is 404"),
    Case("customers_bulk_transfer", "customers.pools.customers_bulk_transfer", a_customer,
         lambda w, pk: pools.customers_bulk_transfer(actor=w.actor, customer_ids=[pk], to_employee_id=w.cast.rep2.pk),
         ASSIGN, "transferred to Ria"),
    Case("customers_bulk_release", "customers.pools.customers_bulk_release", a_pooled_customer,
         lambda w, pk: pools.customers_bulk_release(actor=w.actor, customer_ids=[pk]), CHANGE),
    Case("customers_bulk_level", "customers.bulk_changes.customers_bulk_level", a_customer,
         lambda w, pk: bulk_changes.customers_bulk_level(actor=w.actor, customer_ids=[pk], level="A"), CHANGE,
         "customer_update's rule for each chosen customer; a bulk refusal is `invalid` listing each customer"),
    Case("customers_bulk_stage", "customers.bulk_changes.customers_bulk_stage", a_customer,
         lambda w, pk: bulk_changes.customers_bulk_stage(
             actor=w.actor, customer_ids=[pk], stage_id=stages.stage_list(actor=w.actor)[-1].pk), CHANGE),
    Case("customers_bulk_tags", "customers.bulk_changes.customers_bulk_tags", a_customer_and_a_tag,
         lambda w, ids: bulk_changes.customers_bulk_tags(actor=w.actor, customer_ids=[ids[0]], add_tag_ids=[ids[1]]),
         CHANGE, "the tag is the organization's, made before the call"),
    Case("customers_bulk_archive", "customers.bulk_changes.customers_bulk_archive", a_customer,
         lambda w, pk: bulk_changes.customers_bulk_archive(actor=w.actor, customer_ids=[pk]), CHANGE),
    Case("customer_handover", "customers.handover.customer_handover", a_customer,
         lambda w, pk: handover.customer_handover(
             actor=w.actor, from_employee_id=w.owner.pk, successor_ids=[w.cast.rep2.pk]),
         {"own": "FAAA", "subordinate": "FAAA", "other_branch": "FNAA"},
         "the row is the owner's whole book, handed to Ria; collaborating is no claim on it"),
    # activities
    Case("record_update", "activities.services.record_update", a_record,
         lambda w, r: activity_services.record_update(actor=w.actor, record_id=r[0], values=r[1]), AUTHOR,
         ON_COLLABORATION),
    Case("record_archive", "activities.services.record_archive", a_record,
         lambda w, r: activity_services.record_archive(actor=w.actor, record_id=r[0]), CHANGE, ON_COLLABORATION),
    Case("comment_create", "activities.services.comment_create", a_record,
         lambda w, r: activity_services.comment_create(
             actor=w.actor, record_id=r[0], client_id=uuid.uuid4(), body="收到，下周跟进"), SEE, ON_COLLABORATION),
    Case("visit_check_out", "activities.visit_services.visit_check_out", an_open_visit,
         lambda w, pk: visit_services.visit_check_out(
             actor=w.actor, client_id=uuid.uuid4(), visit_id=pk, position=now_position(),
             confirm_not_effective=True), AUTHOR,
         ON_COLLABORATION + "; only the one who checked in checks out, whoever sees the visit"),
    Case("visit_locate_customer", "activities.visit_services.visit_locate_customer", an_open_visit,
         lambda w, pk: visit_services.visit_locate_customer(actor=w.actor, visit_id=pk), ADMIN_AFTER_LOOKUP,
         ON_COLLABORATION),
    # schedules: an item is its employee's (nobody collaborates on it)
    Case("schedule_item_update", "schedules.services.schedule_item_update", a_schedule_item,
         lambda w, pk: schedule_services.schedule_item_update(actor=w.actor, item_id=pk, title="改过的日程"),
         SCHEDULE),
    Case("schedule_item_move", "schedules.services.schedule_item_move", a_schedule_item,
         lambda w, pk: schedule_services.schedule_item_move(
             actor=w.actor, item_id=pk, day=schedule_services.org_today(w.owner) + timedelta(days=1)), SCHEDULE),
    Case("schedule_item_cancel", "schedules.services.schedule_item_cancel", a_schedule_item,
         lambda w, pk: schedule_services.schedule_item_cancel(actor=w.actor, item_id=pk), SCHEDULE),
    Case("schedule_item_done", "schedules.services.schedule_item_done", a_schedule_item,
         lambda w, pk: schedule_services.schedule_item_done(actor=w.actor, item_id=pk, note="已完成"), SCHEDULE),
    # sales: an order is its owner's (and its credited employees', sales/tests); nobody collaborates on it
    Case("order_confirm", "sales.order_services.order_confirm", an_order,
         lambda w, pk: order_services.order_confirm(actor=w.actor, order_id=pk), SCHEDULE),
    Case("order_amend", "sales.order_services.order_amend", a_confirmed_order,
         lambda w, pk: order_services.order_amend(actor=w.actor, order_id=pk, reason="客户要求", note="改过的备注"),
         SCHEDULE),
    Case("order_cancel", "sales.order_services.order_cancel", a_confirmed_order,
         lambda w, pk: order_services.order_cancel(actor=w.actor, order_id=pk, reason="客户取消"), SCHEDULE),
    Case("route_apply", "schedules.plan_services.route_apply", a_planned_visit,
         lambda w, t: plan_services.route_apply(
             actor=w.actor, employee_id=t[0], day=schedule_services.org_today(w.owner) + timedelta(days=1),
             item_ids=[t[1]]), SCHEDULE, "an employee's day of visits: their own, a manager's reports'"),
    Case("customer_visit_frequency_set", "schedules.plan_services.customer_visit_frequency_set", a_customer,
         lambda w, pk: plan_services.customer_visit_frequency_set(actor=w.actor, customer_id=pk, every_days=3),
         ADMIN_FIRST, "the organization's visit plan for a customer: administrators"),
    # daily close cards: the author files and copies; a manager who sees the author reviews, never their own
    Case("card_review", "schedules.card_services.card_review", a_filed_card,
         lambda w, pk: card_services.card_review(actor=w.actor, card_id=pk, score=4),
         {"own": "FFFF", "subordinate": "NAAA", "other_branch": "NNAA"}, "nobody collaborates on a card"),
    Case("card_mark_read", "schedules.card_services.card_mark_read", a_filed_card,
         lambda w, pk: card_services.card_mark_read(actor=w.actor, card_id=pk),
         {"own": "FFFF", "subordinate": "NAAA", "other_branch": "NNAA"},
         "a reviewer (or a copied colleague: schedules/tests) marks read, the author never"),
    Case("card_copy", "schedules.card_services.card_copy", a_filed_card,
         lambda w, pk: card_services.card_copy(actor=w.actor, card_id=pk, employee_ids=[a_colleague_of(w)]),
         {k: v for k, v in AUTHOR.items() if k != "collaborator"}, "the author alone copies their card"),
    Case("close_settings_update", "schedules.card_services.close_settings_update", nothing,
         lambda w, _: card_services.close_settings_update(
             actor=w.actor, deadline_time=time(20), deadline_next_day=False, working_weekdays=[0, 1, 2, 3, 4],
             remind_before_minutes=10, plan_reminder_time=None), CONFIGURATION),
    Case("visit_review_decide", "activities.visit_review_services.visit_review_decide", an_open_visit,
         lambda w, pk: visit_review_services.visit_review_decide(
             actor=w.actor, visit_id=pk, decision="rejected", reason="不在现场"),
         {"own": "FFFF", "subordinate": "NAAA", "other_branch": "NNAA", "collaborator": "FFAA"},
         ON_COLLABORATION + " (the check-in located the customer: flagged); the employee's manager decides, never "
         "the employee, nor someone who only sees the visit through its customer"),
    # notifications and tokens: their person's alone
    Case("notification_mark_read", "notifications.services.notification_mark_read", a_notification,
         lambda w, pk: notification_services.notification_mark_read(actor=w.actor, notification_id=pk), PRIVATE,
         "a notification has a recipient, nobody collaborates on it"),
    Case("saved_filter_update", "customers.saved_filters.saved_filter_update", a_saved_filter,
         lambda w, pk: saved_filters.saved_filter_update(actor=w.actor, saved_filter_id=pk, name=unique("改名")),
         PRIVATE, "a saved filter is its owner's alone, an admin's neither; nobody collaborates on it"),
    Case("saved_filter_delete", "customers.saved_filters.saved_filter_delete", a_saved_filter,
         lambda w, pk: saved_filters.saved_filter_delete(actor=w.actor, saved_filter_id=pk), PRIVATE,
         "a saved filter is its owner's alone, an admin's neither; nobody collaborates on it"),
    Case("api_token_revoke", "org.services.api_token_revoke", an_api_token,
         lambda w, pk: org_services.api_token_revoke(actor=w.actor, token_id=pk), PRIVATE,
         "a token is its employee's alone; nobody collaborates on it"),
    # org: people and departments
    Case("employee_update", "org.services.employee_update", the_employee,
         lambda w, pk: org_services.employee_update(actor=w.actor, employee_id=pk, name=unique("改名")), PEOPLE,
         "the row is the employee: own is the actor; nobody collaborates on a person"),
    Case("employee_reset_password", "org.services.employee_reset_password", the_employee,
         lambda w, pk: org_services.employee_reset_password(actor=w.actor, employee_id=pk, new_password="Qv7#tLm2!xZp"),
         PEOPLE, "the row is the employee"),
    Case("employee_mark_left", "org.services.employee_mark_left", the_employee,
         lambda w, pk: org_services.employee_mark_left(actor=w.actor, employee_id=pk),
         {"own": "FFF-", "subordinate": "FFFA", "other_branch": "FFFA"},
         "the row is the employee; the admin leaving herself is refused as the last admin (LAST_ADMIN), not here"),
    Case("employee_create", "org.services.employee_create", the_department,
         lambda w, pk: org_services.employee_create(
             actor=w.actor, name="新人", phone=a_phone(), username=f"new{uuid.uuid4().hex[:8]}",
             password="Qv7#tLm2!xZp", department_id=pk),
         DEPARTMENTS, "the row is the department hired into: the actor's own, or Beijing"),
    Case("department_create", "org.services.department_create", the_department,
         lambda w, pk: org_services.department_create(actor=w.actor, name=unique("小组"), parent_id=pk), DEPARTMENTS,
         "the row is the parent: the actor's own department, or Beijing"),
    Case("department_update", "org.services.department_update", a_sub_department,
         lambda w, pk: org_services.department_update(actor=w.actor, department_id=pk, name=unique("改名小组")),
         DEPARTMENTS, "an empty sub-department of the actor's department, or of Beijing"),
    Case("department_move", "org.services.department_move", a_sub_department,
         lambda w, pk: org_services.department_move(actor=w.actor, department_id=pk, new_parent_id=w.cast.sales.pk),
         DEPARTMENTS, "moved under Sales"),
    Case("department_archive", "org.services.department_archive", a_sub_department,
         lambda w, pk: org_services.department_archive(actor=w.actor, department_id=pk), DEPARTMENTS),
    # the organization's configuration
    Case("template_create", "formtemplates.services.template_create", nothing,
         lambda w, _: template_services.template_create(actor=w.actor, purpose="visit", name=unique("模板")),
         CONFIGURATION),
    Case("template_update", "formtemplates.services.template_update", a_template,
         lambda w, pk: template_services.template_update(actor=w.actor, template_id=pk, name=unique("改名模板")),
         CONFIGURATION),
    Case("template_archive", "formtemplates.services.template_archive", a_template,
         lambda w, pk: template_services.template_archive(actor=w.actor, template_id=pk), CONFIGURATION),
    Case("template_publish", "formtemplates.services.template_publish", a_template,
         lambda w, pk: template_services.template_publish(
             actor=w.actor, template_id=pk, fields=[{"key": "note", "type": "text", "label": "备注"}]),
         CONFIGURATION),
    Case("stage_create", "customers.stages.stage_create", nothing,
         lambda w, _: stages.stage_create(actor=w.actor, name=unique("阶段")), CONFIGURATION),
    Case("stage_update", "customers.stages.stage_update", a_stage,
         lambda w, pk: stages.stage_update(actor=w.actor, stage_id=pk, name=unique("改名阶段")), CONFIGURATION),
    Case("stage_reorder", "customers.stages.stage_reorder", a_stage,
         lambda w, pk: stages.stage_reorder(actor=w.actor, stage_ids=stage_ids_reversed(w)),
         CONFIGURATION),
    Case("stage_delete", "customers.stages.stage_delete", a_stage,
         lambda w, pk: stages.stage_delete(actor=w.actor, stage_id=pk), CONFIGURATION),
    Case("tag_create", "customers.tags.tag_create", nothing,
         lambda w, _: tags.tag_create(actor=w.actor, name=unique("标签")[:20]), CONFIGURATION),
    Case("tag_update", "customers.tags.tag_update", a_tag,
         lambda w, pk: tags.tag_update(actor=w.actor, tag_id=pk, name=unique("改名")[:20], archived=True),
         CONFIGURATION),
    Case("pool_create", "customers.pools.pool_create", nothing,
         lambda w, _: pools.pool_create(actor=w.actor, name=unique("公海")), CONFIGURATION),
    Case("pool_update", "customers.pools.pool_update", a_pool,
         lambda w, pk: pools.pool_update(actor=w.actor, pool_id=pk, protection_days=20), CONFIGURATION),
    Case("pool_set_members", "customers.pools.pool_set_members", a_pool,
         lambda w, pk: pools.pool_set_members(actor=w.actor, pool_id=pk, member_ids=[w.cast.rep.pk]), CONFIGURATION),
    Case("visit_type_create", "activities.visit_services.visit_type_create", nothing,
         lambda w, _: visit_services.visit_type_create(actor=w.actor, name=unique("巡店")), CONFIGURATION),
    Case("visit_type_update", "activities.visit_services.visit_type_update", a_visit_type,
         lambda w, pk: visit_services.visit_type_update(actor=w.actor, visit_type_id=pk, name=unique("改名巡店")),
         CONFIGURATION),
    Case("tracking_settings_update", "tracking.services.tracking_settings_update", nothing,
         lambda w, _: tracking_services.tracking_settings_update(actor=w.actor, interval_seconds=120), CONFIGURATION),
    Case("tracking_switch_set", "tracking.services.tracking_switch_set", lambda w: w.owner.pk,
         lambda w, pk: tracking_services.tracking_switch_set(actor=w.actor, employee_id=pk, enabled=False),
         {"own": "FFFF", "subordinate": "NAAA", "other_branch": "NNAA"},
         "the switch of the employee the row is: their manager's or an admin's, never their own"),
    Case("activity_settings_update", "activities.services.settings_update", nothing,
         lambda w, _: activity_services.settings_update(actor=w.actor, edit_window_hours=48), CONFIGURATION),
    Case("duplicate_rules_update", "customers.duplicates.duplicate_rules_update", nothing,
         lambda w, _: duplicates.duplicate_rules_update(actor=w.actor, duplicate_name="block", duplicate_phone="block"),
         CONFIGURATION),
    Case("visit_frequencies_set", "schedules.plan_services.visit_frequencies_set", nothing,
         lambda w, _: plan_services.visit_frequencies_set(actor=w.actor, every_days={"A": 3}), CONFIGURATION),
    Case("attendance_group_create", "attendance.services.group_create", nothing,
         lambda w, _: attendance_services.group_create(actor=w.actor, name=unique("考勤组")), CONFIGURATION),
    Case("attendance_group_update", "attendance.services.group_update", an_attendance_group,
         lambda w, g: attendance_services.group_update(actor=w.actor, group_id=g.pk, name=unique("改名")),
         CONFIGURATION),
    Case("attendance_shift_create", "attendance.services.shift_create", an_attendance_group,
         lambda w, g: attendance_services.shift_create(actor=w.actor, group_id=g.pk, **{**SHIFT, "start": time(19),
                                                                                       "end": time(21)}),
         CONFIGURATION),
    Case("attendance_shift_delete", "attendance.services.shift_delete", an_attendance_group,
         lambda w, g: attendance_services.shift_delete(actor=w.actor, shift_id=g.shifts.get().pk), CONFIGURATION),
    Case("attendance_place_create", "attendance.services.place_create", an_attendance_group,
         lambda w, g: attendance_services.place_create(actor=w.actor, group_id=g.pk, name="仓库", latitude=31,
                                                       longitude=121), CONFIGURATION),
    Case("attendance_place_delete", "attendance.services.place_delete", an_attendance_group,
         lambda w, g: attendance_services.place_delete(actor=w.actor, place_id=g.places.get().pk), CONFIGURATION),
    Case("attendance_calendar_day_set", "attendance.services.calendar_day_set", nothing,
         lambda w, _: attendance_services.calendar_day_set(actor=w.actor, day=date(2026, 10, 1), kind="holiday"),
         CONFIGURATION),
    Case("attendance_calendar_day_delete", "attendance.services.calendar_day_delete", a_calendar_day,
         lambda w, day: attendance_services.calendar_day_delete(actor=w.actor, day=day), CONFIGURATION),
    Case("attendance_exemption_add", "attendance.services.exemption_add", no_exemption,
         lambda w, pk: attendance_services.exemption_add(actor=w.actor, employee_id=pk), CONFIGURATION),
    Case("attendance_exemption_end", "attendance.services.exemption_end", an_exemption,
         lambda w, pk: attendance_services.exemption_end(actor=w.actor, employee_id=pk), CONFIGURATION),
    Case("attendance_request_create", "attendance.services.request_create", nothing,
         lambda w, _: attendance_services.request_create(
             actor=w.actor, client_id=uuid.uuid4(), kind="correction", reason="补卡", employee_id=w.owner.pk,
             clock_kind="in", clock_at=timezone.now() - timedelta(hours=1)), APPROVE_FOR,
         "the position is the person the correction is for; for someone else it is made and approved at once"),
    Case("attendance_request_decide", "attendance.services.request_decide", a_pending_correction,
         lambda w, pk: attendance_services.request_decide(actor=w.actor, request_id=pk, approve=True), DECIDE,
         "the position is the person who asked"),
    # sales: the money side of orders
    Case("payment_plan_set", "sales.payment_services.payment_plan_set", an_order_with_money,
         lambda w, pk: payment_services.payment_plan_set(
             actor=w.actor, order_id=pk,
             items=[payment_services.InstalmentIn(payment_services.org_today(w.actor), "500.00")]), CHANGE, ON_ORDER),
    Case("payment_record", "sales.payment_services.payment_record", an_order_with_money,
         lambda w, pk: payment_services.payment_record(
             actor=w.actor, order_id=pk, client_id=uuid.uuid4(), received_on=payment_services.org_today(w.actor),
             amount="10.00"), CHANGE, ON_ORDER),
    Case("payment_correct", "sales.payment_services.payment_correct", a_payment,
         lambda w, pk: payment_services.payment_correct(actor=w.actor, payment_id=pk, amount="90.00", reason="回单"),
         CORRECT_PAYMENTS, ON_ORDER),
    Case("payment_delete", "sales.payment_services.payment_delete", a_payment,
         lambda w, pk: payment_services.payment_delete(actor=w.actor, payment_id=pk, reason="重复录入"),
         CORRECT_PAYMENTS, ON_ORDER),
    Case("sales_settings_update", "sales.payment_services.sales_settings_update", nothing,
         lambda w, _: payment_services.sales_settings_update(actor=w.actor, contract_reminder_days=10), CONFIGURATION),
    # target plans: the director's and the administrator's
    Case("target_settings_update", "targets.plan_services.target_settings_update", nothing,
         lambda w, _: target_plan_services.target_settings_update(actor=w.actor, fiscal_year_start_month=4,
                                                                  reminder_weekdays=[0]), PLANNING),
    Case("target_plan_create", "targets.plan_services.plan_create", nothing,
         lambda w, _: target_plan_services.plan_create(actor=w.actor, name=unique("目标"), metric="calls",
                                                       fiscal_year=2026), PLANNING),
    Case("target_plan_values_set", "targets.plan_services.plan_values_set", a_target_plan,
         lambda w, pk: target_plan_services.plan_values_set(actor=w.actor, plan_id=pk, values=[
             {"employee_id": w.cast.rep.pk, "period": "Y", "target": 10}]), PLANNING),
    Case("target_plan_lock", "targets.plan_services.plan_lock", a_consistent_target_plan,
         lambda w, pk: target_plan_services.plan_lock(actor=w.actor, plan_id=pk), PLANNING),
    Case("target_plan_spread_down", "targets.plan_services.plan_spread_down", a_target_plan_with_a_root_value,
         lambda w, pk: target_plan_services.plan_spread_down(actor=w.actor, plan_id=pk, node=f"d{w.cast.root.pk}",
                                                             period="Y"), PLANNING),
    Case("target_plan_spread_time", "targets.plan_services.plan_spread_time", a_target_plan_with_a_root_value,
         lambda w, pk: target_plan_services.plan_spread_time(actor=w.actor, plan_id=pk, node=f"d{w.cast.root.pk}"),
         PLANNING),
    Case("target_plan_suggestion_accept", "targets.plan_services.plan_suggestion_accept", a_target_plan,
         lambda w, pk: target_plan_services.plan_suggestion_accept(actor=w.actor, plan_id=pk,
                                                                   role_defaults={"rep": 100}), PLANNING),
    Case("target_plan_newcomer_add", "targets.plan_services.plan_newcomer_add", a_target_plan,
         lambda w, pk: target_plan_services.plan_newcomer_add(actor=w.actor, plan_id=pk, employee_id=w.cast.rep.pk,
                                                              annual_default=1200), PLANNING),
    Case("organization_update", "org.services.organization_update", nothing,
         lambda w, _: org_services.organization_update(actor=w.actor, name=unique("华东机械")), CONFIGURATION),
    Case("product_category_create", "sales.product_services.category_create", nothing,
         lambda w, _: product_services.category_create(actor=w.actor, name=unique("类别")), CONFIGURATION),
    Case("product_category_update", "sales.product_services.category_update", a_product_category,
         lambda w, pk: product_services.category_update(actor=w.actor, category_id=pk, name=unique("改名")),
         CONFIGURATION),
    Case("product_category_delete", "sales.product_services.category_delete", a_product_category,
         lambda w, pk: product_services.category_delete(actor=w.actor, category_id=pk), CONFIGURATION),
    Case("product_create", "sales.product_services.product_create", nothing,
         lambda w, _: product_services.product_create(actor=w.actor, sku=a_sku(), name="新品", list_price=1),
         CONFIGURATION),
    Case("product_update", "sales.product_services.product_update", a_product,
         lambda w, pk: product_services.product_update(actor=w.actor, product_id=pk, values={"name": unique("改")}),
         CONFIGURATION),
    Case("product_set_active", "sales.product_services.product_set_active", a_product,
         lambda w, pk: product_services.product_set_active(actor=w.actor, product_id=pk, active=False),
         CONFIGURATION),
    Case("products_bulk_create", "sales.product_services.products_bulk_create", nothing,
         lambda w, _: product_services.products_bulk_create(
             actor=w.actor, products=[{"sku": a_sku("B"), "name": "批量", "list_price": 2}]), CONFIGURATION),
    Case("product_import_commit", "sales.product_imports.product_import_commit", nothing,
         lambda w, _: product_imports.product_import_commit(actor=w.actor, filename="p.csv",
                                                            content=a_product_file()), CONFIGURATION),
]  # fmt: skip

# Write services that are not matrix rows, and why.
EXEMPT: dict[str, str] = {
    "customers.import_jobs.upload_keep": "stores the checked file under the actor's organization, for its commit",
    "customers.import_jobs.upload_forget": "deletes the actor's organization's kept file once its job has a copy",
    "activities.visit_services.visit_photos_reuse": "creates the actor's own unclaimed copies of photos held by the "
    "records of the actor's own visit (visit_record_check; others refused as not found, "
    "activities/tests/test_visit_flow.py)",
    "formtemplates.services.attachment_copy": "helper of visit_photos_reuse, which has checked the source; the copy "
    "is the actor's own fresh upload",
    # creates: the row is the actor's own by construction
    "customers.services.customer_create": "creates the actor's customer; giving it to another owner (owner_id) is "
    "checked in _clean by can_see_employee and can_change_owned_by, as a field error (customers/tests)",
    "customers.import_jobs.import_job_submit": "creates the actor's own import job; each row's owner column goes "
    "through can_change_owned_by in the import context (customers/tests/test_imports.py)",
    "customers.import_jobs.import_job_restart": "restarts a job the actor sees (import_jobs_visible: their own, or "
    "the organization's for an admin); it writes what the job's submitter asked for, nothing of the actor's",
    "customers.imports.import_commit": "the same import, synchronously: owners checked by can_change_owned_by per row",
    "schedules.card_services.card_file": "files the actor's own card (employee=actor); another's employee_id is a "
    "field error, and so is a colleague to copy to that the actor may not reach (schedules/tests/test_cards.py)",
    "activities.services.record_create": "creates the actor's record (author=actor); its customer, contact and visit "
    "must be visible to the actor (field errors, activities/tests)",
    "activities.visit_services.visit_check_in": "creates the actor's visit (employee=actor) at a customer visible to "
    "the actor (field error otherwise, activities/tests/test_visits.py)",
    "schedules.services.schedule_item_create": "plans for the actor, or for employee_id: an employee the actor sees "
    "(field error otherwise) whose rows the actor may change (can_change_owned_by, 403), schedules/tests",
    "sales.order_services.order_create": "enters an order of the actor, or of owner_id: an employee the actor sees "
    "whose rows the actor may change (field error otherwise), for a customer the actor sees, crediting employees the "
    "actor sees (field errors otherwise, sales/tests/test_orders_api.py)",
    "formtemplates.services.attachment_upload": "creates the actor's own attachment (uploaded_by=actor)",
    "attendance.services.clock_create": "creates the actor's own clock (employee=actor) by construction",
    "formtemplates.services.attachments_claim": "a helper of the saves below: claims only the actor's own fresh "
    "uploads (uploaded_by=actor, never held), tested in tests/test_attachment_borrowing.py",
    "formtemplates.services.attachments_claim_held": "the same, for the values a record or customer save holds",
    "org.services.api_token_create": "creates the actor's own token",
    "customers.saved_filters.saved_filter_create": "creates the actor's own saved filter (owner=actor: there is no "
    "owner argument); the rows its filters name must be ones the actor may choose (field errors, "
    "customers/tests/test_saved_filters.py)",
    "tracking.services.location_batch_ingest": "stores the actor's own positions only, by construction "
    "(employee=actor); tracking/tests/test_ingest.py",
    "customers.enrichment.enrich_customer": "queues public-registry lookups for a customer the actor sees: it changes "
    "nothing of the customer, only adds enrichment results (seeing is the rule)",
    "customers.pools.customer_claim": "no owner to take from: a pool customer is claimed by the members of its pool "
    "(membership checked before ownership, customers/tests/test_pools.py)",
    # the actor's own rows only, by construction
    "org.services.password_change": "the actor's own password only by construction (actor.user)",
    "org.services.employee_set_language": "the actor's own language only by construction",
    "notifications.services.notification_mark_all_read": "the actor's own notifications only by construction "
    "(filtered by recipient=actor)",
    # admin-only, permission first, no row of anyone's
    "customers.enrichment.registry_import": "admin-only: MANAGE_ORGANIZATION first; writes the organization's "
    "registry table, no one's rows",
    # helpers called by other services, not entry points
    "customers.services.customer_draft": "helper of customer_create and the import (an unsaved customer), "
    "not an entry point",
    "customers.services.contact_added_event": "helper: builds an unsaved timeline event for contact_create and imports",
    "customers.services.customer_locate_from_visit": "helper of visit_check_in, which has checked that the actor sees "
    "the customer; not an entry point",
    "customers.pools.customer_protection_extend": "helper of customer_followed_up (record_create, visit_check_in), "
    "which extends only when the follow-up's author owns the customer; its actor is optional, only the timeline's",
    "customers.notices.customers_assigned": "helper: notifications for customers_bulk_assign's receiver",
    "customers.notices.customers_handed_over": "helper: notifications for customer_handover's successors",
    "org.services.audit": "helper: the audit line of the calling service",
    "schedules.services.items_follow_handover": "helper of customer_handover (its follower hook), which has checked "
    "the permission and the leaver",
    "targets.plan_services.targets_follow_handover": "helper of customer_handover (its follower hook), which has "
    "checked the permission and the leaver",
    "org.idempotency.run_idempotent": "helper: keeps the first answer of the create it wraps, whose service checks",
    "sales.product_services.product_rows_write": "helper of products_bulk_create and product_import_commit, which "
    "have checked the permission and every row",
}

# Read-only functions (outside selectors modules) that take an actor: the isolation walk covers them.
READS: dict[str, str] = {
    "activities.feed.feed_page": "read: the records and visits of the employees the actor sees (record_feed, "
    "visit_feed: scope_to_visible)",
    "customers.summary.customer_summary": "read: facts about a customer the caller has read (customer_read); the open "
    "follow-ups are those of the employees the actor sees",
    "org.export_log.export_log": "read: the organization's export log, for those who may manage the organization "
    "(others: forbidden, customers/tests/test_export_log.py)",
    "targets.achievement.achievement": "read: a node the actor sees (visible_roots, visibility_for), else not found",
    "targets.achievement.credited_orders": "read: the orders credited to an employee the actor sees",
    "targets.achievement.default_plan": "read",
    "targets.achievement.plan_get": "read: a plan of the actor's organization",
    "targets.achievement.visible_plans": "read",
    "activities.visit_review_services.may_review": "predicate",
    "tracking.visit_checks.day_doubtful_visits": "read",
    "activities.services.can_edit": "predicate",
    "activities.visit_services.visit_check_in_preview": "read: the verdict a check-in would get",
    "activities.visit_services.visit_check_out_preview": "read: the actor's own open visit, by visit_get",
    "customers.duplicates.all_orgs_masked_existence_check": "search",
    "customers.enrichment.enrichment_latest": "read",
    "customers.exports.customers_export": "export",
    "customers.imports.import_dry_run": "validation",
    "customers.import_jobs.import_job_get": "read",
    "customers.import_jobs.import_jobs_visible": "read",
    "customers.import_jobs.import_job_refused_file": "read: a job the actor sees (import_job_get)",
    "customers.import_jobs.upload_kept": "read: a file kept under the actor's organization only",
    "customers.imports.check_mapping": "validation",
    "customers.imports.import_refused_rows": "validation: the dry run's rows with errors",
    "customers.imports.mapping_choices_for": "read: the fields of the actor's organization's template",
    "customers.import_template.import_template": "download",
    "customers.services.customer_validate": "validation",
    "customers.panels.customer_panels": "read: other apps' panels of a customer page the actor may see",
    "customers.stages.stage_list": "read",
    "customers.stages.stage_usage": "read",
    "customers.saved_filters.saved_filter_list": "read: the actor's own",
    "customers.saved_filters.saved_filter_get": "read: the actor's own (anyone else's is not found)",
    "customers.saved_filters.filters_normalise": "validation: the filters a saved filter would store",
    "customers.tags.tag_list": "read",
    "customers.tags.tag_usage": "read",
    "customers.tags.tags_for_customer": "validation: the tags a customer create or update asks for",
    "customers.timeline.customer_timeline_page": "read",
    "customers.timeline.timeline_actions": "read",
    "formtemplates.services.photo_watermark": "formatting",
    "formtemplates.validation.validate_values": "validation",
    "sales.product_imports.product_import_dry_run": "validation",
    "sales.product_imports.product_import_template": "download",
    "sales.product_services.product_validate": "validation",
}


# --- Discovery --------------------------------------------------------------------------------------------------

SKIPPED_DIRECTORIES = {"tests", "migrations", "management", "templatetags"}
SKIPPED_MODULES = {"__init__", "views", "api", "forms", "schemas", "apps", "urls", "selectors"}
SKIPPED_SUFFIXES = ("_views", "_api", "_forms", "_schemas", "_selectors")


def services_with_an_actor() -> Iterator[str]:
    """ "<app>.<module>.<function>" of every public function with a keyword-only `actor` in the apps' modules
    (shells, selectors, tests, migrations and commands left out)."""
    root = Path(fieldloop.__file__).parent
    for path in sorted(root.glob("*/**/*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if SKIPPED_DIRECTORIES & set(parts[1:-1]) or parts[-1] in SKIPPED_MODULES:
            continue
        if parts[-1].endswith(SKIPPED_SUFFIXES):
            continue
        module = importlib.import_module("fieldloop." + ".".join(parts))
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or function.__module__ != module.__name__:
                continue
            actor = inspect.signature(function).parameters.get("actor")
            if actor is not None and actor.kind == inspect.Parameter.KEYWORD_ONLY:
                yield ".".join((*parts, name))


def test_every_write_service_is_in_the_matrix_or_exempt():
    found = set(services_with_an_actor())
    in_matrix = {case.service for case in MATRIX}
    listed = [*in_matrix, *EXEMPT, *READS]
    assert len(listed) == len(set(listed)), "a service is listed twice among MATRIX, EXEMPT and READS"
    missing = sorted(found - set(listed))
    assert not missing, (
        f"{missing}: decide who may call each on whose rows. Add a Case to MATRIX in {__file__} (a row maker, "
        "the call, and the expected outcome per position for rep, manager, director and admin), or, if it changes "
        "no one's rows, an entry in EXEMPT with the reason (or in READS if it writes nothing)."
    )
    stale = sorted(set(listed) - found)
    assert not stale, f"{stale} no longer exist (or lost their keyword-only actor): remove them from {__file__}"
    assert "customers.selectors.visible_customers" not in found, "the discovery must leave selectors modules out"
    assert {"customers.services.customer_update", "org.services.employee_update"} <= found


# --- The matrix test --------------------------------------------------------------------------------------------


def owner_at(cast: Cast, role: str, position: str) -> Employee:
    actor: Employee = getattr(cast, ROLE_ATTRIBUTE[role])
    if position in ("own", "organization"):
        return actor
    if position == "subordinate":
        return cast.rep2 if role == "rep" else cast.rep
    return cast.other_branch_rep  # other_branch, collaborator


def cases() -> Iterator[Any]:
    for case in MATRIX:
        assert set(case.expect) <= set(POSITIONS), case.id
        for position, outcomes in case.expect.items():
            for role, outcome in zip(ROLES, outcomes, strict=True):
                if outcome != NOT_APPLICABLE:
                    yield pytest.param(case, role, position, outcome, id=f"{case.id}-{role}-{position}")


NOT_FOUND_IN_BULK = re.compile(r"^#\d+: not found\.$")


def outcome_of(error: ServiceError) -> str | None:
    """The outcome a refusal stands for. A bulk service refuses all or nothing, as `invalid` with a reason per
    customer under customer_ids: "#id: not found." for one the actor cannot see, a named reason for one the
    actor sees but may not move."""
    if error.code == ErrorCode.FORBIDDEN:
        return FORBIDDEN
    if error.code == ErrorCode.NOT_FOUND:
        return NOT_FOUND
    problems = [str(p) for p in error.fields.get("customer_ids", [])] if error.code == ErrorCode.INVALID else []
    if problems:
        return NOT_FOUND if all(NOT_FOUND_IN_BULK.match(p) for p in problems) else FORBIDDEN
    return None


def snapshot() -> dict[str, Any]:
    """Every row of every model of the product (users, with their passwords and active flags, included)."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for config in apps.get_app_configs()
        if config.name.startswith("fieldloop.")
        for model in config.get_models()
    }


@pytest.mark.parametrize(("case", "role", "position", "expected"), list(cases()))
def test_who_may_call_a_write_service_on_whose_rows(cast, case, role, position, expected):
    actor = getattr(cast, ROLE_ATTRIBUTE[role])
    where = Where(cast, actor, owner_at(cast, role, position), collaborating=position == "collaborator")
    target = case.make(where)
    where = Where(cast, Employee.objects.select_related("org", "department", "user").get(pk=actor.pk),
                  where.owner, where.collaborating)  # fmt: skip
    before = snapshot()
    with translation.override("en"):
        try:
            case.call(where, target)
        except ServiceError as e:
            got, detail = outcome_of(e), f"{e.code}: {e.message} {e.fields}"
        else:
            got, detail = ALLOWED, "no error"
    shown = OUTCOME_NAMES.get(got or "", "refused for another reason")
    assert got == expected, (
        f"{case.service} by the {role} on a row in position {position!r} ({case.note or 'see the module docstring'}): "
        f"expected {OUTCOME_NAMES[expected]}, got {shown} ({detail})"
    )
    if expected == ALLOWED:
        assert snapshot() != before, f"{case.service} was allowed but wrote nothing: the case proves nothing"
    else:
        assert snapshot() == before, f"{case.service} refused the {role} but wrote something"
