"""Bulk level, stage, tags and archive: the single edit's rules for every chosen customer, all or nothing (a
customer the actor may not change, an id of another organization, a foreign or archived tag, an unknown level or
stage, too many ids: nothing written), one event per changed customer, idempotent API replays, and a query count
that does not grow with the number of customers."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from fieldloop.core.errors import ErrorCode, ServiceError
from fieldloop.customers import bulk_changes, pools, services, stages, tags
from fieldloop.customers.models import Customer, CustomerEvent, CustomerStage, CustomerTag
from fieldloop.customers.tests.test_api import api, post


def made(owner, n=1, name="客户"):
    return [
        services.customer_create(
            actor=owner, client_id=uuid.uuid4(), name=f"{owner.name}{name}{i}", allow_duplicates=True
        )[0]
        for i in range(n)
    ]


def ids(customers):
    return [c.pk for c in customers]


def not_found(customer_id):
    return translation.gettext("#%(id)s: not found.") % {"id": customer_id}


@pytest.fixture
def tag(cast):
    return tags.tag_create(actor=cast.admin, name="重点跟进")


@pytest.fixture
def won(cast):
    return CustomerStage.objects.get(org=cast.org, is_won=True)


def nothing_written(customers, *, level="C", events=None):
    """Their level as made, none archived, no tags, no events beyond `events` (by default: their creation)."""
    rows = Customer.objects.filter(pk__in=ids(customers))
    assert {c.level for c in rows} == {level}
    assert all(c.archived_at is None for c in rows)
    assert not CustomerTag.objects.filter(customer_id__in=ids(customers)).exists()
    written = CustomerEvent.objects.filter(customer_id__in=ids(customers))
    if events is None:
        assert not written.exclude(kind="created").exists()
    else:
        assert written.count() == events


# --- each change ---------------------------------------------------------------------------------------------


def test_a_manager_sets_her_teams_level_with_one_event_each_and_skips_those_already_there(cast):
    rexs, rias = made(cast.rep, 2), made(cast.rep2)
    Customer.objects.filter(pk=rias[0].pk).update(level="A")
    result = bulk_changes.customers_bulk_level(actor=cast.manager, customer_ids=ids(rexs + rias), level="A")
    assert sorted(result.moved) == sorted(ids(rexs)) and result.unchanged == ids(rias)
    assert set(Customer.objects.filter(pk__in=ids(rexs + rias)).values_list("level", flat=True)) == {"A"}
    events = CustomerEvent.objects.filter(kind="updated", actor=cast.manager)
    assert sorted(events.values_list("customer_id", flat=True)) == sorted(ids(rexs))
    assert [e.changes for e in events[:1]] == [{"level": ["C", "A"]}]


def test_a_stage_change_moves_to_an_active_stage_of_the_organization_only(cast, won):
    customers = made(cast.rep, 2)
    first = customers[0].stage_id
    result = bulk_changes.customers_bulk_stage(actor=cast.rep, customer_ids=ids(customers), stage_id=won.pk)
    assert sorted(result.moved) == sorted(ids(customers))
    assert set(Customer.objects.filter(pk__in=ids(customers)).values_list("stage_id", flat=True)) == {won.pk}
    assert [e.changes for e in CustomerEvent.objects.filter(kind="updated")[:1]] == [{"stage_id": [first, won.pk]}]
    stages.stage_update(actor=cast.admin, stage_id=first, is_active=False)
    foreign = CustomerStage.objects.filter(org=cast.other_org).first() or CustomerStage.objects.create(
        org=cast.other_org, name="外", position=0
    )
    for stage_id in (first, foreign.pk, 2**62, 0):
        with pytest.raises(ServiceError) as e:
            bulk_changes.customers_bulk_stage(actor=cast.rep, customer_ids=ids(customers), stage_id=stage_id)
        assert list(e.value.fields) == ["stage_id"]
    assert set(Customer.objects.filter(pk__in=ids(customers)).values_list("stage_id", flat=True)) == {won.pk}


def test_tags_are_added_and_removed_leaving_the_others(cast, tag):
    kept = tags.tag_create(actor=cast.admin, name="老客户")
    gone = tags.tag_create(actor=cast.admin, name="待回访")
    a, b = made(cast.rep, 2)
    services.customer_update(actor=cast.rep, customer_id=a.pk, tag_ids=[kept.pk, gone.pk])
    result = bulk_changes.customers_bulk_tags(
        actor=cast.manager, customer_ids=[a.pk, b.pk], add_tag_ids=[tag.pk], remove_tag_ids=[gone.pk]
    )
    assert sorted(result.moved) == sorted([a.pk, b.pk])
    assert set(Customer.objects.get(pk=a.pk).tags.values_list("name", flat=True)) == {"老客户", "重点跟进"}
    assert set(Customer.objects.get(pk=b.pk).tags.values_list("name", flat=True)) == {"重点跟进"}
    event = CustomerEvent.objects.filter(kind="updated", customer=a, actor=cast.manager).get()
    assert event.changes == {"tags": [["待回访", "老客户"], ["老客户", "重点跟进"]]}
    again = bulk_changes.customers_bulk_tags(actor=cast.manager, customer_ids=[a.pk, b.pk], add_tag_ids=[tag.pk])
    assert again.moved == [] and sorted(again.unchanged) == sorted([a.pk, b.pk])


def test_a_foreign_or_archived_tag_or_none_at_all_is_a_field_error_and_nothing_is_written(cast, tag):
    customers = made(cast.rep, 2)
    foreign = tags.tag_create(actor=cast.outsider, name="对手标签")
    archived = tags.tag_create(actor=cast.admin, name="旧标签")
    tags.tag_update(actor=cast.admin, tag_id=archived.pk, archived=True)
    cases = [
        ({"add_tag_ids": [tag.pk, foreign.pk]}, "add_tag_ids"),
        ({"remove_tag_ids": [foreign.pk]}, "remove_tag_ids"),
        ({"add_tag_ids": [archived.pk]}, "add_tag_ids"),
        ({"add_tag_ids": [tag.pk], "remove_tag_ids": [tag.pk]}, "remove_tag_ids"),
        ({}, "add_tag_ids"),
    ]
    for lists, field in cases:
        with pytest.raises(ServiceError) as e:
            bulk_changes.customers_bulk_tags(actor=cast.rep, customer_ids=ids(customers), **lists)
        assert list(e.value.fields) == [field], lists
    nothing_written(customers)
    # an archived tag may still be removed from the customers that keep it
    services.customer_update(actor=cast.rep, customer_id=customers[0].pk, tag_ids=[tag.pk])
    tags.tag_update(actor=cast.admin, tag_id=tag.pk, archived=True)
    bulk_changes.customers_bulk_tags(actor=cast.rep, customer_ids=ids(customers), remove_tag_ids=[tag.pk])
    assert not CustomerTag.objects.filter(customer_id__in=ids(customers)).exists()


def test_archive_archives_with_an_event_each_and_whoever_may_archive_restores(cast):
    customers = made(cast.rep, 3)
    result = bulk_changes.customers_bulk_archive(actor=cast.manager, customer_ids=ids(customers[:2]))
    assert sorted(result.moved) == sorted(ids(customers[:2]))
    assert Customer.objects.filter(pk__in=ids(customers), archived_at__isnull=False).count() == 2
    assert CustomerEvent.objects.filter(kind="archived", actor=cast.manager).count() == 2
    again = bulk_changes.customers_bulk_archive(actor=cast.manager, customer_ids=ids(customers))
    assert again.moved == [customers[2].pk] and sorted(again.unchanged) == sorted(ids(customers[:2]))
    services.customer_restore(actor=cast.rep, customer_id=customers[0].pk)
    assert Customer.objects.get(pk=customers[0].pk).archived_at is None


# --- all or nothing --------------------------------------------------------------------------------------------


def test_one_customer_the_actor_may_not_change_refuses_all_naming_which_and_why(cast, tag, won):
    rexs = made(cast.rep, 2)
    bens = made(cast.other_branch_rep)
    rias = made(cast.rep2)
    services.customer_update(actor=cast.rep2, customer_id=rias[0].pk, collaborator_ids=[cast.rep.pk])
    events = CustomerEvent.objects.count()
    attempts = [
        lambda chosen: bulk_changes.customers_bulk_level(actor=cast.rep, customer_ids=chosen, level="A"),
        lambda chosen: bulk_changes.customers_bulk_stage(actor=cast.rep, customer_ids=chosen, stage_id=won.pk),
        lambda chosen: bulk_changes.customers_bulk_tags(actor=cast.rep, customer_ids=chosen, add_tag_ids=[tag.pk]),
        lambda chosen: bulk_changes.customers_bulk_archive(actor=cast.rep, customer_ids=chosen),
    ]
    for attempt in attempts:
        with pytest.raises(ServiceError) as e:
            attempt(ids(rexs + bens + rias))
        problems = [str(p) for p in e.value.fields["customer_ids"]]
        assert problems[0] == not_found(bens[0].pk)  # Rex does not see Ben's customer: not even its name
        assert rias[0].name in problems[1] and "Ria" in problems[1]  # he collaborates on Ria's: seen, not his
        assert len(problems) == 2 and "2" in str(e.value.message)
    nothing_written(rexs + bens + rias, events=events)


def test_another_organizations_ids_too_many_ids_and_an_unknown_level_change_nothing(cast):
    mine = made(cast.rep, 1)
    with pytest.raises(ServiceError) as e:
        bulk_changes.customers_bulk_level(actor=cast.outsider, customer_ids=ids(mine), level="A")
    assert e.value.fields["customer_ids"] == [not_found(mine[0].pk)]
    with pytest.raises(ServiceError) as e:
        bulk_changes.customers_bulk_archive(actor=cast.rep, customer_ids=range(1, pools.BULK_LIMIT + 2))
    assert "customer_ids" in e.value.fields
    for level in ("E", "", "a"):
        with pytest.raises(ServiceError) as e:
            bulk_changes.customers_bulk_level(actor=cast.rep, customer_ids=ids(mine), level=level)
        assert list(e.value.fields) == ["level"] and e.value.code == ErrorCode.INVALID
    nothing_written(mine)


# --- set-based: the same queries for 5 customers and for 50 -------------------------------------------------


def _queries(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


@pytest.mark.parametrize("change", ["level", "stage", "tags", "archive"])
def test_a_bulk_change_takes_as_many_queries_for_50_customers_as_for_5(cast, tag, won, change):
    other = tags.tag_create(actor=cast.admin, name="老客户")

    def run(customers):
        chosen = ids(customers)
        if change == "level":
            return lambda: bulk_changes.customers_bulk_level(actor=cast.manager, customer_ids=chosen, level="B")
        if change == "stage":
            return lambda: bulk_changes.customers_bulk_stage(actor=cast.manager, customer_ids=chosen, stage_id=won.pk)
        if change == "tags":
            return lambda: bulk_changes.customers_bulk_tags(
                actor=cast.manager, customer_ids=chosen, add_tag_ids=[tag.pk], remove_tag_ids=[other.pk]
            )
        return lambda: bulk_changes.customers_bulk_archive(actor=cast.manager, customer_ids=chosen)

    def customers(n):  # owned by two reps, with a tag to remove
        chosen = made(cast.rep, n // 2, name=f"{n}a") + made(cast.rep2, n - n // 2, name=f"{n}b")
        for c in chosen:
            services.customer_update(actor=cast.admin, customer_id=c.pk, tag_ids=[other.pk])
        return chosen

    few, many = customers(5), customers(50)
    few_queries = _queries(run(few))
    assert _queries(run(many)) == few_queries
    assert few_queries <= 12  # savepoints, the checks, the lock, the owners, the writes: none per customer
    assert CustomerEvent.objects.filter(actor=cast.manager).count() == 55


# --- API -------------------------------------------------------------------------------------------------------


def test_the_api_changes_once_however_often_the_request_is_replayed(cast, tag, won):
    customers = made(cast.rep, 2)
    client = api(cast.manager)
    calls = [
        ("/api/v1/customers/bulk/level", {"level": "A"}),
        ("/api/v1/customers/bulk/stage", {"stage_id": won.pk}),
        ("/api/v1/customers/bulk/tags", {"add_tag_ids": [tag.pk]}),
        ("/api/v1/customers/bulk/archive", {}),
    ]
    for url, body in calls:
        key, data = uuid.uuid4(), {"customer_ids": ids(customers), **body}
        first = post(client, url, data, key)
        assert first.status_code == 200, first.content
        assert sorted(first.json()["changed"]) == sorted(ids(customers)) and first.json()["unchanged"] == []
        assert post(client, url, data, key).json() == first.json()
    rows = Customer.objects.filter(pk__in=ids(customers))
    assert {(c.level, c.stage_id, c.archived_at is not None) for c in rows} == {("A", won.pk, True)}
    assert CustomerTag.objects.filter(customer_id__in=ids(customers), tag=tag).count() == 2
    assert CustomerEvent.objects.filter(actor=cast.manager).count() == 8  # four changes, two customers, once each


def test_the_api_refuses_with_field_errors_and_writes_nothing(cast, tag):
    mine, bens = made(cast.rep, 2), made(cast.other_branch_rep)
    foreign = tags.tag_create(actor=cast.outsider, name="对手标签")
    client = api(cast.rep)
    refused = [
        ("/api/v1/customers/bulk/level", {"customer_ids": ids(mine + bens), "level": "A"}, 400, "customer_ids"),
        ("/api/v1/customers/bulk/level", {"customer_ids": ids(mine), "level": "Z"}, 400, "level"),
        ("/api/v1/customers/bulk/stage", {"customer_ids": ids(mine), "stage_id": 2**40}, 400, "stage_id"),
        ("/api/v1/customers/bulk/tags", {"customer_ids": ids(mine), "add_tag_ids": [foreign.pk]}, 400, "add_tag_ids"),
        ("/api/v1/customers/bulk/tags", {"customer_ids": ids(mine), "add_tag_ids": [2**70]}, 422, "add_tag_ids.0"),
        ("/api/v1/customers/bulk/archive", {"customer_ids": ids(bens)}, 400, "customer_ids"),
        ("/api/v1/customers/bulk/archive", {"customer_ids": list(range(1, 502))}, 400, "customer_ids"),
    ]
    for url, data, status, field in refused:
        response = post(client, url, data)
        assert response.status_code == status, (url, data, response.content)
        assert field in response.json()["fields"], (url, response.json())
    assert "Ben" not in post(client, "/api/v1/customers/bulk/archive", {"customer_ids": ids(bens)}).content.decode()
    nothing_written(mine + bens)
    outsider = post(api(cast.outsider), "/api/v1/customers/bulk/archive", {"customer_ids": ids(mine)})
    assert outsider.status_code == 400 and "Rex" not in outsider.content.decode()
    nothing_written(mine)


# --- the list's bulk bar -----------------------------------------------------------------------------------------


def bar_post(client, action, customers, **values):
    data = {"action": action, "customer_ids": ids(customers), "next": "/customers/?level=C"} | values
    return client.post("/customers/bulk/", data)


def test_the_bar_offers_each_change_and_explains_assign_and_transfer(cast, tag):
    made(cast.rep, 1)
    page = cast.client_for(cast.manager).get("/customers/").content.decode()
    for testid in ("bulk-level", "bulk-stage", "bulk-tags_add", "bulk-tags_remove", "bulk-archive", "bulk-assign"):
        assert f'data-testid="{testid}"' in page, testid
    assert 'data-testid="bulk-help-assign"' in page and 'data-testid="bulk-help-transfer"' in page
    assert 'data-needs="owner_id" data-testid="bulk-assign"' in page and 'data-needs="level"' in page
    assert f'value="{tag.pk}"' in page
    rep = cast.client_for(cast.rep).get("/customers/").content.decode()
    assert 'data-testid="bulk-level"' in rep and 'data-testid="bulk-archive"' in rep  # his own customers
    assert 'data-testid="bulk-help"' not in rep and 'data-testid="bulk-assign"' not in rep


def test_level_stage_and_tags_change_at_once_and_once_per_client_id(cast, tag, won):
    customers = made(cast.rep, 3)
    client, key = cast.client_for(cast.manager), str(uuid.uuid4())
    done = bar_post(client, "level", customers, level="A", client_id=key, next="/customers/?owner=" + str(cast.rep.pk))
    assert done.status_code == 302 and done["Location"].startswith(f"/customers/?owner={cast.rep.pk}&chosen=")
    page = client.get(done["Location"]).content.decode()  # the same customers stay chosen for the next action
    assert all(f'data-testid="choose-{c.pk}" checked' in page for c in customers)
    assert 'data-message="success"' in page and 'value="A" selected' not in page
    bar_post(client, "level", customers, level="A", client_id=key)  # a double submit
    assert set(Customer.objects.filter(pk__in=ids(customers)).values_list("level", flat=True)) == {"A"}
    assert CustomerEvent.objects.filter(kind="updated", actor=cast.manager).count() == 3
    bar_post(client, "stage", customers, stage_id=won.pk, client_id=str(uuid.uuid4()))
    bar_post(client, "tags_add", customers, tag_ids=[tag.pk], client_id=str(uuid.uuid4()))
    rows = Customer.objects.filter(pk__in=ids(customers))
    assert {c.stage_id for c in rows} == {won.pk}
    assert CustomerTag.objects.filter(customer_id__in=ids(customers), tag=tag).count() == 3
    bar_post(client, "tags_remove", customers[:1], tag_ids=[tag.pk], client_id=str(uuid.uuid4()))
    assert CustomerTag.objects.filter(customer_id__in=ids(customers), tag=tag).count() == 2


def test_archive_asks_for_confirmation_first(cast):
    customers = made(cast.rep, 2)
    client = cast.client_for(cast.manager)
    confirm = bar_post(client, "archive", customers)
    assert confirm.status_code == 200 and 'data-testid="bulk-confirm"' in confirm.content.decode()
    assert customers[0].name in confirm.content.decode()
    assert not Customer.objects.filter(pk__in=ids(customers), archived_at__isnull=False).exists()
    bar_post(client, "archive", customers, confirm="1", client_id=str(uuid.uuid4()))
    assert Customer.objects.filter(pk__in=ids(customers), archived_at__isnull=False).count() == 2
    assert CustomerEvent.objects.filter(kind="archived", actor=cast.manager).count() == 2


def test_a_refusal_brings_the_list_back_with_the_same_customers_ticked_and_values_chosen(cast, tag):
    rexs, bens = made(cast.rep, 2), made(cast.other_branch_rep)
    client = cast.client_for(cast.manager)
    response = bar_post(client, "tags_add", rexs + bens, tag_ids=[tag.pk], client_id=str(uuid.uuid4()))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'data-message="error"' in page and f"#{bens[0].pk}" in page and "Ben" not in page
    for customer in rexs:
        assert f'data-testid="choose-{customer.pk}" checked' in page
    assert f'data-testid="bulk-tag-{tag.pk}" checked' in page
    assert 'name="next" value="/customers/?level=C"' in page  # the next action goes back to the list, not here
    assert not CustomerTag.objects.exists()
    # a value missing: the same
    response = bar_post(client, "level", rexs, level="", owner_id=cast.rep2.pk)
    page = client.get(response["Location"]).content.decode()
    assert 'data-message="error"' in page and f'data-testid="choose-{rexs[1].pk}" checked' in page
    assert f'<option value="{cast.rep2.pk}" selected>' in page
    # an unknown level or another organization's tag: refused on its field, nothing written
    foreign = tags.tag_create(actor=cast.outsider, name="对手标签")
    for action, values in (("level", {"level": "Z"}), ("tags_add", {"tag_ids": [foreign.pk]})):
        response = bar_post(client, action, rexs, client_id=str(uuid.uuid4()), **values)
        assert 'data-message="error"' in client.get(response["Location"]).content.decode()
    nothing_written(rexs + bens)


def test_a_refusal_on_the_confirmation_page_goes_back_with_the_selection(cast):
    rexs, bens = made(cast.rep, 1), made(cast.other_branch_rep)
    client = cast.client_for(cast.manager)
    response = bar_post(client, "archive", rexs + bens, confirm="1", client_id=str(uuid.uuid4()))
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-testid="bulk-error"' in body and f"#{bens[0].pk}" in body
    found = re.search(r'href="([^"]+)" data-testid="bulk-back"', body)
    assert found is not None
    back = found.group(1).replace("&amp;", "&")
    assert back.startswith("/customers/?level=C&") and f"chosen={rexs[0].pk}" in back
    assert f'data-testid="choose-{rexs[0].pk}" checked' in client.get(back).content.decode()
    nothing_written(rexs + bens)


def test_chosen_customers_the_page_does_not_show_stay_chosen_in_the_bar(cast):
    """Ticked further down (after "load more") or no longer matching the filters: listed in the bar, still ticked."""
    shown, hidden, bens = made(cast.rep, 1), made(cast.rep, 1, name="乙"), made(cast.other_branch_rep)
    Customer.objects.filter(pk=hidden[0].pk).update(level="B")
    client = cast.client_for(cast.manager)
    response = bar_post(client, "level", shown + hidden + bens, level="A", client_id=str(uuid.uuid4()))
    page = client.get(response["Location"]).content.decode()  # /customers/?level=C: the B customer is not a row
    assert f'data-testid="choose-{shown[0].pk}" checked' in page
    start = page.index('data-testid="bulk-elsewhere"')
    elsewhere = page[start : page.index("</details>", start)]
    assert hidden[0].name in elsewhere and f'value="{hidden[0].pk}" form="bulk-form" checked' in elsewhere
    assert "Ben" not in page  # an id the manager cannot see is not listed
