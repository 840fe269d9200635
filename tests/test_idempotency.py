"""One idempotency contract on every create of the API, found by walking the OpenAPI document.

Every POST of the API is either in KEYED (it takes the `Idempotency-Key` header, with a valid request built from
the shared cast) or in ACTIONS (with the reason it needs no key); a new route in neither fails the walk. For each
keyed route: the header is declared and required; the first call creates; a replay with the same key answers the
same status and body and writes nothing; a missing or malformed key, or the key sent by someone else, is refused
in the error format and writes nothing. Where the created row has a `client_id`, the key is stored there and no
IdempotencyRecord is written; elsewhere the first answer is kept in an IdempotencyRecord.
"""

import csv
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import Image

from conftest import Cast
from fieldloop.activities import services as activity_services
from fieldloop.activities import visit_services
from fieldloop.activities.models import Visit, WorkRecord, WorkRecordComment
from fieldloop.api import api
from fieldloop.attendance.models import AttendanceRequest, Clock
from fieldloop.core.geo import SentFix
from fieldloop.customers import credit_code, imports, pools, tags
from fieldloop.customers import services as customer_services
from fieldloop.customers.models import Contact, Customer, CustomerImportJob, CustomerStage
from fieldloop.formtemplates import services as template_services
from fieldloop.formtemplates.models import Attachment, FormTemplate, Purpose
from fieldloop.org import services as org_services
from fieldloop.org.models import Employee, IdempotencyRecord
from fieldloop.sales.models import Order, Payment
from fieldloop.schedules.models import ScheduleItem

PREFIX = "/api/v1"
SHOP = (31.2304, 121.4737)
NAME_FIELD = {"key": "name", "type": "text", "label": "名称", "label_en": "Name", "required": True}

Request = tuple[str, dict[str, Any]]  # a URL and the test client's post() keyword arguments


def json_body(data: dict[str, Any]) -> dict[str, Any]:
    return {"data": data, "content_type": "application/json"}


def upload(content: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def a_customer(owner: Employee, **fields: Any) -> Customer:
    name = f"{owner.name} 的客户 {uuid.uuid4().hex[:6]}"
    customer, _ = customer_services.customer_create(
        actor=owner, client_id=uuid.uuid4(), name=name, allow_duplicates=True, **fields
    )
    return customer


def a_template(employee: Employee, purpose: str) -> FormTemplate:
    return FormTemplate.objects.get(org_id=employee.org_id, purpose=purpose, is_active=True)


def a_fix() -> dict[str, Any]:
    return {"latitude": SHOP[0], "longitude": SHOP[1], "accuracy": 12, "fix_at": timezone.now().isoformat()}


def a_routine_visit_type(admin: Employee) -> Any:
    steps = [{"template_id": a_template(admin, Purpose.VISIT).pk}]
    return visit_services.visit_type_create(actor=admin, name=f"例行拜访 {uuid.uuid4().hex[:4]}", steps=steps)


def registry_credit_code(n: int) -> str:
    first17 = f"91310115MA1E{n:05d}"
    return first17 + credit_code.check_character(first17)


# --- What each keyed route needs: the rows it acts on, then a fresh request per call ------------------------


def departments(cast: Cast) -> Callable[[], Request]:
    return lambda: ("/departments", json_body({"name": "华南分公司", "parent_id": cast.sales.pk}))


def employees(cast: Cast) -> Callable[[], Request]:
    body = {"name": "新人", "phone": "13900000009", "username": "newbie", "password": "Str0ng-pass-2026",
            "department_id": cast.shanghai.pk}  # fmt: skip
    return lambda: ("/employees", json_body(body))


def stages(cast: Cast) -> Callable[[], Request]:
    return lambda: ("/customer-stages", json_body({"name": "试用中", "name_en": "On trial"}))


def customer_filters(cast: Cast) -> Callable[[], Request]:
    return lambda: ("/customer-filters", json_body({"name": "上海 A 类", "query": "level=A&city=上海&not_visited=14"}))


def customer_tags(cast: Cast) -> Callable[[], Request]:
    return lambda: ("/customer-tags", json_body({"name": "试用标签", "colour": "green"}))


def customers(cast: Cast) -> Callable[[], Request]:
    return lambda: ("/customers", json_body({"name": "杭州湖滨五金店", "level": "A"}))


def contacts(cast: Cast) -> Callable[[], Request]:
    shop = a_customer(cast.rep)
    return lambda: (f"/customers/{shop.pk}/contacts", json_body({"name": "王经理", "mobile": "13800000001"}))


def customer_imports(cast: Cast) -> Callable[[], Request]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(imports.COLUMN_LABELS[c]) for c in imports.COLUMNS])
    writer.writerow([{"name": "上海精工机械有限公司", "level": "A"}.get(c, "") for c in imports.COLUMNS])
    content = out.getvalue().encode("utf-8-sig")
    return lambda: ("/customers/imports", {"data": {"file": upload(content, "customers.csv")}})


def registry_imports(cast: Cast) -> Callable[[], Request]:
    rows = [["企业名称", "统一社会信用代码", "法定代表人"], ["上海精工机械有限公司", registry_credit_code(1), "张伟"]]
    content = ("\n".join(",".join(row) for row in rows) + "\n").encode("utf-8-sig")
    return lambda: ("/customer-registry/imports", {"data": {"file": upload(content, "registry.csv")}})


def bulk_assign(cast: Cast) -> Callable[[], Request]:
    shop = a_customer(cast.rep)
    return lambda: ("/customers/bulk/assign", json_body({"customer_ids": [shop.pk], "owner_id": cast.rep2.pk}))


def bulk_transfer(cast: Cast) -> Callable[[], Request]:
    shop = a_customer(cast.rep)
    body = {"customer_ids": [shop.pk], "to_employee_id": cast.rep2.pk}
    return lambda: ("/customers/bulk/transfer", json_body(body))


def bulk_release(cast: Cast) -> Callable[[], Request]:
    pool = pools.pool_create(actor=cast.admin, name="华东公海", protection_days=30)
    pools.pool_set_members(actor=cast.admin, pool_id=pool.pk, member_ids=[cast.manager.pk, cast.rep.pk])
    shop = a_customer(cast.rep)
    Customer.objects.filter(pk=shop.pk).update(pool=pool)
    return lambda: ("/customers/bulk/release", json_body({"customer_ids": [shop.pk], "pool_id": pool.pk}))


def bulk_change(path: str, **body: Any) -> Callable[[Cast], Callable[[], Request]]:
    def prepare(cast: Cast) -> Callable[[], Request]:
        shop = a_customer(cast.rep)
        extra = {k: v(cast) if callable(v) else v for k, v in body.items()}
        return lambda: (path, json_body({"customer_ids": [shop.pk], **extra}))

    return prepare


def last_stage(cast: Cast) -> int:
    return (
        CustomerStage.objects.filter(org=cast.org, is_active=True).order_by("-position").values_list("pk", flat=True)[0]
    )


def form_templates(cast: Cast) -> Callable[[], Request]:
    body = {"purpose": "visit", "name": "门店巡检", "name_en": "Store check", "fields": [NAME_FIELD]}
    return lambda: ("/form-templates", json_body(body))


def template_versions(cast: Cast) -> Callable[[], Request]:
    template = template_services.template_create(
        actor=cast.admin, purpose="visit", name="门店巡检", fields=[NAME_FIELD]
    )
    extra = {"key": "people", "type": "integer", "label": "人数", "options": {"min": 1}}
    return lambda: (f"/form-templates/{template.pk}/versions", json_body({"fields": [NAME_FIELD, extra]}))


def attachments(cast: Cast) -> Callable[[], Request]:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="JPEG")
    content = buffer.getvalue()
    return lambda: ("/attachments", {"data": {"kind": "photo", "file": upload(content, "shop.jpg")}})


def work_records(cast: Cast) -> Callable[[], Request]:
    shop = a_customer(cast.rep)
    values = {"direction": "outbound", "duration_minutes": 12, "result": "follow_up", "notes": "谈了新报价"}
    body = {"template_id": a_template(cast.rep, Purpose.CALL).pk, "customer_id": shop.pk, "values": values}
    return lambda: ("/work-records", json_body(body))


def comments(cast: Cast) -> Callable[[], Request]:
    shop = a_customer(cast.rep)
    record, _ = activity_services.record_create(
        actor=cast.rep, client_id=uuid.uuid4(), template_id=a_template(cast.rep, Purpose.DAILY_REPORT).pk,
        values={"done_today": "拜访三家客户", "plan_tomorrow": "整理报价"}, customer_id=shop.pk,
    )  # fmt: skip
    return lambda: (f"/work-records/{record.pk}/comments", json_body({"body": "客户报价再确认一下"}))


def visit_types(cast: Cast) -> Callable[[], Request]:
    body = {"name": "收款拜访", "steps": [{"template_id": a_template(cast.admin, Purpose.VISIT).pk}]}
    return lambda: ("/visit-types", json_body(body))


def check_ins(cast: Cast) -> Callable[[], Request]:
    vt = a_routine_visit_type(cast.admin)
    shop = a_customer(cast.rep, latitude=SHOP[0], longitude=SHOP[1])
    body = {"visit_type_id": vt.pk, "customer_id": shop.pk, **a_fix()}
    return lambda: ("/visits", json_body(body))


def check_outs(cast: Cast) -> Callable[[], Request]:
    vt = a_routine_visit_type(cast.admin)
    shop = a_customer(cast.rep, latitude=SHOP[0], longitude=SHOP[1])
    visit, _ = visit_services.visit_check_in(
        actor=cast.rep, client_id=uuid.uuid4(), visit_type_id=vt.pk, customer_id=shop.pk,
        position=SentFix(latitude=SHOP[0], longitude=SHOP[1], accuracy_m=12, fix_at=timezone.now(),
                                 mocked=False),
    )  # fmt: skip
    body = {**a_fix(), "confirm_not_effective": True}
    return lambda: (f"/visits/{visit.pk}/check-out", json_body(body))


def schedule_items(cast: Cast) -> Callable[[], Request]:
    shop = a_customer(cast.rep)
    body = {"day": timezone.localdate().isoformat(), "kind": "visit", "customer_id": shop.pk, "start_time": "09:30"}
    return lambda: ("/schedule-items", json_body(body))


def daily_cards(cast: Cast) -> Callable[[], Request]:
    from fieldloop.schedules.card_selectors import today_of

    body = {
        "day": today_of(cast.rep).isoformat(),
        "values": {"done_today": "拜访三家客户", "plan_tomorrow": "整理报价"},
    }
    return lambda: ("/daily-cards", json_body(body))


def products(cast: Cast) -> Callable[[], Request]:
    body = {"sku": f"EX-{uuid.uuid4().hex[:6]}", "name": "挖掘机", "list_price": "10"}
    return lambda: ("/products", json_body(body))


def product_categories(cast: Cast) -> Callable[[], Request]:
    body = {"name": f"类别 {uuid.uuid4().hex[:6]}"}
    return lambda: ("/product-categories", json_body(body))


def _attendance_group(cast: Cast) -> Any:
    from fieldloop.attendance.tests.helpers import a_group

    return a_group(cast.admin, [cast.sales.pk], name=f"考勤 {uuid.uuid4().hex[:4]}")


def attendance_groups(cast: Cast) -> Callable[[], Request]:
    body = {"name": f"考勤组 {uuid.uuid4().hex[:4]}", "department_ids": [cast.beijing.pk]}
    return lambda: ("/attendance/groups", json_body(body))


def attendance_shifts(cast: Cast) -> Callable[[], Request]:
    group = _attendance_group(cast)
    body = {"name": "晚班", "weekdays": [0], "start": "19:00", "end": "22:00"}
    return lambda: (f"/attendance/groups/{group.pk}/shifts", json_body(body))


def attendance_places(cast: Cast) -> Callable[[], Request]:
    group = _attendance_group(cast)
    body = {"name": "仓库", "latitude": 31.3, "longitude": 121.5, "radius_m": 100}
    return lambda: (f"/attendance/groups/{group.pk}/places", json_body(body))


def attendance_calendar(cast: Cast) -> Callable[[], Request]:
    return lambda: ("/attendance/calendar", json_body({"day": "2026-10-01", "kind": "holiday", "name": "国庆"}))


def attendance_whitelist(cast: Cast) -> Callable[[], Request]:
    return lambda: ("/attendance/whitelist", json_body({"employee_id": cast.rep.pk}))


def target_plans(cast: Cast) -> Callable[[], Request]:
    body = {"name": f"目标 {uuid.uuid4().hex[:4]}", "metric": "sales_amount", "fiscal_year": 2026}
    return lambda: ("/target-plans", json_body(body))


def target_newcomers(cast: Cast) -> Callable[[], Request]:
    from fieldloop.targets.tests.helpers import a_plan

    plan = a_plan(cast, name=f"目标 {uuid.uuid4().hex[:4]}")
    body = {"employee_id": cast.rep.pk, "annual_default": 1200, "reason": "新人"}
    return lambda: (f"/target-plans/{plan.pk}/newcomers", json_body(body))


def attendance_clocks(cast: Cast) -> Callable[[], Request]:
    _attendance_group(cast)
    body = {"kind": "in", **a_fix()}
    return lambda: ("/attendance/clocks", json_body(body))


def attendance_requests(cast: Cast) -> Callable[[], Request]:
    body = {"kind": "correction", "reason": "忘记打卡", "clock_kind": "in",
            "clock_at": (timezone.now() - timedelta(hours=3)).isoformat()}  # fmt: skip
    return lambda: ("/attendance/requests", json_body(body))


def attendance_decisions(cast: Cast) -> Callable[[], Request]:
    from fieldloop.attendance.services import request_create

    req, _ = request_create(actor=cast.rep, client_id=uuid.uuid4(), kind="correction", reason="忘记打卡",
                            clock_kind="out", clock_at=timezone.now() - timedelta(hours=2))  # fmt: skip
    return lambda: (f"/attendance/requests/{req.pk}/decision", json_body({"approve": True}))


def payments(cast: Cast) -> Callable[[], Request]:
    from fieldloop.sales.tests.payment_factories import an_order

    order = an_order(cast.rep, total="1000.00")
    body = {"received_on": order.signed_on.isoformat(), "amount": "100.00"}
    return lambda: (f"/orders/{order.pk}/payments", json_body(body))


def orders(cast: Cast) -> Callable[[], Request]:
    from fieldloop.sales.models import Product

    shop = a_customer(cast.rep)
    item = Product.objects.create(org=cast.org, sku=uuid.uuid4().hex[:8], name="挖掘机", list_price=100)
    body = {
        "customer_id": shop.pk, "confirm": True,
        "lines": [{"product_id": item.pk, "quantity": "2", "unit_price": "100", "discount_percent": "5"}],
    }  # fmt: skip
    return lambda: ("/orders", json_body(body))


@dataclass(frozen=True)
class Keyed:
    """A route taking the key: who calls it, what it needs, the status of its first answer, the row the key is
    stored in (model, field), and someone else of the organization whose use of the same key is refused (None:
    the key belongs to a row the path names, see the tests below)."""

    actor: str
    prepare: Callable[[Cast], Callable[[], Request]]
    status: int
    stored_in: tuple[type[Model], str]
    reused_by: str | None = "director"


BY_RECORD = (IdempotencyRecord, "key")

KEYED: dict[str, Keyed] = {
    "/departments": Keyed("admin", departments, 201, BY_RECORD),
    "/employees": Keyed("admin", employees, 201, BY_RECORD),
    "/customer-stages": Keyed("admin", stages, 201, BY_RECORD),
    "/customer-tags": Keyed("admin", customer_tags, 201, BY_RECORD),
    "/customer-filters": Keyed("manager", customer_filters, 201, BY_RECORD),
    "/customers": Keyed("rep", customers, 201, (Customer, "client_id")),
    "/customers/{customer_id}/contacts": Keyed("rep", contacts, 201, (Contact, "client_id"), reused_by=None),
    "/customers/imports": Keyed("manager", customer_imports, 202, (CustomerImportJob, "client_id")),
    "/customer-registry/imports": Keyed("admin", registry_imports, 201, BY_RECORD),
    "/customers/bulk/assign": Keyed("manager", bulk_assign, 200, BY_RECORD),
    "/customers/bulk/transfer": Keyed("manager", bulk_transfer, 200, BY_RECORD),
    "/customers/bulk/release": Keyed("rep", bulk_release, 200, BY_RECORD),
    "/customers/bulk/level": Keyed("manager", bulk_change("/customers/bulk/level", level="A"), 200, BY_RECORD),
    "/customers/bulk/stage": Keyed(
        "manager", bulk_change("/customers/bulk/stage", stage_id=last_stage), 200, BY_RECORD
    ),
    "/customers/bulk/tags": Keyed(
        "manager",
        bulk_change(
            "/customers/bulk/tags",
            add_tag_ids=lambda cast: [tags.tag_create(actor=cast.admin, name=f"重点{uuid.uuid4().hex[:6]}").pk],
        ),
        200,
        BY_RECORD,
    ),
    "/customers/bulk/archive": Keyed("manager", bulk_change("/customers/bulk/archive"), 200, BY_RECORD),
    "/form-templates": Keyed("admin", form_templates, 201, BY_RECORD),
    "/form-templates/{template_id}/versions": Keyed("admin", template_versions, 201, BY_RECORD),
    "/attachments": Keyed("rep", attachments, 201, (Attachment, "client_id")),
    "/work-records": Keyed("rep", work_records, 201, (WorkRecord, "client_id")),
    "/work-records/{record_id}/comments": Keyed("manager", comments, 201, (WorkRecordComment, "client_id"), "rep"),
    "/visit-types": Keyed("admin", visit_types, 201, BY_RECORD),
    "/visits": Keyed("rep", check_ins, 201, (Visit, "client_id"), "manager"),
    # a check-out changes the visit the path names, whose own employee alone may close it (anyone else: 404)
    "/visits/{visit_id}/check-out": Keyed("rep", check_outs, 200, (Visit, "check_out_client_id"), reused_by=None),
    "/schedule-items": Keyed("rep", schedule_items, 201, (ScheduleItem, "client_id")),
    "/orders": Keyed("rep", orders, 201, (Order, "client_id")),
    "/daily-cards": Keyed("rep", daily_cards, 201, BY_RECORD),
    "/attendance/groups": Keyed("admin", attendance_groups, 201, BY_RECORD),
    "/attendance/groups/{group_id}/shifts": Keyed("admin", attendance_shifts, 201, BY_RECORD),
    "/attendance/groups/{group_id}/places": Keyed("admin", attendance_places, 201, BY_RECORD),
    "/attendance/calendar": Keyed("admin", attendance_calendar, 200, BY_RECORD),
    "/attendance/whitelist": Keyed("admin", attendance_whitelist, 201, BY_RECORD),
    "/attendance/clocks": Keyed("rep", attendance_clocks, 201, (Clock, "client_id"), "manager"),
    "/attendance/requests": Keyed("rep", attendance_requests, 201, (AttendanceRequest, "client_id"), "manager"),
    "/attendance/requests/{request_id}/decision": Keyed("manager", attendance_decisions, 200, BY_RECORD),
    "/products": Keyed("admin", products, 201, BY_RECORD),
    "/product-categories": Keyed("admin", product_categories, 201, BY_RECORD),
    "/orders/{order_id}/payments": Keyed("rep", payments, 201, (Payment, "client_id"), "manager"),
    "/target-plans": Keyed("admin", target_plans, 201, BY_RECORD),
    "/target-plans/{plan_id}/newcomers": Keyed("admin", target_newcomers, 200, BY_RECORD),
}

# POSTs that create nothing a client could send twice by mistake: they act on a row the path names, and doing so
# again is refused or changes nothing.
ACTIONS: dict[str, str] = {
    "/visits/{visit_id}/review": "decides on an existing visit; the same decision and reason again changes nothing, "
    "another decision is recorded as a change",
    "/departments/{department_id}/move": "moves an existing department; moving it again changes nothing",
    "/departments/{department_id}/archive": "archives an existing department; archiving again is refused",
    "/employees/{employee_id}/leave": "marks an employee as left; again is refused",
    "/customers/{customer_id}/archive": "archives an existing customer; again is refused",
    "/customers/{customer_id}/restore": "restores an archived customer; again changes nothing",
    "/contacts/{contact_id}/archive": "archives an existing contact; again changes nothing",
    "/contacts/{contact_id}/primary": "makes an existing contact the primary one; again changes nothing",
    "/customers/{customer_id}/claim": "claims a pool customer; claiming again is refused",
    "/customers/{customer_id}/release": "releases an owned customer; again is refused",
    "/customers/{customer_id}/assign": "assigns an existing customer; again changes nothing",
    "/customers/{customer_id}/merge": "merges an existing duplicate; the merged one is archived, again is refused",
    "/employees/{employee_id}/customer-handover": "hands customers over; again finds none left to hand over",
    "/customers/imports/dry-run": "checks a file and writes nothing",
    "/customers/imports/{job_id}/restart": "restarts a stalled job; again is refused (409) once it runs",
    "/customers/{customer_id}/enrichment": "a refresh: a provider still pending from a recent refresh is not queued "
    "again",
    "/notifications/read-all": "marks as read; again changes nothing",
    "/notifications/{notification_id}/read": "marks as read; again changes nothing",
    "/schedule-items/{item_id}/cancel": "cancels an existing item; again changes nothing",
    "/schedule-items/{item_id}/done": "marks an existing item done; again is refused (409)",
    "/visit-route/apply": "sets the day's visits' start times in the order sent; again sets the same times",
    "/daily-cards/{card_id}/review": "reviews a filed card; again is refused (409)",
    "/daily-cards/{card_id}/copy": "copies a filed card to colleagues; again changes nothing (one reader each)",
    "/daily-cards/{card_id}/read": "marks a card read; again changes nothing",
    "/products/{product_id}/deactivate": "deactivates an existing product; again changes nothing",
    "/products/{product_id}/reactivate": "reactivates an existing product; again changes nothing",
    "/target-plans/{plan_id}/lock": "locks an existing plan; again is refused",
    "/target-plans/{plan_id}/spread": "splits a value the plan holds to its parts; again writes the same values",
    "/target-plans/{plan_id}/suggestions/accept": "replaces a draft plan's values with the suggestion computed "
    "from the same data; again writes the same values",
    "/orders/{order_id}/confirm": "confirms an existing draft; again is refused (409)",
    "/orders/{order_id}/amend": "amends an existing order to the state sent; again changes nothing and is refused "
    "(400 on reason: nothing changed), so no second amendment is recorded",
    "/orders/{order_id}/cancel": "cancels an existing order; again is refused (409)",
    "/tracking/points": "every point carries its own id (unique per employee): a replayed batch stores nothing "
    "twice and answers its points as duplicates",
}


def openapi_posts() -> dict[str, dict[str, Any]]:
    with translation.override("en"):
        schema = api.get_openapi_schema(path_prefix=PREFIX + "/")
    return {path.removeprefix(PREFIX): ops["post"] for path, ops in schema["paths"].items() if "post" in ops}


def test_every_post_is_keyed_or_a_named_action_and_every_keyed_one_requires_the_header():
    posts = openapi_posts()
    assert not set(KEYED) & set(ACTIONS)
    unknown = set(posts) - set(KEYED) - set(ACTIONS)
    assert not unknown, f"New POST routes: add each to KEYED (with a valid request) or to ACTIONS: {sorted(unknown)}"
    assert not (set(KEYED) | set(ACTIONS)) - set(posts), "Entries for routes that no longer exist"
    for path, operation in posts.items():
        headers = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
        successes = {int(s) for s in operation["responses"] if int(s) < 400}
        if path in KEYED:
            assert headers.get("Idempotency-Key", {}).get("required") is True, f"POST {path}: no required key"
            assert headers["Idempotency-Key"]["schema"]["format"] == "uuid"
            assert successes == {KEYED[path].status}, f"POST {path}: one success status, the replay's too"
        else:
            assert "Idempotency-Key" not in headers, f"POST {path} takes a key: put it in KEYED"
            assert 201 not in successes, f"POST {path} creates: it takes an Idempotency-Key (KEYED)"
        assert not any(p["name"] == "client_id" for p in operation.get("parameters", [])), f"POST {path}"
        for content in operation.get("requestBody", {}).get("content", {}).values():
            body = content["schema"]
            properties = body.get("properties") or {}
            assert "client_id" not in properties, f"POST {path}: the key is the header, not a body field"


def table_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}


def token_client(employee: Employee) -> Client:
    client = Client()
    secret = org_services.api_token_create(actor=employee, name="tests").secret
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    assert client.get(f"{PREFIX}/me").status_code == 200  # the token's first use is written down now, not later
    return client


def send(client: Client, request: Request, key: Any = None) -> Any:
    url, kwargs = request
    if key is not None:
        kwargs = {**kwargs, "HTTP_IDEMPOTENCY_KEY": str(key)}
    return client.post(PREFIX + url, **kwargs)


def stored(route: Keyed, key: uuid.UUID) -> int:
    model, field = route.stored_in
    return model._default_manager.filter(**{field: key}).count()


def writes(ctx: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE",
                                                                                           "DELETE"))]  # fmt: skip


@pytest.mark.parametrize("path", sorted(KEYED))
def test_a_create_is_applied_once_and_its_replay_answers_the_same_and_writes_nothing(cast, path):
    route = KEYED[path]
    request = route.prepare(cast)
    client = token_client(getattr(cast, route.actor))
    key = uuid.uuid4()
    before = table_counts()
    first = send(client, request(), key)
    assert first.status_code == route.status, first.content
    assert table_counts() != before or route.stored_in[1] == "check_out_client_id"  # a check-out changes its visit
    assert stored(route, key) == 1, "the key is stored with what it created"
    if route.stored_in != BY_RECORD:  # the row's own client_id is the key: no second row for it
        assert not IdempotencyRecord.objects.filter(key=key).exists()
    after_first = table_counts()
    with CaptureQueriesContext(connection) as ctx:
        replay = send(client, request(), key)
    assert (replay.status_code, replay.json()) == (first.status_code, first.json())
    assert writes(ctx) == []
    assert table_counts() == after_first


@pytest.mark.parametrize("path", sorted(KEYED))
@pytest.mark.parametrize("key", [None, "not-a-uuid", "1234"])
def test_a_create_without_a_valid_key_is_refused_on_the_key_and_writes_nothing(cast, path, key):
    route = KEYED[path]
    request = route.prepare(cast)
    actor = getattr(cast, route.actor)
    client = token_client(actor)
    before = table_counts()
    response = send(client, request(), key)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    with translation.override(actor.language):  # in the caller's language
        expected = gettext("This field is required.") if key is None else gettext("Enter a valid UUID.")
    assert response.json()["fields"]["Idempotency-Key"] == [expected]
    assert table_counts() == before


@pytest.mark.parametrize("path", sorted(p for p, route in KEYED.items() if route.reused_by))
def test_a_key_sent_again_by_someone_else_is_refused_and_writes_nothing(cast, path):
    route = KEYED[path]
    assert route.reused_by is not None
    request = route.prepare(cast)
    key = uuid.uuid4()
    assert send(token_client(getattr(cast, route.actor)), request(), key).status_code == route.status
    someone_else = token_client(getattr(cast, route.reused_by))
    before = table_counts()
    response = send(someone_else, request(), key)
    assert (response.status_code, response.json()["code"]) == (422, "idempotency_mismatch"), response.content
    assert set(response.json()["fields"]) == {"Idempotency-Key"}
    assert table_counts() == before


def test_a_key_sent_again_for_another_row_or_another_operation_is_refused(cast):
    """The key names one create: reused on another customer's contacts, another record's comments, another
    template's versions, or another route, it is refused, and nothing is written."""
    client = token_client(cast.rep)
    key = uuid.uuid4()
    first, other = a_customer(cast.rep), a_customer(cast.rep)
    body = json_body({"name": "王经理"})
    assert send(client, (f"/customers/{first.pk}/contacts", body), key).status_code == 201
    before = table_counts()
    response = send(client, (f"/customers/{other.pk}/contacts", body), key)
    assert (response.status_code, response.json()["code"]) == (422, "idempotency_mismatch")
    assert table_counts() == before

    request = comments(cast)
    url, kwargs = request()
    record_id = int(url.split("/")[2])
    other_record, _ = activity_services.record_create(
        actor=cast.rep, client_id=uuid.uuid4(), template_id=a_template(cast.rep, Purpose.DAILY_REPORT).pk,
        values={"done_today": "拜访两家客户", "plan_tomorrow": "回访"},
    )  # fmt: skip
    key = uuid.uuid4()
    assert send(client, request(), key).status_code == 201
    response = send(client, (url.replace(str(record_id), str(other_record.pk)), kwargs), key)
    assert (response.status_code, response.json()["code"]) == (422, "idempotency_mismatch")

    admin = token_client(cast.admin)
    request = template_versions(cast)
    url, kwargs = request()
    another = template_services.template_create(actor=cast.admin, purpose="visit", name="回访", fields=[NAME_FIELD])
    key = uuid.uuid4()
    assert send(admin, request(), key).status_code == 201
    response = send(admin, (f"/form-templates/{another.pk}/versions", request()[1]), key)
    assert (response.status_code, response.json()["code"]) == (422, "idempotency_mismatch")
    response = send(admin, stages(cast)(), key)  # the version's key, sent to add a stage
    assert (response.status_code, response.json()["code"]) == (422, "idempotency_mismatch")


# The same key sent with another request: a client's bug (a key reused for a new record), never a replay.
OTHER_REQUESTS: dict[str, Callable[[Cast], tuple[Request, Request]]] = {
    "/departments": lambda cast: (
        ("/departments", json_body({"name": "华南分公司", "parent_id": cast.sales.pk})),
        ("/departments", json_body({"name": "西南分公司", "parent_id": cast.sales.pk})),
    ),
    "/customers": lambda cast: (
        ("/customers", json_body({"name": "杭州湖滨五金店"})),
        ("/customers", json_body({"name": "宁波港城机电"})),
    ),
    "/work-records/{record_id}/comments": lambda cast: (comments(cast)(), comments(cast)()),
}


@pytest.mark.parametrize("path", sorted(OTHER_REQUESTS))
def test_the_same_key_with_another_request_is_a_mismatch_and_writes_nothing(cast, path):
    route = KEYED[path]
    client = token_client(getattr(cast, route.actor))
    first, other = OTHER_REQUESTS[path](cast)
    if path.endswith("/comments"):  # another comment on the same record
        other = (first[0], json_body({"body": "另一条评论"}))
    key = uuid.uuid4()
    assert send(client, first, key).status_code == route.status
    before = table_counts()
    response = send(client, other, key)
    assert (response.status_code, response.json()["code"]) == (422, "idempotency_mismatch"), response.content
    assert table_counts() == before
    assert send(client, first, key).status_code == route.status  # the true replay still answers
