"""core.bulk's instance writes, as the demo uses them: what goes in reads back through the ORM exactly as
`bulk_create` would have stored it (times, UUIDs, JSON, decimals, NULLs), the ids handed out are the rows'
and leave room for the ORM's next create, and one column set by primary key lands on its rows only."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction

from fieldloop.core.bulk import (
    FOREIGN_KEYS,
    ROWS_AND_STATISTICS,
    SECONDARY_INDEXES,
    foreign_keys_checked_once,
    indexes_rebuilt_after,
    insert_objects,
    insert_rows,
    update_column,
)
from fieldloop.customers.models import Customer, CustomerLevel
from fieldloop.org.models import Organization
from fieldloop.tracking.models import LocationPoint

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def org(cast):
    return cast.org


@pytest.fixture
def rep(cast):
    return cast.rep2


def customer(rep, name, **extra):
    extra.setdefault("client_id", uuid.uuid4())
    return Customer(org=rep.org, name=name, created_by=rep, owner=rep, **extra)


def test_inserted_customers_read_back_as_bulk_create_stores_them(org, rep):
    claimed = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=SHANGHAI)
    ours = [
        customer(rep, "上海精工机械有限公司", level=CustomerLevel.A, latitude=Decimal("31.230400"),
                 longitude=Decimal("121.473700"), claimed_at=claimed, custom_values={"规模": "大", "n": 3}),
        customer(rep, "北京五金", phone="138 0000 0000"),
    ]  # fmt: skip
    theirs = [customer(rep, c.name, level=c.level, latitude=c.latitude, longitude=c.longitude, claimed_at=c.claimed_at,
                       custom_values=c.custom_values, phone=c.phone) for c in ours]  # fmt: skip
    with transaction.atomic():
        insert_objects(ours)
        Customer.objects.bulk_create(theirs)
    assert all(c.pk for c in ours) and ours[1].pk == ours[0].pk + 1
    fields = ["name", "level", "latitude", "longitude", "claimed_at", "custom_values", "phone", "protected_until"]
    stored = {c.pk: c for c in Customer.objects.filter(pk__in=[c.pk for c in ours + theirs])}
    for mine, reference in zip(ours, theirs, strict=True):
        assert [getattr(stored[mine.pk], f) for f in fields] == [getattr(stored[reference.pk], f) for f in fields]
        assert stored[mine.pk].client_id == mine.client_id
        assert stored[mine.pk].created_at is not None  # auto_now_add filled as bulk_create fills it
    assert stored[ours[0].pk].claimed_at == claimed.astimezone(UTC)
    assert Customer.objects.filter(org=org, claimed_at__gte=claimed - timedelta(seconds=1)).count() == 2


def test_the_orm_creates_after_the_ids_handed_out(org, rep):
    with transaction.atomic():
        batch = [customer(rep, f"客户{n}") for n in range(5)]
        insert_objects(batch)
        after = Customer.objects.create(org=org, client_id=uuid.uuid4(), name="之后", created_by=rep, owner=rep)
    assert after.pk > max(c.pk for c in batch)
    assert Customer.objects.filter(org=org).count() == 6


def test_a_broken_constraint_raises_and_writes_nothing(org, rep):
    twin = uuid.uuid4()
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_objects([customer(rep, "甲", client_id=twin), customer(rep, "乙", client_id=twin)])
    assert not Customer.objects.filter(org=org).exists()


def test_a_row_of_the_wrong_width_is_refused(org):
    with pytest.raises(ValueError, match="2 values for 3 columns"), transaction.atomic():
        insert_rows(Organization, ["name", "time_zone", "currency"], [("Too short", "UTC")])


def test_update_column_sets_the_given_rows_only(org, rep):
    visited = datetime(2026, 3, 2, 10, 5, tzinfo=SHANGHAI)
    with transaction.atomic():
        batch = [customer(rep, f"客户{n}") for n in range(3)]
        insert_objects(batch)
        update_column(Customer, "last_visited_at", [(batch[0].pk, visited), (batch[1].pk, visited + timedelta(days=1))])
        update_column(Customer, "level", [(batch[2].pk, CustomerLevel.A)])
    stored = {c.pk: (c.last_visited_at, c.level) for c in Customer.objects.filter(org=org)}
    assert stored == {
        batch[0].pk: (visited, CustomerLevel.C),
        batch[1].pk: (visited + timedelta(days=1), CustomerLevel.C),
        batch[2].pk: (None, CustomerLevel.A),
    }
    assert Customer.objects.filter(org=org, last_visited_at__lt=visited + timedelta(hours=1)).count() == 1


def test_float_columns_take_floats_ints_and_decimals_as_the_orm_stores_them(org, rep):
    at = datetime(2026, 3, 2, 10, 5, tzinfo=SHANGHAI)
    fields = ("org_id", "employee_id", "at", "latitude", "longitude", "accuracy_m", "speed_mps", "heading",
              "provider", "mocked", "client_point_id", "received_at")  # fmt: skip
    rows = [
        (org.pk, rep.pk, at, 31.2304, 121.4737, 12.5, None, None, "gps", False, uuid.uuid4(), at),
        (org.pk, rep.pk, at + timedelta(minutes=5), Decimal("31.230500"), 121, "8.25", 3, Decimal("90.5"),
         "gps", False, uuid.uuid4(), at),
    ]  # fmt: skip
    with transaction.atomic():
        insert_rows(LocationPoint, fields, rows)
    stored = list(
        LocationPoint.objects.filter(employee=rep)
        .order_by("at")
        .values_list("latitude", "longitude", "accuracy_m", "speed_mps", "heading")
    )
    assert stored == [(31.2304, 121.4737, 12.5, None, None), (31.2305, 121.0, 8.25, 3.0, 90.5)]
    assert all(type(value) is float for row in stored for value in row if value is not None)
    with pytest.raises(ValueError), transaction.atomic():
        insert_rows(LocationPoint, fields, [(*rows[0][:3], "north", *rows[0][4:])])


def test_a_big_load_leaves_postgresql_statistics_that_count_its_rows(org, rep):
    """PostgreSQL plans a join by what its statistics say of each table: a load that outgrew them is analysed in
    its own transaction, so the next query of that transaction is planned for the rows it now holds. SQLite keeps
    no such statistics: the same load is just written."""
    at = datetime(2026, 3, 2, 8, tzinfo=SHANGHAI)
    fields = ("org_id", "employee_id", "at", "latitude", "longitude", "accuracy_m", "provider", "mocked",
              "client_point_id", "received_at")  # fmt: skip
    rows = [
        (org.pk, rep.pk, at + timedelta(seconds=n), 31.23, 121.47, 10.0, "gps", False, uuid.uuid4(), at)
        for n in range(12_000)
    ]
    with transaction.atomic():
        assert insert_rows(LocationPoint, fields, rows) == 12_000
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the points' table is partitioned by month: its partitions count
                cursor.execute(ROWS_AND_STATISTICS, ["tracking_locationpoint"] * 2)
                inserted, counted = cursor.fetchone()
                assert inserted >= 12_000 and 12_000 <= counted < 13_000
                cursor.execute(ROWS_AND_STATISTICS, ["org_organization"] * 2)
                assert cursor.fetchone()[1] < 100  # a small table's statistics are left to autovacuum
    assert LocationPoint.objects.filter(employee=rep).count() == 12_000


def _foreign_keys() -> list[tuple[str, str, str]] | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(FOREIGN_KEYS)
        return cursor.fetchall()


def test_foreign_keys_checked_once_brings_every_key_back_as_it_was(org, rep):
    """On PostgreSQL the keys are gone inside the block (no trigger per row) and back, identical, after it,
    the partitioned points' key too; on SQLite the block changes nothing."""
    before = _foreign_keys()
    with transaction.atomic(), foreign_keys_checked_once():
        assert _foreign_keys() in ([], None)
        insert_objects([customer(rep, "上海精工机械有限公司")])
    assert _foreign_keys() == before
    if before is not None:
        assert any(table == "tracking_locationpoint" for table, _, _ in before)
        assert all("DEFERRABLE INITIALLY DEFERRED" in definition for _, _, definition in before)
    assert Customer.objects.filter(org=org, name="上海精工机械有限公司").exists()


def test_a_row_pointing_nowhere_is_refused_when_the_keys_are_checked(org, rep):
    before = _foreign_keys()
    dangling = customer(rep, "无主客户")
    dangling.owner_id = 10**9
    with pytest.raises(IntegrityError), transaction.atomic():
        with foreign_keys_checked_once():
            insert_objects([dangling])
        connection.check_constraints()  # SQLite: what its commit would find (PostgreSQL raised above)
    assert not Customer.objects.filter(org=org).exists()
    assert _foreign_keys() == before


def test_foreign_keys_checked_once_needs_a_transaction():
    if connection.vendor != "postgresql":
        with foreign_keys_checked_once():  # SQLite: nothing to bring back
            return
    with pytest.raises(RuntimeError, match="needs a transaction"), foreign_keys_checked_once():
        pass


def _secondary_indexes() -> list[tuple[str, str]] | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(SECONDARY_INDEXES, ["customers_customer"])
        return cursor.fetchall()


def test_indexes_rebuilt_after_brings_every_index_back_as_it_was(org, rep):
    """On PostgreSQL the customers' secondary indexes (the name's trigram ones too) are gone inside the block
    and back, identical, after it; the primary key and unique constraints stay throughout."""
    before = _secondary_indexes()
    with transaction.atomic(), indexes_rebuilt_after(Customer):
        assert _secondary_indexes() in ([], None)
        insert_objects([customer(rep, "上海精工机械有限公司")])
    assert _secondary_indexes() == before
    if before is not None:
        assert any("gin_trgm_ops" in definition for _, definition in before)
    assert Customer.objects.filter(org=org, name="上海精工机械有限公司").exists()


def test_a_row_breaking_a_unique_index_is_refused_when_the_indexes_come_back(org, rep):
    """A unique index that is no constraint (a credit code is unique where given) is rebuilt too, and the
    rebuild refuses the duplicate that was written while it was away (SQLite refuses it at once)."""
    before = _secondary_indexes()
    twins = [customer(rep, name, credit_code="91310000MA1FL8XQ3X") for name in ("甲公司", "乙公司")]
    with pytest.raises(IntegrityError), transaction.atomic(), indexes_rebuilt_after(Customer):
        insert_objects(twins)
    assert not Customer.objects.filter(org=org).exists()
    assert _secondary_indexes() == before
