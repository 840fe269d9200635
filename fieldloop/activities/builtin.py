"""The templates every organization starts with: 客户拜访, 竞品信息, 电话记录, 日报.

They are installed when an organization is created (`activity_defaults_create`, through `org.defaults`; for
organizations created before, by the data migration `0003_builtin_templates_for_existing_orgs`, which keeps
its own copy of these definitions) and are then ordinary templates: administrators edit, extend or archive
them in the designer, and an archived one stays archived. The customer and contact a record is about are
columns of the record, not template fields.
"""

from typing import Any

from fieldloop.formtemplates.fields import FieldType
from fieldloop.formtemplates.models import Purpose
from fieldloop.formtemplates.services import template_install
from fieldloop.org.models import Organization

from .models import ActivitySettings


def _choices(*items: tuple[str, str, str]) -> dict[str, Any]:
    return {"choices": [{"value": v, "label": label, "label_en": en} for v, label, en in items]}


def _field(key: str, type_: FieldType, label: str, label_en: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "type": str(type_), "label": label, "label_en": label_en, **extra}


VISIT_FIELDS = [
    _field(
        "purpose",
        FieldType.SINGLE_CHOICE,
        "拜访目的",
        "Purpose",
        required=True,
        options=_choices(
            ("routine", "例行拜访", "Routine visit"),
            ("development", "新客户开发", "New business"),
            ("service", "售后服务", "After-sales service"),
            ("collection", "催收货款", "Payment collection"),
            ("other", "其他", "Other"),
        ),
    ),
    _field("outcome", FieldType.TEXTAREA, "拜访结果", "Outcome", required=True),
    _field("next_step", FieldType.TEXTAREA, "下一步计划", "Next step"),
    _field("next_visit_on", FieldType.DATE, "下次拜访日期", "Next visit on"),
    _field("storefront_photo", FieldType.PHOTO, "门头照片", "Storefront photo", options={"max_count": 3}),
    _field(
        "stock",
        FieldType.SUBTABLE,
        "库存与需求",
        "Stock and demand",
        options={
            "columns": [
                _field("sku", FieldType.TEXT, "产品/SKU", "Product / SKU", required=True, options={"max_length": 60}),
                _field("stock", FieldType.INTEGER, "库存数量", "In stock", options={"min": 0}),
                _field("demand", FieldType.INTEGER, "需求数量", "Demand", options={"min": 0}),
            ],
            "max_rows": 50,
        },
    ),
    _field("competitor", FieldType.TEXT, "竞品品牌", "Competitor brand"),
    _field("competitor_price", FieldType.MONEY, "竞品价格", "Competitor price", options={"min": "0"}),
]

COMPETITOR_FIELDS = [
    _field("competitor", FieldType.TEXT, "竞争对手", "Competitor", required=True),
    _field("product", FieldType.TEXT, "产品", "Product", required=True),
    _field("price", FieldType.MONEY, "价格", "Price", options={"min": "0"}),
    _field("promotion", FieldType.TEXTAREA, "促销活动", "Promotion"),
    _field("photos", FieldType.PHOTO, "照片", "Photos"),
]

CALL_FIELDS = [
    _field(
        "direction",
        FieldType.SINGLE_CHOICE,
        "呼叫方向",
        "Direction",
        required=True,
        default="outbound",
        options=_choices(("outbound", "呼出", "Outbound"), ("inbound", "呼入", "Inbound")),
    ),
    _field(
        "duration_minutes", FieldType.INTEGER, "通话时长（分钟）", "Duration (minutes)", options={"min": 0, "max": 600}
    ),
    _field(
        "result",
        FieldType.SINGLE_CHOICE,
        "通话结果",
        "Result",
        required=True,
        options=_choices(
            ("interested", "有意向", "Interested"),
            ("follow_up", "需跟进", "Follow up"),
            ("not_interested", "无意向", "Not interested"),
            ("no_answer", "未接通", "No answer"),
        ),
    ),
    _field("notes", FieldType.TEXTAREA, "通话内容", "Notes"),
]

DAILY_REPORT_FIELDS = [
    _field("done_today", FieldType.TEXTAREA, "今日完成工作", "Done today", required=True),
    _field("problems", FieldType.TEXTAREA, "遇到的问题及解决办法", "Problems met and how they were solved"),
    _field("plan_tomorrow", FieldType.TEXTAREA, "明日计划", "Plan for tomorrow", required=True),
]

# (purpose, name, English name, description, fields)
BUILTIN_TEMPLATES: list[tuple[str, str, str, str, list[dict[str, Any]]]] = [
    (
        Purpose.VISIT,
        "客户拜访",
        "Customer visit",
        "拜访客户后填写：目的、结果、下一步、门头照片、库存与需求、竞品价格。",
        VISIT_FIELDS,
    ),
    (Purpose.COMPETITOR, "竞品信息", "Competitor information", "在市场上看到的竞品、价格与促销。", COMPETITOR_FIELDS),
    (Purpose.CALL, "电话记录", "Call log", "与客户的每一次通话。", CALL_FIELDS),
    (Purpose.DAILY_REPORT, "日报", "Daily report", "今日完成、问题与解决办法、明日计划。", DAILY_REPORT_FIELDS),
]


def activity_settings(*, org_id: int) -> ActivitySettings:
    """The organization's settings row (created with the organization: `activity_defaults_create`)."""
    return ActivitySettings.objects.get(org_id=org_id)


def activity_defaults_create(org: Organization) -> None:
    """A new organization's settings (the defaults) and built-in templates. Registered in `org.defaults`;
    runs in the organization's creating transaction."""
    for purpose, name, name_en, description, fields in BUILTIN_TEMPLATES:
        template_install(
            org_id=org.pk, purpose=purpose, name=name, name_en=name_en, description=description, fields=fields
        )
    ActivitySettings.objects.create(org=org, builtin_templates_installed=True)
