"""Nothing crosses an organization or a branch, on any page or API route.

The test walks every URL pattern of the project (HTML pages and API routes alike), so an
endpoint added by a later issue joins it automatically. A pattern with a path parameter
needs an entry in PARAM_TARGETS naming the rows of the other organization (and, for a rep,
of the other branch) to try; an unknown parameter fails the test until it is registered.
"""

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation

from conftest import Cast
from fieldloop.customers import pools, saved_filters, tags
from fieldloop.customers import services as customer_services
from fieldloop.customers.models import Customer
from fieldloop.customers.stages import stage_list
from fieldloop.formtemplates import services as formtemplate_services
from fieldloop.notifications import services as notification_services
from fieldloop.notifications.models import Notification
from fieldloop.org import services
from fieldloop.org.models import Employee

# Routes that hold no organization data.
PUBLIC = {"login/", "logout/", "signup/", "i18n/setlang/", "api/v1/docs", "api/v1/openapi.json"}

# Rows of the other organization, and rows of the other branch, that an actor must never reach.
MARKERS_OTHER_ORG = ["Otto", "对手公司"]
MARKERS_OTHER_BRANCH = ["Ben"]


@dataclass
class Targets:
    """Ids to try: rows of the other organization (nobody may reach them) and of the other branch
    (a rep may not reach them; an admin of the same organization may)."""

    other_org: list[Any]
    other_branch: list[Any] = field(default_factory=list)


def _foreign_tokens(cast: Cast) -> Targets:
    token = services.api_token_create(actor=cast.outsider, name="Otto's token").token
    branch_token = services.api_token_create(actor=cast.other_branch_rep, name="Ben's token").token
    return Targets([token.pk], [branch_token.pk])


def _foreign_customers(cast: Cast) -> Targets:
    def customer(owner: Employee) -> Customer:
        # Random names can still look alike to the duplicate rules (similar names): these rows only need to exist.
        name = f"{owner.name} 的客户 {uuid.uuid4().hex[:6]}"
        return customer_services.customer_create(actor=owner, client_id=uuid.uuid4(), name=name, allow_duplicates=True)[
            0
        ]

    return Targets([customer(cast.outsider).pk], [customer(cast.other_branch_rep).pk])


def _foreign_contacts(cast: Cast) -> Targets:
    customers = _foreign_customers(cast)

    def contact(owner: Employee, customer_id: int) -> int:
        return customer_services.contact_create(
            actor=owner, customer_id=customer_id, client_id=uuid.uuid4(), name=f"{owner.name} 的联系人"
        )[0].pk

    return Targets(
        [contact(cast.outsider, customers.other_org[0])],
        [contact(cast.other_branch_rep, customers.other_branch[0])],
    )


def _foreign_templates(cast: Cast) -> Targets:
    """Templates are read by the whole organization: only another organization's are out of reach."""
    template = formtemplate_services.template_create(actor=cast.outsider, purpose="visit", name="Otto 的拜访模板")
    return Targets([template.pk])


def _foreign_pools(cast: Cast) -> Targets:
    other_org = pools.pool_create(actor=cast.outsider, name="Otto 的公海")
    other_branch = pools.pool_create(actor=cast.admin, name="Ben 的公海")  # the rep is no member of it
    return Targets([other_org.pk], [other_branch.pk])


def _foreign_records(cast: Cast) -> Targets:
    from fieldloop.activities.tests.helpers import file_daily

    return Targets([file_daily(cast.outsider).pk], [file_daily(cast.other_branch_rep).pk])


def _foreign_visit_types(cast: Cast) -> Targets:
    """Visit types are the organization's configuration: only another organization's are out of reach."""
    from fieldloop.activities.visit_services import visit_type_create

    return Targets([visit_type_create(actor=cast.outsider, name=f"对手类型 {uuid.uuid4().hex[:4]}").pk])


def _foreign_visits(cast: Cast) -> Targets:
    """A visit is its employee's: Otto's and Ben's (each at a customer of theirs)."""
    from django.utils import timezone

    from fieldloop.activities.visit_services import visit_check_in, visit_type_create
    from fieldloop.core.geo import SentFix

    def visit(employee: Employee) -> int:
        vt = visit_type_create(actor=cast.outsider if employee == cast.outsider else cast.admin,
                               name=f"巡店 {uuid.uuid4().hex[:6]}")  # fmt: skip
        customer = customer_services.customer_create(
            actor=employee,
            client_id=uuid.uuid4(),
            name=f"{employee.name} 的门店 {uuid.uuid4().hex[:6]}",
            allow_duplicates=True,
        )[0]
        position = SentFix(31.23, 121.47, 10, timezone.now())
        return visit_check_in(actor=employee, client_id=uuid.uuid4(), visit_type_id=vt.pk, customer_id=customer.pk,
                              position=position)[0].pk  # fmt: skip

    return Targets([visit(cast.outsider)], [visit(cast.other_branch_rep)])


def _foreign_import_jobs(cast: Cast) -> Targets:
    """An import job is its submitter's (an admin sees the organization's): Otto's and Ben's."""
    from fieldloop.customers.import_jobs import import_job_submit
    from fieldloop.customers.tasks import enqueue_import_job

    def job(owner: Employee) -> int:
        content = f"name\n{owner.name} 导入的客户 {uuid.uuid4().hex[:6]}\n".encode()
        return import_job_submit(
            actor=owner, client_id=uuid.uuid4(), filename="c.csv", content=content, enqueue=enqueue_import_job
        )[0].pk

    return Targets([job(cast.outsider)], [job(cast.other_branch_rep)])


def _foreign_stages(cast: Cast) -> Targets:
    """Stages are the organization's configuration: only another organization's are out of reach."""
    return Targets([stage_list(actor=cast.outsider)[0].pk])


def _foreign_tags(cast: Cast) -> Targets:
    """Tags are the organization's configuration: only another organization's are out of reach."""
    return Targets([tags.tag_create(actor=cast.outsider, name=f"对手{uuid.uuid4().hex[:6]}").pk])


def _foreign_notifications(cast: Cast) -> Targets:
    """A notification is its recipient's alone: not even an admin of the same organization opens Ben's."""

    def notification(recipient: Employee) -> int:
        notification_services.notify(
            recipient=recipient, kind="customers.assigned", params={"actor": recipient.name, "customer": "对手公司"}
        )
        return Notification.objects.filter(recipient=recipient).latest("id").pk

    return Targets([notification(cast.outsider)], [notification(cast.other_branch_rep)])


def _foreign_saved_filters(cast: Cast) -> Targets:
    """A saved filter is its owner's alone: Otto's and Ben's (the admin's reach over Ben's is
    customers/tests/test_saved_filters.py's: not found too)."""

    def saved(owner: Employee) -> int:
        return saved_filters.saved_filter_create(
            actor=owner, name=f"对手筛选 {uuid.uuid4().hex[:4]}", query="level=A"
        ).pk

    return Targets([saved(cast.outsider)], [saved(cast.other_branch_rep)])


def _foreign_schedule_items(cast: Cast) -> Targets:
    """A schedule item is its employee's: Otto's and Ben's."""
    from fieldloop.schedules.services import org_today, schedule_item_create

    def item(employee: Employee) -> int:
        return schedule_item_create(
            actor=employee, client_id=uuid.uuid4(), day=org_today(employee), kind="task", title="对手的日程"
        )[0].pk

    return Targets([item(cast.outsider)], [item(cast.other_branch_rep)])


def _foreign_daily_cards(cast: Cast) -> Targets:
    """A daily close card is its employee's: Otto's and Ben's, filed."""
    from fieldloop.activities.tests.helpers import DAILY_VALUES
    from fieldloop.schedules.card_selectors import today_of
    from fieldloop.schedules.card_services import card_file

    def card(employee: Employee) -> int:
        return card_file(actor=employee, client_id=uuid.uuid4(), day=today_of(employee), values=DAILY_VALUES)[0].pk

    return Targets([card(cast.outsider)], [card(cast.other_branch_rep)])


def _foreign_attendance_group(cast: Cast) -> Any:
    from fieldloop.attendance.tests.helpers import a_group

    return a_group(cast.outsider, [], name=f"对手考勤 {uuid.uuid4().hex[:4]}")


def _foreign_attendance_groups(cast: Cast) -> Targets:
    """Attendance groups (their shifts and places) are the organization's configuration: only another
    organization's are out of reach."""
    return Targets([_foreign_attendance_group(cast).pk])


def _foreign_shifts(cast: Cast) -> Targets:
    return Targets([_foreign_attendance_group(cast).shifts.get().pk])


def _foreign_places(cast: Cast) -> Targets:
    return Targets([_foreign_attendance_group(cast).places.get().pk])


def _foreign_attendance_requests(cast: Cast) -> Targets:
    """A leave, trip or correction is its employee's: Otto's and Ben's."""
    from datetime import timedelta

    from django.utils import timezone

    from fieldloop.attendance.services import request_create

    def request(employee: Employee) -> int:
        return request_create(actor=employee, client_id=uuid.uuid4(), kind="correction", reason="对手忘记打卡",
                              clock_kind="in", clock_at=timezone.now() - timedelta(hours=1))[0].pk  # fmt: skip

    return Targets([request(cast.outsider)], [request(cast.other_branch_rep)])


def _foreign_products(cast: Cast) -> Targets:
    """The catalogue is the organization's: only another organization's products are out of reach."""
    from fieldloop.sales.product_services import product_create

    return Targets([product_create(actor=cast.outsider, sku=f"OT-{uuid.uuid4().hex[:6]}", name="对手产品",
                                   list_price="1").pk])  # fmt: skip


def _foreign_product_categories(cast: Cast) -> Targets:
    from fieldloop.sales.product_services import category_create

    return Targets([category_create(actor=cast.outsider, name=f"对手类别 {uuid.uuid4().hex[:4]}").pk])


def _foreign_orders(cast: Cast) -> Targets:
    """An order is its owner's (and its credited employees'): Otto's and Ben's, confirmed."""
    from fieldloop.sales.models import Product
    from fieldloop.sales.order_services import LineIn, order_create

    def order(owner: Employee) -> int:
        name = f"{owner.name} 的客户 {uuid.uuid4().hex[:6]}"
        customer = customer_services.customer_create(
            actor=owner, client_id=uuid.uuid4(), name=name, allow_duplicates=True
        )[0]
        product = Product.objects.create(org_id=owner.org_id, sku=uuid.uuid4().hex[:8], name="对手产品", list_price=1)
        return order_create(
            actor=owner, client_id=uuid.uuid4(), customer_id=customer.pk, lines=[LineIn(product.pk, "1", "10")],
            confirm=True,
        )[0].pk  # fmt: skip

    return Targets([order(cast.outsider)], [order(cast.other_branch_rep)])


def _foreign_payments(cast: Cast) -> Targets:
    """A payment received on an order of Otto's and on one of Ben's."""
    from fieldloop.sales.payment_services import payment_record
    from fieldloop.sales.tests.payment_factories import an_order

    def payment(owner: Employee) -> int:
        order = an_order(owner)
        return payment_record(
            actor=owner, order_id=order.pk, client_id=uuid.uuid4(), received_on=order.signed_on, amount="10.00"
        )[0].pk

    return Targets([payment(cast.outsider)], [payment(cast.other_branch_rep)])


def _foreign_target_plans(cast: Cast) -> Targets:
    """A target plan is the organization's: only another organization's is out of reach."""
    from fieldloop.targets.plan_services import plan_create

    plan = plan_create(actor=cast.outsider, name=f"对手目标 {uuid.uuid4().hex[:4]}", metric="calls", fiscal_year=2026)
    return Targets([plan.pk])


# parameter name -> the rows to try (a plain list means: rows of the other organization)
PARAM_TARGETS: dict[str, Callable[[Cast], Targets | list[Any]]] = {
    "employee_id": lambda cast: Targets([cast.outsider.pk], [cast.other_branch_rep.pk]),
    "department_id": lambda cast: Targets([cast.outsider.department_id]),
    "token_id": _foreign_tokens,
    "customer_id": _foreign_customers,
    "contact_id": _foreign_contacts,
    "pool_id": _foreign_pools,
    "template_id": _foreign_templates,
    "notification_id": _foreign_notifications,
    "stage_id": _foreign_stages,
    "tag_id": _foreign_tags,
    "saved_filter_id": _foreign_saved_filters,
    "job_id": _foreign_import_jobs,
    "record_id": _foreign_records,
    "visit_type_id": _foreign_visit_types,
    "visit_id": _foreign_visits,
    "item_id": _foreign_schedule_items,
    "card_id": _foreign_daily_cards,
    # a day of the caller's own card (there is no other's): a day to come is not found
    "day": lambda cast: Targets(["2999-01-01"]),
    "group_id": _foreign_attendance_groups,
    "shift_id": _foreign_shifts,
    "place_id": _foreign_places,
    "request_id": _foreign_attendance_requests,
    "product_id": _foreign_products,
    "category_id": _foreign_product_categories,
    "order_id": _foreign_orders,
    "payment_id": _foreign_payments,
    "plan_id": _foreign_target_plans,
    "number": lambda cast: Targets([1]),  # a template's version number: only after template_id, see PAIRED_TARGETS
    "attachment_id": lambda cast: Targets([1]),  # only after record_id or customer_id: see PAIRED_TARGETS
}


def _foreign_record_photos(cast: Cast) -> Targets:
    """(record, photo it holds) of Otto's and of Ben's: a real photo of a real record, not a guessed id."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fieldloop.activities.services import record_create
    from fieldloop.activities.tests.helpers import VISIT_VALUES, customer, template
    from fieldloop.formtemplates.services import attachment_upload
    from fieldloop.formtemplates.tests.test_photos_upload import photo_bytes

    def record_with_photo(author: Employee) -> tuple[int, int]:
        upload = SimpleUploadedFile("shop.jpg", photo_bytes(), content_type="image/jpeg")
        photo = attachment_upload(actor=author, client_id=uuid.uuid4(), upload=upload, kind="photo")
        record, _ = record_create(
            actor=author, client_id=uuid.uuid4(), template_id=template(author, "visit").pk,
            values={**VISIT_VALUES, "storefront_photo": [photo.pk]}, customer_id=customer(author).pk,
        )  # fmt: skip
        return record.pk, photo.pk

    return Targets([record_with_photo(cast.outsider)], [record_with_photo(cast.other_branch_rep)])


# Parameters that name a row only together (an attachment of a record): (values, ...) per organization/branch.
def _foreign_template_versions(cast: Cast) -> Targets:
    """(template, one of its real version numbers) of the other organization."""
    template = formtemplate_services.template_create(actor=cast.outsider, purpose="visit", name="Otto 的巡店模板")
    assert template.current_version is not None
    return Targets([(template.pk, template.current_version.number)])


PAIRED_TARGETS: dict[tuple[str, ...], Callable[[Cast], Targets]] = {
    ("record_id", "attachment_id"): _foreign_record_photos,
    ("template_id", "number"): _foreign_template_versions,
}


def targets_for(name: str, cast: Cast) -> Targets:
    found = PARAM_TARGETS[name](cast)
    return found if isinstance(found, Targets) else Targets(list(found))


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def all_routes() -> Iterator[str]:
    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    for route in walk(get_resolver().url_patterns, ""):
        route = route.lstrip("^").rstrip("$")
        if route not in PUBLIC and not route.startswith("static"):
            yield route


ROUTES = sorted(set(all_routes()))
LIST_ROUTES = [r for r in ROUTES if not PARAM.search(r)]
DETAIL_ROUTES = [r for r in ROUTES if PARAM.search(r)]


def fill(route: str, cast: Cast) -> Targets:
    """The route's URLs for the other organization's rows and for the other branch's rows."""
    names = [m.group(2) for m in PARAM.finditer(route)]
    unknown = [n for n in names if n not in PARAM_TARGETS]
    assert not unknown, f"register a target for {unknown} of /{route} in PARAM_TARGETS"
    paired = PAIRED_TARGETS.get(tuple(names))
    targets = paired(cast) if paired else targets_for(names[0], cast)

    def url(value: Any) -> str:
        values = iter(value if isinstance(value, tuple) else [value] * len(names))
        return "/" + PARAM.sub(lambda _m: str(next(values)), route)

    return Targets([url(v) for v in targets.other_org], [url(v) for v in targets.other_branch])


def snapshot(cast: Cast) -> dict[str, Any]:
    """Every row of every model of the product: an outsider's or another branch's action must change none.
    A model a later app adds is covered without registering it."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for config in apps.get_app_configs()
        if config.name.startswith("fieldloop.")
        for model in config.get_models()
    }


RANDOM_TOKEN = re.compile(r"[A-Za-z0-9_\-+/=]{20,}")


def without_random_tokens(body: str) -> str:
    """The page without CSRF tokens, CSP nonces and similar random strings, in which a short marker
    like "Ben" can turn up by chance."""
    return RANDOM_TOKEN.sub("", body)


def test_the_walk_finds_the_pages_and_api_routes():
    assert "employees/" in LIST_ROUTES
    assert "api/v1/employees" in LIST_ROUTES
    assert any(r.startswith("api/v1/employees/") for r in DETAIL_ROUTES)


@pytest.mark.parametrize("route", LIST_ROUTES)
@pytest.mark.parametrize("who", ["admin", "manager", "rep"])
def test_lists_never_show_another_organizations_or_branchs_rows(cast, route, who):
    for name in PARAM_TARGETS:  # rows that a leaking list would show
        targets_for(name, cast)
    actor = getattr(cast, who)
    client = cast.client_for(actor)
    response = client.get("/" + route)
    assert response.status_code < 500
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    body = without_random_tokens(raw.decode(errors="replace"))  # downloads (an .xlsx template) are not text
    for marker in MARKERS_OTHER_ORG:
        assert marker not in body, f"/{route} shows {marker} to {who}"
    if who != "admin":
        for marker in MARKERS_OTHER_BRANCH:
            assert marker not in body, f"/{route} shows {marker} to {who}"


@pytest.mark.parametrize("route", DETAIL_ROUTES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_details_and_actions_on_another_organizations_rows_are_not_found(cast, route, method):
    """Even an admin reaches nothing of another organization; a rep nothing of another branch."""
    urls = fill(route, cast)
    clients = {who: cast.client_for(getattr(cast, who)) for who in ("admin", "rep")}  # signing in is a write
    before = snapshot(cast)
    for who, client in clients.items():
        # the admin may reach the other branch of her own organization
        for url in urls.other_org + (urls.other_branch if who == "rep" else []):
            response = getattr(client, method)(url)
            assert response.status_code in {302, 400, 403, 404, 405, 422}, f"{method.upper()} {url} as {who}"
            body = without_random_tokens(response.content.decode(errors="replace"))
            for marker in MARKERS_OTHER_ORG + MARKERS_OTHER_BRANCH:
                assert marker not in body, f"{method.upper()} {url} shows {marker} to {who}"
    assert snapshot(cast) == before


@pytest.mark.parametrize("route", DETAIL_ROUTES)
def test_an_id_too_large_for_the_database_is_not_found_not_a_crash(cast, route):
    url = "/" + PARAM.sub(str(2**70), route)
    response = cast.client_for(cast.admin).get(url)
    assert response.status_code in {404, 405}, url


# The bulk routes name their rows in the body, not the path: another organization's customers (for anyone) and
# another branch's (for a rep) are "not found", by id only, and nothing changes.
BULK_ROUTES = {
    "/api/v1/customers/bulk/assign": lambda cast, who: {"owner_id": getattr(cast, who).pk},
    "/api/v1/customers/bulk/transfer": lambda cast, who: {"to_employee_id": getattr(cast, who).pk},
    "/api/v1/customers/bulk/release": lambda cast, who: {},
    "/api/v1/customers/bulk/level": lambda cast, who: {"level": "A"},
    "/api/v1/customers/bulk/stage": lambda cast, who: {"stage_id": stage_list(actor=getattr(cast, who))[-1].pk},
    "/api/v1/customers/bulk/tags": lambda cast, who: {"add_tag_ids": [tags.tag_create(actor=cast.admin, name=who).pk]},
    "/api/v1/customers/bulk/archive": lambda cast, who: {},
}


@pytest.mark.parametrize("route", sorted(BULK_ROUTES))
def test_a_bulk_action_on_another_organizations_or_branchs_customers_finds_none_and_changes_nothing(cast, route):
    foreign = _foreign_customers(cast)
    for who in ("admin", "rep"):
        ids = foreign.other_org + (foreign.other_branch if who == "rep" else [])
        body = {"customer_ids": ids, **BULK_ROUTES[route](cast, who)}
        client = cast.client_for(getattr(cast, who))  # signing in is a write
        before = snapshot(cast)
        response = client.post(
            route, body, content_type="application/json", headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        assert response.status_code in {400, 403}, f"POST {route} as {who}: {response.status_code}"
        fields = response.json().get("fields", {})
        with translation.override(getattr(cast, who).language):
            not_found = [translation.gettext("#%(id)s: not found.") % {"id": i} for i in ids]
        if response.status_code == 400:
            assert [str(m) for m in fields.get("customer_ids", [])] == not_found, fields
        else:  # refused before any customer is looked up (a rep may not assign at all)
            assert "customer_ids" not in fields
        for marker in MARKERS_OTHER_ORG + MARKERS_OTHER_BRANCH:
            assert marker not in response.content.decode(), f"POST {route} shows {marker} to {who}"
        assert snapshot(cast) == before
