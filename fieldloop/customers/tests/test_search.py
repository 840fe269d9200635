"""Searching customers by name: one function (selectors.customer_name_search) behind the list, the API,
the map and the pools, served by trigram indexes (PostgreSQL: pg_trgm; SQLite: FTS5's trigram table)."""

import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from fieldloop.core.errors import ServiceError
from fieldloop.customers import services
from fieldloop.customers.duplicates import NAME_CANDIDATES, name_key, normalise_name, trigrams
from fieldloop.customers.models import Customer, CustomerEvent
from fieldloop.customers.selectors import (
    NAME_FTS,
    CustomerFilters,
    customer_list,
    customer_name_candidates,
    customer_name_search,
)
from fieldloop.org import services as org_services


def make(cast, name, *, short_name="", phone="", actor=None):
    customer, _ = services.customer_create(
        actor=actor or cast.rep, client_id=uuid.uuid4(), name=name, short_name=short_name, phone=phone,
        allow_duplicates=True,
    )  # fmt: skip
    return customer


def names(qs):
    return sorted(c.name for c in qs)


def plan(qs) -> str:
    """The database's plan for a queryset, as text: SQLite's EXPLAIN QUERY PLAN; PostgreSQL's EXPLAIN
    with sequential scans off, so a usable index shows even on a table of a few rows."""
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        text = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        return text


def test_the_list_finds_a_name_or_short_name_containing_the_text_ignoring_case(cast):
    make(cast, "上海华东机械有限公司", short_name="华东")
    make(cast, "北京精工机械有限公司", short_name="精工")
    make(cast, "ACME Trading Co., Ltd.")
    make(cast, "苏州宏达电子", phone="0512-66668888")
    search = lambda text: names(customer_list(actor=cast.rep, filters=CustomerFilters(search=text)))  # noqa: E731
    assert search("华东机械") == ["上海华东机械有限公司"]
    assert search("机械") == ["上海华东机械有限公司", "北京精工机械有限公司"]  # two characters: no trigram
    assert search("精工") == ["北京精工机械有限公司"]
    assert search("acme trading") == ["ACME Trading Co., Ltd."]
    assert search("0512-6666") == ["苏州宏达电子"]
    assert search("东机械有限") == ["上海华东机械有限公司"]
    assert search("华东 机械") == []
    assert search('"精工') == []  # a quote is a character to find, not FTS5 syntax


def test_the_index_follows_renames_and_deletes(cast):
    customer = make(cast, "上海华东机械有限公司")
    services.customer_update(actor=cast.rep, customer_id=customer.pk, name="上海东方机床有限公司")
    base = Customer.objects.filter(org_id=cast.org.pk)
    assert names(customer_name_search(base, "华东机械")) == []
    assert names(customer_name_search(base, "东方机床")) == ["上海东方机床有限公司"]
    Customer.objects.filter(pk=customer.pk).update(short_name="东方床子")
    assert names(customer_name_search(base, "东方床")) == ["上海东方机床有限公司"]
    CustomerEvent.objects.filter(customer=customer).delete()  # customers are archived, never deleted: but if
    Customer.objects.filter(pk=customer.pk).delete()
    assert names(customer_name_search(base, "东方机床")) == []
    if connection.vendor == "sqlite":  # the external-content table still answers consistently
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO customers_customer_name_fts(customers_customer_name_fts, rank)"
                " VALUES ('integrity-check', 1)"
            )


def test_the_page_the_api_and_the_map_use_the_same_search(cast):
    for name in ("上海华东机械有限公司", "北京精工机械有限公司"):
        customer = make(cast, name)
        services.customer_update(actor=cast.rep, customer_id=customer.pk, latitude="31.2", longitude="121.4")
    secret = org_services.api_token_create(actor=cast.rep, name="t").secret
    client = cast.client_for(cast.rep)
    body = client.get("/api/v1/customers?search=华东机械", HTTP_AUTHORIZATION=f"Bearer {secret}").json()
    assert [c["name"] for c in body["items"]] == ["上海华东机械有限公司"]
    page = client.get("/customers/?q=华东机械").content.decode()
    assert "上海华东机械有限公司" in page and "北京精工机械有限公司" not in page
    points = client.get("/customers/map/points/?q=华东机械").json()
    assert [p[3] for p in points] == ["上海华东机械有限公司"]


def many_customers(cast, count: int = 3000) -> None:
    """A table big enough for a planner to prefer an index, with statistics as production has them
    (PostgreSQL: ANALYZE, what autovacuum does; SQLite: none, the app never runs ANALYZE)."""
    Customer.objects.bulk_create(
        Customer(org=cast.org, client_id=uuid.uuid4(), name=f"第{n}号贸易有限公司", short_name=f"贸易{n}",
                 owner=cast.rep2, created_by=cast.rep2)
        for n in range(count)
    )  # fmt: skip
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customer")


def test_a_name_search_of_three_characters_or_more_reads_the_trigram_index(cast):
    make(cast, "上海华东机械有限公司")
    many_customers(cast)
    qs = customer_list(actor=cast.manager, filters=CustomerFilters(search="华东机械"))
    text = plan(qs)
    if connection.vendor == "sqlite":
        assert NAME_FTS in text, text
    else:
        assert "customer_name_trgm" in text and "customer_short_name_trgm" in text, text


def candidates(cast, name, **extra):
    key = name_key(name)
    return customer_name_candidates(
        org_id=cast.org.pk, key=normalise_name(name), grams=trigrams(key.core), like=key.core,
        limit=extra.pop("limit", NAME_CANDIDATES), **extra,
    )  # fmt: skip


def test_duplicate_candidates_come_from_the_trigram_index(cast):
    make(cast, "上海华东机械有限公司")
    many_customers(cast)
    qs = candidates(cast, "华东机械(上海)", phone_key="13800138000", phone_limit=50)
    assert "上海华东机械有限公司" in names(qs)
    text = plan(qs)
    if connection.vendor == "sqlite":
        assert NAME_FTS in text, text
    else:  # the nearest names, in index order: the GiST index of 0011, no sort of every match
        assert "customer_name_key_trgm_gist" in text and "Order By" in text, text
    # the same phone from its partial index, not by walking the organization's customers in name order
    assert "customer_org_phone_key" in text, text


def test_duplicate_candidates_are_bounded_when_thousands_of_names_share_a_prefix(cast):
    """The adversarial case: every name shares a long prefix with the new one. The candidates are a
    LIMIT whatever the data, and the company that is the same one still comes first."""
    Customer.objects.bulk_create(
        Customer(org=cast.org, client_id=uuid.uuid4(), name=f"上海精工机械设备制造有限公司第{n}分厂",
                 name_key=normalise_name(f"上海精工机械设备制造有限公司第{n}分厂"), owner=cast.rep2,
                 created_by=cast.rep2)
        for n in range(2_000)
    )  # fmt: skip
    make(cast, "上海精工机械设备制造有限公司", actor=cast.rep2)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_customer")
    found = list(candidates(cast, "精工机械设备制造有限公司（上海）").values_list("name", flat=True))
    assert len(found) == NAME_CANDIDATES
    assert "上海精工机械设备制造有限公司" in found
    with pytest.raises(ServiceError) as refused:
        services.customer_create(actor=cast.rep, client_id=uuid.uuid4(), name="精工机械设备制造有限公司（上海）")
    assert "上海精工机械设备制造有限公司" in str(refused.value.fields["name"][0])


def test_the_name_indexes_exist_after_every_migration(db):
    """On SQLite, a later migration that remakes the customers table drops the triggers: this says so."""
    if connection.vendor != "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [Customer._meta.db_table])
            indexes = {row[0] for row in cursor.fetchall()}
        assert {"customer_name_trgm", "customer_short_name_trgm", "customer_name_key_trgm_gist"} <= indexes
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'customers_customer'")
        triggers = {row[0] for row in cursor.fetchall()}
    assert triggers == {f"{NAME_FTS}_insert", f"{NAME_FTS}_delete", f"{NAME_FTS}_update"}
    assert f"{NAME_FTS}_vocab" in connection.introspection.table_names()


@pytest.mark.django_db(transaction=True)
def test_the_migration_goes_back_and_forth_and_indexes_existing_rows(cast):
    make(cast, "上海华东机械有限公司")
    call_command("migrate", "customers", "0007", verbosity=0)
    assert NAME_FTS not in connection.introspection.table_names()
    call_command("migrate", verbosity=0)  # every app: going back also unapplied the apps built on customers
    # the index is new: the row is found by its rebuild
    base = Customer.objects.filter(org_id=cast.org.pk)
    assert names(customer_name_search(base, "华东机械")) == ["上海华东机械有限公司"]
    make(cast, "北京精工机械有限公司")
    assert names(customer_name_search(base, "精工机械")) == ["北京精工机械有限公司"]
