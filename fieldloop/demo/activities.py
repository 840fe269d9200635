"""Demo work records for the demo company: months of visit reports, calls, competitor sightings and daily
reports by its reps, about their own customers, with some managers' comments. Bulk inserts, deterministic
per seed."""

import uuid
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fieldloop.activities.models import WorkRecord, WorkRecordComment
from fieldloop.core.bulk import insert_objects, update_column
from fieldloop.customers.models import Contact, Customer
from fieldloop.formtemplates.models import FormTemplate, Purpose
from fieldloop.org.models import Role

from .context import DemoContext

COUNTS = {"small": 3_000, "medium": 30_000, "large": 300_000}
DAYS = 120  # four months back from today
PURPOSE_WEIGHTS = {Purpose.VISIT: 40, Purpose.CALL: 30, Purpose.COMPETITOR: 10, Purpose.DAILY_REPORT: 20}

OUTCOMES = [
    "客户对新款设备感兴趣，要求下周提供报价。",
    "库存充足，本月暂不补货，下月初再联系。",
    "采购经理出差，与店长沟通了促销方案。",
    "客户反馈上批货物包装破损，已登记并安排售后。",
    "签订了季度供货意向，等待总部审批。",
    "竞品降价明显，客户希望我们给出更优惠的账期。",
]
NEXT_STEPS = ["下周二送样品", "发送报价单", "约采购经理面谈", "安排技术人员上门调试", "跟进回款", ""]
COMPETITORS = ["三一重工", "徐工机械", "中联重科", "柳工", "山河智能", "博世", "牧田"]
PRODUCTS = ["电动工具套装", "液压泵", "轴承组件", "数控刀具", "焊接设备", "空压机"]
PROMOTIONS = ["买十送一", "满5万返现3%", "老客户九五折", "以旧换新", ""]
CALL_NOTES = ["确认了交货时间", "客户询问发票事宜", "提醒客户付款", "介绍新品功能", "约定下次拜访时间", ""]
DONE = ["拜访客户4家，电话沟通6个。", "完成两份报价，跟进一笔回款。", "参加区域例会，整理客户资料。"]
PROBLEMS = ["客户反馈交期偏长，已与仓库协调加急。", "竞品低价冲击，申请了特价审批。", "", ""]
PLANS = ["拜访重点客户3家，跟进报价。", "整理本周拜访记录，准备周报。", "陪同经理拜访大客户。"]
COMMENTS = ["很好，继续跟进。", "报价注意毛利。", "这个客户要重点关注。", "下次拜访带上技术同事。", "收到。"]


def _values(purpose: str, rng: Any) -> dict[str, Any]:
    if purpose == Purpose.VISIT:
        values = {
            "purpose": rng.choice(["routine", "routine", "development", "service", "collection"]),
            "outcome": rng.choice(OUTCOMES),
        }
        if step := rng.choice(NEXT_STEPS):
            values["next_step"] = step
        if rng.random() < 0.5:
            values["stock"] = [
                {"sku": sku, "stock": rng.randint(0, 200), "demand": rng.randint(0, 100)}
                for sku in rng.sample(PRODUCTS, rng.randint(1, 3))
            ]
        if rng.random() < 0.3:
            values["competitor"] = rng.choice(COMPETITORS)
            values["competitor_price"] = f"{rng.randint(200, 20000)}.00"
        return values
    if purpose == Purpose.CALL:
        values = {
            "direction": rng.choice(["outbound", "outbound", "inbound"]),
            "duration_minutes": rng.randint(1, 30),
            "result": rng.choice(["interested", "follow_up", "follow_up", "not_interested", "no_answer"]),
        }
        if note := rng.choice(CALL_NOTES):
            values["notes"] = note
        return values
    if purpose == Purpose.COMPETITOR:
        values = {
            "competitor": rng.choice(COMPETITORS),
            "product": rng.choice(PRODUCTS),
            "price": f"{rng.randint(100, 50000)}.00",
        }
        if promotion := rng.choice(PROMOTIONS):
            values["promotion"] = promotion
        return values
    values = {"done_today": rng.choice(DONE), "plan_tomorrow": rng.choice(PLANS)}
    if problem := rng.choice(PROBLEMS):
        values["problems"] = problem
    return values


def build_work_records(ctx: DemoContext) -> None:
    if ctx.org is None:
        raise ValueError("build_org runs first")
    rng, org = ctx.rng, ctx.org
    reps = [e for e in ctx.employees if e.role == Role.REP]
    # the built-in templates, made with the organization by build_org
    templates = {
        t.purpose: t
        for t in FormTemplate.objects.filter(org=org, purpose__in=list(PURPOSE_WEIGHTS), is_active=True).select_related(
            "current_version"
        )
    }
    if any(t.current_version is None for t in templates.values()):
        raise ValueError("a built-in template has no version")
    customers_of: dict[int, list[int]] = defaultdict(list)
    for pk, owner_id in Customer.objects.filter(org=org, owner__isnull=False).values_list("pk", "owner_id"):
        customers_of[owner_id].append(pk)
    primary_contact = dict(Contact.objects.filter(org=org, is_primary=True).values_list("customer_id", "pk"))
    zone = ZoneInfo(org.time_zone)
    purposes = list(PURPOSE_WEIGHTS)
    weights = list(PURPOSE_WEIGHTS.values())
    count = COUNTS[ctx.size_name]
    ctx.counts["work records"] = count
    ctx.progress.set_total(count)
    batch = 5_000
    comments = 0
    for start in range(0, count, batch):
        records = []
        for _ in range(min(batch, count - start)):
            rep = rng.choice(reps)
            purpose = rng.choices(purposes, weights)[0]
            owned = customers_of.get(rep.pk)
            if purpose in (Purpose.VISIT, Purpose.CALL) and not owned:
                purpose = Purpose.DAILY_REPORT
            day = ctx.today - timedelta(days=rng.randint(0, DAYS))
            hour = 18 if purpose == Purpose.DAILY_REPORT else rng.randint(9, 17)
            captured = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), tzinfo=zone)
            captured = min(captured, ctx.now - timedelta(minutes=rng.randint(1, 600)))
            offline = rng.random() < 0.05  # sent later, when the phone had signal again
            received = captured + (
                timedelta(hours=rng.randint(1, 20)) if offline else timedelta(seconds=rng.randint(1, 9))
            )
            customer_id = None
            if purpose != Purpose.DAILY_REPORT and owned and (purpose != Purpose.COMPETITOR or rng.random() < 0.6):
                customer_id = rng.choice(owned)
            contact_id = primary_contact.get(customer_id) if purpose == Purpose.CALL and customer_id else None
            template = templates[purpose]
            records.append(
                WorkRecord(
                    org=org,
                    client_id=uuid.UUID(int=rng.getrandbits(128)),
                    template=template,
                    template_version=template.current_version,
                    author=rep,
                    customer_id=customer_id,
                    contact_id=contact_id,
                    values=_values(purpose, rng),
                    captured_at=captured,
                    received_at=min(received, ctx.now),
                    comment_count=1 if rng.random() < 0.1 else 0,
                )
            )
        insert_objects(records)
        ctx.progress.advance(len(records))
        saved = records[::-1]  # newest first, the order the demo always drew their comments in
        new_comments = [
            WorkRecordComment(
                org=org,
                client_id=uuid.UUID(int=rng.getrandbits(128)),
                record_id=r.pk,
                author_id=r.author.manager_id or r.author_id,
                body=rng.choice(COMMENTS),
            )
            for r in saved
            if r.comment_count == 1
        ]
        insert_objects(new_comments)
        comments += len(new_comments)
    ctx.counts["work record comments"] = comments


# --- Visits -------------------------------------------------------------------------------------------------

PHOTO_FIELDS: list[dict[str, Any]] = [
    {"key": "storefront", "type": "photo", "label": "门头照片", "label_en": "Storefront photo", "required": True,
     "options": {"max_count": 3, "camera_only": True}},
]  # fmt: skip
STOCK_FIELDS: list[dict[str, Any]] = [
    {"key": "stock", "type": "subtable", "label": "库存盘点", "label_en": "Stock count", "required": True,
     "options": {"columns": [
         {"key": "sku", "type": "text", "label": "产品/SKU", "label_en": "Product / SKU", "required": True},
         {"key": "stock", "type": "integer", "label": "库存数量", "label_en": "In stock", "options": {"min": 0}},
     ], "max_rows": 50}},
]  # fmt: skip
PAYMENT_FIELDS: list[dict[str, Any]] = [
    {"key": "amount", "type": "money", "label": "收款金额", "label_en": "Amount collected", "required": True,
     "options": {"min": "0"}},
    {"key": "note", "type": "textarea", "label": "收款说明", "label_en": "Payment note"},
]  # fmt: skip
METRES_PER_DEGREE = 111_195.0
PAYMENT_NOTE_SHARE = 0.85  # collection visits whose payment note was filed; the rest miss their required step
PAYMENT_NOTES = [
    "收到货款转账凭证",
    "现金收款，已开收据",
    "承兑汇票一张，到期日下月底",
    "部分回款，余款约定月底付清",
    "",
]


def _payment_values(rng: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"amount": f"{rng.randint(5, 800) * 100}.00"}
    if note := rng.choice(PAYMENT_NOTES):
        values["note"] = note
    return values


def _visit_templates(org_id: int) -> dict[str, FormTemplate]:
    from fieldloop.formtemplates.services import template_install

    kinds: list[tuple[str, str, list[dict[str, Any]]]] = [
        ("门头照片", "Storefront photo", PHOTO_FIELDS),
        ("库存盘点", "Stock count", STOCK_FIELDS),
        ("收款记录", "Payment note", PAYMENT_FIELDS),
    ]
    found = {
        name: template_install(
            org_id=org_id, purpose=Purpose.CUSTOM, name=name, name_en=en, description="", fields=fields
        )
        for name, en, fields in kinds
    }
    found["客户拜访"] = FormTemplate.objects.get(org_id=org_id, purpose=Purpose.VISIT, is_active=True)
    return found


def _offset(lat: float, lon: float, metres: float, rng: Any) -> tuple[float, float]:
    import math

    angle = rng.random() * 2 * math.pi
    d_lat = metres * math.cos(angle) / METRES_PER_DEGREE
    d_lon = metres * math.sin(angle) / (METRES_PER_DEGREE * math.cos(math.radians(lat)))
    return round(lat + d_lat, 6), round(lon + d_lon, 6)


def _link_reports(ctx: DemoContext, reports: list[WorkRecord], visits: list[Any]) -> None:
    """Each visit report points at the visit made around it (the first visits, one a report, in order)."""
    pairs = [(report.pk, visit.pk) for report, visit in zip(reports, visits, strict=False)]
    update_column(WorkRecord, "visit_id", pairs)


def build_visits(ctx: DemoContext) -> None:
    """Visit types (例行拜访: storefront photo, stock count, visit report; 收款拜访: payment note) and a
        visit around each demo visit report (its check-in before it, check-out after), most near the customer,
        some far (soft rule: flagged), some too short; plus collection visits, most with their payment note filed
    (the rest miss that required step). Bulk inserts; the customers' `last_visited_at` rollup is set
    by the history step, with their other dates."""
    from decimal import Decimal

    from fieldloop.activities.models import DistanceMode, Visit, VisitStatus, VisitType, VisitTypeStep
    from fieldloop.activities.visits import Reason
    from fieldloop.core.geo import haversine_m

    if ctx.org is None:
        raise ValueError("build_org runs first")
    rng, org = ctx.rng, ctx.org
    t = _visit_templates(org.pk)
    routine = VisitType.objects.create(
        org=org, name="例行拜访", name_en="Routine visit", max_distance_m=300, distance_mode=DistanceMode.SOFT,
        min_duration_minutes=10,
    )  # fmt: skip
    collection = VisitType.objects.create(
        org=org, name="收款拜访", name_en="Collection visit", max_distance_m=500, distance_mode=DistanceMode.HARD,
        min_duration_minutes=5,
    )  # fmt: skip
    VisitTypeStep.objects.bulk_create(
        [
            VisitTypeStep(org=org, visit_type=routine, template=t["门头照片"], position=0, required=False),
            VisitTypeStep(org=org, visit_type=routine, template=t["库存盘点"], position=1, required=False),
            VisitTypeStep(org=org, visit_type=routine, template=t["客户拜访"], position=2, required=True),
            VisitTypeStep(org=org, visit_type=collection, template=t["收款记录"], position=0, required=True),
        ]
    )
    located = {
        pk: (float(lat), float(lon))
        for pk, lat, lon in Customer.objects.filter(
            org=org, latitude__isnull=False, longitude__isnull=False
        ).values_list("pk", "latitude", "longitude")
        if lat is not None and lon is not None
    }
    reports = list(
        WorkRecord.objects.filter(org=org, template=t["客户拜访"], customer__isnull=False)
        .order_by("id")
        .only("pk", "author_id", "customer_id", "captured_at")
    )
    home = (31.2304, 121.4737)
    visits: list[Visit] = []
    payments: list[tuple[int, datetime]] = []  # (index in visits, captured_at) of the payment notes to file
    for i, report in enumerate(reports + reports[: len(reports) // 12]):
        collecting = i >= len(reports)
        short = rng.random() < 0.1
        far = rng.random() < 0.06
        captured = report.captured_at
        check_in = captured - timedelta(minutes=rng.randint(2, 8) if short else rng.randint(12, 70))
        check_out = captured + timedelta(minutes=rng.randint(0, 2) if short else rng.randint(1, 15))
        if collecting:
            check_in, check_out = check_in + timedelta(hours=2), check_out + timedelta(hours=2)
        at = located.get(report.customer_id or 0)
        lat, lon = _offset(*(at or home), rng.uniform(800, 3000) if far else abs(rng.gauss(0, 35)), rng)
        distance = round(haversine_m(lat, lon, *at), 1) if at else None
        accuracy = round(rng.uniform(5, 40) if rng.random() < 0.95 else rng.uniform(120, 400), 1)
        vt = collection if collecting else routine
        reasons = []
        if (check_out - check_in) < timedelta(minutes=vt.min_duration_minutes):
            reasons.append(Reason.TOO_SHORT)
        if distance is not None and vt.max_distance_m is not None and distance > vt.max_distance_m:
            reasons.append(Reason.TOO_FAR)
        if collecting and rng.random() < PAYMENT_NOTE_SHARE:
            payments.append((len(visits), captured + timedelta(hours=2)))  # filed during the visit
        elif collecting:
            reasons.append(Reason.STEPS_MISSING)  # forgotten: the visit is not effective
        out_lat, out_lon = _offset(lat, lon, abs(rng.gauss(0, 15)), rng)
        visits.append(
            Visit(
                org=org, client_id=uuid.UUID(int=rng.getrandbits(128)), visit_type=vt, employee_id=report.author_id,
                customer_id=report.customer_id, status=VisitStatus.CLOSED,
                check_in_latitude=Decimal(str(lat)), check_in_longitude=Decimal(str(lon)), check_in_accuracy_m=accuracy,
                check_in_fix_at=check_in - timedelta(seconds=rng.randint(1, 20)), check_in_distance_m=distance,
                check_in_signals=["poor_accuracy"] if accuracy > 100 else [], checked_in_at=check_in,
                check_in_received_at=check_in + timedelta(seconds=rng.randint(1, 5)),
                check_out_client_id=uuid.UUID(int=rng.getrandbits(128)),
                check_out_latitude=Decimal(str(out_lat)), check_out_longitude=Decimal(str(out_lon)),
                check_out_accuracy_m=round(rng.uniform(5, 40), 1),
                check_out_fix_at=check_out - timedelta(seconds=rng.randint(1, 20)),
                check_out_distance_m=round(haversine_m(out_lat, out_lon, *at), 1) if at else None,
                checked_out_at=check_out, check_out_received_at=check_out + timedelta(seconds=rng.randint(1, 5)),
                duration_s=int((check_out - check_in).total_seconds()), effective=not reasons, reasons=reasons,
            )
        )  # fmt: skip
    insert_objects(visits)
    _link_reports(ctx, reports, visits)
    note = t["收款记录"]
    insert_objects(
        [
            WorkRecord(
                org=org,
                client_id=uuid.UUID(int=rng.getrandbits(128)),
                template=note,
                template_version=note.current_version,
                author_id=visits[i].employee_id,
                customer_id=visits[i].customer_id,
                visit_id=visits[i].pk,
                values=_payment_values(rng),
                captured_at=captured,
                received_at=min(captured + timedelta(seconds=rng.randint(1, 9)), ctx.now),
            )
            for i, captured in payments
        ]
    )
    ctx.counts["visits"] = len(visits)
    ctx.counts["payment notes"] = len(payments)
