"""Merging a duplicate customer loses nothing: every table that points at a customer either moves the duplicate's
rows to the customer kept or says why they stay with the archived duplicate."""

import uuid
from datetime import timedelta

import pytest
from django.db import models
from django.utils import timezone

from conftest import Cast
from fieldloop.activities.tests.helpers import file_call
from fieldloop.activities.visit_services import visit_check_in, visit_type_create
from fieldloop.core.geo import SentFix
from fieldloop.customers import services as customer_services
from fieldloop.customers.duplicates import customer_merge
from fieldloop.customers.models import Customer, CustomerEvent, CustomerEventKind, CustomerTag, EnrichmentResult
from fieldloop.customers.tags import tag_create
from fieldloop.sales.tests.order_helpers import an_order
from fieldloop.schedules.models import ItemKind
from fieldloop.schedules.plan_services import customer_visit_frequency_set
from fieldloop.schedules.services import Recurrence
from fieldloop.schedules.tests.helpers import plan, today

pytestmark = pytest.mark.django_db

# An enrichment result is the duplicate's own lookup of its own name: it stays with it.
STAYS: set[type[models.Model]] = {EnrichmentResult}
# Labels are copied: the kept customer gets the ones it lacks, the archived duplicate keeps its own.
COPIED: dict[type[models.Model], str] = {CustomerTag: "tags", Customer.collaborators.through: "collaborators"}
# The duplicate's timeline keeps one entry of its own: "merged into ...".
OWN_ENTRY: dict[type[models.Model], int] = {CustomerEvent: 1}


def pointing_at_customers() -> list[type[models.Model]]:
    """Every model with a foreign key to a customer (tags and collaborators too), whichever app it is in."""
    return [
        relation.related_model
        for relation in Customer._meta.get_fields(include_hidden=True)
        if relation.auto_created
        and not relation.concrete
        and relation.related_model is not None
        and relation.related_model not in STAYS
    ]


def rows_of(model: type[models.Model], customer: Customer) -> int:
    return model._default_manager.filter(customer=customer).count()


def duplicate_with_everything(cast: Cast) -> tuple[Customer, Customer]:
    """The customer kept, and a duplicate (another rep's) with a row in every table that points at customers."""
    keep = customer_services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="杭州精工机械")[0]
    gone = customer_services.customer_create(
        actor=cast.rep2, client_id=uuid.uuid4(), name="杭州精工机械有限公司", allow_duplicates=True,
        tag_ids=[tag_create(actor=cast.admin, name="重点").pk], collaborator_ids=[cast.rep.pk],
    )[0]  # fmt: skip
    customer_services.contact_create(actor=cast.rep2, customer_id=gone.pk, client_id=uuid.uuid4(), name="王经理")
    visit_type = visit_type_create(actor=cast.admin, name="巡店")
    visit_check_in(
        actor=cast.rep2, client_id=uuid.uuid4(), visit_type_id=visit_type.pk, customer_id=gone.pk,
        position=SentFix(30.27, 120.15, 10, timezone.now()),
    )  # fmt: skip
    file_call(cast.rep2, gone)
    an_order(cast.rep2, gone)
    plan(cast.rep2, kind=ItemKind.CALL, customer_id=gone.pk)
    plan(
        cast.rep2, kind=ItemKind.VISIT, customer_id=gone.pk,
        recurrence=Recurrence(frequency="weekly", weekdays=[1], ends_on=today(cast.rep2) + timedelta(days=30)),
    )  # fmt: skip
    customer_visit_frequency_set(actor=cast.admin, customer_id=gone.pk, every_days=14)
    return keep, gone


def test_every_row_of_a_merged_duplicate_moves_to_the_customer_kept(cast: Cast) -> None:
    keep, gone = duplicate_with_everything(cast)
    tables = pointing_at_customers()
    missing = [model._meta.label for model in tables if not rows_of(model, gone)]
    assert not missing, f"the test's duplicate has no row in {missing}: add one, and a mover if it should move"
    before = {model: rows_of(model, gone) + rows_of(model, keep) for model in tables}

    customer_merge(actor=cast.manager, keep_id=keep.pk, merge_id=gone.pk)

    kept, archived = Customer.objects.get(pk=keep.pk), Customer.objects.get(pk=gone.pk)
    for model, labels in COPIED.items():
        had = set(getattr(archived, labels).all())
        assert had and had <= set(getattr(kept, labels).all()), model._meta.label
    moved = [model for model in tables if model not in COPIED]
    assert {model._meta.label: rows_of(model, gone) - OWN_ENTRY.get(model, 0) for model in moved} == {
        model._meta.label: 0 for model in moved
    }
    for model in moved:  # all there, nothing dropped
        assert rows_of(model, keep) == before[model] + OWN_ENTRY.get(model, 0), model._meta.label


def test_the_merge_says_what_moved_and_the_kept_customer_shows_the_duplicates_work(cast: Cast) -> None:
    keep, gone = duplicate_with_everything(cast)
    visited = timezone.now() - timedelta(hours=2)
    Customer.objects.filter(pk=gone.pk).update(last_visited_at=visited, last_followed_up_at=visited)
    Customer.objects.filter(pk=keep.pk).update(last_visited_at=None, last_followed_up_at=visited - timedelta(days=9))

    merged = customer_merge(actor=cast.manager, keep_id=keep.pk, merge_id=gone.pk)

    merged.refresh_from_db()
    assert merged.last_visited_at == visited and merged.last_followed_up_at == visited  # the later of the two
    event = CustomerEvent.objects.get(customer=keep, kind=CustomerEventKind.MERGED)
    assert event.changes["moved"] == {
        "visits": 1, "work_records": 1, "orders": 1, "schedule_items": 1 + 5, "schedule_series": 1,
        "visit_frequency": 1,
    }  # fmt: skip
    client = cast.client_for(cast.manager)
    timeline = client.get(f"/api/v1/customers/{keep.pk}/timeline").json()["items"]
    assert {"visits", "work_records", "orders"} <= {item["source"] for item in timeline}
    merged_entry = next(item for item in timeline if item["source"] == "events" and item["data"]["kind"] == "merged")
    assert merged_entry["data"]["changes"]["moved"]["visits"] == 1
    orders = client.get("/api/v1/orders", {"customer_id": keep.pk}).json()["items"]
    assert len(orders) == 1
    page = client.get(f"/customers/{keep.pk}/").content.decode()  # the web page's timeline: the order is there
    assert orders[0]["number"] in page
    assert "Visits moved: 1" in page or "转入的拜访: 1" in page  # the merge's entry says what moved
    assert "merged_id" not in page


@pytest.mark.parametrize(("language", "line"), [("en", "Orders moved: 1"), ("zh-hans", "转入的订单: 1")])
def test_the_merge_entry_on_the_page_reads_in_the_managers_language(cast: Cast, language: str, line: str) -> None:
    from fieldloop.org.services import employee_set_language

    keep, gone = duplicate_with_everything(cast)
    customer_merge(actor=cast.manager, keep_id=keep.pk, merge_id=gone.pk)
    employee_set_language(actor=cast.manager, language=language)
    page = cast.client_for(cast.manager).get(f"/customers/{keep.pk}/").content.decode()
    assert page.count('data-testid="moved"') == 6 and line in page
