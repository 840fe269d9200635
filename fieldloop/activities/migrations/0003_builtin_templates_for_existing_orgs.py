"""Every organization has the built-in work-record templates (客户拜访, 竞品信息, 电话记录, 日报) and its
work-record settings from its creation (`activities.builtin.activity_defaults_create`); before, they were
created on first use. This gives an organization that never had them the same templates and settings.

The templates are copied here as they were stored on 2026-12-05 (each field definition as the designer
stores it), not imported: the app's may change later, and this migration must keep doing what it did.
`builtin_templates_installed` says whether an organization already had them (an archived one stays
archived). Going back leaves the rows (records may have been filed with them by then).
"""

from typing import Any

from django.db import migrations

# (purpose, name, English name, description, fields as stored in version 1)
BUILTIN_TEMPLATES: list[tuple[str, str, str, str, list[dict[str, Any]]]] = [
    (
        "visit",
        "客户拜访",
        "Customer visit",
        "拜访客户后填写：目的、结果、下一步、门头照片、库存与需求、竞品价格。",
        [
            {
                "key": "purpose",
                "type": "single_choice",
                "label": "拜访目的",
                "label_en": "Purpose",
                "required": True,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {
                    "choices": [
                        {"value": "routine", "label": "例行拜访", "label_en": "Routine visit"},
                        {"value": "development", "label": "新客户开发", "label_en": "New business"},
                        {"value": "service", "label": "售后服务", "label_en": "After-sales service"},
                        {"value": "collection", "label": "催收货款", "label_en": "Payment collection"},
                        {"value": "other", "label": "其他", "label_en": "Other"},
                    ]
                },
            },
            {
                "key": "outcome",
                "type": "textarea",
                "label": "拜访结果",
                "label_en": "Outcome",
                "required": True,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {},
            },
            {
                "key": "next_step",
                "type": "textarea",
                "label": "下一步计划",
                "label_en": "Next step",
                "required": False,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {},
            },
            {
                "key": "next_visit_on",
                "type": "date",
                "label": "下次拜访日期",
                "label_en": "Next visit on",
                "required": False,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {},
            },
            {
                "key": "storefront_photo",
                "type": "photo",
                "label": "门头照片",
                "label_en": "Storefront photo",
                "required": False,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {"max_count": 3, "max_size_mb": 10, "camera_only": False},
            },
            {
                "key": "stock",
                "type": "subtable",
                "label": "库存与需求",
                "label_en": "Stock and demand",
                "required": False,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {
                    "min_rows": None,
                    "max_rows": 50,
                    "columns": [
                        {
                            "key": "sku",
                            "type": "text",
                            "label": "产品/SKU",
                            "label_en": "Product / SKU",
                            "required": True,
                            "help_text": "",
                            "default": None,
                            "retired": False,
                            "options": {"max_length": 60},
                        },
                        {
                            "key": "stock",
                            "type": "integer",
                            "label": "库存数量",
                            "label_en": "In stock",
                            "required": False,
                            "help_text": "",
                            "default": None,
                            "retired": False,
                            "options": {"min": 0},
                        },
                        {
                            "key": "demand",
                            "type": "integer",
                            "label": "需求数量",
                            "label_en": "Demand",
                            "required": False,
                            "help_text": "",
                            "default": None,
                            "retired": False,
                            "options": {"min": 0},
                        },
                    ],
                },
            },
            {
                "key": "competitor",
                "type": "text",
                "label": "竞品品牌",
                "label_en": "Competitor brand",
                "required": False,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {},
            },
            {
                "key": "competitor_price",
                "type": "money",
                "label": "竞品价格",
                "label_en": "Competitor price",
                "required": False,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {"min": "0"},
            },
        ],
    ),
    (
        "competitor",
        "竞品信息",
        "Competitor information",
        "在市场上看到的竞品、价格与促销。",
        [
            {
                "key": "competitor",
                "type": "text",
                "label": "竞争对手",
                "label_en": "Competitor",
                "required": True,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {},
            },
            {
                "key": "product",
                "type": "text",
                "label": "产品",
                "label_en": "Product",
                "required": True,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {},
            },
            {
                "key": "price",
                "type": "money",
                "label": "价格",
                "label_en": "Price",
                "required": False,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {"min": "0"},
            },
            {
                "key": "promotion",
                "type": "textarea",
                "label": "促销活动",
                "label_en": "Promotion",
                "required": False,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {},
            },
            {
                "key": "photos",
                "type": "photo",
                "label": "照片",
                "label_en": "Photos",
                "required": False,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {"max_count": 9, "max_size_mb": 10, "camera_only": False},
            },
        ],
    ),
    (
        "call",
        "电话记录",
        "Call log",
        "与客户的每一次通话。",
        [
            {
                "key": "direction",
                "type": "single_choice",
                "label": "呼叫方向",
                "label_en": "Direction",
                "required": True,
                "help_text": "",
                "default": "outbound",
                "retired": False,
                "options": {
                    "choices": [
                        {"value": "outbound", "label": "呼出", "label_en": "Outbound"},
                        {"value": "inbound", "label": "呼入", "label_en": "Inbound"},
                    ]
                },
            },
            {
                "key": "duration_minutes",
                "type": "integer",
                "label": "通话时长（分钟）",
                "label_en": "Duration (minutes)",
                "required": False,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {"min": 0, "max": 600},
            },
            {
                "key": "result",
                "type": "single_choice",
                "label": "通话结果",
                "label_en": "Result",
                "required": True,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {
                    "choices": [
                        {"value": "interested", "label": "有意向", "label_en": "Interested"},
                        {"value": "follow_up", "label": "需跟进", "label_en": "Follow up"},
                        {"value": "not_interested", "label": "无意向", "label_en": "Not interested"},
                        {"value": "no_answer", "label": "未接通", "label_en": "No answer"},
                    ]
                },
            },
            {
                "key": "notes",
                "type": "textarea",
                "label": "通话内容",
                "label_en": "Notes",
                "required": False,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {},
            },
        ],
    ),
    (
        "daily_report",
        "日报",
        "Daily report",
        "今日完成、问题与解决办法、明日计划。",
        [
            {
                "key": "done_today",
                "type": "textarea",
                "label": "今日完成工作",
                "label_en": "Done today",
                "required": True,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {},
            },
            {
                "key": "problems",
                "type": "textarea",
                "label": "遇到的问题及解决办法",
                "label_en": "Problems met and how they were solved",
                "required": False,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {},
            },
            {
                "key": "plan_tomorrow",
                "type": "textarea",
                "label": "明日计划",
                "label_en": "Plan for tomorrow",
                "required": True,
                "help_text": "",
                "default": None,
                "retired": False,
                "options": {},
            },
        ],
    ),
]


def install(apps: Any, schema_editor: Any) -> None:
    Organization = apps.get_model("org", "Organization")
    ActivitySettings = apps.get_model("activities", "ActivitySettings")
    FormTemplate = apps.get_model("formtemplates", "FormTemplate")
    FormTemplateVersion = apps.get_model("formtemplates", "FormTemplateVersion")
    with_settings = ActivitySettings.objects.values("org_id")
    ActivitySettings.objects.bulk_create(
        [
            ActivitySettings(org_id=org_id)
            for org_id in Organization.objects.exclude(pk__in=with_settings).values_list("pk", flat=True)
        ]
    )
    for settings in ActivitySettings.objects.filter(builtin_templates_installed=False).order_by("pk"):
        for purpose, name, name_en, description, fields in BUILTIN_TEMPLATES:
            template = FormTemplate.objects.create(
                org_id=settings.org_id, purpose=purpose, name=name, name_en=name_en, description=description
            )
            version = FormTemplateVersion.objects.create(
                org_id=settings.org_id, template=template, number=1, fields=fields
            )
            template.current_version = version
            template.save(update_fields=["current_version", "updated_at"])
        settings.builtin_templates_installed = True
        settings.save(update_fields=["builtin_templates_installed", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0002_visits"),
        ("formtemplates", "0004_claim_existing_attachments"),
        ("org", "0003_organization_export_roles"),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
    ]
