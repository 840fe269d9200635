"""The demo company's work records: months of every kind, about the authors' own customers, valid values."""

from collections import Counter

from fieldloop.activities.models import WorkRecord, WorkRecordComment
from fieldloop.customers.models import Customer
from fieldloop.demo.activities import COUNTS
from fieldloop.demo.company import build_demo_company
from fieldloop.formtemplates.validation import validate_values


def test_the_small_demo_company_has_months_of_valid_work_records(db):
    ctx = build_demo_company(size="small", seed=11, until="visits")  # the daily cards' write-ups come later
    records = list(
        WorkRecord.objects.filter(visit__visit_type__name="收款拜访").select_related(
            "template", "template_version", "author"
        )  # the collection visits' payment notes
    )
    assert len(records) == ctx.counts["payment notes"] > 0
    for record in records[:: max(1, len(records) // 20)]:
        assert validate_values(actor=record.author, version=record.template_version, values=record.values)
    records = list(
        WorkRecord.objects.exclude(template__name="收款记录").select_related("template", "template_version", "author")
    )
    assert len(records) == COUNTS["small"] == ctx.counts["work records"]
    kinds = Counter(r.template.purpose for r in records)
    assert set(kinds) == {"visit", "call", "competitor", "daily_report"}
    days = {r.captured_at.date() for r in records}
    assert (max(days) - min(days)).days >= 90
    owners = dict(Customer.objects.values_list("pk", "owner_id"))
    assert all(owners[r.customer_id] == r.author_id for r in records if r.customer_id)
    assert all(r.received_at >= r.captured_at for r in records)
    assert WorkRecordComment.objects.count() == ctx.counts["work record comments"] > 0
    for record in records[:: len(records) // 40]:
        assert validate_values(actor=record.author, version=record.template_version, values=record.values)
